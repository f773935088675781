/**
 * Examiner marks in the server's SQLite file: a manual check's points and an override of an
 * automatic check are rows of one table, each with the grader's figure it was made against; the
 * latest in force counts, a withdrawal ends it (a manual check is pending again), every change is
 * audited, and a data directory from before overrides opens with its rows intact.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GradeReport } from '../../grader/report.js';
import { Grades, marksOf } from '../../server/grades.js';
import { Store } from '../../server/store.js';

const report = {
  gradable: true,
  tests: [
    { id: 'auto', score: 30, max_score: 60, manual: false },
    { id: 'bench', score: 0, max_score: 40, manual: true },
  ],
  provenance: { grader: { version: 'test' } },
} as unknown as GradeReport;

let store: Store | undefined;
afterEach(() => store?.close());

const open = (dir = mkdtempSync(join(tmpdir(), 'iotlab-marks-'))) => {
  store = new Store(dir);
  return { dir, store, grades: new Grades(store) };
};
const mark = (checkId: string, points: number, autoPoints: number | null, reason: string) => ({
  candidateId: 'c1',
  taskId: 't1',
  checkId,
  points,
  reason,
  examiner: 'ex',
  autoPoints,
});
const grade = (g: Grades) => g.grades('s1', 'c1')[0]!;

describe('examiner marks', () => {
  it('a manual score and an override are scored, replaced, withdrawn and audited', () => {
    const { store: s, grades } = open();
    grades.saveGrade('s1', 'c1', 't1', report);
    expect(grade(grades)).toEqual(expect.objectContaining({ final: null }));
    expect(grade(grades).status).toBe('pending-examiner');
    grades.adjust('s1', mark('bench', 25, 0, 'explained the choice'), true);
    expect(grade(grades).final).toBe(55);
    grades.adjust('s1', mark('auto', 50, 30, 'register read seen on the bench'), false);
    expect(grade(grades).final).toBe(75);
    grades.adjust('s1', mark('auto', 45, 30, 'one request short'), false);
    expect(grade(grades).final).toBe(70);
    expect(grades.withdraw('s1', mark('bench', 0, 0, 'wrong candidate'))).toBe(true);
    expect(grade(grades)).toEqual(expect.objectContaining({ final: null }));
    expect(grade(grades).status).toBe('pending-examiner');
    expect(grades.withdraw('s1', mark('bench', 0, 0, 'again'))).toBe(false);
    const marks = marksOf(report, grades.adjustments('s1', 'c1', 't1'));
    expect(marks.map((m) => [m.check, m.kind, m.points, m.reason])).toEqual([
      ['auto', 'override', 45, 'one request short'],
    ]);
    const log = s.auditLog('s1').map((a) => [a.action, a.detail]);
    expect(log.map(([a]) => a)).toEqual([
      'score.manual',
      'score.override',
      'score.override',
      'score.withdraw',
    ]);
    expect(log[2]![1]).toEqual(
      expect.objectContaining({
        points: 45,
        autoPoints: 30,
        replaces: expect.objectContaining({
          points: 50,
          reason: 'register read seen on the bench',
        }) as unknown,
      }),
    );
    expect(log[3]![1]).toEqual(
      expect.objectContaining({
        check: 'bench',
        reason: 'wrong candidate',
        withdrawn: expect.objectContaining({ points: 25, examiner: 'ex' }) as unknown,
      }),
    );
  });

  it('opens a data directory from before overrides with its manual scores intact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-marks-old-'));
    const db = new Database(join(dir, 'iotlab.db'));
    db.exec(`CREATE TABLE adjustments (
      id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, candidate_id TEXT NOT NULL,
      task_id TEXT NOT NULL, check_id TEXT NOT NULL, points REAL NOT NULL, reason TEXT NOT NULL,
      examiner TEXT NOT NULL, at TEXT NOT NULL);
      INSERT INTO adjustments (session_id, candidate_id, task_id, check_id, points, reason,
        examiner, at) VALUES ('s1', 'c1', 't1', 'bench', 20, 'old mark', 'ex', '2026-01-01');`);
    db.close();
    const { grades } = open(dir);
    expect(grades.adjustments('s1', 'c1', 't1')).toEqual([
      expect.objectContaining({ checkId: 'bench', points: 20, autoPoints: null, withdrawn: false }),
    ]);
    grades.saveGrade('s1', 'c1', 't1', report);
    expect(grade(grades).final).toBe(50);
    // No figure to compare with: an old mark never "disagrees" on its own.
    expect(marksOf(report, grades.adjustments('s1', 'c1', 't1'))[0]!.disagrees).toBe(false);
  });
});
