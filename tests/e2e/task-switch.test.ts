/**
 * l1-emb-switch over real sockets, for each kind of switch: the reference solution scores full
 * marks; doing nothing scores 0; publishing the level on every poll instead of the edges (the
 * typical mistake) scores exactly 80 (the no-duplicates check's 20 points lost); the same
 * evidence grades to the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { solve } from '../../tasks/l1-emb-switch/solution.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l1-emb-switch');
const hash = taskHash(task);

/** One seed per kind of switch (door, PIR, button), from 40 up. */
const seedsPerKind = () => {
  const seen = new Map<number, number>();
  for (let s = 40; seen.size < 3; s++) {
    const k = Number(task.params(s).kind);
    if (!seen.has(k)) seen.set(k, s);
  }
  return [...seen.values()];
};

describe('task l1-emb-switch', () => {
  it('scores the reference 100 on every kind, nothing 0 and level reporting 80', async () => {
    const seeds = seedsPerKind();
    const [none, level, ...refs] = await Promise.all([
      runTask(task, 12, undefined),
      runTask(task, seeds[0]!, solve, { mistake: 'level' }),
      ...seeds.map((s) => runTask(task, s, solve)),
    ]);
    refs.forEach((run, i) => {
      const r = grade(task, seeds[i]!, { evidence: run.evidence, taskHash: hash });
      expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
      expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
      expect(r.score).toBe(100);
      expect(r.tests.find((t) => t.id === 'complete')!.output).not.toMatch(/cannot show/);
    });
    const first = refs[0]!.evidence;
    expect(JSON.stringify(grade(task, seeds[0]!, { evidence: first, taskHash: hash }))).toBe(
      JSON.stringify(grade(task, seeds[0]!, { evidence: first, taskHash: hash })),
    );

    const n = grade(task, 12, { evidence: none.evidence, taskHash: hash });
    expect(n.gradable).toBe(true);
    expect(n.score).toBe(0);

    const m = grade(task, seeds[0]!, { evidence: level.evidence, taskHash: hash });
    expect(m.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual([
      'no-duplicates',
    ]);
    expect(m.score).toBe(80);
    expect(m.tests.find((t) => t.id === 'no-duplicates')!.hint?.en).toMatch(/once per change/);
  }, 30_000);
});
