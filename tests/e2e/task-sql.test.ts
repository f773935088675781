/**
 * l1-sys-sql over real sockets: the runner writes the seeded database into the work folder
 * before the program starts and captures it when the time is up. The reference script scores
 * 100; doing nothing scores 0; the typical mistake (`>` instead of `>=` at the offline cutoff)
 * loses exactly the status (15) and offline_count (5) checks; the same evidence grades to the
 * same bytes; two seeds give different params and different databases; a database the candidate
 * deleted or corrupted is reported as such by the capture and by every check, never a crash.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { readEvidenceText } from '../../grader/evidence-file.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { solve } from '../../tasks/l1-sys-sql/solution.js';
import type { Solution } from '../../tasks/solution.js';
import { runCli } from '../../cli/program.js';
import { renderTask } from '../../tasks/bank.js';
import type { LabCard } from '../../simulator/card.js';
import { waitFor } from '../support/net.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l1-sys-sql');
const hash = taskHash(task);
// 1200 s of lab time in 6 s: the scripts finish at once, the rest is waiting.
const speed = 200;

describe('task l1-sys-sql', () => {
  it('scores the reference 100, nothing 0 and the off-by-one window 80', async () => {
    const [ref, none, bad] = await Promise.all([
      runTask(task, 31, solve, { speed }),
      runTask(task, 32, undefined, { speed }),
      runTask(task, 31, solve, { speed, mistake: 'window-off-by-one' }),
    ]);
    const r = grade(task, 31, { evidence: ref.evidence, taskHash: hash });
    expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
    expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
    expect(r.score).toBe(100);
    expect(JSON.stringify(grade(task, 31, { evidence: ref.evidence, taskHash: hash }))).toBe(
      JSON.stringify(r),
    );
    const capture = readEvidenceText(ref.evidence).events.find((e) => e.kind === 'capture')!;
    expect(capture).toMatchObject({ format: 'sqlite', file: 'iot.db', found: true });
    expect(capture.objects).toContainEqual(
      expect.objectContaining({ type: 'index', name: 'idx_readings_device_ts' }),
    );
    expect((capture.tableRows as { table: string }[]).map((t) => t.table)).toEqual([
      'readings',
      'devices',
      'answers',
      'v_device_summary',
    ]);

    const n = grade(task, 32, { evidence: none.evidence, taskHash: hash });
    expect(n.gradable).toBe(true);
    expect(n.score).toBe(0);
    expect(n.tests.find((t) => t.id === 'cleaned')!.output).toMatch(/that should be deleted/);

    const m = grade(task, 31, { evidence: bad.evidence, taskHash: hash });
    expect(m.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual([
      'status',
      'offline-count',
    ]);
    expect(m.score).toBe(80);
  }, 30_000);

  it('gives two seeds different params and different databases', async () => {
    expect(task.params(41)).not.toEqual(task.params(42));
    const noop: Solution = () => Promise.resolve();
    const runs = await Promise.all([41, 42].map((s) => runTask(task, s, noop, { speed: 2000 })));
    const content = runs.map((run) => {
      const db = new Database(join(run.workdir, 'iot.db'), { readonly: true });
      try {
        return JSON.stringify([
          db.prepare('SELECT * FROM devices ORDER BY id').all(),
          db.prepare('SELECT * FROM readings ORDER BY id').all(),
        ]);
      } finally {
        db.close();
      }
    });
    expect(content[0]).not.toBe(content[1]);
    expect(content[0]!.length).toBeGreaterThan(1000);
  }, 30_000);

  it('reports a deleted or corrupted database in the capture and in every check', async () => {
    const deleted: Solution = (ctx) => {
      rmSync(join(ctx.workdir!, 'iot.db'));
      return Promise.resolve();
    };
    const corrupted: Solution = (ctx) => {
      const path = join(ctx.workdir!, 'iot.db');
      const bytes = readFileSync(path);
      bytes.fill(0x41, 0, 100); // the header gone: "file is not a database"
      writeFileSync(path, bytes);
      return Promise.resolve();
    };
    const [gone, broken] = await Promise.all([
      runTask(task, 51, deleted, { speed: 2000 }),
      runTask(task, 52, corrupted, { speed: 2000 }),
    ]);
    for (const [run, seed, why] of [
      [gone, 51, /no file iot\.db/],
      [broken, 52, /cannot read iot\.db as SQLite/],
    ] as const) {
      const cap = readEvidenceText(run.evidence).events.find((e) => e.kind === 'capture')!;
      expect(cap).toMatchObject({ found: false, error: expect.stringMatching(why) as unknown });
      const g = grade(task, seed, { evidence: run.evidence, taskHash: hash });
      expect(g.gradable).toBe(true);
      expect(g.score).toBe(0);
      for (const t of g.tests) expect(t.output, t.id).toMatch(why);
    }
  }, 30_000);
});

describe('l1-sys-sql in iotlab practice and task show', () => {
  it('task show names the file; practice puts it in --workdir, ticks checks live, grades at the end', async () => {
    let shown = '';
    await runCli(['task', 'show', 'l1-sys-sql', '--seed', '4', '--lang', 'en'], {
      stdout: (s) => (shown += s),
      stderr: () => undefined,
    });
    expect(shown).toMatch(/When the lab starts, iot\.db is put in the work folder IOTLAB_WORKDIR/);

    const workdir = join(mkdtempSync(join(tmpdir(), 'iotlab-practice-sql-')), 'mine');
    let out = '';
    const abort = new AbortController();
    let started: (v: [LabCard, string | undefined]) => void = () => undefined;
    const up = new Promise<[LabCard, string | undefined]>((r) => (started = r));
    const argv = ['practice', 'l1-sys-sql', '--seed', '4', '--mqtt-port', '0', '--lang', 'en'];
    const done = runCli([...argv, '--workdir', workdir], {
      stdout: (s) => (out += s),
      stderr: () => undefined,
      signal: abort.signal,
      onStarted: (card, dir) => started([card, dir]),
    });
    const [card, dir] = await up;
    expect(dir).toBe(workdir);
    expect(out).toContain(`the lab's file / 实验提供的文件: ${join(workdir, 'iot.db')}`);
    expect(existsSync(join(workdir, 'iot.db'))).toBe(true);
    const vars = renderTask(task, 4, 'en').vars;
    await solve({ card, vars, signal: abort.signal, workdir });
    // The live checklist reads the database each second without recording it.
    await waitFor(() => (/✔ index: 15 \/ 15/.test(out) ? true : undefined), 5000, 'index tick');
    abort.abort();
    expect(await done).toBe(0);
    expect(out).toMatch(/Total: 100 \/ 100/);
  }, 20_000);
});
