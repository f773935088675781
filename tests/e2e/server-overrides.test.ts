/**
 * An examiner's override of any check, over real sockets: a candidate's graded attempt (every
 * check automatic, all 0 points here), an override of an automatic check with a reason changes the
 * task score and the total, is in the audit log, and the reports (JSON and HTML) and the exports
 * (long CSV zh/en, XLSX) show the grader's figure, the override, who and why. Bad points and a
 * missing reason are 400s with their own codes. A regrade keeps the overrides and marks the one
 * made against a grader's figure the regrade moves ("now disagrees"). Withdrawing is audited too.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

const base = 20000 + Math.floor(Math.random() * 5900);
let t: TestServer;
let sid = '';
let cand = '';

interface Mark {
  check: string;
  kind: string;
  autoAtMark: number | null;
  autoNow: number | null;
  points: number;
  examiner: string;
  at: string;
  reason: string;
  disagrees: boolean;
}
interface Graded {
  candidate: string;
  task: string;
  final: number | null;
  report: { tests: { id: string; score: number; max_score: number; manual: boolean }[] };
  marks: Mark[];
}
interface Audit {
  action: string;
  actor: string;
  detail: Record<string, unknown>;
}

const TASK = 'l1-emb-analog';
const url = () => `/api/sessions/${sid}/candidates/c001/overrides`;
const errName = (j: unknown) => (j as { error: { name: string } }).error.name;
const graded = async () =>
  ((await t.api('GET', `/api/sessions/${sid}/reports`)).json as Graded[]).find(
    (g) => g.candidate === 'c001' && g.task === TASK,
  )!;
const audit = async () => (await t.api('GET', `/api/sessions/${sid}/audit`)).json as Audit[];
const longCsv = async (lang: 'zh' | 'en') =>
  parse<Record<string, string>>(
    (await t.api('GET', `/api/sessions/${sid}/export?format=csv-long&lang=${lang}`)).text.replace(
      /^\uFEFF/,
      '',
    ),
    { columns: true },
  );

beforeAll(async () => {
  t = await startTestServer('overrides', base);
  const r = await t.api('POST', '/api/sessions', {
    paper: 'L1-EMB',
    mode: 'practice',
    roster: 'id,name\nc001,张三\n',
  });
  sid = (r.json as { id: string }).id;
  expect((await t.api('POST', `/api/sessions/${sid}/start`, {})).status).toBe(200);
  const slips = (await t.api('GET', `/api/sessions/${sid}/slips`)).json as { password: string }[];
  cand = await t.candidate(sid, 'c001', slips[0]!.password);
  expect((await t.api('POST', `/api/me/tasks/${TASK}/start`, {}, cand)).status).toBe(200);
  // The candidate does nothing: every check is graded 0 from the evidence.
  expect((await t.api('POST', '/api/me/finish', {}, cand)).status).toBe(200);
}, 60_000);
afterAll(async () => t?.close());

describe("an examiner's override of any check", () => {
  it('is refused without a reason, with points out of range, for a missing check or a candidate', async () => {
    const g = await graded();
    expect(g.final).toBe(0);
    const published = g.report.tests.find((x) => x.id === 'published')!;
    expect(published).toEqual(expect.objectContaining({ score: 0, max_score: 10, manual: false }));
    const ok = { task: TASK, check: 'published', points: 8, reason: 'seen publishing on site' };
    const noReason = await t.api('POST', url(), { task: TASK, check: 'published', points: 8 });
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain('body.reason');
    const blank = await t.api('POST', url(), { ...ok, reason: '   ' });
    expect([blank.status, errName(blank.json)]).toEqual([400, 'REASON_REQUIRED']);
    for (const points of [10.5, -1]) {
      const r = await t.api('POST', url(), { ...ok, points });
      expect([r.status, errName(r.json)]).toEqual([400, 'SCORE_OUT_OF_RANGE']);
      expect(r.text).toContain('0 to 10');
    }
    const none = await t.api('POST', url(), { ...ok, check: 'nope' });
    expect([none.status, errName(none.json)]).toEqual([404, 'API_NOT_FOUND']);
    expect((await t.api('POST', url(), ok, cand)).status).toBe(403);
    // The manual-score route still takes only manual checks, and says where overrides go.
    const manual = await t.api('POST', `/api/sessions/${sid}/candidates/c001/manual`, ok);
    expect([manual.status, errName(manual.json)]).toEqual([400, 'CHECK_NOT_MANUAL']);
    expect(manual.text).toContain('/overrides');
    expect((await graded()).final).toBe(0);
    expect((await audit()).filter((a) => a.action.startsWith('score.'))).toEqual([]);
  });

  it('changes the task score and the total, audited; the reports show grader, override, who, why', async () => {
    const r = await t.api('POST', url(), {
      task: TASK,
      check: 'published',
      points: 8,
      reason: 'seen publishing on site',
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toEqual(expect.objectContaining({ task: TASK, final: 8, status: 'final' }));
    const g = await graded();
    expect(g.final).toBe(8);
    expect(g.marks).toEqual([
      expect.objectContaining({
        check: 'published',
        kind: 'override',
        autoAtMark: 0,
        autoNow: 0,
        points: 8,
        examiner: 'admin',
        reason: 'seen publishing on site',
        disagrees: false,
      }),
    ]);
    expect(Date.parse(g.marks[0]!.at)).toBeGreaterThan(Date.now() - 60_000);
    // The grader's own report is unchanged: the override stands beside it.
    expect(g.report.tests.find((x) => x.id === 'published')!.score).toBe(0);
    const entry = (await audit()).filter((a) => a.action === 'score.override');
    expect(entry).toEqual([
      expect.objectContaining({
        actor: 'admin',
        detail: expect.objectContaining({
          candidate: 'c001',
          task: TASK,
          check: 'published',
          autoPoints: 0,
          points: 8,
          reason: 'seen publishing on site',
        }) as unknown,
      }),
    ]);
    // The task is 15 points of the paper: 8 of 100 is 1.2 in the score sheet.
    const wide = parse<Record<string, string>>(
      (await t.api('GET', `/api/sessions/${sid}/export?format=csv&lang=en`)).text.replace(
        /^\uFEFF/,
        '',
      ),
      { columns: true },
    );
    const paper = (await t.api('GET', `/api/sessions/${sid}`)).json as {
      paper: { tasks: { id: string; points: number }[] };
    };
    const points = paper.paper.tasks.find((x) => x.id === TASK)!.points;
    expect(Number(wide[0]![TASK])).toBe(Math.round(8 * points) / 100);
    const html = await t.api('GET', `/api/sessions/${sid}/candidates/c001/report?task=${TASK}`);
    expect(html.text).toContain('Examiner marks');
    expect(html.text).toContain("Task score with the examiner's marks: 8");
    expect(html.text).toContain('seen publishing on site');
    expect(html.text).toMatch(
      /<td>published<\/td><td>改分 override<\/td><td>0<\/td><td>0<\/td><td><b>8<\/b><\/td><td>admin/,
    );
  });

  it('is in the exports, zh and en, CSV and XLSX', async () => {
    const en = (await longCsv('en')).find((r) => r.check === 'published')!;
    expect(en).toEqual(
      expect.objectContaining({
        kind: 'auto',
        auto_points: '0',
        examiner_points: '8',
        final: '8',
        override_reason: 'seen publishing on site',
        override_by: 'admin',
        auto_points_at_override: '0',
        override_disagrees: '',
      }),
    );
    expect(Date.parse(en.override_at!)).not.toBeNaN();
    expect((await longCsv('en')).find((r) => r.check === 'qos')!.override_by).toBe('');
    const zh = (await longCsv('zh')).find((r) => r['检查项'] === 'published')!;
    expect([zh['考评员得分'], zh['最终得分'], zh['改分理由'], zh['改分人']]).toEqual([
      '8',
      '8',
      'seen publishing on site',
      'admin',
    ]);
    const res = await fetch(`${t.server.url}/api/sessions/${sid}/export?format=xlsx&lang=zh`, {
      headers: { cookie: t.examiner },
    });
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    const sheet = wb.worksheets[1]!;
    const head = (sheet.getRow(1).values as unknown[]).map(String);
    const row = sheet
      .getRows(2, sheet.rowCount - 1)!
      .map((r) => (r.values as (string | number | undefined)[]).map((v) => String(v ?? '')))
      .find((v) => v[head.indexOf('检查项')] === 'published')!;
    expect(row[head.indexOf('改分人')]).toBe('admin');
    expect(row[head.indexOf('改分理由')]).toBe('seen publishing on site');
    expect(row[head.indexOf('改分时自动得分')]).toBe('0');
  });

  it('a regrade keeps overrides and marks the one whose grader figure moved', async () => {
    // An older grader stored 10 for `qos` (simulated in the stored report); the examiner
    // overrides that check against the 10, and the regrade from the evidence gives 0.
    const db = new Database(join(t.dataDir, 'iotlab.db'));
    try {
      db.pragma('busy_timeout = 5000');
      const row = db
        .prepare('SELECT report_json FROM scores WHERE session_id = ? AND task_id = ?')
        .get(sid, TASK) as { report_json: string };
      const report = JSON.parse(row.report_json) as { tests: { id: string; score: number }[] };
      report.tests.find((x) => x.id === 'qos')!.score = 10;
      db.prepare('UPDATE scores SET report_json = ? WHERE session_id = ? AND task_id = ?').run(
        JSON.stringify(report),
        sid,
        TASK,
      );
    } finally {
      db.close();
    }
    const r = await t.api('POST', url(), {
      task: TASK,
      check: 'qos',
      points: 5,
      reason: 'QoS 1 only on half the topics',
    });
    expect(r.json).toEqual(expect.objectContaining({ final: 13 }));
    expect((await graded()).marks.map((m) => [m.check, m.autoAtMark, m.disagrees])).toEqual([
      ['published', 0, false],
      ['qos', 10, false],
    ]);

    type Diff = {
      candidate: string;
      task: string;
      before: number | null;
      after: number | null;
      changed: boolean;
      disagrees: { check: string; autoAtMark: number | null; autoNow: number | null }[];
    };
    const preview = (await t.api('GET', `/api/sessions/${sid}/regrade`)).json as Diff[];
    const d = preview.find((x) => x.candidate === 'c001' && x.task === TASK)!;
    expect(d).toEqual(expect.objectContaining({ before: 13, after: 13, changed: false }));
    expect(d.disagrees).toEqual([
      expect.objectContaining({ check: 'qos', autoAtMark: 10, autoNow: 0, points: 5 }),
    ]);
    const pub = await t.api('POST', `/api/sessions/${sid}/regrade`, {});
    expect(pub.status, pub.text).toBe(200);
    const published = pub.json as { changed: Diff[]; disagreeing: Diff[] };
    expect(published.changed).toEqual([]);
    expect(published.disagreeing.map((x) => x.disagrees.map((y) => y.check))).toEqual([['qos']]);
    const g = await graded();
    expect(g.final).toBe(13);
    expect(g.report.tests.find((x) => x.id === 'qos')!.score).toBe(0);
    expect(g.marks.map((m) => [m.check, m.autoAtMark, m.autoNow, m.points, m.disagrees])).toEqual([
      ['published', 0, 0, 8, false],
      ['qos', 10, 0, 5, true],
    ]);
    const qos = (await longCsv('en')).find((r) => r.check === 'qos')!;
    expect([
      qos.final,
      qos.auto_points,
      qos.auto_points_at_override,
      qos.override_disagrees,
    ]).toEqual(['5', '0', '10', 'yes']);
    const regrade = (await audit()).filter((a) => a.action === 'session.regrade');
    expect(JSON.stringify(regrade.at(-1)!.detail.disagreeing)).toContain('"check":"qos"');
    const html = await t.api('GET', `/api/sessions/${sid}/candidates/c001/report?task=${TASK}`);
    expect(html.text).toContain('grader figure changed');
  });

  it('is replaced and withdrawn with a reason, each audited', async () => {
    const again = await t.api('POST', url(), {
      task: TASK,
      check: 'qos',
      points: 0,
      reason: 'checked again: no QoS 1',
    });
    expect(again.json).toEqual(expect.objectContaining({ final: 8 }));
    const replaced = (await audit()).filter((a) => a.action === 'score.override').at(-1)!;
    expect(replaced.detail).toEqual(
      expect.objectContaining({
        points: 0,
        autoPoints: 0,
        replaces: expect.objectContaining({
          points: 5,
          autoPoints: 10,
          reason: 'QoS 1 only on half the topics',
          examiner: 'admin',
        }) as unknown,
      }),
    );
    expect((await graded()).marks.find((m) => m.check === 'qos')!.disagrees).toBe(false);
    const noReason = await t.api('DELETE', url(), { task: TASK, check: 'published', reason: '' });
    expect([noReason.status, errName(noReason.json)]).toEqual([400, 'REASON_REQUIRED']);
    const del = await t.api('DELETE', url(), {
      task: TASK,
      check: 'published',
      reason: 'entered for the wrong candidate',
    });
    expect(del.status, del.text).toBe(200);
    expect(del.json).toEqual(expect.objectContaining({ final: 0 }));
    const gone = await t.api('DELETE', url(), {
      task: TASK,
      check: 'published',
      reason: 'entered for the wrong candidate',
    });
    expect([gone.status, errName(gone.json)]).toEqual([404, 'MARK_NOT_FOUND']);
    const w = (await audit()).filter((a) => a.action === 'score.withdraw');
    expect(w).toEqual([
      expect.objectContaining({
        actor: 'admin',
        detail: expect.objectContaining({
          check: 'published',
          reason: 'entered for the wrong candidate',
          withdrawn: expect.objectContaining({ points: 8 }) as unknown,
        }) as unknown,
      }),
    ]);
    expect((await graded()).marks.map((m) => m.check)).toEqual(['qos']);
    expect((await longCsv('en')).find((r) => r.check === 'published')!.override_by).toBe('');
  });
});
