/**
 * l1-app-mobile through `iotlab check --app` in Debian's headless Chromium: the reference page
 * scores 100, a blank page 0, the typical mistake (the switch shows the tap, not the device) loses
 * switch-state (20, critical: capped at 59), the other (the sensor's address written into the page,
 * another seed's) loses address (10) where the reference's call to the lab's map API is
 * evidence, a page asking for the internet is refused (policy and routing, both
 * recorded), and a page that loops forever after an alert is graded 0 with the reason in the
 * report, within its time bound. The screenshots named in the evidence are on disk
 * with the SHA-256 recorded, and grading the same evidence again gives the same bytes.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.js';
import { readEvidenceText } from '../../grader/evidence-file.js';
import { grade } from '../../grader/grade.js';
import type { GradeReport } from '../../grader/report.js';
import { gazetteer, reverseGeocode } from '../../protocols/third-party/gazetteer.js';
import type { MobileParams } from '../../tasks/l1-app-mobile/task.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { taskFile } from '../../tasks/paths.js';
import { CHROMIUM } from '../support/browser.js';
import { requireTools } from '../support/debian.js';

const task = getTask('l1-app-mobile');

/** A copy of the reference app with its source changed by `edit`. */
function appVariant(edit: (js: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-app-'));
  cpSync(taskFile('l1-app-mobile', 'app'), dir, { recursive: true });
  const js = join(dir, 'app.js');
  writeFileSync(js, edit(readFileSync(js, 'utf8')));
  return dir;
}

function appOf(html: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-app-'));
  writeFileSync(join(dir, 'index.html'), html);
  return dir;
}

async function check(app: string, ...extra: string[]) {
  const out = mkdtempSync(join(tmpdir(), 'iotlab-app-run-'));
  const evidence = join(out, 'evidence.jsonl');
  const started = Date.now();
  let err = '';
  const code = await runCli(
    [
      'check',
      'l1-app-mobile',
      '--seed',
      '5',
      '--app',
      app,
      '--evidence',
      evidence,
      '--format',
      'json',
      '--out',
      join(out, 'report.json'),
      ...extra,
    ],
    { stdout: () => undefined, stderr: (s) => (err += s) },
  );
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as GradeReport;
  return { code, report, evidence, err, ms: Date.now() - started };
}

const outputs = (r: GradeReport) => r.tests.map((t) => `${t.id}: ${t.output}`).join('\n');
const failing = (r: GradeReport) => r.tests.filter((t) => t.score < t.max_score).map((t) => t.id);

describe('task l1-app-mobile in a headless phone browser', () => {
  it('scores the reference 100, a blank page 0, the tapped-state mistake 59 (critical), a hard-coded address losing its 10, a hung page 0', async () => {
    requireTools(CHROMIUM);
    // What a candidate who copied the address from a practice run (seed 6) writes in.
    const addressOf = (seed: number) => {
      const p = task.params(seed) as MobileParams;
      return reverseGeocode(gazetteer(seed), { lat: p.lat, lon: p.lon })!.place.formatted.zh;
    };
    expect(addressOf(6)).not.toBe(addressOf(5));
    // The lab at 2× (as an exam server's test knob does): half the wait, the same script.
    const [ref, blank, mistake] = await Promise.all([
      check(taskFile('l1-app-mobile', 'app'), '--speed', '2'),
      // Blank, but asking for the internet: an image (the policy refuses it) and a navigation
      // (the policy allows navigations; the browser's routing aborts it).
      check(
        appOf(
          '<!doctype html><title>blank</title><img src="https://cdn.example.com/x.png">' +
            '<script>setTimeout(() => { location.href = "https://example.com/"; }, 300)</script>',
        ),
        '--speed',
        '2',
      ),
      check(
        appVariant((js) => js.replace('FOLLOW_DEVICE = true', 'FOLLOW_DEVICE = false')),
        '--speed',
        '2',
      ),
    ]);
    // The address written in (another seed's): its first 12 s are enough for the address (the
    // call, or none, comes at load; a reading at 8 s), and alone, a page loads in time.
    const hardCoded = await check(
      appVariant((js) =>
        js.replace("HARD_CODED_ADDRESS = ''", `HARD_CODED_ADDRESS = '${addressOf(6)}'`),
      ),
      '--speed',
      '2',
      '--duration',
      '12',
    );
    // After the others: its page spins a core, which would slow theirs on a two-core machine.
    const hung = await check(
      appOf('<!doctype html><script>alert("hi"); for (;;) {}</script><p>never</p>'),
      '--duration',
      '8',
    );

    expect(failing(ref.report), outputs(ref.report)).toEqual([]);
    expect(ref.report.score).toBe(100);
    expect(ref.code).toBe(0);
    // Every screenshot the evidence names is beside it, with the recorded hash.
    const events = readEvidenceText(readFileSync(ref.evidence, 'utf8')).events;
    const shots = events.filter((e) => e.kind === 'ui.screenshot');
    expect(shots.map((e) => e.name)).toEqual(['start', 'actuator-offline', 'alarm', 'end']);
    for (const s of shots) {
      const png = readFileSync(join(dirname(ref.evidence), String(s.file)));
      expect(createHash('sha256').update(png).digest('hex')).toBe(s.sha256);
    }
    // The page's one third-party call is evidence: the sensor's coordinates, answered.
    const p5 = task.params(5) as MobileParams;
    expect(events.filter((e) => e.kind === 'api.call')).toEqual([
      expect.objectContaining({
        service: 'map',
        path: '/3p/map/v1/reverse',
        params: { lat: String(p5.lat), lon: String(p5.lon) },
        status: 200,
        code: 0,
        result: expect.objectContaining({ formatted_address: addressOf(5) }) as unknown,
      }),
    ]);
    // Nothing outside the lab was asked for, and the page had no script errors.
    expect(events.filter((e) => e.kind === 'ui.request' || e.kind === 'ui.console')).toEqual([]);
    // Regrading the same evidence gives the same bytes.
    const file = readEvidenceText(readFileSync(ref.evidence, 'utf8'));
    const hash = taskHash(task);
    expect(JSON.stringify(grade(task, 5, { evidence: file, taskHash: hash }))).toBe(
      JSON.stringify(grade(task, 5, { evidence: file, taskHash: hash })),
    );

    expect(blank.report.gradable).toBe(true);
    expect(blank.report.score, outputs(blank.report)).toBe(0);
    expect(blank.code).toBe(1);
    const outside = readEvidenceText(readFileSync(blank.evidence, 'utf8')).events;
    expect(
      outside.some(
        (e) => e.kind === 'ui.request' && e.blocked === true && e.url === 'https://example.com/',
      ),
    ).toBe(true);
    expect(
      outside.some(
        (e) =>
          e.kind === 'ui.console' &&
          String(e.text).includes('cdn.example.com') &&
          String(e.text).includes('Content Security Policy'),
      ),
    ).toBe(true);

    expect(failing(mistake.report), outputs(mistake.report)).toEqual(['switch-state']);
    // switch-state is critical: the page shows a state the device is not in, so it cannot pass.
    expect(mistake.report.score).toBe(59);
    expect(mistake.report.capped_by).toEqual(['switch-state']);

    // The address written in loses the check's 10 points: no call, and another lab's address.
    const address = hardCoded.report.tests.find((t) => t.id === 'address')!;
    expect([address.score, address.max_score], address.output).toEqual([0, 10]);
    const hardEvents = readEvidenceText(readFileSync(hardCoded.evidence, 'utf8')).events;
    expect(hardEvents.filter((e) => e.kind === 'api.call')).toEqual([]);
    expect(
      hardEvents.some(
        (e) => e.kind === 'ui.read' && e.testid === 'device-address' && e.text === addressOf(6),
      ),
    ).toBe(true);

    expect(hung.report.score).toBe(0);
    const seen = hung.report.tests.map((t) => t.output).join('\n');
    expect(seen).toMatch(/did not load|did not answer/);
    expect(seen).toMatch(/dialog/);
    // Bounded: its 8 s, then at most one step's and the browser's close bounds.
    expect(hung.ms).toBeLessThan(30_000);
  }, 90_000);
});
