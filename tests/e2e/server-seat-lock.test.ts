/**
 * A seat-locked session: a candidate with a seat IP may use their lab only from it. From another
 * address their MQTT login gets CONNACK 5, Modbus TCP connections are closed unanswered and CoAP
 * requests get 4.03; each refusal is recorded in the candidate's evidence and the examiner sees
 * the foreign access flagged. A candidate without a seat IP is not locked. Every client here is on
 * loopback, so the server runs with trustLoopback off (on a real server loopback is itself).
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../simulator/logger.js';
import type { CandidateCard } from '../../server/runtime.js';
import type { RunningServer } from '../../server/serve.js';
import { serve } from '../../server/serve.js';
import { coapRequest } from '../support/clients.js';
import { sendRaw } from '../support/net.js';

let server: RunningServer;
let examiner = '';
let dataDir = '';
const base = 14000 + Math.floor(Math.random() * 5000);

async function api(method: string, path: string, body?: unknown, cookie = examiner) {
  const res = await fetch(server.url + path, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(cookie ? { cookie } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text || 'null') as unknown, res };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'iotlab-seat-'));
  server = await serve({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    mqttPort: 0,
    portRange: { from: base, to: base + 99 },
    logger: silentLogger,
    adminPassword: 'examiner-pw',
    trustLoopback: false,
  });
  const ok = await api('POST', '/api/login', { username: 'admin', password: 'examiner-pw' }, '');
  examiner = ok.res.headers.get('set-cookie')!.split(';')[0]!;
});
afterAll(async () => server?.close());

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
      const login = await api(
        'POST',
        '/api/candidate/login',
        { session: s.id, candidate: cid, password },
        '',
      );
      const cookie = login.res.headers.get('set-cookie')!.split(';')[0]!;
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
    const dir = join(dataDir, 'evidence', s.id, 'c001');
    const events = readFileSync(join(dir, readdirSync(dir)[0]!), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const refusals = events
      .filter((e) => e.kind === 'net.refused' || (e.kind === 'mqtt.connect' && !e.accepted))
      .map((e) => (e.kind === 'net.refused' ? e.protocol : `mqtt ${String(e.returnCode)}`));
    expect(new Set(refusals)).toEqual(new Set(['mqtt 5', 'modbus', 'coap']));
    const progress = (await api('GET', `/api/sessions/${s.id}/progress`)).json as {
      candidates: { id: string; flags: { kind: string; subject: string }[] }[];
    };
    expect(progress.candidates.map((c) => [c.id, c.flags.map((f) => f.kind)])).toEqual([
      ['c001', ['foreign-access']],
      ['c002', []],
    ]);
  });
});
