/**
 * The task runner's browser: for a web app task, hosts the candidate's folder (protocols/http/
 * app-host.ts), opens it in Debian's headless Chromium through playwright-core (nothing downloads
 * a browser) with the task's profile, and plays the task's script on the lab clock — read
 * elements by `data-testid`, tap, screenshot — recording every step as `ui.*` evidence, with
 * console errors and failed or blocked requests. The grader then reads only that evidence.
 *
 * Hard limits, so that no app can hold the runner: the browser's launch, the page's load, each
 * step and the browser's close each have their own time bound; a step that runs out is recorded
 * (`ui.error`) and the script goes on; dialogs (alert loops) are dismissed and counted; console
 * and request records are capped. Requests to any origin but the app's and the lab's are aborted
 * (and the policy header and a host-resolver rule refuse them as well).
 */
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { Clock } from '../core/clock.js';
import type { RecordFn } from '../core/evidence.js';
import type { Logger } from '../core/logger.js';
import { createAppHost } from '../protocols/http/app-host.js';
import type { AppScript, Task, UiStep } from '../grader/types.js';
import type { LabCard } from '../simulator/card.js';
import { planTask } from './task-plan.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** Real-time bounds (ms). */
export const APP_LIMITS = {
  launch: 20_000,
  load: 10_000,
  step: 2_000,
  screenshot: 4_000,
  close: 5_000,
  /** Console and request records kept; the rest are counted in the last one. */
  records: 100,
  /** Characters of a data attribute a reading keeps (a plotted series of a few hundred points). */
  attr: 32_000,
} as const;

const PROFILES = {
  phone: {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  },
  desktop: { viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1 },
} as const;

export interface AppRunOptions {
  task: Task;
  seed: number;
  /** The app's folder. */
  appDir: string;
  card: LabCard;
  clock: Clock;
  /** Lab clock speed (lab ms per real ms), for waiting until a step's lab time. */
  speed: number;
  record: RecordFn;
  /** Where screenshots go (beside the evidence). */
  outDir: string;
  logger: Logger;
  signal?: AbortSignal;
  /**
   * The browser, launched before the lab started (launchAppBrowser) so that its start is not
   * counted against the page's time; without it the run launches one.
   */
  browser?: Promise<Browser>;
  /**
   * The browser is the caller's, shared by several runs (a test's, a bench's): the run closes
   * only its own context and leaves the browser open. Without it the run closes the browser.
   */
  keepBrowser?: boolean;
  /**
   * A run taken up again after the server restarted mid-run: the page is opened anew and the
   * steps due before this lab time (played before the restart, their evidence kept) are not
   * played again; `ui.resume` says so.
   */
  resumeAt?: number;
}

/** Starts Debian's Chromium for an app run, bounded by APP_LIMITS.launch. */
export function launchAppBrowser(): Promise<Browser> {
  return bounded(
    chromium.launch({
      executablePath: CHROMIUM_PATH,
      timeout: APP_LIMITS.launch,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        // Nothing but the lab's own host resolves (DNS-level, beside the routing below).
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ],
    }),
    APP_LIMITS.launch + 1000,
    'starting the browser',
  );
}

/** The app script of a task for a seed, or undefined when it is no app task. */
export function appScriptFor(task: Task, seed: number): AppScript | undefined {
  if (!task.app) return undefined;
  const { params, plan } = planTask(task, seed);
  return task.app(params, plan);
}

/** Resolves with the promise's value, or rejects after ms (real time). */
async function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** The browser build of the MQTT client the lab serves to apps (mqtt.js, from node_modules). */
export function mqttBrowserBuild(): string {
  const req = createRequire(import.meta.url);
  return join(dirname(req.resolve('mqtt/package.json')), 'dist', 'mqtt.min.js');
}

/**
 * ECharts' browser build the lab serves to dashboards, or undefined when it is not installed
 * (the app host then answers 404 at its path).
 */
