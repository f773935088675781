/**
 * The grader's commands through runCli: skills, coverage, tasks, task show, grade (text and JSON,
 * a damaged file reported and not graded), and check running a real program against a real lab.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.js';
import type { GradeReport } from '../../grader/report.js';
import type { LabCard } from '../../simulator/card.js';
import { getTask } from '../../tasks/bank.js';
import { solve } from '../../tasks/l1-sys-fault/solution.js';
import { runTask } from '../support/task-run.js';
import { waitFor } from '../support/net.js';
import { createLab } from '../../simulator/lab.js';
import { validateScenario } from '../../simulator/scenario.js';
import type { EvidenceEvent } from '../../core/evidence.js';

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

describe('grader CLI', () => {
  it('lists skills by level and direction, and coverage', async () => {
    const s = await cli('skills', '--level', 'L1', '--direction', 'EMB', '--json');
    expect(s.code).toBe(0);
    const skills = JSON.parse(s.out) as { id: string }[];
    expect(skills).toHaveLength(25);
    expect(skills[0]!.id).toBe('L1.EMB.1.1.1');
    expect((await cli('skills', '--level', 'L4')).code).toBe(2);
    const c = await cli('coverage', '--json');
    const cov = JSON.parse(c.out) as {
      autoCovered: number;
      items: { id: string; checks: unknown[] }[];
    };
    expect(cov.autoCovered).toBeGreaterThanOrEqual(6);
    expect(cov.items.find((i) => i.id === 'L1.EMB.1.1.1')!.checks).toContainEqual({
      task: 'l1-emb-analog',
      check: 'value',
      points: 40,
    });
  });

  it('lists tasks and shows instructions in both languages', async () => {
    const t = await cli('tasks', '--json');
    expect((JSON.parse(t.out) as { id: string }[]).map((x) => x.id)).toContain('l1-sys-fault');
    const zh = await cli('task', 'show', 'l1-emb-analog', '--seed', '4');
    expect(zh.out).toMatch(/^# 模拟量传感器数据采集与上报/);
    const en = await cli('task', 'show', 'l1-emb-analog', '--seed', '4', '--lang', 'en');
    expect(en.out).toMatch(/input register \*\*\d+\*\*/);
    const unknown = await cli('task', 'show', 'l9-nope');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no task "l9-nope"/);
  });

  it('grades a recorded run (exit 0 when passed), and refuses a damaged one', async () => {
    const task = getTask('l1-sys-fault');
    const run = await runTask(task, 31, solve);
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-grade-'));
    const out = join(dir, 'report.json');
    const g = await cli(
      'grade',
      'l1-sys-fault',
      '--seed',
      '31',
      '--evidence',
      run.path,
      '--format',
      'json',
      '--out',
      out,
    );
    expect(g.code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as GradeReport;
    expect(report.score).toBe(100);
    expect(report.provenance.evidence.sha256).toMatch(/^[0-9a-f]{64}$/);
    const text = await cli(
      'grade',
      'l1-sys-fault',
      '--seed',
      '31',
      '--evidence',
      run.path,
      '--lang',
      'en',
    );
    expect(text.out).toMatch(/Total: 100 \/ 100 {2}PASS/);

    const html = await cli(
      'grade',
      'l1-sys-fault',
      '--seed',
      '31',
      '--evidence',
      run.path,
      '--format',
      'html',
    );
    expect(html.out).toMatch(/^<!doctype html>/);
    expect(html.out).toContain('合格 PASS');
    // The page quotes the answer lines it scored.
    expect(html.out).toMatch(/&quot;kind&quot;:&quot;answer&quot;/);
    const junit = await cli(
      'grade',
      'l1-sys-fault',
      '--seed',
      '31',
      '--evidence',
      run.path,
      '--format',
      'junit',
    );
    expect(junit.out).toContain('<property name="score" value="100"/>');

    const damaged = join(dir, 'damaged.jsonl');
    const lines = run.evidence.split('\n');
    lines.splice(3, 1);
    writeFileSync(damaged, lines.join('\n'));
    const d = await cli(
      'grade',
      'l1-sys-fault',
      '--seed',
      '31',
      '--evidence',
      damaged,
      '--format',
      'json',
    );
    expect(d.code).toBe(1);
    const dr = JSON.parse(d.out) as GradeReport;
    expect(dr.gradable).toBe(false);
    expect(dr.score).toBe(0);
    expect(dr.problems[0]).toEqual({
      line: 4,
      message: expect.stringMatching(/hash chain broken/) as unknown,
    });
    expect(
      (await cli('grade', 'l1-sys-fault', '--seed', '31', '--evidence', join(dir, 'none.jsonl')))
        .code,
    ).toBe(2);
  }, 20_000);

  it('answer submits to a running lab, recorded as answer evidence', async () => {
    const task = getTask('l1-sys-fault');
    const scenario = validateScenario(task.scenario(task.params(4)));
    const lab = createLab(scenario, { seed: 4, ports: { ws: null } });
    const events: EvidenceEvent[] = [];
    lab.recorder.subscribe((e) => events.push(e));
    const card = await lab.start();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'iotlab-answer-'));
      const cardPath = join(dir, 'card.json');
      writeFileSync(cardPath, JSON.stringify(card));
      const a = await cli('answer', 'fault_type', 'drift', '--card', cardPath);
      expect(a.code).toBe(0);
      await waitFor(() => events.find((e) => e.kind === 'answer'));
      expect(events.find((e) => e.kind === 'answer')).toMatchObject({
        key: 'fault_type',
        value: 'drift',
        source: 'mqtt',
      });
      expect((await cli('answer', 'Bad-Key', 'x', '--card', cardPath)).code).toBe(2);
    } finally {
      await lab.stop();
    }
  });

  it('practice prints the instructions and a live checklist as checks pass', async () => {
    const task = getTask('l1-sys-fault');
    let out = '';
    const started = new Promise<LabCard>((resolveCard) => {
      void runCli(
        [
          'practice',
          'l1-sys-fault',
          '--seed',
          '3',
          '--speed',
          '20',
          '--mqtt-port',
          '0',
          '--lang',
          'en',
        ],
        {
          stdout: (s) => (out += s),
          stderr: () => undefined,
          onStarted: resolveCard,
        },
      );
    });
    const card = await started;
    const p = task.params(3);
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-practice-'));
    const cardPath = join(dir, 'card.json');
    writeFileSync(cardPath, JSON.stringify(card));
    const id = card.devices.find((d) => d.name === p.device)!.id;
    await cli('answer', 'fault_device', id, '--card', cardPath);
    await waitFor(() => (/✔ device: 40 \/ 40/.test(out) ? true : undefined), 4000);
    await waitFor(() => (/Total: /.test(out) ? true : undefined), 6000);
    expect(out).toContain('# Locate a device fault from data and alarms');
    expect(out).toMatch(/run ended: practice ended/);
  }, 20_000);

  it('check runs a program with the card in its environment and grades it', async () => {
    const task = getTask('l1-sys-fault');
    let offline = 1;
    while (task.params(offline).type !== 'offline') offline++;
    let stuck = 1;
    while (task.params(stuck).type !== 'stuck') stuck++;
    const program = resolve(import.meta.dirname, '../fixtures/offline-watcher.mjs');
    const [pass, fail] = await Promise.all([
      cli(
        'check',
        'l1-sys-fault',
        '--seed',
        String(offline),
        '--speed',
        '10',
        '--format',
        'json',
        '--',
        'node',
        program,
      ),
      cli(
        'check',
        'l1-sys-fault',
        '--seed',
        String(stuck),
        '--speed',
        '10',
        '--format',
        'json',
        '--',
        'node',
        program,
      ),
    ]);
    expect(pass.err).toMatch(/answered .* offline/);
    expect((JSON.parse(pass.out) as GradeReport).score).toBe(100);
    expect(pass.code).toBe(0);
    expect((JSON.parse(pass.out) as GradeReport).run.stopped).toMatch(
      /program ended before the time was up \(exit code 0\)/,
    );
    expect((JSON.parse(fail.out) as GradeReport).score).toBe(0);
    expect(fail.code).toBe(1);
    expect((JSON.parse(fail.out) as GradeReport).run.stopped).toBe('task time elapsed');
    const missing = await cli(
      'check',
      'l1-sys-fault',
      '--speed',
      '10',
      '--',
      'no-such-program-xyz',
    );
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot start no-such-program-xyz/);
  }, 30_000);
});
