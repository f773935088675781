/**
 * l2-emb-tls over real sockets: the reference scores 100 (TLS with the lab CA and the password,
 * then mutual TLS, the impostor backup refused and reported), doing nothing 0, and each typical
 * mistake as its rules block says: verification off sends the impostor its CONNECT (critical,
 * capped); no certificate login loses mtls; a plain first phase loses tls-password and part of
 * the uplinks; ignoring the notice loses refused (capped) and alert. The impostor keeps no
 * password, and the same evidence grades to the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { CRITICAL_CAP } from '../../grader/report.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { solve } from '../../tasks/l2-emb-tls/solution.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l2-emb-tls');
const hash = taskHash(task);
const seed = 3;

const lost = (r: ReturnType<typeof grade>) =>
  r.tests.filter((t) => t.score < t.max_score).map((t) => t.id);

describe('task l2-emb-tls', () => {
  it('scores the reference 100, nothing 0, and each mistake as the rules block says', async () => {
    // At 5×, not 10×: the failover (a TLS handshake refused, an alert within 3 lab seconds) of
    // six labs at once stays in time on a loaded two-core machine; 12 s in all.
    const speed = 5;
    const [ref, none, noVerify, pwOnly, plain, ignore] = await Promise.all([
      runTask(task, seed, solve, { speed }),
      runTask(task, seed, undefined, { speed }),
      runTask(task, seed, solve, { speed, mistake: 'no-verify' }),
      runTask(task, seed, solve, { speed, mistake: 'password-only' }),
      runTask(task, seed, solve, { speed, mistake: 'plain' }),
      runTask(task, seed, solve, { speed, mistake: 'ignore-failover' }),
    ]);
    const g = (run: { evidence: string }) =>
      grade(task, seed, { evidence: run.evidence, taskHash: hash });
    const r = g(ref);
    expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
    expect(
      r.tests
        .filter((t) => t.score < t.max_score)
        .map((t) => t.output)
        .join('\n'),
    ).toBe('');
    expect(r.score).toBe(100);
    expect(JSON.stringify(g(ref))).toBe(JSON.stringify(r));
    // The refusal is on the impostor's record: a handshake after the notice, and nothing sent.
    expect(ref.evidence).toMatch(/"kind":"impostor.tls"/);
    expect(ref.evidence).not.toMatch(/"kind":"impostor.data"/);

    expect(g(none).score).toBe(0);

    const nv = g(noVerify);
    // It moved to the impostor (its uplinks went there): the critical check caps the task.
    expect(lost(nv)).toEqual(expect.arrayContaining(['refused', 'alert']));
    expect(nv.capped_by).toEqual(['refused']);
    expect(nv.score).toBeLessThanOrEqual(CRITICAL_CAP);
    expect(nv.tests.find((t) => t.id === 'refused')!.output).toMatch(/CONNECT .*password sent/);
    // The impostor saw that a password came, never the password itself.
    expect(noVerify.evidence).toMatch(/"kind":"impostor.data".*"type":"connect"/);
    const impostorLines = noVerify.evidence.split('\n').filter((l) => l.includes('"impostor.'));
    expect(impostorLines.join('\n')).not.toContain(String(task.params(seed).password));

    const p = g(pwOnly);
    expect(lost(p), JSON.stringify(p.tests.map((t) => t.output))).toEqual(['mtls']);
    expect(p.score).toBe(75);

    const pl = g(plain);
    expect(lost(pl), JSON.stringify(pl.tests.map((t) => t.output))).toEqual([
      'tls-password',
      'uplink',
    ]);
    expect(pl.score).toBeGreaterThan(60);

    const ig = g(ignore);
    expect(lost(ig)).toEqual(['refused', 'alert']);
    expect(ig.capped_by).toEqual(['refused']);
    expect(ig.score).toBe(CRITICAL_CAP);
  }, 60_000);
});
