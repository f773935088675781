/**
 * l2-emb-token over real sockets: the reference (signed login with the current timestamp, a token
 * from the lab's token service, renewal at half its life, a new token after the key rotation)
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
/**
 * At 5×, not 10×: a token lives 20–25 lab s and a renewal is four round trips (subscribe, ask,
 * answer, reconnect); at 10× on a loaded two-core machine that left too little real time.
 */
const speed = 5;
/** Seeds 1-3 (the rules on every seed, as tests/e2e/task-rules.test.ts asks), and both algorithms. */
const SEEDS = [1, 2, 3];
const algs = new Set(SEEDS.map((s) => task.params(s).alg));
const refSeeds = [
  ...SEEDS,
  ...['HS256', 'RS256']
    .filter((alg) => !algs.has(alg))
    .map((alg) => {
      for (let s = 4; s < 100; s++) if (task.params(s).alg === alg) return s;
      throw new Error(`no seed for ${alg}`);
    }),
];

describe('task l2-emb-token', () => {
  it('is fit for the bank and its seeds differ', () => {
    expect(validateTask(task)).toEqual([]);
    expect(task.params(1)).not.toEqual(task.params(2));
  });

  it('scores the reference 100 on each algorithm, nothing 0, and each mistake as stated on seeds 1-3', async () => {
    // Two batches: every lab of an RS256 seed makes RSA key pairs on libuv's four threads, and
    // ten labs at once queued the HMAC signing of the others behind them past a token's life.
    const [refs, none] = await Promise.all([
      Promise.all(refSeeds.map((seed) => runTask(task, seed, solve, { speed }))),
      runTask(task, 2, undefined, { speed }),
    ]);
    const [never, stale] = await Promise.all([
      Promise.all(
        SEEDS.map((seed) => runTask(task, seed, solve, { speed, mistake: 'never-renew' })),
      ),
      Promise.all(
        SEEDS.map((seed) => runTask(task, seed, solve, { speed, mistake: 'stale-timestamp' })),
      ),
    ]);
    refs.forEach((ref, i) => {
      const seed = refSeeds[i]!;
      const r = grade(task, seed, { evidence: ref.evidence, taskHash: hash });
      expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
      expect(
        r.tests.filter((t) => t.score < t.max_score).map((t) => `${seed} ${t.id}: ${t.output}`),
      ).toEqual([]);
      expect(r.score).toBe(100);
      expect(JSON.stringify(grade(task, seed, { evidence: ref.evidence, taskHash: hash }))).toBe(
        JSON.stringify(r),
      );
    });
    expect(grade(task, 2, { evidence: none.evidence, taskHash: hash }).score).toBe(0);

    const score = (r: ReturnType<typeof grade>, id: string) =>
      r.tests.find((t) => t.id === id)!.score;
    const lost = (r: ReturnType<typeof grade>) =>
      r.tests.filter((t) => t.score < t.max_score).map((t) => t.id);
    SEEDS.forEach((seed, i) => {
      // Keeping the first token: cut off at its expiry, refused after; no renewal, no new key.
      const n = grade(task, seed, { evidence: never[i]!.evidence, taskHash: hash });
      expect([seed, lost(n)]).toEqual([seed, ['renew', 'rotated', 'posted']]);
      expect(score(n, 'posted')).toBeLessThan(10);
      expect(never[i]!.evidence).toMatch(/"error":"token expired"/);
      // The first timestamp for every signed login: refused after the rotation.
      const s = grade(task, seed, { evidence: stale[i]!.evidence, taskHash: hash });
      expect([seed, lost(s)]).toEqual([seed, ['rotated', 'posted']]);
      expect(score(s, 'posted')).toBeGreaterThan(5);
      expect(stale[i]!.evidence).toMatch(/outside ±20 s \(stale or replayed login\)/);
    });
  }, 90_000);
});
