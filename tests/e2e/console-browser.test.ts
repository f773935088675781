/**
 * The web console in a real browser: playwright-core driving Debian's chromium (/usr/bin/chromium,
 * installed by .ci/run; nothing downloads a browser). A candidate logs in and sees their
 * instructions (Chinese first, English one click away); an examiner exports the score sheet and
 * the CSV parses with one row per candidate; login slips print with a QR code that decodes to the
 * candidate's login link. Fails, never skips, when chromium is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../simulator/logger.js';
import type { RunningServer } from '../../server/serve.js';
import { serve } from '../../server/serve.js';
import { taskFile } from '../../tasks/paths.js';
import Database from 'better-sqlite3';

const CHROMIUM = '/usr/bin/chromium';
const base = 20000 + Math.floor(Math.random() * 5900);
let server: RunningServer;
let browser: Browser;
let sessionId = '';
let password = '';

async function post(path: string, body: unknown, cookie = ''): Promise<Response> {
  return fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  server = await serve({
    dataDir: mkdtempSync(join(tmpdir(), 'iotlab-console-')),
    host: '127.0.0.1',
    port: 0,
    mqttPort: 0,
    portRange: { from: base, to: base + 99 },
    logger: silentLogger,
    adminPassword: 'examiner-pw',
  });
  const login = await post('/api/login', { username: 'admin', password: 'examiner-pw' });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const created = await post(
    '/api/sessions',
    { paper: 'L1-EMB', mode: 'practice', roster: 'id,name\nc001,张三\nc002,李四\n' },
    cookie,
  );
  expect(created.status).toBe(201);
  const s = (await created.json()) as { id: string; candidates: { password: string }[] };
  sessionId = s.id;
  password = s.candidates[0]!.password;
  expect((await post(`/api/sessions/${sessionId}/start`, {}, cookie)).status).toBe(200);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('web console in chromium', () => {
  it('a candidate logs in and sees their instructions, in Chinese then English', async () => {
    const ctx = await browser.newContext({ acceptDownloads: true });
    const page = await ctx.newPage();
    await page.goto(server.url + '/candidate');
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
    await page.goto(server.url + '/examiner');
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
    await page.goto(server.url + '/examiner');
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
    expect(link).toBe(`${server.url}/candidate?session=${sessionId}&candidate=c002`);
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
    const login = await post('/api/login', { username: 'admin', password: 'examiner-pw' });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const created = await post(
      '/api/sessions',
      { paper: 'L1-SYS', mode: 'practice', roster: 'id,name\nc101,王五\n' },
      cookie,
    );
    const s = (await created.json()) as { id: string; candidates: { password: string }[] };
    expect((await post(`/api/sessions/${s.id}/start`, {}, cookie)).status).toBe(200);
    const ctx = await browser.newContext({ acceptDownloads: true });
    const page = await ctx.newPage();
    await page.goto(`${server.url}/candidate?session=${s.id}&candidate=c101`);
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
