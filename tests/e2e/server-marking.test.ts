/**
 * The marking panel over real sockets (issue 15): six examiner accounts in two panels of three and
 * a chief; two candidates of an exam hand in l1-sys-consult's documents (refused uploads first:
 * an executable named .md, an empty file, one past the item's limit); each panel marks only its
 * candidates, blind to the others' marks until it has marked, by anonymous number; three marks
 * agree → the median stands; a wide spread → pending until the chief reconciles with a reason; a
 * final mark changes only by the chief; the audit log, the reports and the XLSX export show every
 * examiner's mark and how the final one was reached.
 */
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

const base = 20000 + Math.floor(Math.random() * 5900);
const TASK = 'l1-sys-consult';
const ref = (f: string) =>
  readFileSync(new URL(`../../tasks/${TASK}/reference/${f}`, import.meta.url));
const docx = readFileSync(new URL('../fixtures/handin/case.docx', import.meta.url));
let t: TestServer;
let sid = '';
const cookies = new Map<string, string>();
const cand = new Map<string, string>();

interface Item {
  anon: string;
  candidate: unknown;
  task: string;
  check: string;
  state: string;
  max: number;
  marked: number;
  final: { points: number; by: string } | null;
  rubric?: { criteria: { id: string; points: number }[] };
  marks?: { examiner: string; points: number }[] | null;
  handIn: { sha256: string; type: string } | null;
}
const errName = (j: unknown) => (j as { error: { name: string } }).error.name;
const as = (who: string) => cookies.get(who)!;
const queue = async (who: string) =>
  (
    (await t.api('GET', `/api/sessions/${sid}/marking`, undefined, as(who))).json as {
      items: Item[];
    }
  ).items;
const upload = (c: string, item: string, body: Buffer, name: string) =>
  fetch(`${t.server.url}/api/me/tasks/${TASK}/handins/${item}?name=${encodeURIComponent(name)}`, {
    method: 'PUT',
    headers: {
      cookie: cand.get(c)!,
      'content-type': 'application/octet-stream',
      'x-iotlab-csrf': '1',
    },
    body,
  });
/** Marks every criterion at `share` of its points (rounded to 0.5). */
const markAt = async (who: string, it: Item, share: number) => {
  const d = (
    await t.api(
      'GET',
      `/api/sessions/${sid}/marking/${it.anon}/${it.task}/${it.check}`,
      undefined,
      as(who),
    )
  ).json as Item;
  const criteria = Object.fromEntries(
    d.rubric!.criteria.map((c) => [c.id, Math.round(c.points * share * 2) / 2]),
  );
  return t.api(
    'PUT',
    `/api/sessions/${sid}/marking/${it.anon}/${it.task}/${it.check}`,
    { criteria, comment: `${who} ${share}` },
    as(who),
  );
};

