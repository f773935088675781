/**
 * The marking panel (issue 15; standard §1.9.3: at least three examiners, an odd number, one
 * examiner to at most five candidates). A session's marking plan names its examiners in panels of
 * an odd size (three by default) and a chief examiner; candidates are dealt to panels in roster
 * order. Every examiner of a candidate's panel marks each of that candidate's manual checks on
 * their own, against the check's rubric, blind to the others' marks until they submit theirs and,
 * by default, to the candidate's name (candidates appear as an anonymous number).
 *
 * When the whole panel has marked, the final mark is the median (or the mean) of their marks,
 * unless the marks spread (highest − lowest) by more than the plan's share of the check's points:
 * then the check waits for the chief examiner, who reconciles it with a reason. The final mark is
 * written as the examiner mark of the check (server/grades.ts `adjust`, examiner `panel` or the
 * chief), so scores, reports and exports take it like any mark. A final mark changes only by the
 * chief. Marks are rows that are never updated or deleted; every mark, change, spread and
 * reconciliation is in the audit log.
 */
import { createHmac } from 'node:crypto';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { LabError } from '../core/errors.js';
import type { Rubric } from '../grader/types.js';
import type { Store } from './store.js';

export const MarkingPlanInput = z
  .object({
    /** Examiner accounts, in panels of `panelSize` in the order given. */
    examiners: z.array(z.string().min(1).max(64)).min(1).max(99),
    /** The chief examiner (reconciles spreads, changes final marks); an examiner account. */
    chief: z.string().min(1).max(64),
    panelSize: z
      .number()
      .int()
      .min(1)
      .max(9)
      .refine((n) => n % 2 === 1, 'a panel has an odd number of examiners')
      .default(3),
    aggregate: z.enum(['median', 'mean']).default('median'),
    /** Marks spreading by more than this share of the check's points go to the chief. */
    spread: z.number().min(0).max(1).default(0.2),
    /** Candidates appear to examiners by an anonymous number, not their name. */
    blind: z.boolean().default(true),
  })
  .strict();
export type MarkingPlanInput = z.input<typeof MarkingPlanInput>;

export interface MarkingPlan {
  panels: { examiners: string[]; candidates: string[] }[];
  chief: string;
  panelSize: number;
  aggregate: 'median' | 'mean';
  spread: number;
  blind: boolean;
}

/** Standard §1.9.3: one examiner to at most five candidates. */
export const CANDIDATES_PER_EXAMINER = 5;

/**
 * The plan for a roster: panels of `panelSize` examiners, candidates dealt to them in turn, and
 * warnings (bilingual) where the plan is worse than the standard asks.
 */
export function makePlan(
  input: MarkingPlanInput,
  candidates: readonly string[],
  isExaminer: (username: string) => boolean,
): { plan: MarkingPlan; warnings: string[] } {
  const p = MarkingPlanInput.parse(input);
  const unknown = [...p.examiners, p.chief].filter((u) => !isExaminer(u));
  if (unknown.length > 0)
    throw new LabError(
      'API_BAD_REQUEST',
      `not examiner accounts: ${[...new Set(unknown)].join(', ')} / 不是考评员账号`,
    );
  if (new Set(p.examiners).size !== p.examiners.length)
    throw new LabError('API_BAD_REQUEST', 'an examiner is named twice / 考评员重复');
  if (p.examiners.length % p.panelSize !== 0)
    throw new LabError(
      'API_BAD_REQUEST',
      `${p.examiners.length} examiners do not make panels of ${p.panelSize} / 考评员人数不能组成每组 ${p.panelSize} 人的考评组`,
    );
  const panels: MarkingPlan['panels'] = [];
  for (let i = 0; i < p.examiners.length; i += p.panelSize)
    panels.push({ examiners: p.examiners.slice(i, i + p.panelSize), candidates: [] });
  candidates.forEach((c, i) => panels[i % panels.length]!.candidates.push(c));
  const warnings: string[] = [];
  if (p.panelSize < 3)
    warnings.push(
      `标准要求每组至少 3 名考评员（当前 ${p.panelSize}）/ the standard asks for at least 3 examiners per panel (${p.panelSize} here)`,
    );
  const ratio = candidates.length / p.examiners.length;
  if (ratio > CANDIDATES_PER_EXAMINER)
    warnings.push(
      `每名考评员对应 ${ratio.toFixed(1)} 名考生，标准要求不超过 ${CANDIDATES_PER_EXAMINER} / ${ratio.toFixed(1)} candidates per examiner; the standard asks for at most ${CANDIDATES_PER_EXAMINER}`,
    );
  return {
    plan: {
      panels,
      chief: p.chief,
      panelSize: p.panelSize,
      aggregate: p.aggregate,
      spread: p.spread,
      blind: p.blind,
    },
    warnings,
  };
}

