/**
 * An exam server's MQTT over TLS (issue 17.2): its own CA in the data directory (keys 0600),
 * downloaded by a candidate (GET /api/me/ca.pem) and named on their card with its fingerprint;
 * the candidate's login works over TLS and secure WebSocket, the handshake lands in their own
 * evidence, and a wrong password over TLS is refused with the handshake in the unrouted evidence.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';
import { waitFor } from '../support/net.js';

let t: TestServer;
let plain: TestServer;
const base = 19000 + Math.floor(Math.random() * 2000);

beforeAll(async () => {
  t = await startTestServer('tls', base, { mqttsPort: 0, wssPort: 0 });
  plain = await startTestServer('no-tls', base + 100);
});
afterAll(async () => {
  await t?.close();
  await plain?.close();
});

interface TlsCard {
  mqtt: {
    tlsUrl?: string;
    wssUrl?: string;
    ca?: { path: string; sha256: string };
    username: string;
    password: string;
    topicPrefix: string;
  };
}

const jsonl = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function session(server: TestServer) {
  const r = await server.api('POST', '/api/sessions', {
    paper: 'L1-EMB',
    mode: 'practice',
    roster: 'id,name\nc001,张三\n',
  });
  expect(r.status, r.text).toBe(201);
  const s = r.json as { id: string; candidates: { password: string }[] };
  expect((await server.api('POST', `/api/sessions/${s.id}/start`, {})).status).toBe(200);
  return { id: s.id, cookie: await server.candidate(s.id, 'c001', s.candidates[0]!.password) };
}

describe('MQTT over TLS on the exam server', () => {
  it('a candidate downloads the CA, reads the TLS URLs on the card and logs in over TLS and wss', async () => {
    const { id, cookie } = await session(t);
    expect((await t.api('GET', '/api/me/ca.pem', undefined, '')).status).toBe(401);
    const ca = await t.api('GET', '/api/me/ca.pem', undefined, cookie);
    expect(ca.status).toBe(200);
    expect(ca.text).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(ca.text).not.toMatch(/PRIVATE/);
    for (const f of readdirSync(join(t.dataDir, 'tls')).filter((n) => n.endsWith('.key')))
      expect(statSync(join(t.dataDir, 'tls', f)).mode & 0o777, f).toBe(0o600);

    const started = await t.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, cookie);
    expect(started.status, started.text).toBe(200);
    const card = (started.json as { card: TlsCard }).card;
    // The lab's own TLS port (in the candidate's block: its TLS faults are the candidate's
    // alone); the server's shared TLS port serves the same login.
    const own = Number(new URL(card.mqtt.tlsUrl!).port);
    expect(card.mqtt.tlsUrl).toBe(`mqtts://127.0.0.1:${own}`);
    expect(own).not.toBe(t.server.mqttsPort);
    expect(card.mqtt.wssUrl).toBe(`wss://127.0.0.1:${t.server.wssPort}`);
    expect(card.mqtt.ca).toEqual({
      path: 'ca.pem',
      sha256: new X509Certificate(ca.text).fingerprint256,
    });
    const { username, password, topicPrefix } = card.mqtt;

    for (const [url, clientId] of [
      [`mqtts://localhost:${own}`, 'c001-own'],
      [`mqtts://localhost:${t.server.mqttsPort}`, 'c001-tls'],
      [card.mqtt.wssUrl!, 'c001-wss'],
    ] as const) {
      const c = await mqtt.connectAsync(url, {
        clientId,
        username,
        password,
        ca: ca.text,
        reconnectPeriod: 0,
        connectTimeout: 5000,
      });
      await c.publishAsync(`${topicPrefix}/hello`, clientId, { qos: 1 });
      await c.endAsync();
    }
    // The handshakes are the candidate's evidence, each with its connect.
    const evidence = join(t.dataDir, 'evidence', id, 'c001', 'l1-emb-analog.jsonl');
    const hs = await waitFor(() => {
      const h = jsonl(evidence).filter((e) => e.kind === 'tls.handshake');
      return h.length >= 3 ? h : undefined;
    });
    expect(hs.map((e) => [e.ok, e.transport, e.sni])).toEqual([
      [true, 'mqtts', 'localhost'],
      [true, 'mqtts', 'localhost'],
      [true, 'wss', null],
    ]);

    // A wrong password over TLS belongs to nobody: refused, with its handshake, unrouted.
    await expect(
      mqtt.connectAsync(`mqtts://127.0.0.1:${t.server.mqttsPort}`, {
        clientId: 'c001-wrong',
        username,
        password: `${password}x`,
        ca: ca.text,
        reconnectPeriod: 0,
        connectTimeout: 5000,
      }),
    ).rejects.toThrow(/Bad username or password|Not authorized/i);
    const unrouted = join(t.dataDir, 'evidence', 'broker-unrouted.jsonl');
    const refused = await waitFor(() => {
      const events = jsonl(unrouted);
      const i = events.findIndex((e) => e.kind === 'mqtt.connect' && e.clientId === 'c001-wrong');
      return i > 0 ? events.slice(0, i + 1) : undefined;
    });
    const connect = refused.at(-1)!;
    expect(connect).toMatchObject({ accepted: false, returnCode: 4 });
    expect(
      refused.find((e) => e.kind === 'tls.handshake' && e.peer === connect.peer),
    ).toMatchObject({ ok: true, transport: 'mqtts' });
    expect(readFileSync(unrouted, 'utf8')).not.toMatch(/PRIVATE KEY/);
  }, 30_000);

  it('a server without TLS says so in both languages, and its cards have no TLS', async () => {
    const { cookie } = await session(plain);
    const r = await plain.api('GET', '/api/me/ca.pem', undefined, cookie);
    expect(r.status).toBe(404);
    expect(r.text).toContain('MQTT over TLS');
    expect(r.text).toContain('未开启');
    const started = await plain.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, cookie);
    const card = (started.json as { card: TlsCard }).card;
    expect(card.mqtt.tlsUrl).toBeUndefined();
    expect(card.mqtt.ca).toBeUndefined();
  }, 30_000);
});
