/**
 * l1-emb-digital over real sockets: the reference solution scores full marks, doing nothing
 * scores 0, reading the signed temperature register as unsigned in a sub-zero variant scores
 * exactly 75 (the temperature check's 25 points lost, with the hint that names the mistake), and
 * the same evidence grades to the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { PLACES } from '../../tasks/l1-emb-digital/task.js';
import { solve } from '../../tasks/l1-emb-digital/solution.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l1-emb-digital');
const hash = taskHash(task);
/** The first seed from `from` whose place is below 0 °C (the unsigned mistake shows there). */
const coldSeed = (from: number) => {
  for (let s = from; ; s++) if (PLACES[Number(task.params(s).place)]!.temp < 0) return s;
};

describe('task l1-emb-digital', () => {
  it('scores the reference 100, nothing 0 and unsigned temperature 75', async () => {
    const cold = coldSeed(30);
    const [ref, refCold, none, unsigned] = await Promise.all([
      runTask(task, 11, solve),
      runTask(task, cold, solve),
      runTask(task, 12, undefined),
      runTask(task, cold, solve, { mistake: 'unsigned' }),
    ]);
    for (const [seed, run] of [
      [11, ref],
      [cold, refCold],
    ] as const) {
      const r = grade(task, seed, { evidence: run.evidence, taskHash: hash });
      expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
      expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
      expect(r.score).toBe(100);
    }
    const r = grade(task, 11, { evidence: ref.evidence, taskHash: hash });
    expect(JSON.stringify(grade(task, 11, { evidence: ref.evidence, taskHash: hash }))).toBe(
      JSON.stringify(r),
    );

    const n = grade(task, 12, { evidence: none.evidence, taskHash: hash });
    expect(n.gradable).toBe(true);
    expect(n.score).toBe(0);

    const m = grade(task, cold, { evidence: unsigned.evidence, taskHash: hash });
    expect(m.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual(['temperature']);
    expect(m.score).toBe(75);
    expect(m.tests.find((t) => t.id === 'temperature')!.hint?.en).toMatch(/signed 16-bit/);
  }, 30_000);
});
