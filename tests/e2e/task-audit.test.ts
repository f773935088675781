/**
 * l2-sys-audit over real sockets, on a seed of each intrusion (a meter reading the HVAC topics,
 * one writing the HVAC command topic): the reference finds the intruder in the access records
 * from the security API, answers, and denies exactly that client that action on that topic —
 * 100, and the same evidence grades to the same bytes; doing nothing scores 0; denying the
 * intruder everything (its own readings too) or the topic to everyone (the HVAC controller too)
 * loses `legit` (75); taking the decoy meter's alarm for the intrusion fails the critical
 * identity check.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { CRITICAL_CAP } from '../../grader/report.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { solve } from '../../tasks/l2-sys-audit/solution.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l2-sys-audit');
const hash = taskHash(task);
const READ = 1; // the decoy's alarm comes 3 s before the intrusion
const WRITE = 6; // likewise

describe('task l2-sys-audit', () => {
  it('scores the reference 100 on each intrusion, nothing 0, and each mistake as the rubric says', async () => {
    expect([task.params(READ).mode, task.params(WRITE).mode]).toEqual(['read', 'write']);
    // Six labs at once at 4×: at 10× (the default), beside another test file, a mistake run once
    // lost `blocked` too (the policy change and the intruder's attempts are 100 ms of wall time
    // apart there).
    const speed = 4;
    const [read, write, none, identity, topic, decoy] = await Promise.all([
      runTask(task, READ, solve, { speed }),
      runTask(task, WRITE, solve, { speed }),
      runTask(task, READ, undefined, { speed }),
      runTask(task, WRITE, solve, { mistake: 'deny-identity', speed }),
      runTask(task, READ, solve, { mistake: 'deny-topic', speed }),
      runTask(task, WRITE, solve, { mistake: 'name-decoy', speed }),
    ]);
    for (const [seed, run] of [
      [READ, read],
      [WRITE, write],
    ] as const) {
      const r = grade(task, seed, { evidence: run.evidence, taskHash: hash });
      expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
      expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
      expect(r.score).toBe(100);
      expect(JSON.stringify(grade(task, seed, { evidence: run.evidence, taskHash: hash }))).toBe(
        JSON.stringify(r),
      );
    }
    expect(grade(task, READ, { evidence: none.evidence, taskHash: hash }).score).toBe(0);
    for (const [seed, run] of [
      [WRITE, identity],
      [READ, topic],
    ] as const) {
      const r = grade(task, seed, { evidence: run.evidence, taskHash: hash });
      expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual(['legit']);
      expect(r.score).toBe(75);
    }
    const d = grade(task, WRITE, { evidence: decoy.evidence, taskHash: hash });
    expect(d.tests.find((t) => t.id === 'identity')!.score).toBe(0);
    expect(d.score).toBeLessThanOrEqual(CRITICAL_CAP);
  }, 60_000);
});
