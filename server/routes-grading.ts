/**
 * Examiner routes for grades: progress of the roster, grading on demand, the regrade of a whole
 * session (a preview of the score diff, then publishing it), an examiner's marks with a reason
 * (audited): points for `manual` checks, overrides of any check and their withdrawal; per-candidate
 * HTML reports, every report as JSON, and the exports (wide CSV, long CSV with one row per check,
 * XLSX, JSON). A mark keeps the grader's figure it was made against: a regrade keeps the mark and
 * shows where that figure moved. Extending the time is audited too.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { renderHtml } from '../grader/html.js';
import { readEvidenceText } from '../grader/evidence-file.js';
import { LabError } from '../core/errors.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { checkRows, longTable, scoreSheet, scoreSheetCsv, toCsv } from './export.js';
import { scoreSheetXlsx } from './export-xlsx.js';
import type { StoredGrade } from './grades.js';
import { finalScore, marksOf } from './grades.js';
import type { RouteContext } from './validate.js';
import { parse } from './validate.js';
import { apiDoc } from './openapi.js';
import { SessionIntegrity } from './integrity.js';
import { panelRowsFor } from './marking.js';

const id = z.string().regex(/^[a-z0-9]{1,32}$/);
const cid = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/);
const taskId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/);
const S = z.object({ id }).strict();
const SC = z.object({ id, cid }).strict();
const ExportQuery = z
  .object({
    format: z.enum(['csv', 'csv-long', 'xlsx', 'json']).default('json'),
    lang: z.enum(['zh', 'en']).default('zh'),
  })
  .strict();
const ReportQuery = z.object({ task: taskId, lang: z.enum(['zh', 'en']).default('zh') }).strict();
const checkId = z.string().min(1).max(64);
/**
 * An examiner's mark. Points (0..the check's max) and the reason (at least 3 characters) are
 * checked in the handler against the check, with their own error codes.
 */
const Mark = z
  .object({
    task: taskId,
    check: checkId,
    points: z.number(),
    reason: z.string().max(2000),
  })
  .strict();
const Withdraw = z.object({ task: taskId, check: checkId, reason: z.string().max(2000) }).strict();
const Extend = z.object({ minutes: z.number().int().min(1).max(600) }).strict();

