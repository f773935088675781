/**
 * l2-emb-cipher over real sockets, on a seed of each algorithm: the reference scores 100 (it
 * decrypts every message, drops the tampered copies, seals the fan's commands), doing nothing 0;
 * plain-text fan commands (ignored by the fan) lose the three fan checks; republishing tampered
 * copies instead of dropping them costs the decrypt check; the same evidence grades to the same
 * bytes. And the codec: each algorithm round-trips, Node's SM4 agrees with openssl's, and `open`
 * never throws on arbitrary input.
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { solve } from '../../tasks/l2-emb-cipher/solution.js';
import { CIPHERS, KEY_BYTES, open, seal, tamper } from '../../protocols/codecs/cipher.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l2-emb-cipher');
const hash = taskHash(task);
/** A seed for each algorithm. */
const seeds = CIPHERS.map((alg) => {
  for (let s = 1; s < 200; s++) if (task.params(s).alg === alg) return s;
  throw new Error(`no seed for ${alg}`);
});

describe('the cipher codec', () => {
  it('round-trips, refuses tampering and never throws', () => {
    for (const alg of CIPHERS) {
      const key = Buffer.alloc(KEY_BYTES[alg], 7);
      const msg = seal(alg, key, Buffer.from('{"on":true}'));
      expect(open(alg, key, msg)?.toString()).toBe('{"on":true}');
      expect(open(alg, Buffer.alloc(KEY_BYTES[alg], 8), msg)).toBeUndefined();
      expect(open(alg, key, tamper(alg, key, '{"seq":1,"temperature":4.2}'))).toBeUndefined();
      fc.assert(
        fc.property(fc.string({ maxLength: 200 }), (s) => {
          open(alg, key, s);
          return true;
        }),
        { numRuns: 300 },
      );
    }
  });

  it("agrees with openssl's SM4-CBC and AES-128-CBC", () => {
    const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const iv = Buffer.from('0f0e0d0c0b0a09080706050403020100', 'hex');
    for (const alg of ['sm4-cbc', 'aes-128-cbc'] as const) {
      const ours = Buffer.from(seal(alg, key, Buffer.from('hello, 冷库'), iv), 'base64');
      const theirs = execFileSync(
        'openssl',
        ['enc', `-${alg}`, '-K', key.toString('hex'), '-iv', iv.toString('hex')],
        { input: 'hello, 冷库' },
      );
      expect(ours.subarray(16).toString('hex')).toBe(theirs.toString('hex'));
    }
  });
});

describe('task l2-emb-cipher', () => {
  // One lab per case, all at once (about 10 s in all, not 10 s each).
  it('scores the reference 100 on each algorithm, nothing 0, and each mistake as the rubric says', async () => {
    const [refs, none, plain, noDrop] = await Promise.all([
      Promise.all(seeds.map((seed) => runTask(task, seed, solve))),
      runTask(task, seeds[0]!, undefined),
      runTask(task, seeds[0]!, solve, { mistake: 'plain-command' }),
      runTask(task, seeds[0]!, solve, { mistake: 'no-drop' }),
    ]);
    refs.forEach((ref, i) => {
      const seed = seeds[i]!;
      const r = grade(task, seed, { evidence: ref.evidence, taskHash: hash });
      expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
      expect(
        r.tests.filter((t) => t.score < t.max_score).map((t) => t.output),
        CIPHERS[i],
      ).toEqual([]);
      expect(r.score).toBe(100);
      expect(JSON.stringify(grade(task, seed, { evidence: ref.evidence, taskHash: hash }))).toBe(
        JSON.stringify(r),
      );
    });
    expect(grade(task, seeds[0]!, { evidence: none.evidence, taskHash: hash }).score).toBe(0);
    // Plain-text commands: the fan ignores them, so the three fan checks are lost.
    const p = grade(task, seeds[0]!, { evidence: plain.evidence, taskHash: hash });
    expect(p.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual([
      'fan-on',
      'fan-off',
      'no-flap',
    ]);
    expect(p.score).toBe(50);
    // Tampered copies republished as readings: they count against the decrypt check.
    const n = grade(task, seeds[0]!, { evidence: noDrop.evidence, taskHash: hash });
    const decrypt = n.tests.find((t) => t.id === 'decrypt')!;
    expect(decrypt.score).toBeLessThan(40);
    expect(decrypt.score).toBeGreaterThan(20);
  }, 60_000);
});
