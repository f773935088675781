/**
 * The bank's manual tasks (issue 15): each is fit for the bank; `iotlab check TASK --handin …`
 * with its reference hand-ins (written for seed 1) gives its automatic checks full points and
 * leaves every rubric check to the examiners; nothing handed in is a sure zero; a case naming the
 * wrong device, a design that does not fit the site and a too-wide ACL lose the automatic points.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.js';
import { grade } from '../../grader/grade.js';
import { statedFact } from '../../grader/checks/handin-facts.js';
import type { GradeReport } from '../../grader/report.js';
import { getTask, renderTask, taskHash, validateTask } from '../../tasks/bank.js';
import { taskFile } from '../../tasks/paths.js';

const SEED = 1;
const ref = (id: string, file: string) => taskFile(id, 'reference', file);

/** Hands the files in with `iotlab check` (no program) and grades its evidence with grade(). */
async function handIn(id: string, files: Record<string, string>): Promise<GradeReport> {
  const dir = mkdtempSync(join(tmpdir(), `iotlab-manual-${id}-`));
  const evidence = join(dir, 'evidence.jsonl');
  let err = '';
  const argv = ['check', id, '--seed', String(SEED), '--evidence', evidence, '--format', 'json'];
  argv.push('--out', join(dir, 'report.json'));
  for (const [item, path] of Object.entries(files)) argv.push('--handin', `${item}=${path}`);
  const code = await runCli(argv, { stdout: () => undefined, stderr: (s) => (err += s) });
  expect([0, 1], err).toContain(code);
  const task = getTask(id);
  const r = grade(task, SEED, {
    evidence: readFileSync(evidence, 'utf8'),
    taskHash: taskHash(task),
  });
  expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
  // The CLI's report is the same grade.
  const cli = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as GradeReport;
  expect(cli.tests.map((t) => [t.id, t.score, t.outcome])).toEqual(
    r.tests.map((t) => [t.id, t.score, t.outcome]),
  );
  return r;
}

const scoreOf = (r: GradeReport, id: string) => r.tests.find((t) => t.id === id)?.score;

/** A copy of a reference file with its text changed. */
function edited(id: string, file: string, change: (text: string) => string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'iotlab-edit-')), file);
  writeFileSync(path, change(readFileSync(ref(id, file), 'utf8')));
  return path;
}

const REFERENCES: Record<string, Record<string, string>> = {
  'l1-sys-consult': { case: 'case.md', answer: 'answer.md' },
  'l2-sys-plan': { design: 'design.yaml', topology: 'topology.png', deployment: 'deployment.md' },
  'l2-sys-consult': { training: 'training.md', solution: 'solution.md' },
  'l3-all-plan': {
    requirements: 'requirements.md',
    architecture: 'architecture.md',
    security: 'security.md',
    acl: 'acl.yaml',
  },
  'l3-all-consult': { feasibility: 'feasibility.md', 'training-plan': 'training-plan.md' },
};

describe.each(Object.entries(REFERENCES))('manual task %s', (id, files) => {
  const task = getTask(id);

  it('is fit for the bank: hand-ins, rubrics summing to its points, instructions', () => {
    expect(validateTask(task, [1, 2, 3])).toEqual([]);
    expect(task.checks.some((c) => c.rubric)).toBe(true);
    expect(Object.keys(files).sort()).toEqual((task.handIn ?? []).map((h) => h.id).sort());
    // Every value is filled in, in both languages (a formatter once split `{{code}}` in YAML).
    for (const lang of ['zh', 'en'] as const) {
      const text = renderTask(task, 1, lang).text;
      expect(text).not.toMatch(/\{\s*\{|\}\s*\}/);
      for (const item of task.handIn ?? []) expect(text).toContain(`\`${item.id}\``);
    }
  });

  it('the reference hand-ins: automatic checks full, rubric checks left to the examiners', async () => {
    const r = await handIn(
      id,
      Object.fromEntries(Object.entries(files).map(([item, f]) => [item, ref(id, f)])),
    );
    for (const c of task.checks) {
      const t = r.tests.find((x) => x.id === c.id)!;
      if (c.rubric) expect([t.id, t.outcome, t.score]).toEqual([c.id, 'manual', 0]);
      else expect([t.id, t.outcome, t.score]).toEqual([c.id, 'passed', c.points]);
    }
  });

  it('nothing handed in is a sure zero, with nothing for the examiners', async () => {
    const r = await handIn(id, {});
    expect(r.score).toBe(0);
    expect(r.tests.filter((t) => t.outcome === 'manual')).toEqual([]);
  });
});

