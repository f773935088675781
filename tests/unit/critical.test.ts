/**
 * Critical checks (DESIGN.md, "Score"): a task whose critical check falls short scores at most
 * CRITICAL_CAP, below the pass mark, in the grader's report, in the exam server's final score
 * (with an examiner's marks in place) and as the instructions state it.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { CRITICAL_CAP, PASS_MARK, renderText, taskScore } from '../../grader/report.js';
import type { CheckSpec, Task } from '../../grader/types.js';
import { criticalNote, listTasks, renderTask } from '../../tasks/bank.js';
import { analogAcquisition } from '../../tasks/l1-emb-analog/task.js';
import { finalScore } from '../../server/grades.js';
import { chain } from '../support/evidence-chain.js';

describe('taskScore', () => {
  const line = (id: string, points: number, earned: number, critical?: number) => ({
    id,
    points,
    earned,
    ...(critical !== undefined ? { critical } : {}),
  });

  it('is the sum when every critical line has what it needs', () => {
    expect(taskScore([line('a', 60, 60), line('b', 40, 40, 1)])).toEqual({
      score: 100,
      raw: 100,
      cappedBy: [],
    });
    expect(taskScore([line('a', 60, 30), line('b', 40, 36, 0.9)]).score).toBe(66);
  });

  it('caps below the pass mark when a critical line falls short, and names it', () => {
    const r = taskScore([line('a', 60, 60), line('b', 40, 39.9, 1), line('c', 10, 0)]);
    expect(r).toEqual({ score: CRITICAL_CAP, raw: 99.9, cappedBy: ['b'] });
    expect(CRITICAL_CAP).toBeLessThan(PASS_MARK);
    expect(taskScore([line('a', 60, 60), line('b', 40, 35.9, 0.9)]).cappedBy).toEqual(['b']);
  });

  it('never raises a score that is already below the cap', () => {
    expect(taskScore([line('a', 60, 20), line('b', 40, 0, 1)]).score).toBe(20);
  });
});

/** analog's lab, params and instructions, with two checks of our own. */
function taskWith(checks: CheckSpec[]): Task {
  return { ...analogAcquisition, checks };
}
const ok = (score: number) => () => ({ score, expected: 'x', seen: 'y', evidence: [] });
const CHECKS = (valueScore: number): CheckSpec[] => [
  {
    id: 'plumbing',
    skill: 'L1.EMB.3.1.2',
    points: 60,
    title: { zh: '管道', en: 'plumbing' },
    run: ok(1),
  },
  {
    id: 'value',
    skill: 'L1.EMB.2.2.1',
    points: 40,
    title: { zh: '数值', en: 'value' },
    critical: true,
    run: ok(valueScore),
  },
];

function run(task: Task, seed: number) {
  const scenario = task.scenario(task.params(seed));
  return grade(task, seed, {
    evidence: chain([
      { kind: 'lab.start', scenario: scenario.name, seed },
      { kind: 'lab.stop', reason: 'done' },
    ]),
    taskHash: 'h',
  });
}

