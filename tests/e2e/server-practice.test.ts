/**
 * The candidate's live stream: in practice mode it carries the checklist of the running task,
 * graded from the evidence of a run still going (so a missing lab.stop is no problem); in exam
 * mode it never does. The server closes even while a stream is open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTask } from '../../tasks/bank.js';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

let t: TestServer;
const base = 14000 + Math.floor(Math.random() * 5000);

beforeAll(async () => {
  t = await startTestServer('practice', base);
});
afterAll(async () => t?.close());

type Check = { id: string; title: { zh: string; en: string }; status: string };

/** Reads SSE events from the candidate's stream for `ms`, and leaves the stream open. */
async function events(cookie: string, ms: number): Promise<{ event: string; data: unknown }[]> {
  const res = await fetch(`${t.server.url}/api/me/events`, { headers: { cookie } });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const out: { event: string; data: unknown }[] = [];
  let text = '';
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), until - Date.now())),
    ]);
    if (!chunk || chunk.done) break;
    text += Buffer.from(chunk.value).toString('utf8');
  }
  for (const block of text.split('\n\n')) {
    const m = /^event: (.+)\ndata: (.+)$/m.exec(block);
    if (m) out.push({ event: m[1]!, data: JSON.parse(m[2]!) as unknown });
  }
  return out;
}

async function enter(mode: string): Promise<string> {
  const r = await t.api('POST', '/api/sessions', {
    paper: 'L1-EMB',
    mode,
    roster: 'id,name\nc001,张三\n',
  });
  expect(r.status, r.text).toBe(201);
  const s = r.json as { id: string; candidates: { password: string }[] };
  expect((await t.api('POST', `/api/sessions/${s.id}/start`, {})).status).toBe(200);
  const cookie = await t.candidate(s.id, 'c001', s.candidates[0]!.password);
  expect((await t.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, cookie)).status).toBe(200);
  return cookie;
}

describe('candidate live stream', () => {
  it('in practice mode, streams the running task’s checklist with every check', async () => {
    const cookie = await enter('practice');
    const got = await events(cookie, 4500);
    expect(got[0]).toEqual({ event: 'hello', data: { mode: 'practice' } });
    const lists = got.filter((e) => e.event === 'checklist');
    expect(lists.length).toBeGreaterThan(0);
    const checks = (lists.at(-1)!.data as { task: string; checks: Check[] }).checks;
    expect(checks.map((c) => c.id)).toEqual(getTask('l1-emb-analog').checks.map((c) => c.id));
    expect(checks.every((c) => c.title.zh && c.title.en && c.status)).toBe(true);
  });

  it('in exam mode, never sends a checklist', async () => {
    const cookie = await enter('exam');
    const got = await events(cookie, 4500);
    expect(got.map((e) => e.event)).not.toContain('checklist');
    expect(got[0]).toEqual({ event: 'hello', data: { mode: 'exam' } });
  });
});
