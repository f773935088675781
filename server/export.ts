/**
 * Score sheets (issue 7, "export"), from the grades the real grader stored:
 * - wide: one row per candidate, one column per task of the paper (the task's 100-point score
 *   scaled to its points in the paper), the total and the result;
 * - long: one row per check: candidate, task, check, skill id, kind auto/manual, max, auto
 *   points, examiner points, final, override reason, who and when, the grader's points the
 *   override was made against and whether a regrade has moved them since, grader version, seed,
 *   evidence ref.
 * A task without a final score is empty and the result "pending" (待评分): never a silent zero.
 * Only a task never attempted in a stopped session counts 0, and says "not attempted".
 */
import { relative } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { LabError } from '../core/errors.js';
import type { Grades } from './grades.js';
import { markFor } from './grades.js';
import type { Store } from './store.js';

export type SheetResult = 'pass' | 'fail' | 'pending' | 'provisional';

export interface ScoreSheetRow {
  candidate: string;
  name: string;
  seat: string;
  tasks: Record<string, number | null>;
  total: number | null;
  result: SheetResult;
}

export interface ScoreSheet {
  session: string;
  paper: string;
  passMark: number;
  /** 100, or less for a paper with gaps (its result is then only "provisional"). */
  max: number;
  taskIds: string[];
  rows: ScoreSheetRow[];
}

