/**
 * The whole exam through the web console in Debian's chromium (playwright-core; fails, never
 * skips, when chromium is missing): an examiner creates a session in the browser (a bad roster
 * first, its rows marked), starts it and prints the slips; two candidates on phones follow their
 * slip's QR link, log in, read their instructions and card, connect to their lab with what the
 * card says and hand in (c001's graded run by the task's reference program, given only the card
 * downloaded from the page, scores 100); a trainer may watch the exam's lab but gets no fault buttons; the
 * examiner reads the roster's points and percent, overrides an automatic check in the check
 * dialog (validated, the grader's figure shown, audited; withdrawing a mark withdrawn meanwhile is
 * the server's coded error in Chinese), previews a regrade (an override made against an older
 * grader's figure shown as now disagreeing), filters the audit log and exports CSV and XLSX in
 * Chinese with the override. Screenshots of every page at phone and desktop size go to artifacts/.
 */
import Database from 'better-sqlite3';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import mqtt from 'mqtt';
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
import type { LabCard } from '../../simulator/card.js';
import { getTask, renderTask } from '../../tasks/bank.js';
import { solve as solveAnalog } from '../../tasks/l1-emb-analog/solution.js';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

const base = 20000 + Math.floor(Math.random() * 5900);
const SPEED = 3;
let t: TestServer;
let browser: Browser;
const problems: string[] = [];