export function registerGradingRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { store, runtime, need, sessionOr404 } = ctx;
  const grades = runtime.grades;
  const integrity = new SessionIntegrity(store, grades);

  app.get(
    '/api/sessions/:id/progress',
    apiDoc({
      summary: 'Live progress of every candidate',
      tag: 'grading',
      roles: ['examiner', 'trainer'],
      params: S,
    }),
    (req) => {
      need(req, 'examiner', 'trainer');
      const { id: sid } = parse(S, req.params, 'params');
      const s = sessionOr404(sid);
      const sheet = scoreSheet(store, grades, sid);
      const all = grades.grades(sid);
      const flags = integrity.flags(sid);
      return {
        session: { id: s.id, state: s.state, mode: s.mode, endsAt: s.endsAt },
        // Totals are points of `max` (less than 100 for a paper with gaps), not percent.
        sheet: { passMark: sheet.passMark, max: sheet.max },
        tasks: s.paper.tasks.map((t) => ({ id: t.id, points: t.points })),
        candidates: store.candidates(sid).map((c) => {
          return {
            id: c.id,
            name: c.name,
            seat: c.seat ?? null,
            currentTask: runtime.currentTask(sid, c.id) ?? null,
            connected: runtime.connected(sid, c.id),
            // Evidence bytes per attempt: what each run costs the room's disk (quota 64 MiB).
            attempts: grades.attempts(sid, c.id).map((a) => ({
              task: a.taskId,
              state: a.state,
              evidenceBytes: existsSync(a.evidencePath) ? statSync(a.evidencePath).size : 0,
            })),
            grades: all
              .filter((g) => g.candidateId === c.id)
              .map((g) => ({ task: g.taskId, final: g.final, status: g.status })),
            total: sheet.rows.find((r) => r.candidate === c.id)?.total ?? null,
            result: sheet.rows.find((r) => r.candidate === c.id)?.result ?? 'pending',
            flags: (flags.get(c.id) ?? []).map((f) => ({
              kind: f.kind,
              task: f.task,
              subject: f.subject,
              count: f.count,
              message: f.message,
            })),
          };
        }),
      };
    },
  );

  app.post(
    '/api/sessions/:id/extend',
    apiDoc({
      summary: "Extend the session's time window (audited)",
      tag: 'sessions',
      roles: ['examiner'],
      params: S,
      body: Extend,
    }),
    (req) => {
      const me = need(req, 'examiner');
      const { id: sid } = parse(S, req.params, 'params');
      const body = parse(Extend, req.body, 'body');
      const s = sessionOr404(sid);
      const endsAt = new Date(Date.parse(s.endsAt) + body.minutes * 60_000).toISOString();
      store.setSessionEnd(sid, endsAt, me.subject);
      runtime.windowChanged(sid);
      return { id: sid, endsAt };
    },
  );

  app.post(
    '/api/sessions/:id/candidates/:cid/grade',
    apiDoc({
      summary: "Grade a candidate's finished attempts now",
      tag: 'grading',
      roles: ['examiner'],
      params: SC,
    }),
    async (req) => {
      const me = need(req, 'examiner');
      const p = parse(SC, req.params, 'params');
      sessionOr404(p.id);
      for (const a of grades.attempts(p.id, p.cid))
        if (a.state === 'done') await runtime.gradeAttempt(p.id, p.cid, a.taskId);
      store.audit(me.subject, 'grade', p.id, { candidate: p.cid });
      return grades
        .grades(p.id, p.cid)
        .map((g) => ({ task: g.taskId, final: g.final, status: g.status }));
    },
  );

  /** The regrade of every finished attempt from its evidence, and how each score would change. */
  const regrade = async (sid: string) => {
    const out = [];
    for (const g of grades.grades(sid)) {
      const report = await runtime.reportFor(sid, g.candidateId, g.taskId);
      if (!report) continue;
      const adjustments = grades.adjustments(sid, g.candidateId, g.taskId);
      const after = finalScore(report, adjustments);
      // Marks stay; those made against a grader's figure the regrade moves are shown.
      const disagrees = marksOf(report, adjustments)
        .filter((m) => m.disagrees)
        .map((m) => ({
          check: m.check,
          kind: m.kind,
          autoAtMark: m.autoAtMark,
          autoNow: m.autoNow,
          points: m.points,
          examiner: m.examiner,
        }));
      out.push({
        candidate: g.candidateId,
        task: g.taskId,
        before: g.final,
        after: after.final,
        beforeStatus: g.status,
        afterStatus: after.status,
        changed: g.final !== after.final || g.status !== after.status,
        disagrees,
        report,
      });
    }
    return out;
  };

  app.get(
    '/api/sessions/:id/regrade',
    apiDoc({
      summary: 'Regrade preview: the score diff, not yet published',
      tag: 'grading',
      roles: ['examiner'],
      params: S,
    }),
    async (req) => {
      need(req, 'examiner');
      const { id: sid } = parse(S, req.params, 'params');
      sessionOr404(sid);
      return (await regrade(sid)).map(({ report: _r, ...d }) => d);
    },
  );

  app.post(
    '/api/sessions/:id/regrade',
    apiDoc({
      summary: 'Regrade the session from evidence and publish (audited)',
      tag: 'grading',
      roles: ['examiner'],
      params: S,
    }),
    async (req) => {
      const me = need(req, 'examiner');
      const { id: sid } = parse(S, req.params, 'params');
      sessionOr404(sid);
      const diff = await regrade(sid);
      for (const d of diff) grades.saveGrade(sid, d.candidate, d.task, d.report);
      const changed = diff.filter((d) => d.changed).map(({ report: _r, ...d }) => d);
      const disagreeing = diff
        .filter((d) => d.disagrees.length > 0)
        .map(({ report: _r, ...d }) => d);
      store.audit(me.subject, 'session.regrade', sid, {
        graded: diff.length,
        changed,
        disagreeing,
      });
      return { graded: diff.length, changed, disagreeing };
    },
  );

  const marksFor = (sid: string, g: StoredGrade) =>
    marksOf(g.report, grades.adjustments(sid, g.candidateId, g.taskId));
  /** The grade of a task (404 without one) and its check (undefined when the report has none). */
  const gradedCheck = (sid: string, cand: string, task: string, check: string) => {
    const g = grades.grades(sid, cand).find((x) => x.taskId === task);
    if (!g) throw new LabError('API_NOT_FOUND', `candidate ${cand} has no grade for ${task}`);
    const t = g.report.tests.find((x) => x.id === check);
    return { g, t };
  };
  const needReason = (reason: string) => {
    if (reason.trim().length < 3)
      throw new LabError('REASON_REQUIRED', 'give the reason (at least 3 characters)', {}, [
        { path: 'body.reason', message: 'at least 3 characters' },
      ]);
    return reason.trim();
  };
  /** The task's score after a mark changed, with the marks in force. */
  const scoreAfter = (sid: string, cand: string, task: string) => {
    const after = grades.grades(sid, cand).find((x) => x.taskId === task);
    return {
      task,
      final: after?.final ?? null,
      status: after?.status,
      marks: after ? marksFor(sid, after) : [],
    };
  };
  /** Stores a mark for a check after checking points and reason; the task's score after it. */
  const mark = (
    sid: string,
    cand: string,
    body: z.infer<typeof Mark>,
    examiner: string,
    manualOnly: boolean,
  ) => {
    sessionOr404(sid);
    const { t } = gradedCheck(sid, cand, body.task, body.check);
    if (!t) throw new LabError('API_NOT_FOUND', `task ${body.task} has no check ${body.check}`);
    if (manualOnly && !t.manual)
      throw new LabError(
        'CHECK_NOT_MANUAL',
        `check ${body.check} is automatic, not manual: override it with POST /api/sessions/${sid}/candidates/${cand}/overrides`,
        { check: body.check },
      );
    if (t.manual && ctx.marking.plan(sid))
      throw new LabError(
        'MARK_NOT_IN_PANEL',
        `session ${sid} has a marking panel: its examiners mark ${body.check} (PUT /api/sessions/${sid}/marking/…) / 本场次由考评组评分`,
      );
    const reason = needReason(body.reason);
    if (!(body.points >= 0 && body.points <= t.max_score))
      throw new LabError(
        'SCORE_OUT_OF_RANGE',
        `check ${body.check} takes 0 to ${t.max_score} points, not ${body.points}`,
        { check: body.check, max: t.max_score, points: body.points },
      );
    grades.adjust(
      sid,
      {
        candidateId: cand,
        taskId: body.task,
        checkId: body.check,
        points: body.points,
        reason,
        examiner,
        autoPoints: t.score,
      },
      t.manual,
    );
    return scoreAfter(sid, cand, body.task);
  };

  app.post(
    '/api/sessions/:id/candidates/:cid/manual',
    apiDoc({
      summary: 'Examiner points for a manual check, with a reason (audited)',
      tag: 'grading',
      roles: ['examiner'],
      params: SC,
      body: Mark,
    }),
    (req) => {
      const me = need(req, 'examiner');
      const p = parse(SC, req.params, 'params');
      const body = parse(Mark, req.body, 'body');
      return mark(p.id, p.cid, body, me.subject, true);
    },
  );

  app.post(
    '/api/sessions/:id/candidates/:cid/overrides',
    apiDoc({
      summary: "Override any check's points, with a reason (audited; kept by a regrade)",
      description:
        'Sets the points of any check of a graded attempt (automatic or manual) in place of the ' +
        "grader's, keeping the grader's figure it was made against. Posting again replaces the " +
        'override (the audit keeps both). Points from 0 to the check maximum (SCORE_OUT_OF_RANGE), ' +
        'a reason of at least 3 characters (REASON_REQUIRED).',
      tag: 'grading',
      roles: ['examiner'],
      params: SC,
      body: Mark,
    }),
    (req) => {
      const me = need(req, 'examiner');
      const p = parse(SC, req.params, 'params');
      const body = parse(Mark, req.body, 'body');
      return mark(p.id, p.cid, body, me.subject, false);
    },
  );

  app.delete(
    '/api/sessions/:id/candidates/:cid/overrides',
    apiDoc({
      summary: "Withdraw the examiner's mark for a check, with a reason (audited)",
      description:
        "The grader's figure counts again (a manual check waits for an examiner again). " +
        'MARK_NOT_FOUND when the check has no mark in force.',
      tag: 'grading',
      roles: ['examiner'],
      params: SC,
      body: Withdraw,
    }),
    (req) => {
      const me = need(req, 'examiner');
      const p = parse(SC, req.params, 'params');
      const body = parse(Withdraw, req.body, 'body');
      sessionOr404(p.id);
      const { t } = gradedCheck(p.id, p.cid, body.task, body.check);
      const reason = needReason(body.reason);
      const done = grades.withdraw(p.id, {
        candidateId: p.cid,
        taskId: body.task,
        checkId: body.check,
        reason,
        examiner: me.subject,
        autoPoints: t?.score ?? null,
      });
      if (!done)
        throw new LabError(
          'MARK_NOT_FOUND',
          `check ${body.check} of ${body.task} has no examiner mark to withdraw`,
          { check: body.check },
        );
      return scoreAfter(p.id, p.cid, body.task);
    },
  );

  app.get(
    '/api/sessions/:id/candidates/:cid/report',
    apiDoc({
      summary: "A candidate's report for a task (HTML)",
      tag: 'grading',
      roles: ['examiner'],
      params: SC,
      querystring: ReportQuery,
    }),
    (req, reply) => {
      need(req, 'examiner');
      const p = parse(SC, req.params, 'params');
      const q = parse(ReportQuery, req.query, 'query');
      sessionOr404(p.id);
      const g = grades.grades(p.id, p.cid).find((x) => x.taskId === q.task);
      if (!g) throw new LabError('API_NOT_FOUND', `candidate ${p.cid} has no grade for ${q.task}`);
      const a = grades.attempts(p.id, p.cid).find((x) => x.taskId === q.task);
      let events: ReturnType<typeof readEvidenceText>['events'] = [];
      try {
        if (a) events = readEvidenceText(readFileSync(a.evidencePath, 'utf8')).events;
      } catch {
        // The report still renders without the evidence timeline.
      }
      const notices = (integrity.flags(p.id).get(p.cid) ?? [])
        .filter((f) => f.task === q.task)
        .map((f) => ({ ...f.message, seq: f.first.seq }));
      const marks = marksFor(p.id, g);
      const examiner =
        marks.length > 0 || g.report.tests.some((t) => t.manual)
          ? { final: g.final, marks }
          : undefined;
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .send(renderHtml(g.report, events, notices, examiner));
    },
  );

  app.get(
    '/api/sessions/:id/reports',
    apiDoc({
      summary: 'Every report of the session (JSON)',
      tag: 'grading',
      roles: ['examiner'],
      params: S,
    }),
    (req) => {
      need(req, 'examiner');
      const { id: sid } = parse(S, req.params, 'params');
      sessionOr404(sid);
      const panel = ctx.marking.rows(sid);
      return grades.grades(sid).map((g) => ({
        candidate: g.candidateId,
        task: g.taskId,
        final: g.final,
        status: g.status,
        report: g.report,
        // The examiner's marks: the grader's figure then and now, the points, who, when and why.
        marks: marksFor(sid, g),
        // Each panel examiner's marks of the task's manual checks, changes included.
        panel: panel.filter((m) => m.candidateId === g.candidateId && m.taskId === g.taskId),
      }));
    },
  );

  app.get(
    '/api/sessions/:id/export',
    apiDoc({
      summary: 'The score sheet: csv, csv-long, xlsx or json',
      tag: 'grading',
      roles: ['examiner'],
      params: S,
      querystring: ExportQuery,
    }),
    async (req, reply) => {
      const me = need(req, 'examiner');
      const { id: sid } = parse(S, req.params, 'params');
      const q = parse(ExportQuery, req.query, 'query');
      const sheet = scoreSheet(store, grades, sid);
      store.audit(me.subject, 'session.export', sid, { format: q.format });
      const file = (ext: string) => `attachment; filename="iotlab-${sid}-scores.${ext}"`;
      if (q.format === 'json')
        return {
          ...sheet,
          checks: checkRows(store, grades, sid),
          panelMarks: ctx.marking.rows(sid),
        };
      if (q.format === 'xlsx')
        return reply
          .header(
            'content-type',
            'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          )
          .header('content-disposition', file('xlsx'))
          .send(
            await scoreSheetXlsx(
              sheet,
              checkRows(store, grades, sid),
              q.lang,
              panelRowsFor(store, ctx.marking, sid, q.lang),
            ),
          );
      const csv =
        q.format === 'csv'
          ? scoreSheetCsv(sheet, q.lang)
          : toCsv(longTable(checkRows(store, grades, sid), q.lang));
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', file(q.format === 'csv' ? 'csv' : 'long.csv'))
        .send(csv);
    },
  );
}