export function echartsBrowserBuild(): string | undefined {
  try {
    const req = createRequire(import.meta.url);
    const file = join(dirname(req.resolve('echarts/package.json')), 'dist', 'echarts.min.js');
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

/** What one element shows, read in the page (tag, text, visible, checked, attributes asked for). */
interface Shown {
  found: boolean;
  /** The element's tag name (lower case): a custom element's own, e.g. `iot-gauge`. */
  tag?: string;
  text?: string;
  visible?: boolean;
  checked?: boolean | null;
  attrs?: Record<string, string | null>;
}

/**
 * Plays the task's app script against the app in `appDir`; returns when the script is done, or
 * at once when the task has no script. Never throws for anything the app does: what went wrong
 * is evidence.
 */
export async function runAppScript(opts: AppRunOptions): Promise<void> {
  const script = appScriptFor(opts.task, opts.seed);
  if (!script) return;
  const { record, clock } = opts;
  const wsUrl = opts.card.mqtt.wsUrl;
  const host = await createAppHost({
    host: '127.0.0.1',
    port: 0,
    root: opts.appDir,
    card: opts.card,
    mqttLib: mqttBrowserBuild(),
    echartsLib: echartsBrowserBuild(),
    connectOrigins: wsUrl ? [new URL(wsUrl).origin] : [],
    // The task's seed: an exam card carries no seed, and the gazetteer is the seed's.
    thirdParty: { seed: opts.seed, labId: opts.card.lab.labId, record },
    logger: opts.logger,
  }).catch(async (err: unknown) => {
    // The browser launched for this run is this run's to close.
    if (!opts.keepBrowser) await opts.browser?.then((b) => b.close()).catch(() => undefined);
    throw err;
  });
  const allowed = new Set(host.origins.map((o) => new URL(o).host));
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  try {
    try {
      browser = await (opts.browser ?? launchAppBrowser());
    } catch (err) {
      record('ui.error', { stage: 'launch', error: (err as Error).message });
      return;
    }
    context = await browser.newContext({
      ...PROFILES[script.profile],
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      serviceWorkers: 'block',
      acceptDownloads: false,
    });
    const page = await context.newPage();
    await watchPage(context, page, allowed, record);
    const loading = bounded(
      page.goto(`${host.url}/`, { timeout: APP_LIMITS.load, waitUntil: 'load' }),
      APP_LIMITS.load + 1000,
      'loading the page',
    ).then(
      (res) =>
        record('ui.load', {
          url: `${host.url}/`,
          ok: res?.ok() ?? false,
          status: res?.status() ?? null,
        }),
      (err: unknown) =>
        record('ui.load', { url: `${host.url}/`, ok: false, error: (err as Error).message }),
    );
    await loading;
    const resumeAt = opts.resumeAt;
    if (resumeAt !== undefined)
      record('ui.resume', {
        at: resumeAt,
        skipped: script.steps.filter((s) => s.at < resumeAt).length,
      });
    for (const [i, step] of script.steps.entries()) {
      if (resumeAt !== undefined && step.at < resumeAt) continue;
      await sleep((step.at - clock.now()) / opts.speed, opts.signal);
      if (opts.signal?.aborted) break;
      await playStep(page, step, i, opts, script.profile);
    }
  } catch (err) {
    // The browser or the page went away under the runner (crashed, closed): the rest of the
    // script cannot be played, which the checks see as reads that never happened.
    record('ui.error', { stage: 'script', error: (err as Error).message });
  } finally {
    if (opts.keepBrowser && context)
      await bounded(context.close(), APP_LIMITS.close, 'closing').catch(() => undefined);
    else if (browser && !opts.keepBrowser)
      await bounded(browser.close(), APP_LIMITS.close, 'closing').catch(() => undefined);
    await host.close();
  }
}

/** Console errors, page errors, dialogs, failed and blocked requests: recorded (capped). */
async function watchPage(
  context: BrowserContext,
  page: Page,
  allowed: ReadonlySet<string>,
  record: RecordFn,
): Promise<void> {
  let kept = 0;
  const capped = (kind: 'ui.console' | 'ui.request', fields: Record<string, unknown>): void => {
    kept++;
    if (kept <= APP_LIMITS.records) record(kind, fields);
    else if (kept === APP_LIMITS.records + 1)
      record(kind, { level: 'info', text: 'more console and request records are not kept' });
  };
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    let ok = false;
    try {
      const u = new URL(url);
      ok = u.protocol === 'data:' || u.protocol === 'blob:' || allowed.has(u.host);
    } catch {
      ok = false;
    }
    if (ok) return route.continue();
    capped('ui.request', { url: url.slice(0, 500), blocked: true });
    return route.abort('blockedbyclient');
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning')
      capped('ui.console', { level: m.type(), text: m.text().slice(0, 500) });
  });
  page.on('pageerror', (err) =>
    capped('ui.console', { level: 'pageerror', text: String(err.message).slice(0, 500) }),
  );
  page.on('dialog', (d) => {
    capped('ui.console', { level: 'dialog', type: d.type(), text: d.message().slice(0, 200) });
    void d.dismiss().catch(() => undefined);
  });
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText === 'net::ERR_BLOCKED_BY_CLIENT') return;
    capped('ui.request', { url: r.url().slice(0, 500), failure: r.failure()?.errorText ?? '' });
  });
  page.on('response', (r) => {
    if (r.status() >= 400) capped('ui.request', { url: r.url().slice(0, 500), status: r.status() });
  });
}

