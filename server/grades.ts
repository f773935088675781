/**
 * Task attempts, grades and examiner scores in the server's SQLite file (beside store.ts).
 *
 * A candidate's lab runs one task at a time: an attempt is (session, candidate, task) with its
 * own evidence file. A grade stores the grader's full report; its `final` task score (0–100) is
 * the automatic points of automatic checks plus the examiner's points for `manual` checks, and
 * stays null ("pending examiner") until every manual check has been scored: never a silent zero.
 * Examiner marks are rows of `adjustments` (the latest per check counts) and audit entries: the
 * points for a `manual` check, or an override of any check's automatic points. Each row keeps the
 * grader's figure it was made against (`auto_points`), so a regrade that moves that figure shows
 * the mark "now disagrees"; a row with `withdrawn` set ends the mark (the grader's figure counts
 * again, or a manual check is pending again). Rows are never updated or deleted.
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
CREATE TABLE IF NOT EXISTS earlier_runs (
  session_id TEXT NOT NULL, candidate_id TEXT NOT NULL, task_id TEXT NOT NULL, run INTEGER NOT NULL,
  started_at TEXT NOT NULL, ended_at TEXT, evidence_path TEXT NOT NULL, evidence_head TEXT,
  PRIMARY KEY (session_id, candidate_id, task_id, run));
`;

/** A graded run of a task before the candidate's latest one (kept, graded again on regrade). */
export interface EarlierRun {
  run: number;
  startedAt: string;
  endedAt: string | null;
  evidencePath: string;
  evidenceHead: string | null;
}

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
  /** Graded runs of the task so far, this one included (a paper allows `gradedRuns`). */
  runs: number;
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
  /** The grader's points for the check when the mark was made (null in rows from before). */
  autoPoints: number | null;
  /** This row ends the mark before it (its `points` are the grader's figure at the time). */
  withdrawn: boolean;
}

/** The examiner's mark in force for a check: its latest row, unless that row withdraws it. */
export function markFor(
  adjustments: readonly Adjustment[],
  checkId: string,
): Adjustment | undefined {
  const last = adjustments.filter((a) => a.checkId === checkId).at(-1);
  return last && !last.withdrawn ? last : undefined;
}

/** A mark in force as a report shows it, beside the grader's figures then and now. */
export interface CheckMark {
  check: string;
  /** `manual`: the points of a check the examiner marks; `override`: of an automatic check. */
  kind: 'manual' | 'override';
  /** The grader's points when the mark was made (null for marks from before overrides). */
  autoAtMark: number | null;
  /** The grader's points in the report now (null when the report no longer has the check). */
  autoNow: number | null;
  max: number | null;
  points: number;
  examiner: string;
  at: string;
  reason: string;
  /** The grader's figure moved since the mark was made (a regrade): the examiner should look. */
  disagrees: boolean;
}

/** The marks in force for a report's checks (and for checks it no longer has), in check order. */
export function marksOf(report: GradeReport, adjustments: readonly Adjustment[]): CheckMark[] {
  const ids = [
    ...report.tests.map((t) => t.id),
    ...new Set(
      adjustments.map((a) => a.checkId).filter((c) => !report.tests.some((t) => t.id === c)),
    ),
  ];
  const out: CheckMark[] = [];
  for (const id of ids) {
    const m = markFor(adjustments, id);
    if (!m) continue;
    const t = report.tests.find((x) => x.id === id);
    const autoNow = t ? t.score : null;
    out.push({
      check: id,
      kind: t?.manual ? 'manual' : 'override',
      autoAtMark: m.autoPoints,
      autoNow,
      max: t ? t.max_score : null,
      points: m.points,
      examiner: m.examiner,
      at: m.at,
      reason: m.reason,
      disagrees: autoNow === null || (m.autoPoints !== null && m.autoPoints !== autoNow),
    });
  }
  return out;
}

/**
 * The task score with the examiner's marks in place of the grader's points (manual checks and
 * overrides), or null while a manual check has no mark.
 */
