/**
 * Graded runs on demand: a paper allows `gradedRuns` per task (default 2); each run has its own
 * evidence file; the best run counts by default, the last one where the paper says `last`; a
 * start beyond the allowance is refused. The reference program makes one run score 100 and an
 * idle run score 0, so which run counts is plain.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabCard } from '../../simulator/card.js';
import { getTask, renderTask } from '../../tasks/bank.js';
import { solve } from '../../tasks/l1-emb-analog/solution.js';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';
import Database from 'better-sqlite3';

const SPEED = 10;
let t: TestServer;
const base = 10000 + Math.floor(Math.random() * 1900);
const task = getTask('l1-emb-analog');

beforeAll(async () => {
  t = await startTestServer('runs', base, { labSpeed: SPEED });
});
afterAll(async () => t?.close());

interface Me {
  card: LabCard | null;
  tasks: { id: string; state: string; runs: number; runsAllowed: number }[];
}

async function enter(counts: 'best' | 'last') {
  const papers = (await t.api('GET', '/api/papers')).json as { id: string }[];
  const paper = { ...papers.find((p) => p.id === 'L1-EMB')!, id: `L1-EMB-${counts}`, counts };
  const r = await t.api('POST', '/api/sessions', {
    paper,
    mode: 'practice',
    roster: 'id,name\nc001,张三\n',
  });
  expect(r.status, r.text).toBe(201);
  const s = r.json as { id: string; candidates: { password: string }[] };
  expect((await t.api('POST', `/api/sessions/${s.id}/start`, {})).status).toBe(200);
  const cookie = await t.candidate(s.id, 'c001', s.candidates[0]!.password);
  const db = new Database(join(t.dataDir, 'iotlab.db'), { readonly: true });
  const row = db
    .prepare(
      "SELECT seed, topic_prefix AS prefix FROM candidates WHERE session_id = ? AND id = 'c001'",
    )
    .get(s.id) as { seed: number; prefix: string };
  db.close();
  return { id: s.id, cookie, ...row };
}

/** One graded run to its time limit: with the reference program, or with nothing running. */
async function run(s: Awaited<ReturnType<typeof enter>>, program: boolean): Promise<Me> {
  const started = await t.api('POST', `/api/me/tasks/${task.id}/start`, {}, s.cookie);
  expect(started.status, started.text).toBe(200);
  const abort = new AbortController();
  const vars = renderTask(task, s.seed, 'en', s.prefix).vars;
  const card = (started.json as Me).card!;
  const running = program
    ? solve({ card, vars, signal: abort.signal, speed: SPEED }).catch(() => undefined)
    : Promise.resolve();
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const me = (await t.api('GET', '/api/me', undefined, s.cookie)).json as Me;
    if (me.tasks.find((x) => x.id === task.id)!.state === 'done') {
      abort.abort();
      await Promise.race([running, new Promise((r) => setTimeout(r, 2000))]);
      return me;
    }
  }
}

/**
 * The task's final score once the latest run is graded: the attempt is "done" a moment before its
 * report is stored, so this waits (up to 30 s) until the stored grade is newer than the run's end.
 */
async function finalOf(sid: string): Promise<number | null> {
  for (const until = Date.now() + 30_000; ;) {
    const db = new Database(join(t.dataDir, 'iotlab.db'), { readonly: true });
    const row = db
      .prepare(
        `SELECT a.ended_at AS ended, s.graded_at AS graded FROM attempts a
         LEFT JOIN scores s USING (session_id, candidate_id, task_id)
         WHERE a.session_id = ? AND a.candidate_id = 'c001' AND a.task_id = ?`,
      )
      .get(sid, task.id) as { ended: string | null; graded: string | null } | undefined;
    db.close();
    if (row?.ended && row.graded && row.graded >= row.ended) break;
    if (Date.now() > until) throw new Error(`no grade after the run that ended ${row?.ended}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const reports = (await t.api('GET', `/api/sessions/${sid}/reports`)).json as {
    task: string;
    final: number | null;
  }[];
  return reports.find((r) => r.task === task.id)!.final;
}

describe('graded runs', () => {
  it('the best of two counts; a third is refused; each run keeps its evidence', async () => {
    const s = await enter('best');
    const first = await run(s, true);
    expect(first.tasks.find((x) => x.id === task.id)).toMatchObject({ runs: 1, runsAllowed: 2 });
    expect(await finalOf(s.id)).toBe(100);
    const second = await run(s, false);
    expect(second.tasks.find((x) => x.id === task.id)!.runs).toBe(2);
    // The idle second run does not undo the first.
    expect(await finalOf(s.id)).toBe(100);
    const third = await t.api('POST', `/api/me/tasks/${task.id}/start`, {}, s.cookie);
    expect(third.status).toBe(409);
    expect(third.text).toContain('all 2 graded run(s) are used');
    const files = readdirSync(join(t.dataDir, 'evidence', s.id, 'c001')).sort();
    expect(files).toEqual([`${task.id}.jsonl`, `${task.id}.run-2.jsonl`]);
    // A regrade grades both runs again and keeps the best.
    const preview = await t.api('GET', `/api/sessions/${s.id}/regrade`);
    expect(preview.status, preview.text).toBe(200);
    expect(await finalOf(s.id)).toBe(100);
  }, 60_000);

  it('the last run counts where the paper says so', async () => {
    const s = await enter('last');
    await run(s, true);
    expect(await finalOf(s.id)).toBe(100);
    await run(s, false);
    expect(await finalOf(s.id)).toBe(0);
  }, 60_000);
});
