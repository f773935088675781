/**
 * The gateway's configuration API over HTTPS (issue 17): a lab with TLS serves it beside the
 * plain HTTP one, with the lab's server certificate, and the card names it (`apiTls`,
 * IOTLAB_GATEWAY_<NAME>_API_TLS). A client trusting the card's CA reads and changes the config
 * (curl --cacert too); one that does not is refused by its own verification; the HTTP API still
 * answers; the server key is in neither card nor evidence; a lab without TLS has no `apiTls`.
 * A seat lock (exam sessions) holds both ports: a peer it does not allow gets 403 and the refusal
 * is evidence (`net.refused`, protocol `http` or `https`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../../core/clock.js';
import { cardVariables } from '../../server/console/src/candidate/card-env.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import type { GatewaySpec } from '../../devices/gateway/scenario.js';
import type { LabCard } from '../../simulator/card.js';
import { cardEnv } from '../../simulator/card.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { createServer } from 'node:net';
import { loadScenario } from '../../simulator/scenario.js';
import { requireTools } from '../support/debian.js';

const dir = mkdtempSync(join(tmpdir(), 'iotlab-gw-https-'));
const lockedDir = mkdtempSync(join(tmpdir(), 'iotlab-gw-https-locked-'));
const events: EvidenceEvent[] = [];
const lockedEvents: EvidenceEvent[] = [];
let lab: Lab;
let plain: Lab;
let locked: Lab;
let card: LabCard;
let plainCard: LabCard;
let lockedCard: LabCard;
/** The HTTPS port asked for (`iotlab start --gateway-tls-port`). */
let httpsPort: number;

/** A port free a moment ago (the kernel's choice). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

beforeAll(async () => {
  httpsPort = await freePort();
  lab = createLab(loadScenario('greenhouse').scenario, {
    seed: 5,
    clock: new RealClock(),
    tls: { dir },
    ports: { gatewayTls: httpsPort },
  });
  plain = createLab(loadScenario('greenhouse').scenario, { seed: 5, clock: new RealClock() });
  // Every peer here is on loopback: a lock that allows none (the seat is elsewhere).
  locked = createLab(loadScenario('greenhouse').scenario, {
    seed: 5,
    clock: new RealClock(),
    tls: { dir: lockedDir },
    allowPeer: () => false,
  });
  lab.recorder.subscribe((e) => events.push(e));
  locked.recorder.subscribe((e) => lockedEvents.push(e));
  [card, plainCard, lockedCard] = await Promise.all([lab.start(), plain.start(), locked.start()]);
});
afterAll(async () => {
  await Promise.allSettled([lab?.stop(), plain?.stop(), locked?.stop()]);
  rmSync(dir, { recursive: true, force: true });
  rmSync(lockedDir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  text: string;
}

/** One request to `base + path`; `ca` undefined over https = Node's public roots only. */
function call(
  base: string,
  method: string,
  path: string,
  o: { body?: unknown; ca?: string } = {},
): Promise<Reply> {
  const url = new URL(path, base);
  const headers = o.body === undefined ? {} : { 'content-type': 'application/json' };
  return new Promise((resolve, reject) => {
    const onRes = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
      );
    };
    const req =
      url.protocol === 'https:'
        ? httpsRequest(url, { method, headers, ...(o.ca ? { ca: o.ca } : {}) }, onRes)
        : httpRequest(url, { method, headers }, onRes);
    req.on('error', reject);
    req.end(o.body === undefined ? undefined : JSON.stringify(o.body));
  });
}

function curl(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '5', ...args], (err, out, errOut) =>
      resolve({
        code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
        out: String(out),
        err: String(errOut),
      }),
    );
  });
}

