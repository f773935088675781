/**
 * A test's client of a lab gateway's configuration API (devices/gateway/runtime/api.ts): JSON in
 * and out over real HTTP, and a poll of GET /status until the northbound link is as wanted.
 */
import { request } from 'node:http';
import type { GatewayStatusReport } from '../../devices/gateway/runtime/api.js';

export interface GatewayReply {
  status: number;
  text: string;
  body: unknown;
}

/** A client of the API at `base()` (read at each call: the card is known only once the lab is up). */
export function gatewayApi(base: () => string) {
  function http(method: string, path: string, body?: unknown): Promise<GatewayReply> {
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, base()),
        { method, headers: body === undefined ? {} : { 'content-type': 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            resolve({ status: res.statusCode ?? 0, text, body: JSON.parse(text) as unknown });
          });
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  /** GET /status until `ok` holds (8 s at most; the error shows the link as last seen). */
  async function statusWhen(
    ok: (s: GatewayStatusReport) => boolean,
    what: string,
  ): Promise<GatewayStatusReport> {
    const start = Date.now();
    for (;;) {
      const s = (await http('GET', '/status')).body as GatewayStatusReport;
      if (ok(s)) return s;
      if (Date.now() - start > 8000)
        throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s.northbound)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  return { http, statusWhen };
}
