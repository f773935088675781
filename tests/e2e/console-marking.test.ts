/**
 * The marking panel through the console in Debian's chromium (issue 15; fails, never skips,
 * when chromium is missing). Set up over the API: three examiner accounts made by admin, an exam
 * with a panel of three and admin as chief (spread 20 %). The candidate, on a phone, hands in
 * l1-sys-consult's two documents on the candidate page (a renamed executable first: refused, the
 * server's coded error in Chinese). The answer is marked over the API (three agreeing marks: the
 * median stands); the case document (a DOCX) is marked in the browser by each examiner in turn,
 * blind to the others until they submit, moving between items with the keys; the marks spread,
 * so the chief decides it in the browser with a reason; the XLSX export has every mark.
 * Screenshots of the hand-in panel and the marking views at phone and desktop size.
 */
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import {
  DESKTOP,
  PHONE,
  confirmBox,
  openPage,
  pick,
  screenshots,
} from '../support/console-page.js';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

const base = 20000 + Math.floor(Math.random() * 5900);
const TASK = 'l1-sys-consult';
const REF = new URL(`../../tasks/${TASK}/reference/`, import.meta.url);
const DOCX = new URL('../fixtures/handin/case.docx', import.meta.url).pathname;
const EXAMINERS = ['e1', 'e2', 'e3'] as const;
/** L1-SYS with l1-sys-consult, inline (the built-in paper may not hold it yet). */
const PAPER = {
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
};
let t: TestServer;
let browser: Browser;
let sid = '';
let password = '';
const problems: string[] = [];

interface Item {
  anon: string;
  check: string;
  state: string;
  rubric: { criteria: { id: string; points: number }[] };
}

