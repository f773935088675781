/**
 * Score sheets (issue 7, "export"): one row per candidate, one column per task of the paper, the
 * total and the result. A task without a stored score is empty and the result is
 * "pending grader" (待评分): never a silent zero.
 */
import { stringify } from 'csv-stringify/sync';
import { LabError } from '../simulator/errors.js';
import type { Store } from './store.js';

export interface ScoreSheetRow {
  candidate: string;
  name: string;
  seat: string;
  tasks: Record<string, number | null>;
  total: number | null;
  result: 'pass' | 'fail' | 'pending';
}

export interface ScoreSheet {
  session: string;
  paper: string;
  passMark: number;
  taskIds: string[];
  rows: ScoreSheetRow[];
}

export function scoreSheet(store: Store, sessionId: string): ScoreSheet {
  const session = store.getSession(sessionId);
  if (!session) throw new LabError('API_NOT_FOUND', `no session ${sessionId}`);
  const taskIds = session.paper.tasks.map((t) => t.id);
  const scores = store.scores(sessionId);
  const rows = store.candidates(sessionId).map((c): ScoreSheetRow => {
    const tasks: Record<string, number | null> = {};
    for (const t of taskIds)
      tasks[t] =
        scores.find((s) => s.candidateId === c.id && s.taskId === t && s.status === 'final')
          ?.points ?? null;
    const values = Object.values(tasks);
    const complete = values.every((v) => v !== null);
    const total = complete ? values.reduce<number>((a, v) => a + (v ?? 0), 0) : null;
    return {
      candidate: c.id,
      name: c.name,
      seat: c.seat ?? '',
      tasks,
      total,
      result: total === null ? 'pending' : total >= session.paper.passMark ? 'pass' : 'fail',
    };
  });
  return {
    session: sessionId,
    paper: session.paper.id,
    passMark: session.paper.passMark,
    taskIds,
    rows,
  };
}

const RESULT_ZH = { pass: '合格', fail: '不合格', pending: '待评分' } as const;

export function scoreSheetCsv(sheet: ScoreSheet, lang: 'zh' | 'en' = 'zh'): string {
  const head =
    lang === 'zh'
      ? ['考生编号', '姓名', '座位', ...sheet.taskIds, '总分', '结果']
      : ['candidate', 'name', 'seat', ...sheet.taskIds, 'total', 'result'];
  const body = sheet.rows.map((r) => [
    r.candidate,
    r.name,
    r.seat,
    ...sheet.taskIds.map((t) => (r.tasks[t] === null ? '' : String(r.tasks[t]))),
    r.total === null ? '' : String(r.total),
    lang === 'zh' ? RESULT_ZH[r.result] : r.result,
  ]);
  // A BOM so that Excel opens the UTF-8 (Chinese) text correctly.
  return '\uFEFF' + stringify([head, ...body]);
}
