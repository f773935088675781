/**
 * A web app task through a real exam session (issue 16): the candidate hands in their app as a
 * ZIP (a zipped folder; first a file that is not a ZIP and an empty ZIP are refused, paths out of
 * the folder stay inside it, a ZIP without index.html cannot be run; the good one through the
 * candidate page at phone and desktop size), starts the graded run, and the server serves the app with their card, opens it in
 * Debian's headless Chromium and plays the task's script against their lab; the reference app
 * scores 100, and so does the dashboard's in a desktop browser. A server without MQTT over
 * WebSocket refuses a paper with app tasks.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskFile } from '../../tasks/paths.js';
import { CHROMIUM, launchChromium } from '../support/browser.js';
import { DESKTOP, PHONE, confirmBox, openPage, screenshots } from '../support/console-page.js';
import { requireTools } from '../support/debian.js';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

const base = 20000 + Math.floor(Math.random() * 5900);
const TASK = 'l1-app-mobile';
const SPEED = 2;
let t: TestServer;

async function zipOf(files: Record<string, string | Buffer>): Promise<Buffer> {
  const z = new JSZip();
  for (const [name, body] of Object.entries(files)) z.file(name, body);
  return z.generateAsync({ type: 'nodebuffer' });
}

type Report = {
  score: number;
  tests: { id: string; score: number; max_score: number; output: string }[];
};

/** The session's report of a task, once its run has ended and been graded. */
async function reportOf(sid: string, task: string, withinMs: number): Promise<Report> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const reports = (await t.api('GET', `/api/sessions/${sid}/reports`)).json as {
      task: string;
      report: Report;
    }[];
    const found = reports.find((g) => g.task === task)?.report;
    if (found) return found;
  }
  throw new Error(`${task}: not graded within ${withinMs / 1000} s`);
}

beforeAll(async () => {
  requireTools(CHROMIUM);
  t = await startTestServer('app', base, { labSpeed: SPEED, wsPort: 0 });
}, 30_000);
afterAll(async () => t?.close());

