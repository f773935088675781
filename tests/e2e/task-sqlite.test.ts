/**
 * l1-app-sqlite over real sockets: the reference solution's SQLite file, captured by the runner
 * at the end of the run, scores full marks; doing nothing scores 0; storing only the temperature
 * (the typical mistake) scores exactly 85 (half of the stored check's 30 points lost); the same
 * evidence grades to the same bytes, and the capture event is what the grade rests on.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { readEvidenceText } from '../../grader/evidence-file.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { solve } from '../../tasks/l1-app-sqlite/solution.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l1-app-sqlite');
const hash = taskHash(task);

describe('task l1-app-sqlite', () => {
  it('scores the reference 100, nothing 0 and temperature only 85', async () => {
    const [ref, none, half] = await Promise.all([
      runTask(task, 11, solve),
      runTask(task, 12, undefined),
      runTask(task, 13, solve, { mistake: 'temperature-only' }),
    ]);
    const r = grade(task, 11, { evidence: ref.evidence, taskHash: hash });
    expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
    expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
    expect(r.score).toBe(100);
    expect(JSON.stringify(grade(task, 11, { evidence: ref.evidence, taskHash: hash }))).toBe(
      JSON.stringify(r),
    );
    const capture = readEvidenceText(ref.evidence).events.find((e) => e.kind === 'capture')!;
    expect(capture).toMatchObject({ format: 'sqlite', found: true });

    const n = grade(task, 12, { evidence: none.evidence, taskHash: hash });
    expect(n.gradable).toBe(true);
    expect(n.score).toBe(0);
    expect(n.tests.find((t) => t.id === 'table')!.output).toMatch(/no file/);

    const m = grade(task, 13, { evidence: half.evidence, taskHash: hash });
    expect(m.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual(['stored']);
    expect(m.score).toBe(85);
  }, 30_000);
});

describe('task l1-app-sqlite: the "received twice" rule on every seed', () => {
  it('the sensor resends a message; a program without dedup stores it twice and loses no-duplicates (10)', async () => {
    const seeds = [1, 2, 3];
    const runs = await Promise.all(
      seeds.flatMap((seed) => [
        runTask(task, seed, solve),
        runTask(task, seed, solve, { mistake: 'no-dedup' }),
      ]),
    );
    seeds.forEach((seed, i) => {
      const ev = readEvidenceText(runs[2 * i]!.evidence).events;
      const payloads = ev
        .filter((e) => e.kind === 'mqtt.publish' && e.origin === 'device')
        .map((e) => JSON.stringify(e.payload));
      expect(payloads.length - new Set(payloads).size, `seed ${seed}: resent messages`).toBe(2);
      const r = grade(task, seed, { evidence: runs[2 * i]!.evidence, taskHash: hash });
      expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
      expect(r.score).toBe(100);
      const m = grade(task, seed, { evidence: runs[2 * i + 1]!.evidence, taskHash: hash });
      expect(
        m.tests.filter((t) => t.score < t.max_score).map((t) => t.id),
        `seed ${seed}`,
      ).toEqual(['no-duplicates']);
      expect(m.tests.find((t) => t.id === 'no-duplicates')!.output).toMatch(/4 duplicate\(s\)/);
      expect(m.score).toBe(90);
    });
  }, 60_000);
});
