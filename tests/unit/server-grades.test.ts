/** Papers name real bank tasks; a task's final score waits for the examiner on manual checks. */
import { describe, expect, it } from 'vitest';
import type { GradeReport } from '../../grader/report.js';
import { finalScore, marksOf } from '../../server/grades.js';
import { listPapers, validatePaper } from '../../server/papers.js';
import { listTasks } from '../../tasks/bank.js';

describe('papers and the task bank', () => {
  it('every built-in paper names only bank tasks, and says which points it cannot fill', () => {
    const ids = listTasks().map((t) => t.id);
    for (const p of listPapers()) {
      for (const t of p.tasks) expect(ids).toContain(t.id);
      const total = [...p.tasks, ...p.gaps].reduce((s, x) => s + x.points, 0);
      expect(total).toBe(100);
    }
  });

  it('an unknown task id is a clear error naming the bank', () => {
    const p = listPapers()[0]!;
    let problems: { message: string }[] = [];
    try {
      validatePaper({ ...p, tasks: [{ ...p.tasks[0]!, id: 'l1-emb-nope' }, ...p.tasks.slice(1)] });
    } catch (err) {
      problems = (err as { problems: { message: string }[] }).problems;
    }
    expect(problems.map((x) => x.message).join('\n')).toContain('no task "l1-emb-nope"');
  });
});

describe('finalScore', () => {
  const report = (manual: boolean) =>
    ({
      gradable: true,
      tests: [
        { id: 'a', score: 40, max_score: 60, manual: false },
        { id: 'b', score: 0, max_score: 40, manual },
      ],
    }) as unknown as GradeReport;
  const adj = (
    points: number,
    checkId = 'b',
    autoPoints: number | null = null,
    withdrawn = false,
  ) => ({
    candidateId: 'c',
    taskId: 't',
    checkId,
    points,
    reason: 'seen on the bench',
    examiner: 'e',
    at: '',
    autoPoints,
    withdrawn,
  });

  it('is pending examiner, not zero, until a manual check is scored; the last score counts', () => {
    expect(finalScore(report(true), [])).toEqual({ final: null, status: 'pending-examiner' });
    expect(finalScore(report(true), [adj(10), adj(30)])).toEqual({ final: 70, status: 'final' });
    expect(finalScore(report(false), [])).toEqual({ final: 40, status: 'final' });
  });

  it("takes an override of an automatic check in place of the grader's points, until withdrawn", () => {
    expect(finalScore(report(false), [adj(55, 'a', 40)])).toEqual({ final: 55, status: 'final' });
    expect(finalScore(report(false), [adj(55, 'a', 40), adj(40, 'a', 40, true)])).toEqual({
      final: 40,
      status: 'final',
    });
    // A manual check whose mark is withdrawn waits for an examiner again.
    expect(finalScore(report(true), [adj(30), adj(0, 'b', 0, true)]).status).toBe(
      'pending-examiner',
    );
  });

  it("marks an override that disagrees once the grader's figure moved", () => {
    const marks = marksOf(report(false), [adj(55, 'a', 40), adj(10, 'b', 5), adj(3, 'gone', 1)]);
    expect(marks.map((m) => [m.check, m.kind, m.autoAtMark, m.autoNow, m.disagrees])).toEqual([
      ['a', 'override', 40, 40, false],
      ['b', 'override', 5, 0, true],
      ['gone', 'override', 1, null, true],
    ]);
    expect(marksOf(report(true), [adj(10, 'b', 0)])[0]).toEqual(
      expect.objectContaining({ kind: 'manual', points: 10, disagrees: false }),
    );
  });

  it('gives no score to an ungradable run', () => {
    const r = { gradable: false, tests: [] } as unknown as GradeReport;
    expect(finalScore(r, [])).toEqual({ final: null, status: 'ungradable' });
  });
});
