/**
 * l1-app-alarm over real sockets: the reference hysteresis rule scores 100 for every sensor kind,
 * doing nothing 0, and one threshold for both ways (the typical mistake: the alarm clears as soon
 * as the value is back under the high threshold) loses exactly clear (30) and no-flap (20).
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { getTask, taskHash, validateTask } from '../../tasks/bank.js';
import { solve } from '../../tasks/l1-app-alarm/solution.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l1-app-alarm');
const hash = taskHash(task);

describe('task l1-app-alarm', () => {
  it('is fit for the bank and its seeds differ', () => {
    expect(validateTask(task)).toEqual([]);
    expect(task.params(1)).not.toEqual(task.params(2));
  });

  it('scores the reference 100, nothing 0 and a single threshold 50', async () => {
    const [ref, none, bad] = await Promise.all([
      runTask(task, 41, solve),
      runTask(task, 42, undefined),
      runTask(task, 41, solve, { mistake: 'no-hysteresis' }),
    ]);
    const r = grade(task, 41, { evidence: ref.evidence, taskHash: hash });
    expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
    expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
    expect(r.score).toBe(100);
    expect(JSON.stringify(grade(task, 41, { evidence: ref.evidence, taskHash: hash }))).toBe(
      JSON.stringify(r),
    );

    const n = grade(task, 42, { evidence: none.evidence, taskHash: hash });
    expect(n.gradable).toBe(true);
    expect(n.score).toBe(0);

    const m = grade(task, 41, { evidence: bad.evidence, taskHash: hash });
    expect(m.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual([
      'clear',
      'no-flap',
    ]);
    expect(m.score).toBe(50);
  }, 30_000);

  it('the reference scores 100 for every sensor kind', async () => {
    const seeds: number[] = [];
    const kinds = new Set<number>();
    for (let s = 100; kinds.size < 3; s++) {
      const k = Number(task.params(s).sensor);
      if (!kinds.has(k)) {
        kinds.add(k);
        seeds.push(s);
      }
    }
    const runs = await Promise.all(seeds.map((s) => runTask(task, s, solve)));
    const seen = runs.map((run, i) => {
      const r = grade(task, seeds[i]!, { evidence: run.evidence, taskHash: hash });
      return `${seeds[i]}: ${r.score}${r.score < 100 ? ` ${r.tests.map((t) => t.output).join(' | ')}` : ''}`;
    });
    expect(seen).toEqual(seeds.map((s) => `${s}: 100`));
  }, 30_000);
});