describe('automatic checks of a hand-in', () => {
  it('reads a fact from its own line: list item, bold, table row, full-width colon', () => {
    expect(statedFact('# x\n- **Device:** `co2-1a2b`\n', ['device'])).toBe('co2-1a2b');
    expect(statedFact('| 故障设备：| air-01 |', ['故障设备'])).toBe('air-01');
    expect(statedFact('The device: is fine.\nDevice: a\nDevice: b', ['device'])).toBe('b');
    expect(statedFact('no facts here', ['device'])).toBeUndefined();
  });

  it('a case naming the wrong device loses the device points, keeps the fault points', async () => {
    const task = getTask('l1-sys-consult');
    const p = task.params(SEED);
    expect(p).toMatchObject({ device: 'air', type: 'spike' });
    const wrong = edited('l1-sys-consult', 'case.md', (t) =>
      t.replace('故障设备：air-fef2', '故障设备：co2-299e'),
    );
    const r = await handIn('l1-sys-consult', { case: wrong });
    expect(scoreOf(r, 'case-device')).toBe(0);
    expect(scoreOf(r, 'case-fault')).toBe(10);
    // The wrong kind of fault loses the fault points.
    const type = edited('l1-sys-consult', 'case.md', (t) =>
      t.replace('故障类型：spike', '故障类型：drift'),
    );
    expect(scoreOf(await handIn('l1-sys-consult', { case: type }), 'case-fault')).toBe(0);
  });

  it('reads the facts of a DOCX case (bold labels in their own runs) as of Markdown', async () => {
    const docx = new URL('../fixtures/handin/consult-case.docx', import.meta.url).pathname;
    const r = await handIn('l1-sys-consult', { case: docx });
    expect([scoreOf(r, 'case-device'), scoreOf(r, 'case-fault')]).toEqual([15, 10]);
    expect(r.tests.find((t) => t.id === 'case')?.outcome).toBe('manual');
    // A PDF case is refused (the facts must be readable): nothing to mark, no points.
    const pdf = join(mkdtempSync(join(tmpdir(), 'iotlab-pdf-')), 'case.pdf');
    writeFileSync(pdf, '%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
    const p = await handIn('l1-sys-consult', { case: pdf });
    expect(p.tests.filter((t) => t.id.startsWith('case')).map((t) => [t.score, t.outcome])).toEqual(
      [
        [0, 'failed'],
        [0, 'failed'],
        [0, 'failed'],
      ],
    );
  });

  it('a design that does not fit the site loses by share of the nodes', async () => {
    // temp-02 is 1131 m away on battery: Wi-Fi neither reaches nor suits it; one node dropped.
    const design = edited('l2-sys-plan', 'design.yaml', (t) =>
      t
        .replace('{ id: temp-02, address: 29, link: lora', '{ id: temp-02, address: 29, link: wifi')
        .replace(/ {2}- \{ id: smoke-01.*\n/, ''),
    );
    const r = await handIn('l2-sys-plan', { design });
    expect(scoreOf(r, 'design-nodes')).toBe(9);
    expect(scoreOf(r, 'design-links')).toBe(8);
    // Another site's addresses (out of the block) lose the nodes.
    const out = edited('l2-sys-plan', 'design.yaml', (t) =>
      t.replace(/address: (\d+)/g, (_, a: string) => `address: ${Number(a) + 100}`),
    );
    expect(scoreOf(await handIn('l2-sys-plan', { design: out }), 'design-nodes')).toBe(0);
  });

  it('an ACL that lets a device publish for others, or does not deny by default, loses', async () => {
    const wide = edited('l3-all-plan', 'acl.yaml', (t) =>
      t.replace(
        "publish: ['iotlab/0390ca/air-e760/telemetry'",
        "publish: ['iotlab/0390ca/+/telemetry'",
      ),
    );
    const r = await handIn('l3-all-plan', { acl: wide });
    expect(scoreOf(r, 'acl-own')).toBe(10);
    expect(scoreOf(r, 'acl-least')).toBe(7.5);
    const open = edited('l3-all-plan', 'acl.yaml', (t) =>
      t.replace('default: deny', 'default: allow'),
    );
    expect(scoreOf(await handIn('l3-all-plan', { acl: open }), 'acl-least')).toBe(0);
    // A device left out cannot report.
    const missing = edited('l3-all-plan', 'acl.yaml', (t) =>
      t.replaceAll('client: soil-667c', 'client: soil-x'),
    );
    expect(scoreOf(await handIn('l3-all-plan', { acl: missing }), 'acl-own')).toBe(7.5);
  });
});
