/**
 * l1-emb-digital over real sockets: the reference solution scores full marks, doing nothing
 * scores 0, reading the signed temperature register as unsigned fails on every seed (every place
 * is below 0 °C: the temperature check's 25 points lost, with the hint that names the mistake,
 * and the check is critical, so 75 is capped at 59), and the same evidence grades to the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { PLACES } from '../../tasks/l1-emb-digital/task.js';
import type { DigitalParams } from '../../tasks/l1-emb-digital/task.js';
import { solve } from '../../tasks/l1-emb-digital/solution.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l1-emb-digital');
const hash = taskHash(task);

describe('task l1-emb-digital', () => {
  it('scores the reference 100, nothing 0 and unsigned temperature 59, a fail', async () => {
    const cold = 30;
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
    expect(m.score).toBe(59);
    expect(m.tests.find((t) => t.id === 'temperature')!.hint?.en).toMatch(/signed 16-bit/);
  }, 30_000);
});

describe('task l1-emb-digital: the signed rule on every seed', () => {
  it('every place is below 0 °C; reading unsigned loses the temperature check (25) on seeds 1–3', async () => {
    expect(PLACES.every((p) => p.temp + 2 + 1.5 + 0.5 < 0)).toBe(true);
    const seeds = [1, 2, 3];
    // Seeds 1 and 3 draw place 2, a server room (21 °C) before issue 18: unsigned scored 100.
    expect(seeds.map((s) => (task.params(s) as DigitalParams).place)).toEqual([2, 0, 2]);
    const runs = await Promise.all(
      seeds.flatMap((seed) => [
        runTask(task, seed, solve),
        runTask(task, seed, solve, { mistake: 'unsigned' }),
      ]),
    );
    seeds.forEach((seed, i) => {
      const r = grade(task, seed, { evidence: runs[2 * i]!.evidence, taskHash: hash });
      expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
      expect(r.score).toBe(100);
      const m = grade(task, seed, { evidence: runs[2 * i + 1]!.evidence, taskHash: hash });
      expect(
        m.tests.filter((t) => t.score < t.max_score).map((t) => t.id),
        `seed ${seed}`,
      ).toEqual(['temperature']);
      expect(m.score, `seed ${seed}`).toBe(59);
    });
  }, 60_000);
});
