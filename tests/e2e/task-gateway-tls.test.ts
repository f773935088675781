/**
 * l2-app-gateway-tls over real sockets: the reference configures the lab's gateway through its
 * HTTP API to post to the platform (the lab broker's TLS port) over mutual TLS and scores 100;
 * doing nothing scores 0; each typical mistake loses what the rules block says: keeping the
 * factory's plain link (`plain`) or logging in over TLS with the password (`password`) fails the
 * critical mutual-TLS check, and the gateway's default JSON (`default-format`) fails the format
 * and both (critical) value checks — each capped below the pass mark.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { getTask, taskHash, validateTask } from '../../tasks/bank.js';
import { solve } from '../../tasks/l2-app-gateway-tls/solution.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l2-app-gateway-tls');
const hash = taskHash(task);
const lost = (r: ReturnType<typeof grade>) =>
  r.tests.filter((t) => t.score < t.max_score).map((t) => t.id);

describe('task l2-app-gateway-tls', () => {
  it('is fit for the bank and its seeds differ', () => {
    expect(validateTask(task)).toEqual([]);
    expect(task.params(1)).not.toEqual(task.params(2));
  });

  it('scores the reference 100 and nothing 0', async () => {
    const [ref, none] = await Promise.all([runTask(task, 61, solve), runTask(task, 62, undefined)]);
    const r = grade(task, 61, { evidence: ref.evidence, taskHash: hash });
    expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
    expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
    expect(r.score).toBe(100);
    expect(JSON.stringify(grade(task, 61, { evidence: ref.evidence, taskHash: hash }))).toBe(
      JSON.stringify(r),
    );
    // The key the gateway was given never reaches the evidence.
    expect(ref.evidence).not.toContain('PRIVATE KEY');
    const n = grade(task, 62, { evidence: none.evidence, taskHash: hash });
    expect(n.gradable).toBe(true);
    expect(n.score).toBe(0);
  }, 30_000);

  it('caps a plain link, a password login over TLS and the default JSON below the pass mark', async () => {
    const [plain, password, format] = await Promise.all([
      runTask(task, 63, solve, { mistake: 'plain' }),
      runTask(task, 64, solve, { mistake: 'password' }),
      runTask(task, 65, solve, { mistake: 'default-format' }),
    ]);
    const p = grade(task, 63, { evidence: plain.evidence, taskHash: hash });
    expect(lost(p)).toEqual(['mtls']);
    expect(p.capped_by).toEqual(['mtls']);
    expect(p.score).toBeLessThan(p.pass_mark);
    expect(p.tests.find((t) => t.id === 'mtls')!.output).toMatch(/over plain MQTT/);

    const w = grade(task, 64, { evidence: password.evidence, taskHash: hash });
    expect(lost(w)).toEqual(['mtls']);
    expect(w.score).toBeLessThan(w.pass_mark);

    const f = grade(task, 65, { evidence: format.evidence, taskHash: hash });
    expect(lost(f)).toEqual(['format', 'value-1', 'value-2']);
    expect(f.score).toBeLessThan(f.pass_mark);
  }, 30_000);
});
