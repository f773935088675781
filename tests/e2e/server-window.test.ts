/**
 * An exam's time window is enforced: no task before it opens or after it closes, and an attempt
 * running when it closes is ended then ("exam time over") and graded on what it did until then;
 * extending the window gives running attempts their time back. Practice sessions only show it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

let t: TestServer;
// Below Linux's ephemeral range and apart from the other server tests' blocks.
const base = 14000 + Math.floor(Math.random() * 5000);
const api = (method: string, path: string, body?: unknown, cookie?: string) =>
  t.api(method, path, body, cookie);

/** Creates and starts a session; returns its id and the first candidate's cookie. */
async function session(mode: string, startsAt: Date, durationMin: number) {
  const r = await api('POST', '/api/sessions', {
    paper: 'L1-EMB',
    mode,
    roster: 'id,name\nc001,张三\n',
    startsAt: startsAt.toISOString(),
    durationMin,
  });
  expect(r.status, r.text).toBe(201);
  const s = r.json as { id: string; candidates: { password: string }[] };
  expect((await api('POST', `/api/sessions/${s.id}/start`, {})).status).toBe(200);
  const cookie = await t.candidate(s.id, 'c001', s.candidates[0]!.password);
  return { id: s.id, cookie };
}

beforeAll(async () => {
  t = await startTestServer('window', base);
});
afterAll(async () => t?.close());

describe('exam time window', () => {
  it('refuses a task before the exam opens', async () => {
    const s = await session('exam', new Date(Date.now() + 3_600_000), 150);
    const r = await api('POST', '/api/me/tasks/l1-emb-analog/start', {}, s.cookie);
    expect(r.status).toBe(409);
    expect(r.text).toContain('the exam opens at');
  });

  it('ends a running attempt when the exam closes, grades it, and refuses tasks after', async () => {
    // A one-minute exam that opened 58 s ago: it closes in about 2 s.
    const s = await session('exam', new Date(Date.now() - 58_000), 1);
    const started = await api('POST', '/api/me/tasks/l1-emb-analog/start', {}, s.cookie);
    expect(started.status, started.text).toBe(200);
    type Row = { task: string; report: { run: { stopped: string } } };
    const reports = async () => (await api('GET', `/api/sessions/${s.id}/reports`)).json as Row[];
    // Ended (no current task) and graded (a stored report) when the window closed.
    await expect.poll(async () => (await reports()).length, { timeout: 15_000 }).toBe(1);
    const me = (await api('GET', '/api/me', undefined, s.cookie)).json as { currentTask: unknown };
    expect(me.currentTask).toBeNull();
    expect((await reports()).map((r) => [r.task, r.report.run.stopped])).toEqual([
      ['l1-emb-analog', expect.stringContaining('exam time over')],
    ]);
    const late = await api('POST', '/api/me/tasks/l1-emb-m2m/start', {}, s.cookie);
    expect(late.status).toBe(409);
    expect(late.text).toContain('the exam closed at');
  });

  it('gives a running attempt its time back when the exam is extended', async () => {
    const s = await session('exam', new Date(Date.now() - 58_000), 1);
    expect((await api('POST', '/api/me/tasks/l1-emb-analog/start', {}, s.cookie)).status).toBe(200);
    expect((await api('POST', `/api/sessions/${s.id}/extend`, { minutes: 10 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 4_000));
    const me = (await api('GET', '/api/me', undefined, s.cookie)).json as {
      currentTask: string | null;
    };
    expect(me.currentTask).toBe('l1-emb-analog');
    expect((await api('POST', '/api/me/finish', {}, s.cookie)).status).toBe(200);
  });

  it('only shows the window in practice: a task may start after it', async () => {
    const s = await session('practice', new Date(Date.now() - 120_000), 1);
    const r = await api('POST', '/api/me/tasks/l1-emb-analog/start', {}, s.cookie);
    expect(r.status, r.text).toBe(200);
    expect((await api('POST', '/api/me/finish', {}, s.cookie)).status).toBe(200);
  });
});