beforeAll(async () => {
  t = await startTestServer('marking', base);
  cookies.set('admin', t.examiner);
  for (const u of ['e1', 'e2', 'e3', 'e4', 'e5', 'e6']) {
    const r = await t.api('POST', '/api/users', {
      username: u,
      role: 'examiner',
      password: `pw-${u}-secret`,
    });
    expect(r.status).toBe(201);
    cookies.set(
      u,
      (await t.api('POST', '/api/login', { username: u, password: `pw-${u}-secret` }, '')).cookie,
    );
  }
  // Only admin manages accounts.
  const denied = await t.api(
    'POST',
    '/api/users',
    { username: 'x1', role: 'examiner', password: 'whatever-1' },
    as('e1'),
  );
  expect(denied.status).toBe(403);
  const created = await t.api('POST', '/api/sessions', {
    paper: {
      id: 'L1-SYS-T',
      title: { zh: '测试', en: 'test' },
      level: 'L1',
      direction: 'SYS',
      tasks: [
        { id: 'l1-sys-firmware', function: '物联网设备安装与调试', points: 35 },
        { id: 'l1-sys-sql', function: '物联网系统部署', points: 30 },
        { id: 'l1-sys-fault', function: '物联网系统运行与维护', points: 20 },
        { id: TASK, function: '物联网技术咨询与服务', points: 15 },
      ],
    },
    mode: 'exam',
    roster: 'id,name\nc001,张三\nc002,李四\n',
    marking: { examiners: ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'], chief: 'admin' },
  });
  expect(created.status).toBe(201);
  const body = created.json as {
    id: string;
    candidates: { id: string; password: string }[];
    warnings: string[];
  };
  sid = body.id;
  expect(body.warnings).toEqual([]);
  expect((await t.api('POST', `/api/sessions/${sid}/start`, {})).status).toBe(200);
  for (const c of body.candidates) cand.set(c.id, await t.candidate(sid, c.id, c.password));
}, 60_000);
afterAll(async () => t?.close());

describe('hand-ins and the marking panel', () => {
  it('refuses a file by its content, its size or its emptiness, and keeps the evidence of what it took', async () => {
    const me = (await t.api('GET', '/api/me', undefined, cand.get('c001'))).json as {
      tasks: { id: string; kind: string }[];
    };
    expect(me.tasks.find((x) => x.id === TASK)?.kind).toBe('handin');
    expect(me.tasks.find((x) => x.id === 'l1-sys-sql')?.kind).toBe('run');
    const elf = Buffer.concat([Buffer.from('7f454c46020101', 'hex'), Buffer.alloc(64)]);
    const r1 = await upload('c001', 'case', elf, 'case.md');
    expect(r1.status).toBe(400);
    expect(errName(await r1.json())).toBe('HANDIN_REFUSED');
    expect((await upload('c001', 'case', Buffer.alloc(0), 'case.md')).status).toBe(400);
    expect(
      (await upload('c001', 'case', Buffer.alloc(6 * 1024 * 1024, 0x41), 'big.md')).status,
    ).toBe(413);
    expect((await upload('c001', 'nosuch', ref('case.md'), 'x.md')).status).toBe(404);
    // Graded runs are not for a hand-in task.
    expect((await t.api('POST', `/api/me/tasks/${TASK}/start`, {}, cand.get('c001'))).status).toBe(
      400,
    );
    const ok = await upload('c001', 'case', docx, '../../报告.docx');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ name: '报告.docx', type: 'docx', bytes: docx.length });
    for (const c of ['c001', 'c002']) {
      if (c === 'c002')
        expect((await upload(c, 'case', ref('case.md'), 'case.md')).status).toBe(200);
      expect((await upload(c, 'answer', ref('answer.md'), 'answer.md')).status).toBe(200);
      const h = await t.api('POST', `/api/me/tasks/${TASK}/handins`, {}, cand.get(c));
      expect(h.status).toBe(200);
      expect((h.json as { handedIn: { times: number } | null }).handedIn?.times).toBe(1);
    }
  });

  it('each panel sees only its candidates, by number, and no one else may read or mark them', async () => {
    const q1 = await queue('e1');
    const q4 = await queue('e4');
    // Panel 1 (e1-e3) marks c001, panel 2 (e4-e6) c002: two manual checks each.
    expect(q1.map((i) => i.check).sort()).toEqual(['answer', 'case']);
    expect(q4.map((i) => i.check).sort()).toEqual(['answer', 'case']);
    expect(q1[0]!.anon).not.toBe(q4[0]!.anon);
    expect(q1.every((i) => i.candidate === null && i.state === 'open')).toBe(true);
    expect(q1.find((i) => i.check === 'case')!.handIn).toMatchObject({ type: 'docx' });
    const other = q4[0]!;
    const read = await t.api(
      'GET',
      `/api/sessions/${sid}/marking/${other.anon}/${TASK}/${other.check}`,
      undefined,
      as('e1'),
    );
    expect(read.status).toBe(403);
    expect(errName(read.json)).toBe('MARK_NOT_IN_PANEL');
    const put = await t.api(
      'PUT',
      `/api/sessions/${sid}/marking/${other.anon}/${TASK}/${other.check}`,
      { criteria: {}, comment: '' },
      as('e1'),
    );
    expect(put.status).toBe(403);
    // The chief sees every candidate's items.
    expect((await queue('admin')).length).toBe(4);
    // The hand-in itself: DOCX as HTML, Markdown as text, never as a page that runs.
    const caseItem = q1.find((i) => i.check === 'case')!;
    const html = await t.api(
      'GET',
      `/api/sessions/${sid}/marking/${caseItem.anon}/${TASK}/handins/case?view=html`,
      undefined,
      as('e2'),
    );
    expect((html.json as { html: string }).html).toContain('sensor-3 stopped reporting');
    expect((html.json as { html: string }).html).not.toContain('<script>');
    const raw = await t.api(
      'GET',
      `/api/sessions/${sid}/marking/${caseItem.anon}/${TASK}/handins/answer`,
      undefined,
      as('e2'),
    );
    expect(raw.res.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(raw.res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(raw.res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(
      (
        await t.api(
          'GET',
          `/api/sessions/${sid}/marking/${caseItem.anon}/${TASK}/handins/case`,
          undefined,
          cand.get('c001'),
        )
      ).status,
    ).toBe(403);
  });

  it('three agreeing marks: the median stands; blind until marked; final marks only by the chief', async () => {
    const it1 = (await queue('e1')).find((i) => i.check === 'answer')!;
    const r1 = await markAt('e1', it1, 0.8);
    expect(r1.status).toBe(200);
    expect((r1.json as Item).marks!.map((m) => m.examiner)).toEqual(['e1']);
    // e2 has not marked: the others' marks stay hidden.
    const before = (
      await t.api(
        'GET',
        `/api/sessions/${sid}/marking/${it1.anon}/${TASK}/answer`,
        undefined,
        as('e2'),
      )
    ).json as Item;
    expect(before.marks).toBeNull();
    expect(before.marked).toBe(1);
    await markAt('e2', it1, 0.9);
    const last = (await markAt('e3', it1, 0.7)).json as Item;
    expect(last.state).toBe('final');
    // 30 points: 24, 27, 21 → the median 24.
    expect(last.final).toMatchObject({ points: 24, by: 'panel' });
    const again = await markAt('e1', it1, 1);
    expect(again.status).toBe(409);
    expect(errName(again.json)).toBe('MARK_FINAL');
    const chief = await t.api(
      'POST',
      `/api/sessions/${sid}/marking/${it1.anon}/${TASK}/answer/reconcile`,
      { points: 25, reason: '复核：第 3 段已回答补传' },
    );
    expect(chief.status).toBe(200);
    expect((chief.json as Item).final).toMatchObject({ points: 25, by: 'admin' });
    expect(
      (
        await t.api(
          'POST',
          `/api/sessions/${sid}/marking/${it1.anon}/${TASK}/answer/reconcile`,
          { points: 25, reason: 'x' },
          as('e1'),
        )
      ).status,
    ).toBe(403);
  });

  it('a spread above the threshold holds the result until the chief reconciles it', async () => {
    const it2 = (await queue('e1')).find((i) => i.check === 'case')!;
    await markAt('e1', it2, 1);
    await markAt('e2', it2, 0.9);
    const spread = (await markAt('e3', it2, 0.3)).json as Item;
    expect(spread.state).toBe('reconcile');
    expect(spread.final).toBeNull();
    const reports = async () =>
      (
        (await t.api('GET', `/api/sessions/${sid}/reports`)).json as {
          candidate: string;
          task: string;
          final: number | null;
          status: string;
          panel: { examiner: string; points: number }[];
        }[]
      ).find((g) => g.candidate === 'c001' && g.task === TASK)!;
    expect((await reports()).status).toBe('pending-examiner');
    const early = await t.api(
      'POST',
      `/api/sessions/${sid}/marking/${it2.anon}/${TASK}/case/reconcile`,
      { points: 40, reason: '' },
    );
    expect(errName(early.json)).toBe('REASON_REQUIRED');
    const done = await t.api(
      'POST',
      `/api/sessions/${sid}/marking/${it2.anon}/${TASK}/case/reconcile`,
      {
        points: 40,
        reason: '第三位考评员漏看了处置部分 / the third examiner missed the remedy section',
      },
    );
    expect((done.json as Item).state).toBe('final');
    const g = await reports();
    expect(g.status).toBe('final');
    expect(g.panel.map((m) => m.examiner)).toEqual(['e1', 'e2', 'e3', 'e1', 'e2', 'e3']);
    const audit = (await t.api('GET', `/api/sessions/${sid}/audit`)).json as {
      action: string;
      actor: string;
    }[];
    const actions = audit.map((a) => a.action);
    for (const a of [
      'marking.plan',
      'candidate.handin.upload',
      'mark.submit',
      'mark.final',
      'mark.chief-change',
      'mark.spread',
      'mark.reconcile',
    ])
      expect(actions).toContain(a);
  });

  it('the XLSX export has every examiner mark beside the final one', async () => {
    const audit = (await t.api('GET', `/api/sessions/${sid}/audit`)).json as {
      action: string;
      detail: unknown;
    }[];
    const res = await fetch(`${t.server.url}/api/sessions/${sid}/export?format=xlsx&lang=zh`, {
      headers: { cookie: t.examiner },
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    const marks = wb.getWorksheet('考评员评分')!;
    const rows = marks.getSheetValues().slice(2) as unknown[][];
    expect(rows.map((r) => r[6])).toEqual(['e1', 'e2', 'e3', 'e1', 'e2', 'e3']);
    expect(rows.map((r) => r[5])).toEqual(['answer', 'answer', 'answer', 'case', 'case', 'case']);
    const checks = wb.getWorksheet('评分明细')!;
    const text = JSON.stringify(checks.getSheetValues());
    expect(text).toContain('主考裁定');
    expect(text).toContain('已人工评定');
    const final = audit.find((a) => a.action === 'mark.final')!;
    expect(final.detail).toMatchObject({ rule: 'median', points: 24, marks: '24, 27, 21' });
  });
});