beforeAll(async () => {
  t = await startTestServer('console-marking', base);
  browser = await launchChromium();
  for (const u of EXAMINERS)
    expect(
      (
        await t.api('POST', '/api/users', {
          username: u,
          role: 'examiner',
          password: `pw-${u}-secret`,
        })
      ).status,
    ).toBe(201);
  const created = await t.api('POST', '/api/sessions', {
    paper: PAPER,
    mode: 'exam',
    roster: 'id,name\nc001,张三\n',
    marking: { examiners: [...EXAMINERS], chief: 'admin', spread: 0.2 },
  });
  expect(created.status).toBe(201);
  const body = created.json as { id: string; candidates: { password: string }[] };
  sid = body.id;
  password = body.candidates[0]!.password;
  expect((await t.api('POST', `/api/sessions/${sid}/start`, {})).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function staffPage(user: string, pw: string, size: typeof DESKTOP | typeof PHONE) {
  const p = await openPage(browser, size);
  problems.push(...p.problems);
  const page = p.page;
  await page.goto(`${t.server.url}/examiner`);
  await page.fill('[data-test=login] input[name=username]', user);
  await page.fill('[data-test=login] input[name=password]', pw);
  await page.click('[data-test=login] button[type=submit]');
  await page.waitForSelector('[data-test=create]');
  await page.goto(`${t.server.url}/examiner#/sessions/${sid}`);
  await page.click('#tab-marking');
  await page.waitForSelector('[data-test=mark-item]');
  return { ...p, page };
}

/** A one-page PDF saying `text` (PDF 1.4: catalog, pages, page, content stream, font; xref). */
function tinyPdf(text: string): Buffer {
  const stream = `BT /F1 24 Tf 20 100 Td (${text}) Tj ET`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** At the top, the toasts gone: the page as it stays, for the screenshots. */
async function settled(page: Page) {
  await page.evaluate('window.scrollTo(0, 0)');
  await expect.poll(() => page.locator('.el-message').count(), { timeout: 6000 }).toBe(0);
}
const shown = (page: Page) => page.locator('[data-test=mark-item]').getAttribute('data-item');
const cookieOf = async (u: string) =>
  (await t.api('POST', '/api/login', { username: u, password: `pw-${u}-secret` }, '')).cookie;

/** Sets my points on the shown item, by level (a number) or typed (a string), and submits. */
async function mark(page: Page, levels: Record<string, number | string>, comment: string) {
  const item = page.locator('[data-test=mark-item]');
  for (const [c, v] of Object.entries(levels)) {
    const crit = item.locator(`[data-criterion=${c}]`);
    if (typeof v === 'number') await crit.locator(`[data-level="${v}"]`).click();
    else {
      await crit.locator('[data-test=criterion-points] input').fill(v);
      await crit.locator('[data-test=criterion-points] input').press('Tab');
    }
  }
  await item.locator('textarea[data-test=mark-comment]').fill(comment);
  await item.locator('[data-test=mark-submit]').click();
}

describe('the marking panel through the console', () => {
  it('takes a hand-in on a phone, three blind marks, the chief’s decision, and exports them all', async () => {
    // The candidate, on a phone: the hand-in task has no graded run, only its files.
    const c = await openPage(browser, PHONE);
    problems.push(...c.problems);
    const cp = c.page;
    await cp.goto(`${t.server.url}/candidate?session=${sid}&candidate=c001`);
    await cp.fill('[data-test=login] input[name=password]', password);
    await cp.click('[data-test=login] button[type=submit]');
    await cp.waitForSelector('[data-test=main]');
    const row = cp.locator(`.task-row[data-task=${TASK}]`);
    expect(await row.locator('[data-test=start]').count()).toBe(0);
    await row.locator('[data-test=handin-open]').click();
    const panel = cp.locator('[data-test=handin]');
    await panel.waitFor();
    expect(await panel.locator('[data-test=handin-submit]').isDisabled()).toBe(true);
    // An executable named .md: refused by its content, the reason in Chinese.
    const elf = Buffer.concat([Buffer.from('7f454c46020101', 'hex'), Buffer.alloc(64)]);
    const item = (id: string) => panel.locator(`[data-item=${id}]`);
    await item('case')
      .locator('input[type=file]')
      .setInputFiles({ name: 'case.md', mimeType: 'text/markdown', buffer: elf });
    await item('case').locator('[data-test=handin-upload]').click();
    await expect
      .poll(() => panel.locator('[data-test=error]').getAttribute('data-code'))
      .toBe('HANDIN_REFUSED');
    expect(await panel.locator('[data-test=error]').textContent()).toContain('文件未被接受');
    await item('case').locator('input[type=file]').setInputFiles(DOCX);
    await item('case').locator('[data-test=handin-upload]').click();
    await expect
      .poll(() => item('case').locator('[data-test=stored]').textContent())
      .toContain('case.docx');
    await item('answer')
      .locator('input[type=file]')
      .setInputFiles(new URL('answer.md', REF).pathname);
    await item('answer').locator('[data-test=handin-upload]').click();
    await expect
      .poll(() => item('answer').locator('[data-test=stored]').textContent())
      .toMatch(/answer\.md · [\d.]+ KB · SHA-256 [0-9a-f]{12}…/);
    await panel.locator('[data-test=handin-submit]').click();
    await confirmBox(cp);
    await expect
      .poll(() => panel.locator('[data-test=handed-in]').textContent())
      .toContain('已提交（第 1 次）');
    await settled(cp);
    await screenshots(cp, 'candidate-handin');
    await c.ctx.close();

    // The answer over the API: three agreeing marks, the median stands.
    const cookies = new Map<string, string>();
    for (const u of EXAMINERS) cookies.set(u, await cookieOf(u));
    const queue = (
      (await t.api('GET', `/api/sessions/${sid}/marking`, undefined, cookies.get('e1'))).json as {
        items: Item[];
      }
    ).items;
    expect(queue.map((i) => i.check)).toEqual(['answer', 'case']);
    const anon = queue[0]!.anon;
    const answer = (
      await t.api(
        'GET',
        `/api/sessions/${sid}/marking/${anon}/${TASK}/answer`,
        undefined,
        cookies.get('e1'),
      )
    ).json as Item;
    for (const [u, share] of [
      ['e1', 0.8],
      ['e2', 0.9],
      ['e3', 0.7],
    ] as const) {
      const criteria = Object.fromEntries(
        answer.rubric.criteria.map((x) => [x.id, Math.round(x.points * share * 2) / 2]),
      );
      const r = await t.api(
        'PUT',
        `/api/sessions/${sid}/marking/${anon}/${TASK}/answer`,
        { criteria, comment: u },
        cookies.get(u),
      );
      expect(r.status).toBe(200);
    }

    // The case document in the browser. e1 at a desktop: the queue opens on the item waiting
    // (the case), k goes back to the answer (marked: the panel's marks show), n forward again.
    const caseKey = `${anon}/${TASK}/case`;
    const e1 = await staffPage('e1', 'pw-e1-secret', DESKTOP);
    await expect.poll(() => shown(e1.page)).toBe(caseKey);
    expect(await e1.page.locator('[data-test=document]').textContent()).toContain(
      'sensor-3 stopped reporting',
    );
    await e1.page.keyboard.press('k');
    await expect.poll(() => shown(e1.page)).toBe(`${anon}/${TASK}/answer`);
    await expect
      .poll(() => e1.page.locator('[data-test=document] h1').textContent())
      .toContain('数据是否丢失');
    expect(await e1.page.locator('[data-test=panel-marks] [data-examiner]').count()).toBe(3);
    expect(await e1.page.locator('[data-test=final]').textContent()).toContain('panel');
    await e1.page.keyboard.press('n');
    await expect.poll(() => shown(e1.page)).toBe(caseKey);
    expect(await e1.page.locator('[data-test=marks-hidden]').count()).toBe(1);
    await mark(e1.page, { facts: 15, cause: 15, form: 10, 'follow-up': 5 }, '完整、准确');
    await expect
      .poll(() => e1.page.locator('[data-test=panel-marks] [data-examiner]').count())
      .toBe(1);
    await e1.ctx.close();

    // e2 on a phone: e1's mark stays hidden until e2 has marked; one criterion typed.
    const e2 = await staffPage('e2', 'pw-e2-secret', PHONE);
    await expect.poll(() => shown(e2.page)).toBe(caseKey);
    expect(await e2.page.locator('[data-test=marks-hidden]').count()).toBe(1);
    expect(
      await e2.page.locator(`[data-item="${caseKey}"] .queue-tags`).first().textContent(),
    ).toContain('已评 1/3');
    await mark(e2.page, { facts: 15, cause: 15, form: 10, 'follow-up': '4.5' }, '建议补充巡检');
    await expect
      .poll(() => e2.page.locator('[data-test=panel-marks] [data-examiner]').count())
      .toBe(2);
    expect(await e2.page.locator('[data-test=mark-total]').textContent()).toContain('44.5');
    await settled(e2.page);
    await screenshots(e2.page, 'marking-item');
    await e2.ctx.close();

    // e3 marks far lower: the spread (44.5 − 23 > 20 % of 45) sends it to the chief.
    const e3 = await staffPage('e3', 'pw-e3-secret', DESKTOP);
    await mark(e3.page, { facts: 8, cause: 8, form: 5, 'follow-up': 2 }, '分析依据不足');
    await expect
      .poll(() =>
        e3.page
          .locator(`[data-test=marking-queue] [data-item="${caseKey}"]`)
          .getAttribute('data-state'),
      )
      .toBe('reconcile');
    await e3.ctx.close();

    // The chief decides, with a reason; then the mark is final.
    const chief = await staffPage('admin', 'examiner-pw', DESKTOP);
    const cpg = chief.page;
    await cpg.locator('[data-test=only-reconcile]').click();
    expect(await cpg.locator('[data-test=marking-queue] [data-item]').count()).toBe(1);
    await expect.poll(() => shown(cpg)).toBe(caseKey);
    expect(await cpg.locator('[data-test=panel-marks] [data-examiner]').count()).toBe(3);
    // Not on the panel: the chief decides but does not mark.
    expect(await cpg.locator('[data-test=mark-submit]').count()).toBe(0);
    // Checked before it is sent: no reason, no call.
    await cpg.locator('[data-test=reconcile-points] input').fill('40');
    await cpg.locator('[data-test=reconcile-points] input').press('Tab');
    await cpg.locator('[data-test=reconcile-submit]').click();
    await expect.poll(() => cpg.locator('.el-message--warning').count()).toBeGreaterThan(0);
    await cpg.locator('textarea[data-test=reconcile-reason]').fill('第三位考评员漏看了处置部分');
    await settled(cpg);
    await screenshots(cpg, 'marking-reconcile');
    await cpg.locator('[data-test=reconcile-submit]').click();
    await expect
      .poll(() => cpg.locator('[data-test=final]').textContent())
      .toContain('最终分 40（admin）');
    // A final mark changes only by the chief, with a reason: the answer's median becomes 25.
    await cpg.locator('[data-test=only-reconcile]').click();
    await cpg.keyboard.press('k');
    await expect.poll(() => shown(cpg)).toBe(`${anon}/${TASK}/answer`);
    expect(await cpg.locator('[data-test=reconcile] h4').textContent()).toBe('主考修改最终分');
    await cpg.locator('[data-test=reconcile-points] input').fill('25');
    await cpg.locator('[data-test=reconcile-points] input').press('Tab');
    await cpg.locator('textarea[data-test=reconcile-reason]').fill('复核：第 3 段已回答');
    await cpg.locator('[data-test=reconcile-submit]').click();
    await expect
      .poll(() => cpg.locator('[data-test=final]').textContent())
      .toContain('最终分 25（admin）');
    await chief.ctx.close();

    // The XLSX export: every examiner's mark beside the final ones.
    const res = await fetch(`${t.server.url}/api/sessions/${sid}/export?format=xlsx&lang=zh`, {
      headers: { cookie: t.examiner },
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    const rows = wb.getWorksheet('考评员评分')!.getSheetValues().slice(2) as unknown[][];
    expect(rows.map((r) => [r[5], r[6], r[7]])).toEqual([
      ['answer', 'e1', 24],
      ['answer', 'e2', 27],
      ['answer', 'e3', 21],
      ['case', 'e1', 45],
      ['case', 'e2', 44.5],
      ['case', 'e3', 23],
    ]);
    const checks = JSON.stringify(wb.getWorksheet('评分明细')!.getSheetValues());
    expect(checks).toContain('主考裁定');
    expect(problems).toEqual([]);
  }, 90_000);

  it('is set up in the session form: examiners in panels, the chief, checked before it is sent', async () => {
    const p = await openPage(browser, DESKTOP);
    problems.push(...p.problems);
    const page = p.page;
    await page.goto(`${t.server.url}/examiner`);
    await page.fill('[data-test=login] input[name=username]', 'admin');
    await page.fill('[data-test=login] input[name=password]', 'examiner-pw');
    await page.click('[data-test=login] button[type=submit]');
    await page.click('[data-test=create]');
    const dialog = page.locator('.el-dialog', { hasText: '新建场次' });
    await dialog.waitFor();
    await pick(page, '[data-test=paper]', 'L1-SYS');
    await dialog.locator('[data-test=mode] .el-radio-button', { hasText: '练习' }).click();
    await dialog.locator('textarea[name=roster]').fill('id,name\nc001,张三\nc002,李四\n');
    await dialog.locator('[data-test=preview]').click();
    await dialog.locator('[data-test=marking-on]').click();
    await pick(page, '[data-test=marking-examiners]', 'e1');
    await pick(page, '[data-test=marking-examiners]', 'e2');
    await page.keyboard.press('Escape');
    await dialog.locator('[data-test=create-submit]').click();
    // Two examiners make no panel of three, and there is no chief: nothing is sent.
    await expect
      .poll(() => dialog.locator('.el-form-item__error').allTextContents())
      .toEqual(['考评员人数须为 3 的倍数', '请选择主考']);
    await pick(page, '[data-test=marking-examiners]', 'e3');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.el-select-dropdown:visible').count()).toBe(0);
    await pick(page, '[data-test=marking-chief]', 'admin');
    await dialog.locator('[data-test=marking-examiners]').scrollIntoViewIfNeeded();
    await screenshots(page, 'examiner-create-marking');
    await dialog.locator('[data-test=create-submit]').click();
    await page.waitForSelector('[data-test=session-id]');
    const id = /#\/sessions\/([a-z0-9]+)/.exec(page.url())![1]!;
    const plan = (await t.api('GET', `/api/sessions/${id}/marking`)).json as {
      chief: boolean;
      spread: number;
      panels: { examiners: string[]; candidates: number }[];
    };
    expect(plan).toMatchObject({
      chief: true,
      spread: 0.2,
      panels: [{ examiners: ['e1', 'e2', 'e3'], candidates: 2 }],
    });
    await page.waitForSelector('#tab-marking');
    // A session without a panel has no marking tab.
    const plain = await t.api('POST', '/api/sessions', {
      paper: 'L1-SYS',
      mode: 'practice',
      roster: 'id,name\nc001,张三\n',
    });
    await page.goto(`${t.server.url}/examiner#/sessions/${(plain.json as { id: string }).id}`);
    await page.waitForSelector('#tab-regrade');
    await page.waitForLoadState('networkidle');
    expect(await page.locator('#tab-marking').count()).toBe(0);
    await p.ctx.close();
    expect(problems).toEqual([]);
  }, 60_000);

  it('shows a PDF hand-in inline beside the rubric', async () => {
    const created = await t.api('POST', '/api/sessions', {
      paper: PAPER,
      mode: 'practice',
      roster: 'id,name\nc001,张三\n',
      marking: { examiners: ['admin'], chief: 'admin', panelSize: 1 },
    });
    const b = created.json as { id: string; candidates: { password: string }[] };
    expect((await t.api('POST', `/api/sessions/${b.id}/start`, {})).status).toBe(200);
    const c = await t.candidate(b.id, 'c001', b.candidates[0]!.password);
    const put = (item: string, body: Buffer, name: string) =>
      fetch(`${t.server.url}/api/me/tasks/${TASK}/handins/${item}?name=${name}`, {
        method: 'PUT',
        headers: { cookie: c, 'content-type': 'application/octet-stream', 'x-iotlab-csrf': '1' },
        body,
      });
    expect((await put('case', readFileSync(new URL('case.md', REF)), 'case.md')).status).toBe(200);
    expect((await put('answer', tinyPdf('PDF answer'), 'answer.pdf')).status).toBe(200);
    expect((await t.api('POST', `/api/me/tasks/${TASK}/handins`, {}, c)).status).toBe(200);
    const p = await openPage(browser, DESKTOP);
    problems.push(...p.problems);
    const page = p.page;
    await page.goto(`${t.server.url}/examiner`);
    await page.fill('[data-test=login] input[name=username]', 'admin');
    await page.fill('[data-test=login] input[name=password]', 'examiner-pw');
    await page.click('[data-test=login] button[type=submit]');
    await page.waitForSelector('[data-test=create]');
    const [pdf] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/handins/answer')),
      (async () => {
        await page.goto(`${t.server.url}/examiner#/sessions/${b.id}`);
        await page.click('#tab-marking');
        await page.locator('[data-test=marking-queue] [data-item$="/answer"]').click();
      })(),
    ]);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect(await page.locator('[data-test=handin-view] iframe.pdf').count()).toBe(1);
    // The Markdown case beside it is rendered, not shown as source.
    await page.keyboard.press('j');
    await expect.poll(() => page.locator('[data-test=document] h1').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-test=document]').textContent()).not.toContain('# ');
    await p.ctx.close();
    expect(problems).toEqual([]);
  }, 60_000);
});
