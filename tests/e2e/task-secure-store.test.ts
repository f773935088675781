/**
 * l2-app-secure-store over real sockets: the reference solution's SQLite file, captured by the
 * runner when the time is up, scores 100; doing nothing scores 0; each stated rule broken alone
 * loses what the rubric says (tasks/l2-app-secure-store/task.ts): sealing without the AAD opens
 * nothing (critical: 59), one IV for every row loses fresh-iv (90), a plain copy of the value
 * loses no-plaintext (critical: 59). The same evidence grades to the same bytes, and what the
 * database holds is ciphertext: no stored value is the published number in clear.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { CRITICAL_CAP } from '../../grader/report.js';
import { readEvidenceText } from '../../grader/evidence-file.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { solve } from '../../tasks/l2-app-secure-store/solution.js';
import { openValue } from '../../tasks/l2-app-secure-store/task.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l2-app-secure-store');
/** Five labs at once: 5× leaves a loaded machine time to write each row before the capture. */
const SPEED = 5;
const hash = taskHash(task);
const lost = (r: ReturnType<typeof grade>) =>
  r.tests.filter((t) => t.score < t.max_score).map((t) => t.id);

describe('task l2-app-secure-store', () => {
  it('scores the reference 100, nothing 0, and each broken rule as the rubric says', async () => {
    const [ref, none, noAad, fixedIv, plainCopy] = await Promise.all([
      runTask(task, 11, solve, { speed: SPEED }),
      runTask(task, 12, undefined, { speed: SPEED }),
      runTask(task, 13, solve, { mistake: 'no-aad', speed: SPEED }),
      runTask(task, 14, solve, { mistake: 'fixed-iv', speed: SPEED }),
      runTask(task, 15, solve, { mistake: 'plain-copy', speed: SPEED }),
    ]);
    const r = grade(task, 11, { evidence: ref.evidence, taskHash: hash });
    expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
    expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
    expect(r.score).toBe(100);
    expect(JSON.stringify(grade(task, 11, { evidence: ref.evidence, taskHash: hash }))).toBe(
      JSON.stringify(r),
    );
    // What was stored is ciphertext that opens only with the key and its own row's AAD.
    const capture = readEvidenceText(ref.evidence).events.find((e) => e.kind === 'capture')!;
    const rows = (capture.rows as { columns: string[]; values: (string | number)[][] }).values;
    expect(rows.length).toBeGreaterThan(20);
    const key = Buffer.from(String(task.params(11).key), 'hex');
    const [, device, ts, quantity, sealed] = rows[0]!;
    expect(Number.isFinite(Number(sealed))).toBe(false);
    expect(openValue(key, `${device}|${ts}|${quantity}`, sealed)).toHaveProperty('value');
    const other = quantity === 'power' ? 'voltage' : 'power';
    expect(openValue(key, `${device}|${ts}|${other}`, sealed)).toHaveProperty('why');

    const n = grade(task, 12, { evidence: none.evidence, taskHash: hash });
    expect(n.gradable).toBe(true);
    expect(n.score).toBe(0);

    const a = grade(task, 13, { evidence: noAad.evidence, taskHash: hash });
    expect(lost(a)).toEqual(['sealed', 'fresh-iv']);
    expect(a.score).toBe(CRITICAL_CAP);
    expect(a.tests.find((t) => t.id === 'sealed')!.output).toMatch(/does not open/);

    const f = grade(task, 14, { evidence: fixedIv.evidence, taskHash: hash });
    expect(lost(f)).toEqual(['fresh-iv']);
    expect(f.score).toBe(90);

    const p = grade(task, 15, { evidence: plainCopy.evidence, taskHash: hash });
    expect(lost(p)).toEqual(['no-plaintext']);
    expect(p.score).toBe(CRITICAL_CAP);
  }, 30_000);
});
