/**
 * What the broker refused never counts, and topics are graded on the card the lab served: a run
 * whose every publish was denied scores nothing for them, and a run graded against another
 * candidate's prefix is not gradable.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { solve } from '../../tasks/l1-emb-analog/solution.js';
import { chain } from '../support/evidence-chain.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l1-emb-analog');
const hash = taskHash(task);

/** The run's events re-chained after `edit` (as if the lab had recorded them so). */
function rewrite(evidence: string, edit: (e: Record<string, unknown>) => Record<string, unknown>) {
  const events = evidence
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const { prev: _p, ...e } = JSON.parse(l) as Record<string, unknown>;
      return edit(e);
    });
  return chain(events);
}

describe('grading from the card', () => {
  it('a denied publish earns nothing; the same run accepted scores 100', async () => {
    const run = await runTask(task, 31, solve);
    const ok = grade(task, 31, { evidence: rewrite(run.evidence, (e) => e), taskHash: hash });
    expect(ok.score).toBe(100);
    const denied = rewrite(run.evidence, (e) =>
      e.kind === 'mqtt.publish' && e.origin === 'client' ? { ...e, denied: true } : e,
    );
    const r = grade(task, 31, { evidence: denied, taskHash: hash });
    expect(r.gradable).toBe(true);
    const earned = Object.fromEntries(r.tests.map((x) => [x.id, x.score]));
    // Only the Modbus reads are left; every check on the published messages is lost.
    expect(earned).toEqual({
      'modbus-read': 15,
      published: 0,
      payload: 0,
      value: 0,
      period: 0,
      qos: 0,
    });
  }, 30_000);

  it('grades topics under the prefix the lab served, and refuses a run of another prefix', async () => {
    const run = await runTask(task, 32, solve);
    const served = (
      JSON.parse(run.evidence.split('\n')[0]!) as { card: { mqtt: { topicPrefix: string } } }
    ).card.mqtt.topicPrefix;
    expect(
      grade(task, 32, { evidence: run.evidence, taskHash: hash, topicPrefix: served }).score,
    ).toBe(100);
    const other = grade(task, 32, {
      evidence: run.evidence,
      taskHash: hash,
      topicPrefix: 'iotlab/s1/c002',
    });
    expect(other.gradable).toBe(false);
    expect(other.problems.map((p) => p.message)).toContain(
      `this run's lab served topic prefix "${served}", not the candidate's "iotlab/s1/c002"`,
    );
  }, 30_000);
});
