/**
 * The web console in a real browser: playwright-core driving Debian's chromium (/usr/bin/chromium,
 * installed by .ci/run; nothing downloads a browser). A candidate logs in and sees their
 * instructions (Chinese first, English one click away); an examiner exports the score sheet and
 * the CSV parses with one row per candidate; login slips print with a QR code that decodes to the
 * candidate's login link. Fails, never skips, when chromium is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskFile } from '../../tasks/paths.js';
import Database from 'better-sqlite3';
import { launchChromium } from '../support/browser.js';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

const base = 20000 + Math.floor(Math.random() * 5900);
let t: TestServer;
let browser: Browser;
let sessionId = '';
let password = '';

/** Creates and starts a session of `paper`; returns its id and the candidates' passwords. */
async function startSession(paper: string, roster: string) {
  const created = await t.api('POST', '/api/sessions', { paper, mode: 'practice', roster });
  expect(created.status).toBe(201);
  const s = created.json as { id: string; candidates: { password: string }[] };
  expect((await t.api('POST', `/api/sessions/${s.id}/start`, {})).status).toBe(200);
  return s;
}

beforeAll(async () => {
  t = await startTestServer('console', base);
  const s = await startSession('L1-EMB', 'id,name\nc001,张三\nc002,李四\n');
  sessionId = s.id;
  password = s.candidates[0]!.password;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('web console in chromium', () => {
  it('a candidate logs in and sees their instructions, in Chinese then English', async () => {
    const ctx = await browser.newContext({ acceptDownloads: true });
    const page = await ctx.newPage();
    await page.goto(t.server.url + '/candidate');
    await expect.poll(() => page.locator('h1').textContent()).toBe('考生');
    await page.fill('input[name=session]', sessionId);
    await page.fill('input[name=candidate]', 'c001');
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('#login button[type=submit]');
    await expect.poll(() => page.locator('#login-error').textContent()).toContain('登录失败');
    await page.fill('input[name=password]', password);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#main:not(.hidden)');
    expect(await page.locator('#who').textContent()).toBe('c001 张三');
    await expect
      .poll(() => page.locator('#instructions').textContent())
      .toContain('模拟量传感器数据采集与上报');
    await page.click('#lang');
    await expect
      .poll(() => page.locator('#instructions').textContent())
      .toContain('Analog sensor acquisition and reporting');
    await ctx.close();
  });

  it('an examiner exports the score sheet; the CSV parses with one row per candidate', async () => {
    const ctx = await browser.newContext({ acceptDownloads: true });
    const page = await ctx.newPage();
    await page.goto(t.server.url + '/examiner');
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'examiner-pw');
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#roster tr[data-candidate=c002]');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#export-csv'),
    ]);
    const path = await download.path();
    const rows = parse<Record<string, string>>(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''), {
      columns: true,
    });
    expect(rows.map((r) => [r['考生编号'], r['姓名'], r['结果']])).toEqual([
      ['c001', '张三', '待评分'],
      ['c002', '李四', '待评分'],
    ]);
    expect(Object.keys(rows[0]!)).toEqual([
      '考生编号',
      '姓名',
      '座位',
      'l1-emb-analog',
      'l1-emb-m2m',
      'l1-emb-coap',
      'l1-emb-rtu',
      '总分',
      '结果',
    ]);
    await ctx.close();
  });
  it("an examiner prints login slips; a slip's QR link and password log its candidate in", async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(t.server.url + '/examiner');
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'examiner-pw');
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#slips-link');
    const [slipsPage] = await Promise.all([ctx.waitForEvent('page'), page.click('#slips-link')]);
    await slipsPage.waitForSelector('.slip[data-candidate=c002]');
    expect(await slipsPage.locator('.slip').count()).toBe(2);
    const slip = slipsPage.locator('.slip[data-candidate=c002]');
    expect(await slip.textContent()).toContain('李四');
    expect(await slip.locator('.qr svg').count()).toBe(1);
    const slipPassword = (await slip.locator('td.password').textContent())!.trim();
    const link = (await slip.locator('tr:first-child td').textContent())!.trim();
    expect(link).toBe(`${t.server.url}/candidate?session=${sessionId}&candidate=c002`);
    expect(link).not.toContain(slipPassword);
    // The QR code, as the browser draws it, decodes (zbarimg, Debian's zbar-tools) to that link.
    const png = join(mkdtempSync(join(tmpdir(), 'iotlab-qr-')), 'qr.png');
    await slip.locator('.qr').screenshot({ path: png });
    const decoded = spawnSync('zbarimg', ['--raw', '-q', png], { encoding: 'utf8' });
    expect(decoded.status, decoded.stderr).toBe(0);
    expect(decoded.stdout.trim()).toBe(link);
    // The candidate follows the link: session and id are filled in, the password is theirs.
    const other = await browser.newContext();
    const cand = await other.newPage();
    await cand.goto(link);
    expect(await cand.inputValue('input[name=candidate]')).toBe('c002');
    await cand.fill('input[name=password]', slipPassword);
    await cand.click('#login button[type=submit]');
    await cand.waitForSelector('#main:not(.hidden)');
    expect(await cand.locator('#who').textContent()).toBe('c002 李四');
    await other.close();
    await ctx.close();
  });
  it('a candidate downloads a task file, works on it and hands it in from the page', async () => {
    const s = await startSession('L1-SYS', 'id,name\nc101,王五\n');
    const ctx = await browser.newContext({ acceptDownloads: true });
    const page = await ctx.newPage();
    await page.goto(`${t.server.url}/candidate?session=${s.id}&candidate=c101`);
    await page.fill('input[name=password]', s.candidates[0]!.password);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#main:not(.hidden)');
    await page.click('button[data-task=l1-sys-sql]');
    await page.waitForSelector('#files-box:not(.hidden) a[download="iot.db"]');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('a[download="iot.db"]'),
    ]);
    const local = join(mkdtempSync(join(tmpdir(), 'iotlab-dl-')), 'iot.db');
    await download.saveAs(local);
    const db = new Database(local, { fileMustExist: true });
    db.exec(readFileSync(taskFile('l1-sys-sql', 'solution.sql'), 'utf8'));
    db.close();
    await page.setInputFiles('#upload input[type=file]', local);
    await page.click('#upload button[type=submit]');
    await expect.poll(() => page.locator('#upload-status').textContent()).toMatch(/^已上传 \d+ B$/);
    await page.click('#finish');
    await expect
      .poll(() => page.locator('tr[data-task=l1-sys-sql] td:nth-child(4)').textContent(), {
        timeout: 10_000,
      })
      .toBe('100');
    await ctx.close();
  });
});
