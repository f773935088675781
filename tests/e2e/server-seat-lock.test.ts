/**
 * A seat-locked session: a candidate with a seat IP may use their lab only from it. From another
 * address their MQTT login gets CONNACK 5, Modbus TCP connections are closed unanswered and CoAP
 * requests get 4.03, the lab's own MQTT TLS port closes before the handshake; each refusal is recorded in the candidate's evidence and the examiner sees
 * the foreign access flagged. A candidate without a seat IP is not locked. Every client here is on
 * loopback, so the server runs with trustLoopback off (on a real server loopback is itself).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CandidateCard } from '../../server/runtime.js';
import { coapRequest } from '../support/clients.js';
import { sendRaw } from '../support/net.js';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

let t: TestServer;
const base = 14000 + Math.floor(Math.random() * 5000);
const api = (method: string, path: string, body?: unknown, cookie?: string) =>
  t.api(method, path, body, cookie);

beforeAll(async () => {
  t = await startTestServer('seat', base, { trustLoopback: false, mqttsPort: 0 });
});
afterAll(async () => t?.close());

describe('seat lock', () => {
  it('refuses a seated candidate’s lab from elsewhere, records it, flags it; others unaffected', async () => {
    const created = await api('POST', '/api/sessions', {
      paper: 'L1-EMB',
      mode: 'practice',
      seatLock: true,
      roster: 'id,name,seat,ip\nc001,张三,A1,10.9.9.9\nc002,李四,A2,\n',
    });
    expect(created.status, created.text).toBe(201);
    const s = created.json as { id: string; candidates: { password: string }[] };
    expect((await api('POST', `/api/sessions/${s.id}/start`, {})).status).toBe(200);
    const enter = async (cid: string, password: string, task: string) => {
      const cookie = await t.candidate(s.id, cid, password);
      expect((await api('POST', `/api/me/tasks/${task}/start`, {}, cookie)).status).toBe(200);
      const card = (
        (await api('GET', '/api/me', undefined, cookie)).json as { card: CandidateCard }
      ).card;
      return { cookie, card };
    };
    const a = await enter('c001', s.candidates[0]!.password, 'l1-emb-analog');
    await expect(
      mqtt.connectAsync(a.card.mqtt.url, {
        username: a.card.mqtt.username,
        password: a.card.mqtt.password,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow(/Not authorized/i);
    // Modbus TCP: read input register 0 of unit 1; the connection is closed, nothing answered.
    const modbus = await sendRaw(
      a.card.modbus.port,
      Buffer.from([0, 1, 0, 0, 0, 6, 1, 4, 0, 0, 0, 1]),
      500,
    );
    expect(modbus).toEqual({ closedByServer: true, received: Buffer.alloc(0) });
    expect((await coapRequest(`${a.card.coap.url}/.well-known/core`)).code).toBe('4.03');
    // The lab's own MQTT TLS port: closed before the handshake.
    const tlsRefused = await new Promise<string>((resolve) => {
      const c = tlsConnect({
        host: '127.0.0.1',
        port: Number(new URL(a.card.mqtt.tlsUrl!).port),
        rejectUnauthorized: false,
      });
      c.once('secureConnect', () => resolve('handshake done'));
      c.once('error', (err: Error & { code?: string }) => resolve(err.code ?? err.message));
    });
    expect(tlsRefused).toMatch(/ECONNRESET|EPIPE/);

    const b = await enter('c002', s.candidates[1]!.password, 'l1-emb-analog');
    const ok = await mqtt.connectAsync(b.card.mqtt.url, {
      username: b.card.mqtt.username,
      password: b.card.mqtt.password,
      reconnectPeriod: 0,
    });
    await ok.endAsync();
    expect((await coapRequest(`${b.card.coap.url}/.well-known/core`)).code).toBe('2.05');

    expect((await api('POST', '/api/me/finish', {}, a.cookie)).status).toBe(200);
    expect((await api('POST', '/api/me/finish', {}, b.cookie)).status).toBe(200);
    const dir = join(t.dataDir, 'evidence', s.id, 'c001');
    const events = readFileSync(join(dir, readdirSync(dir)[0]!), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const refusals = events
      .filter((e) => e.kind === 'net.refused' || (e.kind === 'mqtt.connect' && !e.accepted))
      .map((e) => (e.kind === 'net.refused' ? e.protocol : `mqtt ${String(e.returnCode)}`));
    expect(new Set(refusals)).toEqual(new Set(['mqtt 5', 'modbus', 'coap', 'mqtts']));
    const progress = (await api('GET', `/api/sessions/${s.id}/progress`)).json as {
      candidates: { id: string; flags: { kind: string; subject: string }[] }[];
    };
    expect(progress.candidates.map((c) => [c.id, c.flags.map((f) => f.kind)])).toEqual([
      ['c001', ['foreign-access']],
      ['c002', []],
    ]);
  });
});