export interface CheckRow {
  candidate: string;
  task: string;
  check: string;
  skill: string;
  kind: 'auto' | 'manual';
  max: number;
  autoPoints: number | null;
  examinerPoints: number | null;
  final: number | null;
  overrideReason: string;
  /** Who made the examiner's mark in force, and when ('' without one). */
  overrideBy: string;
  overrideAt: string;
  /** The grader's points the mark was made against (null without one, or from before). */
  autoAtOverride: number | null;
  /** A regrade moved the grader's points since the mark was made. */
  overrideDisagrees: boolean;
  graderVersion: string;
  seed: number;
  evidenceRef: string;
  status: string;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

export function scoreSheet(store: Store, grades: Grades, sessionId: string): ScoreSheet {
  const session = store.getSession(sessionId);
  if (!session) throw new LabError('API_NOT_FOUND', `no session ${sessionId}`);
  const paper = session.paper;
  const taskIds = paper.tasks.map((t) => t.id);
  const all = grades.grades(sessionId);
  const attempts = grades.attempts(sessionId);
  const max = paper.tasks.reduce((s, t) => s + t.points, 0);
  const rows = store.candidates(sessionId).map((c): ScoreSheetRow => {
    const tasks: Record<string, number | null> = {};
    for (const t of paper.tasks) {
      const g = all.find((x) => x.candidateId === c.id && x.taskId === t.id);
      const tried = attempts.some((a) => a.candidateId === c.id && a.taskId === t.id);
      tasks[t.id] =
        g?.final != null
          ? r1((g.final * t.points) / 100)
          : !tried && session.state === 'stopped'
            ? 0
            : null;
    }
    const values = Object.values(tasks);
    const total = values.every((v) => v !== null)
      ? r1(values.reduce<number>((a, v) => a + (v ?? 0), 0))
      : null;
    const result: SheetResult =
      total === null
        ? 'pending'
        : max < 100
          ? 'provisional'
          : total >= paper.passMark
            ? 'pass'
            : 'fail';
    return { candidate: c.id, name: c.name, seat: c.seat ?? '', tasks, total, result };
  });
  return { session: sessionId, paper: paper.id, passMark: paper.passMark, max, taskIds, rows };
}

export function checkRows(store: Store, grades: Grades, sessionId: string): CheckRow[] {
  const out: CheckRow[] = [];
  for (const c of store.candidates(sessionId))
    for (const g of grades.grades(sessionId, c.id)) {
      const adj = grades.adjustments(sessionId, c.id, g.taskId);
      const a = grades.attempts(sessionId, c.id).find((x) => x.taskId === g.taskId);
      const file = a ? relative(store.dir, a.evidencePath) : '';
      if (!g.report.gradable)
        out.push({
          candidate: c.id,
          task: g.taskId,
          check: '(not gradable)',
          skill: '',
          kind: 'auto',
          max: 100,
          autoPoints: null,
          examinerPoints: null,
          final: null,
          overrideReason: g.report.problems.map((p) => `line ${p.line}: ${p.message}`).join('; '),
          overrideBy: '',
          overrideAt: '',
          autoAtOverride: null,
          overrideDisagrees: false,
          graderVersion: g.graderVersion,
          seed: c.seed,
          evidenceRef: file,
          status: 'ungradable',
        });
      for (const t of g.report.tests) {
        // The examiner's mark in force: points for a manual check, or an override of any check.
        const last = markFor(adj, t.id);
        const examinerPoints = last?.points ?? null;
        out.push({
          candidate: c.id,
          task: g.taskId,
          check: t.id,
          skill: t.tags[0] ?? '',
          kind: t.manual ? 'manual' : 'auto',
          max: t.max_score,
          autoPoints: t.score,
          examinerPoints,
          final: last ? last.points : t.manual ? null : t.score,
          overrideReason: last?.reason ?? '',
          overrideBy: last?.examiner ?? '',
          overrideAt: last?.at ?? '',
          autoAtOverride: last?.autoPoints ?? null,
          overrideDisagrees:
            last !== undefined && last.autoPoints !== null && last.autoPoints !== t.score,
          graderVersion: g.graderVersion,
          seed: c.seed,
          evidenceRef: `${file}#${t.evidence.map((e) => e.seq).join(',')}`,
          status: t.manual ? (last ? 'marked' : 'pending-examiner') : t.outcome,
        });
      }
    }
  return out;
}

const RESULT_ZH = { pass: '合格', fail: '不合格', pending: '待评分', provisional: '暂定' } as const;

export function wideTable(sheet: ScoreSheet, lang: 'zh' | 'en'): string[][] {
  const head =
    lang === 'zh'
      ? ['考生编号', '姓名', '座位', ...sheet.taskIds, '总分', '结果']
      : ['candidate', 'name', 'seat', ...sheet.taskIds, 'total', 'result'];
  const body = sheet.rows.map((r) => [
    r.candidate,
    r.name,
    r.seat,
    ...sheet.taskIds.map((t) => (r.tasks[t] == null ? '' : String(r.tasks[t]))),
    r.total === null ? '' : String(r.total),
    lang === 'zh' ? RESULT_ZH[r.result] : r.result,
  ]);
  return [head, ...body];
}

export const LONG_HEAD = [
  'candidate',
  'task',
  'check',
  'skill',
  'kind',
  'max',
  'auto_points',
  'examiner_points',
  'final',
  'override_reason',
  'override_by',
  'override_at',
  'auto_points_at_override',
  'override_disagrees',
  'grader_version',
  'seed',
  'evidence_ref',
  'status',
];

/** LONG_HEAD in Chinese, column for column. */
const LONG_HEAD_ZH = [
  '考生编号',
  '任务',
  '检查项',
  '技能点',
  '评分方式',
  '满分',
  '自动得分',
  '考评员得分',
  '最终得分',
  '改分理由',
  '改分人',
  '改分时间',
  '改分时自动得分',
  '自动得分已变化',
  '评分程序版本',
  '种子',
  '证据位置',
  '状态',
];
const KIND_ZH = { auto: '自动', manual: '人工' } as const;
const STATUS_ZH: Record<string, string> = {
  passed: '通过',
  partial: '部分通过',
  failed: '未通过',
  manual: '待人工评定',
  marked: '已人工评定',
  'pending-examiner': '待考评员评分',
  ungradable: '无法评分',
};

/** One row per check; headers, kinds and statuses in English (the default) or Chinese. */
export function longTable(
  rows: readonly CheckRow[],
  lang: 'zh' | 'en' = 'en',
): (string | number)[][] {
  const v = (x: number | null) => (x === null ? '' : x);
  const zh = lang === 'zh';
  return [
    zh ? LONG_HEAD_ZH : LONG_HEAD,
    ...rows.map((r) => [
      r.candidate,
      r.task,
      r.check,
      r.skill,
      zh ? KIND_ZH[r.kind] : r.kind,
      r.max,
      v(r.autoPoints),
      v(r.examinerPoints),
      v(r.final),
      r.overrideReason,
      r.overrideBy,
      r.overrideAt,
      v(r.autoAtOverride),
      r.overrideDisagrees ? (zh ? '是' : 'yes') : '',
      r.graderVersion,
      r.seed,
      r.evidenceRef,
      zh ? (STATUS_ZH[r.status] ?? r.status) : r.status,
    ]),
  ];
}

// A BOM so that Excel opens the UTF-8 (Chinese) text correctly.
export const toCsv = (table: readonly (readonly (string | number)[])[]): string =>
  '\uFEFF' + stringify(table as (string | number)[][]);

export function scoreSheetCsv(sheet: ScoreSheet, lang: 'zh' | 'en' = 'zh'): string {
  return toCsv(wideTable(sheet, lang));
}
