/**
 * l2-emb-token over real sockets: the reference (signed login with the current timestamp, a token
 * from the lab's token service, renewal at 60 % of its life, a new token after the key rotation)
 * scores 100 on a seed of each algorithm, doing nothing 0; keeping the first token (`never-renew`)
 * loses renew and rotated and most of posted; signing every login with the first timestamp
 * (`stale-timestamp`) is refused after the key rotation and loses rotated; the same evidence grades
 * to the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { getTask, taskHash, validateTask } from '../../tasks/bank.js';
import { solve } from '../../tasks/l2-emb-token/solution.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l2-emb-token');
const hash = taskHash(task);
const seeds = ['HS256', 'RS256'].map((alg) => {
  for (let s = 1; s < 100; s++) if (task.params(s).alg === alg) return s;
  throw new Error(`no seed for ${alg}`);
});

describe('task l2-emb-token', () => {
  it('is fit for the bank and its seeds differ', () => {
    expect(validateTask(task)).toEqual([]);
    expect(task.params(1)).not.toEqual(task.params(2));
  });

  it('scores the reference 100 on each algorithm, nothing 0, and each mistake as stated', async () => {
    const [refs, none, never, stale] = await Promise.all([
      Promise.all(seeds.map((seed) => runTask(task, seed, solve))),
      runTask(task, seeds[0]!, undefined),
      runTask(task, seeds[0]!, solve, { mistake: 'never-renew' }),
      runTask(task, seeds[1]!, solve, { mistake: 'stale-timestamp' }),
    ]);
    refs.forEach((ref, i) => {
      const seed = seeds[i]!;
      const r = grade(task, seed, { evidence: ref.evidence, taskHash: hash });
      expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
      expect(
        r.tests.filter((t) => t.score < t.max_score).map((t) => `${t.id}: ${t.output}`),
      ).toEqual([]);
      expect(r.score).toBe(100);
      expect(JSON.stringify(grade(task, seed, { evidence: ref.evidence, taskHash: hash }))).toBe(
        JSON.stringify(r),
      );
    });
    expect(grade(task, seeds[0]!, { evidence: none.evidence, taskHash: hash }).score).toBe(0);

    const n = grade(task, seeds[0]!, { evidence: never.evidence, taskHash: hash });
    const score = (r: typeof n, id: string) => r.tests.find((t) => t.id === id)!.score;
    expect(score(n, 'renew')).toBe(0);
    expect(score(n, 'rotated')).toBe(0);
    expect(score(n, 'posted')).toBeLessThan(10);
    expect(n.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual([
      'renew',
      'rotated',
      'posted',
    ]);
    expect(never.evidence).toMatch(/"error":"token expired"/);

    const s = grade(task, seeds[1]!, { evidence: stale.evidence, taskHash: hash });
    expect(score(s, 'rotated')).toBe(0);
    expect(score(s, 'renew')).toBe(20);
    expect(s.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual([
      'rotated',
      'posted',
    ]);
    expect(stale.evidence).toMatch(/outside ±20 s \(stale or replayed login\)/);
  }, 60_000);
});