describe('a web app task in an exam session', () => {
  it('takes the app as a ZIP, drives it in a phone browser during the graded run: 100', async () => {
    const created = await t.api('POST', '/api/sessions', {
      paper: 'L1-APP',
      mode: 'exam',
      roster: 'id,name\nc001,张三\n',
    });
    expect(created.status, created.text).toBe(201);
    const { id: sid, candidates } = created.json as {
      id: string;
      candidates: { password: string }[];
    };
    expect((await t.api('POST', `/api/sessions/${sid}/start`, {})).status).toBe(200);
    const cand = await t.candidate(sid, 'c001', candidates[0]!.password);
    const me = (await t.api('GET', '/api/me', undefined, cand)).json as {
      tasks: { id: string; kind: string }[];
    };
    expect(me.tasks.find((x) => x.id === TASK)?.kind).toBe('app');
    const put = (body: Buffer) =>
      fetch(`${t.server.url}/api/me/tasks/${TASK}/app`, {
        method: 'PUT',
        headers: { cookie: cand, 'content-type': 'application/octet-stream', 'x-iotlab-csrf': '1' },
        body,
      });
    const start = () => t.api('POST', `/api/me/tasks/${TASK}/start`, {}, cand);
    // No app yet: no graded run.
    expect((await start()).status).toBe(400);
    for (const bad of [Buffer.from('not a zip at all'), await zipOf({})]) {
      const r = await put(bad);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { name: string } }).error.name).toBe('HANDIN_REFUSED');
    }
    // Paths out of the folder never leave it: `../evil.js` lands inside the app, nowhere above.
    expect((await put(await zipOf({ '../evil.js': 'x', 'a/../../evil2.js': 'y' }))).status).toBe(
      200,
    );
    const work = join(t.dataDir, 'work', sid, 'c001');
    expect(existsSync(join(work, TASK, 'app', 'evil.js'))).toBe(true);
    for (const p of [join(work, 'evil.js'), join(work, TASK, 'evil.js'), join(work, 'evil2.js')])
      expect(existsSync(p), p).toBe(false);
    // A ZIP without index.html at its top is stored, but cannot be run.
    expect((await put(await zipOf({ 'page.html': '<p>hi</p>' }))).status).toBe(200);
    expect((await start()).status).toBe(400);
    // The reference app, zipped as a folder ("myapp/index.html", …).
    const dir = taskFile(TASK, 'app');
    const files = Object.fromEntries(
      readdirSync(dir).map((f) => [`myapp/${f}`, readFileSync(join(dir, f))]),
    );
    // …uploaded on the candidate page, at phone and desktop size: the app tab takes the ZIP.
    const zipPath = join(mkdtempSync(join(tmpdir(), 'iotlab-app-')), 'myapp.zip');
    writeFileSync(zipPath, await zipOf(files));
    const browser = await launchChromium();
    try {
      for (const size of [PHONE, DESKTOP]) {
        const { page, ctx, problems } = await openPage(browser, size);
        await page.goto(`${t.server.url}/candidate?session=${sid}&candidate=c001`);
        await page.fill('[data-test=login] input[name=password]', candidates[0]!.password);
        await page.click('[data-test=login] button[type=submit]');
        await page.locator(`[data-task=${TASK}] [data-test=app-open]`).click();
        await page.locator('[data-test=app] input[type=file]').setInputFiles(zipPath);
        await page.locator('[data-test=app-upload]').click();
        // The earlier ZIP (no index.html) is replaced: its warning goes.
        await expect.poll(() => page.locator('[data-test=app-no-index]').count()).toBe(0);
        expect(await page.locator('[data-test=app-stored]').textContent()).toContain(
          `已存：${Object.keys(files).length} 个文件`,
        );
        // A still page for the screenshot: at the top, the upload's toast gone.
        await page.evaluate('window.scrollTo(0, 0)');
        await expect.poll(() => page.locator('.el-message').count(), { timeout: 6000 }).toBe(0);
        await screenshots(page, 'candidate-app');
        expect(problems).toEqual([]);
        await ctx.close();
      }
    } finally {
      await browser.close();
    }
    const stored = (await t.api('GET', `/api/me/tasks/${TASK}/app`, undefined, cand)).json as {
      app: { hasIndex: boolean; files: number };
    };
    expect(stored.app).toMatchObject({ hasIndex: true, files: Object.keys(files).length });
    const run = await start();
    expect(run.status, run.text).toBe(200);
    // The run ends by its clock (40 s of lab time at 2×) and is graded.
    const report = await reportOf(sid, TASK, 60_000);
    expect(
      report.tests.filter((x) => x.score < x.max_score).map((x) => `${x.id}: ${x.output}`),
    ).toEqual([]);
    expect(report.score).toBe(100);
    // An exam shows no checklist, and none of the grader's screenshots either.
    const shot = await fetch(`${t.server.url}/api/me/tasks/${TASK}/screenshots/ui-00-home.png`, {
      headers: { cookie: cand },
    });
    expect(shot.status).toBe(403);
    expect(await shot.text()).toContain('截图仅在练习模式中提供');
    const audit = (await t.api('GET', `/api/sessions/${sid}/audit`)).json as { action: string }[];
    expect(audit.map((a) => a.action)).toContain('candidate.app.upload');

    // The paper's other web app, the dashboard (desktop profile), the same way: 100.
    const DASH = 'l1-app-dashboard';
    const dashDir = taskFile(DASH, 'app');
    const dashZip = await zipOf(
      Object.fromEntries(readdirSync(dashDir).map((f) => [f, readFileSync(join(dashDir, f))])),
    );
    const dashUp = await fetch(`${t.server.url}/api/me/tasks/${DASH}/app`, {
      method: 'PUT',
      headers: { cookie: cand, 'content-type': 'application/octet-stream', 'x-iotlab-csrf': '1' },
      body: dashZip,
    });
    expect(dashUp.status, await dashUp.text()).toBe(200);
    const dashRun = await t.api('POST', `/api/me/tasks/${DASH}/start`, {}, cand);
    expect(dashRun.status, dashRun.text).toBe(200);
    const dash = await reportOf(sid, DASH, 60_000);
    expect(
      dash.tests.filter((x) => x.score < x.max_score).map((x) => `${x.id}: ${x.output}`),
    ).toEqual([]);
    expect(dash.score).toBe(100);
  }, 180_000);

  it('in practice, l2-app-scenes written from its instructions scores 100; the checklist shows the screenshots the grader took', async () => {
    const SCENES_TASK = 'l2-app-scenes';
    const created = await t.api('POST', '/api/sessions', {
      paper: 'L2-APP',
      mode: 'practice',
      roster: 'id,name\nc001,张三\n',
    });
    expect(created.status, created.text).toBe(201);
    const { id: sid, candidates } = created.json as {
      id: string;
      candidates: { password: string }[];
    };
    expect((await t.api('POST', `/api/sessions/${sid}/start`, {})).status).toBe(200);
    const cand = await t.candidate(sid, 'c001', candidates[0]!.password);
    // The scene table as the candidate reads it in their instructions, written into the app.
    const text = (
      (await t.api('GET', `/api/me/tasks/${SCENES_TASK}/instructions?lang=en`, undefined, cand))
        .json as { text: string }
    ).text;
    const scenes: Record<string, Record<string, boolean>> = {};
    for (const m of text.matchAll(/^\| `scene-(\w+)` \| [^|]+ \| ([^|]+) \|$/gm)) {
      const row: Record<string, boolean> = {};
      for (const d of m[2]!.matchAll(/`(\w+)` (on|off)/g)) row[d[1]!] = d[2] === 'on';
      scenes[m[1]!] = row;
    }
    expect(Object.keys(scenes)).toEqual(['home', 'sleep', 'away']);
    const dir = taskFile(SCENES_TASK, 'app');
    const files: Record<string, string | Buffer> = Object.fromEntries(
      readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]),
    );
    files['scenes.js'] = `window.SCENES = ${JSON.stringify(scenes)};\n`;
    const up = await fetch(`${t.server.url}/api/me/tasks/${SCENES_TASK}/app`, {
      method: 'PUT',
      headers: { cookie: cand, 'content-type': 'application/octet-stream', 'x-iotlab-csrf': '1' },
      body: await zipOf(files),
    });
    expect(up.status, await up.text()).toBe(200);
    const browser = await launchChromium();
    try {
      const { page, problems } = await openPage(browser, PHONE);
      await page.goto(`${t.server.url}/candidate?session=${sid}&candidate=c001`);
      await page.fill('[data-test=login] input[name=password]', candidates[0]!.password);
      await page.click('[data-test=login] button[type=submit]');
      await page.locator(`[data-task=${SCENES_TASK}] [data-test=start]`).click();
      await confirmBox(page);
      await page.locator('.el-tabs__item', { hasText: '实时检查清单' }).click();
      // The run lasts 40 s of lab time at 2×; the grader's browser takes its screenshots on
      // the way, and the checklist (every 2 s) shows each one as it comes.
      await expect
        .poll(() => page.locator('[data-test=shot] img').count(), { timeout: 40_000 })
        .toBeGreaterThanOrEqual(2);
      expect(await page.locator('[data-test=shots]').textContent()).toContain('第 ');
      // Each thumbnail is the PNG the grader kept; a name of any other shape is refused.
      const src = (await page.locator('[data-test=shot] img').first().getAttribute('src'))!;
      const png = await fetch(`${t.server.url}${src}`, { headers: { cookie: cand } });
      expect(png.status).toBe(200);
      expect(png.headers.get('content-type')).toBe('image/png');
      expect(
        Buffer.from(await png.arrayBuffer())
          .subarray(1, 4)
          .toString(),
      ).toBe('PNG');
      for (const [file, status] of [
        ['..%2F..%2Fiotlab.db', 400],
        ['ui-99-nothing.png', 404],
      ] as const) {
        const r = await fetch(`${t.server.url}/api/me/tasks/${SCENES_TASK}/screenshots/${file}`, {
          headers: { cookie: cand },
        });
        expect(r.status, file).toBe(status);
      }
      await page.evaluate('window.scrollTo(0, 0)');
      await screenshots(page, 'candidate-app-shots');
      // Tapping one enlarges it.
      await page.locator('[data-test=shot] img').first().click();
      await page.locator('.el-image-viewer__wrapper').waitFor();
      await screenshots(page, 'candidate-app-shot-preview');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
    // The run ends by its clock and is graded: the app written from the instructions scores 100.
    const report = await reportOf(sid, SCENES_TASK, 40_000);
    expect(
      report.tests.filter((x) => x.score < x.max_score).map((x) => `${x.id}: ${x.output}`),
    ).toEqual([]);
    expect(report.score).toBe(100);

    // The paper's custom-component task (desktop profile), its reference app uploaded: 100.
    const GAUGE = 'l2-app-gauge';
    const gaugeDir = taskFile(GAUGE, 'app');
    const gaugeUp = await fetch(`${t.server.url}/api/me/tasks/${GAUGE}/app`, {
      method: 'PUT',
      headers: { cookie: cand, 'content-type': 'application/octet-stream', 'x-iotlab-csrf': '1' },
      body: await zipOf(
        Object.fromEntries(readdirSync(gaugeDir).map((f) => [f, readFileSync(join(gaugeDir, f))])),
      ),
    });
    expect(gaugeUp.status, await gaugeUp.text()).toBe(200);
    const gaugeRun = await t.api('POST', `/api/me/tasks/${GAUGE}/start`, {}, cand);
    expect(gaugeRun.status, gaugeRun.text).toBe(200);
    const gauge = await reportOf(sid, GAUGE, 60_000);
    expect(
      gauge.tests.filter((x) => x.score < x.max_score).map((x) => `${x.id}: ${x.output}`),
    ).toEqual([]);
    expect(gauge.score).toBe(100);
  }, 180_000);

  it('a web app run the server was stopped in goes on from where it was when the server is back', async () => {
    const DASH = 'l1-app-dashboard';
    const created = await t.api('POST', '/api/sessions', {
      paper: 'L1-APP',
      mode: 'practice',
      roster: 'id,name\nc001,张三\n',
    });
    const { id: sid, candidates } = created.json as {
      id: string;
      candidates: { password: string }[];
    };
    expect((await t.api('POST', `/api/sessions/${sid}/start`, {})).status).toBe(200);
    const cand = await t.candidate(sid, 'c001', candidates[0]!.password);
    const dir = taskFile(DASH, 'app');
    const up = await fetch(`${t.server.url}/api/me/tasks/${DASH}/app`, {
      method: 'PUT',
      headers: { cookie: cand, 'content-type': 'application/octet-stream', 'x-iotlab-csrf': '1' },
      body: await zipOf(
        Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))])),
      ),
    });
    expect(up.status).toBe(200);
    expect((await t.api('POST', `/api/me/tasks/${DASH}/start`, {}, cand)).status).toBe(200);
    // 14 s of the 40 s run's lab time, then the server stops (the attempt stays running)…
    await new Promise((r) => setTimeout(r, 7000));
    const dataDir = t.dataDir;
    await t.close();
    // …and comes back on the same data: the lab resumes, and so does the browser's script.
    t = await startTestServer('app-resume', base, { labSpeed: SPEED, wsPort: 0, dataDir });
    const report = await reportOf(sid, DASH, 60_000);
    const events = readFileSync(join(dataDir, 'evidence', sid, 'c001', `${DASH}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; t: number; at?: number; skipped?: number });
    const resume = events.find((e) => e.kind === 'ui.resume');
    expect(resume?.at).toBeGreaterThan(10_000);
    expect(resume?.skipped).toBeGreaterThan(0);
    const before = events.filter((e) => e.kind === 'ui.read' && e.t < resume!.t).length;
    const after = events.filter((e) => e.kind === 'ui.read' && e.t > resume!.t).length;
    expect(before).toBeGreaterThan(0);
    expect(after).toBeGreaterThan(0);
    // Graded on the reads before and after (the page reloaded, so its chart began again).
    expect(report.tests.find((x) => x.id === 'trend-values')?.score).toBeGreaterThan(0);
  }, 120_000);

  it('a server without MQTT over WebSocket refuses a paper with app tasks', async () => {
    const plain = await startTestServer('app-nows', base + 100);
    try {
      const r = await plain.api('POST', '/api/sessions', {
        paper: 'L1-APP',
        mode: 'practice',
        roster: 'id,name\nc001,张三\n',
      });
      expect(r.status).toBe(400);
      expect(r.text).toContain('--ws-port');
    } finally {
      await plain.close();
    }
  });
});