export function finalScore(
  report: GradeReport,
  adjustments: readonly Adjustment[],
): { final: number | null; status: GradeStatus } {
  if (!report.gradable) return { final: null, status: 'ungradable' };
  const lines: ScoredLine[] = [];
  for (const t of report.tests) {
    const mark = markFor(adjustments, t.id);
    if (t.manual && !mark) return { final: null, status: 'pending-examiner' };
    const earned = mark ? mark.points : t.score;
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
    if (!cols.some((c) => c.name === 'runs'))
      this.db.exec('ALTER TABLE attempts ADD COLUMN runs INTEGER NOT NULL DEFAULT 1');
    // Data directories from before overrides: the grader's figure (unknown: null) and withdrawals.
    const adj = this.db.prepare('PRAGMA table_info(adjustments)').all() as { name: string }[];
    if (!adj.some((c) => c.name === 'auto_points'))
      this.db.exec('ALTER TABLE adjustments ADD COLUMN auto_points REAL');
    if (!adj.some((c) => c.name === 'withdrawn'))
      this.db.exec('ALTER TABLE adjustments ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0');
  }

  /**
   * Starts another graded run of a task whose last run is done: that run is kept as an earlier
   * run (its evidence and head), and the attempt runs again on a new evidence file.
   */
  nextRun(
    a: Pick<Attempt, 'sessionId' | 'candidateId' | 'taskId' | 'evidencePath'>,
    actor: string,
  ): number {
    return this.db.transaction(() => {
      const key = [a.sessionId, a.candidateId, a.taskId] as const;
      const cur = this.db
        .prepare(
          `SELECT * FROM attempts WHERE session_id = ? AND candidate_id = ? AND task_id = ? AND state = 'done'`,
        )
        .get(...key) as Record<string, string | number | null> | undefined;
      if (!cur) throw new Error(`no finished run of ${a.taskId} to follow`);
      const runs = Number(cur.runs ?? 1);
      this.db
        .prepare(
          `INSERT INTO earlier_runs (session_id, candidate_id, task_id, run, started_at, ended_at,
             evidence_path, evidence_head) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(...key, runs, cur.started_at, cur.ended_at, cur.evidence_path, cur.evidence_head);
      this.db
        .prepare(
          `UPDATE attempts SET state = 'running', runs = ?, started_at = ?, ended_at = NULL,
             evidence_path = ?, evidence_head = NULL
           WHERE session_id = ? AND candidate_id = ? AND task_id = ?`,
        )
        .run(runs + 1, new Date().toISOString(), a.evidencePath, ...key);
      this.store.audit(actor, 'task.start', a.sessionId, {
        candidate: a.candidateId,
        task: a.taskId,
        run: runs + 1,
      });
      return runs + 1;
    })();
  }

  /** The task's graded runs before the latest, oldest first. */
  earlierRuns(sessionId: string, candidateId: string, taskId: string): EarlierRun[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM earlier_runs WHERE session_id = ? AND candidate_id = ? AND task_id = ?
         ORDER BY run`,
      )
      .all(sessionId, candidateId, taskId) as Record<string, string | number | null>[];
    return rows.map((r) => ({
      run: Number(r.run),
      startedAt: String(r.started_at),
      endedAt: r.ended_at === null ? null : String(r.ended_at),
      evidencePath: String(r.evidence_path),
      evidenceHead: r.evidence_head === null ? null : String(r.evidence_head),
    }));
  }

  startAttempt(
    a: Omit<Attempt, 'state' | 'startedAt' | 'endedAt' | 'evidenceHead' | 'runs'>,
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

  /**
   * Takes back an attempt whose lab never started: the candidate has not used it. Audited with
   * why, so the examiner sees the failed start.
   */
  dropAttempt(sessionId: string, candidateId: string, taskId: string, why: string): void {
    this.db.transaction(() => {
      const key = [sessionId, candidateId, taskId] as const;
      const cur = this.db
        .prepare(
          `SELECT runs FROM attempts WHERE session_id = ? AND candidate_id = ? AND task_id = ? AND state = 'running'`,
        )
        .get(...key) as { runs: number } | undefined;
      const prev =
        cur && cur.runs > 1
          ? (this.db
              .prepare(
                `SELECT * FROM earlier_runs WHERE session_id = ? AND candidate_id = ? AND task_id = ? AND run = ?`,
              )
              .get(...key, cur.runs - 1) as Record<string, string | number | null> | undefined)
          : undefined;
      if (prev) {
        // A later run that never started: the run before it is the task's latest again.
        this.db
          .prepare(
            `UPDATE attempts SET state = 'done', runs = ?, started_at = ?, ended_at = ?,
               evidence_path = ?, evidence_head = ?
             WHERE session_id = ? AND candidate_id = ? AND task_id = ?`,
          )
          .run(
            prev.run,
            prev.started_at,
            prev.ended_at,
            prev.evidence_path,
            prev.evidence_head,
            ...key,
          );
        this.db
          .prepare(
            'DELETE FROM earlier_runs WHERE session_id = ? AND candidate_id = ? AND task_id = ? AND run = ?',
          )
          .run(...key, prev.run);
      } else
        this.db
          .prepare(
            `DELETE FROM attempts WHERE session_id = ? AND candidate_id = ? AND task_id = ? AND state = 'running'`,
          )
          .run(...key);
      this.store.audit('system', 'task.start-failed', sessionId, {
        candidate: candidateId,
        task: taskId,
        error: why,
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
      runs: Number(r.runs ?? 1),
    }));
  }

  adjustments(sessionId: string, candidateId: string, taskId: string): Adjustment[] {
    const rows = this.db
      .prepare(
        `SELECT candidate_id AS candidateId, task_id AS taskId, check_id AS checkId, points, reason,
           examiner, at, auto_points AS autoPoints, withdrawn FROM adjustments
         WHERE session_id = ? AND candidate_id = ? AND task_id = ? ORDER BY id`,
      )
      .all(sessionId, candidateId, taskId) as (Omit<Adjustment, 'withdrawn'> & {
      withdrawn: number;
    })[];
    return rows.map((r) => ({ ...r, withdrawn: r.withdrawn === 1 }));
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

  /**
   * An examiner's mark for a check (points for a manual check, or an override of an automatic
   * one) with the reason and the grader's figure it was made against, in the audit log (with the
   * mark it replaces); re-scores the task.
   */
  adjust(sessionId: string, a: Omit<Adjustment, 'at' | 'withdrawn'>, manual: boolean): void {
    this.db.transaction(() => {
      const before = markFor(this.adjustments(sessionId, a.candidateId, a.taskId), a.checkId);
      this.insert(sessionId, { ...a, withdrawn: false });
      this.store.audit(a.examiner, manual ? 'score.manual' : 'score.override', sessionId, {
        candidate: a.candidateId,
        task: a.taskId,
        check: a.checkId,
        autoPoints: a.autoPoints,
        points: a.points,
        reason: a.reason,
        ...(before ? { replaces: pick(before) } : {}),
      });
      this.rescore(sessionId, a.candidateId, a.taskId);
    })();
  }

  /**
   * Ends the examiner's mark for a check (audited with the reason and the mark withdrawn): the
   * grader's figure counts again, or a manual check waits for an examiner again. False when the
   * check has no mark in force.
   */
  withdraw(sessionId: string, w: Omit<Adjustment, 'at' | 'withdrawn' | 'points'>): boolean {
    return this.db.transaction(() => {
      const before = markFor(this.adjustments(sessionId, w.candidateId, w.taskId), w.checkId);
      if (!before) return false;
      this.insert(sessionId, { ...w, points: w.autoPoints ?? 0, withdrawn: true });
      this.store.audit(w.examiner, 'score.withdraw', sessionId, {
        candidate: w.candidateId,
        task: w.taskId,
        check: w.checkId,
        autoPoints: w.autoPoints,
        reason: w.reason,
        withdrawn: pick(before),
      });
      this.rescore(sessionId, w.candidateId, w.taskId);
      return true;
    })();
  }

  private insert(sessionId: string, a: Omit<Adjustment, 'at'>): void {
    this.db
      .prepare(
        `INSERT INTO adjustments (session_id, candidate_id, task_id, check_id, points, reason,
           examiner, at, auto_points, withdrawn) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        a.autoPoints,
        a.withdrawn ? 1 : 0,
      );
  }

  private rescore(sessionId: string, candidateId: string, taskId: string): void {
    const g = this.grades(sessionId, candidateId).find((x) => x.taskId === taskId);
    if (g) this.saveGrade(sessionId, candidateId, taskId, g.report);
  }
}

/** A mark as the audit log quotes it. */
const pick = (a: Adjustment) => ({
  points: a.points,
  autoPoints: a.autoPoints,
  reason: a.reason,
  examiner: a.examiner,
  at: a.at,
});
