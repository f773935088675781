/**
 * l1-app-gateway over real sockets: the reference configures the lab's gateway through its HTTP
 * API and scores 100, doing nothing (the factory config keeps publishing its sample) scores 0,
 * and leaving the platform connection at its defaults (the typical mistake) loses the 25 points
 * of the client check only.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { getTask, taskHash, validateTask } from '../../tasks/bank.js';
import { solve } from '../../tasks/l1-app-gateway/solution.js';
import { chain } from '../support/evidence-chain.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l1-app-gateway');
const hash = taskHash(task);

describe('task l1-app-gateway', () => {
  it('is fit for the bank and its seeds differ', () => {
    expect(validateTask(task)).toEqual([]);
    expect(task.params(1)).not.toEqual(task.params(2));
  });

  it('scores the reference 100, nothing 0 and default platform settings 75', async () => {
    const [ref, none, bad] = await Promise.all([
      runTask(task, 51, solve),
      runTask(task, 52, undefined),
      runTask(task, 53, solve, { mistake: 'default-client' }),
    ]);
    const r = grade(task, 51, { evidence: ref.evidence, taskHash: hash });
    expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
    expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
    expect(r.score).toBe(100);
    expect(JSON.stringify(grade(task, 51, { evidence: ref.evidence, taskHash: hash }))).toBe(
      JSON.stringify(r),
    );

    const n = grade(task, 52, { evidence: none.evidence, taskHash: hash });
    expect(n.gradable).toBe(true);
    expect(n.score).toBe(0);

    const m = grade(task, 53, { evidence: bad.evidence, taskHash: hash });
    expect(m.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual(['client']);
    expect(m.score).toBe(75);
    expect(m.tests.find((t) => t.id === 'client')!.hint?.en).toMatch(/northbound\.clientId/);
  }, 30_000);

  it('fails a gateway that ran for 3 s of the time limit (the lab stopped when the program did)', async () => {
    const run = await runTask(task, 51, solve);
    // The same run as `iotlab check` records it when a curl-only script exits at once: the lab
    // stops 3 s after it started.
    const events = run.evidence
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => {
        const { prev: _p, ...e } = JSON.parse(l) as Record<string, unknown> & { t: number };
        return e;
      });
    const start = events.find((e) => e.kind === 'lab.start')!.t;
    const cut = events.filter((e) => e.t <= start + 3000 && e.kind !== 'lab.stop');
    const last = cut.at(-1)!;
    cut.push({ t: last.t, wall: last.wall, kind: 'lab.stop', reason: 'program ended' });
    const r = grade(task, 51, { evidence: chain(cut), taskHash: hash });
    expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
    expect(r.passed).toBe(false);
    expect(r.score).toBeLessThanOrEqual(59);
  }, 30_000);
});
