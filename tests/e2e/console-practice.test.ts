/**
 * Practice and the class lab through the web console in Debian's chromium: a candidate on a phone
 * practises with the live checklist and its hints, in Chinese and then English; a trainer (phone
 * and desktop) watches the lab's charts and actuator timeline, injects "device offline" and
 * clears it, then a TLS fault on one lab's own TLS port (felt by a real TLS client), and edits
 * a lab's access policy; a candidate downloads a task's file, works on it, hands it in from the page and sees
 * the score. Screenshots at both sizes go to artifacts/screenshots/.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskFile } from '../../tasks/paths.js';
import { launchChromium } from '../support/browser.js';
import { DESKTOP, PHONE, confirmBox, openPage, screenshots } from '../support/console-page.js';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

const base = 20000 + Math.floor(Math.random() * 5900);
let t: TestServer;
let browser: Browser;
const problems: string[] = [];

/** Creates and starts a session of `paper`; returns its id and the candidates' passwords. */
async function startSession(paper: string, mode: string, roster: string) {
  const created = await t.api('POST', '/api/sessions', { paper, mode, roster });
  expect(created.status).toBe(201);
  const s = created.json as { id: string; candidates: { password: string }[] };
  expect((await t.api('POST', `/api/sessions/${s.id}/start`, {})).status).toBe(200);
  return s;
}

async function candidatePage(session: string, id: string, password: string): Promise<Page> {
  const { page, problems: p } = await openPage(browser, PHONE);
  problems.push(...p);
  await page.goto(`${t.server.url}/candidate?session=${session}&candidate=${id}`);
  await page.fill('[data-test=login] input[name=password]', password);
  await page.click('[data-test=login] button[type=submit]');
  await page.waitForSelector('[data-test=main]');
  return page;
}

async function startTask(page: Page, task: string) {
  await page.locator(`[data-task=${task}] [data-test=start]`).click();
  await confirmBox(page);
  await page.waitForSelector('[data-test=task-countdown]');
}

