/**
 * l1-emb-analog over real sockets: the reference solution scores full marks, doing nothing
 * scores 0, publishing raw counts (the typical mistake) loses the value check's 40 points and,
 * the value check being critical, is capped at 59: it fails (before issue 18.1 it scored 60 and
 * passed); and the same evidence grades to the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { solve } from '../../tasks/l1-emb-analog/solution.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l1-emb-analog');
const hash = taskHash(task);

describe('task l1-emb-analog', () => {
  it('scores the reference solution 100, nothing 0 and raw counts 59, a fail', async () => {
    // At 5×: its period is 3 s ± 0.5 s, ±50 ms of wall time at 10×, and in a loaded full run
    // two intervals of 19 came out 4 s.
    const [ref, none, raw] = await Promise.all([
      runTask(task, 11, solve, { speed: 5 }),
      runTask(task, 12, undefined, { speed: 5 }),
      runTask(task, 13, solve, { mistake: 'raw', speed: 5 }),
    ]);
    const r = grade(task, 11, { evidence: ref.evidence, taskHash: hash });
    expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
    expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
    expect(r.score).toBe(100);
    expect(r.passed).toBe(true);

    const n = grade(task, 12, { evidence: none.evidence, taskHash: hash });
    expect(n.gradable).toBe(true);
    expect(n.score).toBe(0);

    const m = grade(task, 13, { evidence: raw.evidence, taskHash: hash });
    expect(m.score).toBe(59);
    expect(m.output).toMatch(/capped at 59: critical check value not met, 60 without the cap/);
    const value = m.tests.find((t) => t.id === 'value')!;
    expect(value.score).toBe(0);
    expect(value.hint?.en).toMatch(/raw register value/);
    expect(m.passed).toBe(false);

    // Same evidence, same bytes.
    expect(JSON.stringify(grade(task, 11, { evidence: ref.evidence, taskHash: hash }))).toBe(
      JSON.stringify(r),
    );
    // The evidence of another seed's run is not gradable for this seed.
    const other = grade(task, 12, { evidence: ref.evidence, taskHash: hash });
    expect(other.gradable).toBe(false);
    expect(other.problems[0]!.message).toMatch(/seed 11, not 12/);
  }, 30_000);
});
