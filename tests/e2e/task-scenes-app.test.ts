/**
 * l2-app-scenes through `iotlab check --app` in Debian's headless Chromium: the reference page
 * (its scenes.js written from the scene table of the seed's instructions) scores 100; a blank page
 * 0; a page whose switches show the scene's targets (mistake `shows-scene`) loses device-states
 * on the device the lab takes offline before the last scene, critical (59); a page whose scenes
 * also switch off every device they do not name (mistake `scene-all-off`) loses scene-only (90);
 * the reference's evidence with its chart's series cut to the latest point (mistake `latest-only`)
 * or rounded to whole degrees (mistake `rounded`), in memory, loses trend (90). Grading the same
 * evidence again gives the same bytes.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.js';
import { readEvidenceText } from '../../grader/evidence-file.js';
import { grade } from '../../grader/grade.js';
import type { GradeReport } from '../../grader/report.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { taskFile } from '../../tasks/paths.js';
import { scenesJs } from '../../tasks/l2-app-scenes/task.js';
import type { ScenesParams } from '../../tasks/l2-app-scenes/task.js';
import { CHROMIUM } from '../support/browser.js';
import { requireTools } from '../support/debian.js';

const task = getTask('l2-app-scenes');
const SEED = 5;

/** The reference app for SEED, its source changed by `edit`. */
function appVariant(edit: (js: string) => string = (js) => js): string {
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-app-'));
  cpSync(taskFile('l2-app-scenes', 'app'), dir, { recursive: true });
  writeFileSync(join(dir, 'scenes.js'), scenesJs(task.params(SEED) as ScenesParams));
  const js = join(dir, 'app.js');
  writeFileSync(js, edit(readFileSync(js, 'utf8')));
  return dir;
}

async function check(app: string) {
  const out = mkdtempSync(join(tmpdir(), 'iotlab-app-run-'));
  const evidence = join(out, 'evidence.jsonl');
  const code = await runCli(
    ['check', 'l2-app-scenes', '--seed', String(SEED), '--app', app, '--speed', '2'].concat([
      '--evidence',
      evidence,
      '--format',
      'json',
      '--out',
      join(out, 'report.json'),
    ]),
    { stdout: () => undefined, stderr: () => undefined },
  );
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as GradeReport;
  return { code, report, evidence };
}

const outputs = (r: GradeReport) => r.tests.map((t) => `${t.id}: ${t.output}`).join('\n');
const failing = (r: GradeReport) => r.tests.filter((t) => t.score < t.max_score).map((t) => t.id);

describe('task l2-app-scenes in a headless phone browser', () => {
  it('scores the reference 100, a blank page 0, shows-scene 59 (critical), scene-all-off 90, latest-only and rounded 90', async () => {
    requireTools(CHROMIUM);
    const blankDir = mkdtempSync(join(tmpdir(), 'iotlab-app-'));
    writeFileSync(join(blankDir, 'index.html'), '<!doctype html><title>blank</title><p>—</p>');
    const [ref, blank, showsScene, allOff] = await Promise.all([
      check(appVariant()),
      check(blankDir),
      check(appVariant((js) => js.replace('FOLLOW_DEVICE = true', 'FOLLOW_DEVICE = false'))),
      check(appVariant((js) => js.replace('SCENE_ONLY = true', 'SCENE_ONLY = false'))),
    ]);
    expect(failing(ref.report), outputs(ref.report)).toEqual([]);
    expect(ref.report.score).toBe(100);
    expect(ref.code).toBe(0);
    const events = readEvidenceText(readFileSync(ref.evidence, 'utf8')).events;
    expect(events.filter((e) => e.kind === 'ui.screenshot').map((e) => e.name)).toEqual([
      'home',
      'devices-after-home',
      'devices-away-offline',
      'end',
    ]);
    const file = readEvidenceText(readFileSync(ref.evidence, 'utf8'));
    const hash = taskHash(task);
    expect(JSON.stringify(grade(task, SEED, { evidence: file, taskHash: hash }))).toBe(
      JSON.stringify(grade(task, SEED, { evidence: file, taskHash: hash })),
    );

    // The chart was read at every home reading, the later ones with a trend of many points.
    const series = events
      .filter((e) => e.kind === 'ui.read' && e.testid === 'temp-chart')
      .map((e) => JSON.parse((e.attrs as Record<string, string>)['data-series']!) as unknown[]);
    expect(series.length).toBe(3);
    expect(series.at(-1)!.length).toBeGreaterThan(20);
    expect(ref.report.tests.find((t) => t.id === 'trend')!.output).toMatch(
      /2 of 2 readings of the chart right/,
    );
    // The same run with the chart's series changed: the latest point only, whole degrees.
    const derived = (edit: (points: [number, number][]) => [number, number][]) => {
      const f = readEvidenceText(readFileSync(ref.evidence, 'utf8'));
      for (const e of f.events)
        if (e.kind === 'ui.read' && e.testid === 'temp-chart') {
          const attrs = e.attrs as Record<string, string>;
          attrs['data-series'] = JSON.stringify(
            edit(JSON.parse(attrs['data-series']!) as [number, number][]),
          );
        }
      return grade(task, SEED, { evidence: f, taskHash: hash });
    };
    const latestOnly = derived((points) => points.slice(-1));
    expect(failing(latestOnly), outputs(latestOnly)).toEqual(['trend']);
    expect(latestOnly.score).toBe(90);
    expect(outputs(latestOnly)).toMatch(/samples of the window not plotted/);
    const rounded = derived((points) => points.map(([ts, v]) => [ts, Math.round(v)]));
    expect(failing(rounded), outputs(rounded)).toEqual(['trend']);
    expect(rounded.score).toBe(90);
    expect(outputs(rounded)).toMatch(/the sample at ts \d+ was/);

    expect(blank.report.score, outputs(blank.report)).toBe(0);

    expect(failing(showsScene.report), outputs(showsScene.report)).toEqual(['device-states']);
    expect(showsScene.report.score).toBe(59);
    expect(showsScene.report.capped_by).toEqual(['device-states']);

    expect(failing(allOff.report), outputs(allOff.report)).toEqual(['scene-only']);
    expect(allOff.report.score).toBe(90);
  }, 90_000);
});
