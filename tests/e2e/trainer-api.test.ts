/**
 * The trainer API in-process on real sockets: a class lab session and an exam session, candidates
 * running tasks, and a trainer who lists the running labs, reads a lab's live values, injects
 * and clears faults (truth changes, the audit log and the evidence say so), resets a lab and
 * follows the live stream. Candidates get 403, bad bodies 400, and a trainer may not touch an exam.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadableStreamReadResult } from 'node:stream/web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import type { RunningServer } from '../../server/serve.js';
import { serve } from '../../server/serve.js';
import type { ActiveFault, DeviceInfo, LiveState } from '../../server/trainer-view.js';

let server: RunningServer;
const dataDir = mkdtempSync(join(tmpdir(), 'iotlab-trainer-'));
const base = 20000 + Math.floor(Math.random() * 5900);
let examiner = '';
let trainer = '';
let candidate = '';
const candidates = new Map<string, string>();
let classId = '';
let examId = '';

interface Reply {
  status: number;
  json: unknown;
}
async function api(method: string, path: string, cookie: string, body?: unknown): Promise<Reply> {
  const res = await fetch(server.url + path, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : { 'x-iotlab-csrf': '1' }),
      cookie,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}
const cookieOf = async (path: string, body: unknown) => {
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
};

async function sessionWithTasks(mode: 'lab' | 'exam', tasks: Record<string, string>) {
  const roster = `id,name\n${Object.keys(tasks)
    .map((c) => `${c},${c.toUpperCase()}`)
    .join('\n')}\n`;
  const r = await api('POST', '/api/sessions', examiner, { paper: 'L1-EMB', mode, roster });
  expect(r.status).toBe(201);
  const s = r.json as { id: string; candidates: { id: string; password: string }[] };
  expect((await api('POST', `/api/sessions/${s.id}/start`, examiner, {})).status).toBe(200);
  for (const c of s.candidates) {
    const me = await cookieOf('/api/candidate/login', {
      session: s.id,
      candidate: c.id,
      password: c.password,
    });
    const started = await api('POST', `/api/me/tasks/${tasks[c.id]}/start`, me, {});
    expect(started.status).toBe(200);
    candidates.set(c.id, me);
    if (c.id === 'c001') candidate = me;
  }
  return s.id;
}

beforeAll(async () => {
  server = await serve({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    mqttPort: 0,
    portRange: { from: base, to: base + 99 },
    logger: silentLogger,
    adminPassword: 'examiner-pw',
    trainerPassword: 'trainer-pw',
  });
  examiner = await cookieOf('/api/login', { username: 'admin', password: 'examiner-pw' });
  trainer = await cookieOf('/api/login', { username: 'trainer', password: 'trainer-pw' });
  classId = await sessionWithTasks('lab', { c001: 'l1-emb-analog', c002: 'l1-emb-m2m' });
  examId = await sessionWithTasks('exam', { e001: 'l1-emb-analog' });
}, 60_000);
afterAll(async () => server?.close());

interface LabView {
  task: string;
  devices: DeviceInfo[];
  live: LiveState;
}
const labPath = () => `/api/trainer/labs/${classId}/c001`;
const view = async (cookie = trainer) => (await api('GET', labPath(), cookie)).json as LabView;

describe('trainer API', () => {
  it('lets trainers and examiners in, and nobody else', async () => {
    expect((await api('GET', '/api/trainer/labs', '')).status).toBe(401);
    expect((await api('GET', '/api/trainer/labs', candidate)).status).toBe(403);
    expect((await api('GET', labPath(), candidate)).status).toBe(403);
    const inject = await api('POST', `${labPath()}/faults`, candidate, {
      device: 'x',
      type: 'offline',
    });
    expect(inject.status).toBe(403);
    expect((await api('POST', `${labPath()}/reset`, candidate, {})).status).toBe(403);
    expect((await api('GET', '/api/trainer/labs', examiner)).status).toBe(200);
  });

  it('lists every running lab with its candidate and task', async () => {
    const labs = (await api('GET', '/api/trainer/labs', trainer)).json as {
      session: string;
      candidate: string;
      task: string;
      mode: string;
    }[];
    expect(labs.map((l) => [l.session, l.candidate, l.task, l.mode])).toEqual([
      [classId, 'c001', 'l1-emb-analog', 'lab'],
      [classId, 'c002', 'l1-emb-m2m', 'lab'],
      [examId, 'e001', 'l1-emb-analog', 'exam'],
    ]);
    const missing = await api('GET', `/api/trainer/labs/${classId}/c999`, trainer);
    expect(missing.status).toBe(404);
  });

  it('gives bad bodies and parameters a 400 naming the problem', async () => {
    const sensor = (await view()).devices[0]!;
    const cases: [unknown, string][] = [
      [{ device: sensor.id }, 'body.type'],
      [{ device: sensor.id, type: 'melt' }, 'body.type'],
      [{ device: sensor.id, type: 'slow', delayMs: -5 }, 'body.delayMs'],
      [{ device: sensor.id, type: 'offline', extra: 1 }, 'extra'],
      [{ type: 'offline' }, 'body.device'],
    ];
    for (const [body, where] of cases) {
      const r = await api('POST', `${labPath()}/faults`, trainer, body);
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.json)).toContain(where);
    }
    const m2m = `/api/trainer/labs/${classId}/c002`;
    const devices = ((await api('GET', m2m, trainer)).json as LabView).devices;
    const actuator = devices.find((d) => d.actuator)!;
    const wrong = await api('POST', `${m2m}/faults`, trainer, {
      device: actuator.id,
      type: 'stuck',
    });
    expect(wrong.status).toBe(400);
    expect((wrong.json as { error: { message: string } }).error.message).toContain(
      `${actuator.name} (actuator) does not take "stuck"`,
    );
    const unknown = await api('POST', `${labPath()}/faults`, trainer, {
      device: 'no_such',
      type: 'offline',
    });
    expect(unknown.status).toBe(404);
    expect((await api('DELETE', `${labPath()}/faults/f999`, trainer)).status).toBe(404);
    expect((await api('DELETE', `${labPath()}/faults/DROP`, trainer)).status).toBe(400);
  });

  it('refuses a state change that is not JSON and carries no CSRF header', async () => {
    const res = await fetch(server.url + labPath() + '/reset', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: trainer },
      body: 'x=1',
    });
    expect(res.status).toBe(403);
  });

  it('inject and clear change what the device reports, and are audited and in the evidence', async () => {
    const before = await view();
    const sensor = before.devices.find((d) => d.channels.length > 0)!;
    const q = sensor.channels[0]!.quantity;
    expect(before.live.devices.find((d) => d.id === sensor.id)).toMatchObject({
      online: true,
      faults: [],
    });

    const spike = await api('POST', `${labPath()}/faults`, trainer, {
      device: sensor.name,
      type: 'spike',
      value: 4321,
    });
    expect(spike.status).toBe(201);
    const offline = await api('POST', `${labPath()}/faults`, trainer, {
      device: sensor.id,
      type: 'offline',
      duration: 600,
    });
    expect(offline.status).toBe(201);
    const during = await view();
    const d = during.live.devices.find((x) => x.id === sensor.id)!;
    expect(d.values?.[q]).toBe(4321);
    expect(d.online).toBe(false);
    expect(d.faults).toEqual(['spike', 'offline']);
    const ids = [(spike.json as ActiveFault).id, (offline.json as ActiveFault).id];
    expect(during.live.faults.map((f) => f.id)).toEqual(ids);

    const cleared = await api('DELETE', `${labPath()}/faults/${ids[1]}`, trainer);
    expect(cleared.status).toBe(200);
    const after = (await view()).live.devices.find((x) => x.id === sensor.id)!;
    expect(after.online).toBe(true);
    expect(after.faults).toEqual(['spike']);

    const audit = (await api('GET', `/api/sessions/${classId}/audit`, examiner)).json as {
      actor: string;
      action: string;
      detail: { candidate: string; fault: { id: string; type: string } };
    }[];
    const mine = audit.filter((a) => a.action.startsWith('trainer.'));
    expect(mine.map((a) => [a.actor, a.action, a.detail.candidate, a.detail.fault.id])).toEqual([
      ['trainer', 'trainer.fault.inject', 'c001', ids[0]],
      ['trainer', 'trainer.fault.inject', 'c001', ids[1]],
      ['trainer', 'trainer.fault.clear', 'c001', ids[1]],
    ]);

    const file = join(dataDir, 'evidence', classId, 'c001', 'l1-emb-analog.jsonl');
    const faultLines = () =>
      existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .filter((l) => l.includes('"kind":"fault"'))
            .map((l) => JSON.parse(l) as { action: string; origin: string; fault: { id: string } })
            .map((e) => `${e.action} ${e.fault.id} ${e.origin}`)
        : [];
    await expect
      .poll(faultLines, { timeout: 10_000 })
      .toEqual([`start ${ids[0]} api`, `start ${ids[1]} api`, `end ${ids[1]} api`]);
  });

  it('reset ends every active fault and is audited', async () => {
    const sensor = (await view()).devices[0]!;
    await api('POST', `${labPath()}/faults`, trainer, { device: sensor.id, type: 'stuck' });
    expect((await view()).live.faults.length).toBeGreaterThanOrEqual(2);
    const r = await api('POST', `${labPath()}/reset`, trainer, {});
    expect(r.status).toBe(200);
    expect((r.json as { cleared: string[] }).cleared.length).toBeGreaterThanOrEqual(2);
    const after = await view();
    expect(after.live.faults).toEqual([]);
    expect(after.live.devices.find((d) => d.id === sensor.id)?.faults).toEqual([]);
    const audit = (await api('GET', `/api/sessions/${classId}/audit`, examiner)).json as {
      action: string;
    }[];
    expect(audit.at(-1)?.action).toBe('trainer.lab.reset');
  });

  it("leaves an exam's labs to the examiners", async () => {
    const exam = `/api/trainer/labs/${examId}/e001`;
    expect((await api('GET', exam, trainer)).status).toBe(200);
    const sensor = ((await api('GET', exam, trainer)).json as LabView).devices[0]!;
    const body = { device: sensor.id, type: 'offline' };
    const refused = await api('POST', `${exam}/faults`, trainer, body);
    expect(refused.status).toBe(403);
    expect((await api('POST', `${exam}/reset`, trainer, {})).status).toBe(403);
    const ok = await api('POST', `${exam}/faults`, examiner, body);
    expect(ok.status).toBe(201);
    const audit = (await api('GET', `/api/sessions/${examId}/audit`, examiner)).json as {
      actor: string;
      action: string;
    }[];
    expect(audit.filter((a) => a.action.startsWith('trainer.')).map((a) => a.actor)).toEqual([
      'admin',
    ]);
  });

  it("reads and replaces a lab's access policy: in force, audited with before and after, in the evidence", async () => {
    const acl = `${labPath()}/acl`;
    expect((await api('GET', acl, '')).status).toBe(401);
    expect((await api('GET', acl, candidate)).status).toBe(403);
    expect(
      (await api('PUT', `/api/trainer/labs/${examId}/e001/acl`, trainer, { rules: [] })).status,
    ).toBe(403);
    expect((await api('GET', acl, trainer)).json).toEqual({
      version: 1,
      policy: { default: 'allow', rules: [] },
    });
    const bad = await api('PUT', acl, trainer, {
      rules: [{ action: 'read', topic: 'a/#/b', permission: 'deny' }],
    });
    expect(bad.status).toBe(400);
    const rule = { clientId: 'spy', action: 'subscribe', topic: 'x/#', permission: 'deny' };
    const put = await api('PUT', acl, trainer, { rules: [rule] });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({
      version: 2,
      policy: { default: 'allow', rules: [{ id: 'r1', ...rule }] },
    });
    expect((await api('GET', acl, examiner)).json).toMatchObject({ version: 2 });
    const audit = (await api('GET', `/api/sessions/${classId}/audit`, examiner)).json as {
      actor: string;
      action: string;
      detail: { candidate: string; before: { rules: unknown[] }; after: { rules: unknown[] } };
    }[];
    const entry = audit.at(-1)!;
    expect([entry.actor, entry.action, entry.detail.candidate]).toEqual([
      'trainer',
      'trainer.acl.change',
      'c001',
    ]);
    expect([entry.detail.before.rules.length, entry.detail.after.rules.length]).toEqual([0, 1]);
    const file = join(dataDir, 'evidence', classId, 'c001', 'l1-emb-analog.jsonl');
    await expect
      .poll(
        () =>
          readFileSync(file, 'utf8')
            .split('\n')
            .filter((l) => l.includes('"kind":"acl.change"'))
            .map((l) => (JSON.parse(l) as { actor: string; version: number }).actor),
        { timeout: 10_000 },
      )
      .toEqual(['trainer trainer']);
  });

  it('streams live values over SSE', async () => {
    const res = await fetch(`${server.url}${labPath()}/events`, {
      headers: { cookie: trainer },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    while (!/event: live\ndata: .*\n\n/.test(text)) {
      const chunk: ReadableStreamReadResult<Uint8Array> = await reader.read();
      if (chunk.done) break;
      text += Buffer.from(chunk.value).toString('utf8');
    }
    // The stream stays open: closing the server in afterAll must end it rather than wait.
    const data = /event: live\ndata: (.*)\n\n/.exec(text)?.[1];
    const live = JSON.parse(data ?? 'null') as LiveState;
    expect(live.devices.map((d) => d.id)).toEqual((await view()).devices.map((d) => d.id));
    expect(typeof live.t).toBe('number');
    const denied = await fetch(`${server.url}${labPath()}/events`, {
      headers: { cookie: candidate },
    });
    expect(denied.status).toBe(403);
  });

  it('tells the stream when the lab ends, and drops the lab from the list', async () => {
    const res = await fetch(`${server.url}/api/trainer/labs/${classId}/c002/events`, {
      headers: { cookie: trainer },
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    const read = async (until: RegExp) => {
      while (!until.test(text)) {
        const chunk: ReadableStreamReadResult<Uint8Array> = await reader.read();
        if (chunk.done) break;
        text += Buffer.from(chunk.value).toString('utf8');
      }
    };
    await read(/event: live\n/);
    const finished = await api('POST', '/api/me/finish', candidates.get('c002')!, {});
    expect(finished.status).toBe(200);
    await read(/event: ended\n/);
    expect(text).toContain('event: ended\ndata: {"task":"l1-emb-m2m"}');
    // The server ends the stream after `ended`.
    expect((await reader.read()).done).toBe(true);
    const labs = (await api('GET', '/api/trainer/labs', trainer)).json as { candidate: string }[];
    expect(labs.map((l) => l.candidate)).not.toContain('c002');
    expect((await api('GET', `/api/trainer/labs/${classId}/c002`, trainer)).status).toBe(404);
  });
});