beforeAll(async () => {
  // Lab time runs 3× faster: c001's graded run (60 s of lab time) is handed in by its clock.
  t = await startTestServer('console-exam', base, {
    trainerPassword: 'trainer-pw',
    labSpeed: SPEED,
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function staffLogin(page: Page, user: string, password: string) {
  await page.fill('[data-test=login] input[name=username]', user);
  await page.fill('[data-test=login] input[name=password]', password);
  await page.click('[data-test=login] button[type=submit]');
}

async function candidateLogin(page: Page, link: string, password: string) {
  await page.goto(link);
  await page.fill('[data-test=login] input[name=password]', password);
  await page.click('[data-test=login] button[type=submit]');
  await page.waitForSelector('[data-test=main]');
}

describe('an exam through the console', () => {
  it('is created, sat on phones, handed in, scored and exported', async () => {
    // The examiner, at a desktop.
    const ex = await openPage(browser, DESKTOP);
    problems.push(...ex.problems);
    const page = ex.page;
    await page.goto(t.server.url + '/examiner');
    await expect.poll(() => page.locator('h1').textContent()).toBe('考评员');
    await screenshots(page, 'examiner-login');
    // Validated before sending, then the server's coded error in Chinese.
    await page.click('[data-test=login] button[type=submit]');
    await expect
      .poll(() => page.locator('.el-form-item__error').first().textContent())
      .toBe('请输入用户名');
    await staffLogin(page, 'admin', 'wrong');
    await expect
      .poll(() => page.locator('[data-test=error]').getAttribute('data-code'))
      .toBe('API_UNAUTHORIZED');
    expect(await page.locator('[data-test=error]').textContent()).toContain('用户名、密码错误');
    await staffLogin(page, 'admin', 'examiner-pw');
    await page.waitForSelector('[data-test=create]');

    // Create: a roster with bad rows is marked and refused before anything is sent.
    await page.click('[data-test=create]');
    const dialog = page.locator('.el-dialog', { hasText: '新建场次' });
    await dialog.waitFor();
    await pick(page, '[data-test=paper]', 'L1-EMB');
    await dialog
      .locator('textarea[name=roster]')
      .fill('id,name,seat\nc001,张三,A1\nbad id,,A2\nc001,王五,A3\n');
    await dialog.locator('[data-test=preview]').click();
    await expect.poll(() => dialog.locator('.bad-row').count()).toBe(2);
    expect(await dialog.locator('[data-test=roster-verdict]').textContent()).toContain('名单有误');
    expect(await dialog.locator('[data-test=roster-problems]').textContent()).toContain(
      '第 3 行： 缺少姓名',
    );
    await screenshots(page, 'examiner-create-bad-roster');
    await dialog.locator('[data-test=create-submit]').click();
    await expect
      .poll(() => dialog.locator('.el-form-item__error').first().textContent())
      .toContain('名单有误');
    expect((await t.api('GET', '/api/sessions')).json).toEqual([]);
    await dialog
      .locator('textarea[name=roster]')
      .fill('id,name,seat\nc001,张三,A1\nc002,李四,A2\n');
    await dialog.locator('[data-test=preview]').click();
    await expect
      .poll(() => dialog.locator('[data-test=roster-verdict]').textContent())
      .toBe('名单无误，共 2 人');
    // Three graded runs per task, the best counting (the default).
    await dialog.locator('[data-test=graded-runs] input').fill('3');
    await dialog.locator('[data-test=graded-runs]').scrollIntoViewIfNeeded();
    await screenshots(page, 'examiner-create-runs');
    await dialog.locator('[data-test=create-submit]').click();
    await page.waitForSelector('[data-test=session-id]');
    const sessionId = /#\/sessions\/([a-z0-9]+)/.exec(page.url())![1]!;
    await expect
      .poll(() => page.locator('[data-test=state]').getAttribute('data-state'))
      .toBe('created');
    await screenshots(page, 'examiner-session-created');

    // Start, confirmed; the state and buttons follow.
    await page.click('[data-test=start]');
    await confirmBox(page);
    await expect
      .poll(() => page.locator('[data-test=state]').getAttribute('data-state'))
      .toBe('running');
    expect(await page.locator('[data-test=start]').isDisabled()).toBe(true);
    expect(await page.locator('[data-test=stop]').isDisabled()).toBe(false);

    // Slips: one per candidate; the QR code decodes to the login link, which has no password.
    const [slips] = await Promise.all([
      ex.ctx.waitForEvent('page'),
      page.click('[data-test=slips]'),
    ]);
    await slips.waitForSelector('.slip[data-candidate=c002]');
    expect(await slips.locator('.slip').count()).toBe(2);
    await screenshots(slips, 'slips');
    const slip = (c: string) => slips.locator(`.slip[data-candidate=${c}]`);
    const creds = { c001: { link: '', password: '' }, c002: { link: '', password: '' } };
    for (const c of ['c001', 'c002'] as const) {
      creds[c].link = (await slip(c).locator('[data-test=link]').textContent())!.trim();
      creds[c].password = (await slip(c).locator('[data-test=password]').textContent())!.trim();
      expect(creds[c].link).toBe(`${t.server.url}/candidate?session=${sessionId}&candidate=${c}`);
      expect(creds[c].link).not.toContain(creds[c].password);
    }
    const png = join(mkdtempSync(join(tmpdir(), 'iotlab-qr-')), 'qr.png');
    await slip('c002').locator('.qr').screenshot({ path: png });
    const decoded = spawnSync('zbarimg', ['--raw', '-q', png], { encoding: 'utf8' });
    expect(decoded.status, decoded.stderr).toBe(0);
    expect(decoded.stdout.trim()).toBe(creds.c002.link);

    // Two candidates on phones.
    const phones = await Promise.all(['c001', 'c002'].map(() => openPage(browser, PHONE)));
    for (const p of phones) problems.push(...p.problems);
    const [a, b] = phones.map((p) => p.page) as [Page, Page];
    await a.goto(creds.c001.link);
    await screenshots(a, 'candidate-login');
    await candidateLogin(a, creds.c001.link, creds.c001.password);
    await candidateLogin(b, creds.c002.link, creds.c002.password);
    expect(await a.locator('[data-test=who]').textContent()).toBe('c001 张三');
    expect(await b.locator('[data-test=who]').textContent()).toBe('c002 李四');
    // Rendered instructions (Markdown as HTML, not raw text) in Chinese.
    await expect
      .poll(() => a.locator('[data-test=instructions] h2').textContent())
      .toContain('模拟量');
    expect(
      await a.locator('[data-test=instructions] table, [data-test=instructions] ul').count(),
    ).toBeGreaterThan(0);
    expect(await a.locator('[data-test=instructions]').textContent()).not.toContain('## ');
    await screenshots(a, 'candidate-instructions');

    // Develop first: c001 opens the task's workstation (its lab, ungraded) and gets the card.
    await a.locator('[data-task=l1-emb-analog] [data-test=workstation-open]').click();
    await a.waitForSelector('[data-test=workstation]');
    expect(await a.locator('[data-test=workstation]').textContent()).toContain('实验台运行中');
    await a.locator('[data-test=card]').waitFor();
    expect(await a.locator('[data-task=l1-emb-analog]').getAttribute('data-state')).toBe(
      'not-started',
    );
    await screenshots(a, 'candidate-workstation');

    // Start the first task, confirmed; its own countdown runs (c001's workstation gives way).
    for (const p of [a, b]) {
      await p.locator('[data-task=l1-emb-analog] [data-test=start]').click();
      await confirmBox(p);
      await p.waitForSelector('[data-test=task-countdown]');
    }
    expect(await a.locator('[data-test=workstation]').count()).toBe(0);
    expect(await a.locator('[data-test=task-countdown]').textContent()).toMatch(/^\d+:\d\d:\d\d$/);
    expect(await a.locator('[data-test=exam-countdown]').textContent()).toMatch(/^2:[0-5]\d:\d\d$/);

    // The card: a readable table, the password hidden until revealed, values to copy.
    await a.locator('.el-tabs__item', { hasText: '实验卡' }).click();
    const card = a.locator('[data-test=card]');
    await card.waitFor();
    const field = (name: string) => card.locator(`[data-field=${name}] [data-test=value]`).first();
    expect(await field('mqttPassword').textContent()).toBe('••••••••');
    await screenshots(a, 'candidate-card');
    await card.locator('[data-field=mqttPassword] [data-test=reveal]').click();
    const url = (await field('mqttUrl').textContent())!;
    const username = (await field('mqttUsername').textContent())!;
    const password = (await field('mqttPassword').textContent())!;
    const prefix = (await field('topicPrefix').textContent())!;
    expect(password).not.toBe('••••••••');
    await card.locator('[data-field=topicPrefix] [data-test=copy]').click();
    await expect.poll(() => a.locator('.el-message').first().textContent()).toContain('已复制');

    // For the program (docs/card.md): card.json to download, the variables to paste, the
    // password hidden there too until revealed.
    const envBlock = card.locator('[data-test=card-env]');
    expect(await envBlock.textContent()).not.toContain(password);
    await card.locator('[data-test=reveal-env]').click();
    const envLines = (await envBlock.textContent())!;
    for (const line of [
      'export IOTLAB_CARD="$PWD/card.json"',
      `export IOTLAB_MQTT_URL=${url}`,
      `export IOTLAB_TOPIC_PREFIX=${prefix}`,
      `export IOTLAB_MQTT_USERNAME=${username}`,
      'export IOTLAB_MODBUS_PORT=',
    ])
      expect(envLines).toContain(line);
    const work = mkdtempSync(join(tmpdir(), 'iotlab-console-card-'));
    const [cardFile] = await Promise.all([
      a.waitForEvent('download'),
      card.locator('[data-test=download-card]').click(),
    ]);
    expect(cardFile.suggestedFilename()).toBe('card.json');
    await cardFile.saveAs(join(work, 'card.json'));
    const saved = JSON.parse(readFileSync(join(work, 'card.json'), 'utf8')) as LabCard;
    expect(saved.mqtt).toMatchObject({ url, username, password, topicPrefix: prefix });

    // Develop against the lab with what the card says: the candidate's own MQTT login works and
    // their prefix is theirs.
    const client = await mqtt.connectAsync(url, { username, password, reconnectPeriod: 0 });
    const got = new Promise<string>((resolve) => client.on('message', (topic) => resolve(topic)));
    // (This task's sensor is on Modbus; the candidate's program reports over MQTT, as here.)
    expect(await client.subscribeAsync(`${prefix}/#`)).toEqual([{ topic: `${prefix}/#`, qos: 0 }]);
    await client.publishAsync(`${prefix}/probe`, '{"hello":1}');
    expect(await got).toBe(`${prefix}/probe`);
    // docs/card.md's Node example, unchanged, with only the pasted lines and the downloaded card:
    // it logs in as the candidate and publishes under their prefix.
    const answered = new Promise<string>((resolve) =>
      client.on('message', (topic, payload) => {
        if (topic === `${prefix}/answers/card_example`) resolve(payload.toString());
      }),
    );
    const docs = readFileSync(resolve(import.meta.dirname, '../../docs/card.md'), 'utf8');
    const example = /<!-- example: card_example\.mjs -->\s*```\w*\n([\s\S]*?)```/.exec(docs)![1]!;
    writeFileSync(join(work, 'card_example.mjs'), example);
    symlinkSync(resolve(import.meta.dirname, '../../node_modules'), join(work, 'node_modules'));
    await promisify(execFile)('/bin/sh', ['-c', `${envLines}\nexec node card_example.mjs`], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      timeout: 10_000,
    });
    expect(await answered).toBe(saved.devices[0]!.id);
    await client.endAsync();

    // c001's program for the graded run: the task's reference solution, given only the card they
    // downloaded from the page and the values of the instructions they were shown.
    const ids = new Database(join(t.dataDir, 'iotlab.db'), { readonly: true });
    const row = ids
      .prepare(
        'SELECT seed, topic_prefix AS prefix FROM candidates WHERE session_id = ? AND id = ?',
      )
      .get(sessionId, 'c001') as { seed: number; prefix: string };
    ids.close();
    const analog = getTask('l1-emb-analog');
    const shown = renderTask(analog, row.seed, 'zh', row.prefix);
    expect(await a.locator('[data-test=instructions]').textContent()).toContain(
      String(shown.vars.topic),
    );
    const stop = new AbortController();
    const program = solveAnalog({
      card: saved,
      vars: shown.vars,
      signal: stop.signal,
      speed: SPEED,
    });

    // A trainer may watch an exam's lab, but its fault buttons are the examiners'.
    const tr = await openPage(browser, DESKTOP);
    problems.push(...tr.problems);
    await tr.page.goto(`${t.server.url}/trainer#/labs/${sessionId}/c002`);
    await staffLogin(tr.page, 'trainer', 'trainer-pw');
    await tr.page.waitForSelector('[data-test=read-only]');
    await tr.page.waitForSelector('[data-device]');
    expect(await tr.page.locator('[data-fault]').count()).toBe(0);
    expect(await tr.page.locator('[data-test=reset]').count()).toBe(0);
    await screenshots(tr.page, 'trainer-exam-read-only');
    await tr.ctx.close();

    // c001's run ends when its time is up; c002 hands in early, confirmed.
    await b.click('[data-test=finish]');
    await confirmBox(b);
    for (const p of [a, b])
      await expect
        .poll(() => p.locator('[data-task=l1-emb-analog]').getAttribute('data-state'), {
          timeout: 40_000,
        })
        .toBe('done');
    stop.abort();
    await program;
    // The reference program, run from the card the page showed, scores 100 through the session.
    // A run is "done" a moment before its report is stored: wait for both reports.
    type Graded = {
      candidate: string;
      report: {
        score: number;
        tests: { id: string; score: number; max_score: number; output: string }[];
      };
    };
    const reports = async () =>
      (await t.api('GET', `/api/sessions/${sessionId}/reports`)).json as Graded[];
    await expect.poll(async () => (await reports()).length, { timeout: 30_000 }).toBe(2);
    const graded = await reports();
    const c001 = graded.find((g) => g.candidate === 'c001')!.report;
    expect(
      c001.tests.filter((x) => x.score < x.max_score).map((x) => `${x.id}: ${x.output}`),
    ).toEqual([]);
    expect(c001.score).toBe(100);
    // Two of the three graded runs are left, offered as such.
    expect(await a.locator('[data-task=l1-emb-analog] [data-test=start]').textContent()).toContain(
      '再次计分运行（剩 2 次）',
    );
    await screenshots(a, 'candidate-handed-in');
    for (const p of phones) await p.ctx.close();

    // The live roster: points per task and in total, and the percent, each labelled.
    await page.bringToFront();
    await expect
      .poll(
        () => page.locator('[data-test=roster] [data-task=l1-emb-analog]').first().textContent(),
        {
          timeout: 10_000,
        },
      )
      .toMatch(/^\d+(\.\d)?$/);
    expect(await page.locator('[data-test=roster] thead').textContent()).toContain('总分（分）');
    expect(await page.locator('[data-test=roster] thead').textContent()).toContain('百分比（%）');
    await screenshots(page, 'examiner-roster');

    // The check dialog on an automatic check: the grader's figure, validated first (a reason is
    // needed), then the override saved; the queue shows the override beside the grader's figure.
    await page.locator('.el-tabs__item', { hasText: '评分' }).first().click();
    await page.locator('[data-test=queue-filter] label', { hasText: '全部检查项' }).click();
    const checkCell = page.locator('[data-check=modbus-read]').first();
    await checkCell.waitFor();
    const graderText = (await checkCell.textContent())!.trim();
    expect(graderText).toMatch(/^\d+(\.\d)? \/ 15$/);
    expect(await checkCell.getAttribute('data-marked')).toBe('no');
    const override = page.locator('[data-override="c001/l1-emb-analog/modbus-read"]');
    await override.click();
    const od = page.locator('.el-dialog', { hasText: '检查项评分' });
    await od.waitFor();
    expect(await od.locator('[data-test=grader-points]').textContent()).toBe(graderText);
    expect(await od.locator('[data-test=override-note]').textContent()).toContain(
      '自动评分的检查项',
    );
    await od.locator('[data-test=points] input').fill('12');
    await od.locator('[data-test=points] input').press('Tab');
    await od.locator('[data-test=override-save]').click();
    await expect
      .poll(() => od.locator('.el-form-item__error').textContent())
      .toBe('请填写理由（至少 3 个字）');
    await od.locator('textarea[name=reason]').fill('现场核实：程序逻辑正确');
    await screenshots(page, 'examiner-override');
    await od.locator('[data-test=override-save]').click();
    await od.waitFor({ state: 'hidden' });
    await expect.poll(() => checkCell.textContent()).toBe('12 / 15');
    expect(await checkCell.getAttribute('data-marked')).toBe('yes');
    expect(await page.locator('.mark-note').first().textContent()).toContain('admin');
    const audited = (await t.api('GET', `/api/sessions/${sessionId}/audit`)).json as {
      action: string;
      detail: { check?: string; points?: number; reason?: string };
    }[];
    expect(audited.filter((x) => x.action === 'score.override').map((x) => x.detail)).toEqual([
      expect.objectContaining({
        check: 'modbus-read',
        points: 12,
        reason: '现场核实：程序逻辑正确',
      }),
    ]);
    // Opened again, it shows the mark in force; another examiner withdraws it meanwhile, so
    // withdrawing here gets the server's coded error in Chinese.
    await override.click();
    await od.waitFor();
    expect(await od.locator('[data-test=current-mark]').textContent()).toContain('12 / 15');
    const gone = await t.api('DELETE', `/api/sessions/${sessionId}/candidates/c001/overrides`, {
      task: 'l1-emb-analog',
      check: 'modbus-read',
      reason: '录入错误，撤销',
    });
    expect(gone.status).toBe(200);
    await od.locator('textarea[name=reason]').fill('撤销改分');
    await od.locator('[data-test=override-withdraw]').click();
    await expect
      .poll(() => od.locator('[data-test=error]').getAttribute('data-code'))
      .toBe('MARK_NOT_FOUND');
    expect(await od.locator('[data-test=error]').textContent()).toContain('没有可撤销的考评员评分');
    await od.locator('.el-dialog__footer button', { hasText: '取消' }).click();
    // Scored again for the exports below.
    await override.click();
    await od.waitFor();
    await od.locator('[data-test=points] input').fill('12');
    await od.locator('[data-test=points] input').press('Tab');
    await od.locator('textarea[name=reason]').fill('现场核实：程序逻辑正确');
    await od.locator('[data-test=override-save]').click();
    await od.waitFor({ state: 'hidden' });
    await expect.poll(() => checkCell.getAttribute('data-marked')).toBe('yes');
    await screenshots(page, 'examiner-scoring');

    // Regrade preview: the diff, no score changed; an override of c002's `qos` made against the
    // 10 points an older grader stored (simulated in the stored report) now disagrees with the
    // regrade's figure, and the preview says so.
    const db = new Database(join(t.dataDir, 'iotlab.db'));
    try {
      db.pragma('busy_timeout = 5000');
      const where = 'WHERE session_id = ? AND candidate_id = ? AND task_id = ?';
      const key = [sessionId, 'c002', 'l1-emb-analog'];
      const stored = db.prepare(`SELECT report_json FROM scores ${where}`).get(...key) as {
        report_json: string;
      };
      const old = JSON.parse(stored.report_json) as { tests: { id: string; score: number }[] };
      old.tests.find((x) => x.id === 'qos')!.score = 10;
      db.prepare(`UPDATE scores SET report_json = ? ${where}`).run(JSON.stringify(old), ...key);
    } finally {
      db.close();
    }
    const qos = await t.api('POST', `/api/sessions/${sessionId}/candidates/c002/overrides`, {
      task: 'l1-emb-analog',
      check: 'qos',
      points: 5,
      reason: '仅部分主题使用 QoS 1',
    });
    expect(qos.status, qos.text).toBe(200);
    await page.locator('.el-tabs__item', { hasText: '重新评分' }).click();
    await page.click('[data-test=regrade-preview]');
    await expect
      .poll(() => page.locator('[data-test=regrade-summary]').textContent())
      .toBe('共 2 项，0 项有变化');
    expect(await page.locator('[data-test=regrade-disagreeing]').textContent()).toBe(
      '1 项的改分与新自动得分不一致',
    );
    expect(await page.locator('[data-disagrees="c002/l1-emb-analog/qos"]').textContent()).toMatch(
      /^\s*qos：自动 10 → 0，改分 5（admin）\s*$/,
    );
    expect(await page.locator('[data-disagrees^="c001/"]').count()).toBe(0);
    await screenshots(page, 'examiner-regrade');

    // The audit log, filtered by action, in local time.
    await page.locator('.el-tabs__item', { hasText: '审计日志' }).click();
    await page.waitForSelector('[data-test=audit] tbody tr');
    await pick(page, '[data-test=audit-action]', /^session\.start$/);
    await expect.poll(() => page.locator('[data-test=audit] tbody tr').count()).toBe(1);
    await screenshots(page, 'examiner-audit');

    // Exports in Chinese: the wide CSV and the workbook.
    await page.locator('.el-tabs__item', { hasText: '导出' }).click();
    await screenshots(page, 'examiner-export');
    const download = async (format: string) => {
      const [d] = await Promise.all([
        page.waitForEvent('download'),
        page.click(`[data-export=${format}]`),
      ]);
      return readFileSync(await d.path());
    };
    const rows = parse<Record<string, string>>(
      (await download('csv')).toString('utf8').replace(/^\uFEFF/, ''),
      { columns: true },
    );
    expect(rows.map((r) => [r['考生编号'], r['姓名'], r['座位']])).toEqual([
      ['c001', '张三', 'A1'],
      ['c002', '李四', 'A2'],
    ]);
    expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(['总分', '结果']));
    const wb = new ExcelJS.Workbook();
    const xlsx = await download('xlsx');
    await wb.xlsx.load(xlsx.buffer.slice(xlsx.byteOffset, xlsx.byteOffset + xlsx.byteLength));
    const header = (wb.worksheets[0]!.getRow(1).values as unknown[]).map(String);
    expect(header).toEqual(expect.arrayContaining(['考生编号', '姓名', '总分', '结果']));
    const checksHeader = (wb.worksheets[1]!.getRow(1).values as unknown[]).map(String);
    expect(checksHeader).toEqual(
      expect.arrayContaining(['考生编号', '检查项', '最终得分', '状态']),
    );
    const long = parse<Record<string, string>>(
      (await download('csv-long')).toString('utf8').replace(/^\uFEFF/, ''),
      { columns: true },
    );
    expect(long.map((r) => r['考生编号'])).toContain('c002');
    expect(new Set(long.map((r) => r['评分方式']))).toEqual(new Set(['自动']));
    const overridden = long.find((r) => r['考生编号'] === 'c001' && r['检查项'] === 'modbus-read')!;
    expect([overridden['考评员得分'], overridden['最终得分'], overridden['改分人']]).toEqual([
      '12',
      '12',
      'admin',
    ]);
    expect(overridden['改分理由']).toBe('现场核实：程序逻辑正确');

    // Stop, confirmed.
    await page.locator('.el-tabs__item', { hasText: '考生名单' }).click();
    await page.click('[data-test=stop]');
    await confirmBox(page);
    await expect
      .poll(() => page.locator('[data-test=state]').getAttribute('data-state'))
      .toBe('stopped');
    await page.goto(t.server.url + '/examiner#/');
    await page.waitForSelector('[data-test=sessions] tbody tr');
    await screenshots(page, 'examiner-sessions');
    await ex.ctx.close();
    expect(problems).toEqual([]);
  }, 180_000);
});