/** The final mark of a panel's marks by the plan's rule, rounded to 0.1. */
export function aggregate(points: readonly number[], rule: 'median' | 'mean'): number {
  if (points.length === 0) throw new Error('no marks to aggregate');
  const sorted = [...points].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const v =
    rule === 'mean'
      ? sorted.reduce((s, x) => s + x, 0) / sorted.length
      : sorted.length % 2 === 1
        ? sorted[mid]!
        : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return Math.round(v * 10) / 10;
}

/** A rubric for a manual check that has none (a catalogue item marked `manual`): one criterion. */
export function rubricOf(
  rubric: Rubric | undefined,
  points: number,
  title: { zh: string; en: string },
): Rubric {
  return (
    rubric ?? {
      criteria: [
        {
          id: 'overall',
          title,
          points,
          levels: [
            { points, text: { zh: '完全达到要求', en: 'fully meets the requirement' } },
            { points: 0, text: { zh: '未达到要求', en: 'does not meet it' } },
          ],
        },
      ],
    }
  );
}

/** One examiner's mark of one check: points per criterion, their sum and a comment. */
export interface PanelMark {
  candidateId: string;
  taskId: string;
  checkId: string;
  examiner: string;
  criteria: Record<string, number>;
  points: number;
  comment: string;
  /** The SHA-256 of the hand-in the examiner saw (null for an observed performance). */
  handinSha256: string | null;
  at: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS marking_plans (
  session_id TEXT PRIMARY KEY, plan_json TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS panel_marks (
  id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, candidate_id TEXT NOT NULL,
  task_id TEXT NOT NULL, check_id TEXT NOT NULL, examiner TEXT NOT NULL, criteria_json TEXT NOT NULL,
  points REAL NOT NULL, comment TEXT NOT NULL, handin_sha256 TEXT, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS panel_marks_item ON panel_marks (session_id, candidate_id, task_id, check_id);
CREATE TRIGGER IF NOT EXISTS panel_marks_append_only_u BEFORE UPDATE ON panel_marks
  BEGIN SELECT RAISE(ABORT, 'marks are append-only'); END;
CREATE TRIGGER IF NOT EXISTS panel_marks_append_only_d BEFORE DELETE ON panel_marks
  BEGIN SELECT RAISE(ABORT, 'marks are append-only'); END;
`;

export class Marking {
  private readonly db: Database.Database;

  constructor(private readonly store: Store) {
    this.db = store.db;
    this.db.exec(SCHEMA);
  }

  setPlan(sessionId: string, plan: MarkingPlan, actor: string): void {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO marking_plans (session_id, plan_json, created_at) VALUES (?, ?, ?)',
      )
      .run(sessionId, JSON.stringify(plan), new Date().toISOString());
    this.store.audit(actor, 'marking.plan', sessionId, plan);
  }

  plan(sessionId: string): MarkingPlan | undefined {
    const r = this.db
      .prepare('SELECT plan_json FROM marking_plans WHERE session_id = ?')
      .get(sessionId) as { plan_json: string } | undefined;
    return r ? (JSON.parse(r.plan_json) as MarkingPlan) : undefined;
  }

  /** The panel that marks a candidate, or undefined. */
  panelOf(plan: MarkingPlan, candidateId: string): string[] | undefined {
    return plan.panels.find((p) => p.candidates.includes(candidateId))?.examiners;
  }

  add(sessionId: string, m: Omit<PanelMark, 'at'>): PanelMark {
    const at = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO panel_marks (session_id, candidate_id, task_id, check_id, examiner, criteria_json,
           points, comment, handin_sha256, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        sessionId,
        m.candidateId,
        m.taskId,
        m.checkId,
        m.examiner,
        JSON.stringify(m.criteria),
        m.points,
        m.comment,
        m.handinSha256,
        at,
      );
    return { ...m, at };
  }

  /** Every mark row of a session (or of one candidate), oldest first. */
  rows(sessionId: string, candidateId?: string): PanelMark[] {
    const rows = (
      candidateId === undefined
        ? this.db
            .prepare('SELECT * FROM panel_marks WHERE session_id = ? ORDER BY id')
            .all(sessionId)
        : this.db
            .prepare(
              'SELECT * FROM panel_marks WHERE session_id = ? AND candidate_id = ? ORDER BY id',
            )
            .all(sessionId, candidateId)
    ) as Record<string, string | number | null>[];
    return rows.map((r) => ({
      candidateId: String(r.candidate_id),
      taskId: String(r.task_id),
      checkId: String(r.check_id),
      examiner: String(r.examiner),
      criteria: JSON.parse(String(r.criteria_json)) as Record<string, number>,
      points: Number(r.points),
      comment: String(r.comment),
      handinSha256: r.handin_sha256 === null ? null : String(r.handin_sha256),
      at: String(r.at),
    }));
  }

  /** Each examiner's mark in force (their latest) for one check. */
  current(sessionId: string, candidateId: string, taskId: string, checkId: string): PanelMark[] {
    const latest = new Map<string, PanelMark>();
    for (const m of this.rows(sessionId, candidateId))
      if (m.taskId === taskId && m.checkId === checkId) latest.set(m.examiner, m);
    return [...latest.values()];
  }
}

/** Where a check stands with its panel. */
export type ItemState = 'open' | 'reconcile' | 'final';

/**
 * The panel's verdict on a check from its marks in force: open until every panel examiner has
 * marked; then the aggregate, or `reconcile` when the marks spread too far.
 */
export function verdict(
  plan: MarkingPlan,
  panel: readonly string[],
  marks: readonly PanelMark[],
  max: number,
):
  | { state: 'open' }
  | { state: 'reconcile'; spread: number }
  | { state: 'agreed'; points: number; spread: number } {
  const byPanel = marks.filter((m) => panel.includes(m.examiner));
  if (byPanel.length < panel.length) return { state: 'open' };
  const pts = byPanel.map((m) => m.points);
  const spread = Math.round((Math.max(...pts) - Math.min(...pts)) * 10) / 10;
  if (spread > plan.spread * max + 1e-9) return { state: 'reconcile', spread };
  return { state: 'agreed', points: aggregate(pts, plan.aggregate), spread };
}

/**
 * A candidate's anonymous number in a session: the same for every examiner and every visit, from
 * the session's secret, so the number says nothing about the roster order or the candidate id.
 */
export function anonNumbers(secret: string, candidateIds: readonly string[]): Map<string, string> {
  const keyed = candidateIds
    .map((id) => ({ id, k: createHmac('sha256', secret).update(`anon:${id}`).digest('hex') }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const width = Math.max(2, String(keyed.length).length);
  return new Map(keyed.map((x, i) => [x.id, `A${String(i + 1).padStart(width, '0')}`]));
}

/** The examiners' marks as a table (exports): one row per mark made, changes included. */
export function panelTable(
  rows: readonly PanelMark[],
  names: ReadonlyMap<string, string>,
  numbers: ReadonlyMap<string, string>,
  lang: 'zh' | 'en',
): string[][] {
  const head =
    lang === 'zh'
      ? [
          '考生',
          '姓名',
          '匿名编号',
          '任务',
          '检查项',
          '考评员',
          '得分',
          '各评分项',
          '评语',
          '时间',
          '评阅文件 SHA-256',
        ]
      : [
          'candidate',
          'name',
          'anonymous',
          'task',
          'check',
          'examiner',
          'points',
          'criteria',
          'comment',
          'at',
          'hand-in SHA-256',
        ];
  return [
    head,
    ...rows.map((m) => [
      m.candidateId,
      names.get(m.candidateId) ?? '',
      numbers.get(m.candidateId) ?? '',
      m.taskId,
      m.checkId,
      m.examiner,
      String(m.points),
      Object.entries(m.criteria)
        .map(([k, v]) => `${k}=${v}`)
        .join('; '),
      m.comment,
      m.at,
      m.handinSha256 ?? '',
    ]),
  ];
}

/** The panel's marks of a session as an export table, or undefined when it has no panel. */
export function panelRowsFor(
  store: Store,
  marking: Marking,
  sessionId: string,
  lang: 'zh' | 'en',
): string[][] | undefined {
  if (!marking.plan(sessionId)) return undefined;
  const cands = store.candidates(sessionId);
  return panelTable(
    marking.rows(sessionId),
    new Map(cands.map((c) => [c.id, c.name])),
    anonNumbers(
      store.sessionSecret(sessionId) ?? sessionId,
      cands.map((c) => c.id),
    ),
    lang,
  );
}
