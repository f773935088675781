/**
 * An exam server in-process on real sockets for e2e tests: its data directory, ports below Linux's
 * ephemeral range (so parallel tests' client sockets never take them), the examiner's login,
 * and a small JSON client with cookies.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../core/logger.js';
import type { RunningServer, ServeOptions } from '../../server/serve.js';
import { serve } from '../../server/serve.js';

export interface ApiReply {
  status: number;
  text: string;
  json: unknown;
  res: Response;
  /** The `name=value` part of the Set-Cookie header, if any. */
  cookie: string;
}

export interface TestServer {
  server: RunningServer;
  dataDir: string;
  /** The examiner's cookie (user admin). */
  examiner: string;
  /** A JSON request; `cookie` defaults to the examiner's. */
  api(method: string, path: string, body?: unknown, cookie?: string): Promise<ApiReply>;
  /** Logs a candidate in and returns their cookie. */
  candidate(session: string, id: string, password: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestServer(
  name: string,
  portBase: number,
  opts: Partial<ServeOptions> = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), `iotlab-${name}-`));
  const server = await serve({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    mqttPort: 0,
    portRange: { from: portBase, to: portBase + 99 },
    logger: silentLogger,
    adminPassword: 'examiner-pw',
    // A reply that drifts from the OpenAPI document (the console's types) fails the test.
    checkResponses: true,
    ...opts,
  });
  let examiner = '';
  const api = async (method: string, path: string, body?: unknown, cookie = examiner) => {
    const res = await fetch(server.url + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(cookie ? { cookie } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON (CSV, HTML)
    }
    const cookieOut = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return { status: res.status, text, json, res, cookie: cookieOut };
  };
  examiner = (await api('POST', '/api/login', { username: 'admin', password: 'examiner-pw' }, ''))
    .cookie;
  return {
    server,
    dataDir,
    examiner,
    api,
    async candidate(session, id, password) {
      const r = await api('POST', '/api/candidate/login', { session, candidate: id, password }, '');
      if (r.status !== 200) throw new Error(`candidate ${id} login: ${r.status} ${r.text}`);
      return r.cookie;
    },
    close: () => server.close(),
  };
}
