/**
 * The trainer page in a real browser (playwright-core driving Debian's chromium, as in
 * console-browser.test.ts; fails, never skips, when chromium is missing): a trainer logs in,
 * opens a candidate's running lab, sees the sensor charted, injects "device offline" on it and
 * sees the device go offline on the page, then clears the fault and sees it back online.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../simulator/logger.js';
import type { RunningServer } from '../../server/serve.js';
import { serve } from '../../server/serve.js';

const CHROMIUM = '/usr/bin/chromium';
const base = 20000 + Math.floor(Math.random() * 5900);
let server: RunningServer;
let browser: Browser;
let sessionId = '';

async function post(path: string, body: unknown, cookie = ''): Promise<Response> {
  return fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify(body),
  });
}
const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0]!;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  server = await serve({
    dataDir: mkdtempSync(join(tmpdir(), 'iotlab-trainer-page-')),
    host: '127.0.0.1',
    port: 0,
    mqttPort: 0,
    portRange: { from: base, to: base + 99 },
    logger: silentLogger,
    adminPassword: 'examiner-pw',
    trainerPassword: 'trainer-pw',
  });
  const examiner = cookieOf(
    await post('/api/login', { username: 'admin', password: 'examiner-pw' }),
  );
  const created = await post(
    '/api/sessions',
    { paper: 'L1-EMB', mode: 'lab', roster: 'id,name\nc001,张三\n' },
    examiner,
  );
  expect(created.status).toBe(201);
  const s = (await created.json()) as { id: string; candidates: { password: string }[] };
  sessionId = s.id;
  expect((await post(`/api/sessions/${sessionId}/start`, {}, examiner)).status).toBe(200);
  const me = cookieOf(
    await post('/api/candidate/login', {
      session: sessionId,
      candidate: 'c001',
      password: s.candidates[0]!.password,
    }),
  );
  expect((await post('/api/me/tasks/l1-emb-analog/start', {}, me)).status).toBe(200);
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

describe('trainer page in chromium', () => {
  it('a trainer injects "device offline" on a sensor, sees it on the page, then clears it', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    // Script errors and CSP refusals; not the 401 of the page's check for a login, nor favicon.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
        problems.push(m.text());
    });
    await page.goto(server.url + '/trainer');
    await expect.poll(() => page.locator('h1').textContent()).toBe('培训师');
    await page.fill('input[name=username]', 'trainer');
    await page.fill('input[name=password]', 'trainer-pw');
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#main:not(.hidden)');
    await page.selectOption('#lab', `${sessionId}/c001`);

    const card = page
      .locator('section.device')
      .filter({ has: page.locator('.chart') })
      .first();
    await card.waitFor();
    await expect.poll(() => card.locator('.status').textContent()).toBe('在线');
    await expect.poll(() => card.locator('.values').textContent()).toMatch(/= -?\d/);
    // uPlot drew the chart: its canvas is in the card.
    expect(await card.locator('.uplot canvas').count()).toBeGreaterThan(0);

    await card.locator('button[data-fault=offline]').click();
    await expect.poll(() => card.locator('.status').textContent()).toBe('离线');
    await expect.poll(() => card.locator('.faults').textContent()).toBe('设备离线');
    await expect.poll(() => page.locator('#faults tr[data-fault]').count()).toBe(1);

    await page.click('#lang');
    await expect.poll(() => card.locator('.status').textContent()).toBe('offline');
    await expect.poll(() => card.locator('.faults').textContent()).toBe('Device offline');

    await page.locator('#faults tr[data-fault] button.clear').click();
    await expect.poll(() => card.locator('.status').textContent()).toBe('online');
    await expect.poll(() => card.locator('.faults').textContent()).toBe('');
    await expect.poll(() => page.locator('#faults tr[data-fault]').count()).toBe(0);
    expect(await page.locator('#error').textContent()).toBe('');
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