describe('grade with a critical check', () => {
  it('caps the report at CRITICAL_CAP and says why, in every form of the report', () => {
    const r = run(taskWith(CHECKS(0.5)), 3);
    expect(r.raw_score).toBe(80);
    expect(r.score).toBe(CRITICAL_CAP);
    expect(r.passed).toBe(false);
    expect(r.capped_by).toEqual(['value']);
    expect(r.tests.find((t) => t.id === 'value')!.critical).toEqual({ need: 1, met: false });
    expect(r.output).toMatch(/capped at 59: critical check value not met, 80 without the cap/);
    expect(renderText(r, 'en')).toMatch(/critical check value not met: capped at 59 \(80 without/);
    expect(renderText(r, 'zh')).toMatch(/关键检查项 value 未达到要求：本题最高 59 分/);
  });

  it('scores the sum when the critical check is met', () => {
    const r = run(taskWith(CHECKS(1)), 3);
    expect([r.score, r.raw_score, r.passed, r.capped_by]).toEqual([100, 100, true, []]);
  });

  it("applies the cap to the exam server's final score too, with the examiner's mark in place", () => {
    const r = run(taskWith(CHECKS(0.5)), 3);
    expect(finalScore(r, [])).toEqual({ final: CRITICAL_CAP, status: 'final' });
    // An examiner's mark on a manual critical check decides whether the cap holds.
    const manual = {
      ...r,
      tests: r.tests.map((t) => (t.id === 'value' ? { ...t, manual: true } : t)),
    };
    const adj = (points: number) => ({
      candidateId: 'c',
      taskId: analogAcquisition.id,
      checkId: 'value',
      points,
      reason: 'r',
      examiner: 'e',
      at: '2026-01-01T00:00:00.000Z',
      autoPoints: null,
      withdrawn: false,
    });
    expect(finalScore(manual, []).status).toBe('pending-examiner');
    expect(finalScore(manual, [adj(40)])).toEqual({ final: 100, status: 'final' });
    expect(finalScore(manual, [adj(30)])).toEqual({ final: CRITICAL_CAP, status: 'final' });
  });
});

describe('the instructions state the critical checks', () => {
  it('renders a closing line naming each, in both languages, from the checks themselves', () => {
    const task = taskWith(CHECKS(1));
    const zh = renderTask(task, 3, 'zh').text;
    const en = renderTask(task, 3, 'en').text;
    expect(zh.endsWith(criticalNote(task, 'zh'))).toBe(true);
    expect(zh).toMatch(
      /\*\*关键检查项\*\*：“数值”。其中任何一项未达到要求，本题最高 59 分（不合格）。/,
    );
    expect(en).toMatch(
      /\*\*Critical checks\*\*: "value"\. If any of them is not met, the task scores at most 59/,
    );
    expect(criticalNote(taskWith(CHECKS(1).map((c) => ({ ...c, critical: 0.9 }))), 'en')).toMatch(
      /"plumbing" \(at least 90 % of its points\), "value" \(at least 90 % of its points\)/,
    );
    expect(criticalNote({ ...task, checks: [CHECKS(1)[0]!] }, 'en')).toBe('');
  });
});

/**
 * Tasks with no critical check, and why. l1-sys-sql: eight independent all-or-nothing SQL items
 * of 5-20 points, none the task's one answer (one slip leaves 80-95, as in any multi-part
 * exercise). l1-sys-fault: its two answers are 40 points each and timely needs both, so either
 * one wrong already leaves at most 40.
 */
const NO_CRITICAL = [
  'l1-sys-sql',
  'l1-sys-fault',
  // Hand-in tasks whose documents are mostly the examiners' to judge (80 to 100 of 100 points).
  'l2-sys-plan',
  'l2-sys-consult',
  'l3-all-plan',
  'l3-all-consult',
];

describe('every task: a critical check failed alone fails the task (issue 18)', () => {
  /** The task with every check passing in full except `failing`, which earns `share` of its points. */
  const alone = (task: Task, failing: string, share: number): Task => ({
    ...task,
    checks: task.checks.map((c) => ({ ...c, run: ok(c.id === failing ? share : 1) })),
  });

  it.each(listTasks().map((t) => [t.id, t] as const))('%s', (id, task) => {
    const critical = task.checks.filter((c) => c.critical !== undefined);
    expect(critical.length > 0, `${id} has no critical check`).toBe(!NO_CRITICAL.includes(id));
    // Rubric checks earn the examiners' marks, not the grader's: with them, the cap is the
    // exam server's (see "applies the cap to the exam server's final score" above).
    if (task.checks.some((c) => c.rubric)) {
      expect(critical.every((c) => !c.rubric)).toBe(true);
      return;
    }
    expect(run(alone(task, '', 1), 1).score).toBe(100);
    for (const c of critical) {
      const need = c.critical === true ? 1 : c.critical!;
      // Just short of what it needs: a tenth of a point less (points are kept to a tenth).
      const r = run(alone(task, c.id, need - 0.1 / c.points), 1);
      expect(r.gradable, `${id}/${c.id}: ${JSON.stringify(r.problems)}`).toBe(true);
      expect(r.raw_score, `${id}/${c.id} raw`).toBeGreaterThanOrEqual(PASS_MARK);
      expect([r.score, r.passed, r.capped_by], `${id}/${c.id}`).toEqual([
        CRITICAL_CAP,
        false,
        [c.id],
      ]);
      // What it needs exactly is enough.
      expect(run(alone(task, c.id, need), 1).capped_by, `${id}/${c.id} met`).toEqual([]);
    }
  });
});
