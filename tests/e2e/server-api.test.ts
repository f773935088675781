/**
 * The exam server in-process on real sockets: examiner login, schema errors as 400, a session
 * from a paper and a roster, its labs started on the shared broker, a candidate's login, card and
 * MQTT access with the card's credentials, and the score sheet ("pending", never a made-up score).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import type { RunningServer } from '../../server/serve.js';
import { serve } from '../../server/serve.js';
import type { CandidateCard } from '../../server/runtime.js';
import { waitFor } from '../support/net.js';

let server: RunningServer;
let examiner = '';
let dataDir = '';
// Below Linux's ephemeral range (32768–60999), where client sockets of parallel tests would take
// ports at random; and apart from serve-crash.test.ts's 26000–31999.
const base = 20000 + Math.floor(Math.random() * 5900);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'iotlab-api-'));
  server = await serve({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    mqttPort: 0,
    portRange: { from: base, to: base + 99 },
    logger: silentLogger,
    adminPassword: 'examiner-pw',
  });
});
afterAll(async () => server?.close());

async function api(
  method: string,
  path: string,
  body?: unknown,
  cookie = examiner,
): Promise<{ status: number; json: unknown; text: string; setCookie: string | null }> {
  const res = await fetch(server.url + path, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(cookie ? { cookie } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // CSV and other text bodies
  }
  return { status: res.status, json, text, setCookie: res.headers.get('set-cookie') };
}

describe('exam server API', () => {
  let sessionId = '';

  it('refuses anonymous access and bad logins; an examiner gets an httpOnly SameSite cookie', async () => {
    expect((await api('GET', '/api/sessions', undefined, '')).status).toBe(401);
    expect(
      (await api('POST', '/api/login', { username: 'admin', password: 'no' }, '')).status,
    ).toBe(401);
    const bad = await api('POST', '/api/login', { username: 'admin' }, '');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('body.password');
    const ok = await api('POST', '/api/login', { username: 'admin', password: 'examiner-pw' }, '');
    expect(ok.status).toBe(200);
    expect(ok.setCookie).toMatch(/HttpOnly/);
    expect(ok.setCookie).toMatch(/SameSite=Strict/);
    examiner = ok.setCookie!.split(';')[0]!;
  });

  it('rejects non-JSON state changes (CSRF) and malformed JSON with clear errors', async () => {
    const form = await fetch(server.url + '/api/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: examiner },
      body: 'mode=exam',
    });
    expect(form.status).toBe(403);
    const broken = await fetch(server.url + '/api/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: examiner },
      body: '{"mode":',
    });
    expect(broken.status).toBe(400);
  });

  it('a bad roster creates nothing and lists every row', async () => {
    const r = await api('POST', '/api/sessions', {
      paper: 'L1-EMB',
      mode: 'exam',
      roster: 'id,name\nok1,A\nbad id,B\nok3,\n',
    });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.json)).toMatch(/line 3.*line 4/);
    expect((await api('GET', '/api/sessions')).json).toEqual([]);
    const mode = await api('POST', '/api/sessions', { paper: 'L1-EMB', mode: 'x', roster: 'a' });
    expect(mode.status).toBe(400);
    expect(JSON.stringify(mode.json)).toContain('body.mode');
  });

  it('creates and starts a session; each candidate has a prefix and ports of their own', async () => {
    const r = await api('POST', '/api/sessions', {
      paper: 'L1-EMB',
      mode: 'practice',
      roster: 'id,name,seat,ip\nc001,张三,A1,\nc002,李四,A2,10.9.9.9\n',
    });
    expect(r.status).toBe(201);
    sessionId = (r.json as { id: string }).id;
    expect((await api('POST', `/api/sessions/${sessionId}/start`, {})).status).toBe(200);
    const s = (await api('GET', `/api/sessions/${sessionId}`)).json as {
      running: boolean;
      candidates: { topicPrefix: string; ports: { coap: number; modbus: number } }[];
    };
    expect(s.running).toBe(true);
    expect(s.candidates.map((c) => c.topicPrefix)).toEqual([
      `iotlab/${sessionId}/c001`,
      `iotlab/${sessionId}/c002`,
    ]);
    expect(s.candidates[0]!.ports.coap).toBe(base);
    expect(s.candidates[1]!.ports.coap).toBeGreaterThan(s.candidates[0]!.ports.modbus);
    expect(JSON.stringify(s)).not.toMatch(/secret|seed|passwordHash/);
  });

  it('a candidate logs in, gets a card without the seed, and reaches only their MQTT topics', async () => {
    const slipless = await api(
      'POST',
      '/api/candidate/login',
      { session: sessionId, candidate: 'c001', password: 'wrong-pass' },
      '',
    );
    expect(slipless.status).toBe(401);
    const slips = (await api('GET', `/api/sessions/${sessionId}/slips`)).json as {
      candidate: string;
      mqttUsername: string;
      password: string;
    }[];
    const [s1, s2] = slips;
    const login = await api(
      'POST',
      '/api/candidate/login',
      { session: sessionId, candidate: 'c001', password: s1!.password },
      '',
    );
    expect(login.status).toBe(200);
    const me = login.setCookie!.split(';')[0]!;
    expect((await api('GET', `/api/sessions/${sessionId}`, undefined, me)).status).toBe(403);
    const before = (await api('GET', '/api/me', undefined, me)).json as { card: unknown };
    expect(before.card).toBeNull(); // no lab until the candidate starts a task
    const started = await api('POST', '/api/me/tasks/l1-emb-analog/start', {}, me);
    expect(started.status, started.text).toBe(200);
    const again = await api('POST', '/api/me/tasks/l1-emb-analog/start', {}, me);
    expect(again.status).toBe(409);
    const mine = (await api('GET', '/api/me', undefined, me)).json as { card: CandidateCard };
    const card = mine.card;
    expect(card.mqtt.username).toBe(s1!.mqttUsername);
    expect(card.mqtt.password).toBe(s1!.password);
    expect(card.mqtt.topicPrefix).toBe(`iotlab/${sessionId}/c001`);
    expect(JSON.stringify(mine)).not.toMatch(/"seed"|secret|evidence/);
    const c = await mqtt.connectAsync(card.mqtt.url, {
      username: card.mqtt.username,
      password: card.mqtt.password,
      reconnectPeriod: 0,
    });
    const topics: string[] = [];
    c.on('message', (t) => topics.push(t));
    await c.subscribeAsync(`${card.mqtt.topicPrefix}/#`);
    await expect(c.subscribeAsync(`iotlab/${sessionId}/c002/#`)).rejects.toThrow();
    await c.publishAsync(`${card.mqtt.topicPrefix}/acq/x`, '{"v":1}', { qos: 1 });
    await waitFor(() => topics.length > 0, 5000, 'own publish');
    expect(topics.every((t) => t.startsWith(`${card.mqtt.topicPrefix}/`))).toBe(true);
    await c.endAsync();
    await expect(
      mqtt.connectAsync(card.mqtt.url, {
        username: s1!.mqttUsername,
        password: s2!.password,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow(/Bad username or password/);
    // Finishing grades the attempt with the real grader from its evidence.
    expect((await api('POST', '/api/me/finish', {}, me)).status).toBe(200);
  });

  it('exports the graded task, and every other task pending, never a made-up zero', async () => {
    const csv = await api('GET', `/api/sessions/${sessionId}/export?format=csv&lang=en`);
    expect(csv.status).toBe(200);
    const rows = parse<Record<string, string>>(csv.text.replace(/^\uFEFF/, ''), {
      columns: true,
    });
    expect(rows.map((r) => r.candidate)).toEqual(['c001', 'c002']);
    expect(rows.every((r) => r.result === 'pending' && r.total === '')).toBe(true);
    expect(rows[0]!['l1-emb-analog']).toMatch(/^\d+(\.\d)?$/);
    expect(rows[0]!['l1-emb-m2m']).toBe('');
    expect(rows[1]!['l1-emb-analog']).toBe('');
    const long = await api('GET', `/api/sessions/${sessionId}/export?format=csv-long&lang=en`);
    const checks = parse<Record<string, string>>(long.text.replace(/^\uFEFF/, ''), {
      columns: true,
    });
    expect(checks.map((r) => r.check)).toEqual([
      'modbus-read',
      'published',
      'payload',
      'value',
      'period',
      'qos',
    ]);
    expect(checks.every((r) => r.candidate === 'c001' && r.kind === 'auto')).toBe(true);
    expect((await api('GET', `/api/sessions/${sessionId}/export?format=xml`)).status).toBe(400);
    const audit = (await api('GET', `/api/sessions/${sessionId}/audit`)).json as {
      action: string;
    }[];
    expect(audit.map((a) => a.action)).toEqual([
      'session.create',
      'session.start',
      'session.slips',
      'candidate.login',
      'task.start',
      'task.stop',
      'session.export',
      'session.export',
    ]);
  });

  it('flags copying and foreign access for the examiner, in progress and in the report', async () => {
    // c002's seat is 10.9.9.9; their lab is reached from 127.0.0.1 here: foreign access.
    const slips = (await api('GET', `/api/sessions/${sessionId}/slips`)).json as {
      password: string;
    }[];
    const login = await api(
      'POST',
      '/api/candidate/login',
      { session: sessionId, candidate: 'c002', password: slips[1]!.password },
      '',
    );
    const me = login.setCookie!.split(';')[0]!;
    expect((await api('POST', '/api/me/tasks/l1-emb-coap/start', {}, me)).status).toBe(200);
    const card = ((await api('GET', '/api/me', undefined, me)).json as { card: CandidateCard })
      .card;
    const c = await mqtt.connectAsync(card.mqtt.url, {
      username: card.mqtt.username,
      password: card.mqtt.password,
      reconnectPeriod: 0,
    });
    await c.publishAsync(`${card.mqtt.topicPrefix}/out`, 'hello', { qos: 1 });
    await c.endAsync();
    expect((await api('POST', '/api/me/finish', {}, me)).status).toBe(200);
    type Flag = { kind: string; task: string; subject: string; message: { zh: string } };
    const progress = (await api('GET', `/api/sessions/${sessionId}/progress`)).json as {
      candidates: { id: string; flags: Flag[] }[];
    };
    const flagsOf = (id: string) => progress.candidates.find((x) => x.id === id)!.flags;
    // c001 tried c002's topics (denied, recorded): c002's identifiers in c001's traffic.
    expect(flagsOf('c001')).toEqual([
      expect.objectContaining({ kind: 'copying', task: 'l1-emb-analog', subject: 'c002' }),
    ]);
    expect(flagsOf('c002')).toEqual([
      expect.objectContaining({
        kind: 'foreign-access',
        task: 'l1-emb-coap',
        subject: '127.0.0.1',
      }),
    ]);
    const html = await api(
      'GET',
      `/api/sessions/${sessionId}/candidates/c002/report?task=l1-emb-coap`,
    );
    expect(html.status).toBe(200);
    expect(html.text).toContain('For the examiner');
    expect(html.text).toContain('127.0.0.1');
  });
  it('a regrade notices evidence changed after the attempt ended, even in its last line', async () => {
    const before = (await api('GET', `/api/sessions/${sessionId}/regrade`)).json as {
      candidate: string;
      task: string;
      afterStatus: string;
    }[];
    const row = (d: typeof before) => d.find((x) => x.candidate === 'c002')!;
    expect(row(before).afterStatus).not.toBe('ungradable');
    // Edit the last line (lab.stop's reason) and mend nothing else: the hash chain cannot show it.
    const file = join(dataDir, 'evidence', sessionId, 'c002', 'l1-emb-coap.jsonl');
    const text = readFileSync(file, 'utf8');
    const lines = text.trimEnd().split('\n');
    const last = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
    lines[lines.length - 1] = JSON.stringify({ ...last, reason: 'edited' });
    writeFileSync(file, lines.join('\n') + '\n');
    const after = (await api('GET', `/api/sessions/${sessionId}/regrade`)).json as typeof before;
    expect(row(after)).toEqual(expect.objectContaining({ afterStatus: 'ungradable' }));
    writeFileSync(file, text);
    const mended = (await api('GET', `/api/sessions/${sessionId}/regrade`)).json as typeof before;
    expect(row(mended).afterStatus).toBe(row(before).afterStatus);
  });
});