describe('the gateway API over HTTPS', () => {
  it('is on the card and in the variables beside the HTTP one', () => {
    const gw = card.gateways![0]!;
    expect(gw.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gw.apiTls).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(gw.apiTls!).port).toBe(String(httpsPort));
    const env = cardEnv(card);
    expect(env.IOTLAB_GATEWAY_GW1_API).toBe(gw.api);
    expect(env.IOTLAB_GATEWAY_GW1_API_TLS).toBe(gw.apiTls);
    // The candidate page's lines give the same (server/console/src/candidate/card-env.ts).
    expect(Object.fromEntries(cardVariables(card))).toEqual(env);
    expect(card.mqtt.ca?.path).toBe(join(dir, 'ca.pem'));
  });

  it('reads and changes the config for a client trusting the card CA; the HTTP API agrees', async () => {
    const gw = card.gateways![0]!;
    const ca = readFileSync(card.mqtt.ca!.path, 'utf8');
    const got = await call(gw.apiTls!, 'GET', '/config', { ca });
    expect(got.status, got.text).toBe(200);
    const overHttp = await call(gw.api, 'GET', '/config');
    expect(overHttp.status).toBe(200);
    expect(JSON.parse(got.text)).toEqual(JSON.parse(overHttp.text));

    const config = JSON.parse(got.text) as GatewaySpec;
    const payload = '{"v":{value},"at":{ts}}';
    expect(config.payload).not.toBe(payload);
    const put = await call(gw.apiTls!, 'PUT', '/config', { ca, body: { ...config, payload } });
    expect(put.status, put.text).toBe(200);
    // In force, as the plain API shows, and recorded as a change made over HTTPS.
    const after = JSON.parse((await call(gw.api, 'GET', '/config')).text) as GatewaySpec;
    expect(after.payload).toBe(payload);
    const change = events.findLast(
      (e) => e.kind === 'device.state' && e.device === 'gw:gw1' && e.source === 'gateway-api',
    );
    expect(change).toMatchObject({ tls: true, values: { config: { payload } } });
    // A change over HTTP is not marked.
    const back = await call(gw.api, 'PUT', '/config', { body: config });
    expect(back.status, back.text).toBe(200);
    const last = events.findLast((e) => e.kind === 'device.state' && e.device === 'gw:gw1');
    expect(last?.tls).toBeUndefined();
    const status = await call(gw.api, 'GET', '/status');
    expect(status.status).toBe(200);
    expect(JSON.parse(status.text)).toMatchObject({ gateway: 'gw1' });
  });

  it('is refused by a client that does not trust the CA (its own verification fails)', async () => {
    const gw = card.gateways![0]!;
    const err = await call(gw.apiTls!, 'GET', '/config').then(
      (r) => new Error(`answered ${r.status}`),
      (e: NodeJS.ErrnoException) => e,
    );
    expect((err as NodeJS.ErrnoException).code).toMatch(
      /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/,
    );
    // Plain HTTP to the HTTPS port gets no config either.
    const mixed = await call(gw.apiTls!.replace('https:', 'http:'), 'GET', '/config').then(
      (r) => r.status,
      () => 0,
    );
    expect(mixed).not.toBe(200);
  });

  it('works with curl --cacert "$IOTLAB_MQTT_CA" (and curl without it fails)', async () => {
    requireTools('curl');
    const env = cardEnv(card);
    const gw = env.IOTLAB_GATEWAY_GW1_API_TLS!;
    const ok = await curl(['--fail', '--cacert', env.IOTLAB_MQTT_CA!, `${gw}/points`]);
    expect(ok.code, ok.err).toBe(0);
    expect((JSON.parse(ok.out) as { points: unknown[] }).points.length).toBeGreaterThan(0);
    const refused = await curl([`${gw}/points`]);
    expect(refused.code).toBe(60); // CURLE_PEER_FAILED_VERIFICATION
  });

  it('never shows the server key in the card or the evidence', () => {
    const key = readFileSync(join(dir, 'server.key'), 'utf8');
    const body = key.split('\n')[1]!;
    expect(body.length).toBeGreaterThan(20);
    expect(JSON.stringify(card)).not.toContain(body);
    expect(JSON.stringify(events)).not.toContain(body);
    expect(JSON.stringify(events)).not.toContain('PRIVATE KEY');
  });

  it('is not there without TLS', async () => {
    const gw = plainCard.gateways![0]!;
    expect(gw.apiTls).toBeUndefined();
    expect(Object.keys(cardEnv(plainCard)).filter((k) => k.endsWith('_TLS'))).toEqual([]);
    expect((await call(gw.api, 'GET', '/config')).status).toBe(200);
  });

  it('is held to the seat lock like the HTTP API: 403 and net.refused on both ports', async () => {
    const gw = lockedCard.gateways![0]!;
    const ca = readFileSync(lockedCard.mqtt.ca!.path, 'utf8');
    const overHttps = await call(gw.apiTls!, 'PUT', '/config', { ca, body: { name: 'gw1' } });
    expect(overHttps.status, overHttps.text).toBe(403);
    expect(JSON.parse(overHttps.text)).toMatchObject({ code: 'API_FORBIDDEN' });
    expect((await call(gw.api, 'GET', '/config')).status).toBe(403);
    const refused = lockedEvents.filter(
      (e) => e.kind === 'net.refused' && (e.protocol === 'http' || e.protocol === 'https'),
    );
    expect(refused.map((e) => e.protocol).sort()).toEqual(['http', 'https']);
    // Nothing changed: no config evidence from the API.
    expect(lockedEvents.some((e) => e.source === 'gateway-api')).toBe(false);
  });
});
