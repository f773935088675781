/**
 * The trainer page in a real browser (playwright-core driving Debian's chromium, as in
 * console-browser.test.ts; fails, never skips, when chromium is missing): a trainer logs in,
 * opens a candidate's running lab, sees the sensor charted, injects "device offline" on it and
 * sees the device go offline on the page, then clears the fault and sees it back online.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

const base = 20000 + Math.floor(Math.random() * 5900);
let t: TestServer;
let browser: Browser;
let sessionId = '';

beforeAll(async () => {
  t = await startTestServer('trainer-page', base, { trainerPassword: 'trainer-pw' });
  const created = await t.api('POST', '/api/sessions', {
    paper: 'L1-EMB',
    mode: 'lab',
    roster: 'id,name\nc001,张三\n',
  });
  expect(created.status).toBe(201);
  const s = created.json as { id: string; candidates: { password: string }[] };
  sessionId = s.id;
  expect((await t.api('POST', `/api/sessions/${sessionId}/start`, {})).status).toBe(200);
  const me = await t.candidate(sessionId, 'c001', s.candidates[0]!.password);
  expect((await t.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, me)).status).toBe(200);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
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
    await page.goto(t.server.url + '/trainer');
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