async function playStep(
  page: Page,
  step: UiStep,
  i: number,
  opts: AppRunOptions,
  profile: AppScript['profile'],
): Promise<void> {
  const { record } = opts;
  if ('read' in step) {
    let shown: Shown[];
    try {
      shown = await bounded(
        page.evaluate<Shown[]>(readElements(step.read, step.attrs)),
        APP_LIMITS.step,
        'reading',
      );
    } catch (err) {
      record('ui.error', { stage: 'read', step: i, error: (err as Error).message });
      for (const testid of step.read)
        record('ui.read', { step: i, testid, found: false, error: 'the page did not answer' });
      return;
    }
    step.read.forEach((testid, k) => record('ui.read', { step: i, testid, ...shown[k] }));
    return;
  }
  if ('tap' in step) {
    const selector = testidSelector(step.tap);
    // The lab time the tap was issued: what it causes (a publish) may be recorded before the
    // browser's answer that the tap is done.
    const issued = opts.clock.now();
    // A touch tap on the phone; a mouse click on the desktop (no touch screen there).
    const target = page.locator(selector).first();
    try {
      await bounded(
        profile === 'phone'
          ? target.tap({ timeout: APP_LIMITS.step })
          : target.click({ timeout: APP_LIMITS.step }),
        APP_LIMITS.step + 500,
        'tapping',
      );
      record('ui.action', { step: i, action: 'tap', testid: step.tap, issued, ok: true });
    } catch (err) {
      record('ui.action', {
        step: i,
        action: 'tap',
        testid: step.tap,
        issued,
        ok: false,
        error: (err as Error).message.split('\n')[0],
      });
    }
    return;
  }
  try {
    const png = await bounded(
      page.screenshot({ type: 'png', timeout: APP_LIMITS.screenshot }),
      APP_LIMITS.screenshot + 500,
      'screenshot',
    );
    const file = `ui-${String(i).padStart(2, '0')}-${step.screenshot.replace(/[^a-z0-9-]/gi, '_')}.png`;
    writeFileSync(join(opts.outDir, file), png);
    record('ui.screenshot', {
      step: i,
      name: step.screenshot,
      file,
      bytes: png.length,
      sha256: createHash('sha256').update(png).digest('hex'),
    });
  } catch (err) {
    record('ui.error', { stage: 'screenshot', step: i, error: (err as Error).message });
  }
}

/** A CSS selector for a test id (ids are the task's own, `[a-z0-9-]`). */
export function testidSelector(testid: string): string {
  return `[data-testid="${testid.replace(/["\\]/g, '')}"]`;
}

/**
 * Runs in the page (a string: this build has no DOM types): what each element shows, its tag, text,
 * whether it is seen (laid out, not hidden, not transparent) and a switch's state (a checkbox's
 * `checked`, or `aria-checked`), for the test ids in `ids`; with `attrs`, those attributes of
 * each element (null when absent; cut at `max` characters, the cut one marked `truncated`).
 */
const READ_ELEMENTS = `(ids, attrs, max) => ids.map((id) => {
  const el = document.querySelector('[data-testid="' + id + '"]');
  if (!el) return { found: false };
  const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  const visible = r.width > 0 && r.height > 0 && s.visibility !== 'hidden' &&
    s.display !== 'none' && Number(s.opacity) > 0 && !el.closest('[hidden]');
  const aria = el.getAttribute('aria-checked');
  const box = el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio');
  const checked = box ? el.checked : aria === 'true' ? true : aria === 'false' ? false : null;
  const text = (el.innerText || el.textContent || el.value || '').trim().slice(0, 200);
  const tag = el.localName;
  if (!attrs) return { found: true, tag, text, visible, checked };
  const got = {};
  for (const a of attrs) {
    const v = el.getAttribute(a);
    got[a] = v === null ? null : String(v).slice(0, max);
    if (v !== null && String(v).length > max) got.truncated = 'true';
  }
  return { found: true, tag, text, visible, checked, attrs: got };
})`;

function readElements(ids: readonly string[], attrs?: readonly string[]): string {
  const a = attrs && attrs.length > 0 ? JSON.stringify(attrs) : 'undefined';
  return `(${READ_ELEMENTS})(${JSON.stringify(ids)}, ${a}, ${APP_LIMITS.attr})`;
}
