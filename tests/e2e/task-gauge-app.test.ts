/**
 * l2-app-gauge in Debian's headless Chromium (desktop profile), run as `iotlab check --app` runs
 * it (the lab in-process, the task runner's browser script with its clicks, the grader on the
 * evidence) with one browser for the whole file, each page in its own context: the reference page
 * (its own `<iot-gauge>` custom element on an overview and a detail level) scores 100, a blank page
 * 0, and each typical mistake loses its stated points — `rounded` (whole numbers shown) fails
 * gauge-values, critical (59); `fixed-thresholds` (the temperature's thresholds for every device)
 * loses zone-normal (90); `no-warn` (two zones) loses zone-warn (90); `detail-first` (the detail
 * level always shows the first device) loses detail (85). From the reference's evidence changed in
 * memory: one unit for all loses gauge-units (90), a fixed 0–100 scale gauge-scale (95), and
 * instances that are plain `<div>`s component (90). Six labs in real time (as a candidate's),
 * started 1.2 s apart, ~50 s here: at 2× a full run on two cores once read a planted warn reading
 * more than half a second of wall time late, past its zone.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
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

const ID = 'l2-app-gauge';
const SEED = 6;
const SPEED = 1;
const task = getTask(ID);
const hash = taskHash(task);

/** The reference app with one of its mistake switches flipped. */
const MISTAKES = {
  rounded: ['ROUND = false', 'ROUND = true'],
  'fixed-thresholds': ['OWN_THRESHOLDS = true', 'OWN_THRESHOLDS = false'],
  'no-warn': ['WARN_ZONE = true', 'WARN_ZONE = false'],
  'detail-first': ['FOLLOW_CLICK = true', 'FOLLOW_CLICK = false'],
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

describe('task l2-app-gauge in a headless desktop browser', () => {
  it('scores the reference 100, a blank page 0 and each typical mistake at its figure', async () => {
    requireTools(CHROMIUM);
    const browser = await launchAppBrowser();
    const after = (i: number, app: string) => sleep(i * 1200).then(() => check(app, browser));
    const [ref, rounded, fixed, noWarn, detailFirst, blank] = await Promise.all([
      after(0, taskFile(ID, 'app')),
      after(1, appVariant('rounded')),
      after(2, appVariant('fixed-thresholds')),
      after(3, appVariant('no-warn')),
      after(4, appVariant('detail-first')),
      // Static custom elements with the test ids but nothing live: no value, no click target.
      after(
        5,
        appOf(
          '<!doctype html><iot-gauge data-testid="gauge-temp">—</iot-gauge>' +
            '<iot-gauge data-testid="gauge-hum">—</iot-gauge><iot-gauge data-testid="gauge-co2">—</iot-gauge>',
        ),
      ),
    ]).finally(() => browser.close());

    expect(failing(ref.report), outputs(ref.report)).toEqual([]);
    expect(ref.report.score).toBe(100);
    const events = readEvidenceText(readFileSync(ref.evidence, 'utf8')).events;
    // Every planted phase was judged: both warn readings, alarm on both levels, three clicks.
    const seen = (id: string) => ref.report.tests.find((t) => t.id === id)!.output;
    expect(seen('zone-warn')).toMatch(/2 of 2 readings/);
    expect(seen('zone-alarm')).toMatch(/2 of 2 readings/);
    expect(seen('detail')).toMatch(/3 of 3 readings/);
    const clicks = events.filter((e) => e.kind === 'ui.action');
    expect(clicks.map((e) => [e.testid, e.action, e.ok])).toEqual([
      ['gauge-temp', 'tap', true],
      ['back', 'tap', true],
      ['gauge-hum', 'tap', true],
      ['back', 'tap', true],
      ['gauge-co2', 'tap', true],
      ['back', 'tap', true],
    ]);
    const detail = events.filter((e) => e.kind === 'ui.read' && e.testid === 'detail-gauge');
    expect(detail.map((e) => e.tag)).toEqual(['iot-gauge', 'iot-gauge', 'iot-gauge']);
    expect((detail[0]!.attrs as Record<string, string>)['data-zone']).toBe('alarm');
    expect(events.filter((e) => e.kind === 'ui.screenshot').map((e) => e.name)).toEqual([
      'overview',
      'overview-warn',
      'detail-alarm',
      'end',
    ]);
    expect(events.filter((e) => e.kind === 'ui.request' || e.kind === 'ui.console')).toEqual([]);

    // Three more mistakes, from the reference's own evidence changed in memory (no browser).
    const derived = (edit: (e: EvidenceEvent, attrs: Record<string, string>) => void) => {
      const f = readEvidenceText(readFileSync(ref.evidence, 'utf8'));
      for (const e of f.events)
        if (e.kind === 'ui.read' && e.attrs) edit(e, e.attrs as Record<string, string>);
      return grade(task, SEED, { evidence: f, taskHash: hash });
    };
    const oneUnit = derived((_e, a) => (a['data-unit'] = '°C'));
    expect(failing(oneUnit), outputs(oneUnit)).toEqual(['gauge-units']);
    expect(oneUnit.score).toBe(90);
    const fixedScale = derived((_e, a) => Object.assign(a, { 'data-min': '0', 'data-max': '100' }));
    expect(failing(fixedScale), outputs(fixedScale)).toEqual(['gauge-scale']);
    expect(fixedScale.score).toBe(95);
    const divs = derived((e) => (e.tag = 'div'));
    expect(failing(divs), outputs(divs)).toEqual(['component']);
    expect(divs.score).toBe(90);

    expect(blank.report.gradable).toBe(true);
    expect(blank.report.score, outputs(blank.report)).toBe(0);

    // Whole numbers shown: every other check passes, the critical one caps the task.
    expect(failing(rounded.report), outputs(rounded.report)).toEqual(['gauge-values']);
    expect(rounded.report.score).toBe(59);
    expect(rounded.report.capped_by).toEqual(['gauge-values']);

    expect(failing(fixed.report), outputs(fixed.report)).toEqual(['zone-normal']);
    expect(fixed.report.score).toBe(90);
    expect(outputs(fixed.report)).toMatch(/data-zone "alarm"/);

    expect(failing(noWarn.report), outputs(noWarn.report)).toEqual(['zone-warn']);
    expect(noWarn.report.score).toBe(90);

    expect(failing(detailFirst.report), outputs(detailFirst.report)).toEqual(['detail']);
    expect(detailFirst.report.score).toBe(85);
  }, 150_000);
});
