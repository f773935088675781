/**
 * The marking panel's routes (issue 15, server/marking.ts): an examiner's marking queue (the
 * manual checks of the candidates of their panels, by anonymous number), one item with its rubric,
 * what was handed in and the marks they may see, the hand-in itself (PDF and images inline, DOCX as
 * HTML converted by mammoth, text as text; never executed, served with a sandboxing policy), their
 * own mark per criterion with a comment, and the chief examiner's reconciliation. Every mark,
 * change, spread and reconciliation is audited.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LabError } from '../core/errors.js';
import type { Rubric } from '../grader/types.js';
import { getTask } from '../tasks/bank.js';
import { markFor } from './grades.js';
import type { StoredGrade } from './grades.js';
import { handinBytes, handinSpec, storedHandin } from './handins.js';
import type { MarkingPlan, PanelMark } from './marking.js';
import { anonNumbers, rubricOf, verdict } from './marking.js';
import { apiDoc } from './openapi.js';
import type { RouteContext } from './validate.js';
import { parse } from './validate.js';

const id = z.string().regex(/^[a-z0-9]{1,32}$/);
const anon = z.string().regex(/^A[0-9]{2,4}$/);
const taskId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/);
const checkId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/);
const S = z.object({ id }).strict();
const Item = z.object({ id, anon, task: taskId, check: checkId }).strict();
const HandinParams = z
  .object({ id, anon, task: taskId, item: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/) })
  .strict();
const HandinQuery = z.object({ view: z.enum(['raw', 'html']).default('raw') }).strict();
const MarkBody = z
  .object({
    /** Points per criterion id of the rubric (every criterion, 0 to its points, steps of 0.5). */
    criteria: z.record(z.string().max(64), z.number()),
    comment: z.string().max(2000).default(''),
  })
  .strict();
const ReconcileBody = z.object({ points: z.number(), reason: z.string().max(2000) }).strict();