beforeAll(async () => {
  t = await startTestServer('console-practice', base, {
    trainerPassword: 'trainer-pw',
    mqttsPort: 0,
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('practice and class labs through the console', () => {
  it('a candidate practises with the live checklist and hints, in Chinese then English', async () => {
    const s = await startSession('L1-EMB', 'practice', 'id,name\nc001,张三\n');
    const { page, problems: p } = await openPage(browser, PHONE);
    problems.push(...p);
    await page.goto(`${t.server.url}/candidate?session=${s.id}&candidate=c001`);
    await page.fill('[data-test=login] input[name=password]', 'wrong-password');
    await page.click('[data-test=login] button[type=submit]');
    await expect
      .poll(() => page.locator('[data-test=error]').getAttribute('data-code'))
      .toBe('API_UNAUTHORIZED');
    expect(await page.locator('[data-test=error]').textContent()).toContain(
      '未登录或用户名、密码错误',
    );
    await screenshots(page, 'candidate-login-error');
    await page.fill('[data-test=login] input[name=password]', s.candidates[0]!.password);
    await page.click('[data-test=login] button[type=submit]');
    await page.waitForSelector('[data-test=main]');
    await startTask(page, 'l1-emb-analog');
    await page.locator('.el-tabs__item', { hasText: '实时检查清单' }).click();
    await page.waitForSelector('[data-test=checklist] [data-check]', { timeout: 15_000 });
    expect(
      await page.locator('[data-test=checklist] [data-status=failed]').count(),
    ).toBeGreaterThan(0);
    expect(await page.locator('[data-test=checklist] [data-test=hint]').count()).toBeGreaterThan(0);
    await screenshots(page, 'candidate-checklist');

    await page.click('[data-test=lang]');
    await expect
      .poll(() => page.locator('.el-tabs__item.is-active').textContent())
      .toBe('Live checklist');
    await expect
      .poll(() => page.locator('[data-test=checklist]').textContent())
      .toContain('failed');
    await page.locator('.el-tabs__item', { hasText: 'Instructions' }).click();
    await expect
      .poll(() => page.locator('[data-test=instructions] h1').textContent())
      .toContain('Analog sensor acquisition and reporting');
    await screenshots(page, 'candidate-instructions-en');
    // Practice shows the score once handed in.
    await page.click('[data-test=finish]');
    await confirmBox(page);
    await expect
      .poll(() => page.locator('[data-task=l1-emb-analog] [data-test=score]').textContent(), {
        timeout: 15_000,
      })
      .toMatch(/Score:\s*\d/);
    await page.context().close();
  }, 90_000);

  it('a trainer watches a class lab live, injects "device offline" and clears it', async () => {
    const s = await startSession('L1-EMB', 'lab', 'id,name\nc010,赵六\nc011,钱七\n');
    const c1 = await t.candidate(s.id, 'c010', s.candidates[0]!.password);
    const c2 = await t.candidate(s.id, 'c011', s.candidates[1]!.password);
    expect((await t.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, c1)).status).toBe(200);
    expect((await t.api('POST', '/api/me/tasks/l1-emb-m2m/start', {}, c2)).status).toBe(200);

    for (const [size, opts] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const) {
      const { ctx, page, problems: p } = await openPage(browser, opts);
      problems.push(...p);
      await page.goto(t.server.url + '/trainer');
      await expect.poll(() => page.locator('h1').textContent()).toBe('培训师');
      await page.fill('[data-test=login] input[name=username]', 'trainer');
      await page.fill('[data-test=login] input[name=password]', 'trainer-pw');
      await page.click('[data-test=login] button[type=submit]');
      await page.waitForSelector(`[data-lab="${s.id}/c010"]`);
      if (size === 'desktop') await screenshots(page, 'trainer-labs');
      await page.click(`[data-lab="${s.id}/c010"]`);

      // One chart per quantity, its unit on the axis; the sensor's live value.
      const chart = page.locator('.chart[data-quantity]').first();
      await chart.waitFor();
      expect(await chart.getAttribute('data-unit')).toMatch(/\S/);
      expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
      const device = page
        .locator('[data-device]')
        .filter({ has: page.locator('[data-fault]') })
        .first();
      await expect.poll(() => device.locator('[data-test=status]').textContent()).toBe('在线');
      await expect.poll(() => device.locator('[data-test=values]').textContent()).toMatch(/= -?\d/);

      await device.locator('button[data-fault=offline]').click();
      await expect.poll(() => device.locator('[data-test=status]').textContent()).toBe('离线');
      await expect
        .poll(() => device.locator('[data-test=device-faults]').textContent())
        .toBe('设备离线');
      await expect.poll(() => page.locator('[data-test=faults] [data-fault]').count()).toBe(1);
      if (size === 'desktop') await screenshots(page, 'trainer-lab-fault');

      await page.click('[data-test=lang]');
      await expect.poll(() => device.locator('[data-test=status]').textContent()).toBe('offline');
      await page.locator('[data-test=faults] [data-test=clear]').click();
      await expect.poll(() => device.locator('[data-test=status]').textContent()).toBe('online');
      await expect.poll(() => page.locator('[data-test=faults]').count()).toBe(0);
      await page.click('[data-test=lang]');

      // The other lab has actuators: their states as a timeline; reset is confirmed.
      await page.goto(`${t.server.url}/trainer#/labs/${s.id}/c011`);
      await page.waitForSelector('[data-test=timeline] canvas');
      await page.click('[data-test=reset]');
      await confirmBox(page);
      await page.waitForTimeout(1500);
      if (size === 'desktop') await screenshots(page, 'trainer-lab-actuators');
      expect(await page.locator('[data-test=error]').count()).toBe(0);
      await ctx.close();
    }
    const audit = (await t.api('GET', `/api/sessions/${s.id}/audit`)).json as { action: string }[];
    expect(audit.filter((a) => a.action.startsWith('trainer.')).map((a) => a.action)).toEqual([
      'trainer.fault.inject',
      'trainer.fault.clear',
      'trainer.lab.reset',
      'trainer.fault.inject',
      'trainer.fault.clear',
      'trainer.lab.reset',
    ]);
  }, 120_000);

  it("a trainer reads a lab's access policy and changes it in a form, on a phone and a desktop", async () => {
    const s = await startSession('L1-EMB', 'lab', 'id,name\nc020,孙八\n');
    const c = await t.candidate(s.id, 'c020', s.candidates[0]!.password);
    const started = await t.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, c);
    expect(started.status).toBe(200);
    const prefix = (started.json as { card: { mqtt: { topicPrefix: string } } }).card.mqtt
      .topicPrefix;
    const acl = async () =>
      (await t.api('GET', `/api/trainer/labs/${s.id}/c020/acl`)).json as {
        version: number;
        policy: { default: string; rules: { clientId?: string; topic: string; action: string }[] };
      };
    const before = await acl();

    for (const [size, opts] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const) {
      const { ctx, page, problems: p } = await openPage(browser, opts);
      problems.push(...p);
      await page.goto(t.server.url + '/trainer');
      await page.fill('[data-test=login] input[name=username]', 'trainer');
      await page.fill('[data-test=login] input[name=password]', 'trainer-pw');
      await page.click('[data-test=login] button[type=submit]');
      await page.waitForSelector(`[data-lab="${s.id}/c020"]`);
      await page.click(`[data-lab="${s.id}/c020"]`);
      const panel = page.locator('[data-test=access]');
      await panel.waitFor();
      const rules = (await acl()).policy.rules.length;
      await expect.poll(() => panel.locator('[data-test=acl-rule]').count()).toBe(rules);
      await panel.locator('[data-test=acl-edit]').click();
      if (size === 'phone') {
        // A new rule in the form: deny an intruder's publishes under the lab's prefix.
        await panel.locator('[data-test=acl-add]').click();
        const row = panel.locator('[data-test=acl-rule-edit]').last();
        await row.locator('input[data-field=clientId]').fill('intruder');
        await row.locator('input[data-field=topic]').fill(`${prefix}/#`);
      } else {
        // A rule that is not a topic filter is refused, in words; then the rule is taken out.
        const row = panel.locator('[data-test=acl-rule-edit]').last();
        await row.locator('input[data-field=topic]').fill('a/#/b');
        await panel.locator('[data-test=acl-save]').click();
        await expect
          .poll(() => panel.locator('[data-test=error]').textContent())
          .toContain('访问控制策略无效');
        await screenshots(page, 'trainer-acl-refused');
        await row.locator('[data-test=acl-remove]').click();
      }
      if (size === 'phone') await screenshots(page, 'trainer-acl-form');
      await panel.locator('[data-test=acl-save]').click();
      await expect.poll(() => panel.locator('[data-test=acl-edit]').count()).toBe(1);
      const now = await acl();
      if (size === 'phone') {
        expect(now.policy.rules.at(-1)).toMatchObject({
          clientId: 'intruder',
          topic: `${prefix}/#`,
          action: 'all',
          permission: 'deny',
        });
        await expect
          .poll(() => panel.locator('[data-test=acl-rule]').last().textContent())
          .toContain('客户端标识 intruder');
      } else {
        expect(now.policy.rules).toEqual(before.policy.rules);
        await page.click('[data-test=lang]');
        await expect
          .poll(() => panel.locator('[data-test=acl-version]').textContent())
          .toContain(`version ${now.version}`);
        await page.click('[data-test=lang]');
      }
      if (size === 'desktop') await screenshots(page, 'trainer-acl');
      expect(await page.locator('[data-test=error]').count()).toBe(0);
      await ctx.close();
    }
    const audit = (await t.api('GET', `/api/sessions/${s.id}/audit`)).json as { action: string }[];
    expect(audit.filter((a) => a.action === 'trainer.acl.change')).toHaveLength(2);
  }, 120_000);

  it("a trainer injects a TLS fault on one candidate's lab and clears it, on a phone and a desktop", async () => {
    const s = await startSession('L1-EMB', 'lab', 'id,name\nc030,周九\n');
    const c = await t.candidate(s.id, 'c030', s.candidates[0]!.password);
    const started = await t.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, c);
    expect(started.status).toBe(200);
    const port = Number(
      new URL((started.json as { card: { mqtt: { tlsUrl: string } } }).card.mqtt.tlsUrl).port,
    );
    const ca = (await t.api('GET', '/api/me/ca.pem', undefined, c)).text;
    /** What a client verifying the downloaded CA gets from the card's TLS port. */
    const verify = () =>
      new Promise<string>((resolve) => {
        const sock = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca });
        sock.once('secureConnect', () => (sock.destroy(), resolve('ok')));
        sock.once('error', (err: Error & { code?: string }) => resolve(err.code ?? err.message));
      });
    expect(await verify()).toBe('ok');

    for (const [size, opts] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const) {
      const { ctx, page, problems: p } = await openPage(browser, opts);
      problems.push(...p);
      await page.goto(t.server.url + '/trainer');
      await page.fill('[data-test=login] input[name=username]', 'trainer');
      await page.fill('[data-test=login] input[name=password]', 'trainer-pw');
      await page.click('[data-test=login] button[type=submit]');
      await page.waitForSelector(`[data-lab="${s.id}/c030"]`);
      await page.click(`[data-lab="${s.id}/c030"]`);
      const broker = page.locator('[data-test=broker]');
      await broker.waitFor();
      await expect.poll(() => broker.locator('[data-test=status]').textContent()).toBe('证书正常');
      expect(await broker.locator('button[data-fault]').count()).toBe(4);
      await broker.locator('button[data-fault=tls-expired]').click();
      await expect
        .poll(() => broker.locator('[data-test=status]').textContent())
        .toBe('TLS 故障中');
      await expect
        .poll(() => broker.locator('[data-test=device-faults]').textContent())
        .toBe('TLS：服务器证书过期');
      await expect
        .poll(() => page.locator('[data-test=faults] [data-fault]').textContent())
        .toContain('MQTT 代理（TLS）');
      // The fault is real: the card's TLS port now serves an expired certificate.
      expect(await verify()).toBe('CERT_HAS_EXPIRED');
      if (size === 'phone') await screenshots(page, 'trainer-tls-fault');
      await page.click('[data-test=lang]');
      await expect
        .poll(() => broker.locator('[data-test=status]').textContent())
        .toBe('TLS fault active');
      await page.locator('[data-test=faults] [data-test=clear]').click();
      await expect
        .poll(() => broker.locator('[data-test=status]').textContent())
        .toBe('Certificates valid');
      await page.click('[data-test=lang]');
      expect(await verify()).toBe('ok');
      expect(await page.locator('[data-test=error]').count()).toBe(0);
      await ctx.close();
    }
    const audit = (await t.api('GET', `/api/sessions/${s.id}/audit`)).json as { action: string }[];
    expect(audit.filter((a) => a.action.startsWith('trainer.')).map((a) => a.action)).toEqual([
      'trainer.fault.inject',
      'trainer.fault.clear',
      'trainer.fault.inject',
      'trainer.fault.clear',
    ]);
  }, 120_000);

  it('a candidate downloads a task file, works on it and hands it in from the page', async () => {
    const s = await startSession('L1-SYS', 'practice', 'id,name\nc101,王五\n');
    const page = await candidatePage(s.id, 'c101', s.candidates[0]!.password);
    await startTask(page, 'l1-sys-sql');
    await page.locator('.el-tabs__item', { hasText: '文件' }).click();
    await page.waitForSelector('[data-test=files] a[download="iot.db"]');
    await screenshots(page, 'candidate-files');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('a[download="iot.db"]'),
    ]);
    const local = join(mkdtempSync(join(tmpdir(), 'iotlab-dl-')), 'iot.db');
    await download.saveAs(local);
    const db = new Database(local, { fileMustExist: true });
    db.exec(readFileSync(taskFile('l1-sys-sql', 'solution.sql'), 'utf8'));
    db.close();
    // Validated before sending: nothing chosen yet.
    await page.click('[data-test=upload-button]');
    await expect.poll(() => page.locator('.el-message').first().textContent()).toBe('请先选择文件');
    await page.setInputFiles('[data-test=upload] input[type=file]', local);
    await page.click('[data-test=upload-button]');
    await expect
      .poll(() => page.locator('[data-test=upload-status]').textContent())
      .toMatch(/^已上传 \d+ B$/);
    await page.click('[data-test=finish]');
    await confirmBox(page);
    await expect
      .poll(() => page.locator('[data-task=l1-sys-sql] [data-test=score]').textContent(), {
        timeout: 15_000,
      })
      .toMatch(/得分:\s*100$/);
    await page.context().close();
  }, 90_000);

  it('the index page links every role', async () => {
    const { page, ctx, problems: p } = await openPage(browser, PHONE);
    problems.push(...p);
    await page.goto(t.server.url + '/');
    expect(await page.locator('a[href="/examiner"]').count()).toBe(1);
    await screenshots(page, 'index');
    await ctx.close();
    expect(problems).toEqual([]);
  });
});
