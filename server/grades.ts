/**
 * Task attempts, grades and examiner scores in the server's SQLite file (beside store.ts).
 *
 * A candidate's lab runs one task at a time: an attempt is (session, candidate, task) with its
 * own evidence file. A grade stores the grader's full report; its `final` task score (0–100) is
 * the automatic points of automatic checks plus the examiner's points for `manual` checks, and
 * stays null ("pending examiner") until every manual check has been scored: never a silent zero.
 * Examiner scores are rows of `adjustments` (the latest per check counts) and audit entries.
 */
import type Database from 'better-sqlite3';
import type { GradeReport, ScoredLine } from '../grader/report.js';
import { taskScore } from '../grader/report.js';
import type { Store } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS attempts (
  session_id TEXT NOT NULL, candidate_id TEXT NOT NULL, task_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running','done')), started_at TEXT NOT NULL,
  ended_at TEXT, evidence_path TEXT NOT NULL, PRIMARY KEY (session_id, candidate_id, task_id));
`;

export type GradeStatus = 'final' | 'pending-examiner' | 'ungradable';

export interface Attempt {
  sessionId: string;
  candidateId: string;
  taskId: string;
  state: 'running' | 'done';
  startedAt: string;
  endedAt: string | null;
  evidencePath: string;
  /**
   * SHA-256 of the evidence file's last line when the attempt ended, kept apart from the file so
   * that an edit to the last line, or lines added later, show when it is graded again.
   */
  evidenceHead: string | null;
}

export interface StoredGrade {
  candidateId: string;
  taskId: string;
  /** The task score out of 100 with examiner points; null while pending or not gradable. */
  final: number | null;
  status: GradeStatus;
  report: GradeReport;
  graderVersion: string;
  gradedAt: string;
}

export interface Adjustment {
  candidateId: string;
  taskId: string;
  checkId: string;
  points: number;
  reason: string;
  examiner: string;
  at: string;
}

/** The task score with examiner points for manual checks, or null while any is missing. */
export function finalScore(
  report: GradeReport,
  adjustments: readonly Adjustment[],
): { final: number | null; status: GradeStatus } {
  if (!report.gradable) return { final: null, status: 'ungradable' };
  const lines: ScoredLine[] = [];
  for (const t of report.tests) {
    let earned = t.score;
    if (t.manual) {
      const adj = adjustments.filter((a) => a.checkId === t.id).at(-1);
      if (!adj) return { final: null, status: 'pending-examiner' };
      earned = adj.points;
    }
    lines.push({ id: t.id, points: t.max_score, earned, critical: t.critical?.need });
  }
  // The same cap as the grader's, now with the examiner's marks in place.
  return { final: taskScore(lines).score, status: 'final' };
}

export class Grades {
  private readonly db: Database.Database;

  constructor(private readonly store: Store) {
    this.db = store.db;
    this.db.exec(SCHEMA);
    const cols = this.db.prepare('PRAGMA table_info(attempts)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'evidence_head'))
      this.db.exec('ALTER TABLE attempts ADD COLUMN evidence_head TEXT');
  }

  startAttempt(
    a: Omit<Attempt, 'state' | 'startedAt' | 'endedAt' | 'evidenceHead'>,
    actor: string,
  ): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO attempts (session_id, candidate_id, task_id, state, started_at, evidence_path)
           VALUES (?, ?, ?, 'running', ?, ?)`,
        )
        .run(a.sessionId, a.candidateId, a.taskId, new Date().toISOString(), a.evidencePath);
      this.store.audit(actor, 'task.start', a.sessionId, {
        candidate: a.candidateId,
        task: a.taskId,
      });
    })();
  }

  endAttempt(
    sessionId: string,
    candidateId: string,
    taskId: string,
    reason: string,
    evidenceHead?: string,
  ): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE attempts SET state = 'done', ended_at = ?, evidence_head = ?
           WHERE session_id = ? AND candidate_id = ? AND task_id = ? AND state = 'running'`,
        )
        .run(new Date().toISOString(), evidenceHead ?? null, sessionId, candidateId, taskId);
      this.store.audit('system', 'task.stop', sessionId, {
        candidate: candidateId,
        task: taskId,
        reason,
      });
    })();
  }

  attempts(sessionId: string, candidateId?: string): Attempt[] {
    const rows = (
      candidateId === undefined
        ? this.db.prepare('SELECT * FROM attempts WHERE session_id = ?').all(sessionId)
        : this.db
            .prepare('SELECT * FROM attempts WHERE session_id = ? AND candidate_id = ?')
            .all(sessionId, candidateId)
    ) as Record<string, string | null>[];
    return rows.map((r) => ({
      sessionId: String(r.session_id),
      candidateId: String(r.candidate_id),
      taskId: String(r.task_id),
      state: r.state === 'running' ? 'running' : 'done',
      startedAt: String(r.started_at),
      endedAt: r.ended_at ?? null,
      evidencePath: String(r.evidence_path),
      evidenceHead: r.evidence_head ?? null,
    }));
  }

  adjustments(sessionId: string, candidateId: string, taskId: string): Adjustment[] {
    return this.db
      .prepare(
        `SELECT candidate_id AS candidateId, task_id AS taskId, check_id AS checkId, points, reason,
           examiner, at FROM adjustments WHERE session_id = ? AND candidate_id = ? AND task_id = ?
         ORDER BY id`,
      )
      .all(sessionId, candidateId, taskId) as Adjustment[];
  }

  /** Stores a grade (replacing the previous one) with its final score from the adjustments. */
  saveGrade(sessionId: string, candidateId: string, taskId: string, report: GradeReport): void {
    const { final, status } = finalScore(report, this.adjustments(sessionId, candidateId, taskId));
    this.db
      .prepare(
        `INSERT OR REPLACE INTO scores (session_id, candidate_id, task_id, points, max, status,
           report_json, grader_version, graded_at) VALUES (?, ?, ?, ?, 100, ?, ?, ?, ?)`,
      )
      .run(
        sessionId,
        candidateId,
        taskId,
        final,
        status,
        JSON.stringify(report),
        report.provenance.grader.version,
        new Date().toISOString(),
      );
  }

  grades(sessionId: string, candidateId?: string): StoredGrade[] {
    const rows = (
      candidateId === undefined
        ? this.db.prepare('SELECT * FROM scores WHERE session_id = ?').all(sessionId)
        : this.db
            .prepare('SELECT * FROM scores WHERE session_id = ? AND candidate_id = ?')
            .all(sessionId, candidateId)
    ) as Record<string, string | number | null>[];
    return rows
      .filter((r) => typeof r.report_json === 'string')
      .map((r) => ({
        candidateId: String(r.candidate_id),
        taskId: String(r.task_id),
        final: typeof r.points === 'number' ? r.points : null,
        status: r.status as GradeStatus,
        report: JSON.parse(String(r.report_json)) as GradeReport,
        graderVersion: String(r.grader_version),
        gradedAt: String(r.graded_at),
      }));
  }

  /** An examiner's points for a manual check, with the reason, in the audit log; re-scores. */
  adjust(sessionId: string, a: Omit<Adjustment, 'at'>): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO adjustments (session_id, candidate_id, task_id, check_id, points, reason,
             examiner, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          sessionId,
          a.candidateId,
          a.taskId,
          a.checkId,
          a.points,
          a.reason,
          a.examiner,
          new Date().toISOString(),
        );
      this.store.audit(a.examiner, 'score.manual', sessionId, {
        candidate: a.candidateId,
        task: a.taskId,
        check: a.checkId,
        points: a.points,
        reason: a.reason,
      });
      const g = this.grades(sessionId, a.candidateId).find((x) => x.taskId === a.taskId);
      if (g) this.saveGrade(sessionId, a.candidateId, a.taskId, g.report);
    })();
  }
}