export function registerMarkingRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { store, runtime, need, sessionOr404, marking } = ctx;
  const grades = runtime.grades;

  /** The session's plan, or a clear refusal when it has none. */
  const planOf = (sid: string): MarkingPlan => {
    sessionOr404(sid);
    const plan = marking.plan(sid);
    if (!plan)
      throw new LabError(
        'API_NOT_FOUND',
        `session ${sid} has no marking panel (create it with "marking") / 本场次未设置考评组`,
      );
    return plan;
  };
  const anonOf = (sid: string) =>
    anonNumbers(
      store.sessionSecret(sid) ?? sid,
      store.candidates(sid).map((c) => c.id),
    );
  const candidateOf = (sid: string, a: string): string => {
    for (const [cid, n] of anonOf(sid)) if (n === a) return cid;
    throw new LabError('API_NOT_FOUND', `no candidate ${a} / 没有该考生`);
  };

  /** Who is asking and what they may do with a candidate's items. */
  const roleFor = (req: FastifyRequest, plan: MarkingPlan, cid: string) => {
    const me = need(req, 'examiner');
    const panel = marking.panelOf(plan, cid) ?? [];
    const member = panel.includes(me.subject);
    const chief = plan.chief === me.subject;
    return { me: me.subject, panel, member, chief };
  };

  interface ItemView {
    anon: string;
    candidate: { id: string; name: string } | null;
    task: string;
    check: string;
    title: { zh: string; en: string };
    max: number;
    handIn: { item: string; name: string; type: string; bytes: number; sha256: string } | null;
    state: 'open' | 'reconcile' | 'final';
    spread: number | null;
    marked: number;
    panelSize: number;
    mine: PanelMark | null;
    final: { points: number; by: string; reason: string; at: string } | null;
  }

  /** One manual check of one candidate as an examiner sees it. */
  const view = (
    sid: string,
    plan: MarkingPlan,
    g: StoredGrade,
    checkIdV: string,
    who: ReturnType<typeof roleFor>,
    numbers: Map<string, string>,
  ): ItemView & { rubric: Rubric; marks: PanelMark[] | null } => {
    const t = g.report.tests.find((x) => x.id === checkIdV)!;
    const task = getTask(g.taskId);
    const spec = task.checks.find((c) => c.id === checkIdV);
    const rubric = rubricOf(spec?.rubric, t.max_score, t.title);
    const marks = marking.current(sid, g.candidateId, g.taskId, checkIdV);
    const mine = marks.find((m) => m.examiner === who.me) ?? null;
    const fin = markFor(grades.adjustments(sid, g.candidateId, g.taskId), checkIdV);
    const v = verdict(plan, who.panel, marks, t.max_score);
    const c = store.candidate(sid, g.candidateId);
    const dir = runtime.handinDir(sid, g.candidateId, g.taskId);
    const stored = rubric.handIn ? storedHandin(dir, rubric.handIn) : undefined;
    return {
      anon: numbers.get(g.candidateId) ?? '?',
      candidate: plan.blind || !c ? null : { id: c.id, name: c.name },
      task: g.taskId,
      check: checkIdV,
      title: t.title,
      max: t.max_score,
      handIn: stored
        ? {
            item: stored.item,
            name: stored.name,
            type: stored.type,
            bytes: stored.bytes,
            sha256: stored.sha256,
          }
        : null,
      state: fin ? 'final' : v.state === 'reconcile' ? 'reconcile' : 'open',
      spread: v.state === 'open' ? null : v.spread,
      marked: marks.filter((m) => who.panel.includes(m.examiner)).length,
      panelSize: who.panel.length,
      mine,
      final: fin ? { points: fin.points, by: fin.examiner, reason: fin.reason, at: fin.at } : null,
      rubric,
      // Blind until they have marked it themselves; the chief sees every mark.
      marks: mine || who.chief ? marks : null,
    };
  };

  /** The grade holding a candidate's manual check, or 404. */
  const gradeOf = (sid: string, cid: string, task: string, check: string): StoredGrade => {
    const g = grades.grades(sid, cid).find((x) => x.taskId === task);
    const t = g?.report.tests.find((x) => x.id === check);
    if (!g || !t?.manual)
      throw new LabError('API_NOT_FOUND', `nothing to mark: ${task} ${check} / 没有需要评阅的内容`);
    return g;
  };
  const mayRead = (who: ReturnType<typeof roleFor>) => {
    if (!who.member && !who.chief)
      throw new LabError(
        'MARK_NOT_IN_PANEL',
        `${who.me} is not on this candidate's panel / 你不在该考生的考评组中`,
      );
  };

  app.get(
    '/api/sessions/:id/marking',
    apiDoc({
      summary: "The examiner's marking queue: the manual checks of their panels' candidates",
      tag: 'marking',
      roles: ['examiner'],
      params: S,
    }),
    (req) => {
      const { id: sid } = parse(S, req.params, 'params');
      const plan = planOf(sid);
      const me = need(req, 'examiner').subject;
      const chief = plan.chief === me;
      const numbers = anonOf(sid);
      const items: ItemView[] = [];
      for (const g of grades.grades(sid)) {
        const who = roleFor(req, plan, g.candidateId);
        if (!who.member && !who.chief) continue;
        for (const t of g.report.tests.filter((x) => x.manual)) {
          const { rubric: _r, marks: _m, ...row } = view(sid, plan, g, t.id, who, numbers);
          items.push(row);
        }
      }
      items.sort((a, b) =>
        a.anon === b.anon
          ? a.task + a.check < b.task + b.check
            ? -1
            : 1
          : a.anon < b.anon
            ? -1
            : 1,
      );
      return {
        session: sid,
        examiner: me,
        chief,
        blind: plan.blind,
        aggregate: plan.aggregate,
        spread: plan.spread,
        panels: plan.panels.map((p) => ({
          examiners: p.examiners,
          candidates: p.candidates.length,
        })),
        items,
      };
    },
  );

  app.get(
    '/api/sessions/:id/marking/:anon/:task/:check',
    apiDoc({
      summary: 'One item to mark: rubric, hand-in, own mark (others only after marking it)',
      tag: 'marking',
      roles: ['examiner'],
      params: Item,
    }),
    (req) => {
      const p = parse(Item, req.params, 'params');
      const plan = planOf(p.id);
      const cid = candidateOf(p.id, p.anon);
      const who = roleFor(req, plan, cid);
      mayRead(who);
      return view(p.id, plan, gradeOf(p.id, cid, p.task, p.check), p.check, who, anonOf(p.id));
    },
  );

  app.get(
    '/api/sessions/:id/marking/:anon/:task/handins/:item',
    apiDoc({
      summary: 'A hand-in to mark: raw (PDF, images, text) or DOCX as HTML',
      tag: 'marking',
      roles: ['examiner'],
      params: HandinParams,
      querystring: HandinQuery,
    }),
    async (req, reply) => {
      const p = parse(HandinParams, req.params, 'params');
      const q = parse(HandinQuery, req.query, 'query');
      const plan = planOf(p.id);
      const cid = candidateOf(p.id, p.anon);
      mayRead(roleFor(req, plan, cid));
      handinSpec(getTask(p.task), p.item);
      const dir = runtime.handinDir(p.id, cid, p.task);
      const stored = storedHandin(dir, p.item);
      if (!stored) throw new LabError('API_NOT_FOUND', 'nothing handed in / 未提交');
      const bytes = handinBytes(dir, p.item);
      // Never run: no scripts, no plugins, nothing fetched from elsewhere, the type as stored.
      void reply
        .header('x-content-type-options', 'nosniff')
        .header(
          'content-security-policy',
          "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; object-src 'self'",
        )
        .header('cache-control', 'private, no-store');
      if (q.view === 'html') {
        if (stored.type !== 'docx')
          throw new LabError('API_BAD_REQUEST', 'only a DOCX is converted / 仅 DOCX 可转换');
        const m = await import('mammoth');
        const mammoth = (m as { default?: typeof m }).default ?? m;
        const { value } = await mammoth.convertToHtml({ buffer: bytes });
        // The console sanitises it again (DOMPurify) before showing it.
        return { html: value };
      }
      const inline = ['pdf', 'png', 'jpeg', 'md', 'txt', 'json', 'yaml'].includes(stored.type);
      const ext = {
        md: 'md',
        txt: 'txt',
        json: 'json',
        yaml: 'yaml',
        pdf: 'pdf',
        png: 'png',
        jpeg: 'jpg',
        docx: 'docx',
      }[stored.type];
      return reply
        .header('content-type', stored.mime)
        .header(
          'content-disposition',
          `${inline ? 'inline' : 'attachment'}; filename="${p.anon}-${p.item}.${ext}"`,
        )
        .send(bytes);
    },
  );

  app.put(
    '/api/sessions/:id/marking/:anon/:task/:check',
    apiDoc({
      summary: 'Submit (or change) my mark of an item: points per criterion and a comment',
      tag: 'marking',
      roles: ['examiner'],
      params: Item,
      body: MarkBody,
    }),
    (req) => {
      const p = parse(Item, req.params, 'params');
      const body = parse(MarkBody, req.body, 'body');
      const plan = planOf(p.id);
      const cid = candidateOf(p.id, p.anon);
      const who = roleFor(req, plan, cid);
      if (!who.member)
        throw new LabError(
          'MARK_NOT_IN_PANEL',
          `${who.me} is not on this candidate's panel / 你不在该考生的考评组中`,
        );
      const g = gradeOf(p.id, cid, p.task, p.check);
      const t = g.report.tests.find((x) => x.id === p.check)!;
      if (markFor(grades.adjustments(p.id, cid, p.task), p.check))
        throw new LabError(
          'MARK_FINAL',
          `the mark of ${p.task} ${p.check} is final: only the chief examiner changes it / 评分已确定，只能由主考修改`,
        );
      const spec = getTask(p.task).checks.find((c) => c.id === p.check);
      const rubric = rubricOf(spec?.rubric, t.max_score, t.title);
      const unknown = Object.keys(body.criteria).filter(
        (k) => !rubric.criteria.some((c) => c.id === k),
      );
      if (unknown.length > 0)
        throw new LabError('API_BAD_REQUEST', `no criterion ${unknown.join(', ')} / 没有该评分项`);
      for (const c of rubric.criteria) {
        const v = body.criteria[c.id];
        if (v === undefined)
          throw new LabError('API_BAD_REQUEST', `mark criterion ${c.id} too / 请为每个评分项打分`);
        if (!(v >= 0 && v <= c.points && Number.isInteger(v * 2)))
          throw new LabError(
            'SCORE_OUT_OF_RANGE',
            `criterion ${c.id} takes 0 to ${c.points} in steps of 0.5, not ${v} / 分值超出范围`,
            { criterion: c.id, max: c.points, points: v },
          );
      }
      const points =
        Math.round(rubric.criteria.reduce((s, c) => s + body.criteria[c.id]!, 0) * 10) / 10;
      const before = marking.current(p.id, cid, p.task, p.check).find((m) => m.examiner === who.me);
      const stored = rubric.handIn
        ? storedHandin(runtime.handinDir(p.id, cid, p.task), rubric.handIn)
        : undefined;
      marking.add(p.id, {
        candidateId: cid,
        taskId: p.task,
        checkId: p.check,
        examiner: who.me,
        criteria: body.criteria,
        points,
        comment: body.comment,
        handinSha256: stored?.sha256 ?? null,
      });
      store.audit(who.me, before ? 'mark.change' : 'mark.submit', p.id, {
        candidate: cid,
        task: p.task,
        check: p.check,
        points,
        criteria: body.criteria,
        ...(before ? { was: before.points } : {}),
      });
      const marks = marking.current(p.id, cid, p.task, p.check);
      const v = verdict(plan, who.panel, marks, t.max_score);
      const list = marks
        .filter((m) => who.panel.includes(m.examiner))
        .map((m) => m.points)
        .join(', ');
      if (v.state === 'agreed') {
        grades.adjust(
          p.id,
          {
            candidateId: cid,
            taskId: p.task,
            checkId: p.check,
            points: v.points,
            reason: `${plan.aggregate} of ${marks.length} examiners' marks (${list}) / ${plan.aggregate === 'median' ? '中位数' : '平均分'}`,
            examiner: 'panel',
            autoPoints: t.score,
          },
          true,
        );
        store.audit('panel', 'mark.final', p.id, {
          candidate: cid,
          task: p.task,
          check: p.check,
          points: v.points,
          marks: list,
          rule: plan.aggregate,
        });
      } else if (v.state === 'reconcile')
        store.audit('panel', 'mark.spread', p.id, {
          candidate: cid,
          task: p.task,
          check: p.check,
          spread: v.spread,
          marks: list,
          chief: plan.chief,
        });
      return view(p.id, plan, gradeOf(p.id, cid, p.task, p.check), p.check, who, anonOf(p.id));
    },
  );

  app.post(
    '/api/sessions/:id/marking/:anon/:task/:check/reconcile',
    apiDoc({
      summary:
        "The chief examiner's mark of an item whose marks spread, or a change to a final mark",
      tag: 'marking',
      roles: ['examiner'],
      params: Item,
      body: ReconcileBody,
    }),
    (req) => {
      const p = parse(Item, req.params, 'params');
      const body = parse(ReconcileBody, req.body, 'body');
      const plan = planOf(p.id);
      const cid = candidateOf(p.id, p.anon);
      const who = roleFor(req, plan, cid);
      if (!who.chief)
        throw new LabError(
          'MARK_NOT_IN_PANEL',
          `only the chief examiner (${plan.chief}) reconciles / 仅主考可以裁定`,
        );
      const g = gradeOf(p.id, cid, p.task, p.check);
      const t = g.report.tests.find((x) => x.id === p.check)!;
      const marks = marking.current(p.id, cid, p.task, p.check);
      const v = verdict(plan, who.panel, marks, t.max_score);
      if (v.state === 'open')
        throw new LabError(
          'SESSION_STATE',
          `the panel has not finished marking (${marks.length} of ${who.panel.length}) / 考评组尚未全部评分`,
        );
      const reason = body.reason.trim();
      if (reason.length < 3)
        throw new LabError(
          'REASON_REQUIRED',
          'give the reason (at least 3 characters) / 请填写理由',
        );
      if (!(body.points >= 0 && body.points <= t.max_score))
        throw new LabError(
          'SCORE_OUT_OF_RANGE',
          `${p.check} takes 0 to ${t.max_score} points, not ${body.points}`,
          { check: p.check, max: t.max_score, points: body.points },
        );
      const before = markFor(grades.adjustments(p.id, cid, p.task), p.check);
      grades.adjust(
        p.id,
        {
          candidateId: cid,
          taskId: p.task,
          checkId: p.check,
          points: body.points,
          reason: `chief examiner: ${reason} (marks ${marks.map((m) => m.points).join(', ')}) / 主考裁定`,
          examiner: who.me,
          autoPoints: t.score,
        },
        true,
      );
      store.audit(who.me, before ? 'mark.chief-change' : 'mark.reconcile', p.id, {
        candidate: cid,
        task: p.task,
        check: p.check,
        points: body.points,
        reason,
        marks: marks.map((m) => ({ examiner: m.examiner, points: m.points })),
        ...(before ? { was: before.points } : {}),
      });
      return view(p.id, plan, gradeOf(p.id, cid, p.task, p.check), p.check, who, anonOf(p.id));
    },
  );
}
