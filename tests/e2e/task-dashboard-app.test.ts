/**
 * l1-app-dashboard in Debian's headless Chromium (desktop profile), run as `iotlab check --app`
 * runs it (the lab in-process, the task runner's browser script, the grader on the evidence) but
 * with one browser for the whole file, each page in its own context: the reference dashboard
 * (ECharts from the lab's /lib/echarts.min.js) scores 100, a blank page 0, and each typical
 * mistake loses its stated points — `rounded` (whole degrees plotted) fails trend-values,
 * critical (59); `no-debounce` (raised by one sample) loses alarm-quiet (85); `no-hysteresis`
 * (cleared at or below high) loses alarm-hold (90); from the reference's evidence changed in
 * memory, a page that never clears loses alarm-clear (90) and a chart of the latest value only
 * trend-series (85). The screenshots named in the evidence are on disk with the SHA-256
 * recorded, and grading the same evidence again gives the same bytes. Five labs at 2×, started
 * 1.5 s apart, ~30 s here.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { RealClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { readEvidenceText } from '../../grader/evidence-file.js';
import { grade } from '../../grader/grade.js';
import type { GradeReport } from '../../grader/report.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { launchAppBrowser, runAppScript } from '../../tasks/app-run.js';
import { taskFile } from '../../tasks/paths.js';
import { createLab } from '../../simulator/lab.js';
import { validateScenario } from '../../simulator/scenario.js';
import { CHROMIUM } from '../support/browser.js';
import { requireTools } from '../support/debian.js';

const ID = 'l1-app-dashboard';
const SEED = 4;
const SPEED = 2;
const task = getTask(ID);
const hash = taskHash(task);

/** The reference app with one of its mistake switches flipped. */
const MISTAKES = {
  rounded: ['ROUND = false', 'ROUND = true'],
  'no-debounce': ['DEBOUNCE = true', 'DEBOUNCE = false'],
  'no-hysteresis': ['HYSTERESIS = true', 'HYSTERESIS = false'],
} as const;

function appVariant(mistake: keyof typeof MISTAKES): string {
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-app-'));
  cpSync(taskFile(ID, 'app'), dir, { recursive: true });
  const js = join(dir, 'app.js');
  const [from, to] = MISTAKES[mistake];
  const src = readFileSync(js, 'utf8');
  expect(src).toContain(from);
  writeFileSync(js, src.replace(from, to));
  return dir;
}

function appOf(html: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-app-'));
  writeFileSync(join(dir, 'index.html'), html);
  return dir;
}

/** One graded run of an app in the shared browser, as `iotlab check ID --app DIR --speed 2`. */
async function check(app: string, browser: Browser) {
  const out = mkdtempSync(join(tmpdir(), 'iotlab-app-run-'));
  const evidence = join(out, 'evidence.jsonl');
  const scenario = validateScenario(task.scenario(task.params(SEED)), `task ${ID}`);
  const lab = createLab(scenario, {
    seed: SEED,
    clock: new RealClock({ speed: SPEED }),
    evidencePath: evidence,
    ports: { mqtt: 0, ws: 0, coap: 0, modbus: 0 },
    serial: { basePort: 0 },
  });
  const card = await lab.start();
  const ends = sleep((task.timeLimitS * 1000 + 500) / SPEED);
  try {
    await runAppScript({
      task,
      seed: SEED,
      appDir: app,
      card,
      clock: lab.clock,
      speed: SPEED,
      record: lab.recorder.record,
      outDir: out,
      logger: silentLogger,
      browser: Promise.resolve(browser),
      keepBrowser: true,
    });
    await ends;
  } finally {
    await lab.stop('task time elapsed');
  }
  const report = grade(task, SEED, { evidence: readFileSync(evidence, 'utf8'), taskHash: hash });
  return { report, evidence };
}

const outputs = (r: GradeReport) => r.tests.map((t) => `${t.id}: ${t.output}`).join('\n');
const failing = (r: GradeReport) => r.tests.filter((t) => t.score < t.max_score).map((t) => t.id);

describe('task l1-app-dashboard in a headless desktop browser', () => {
  it('scores the reference 100, a blank page 0 and each typical mistake at its figure', async () => {
    requireTools(CHROMIUM);
    const browser = await launchAppBrowser();
    // Started 1.5 s apart: five pages loading at once on two cores can take longer than their
    // 10 s (5 s at 2×) to load and connect; the runs still overlap.
    const after = (i: number, app: string) => sleep(i * 1500).then(() => check(app, browser));
    const [ref, rounded, noDebounce, noHysteresis, blank] = await Promise.all([
      after(0, taskFile(ID, 'app')),
      after(1, appVariant('rounded')),
      after(2, appVariant('no-debounce')),
      after(3, appVariant('no-hysteresis')),
      // A chart element and threshold texts but nothing live: no series, no alarm ever.
      after(
        4,
        appOf(
          '<!doctype html><div data-testid="trend-chart" data-series="[]">chart</div>' +
            '<p data-testid="threshold-high">—</p><p data-testid="threshold-low">—</p>',
        ),
      ),
    ]).finally(() => browser.close());

    expect(failing(ref.report), outputs(ref.report)).toEqual([]);
    expect(ref.report.score).toBe(100);
    const events = readEvidenceText(readFileSync(ref.evidence, 'utf8')).events;
    // The series was read from the chart, and the planted phases were all judged.
    const series = events.filter((e) => e.kind === 'ui.read' && e.testid === 'trend-chart');
    expect(series.length).toBe(10);
    expect(JSON.stringify(series.at(-1)!.attrs)).toMatch(/^\{"data-series":"\[\[\d{13},/);
    for (const id of ['alarm-raise', 'alarm-quiet', 'alarm-hold', 'alarm-clear'])
      expect(ref.report.tests.find((t) => t.id === id)!.output).toMatch(/\d+ of \d+ readings/);
    // Every screenshot the evidence names is beside it, with the recorded hash.
    const shots = events.filter((e) => e.kind === 'ui.screenshot');
    expect(shots.map((e) => e.name)).toEqual(['start', 'alarm', 'end']);
    for (const s of shots) {
      const png = readFileSync(join(dirname(ref.evidence), String(s.file)));
      expect(createHash('sha256').update(png).digest('hex')).toBe(s.sha256);
    }
    // ECharts came from the lab (nothing outside it asked for), and no script errors.
    expect(events.filter((e) => e.kind === 'ui.request' || e.kind === 'ui.console')).toEqual([]);
    const file = readEvidenceText(readFileSync(ref.evidence, 'utf8'));
    expect(JSON.stringify(grade(task, SEED, { evidence: file, taskHash: hash }))).toBe(
      JSON.stringify(grade(task, SEED, { evidence: file, taskHash: hash })),
    );

    // Two more mistakes, from the reference's own evidence changed in memory (no browser): a page
    // that never clears the prompt, and a chart of the latest value only.
    const derived = (edit: (e: EvidenceEvent) => void) => {
      const f = readEvidenceText(readFileSync(ref.evidence, 'utf8'));
      for (const e of f.events) if (e.kind === 'ui.read') edit(e);
      return grade(task, SEED, { evidence: f, taskHash: hash });
    };
    const neverClear = derived((e) => {
      if (e.testid === 'alarm' && e.t > 37_000) Object.assign(e, { found: true, visible: true });
    });
    expect(failing(neverClear), outputs(neverClear)).toEqual(['alarm-clear']);
    expect(neverClear.score).toBe(90);
    const latestOnly = derived((e) => {
      const attrs = e.attrs as Record<string, string> | undefined;
      const points = JSON.parse(attrs?.['data-series'] ?? '[]') as unknown[];
      if (e.testid === 'trend-chart') attrs!['data-series'] = JSON.stringify(points.slice(-1));
    });
    expect(failing(latestOnly), outputs(latestOnly)).toEqual(['trend-series']);
    expect(latestOnly.score).toBe(85);

    expect(blank.report.gradable).toBe(true);
    expect(blank.report.score, outputs(blank.report)).toBe(0);

    // Whole degrees plotted: every other check passes, the critical one caps the task.
    expect(failing(rounded.report), outputs(rounded.report)).toEqual(['trend-values']);
    expect(rounded.report.score).toBe(59);
    expect(rounded.report.capped_by).toEqual(['trend-values']);
    expect(outputs(rounded.report)).toMatch(/the sample at ts \d+ was/);

    expect(failing(noDebounce.report), outputs(noDebounce.report)).toEqual(['alarm-quiet']);
    expect(noDebounce.report.score).toBe(85);

    expect(failing(noHysteresis.report), outputs(noHysteresis.report)).toEqual(['alarm-hold']);
    expect(noHysteresis.report.score).toBe(90);
  }, 90_000);
});
