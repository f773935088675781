/**
 * A Python candidate (paho-mqtt and pymodbus, Debian's /usr/bin/python3) solving l1-emb-analog
 * from its rendered instructions, run by `iotlab check` with the card in its environment: full
 * marks, exit 0. The same program publishing every 1 s instead of the task's period loses the
 * period check (10 points) and nothing else.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.js';
import type { GradeReport } from '../../grader/report.js';
import { getTask, renderTask } from '../../tasks/bank.js';

const PYTHON = '/usr/bin/python3';
const SPEED = 10;

async function check(seed: number, period: number) {
  const v = renderTask(getTask('l1-emb-analog'), seed, 'en').vars;
  const argv = [
    'check',
    'l1-emb-analog',
    '--seed',
    String(seed),
    '--speed',
    String(SPEED),
    '--format',
    'json',
    '--',
    PYTHON,
    resolve(import.meta.dirname, '../../tasks/l1-emb-analog/solution.py'),
    '--unit',
    String(v.unitId),
    '--address',
    String(v.address),
    '--scale',
    String(v.scale),
    '--offset',
    String(v.offset),
    '--unit-name',
    String(v.unit),
    '--topic',
    String(v.topic),
    // The program runs on the wall clock; the lab runs SPEED times faster.
    '--period',
    String(period / SPEED),
  ];
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, err, report: JSON.parse(out || '{}') as GradeReport };
}

describe('a Python solution of l1-emb-analog through iotlab check', () => {
  it('scores full marks, and loses exactly the period check when it publishes too often', async () => {
    const seed = 7;
    const period = Number(renderTask(getTask('l1-emb-analog'), seed, 'en').vars.periodS);
    const [good, fast] = await Promise.all([check(seed, period), check(seed, 1)]);
    expect(
      good.report.tests?.filter((t) => t.score < t.max_score).map((t) => t.output),
      good.err,
    ).toEqual([]);
    expect(good.report.score).toBe(100);
    expect(good.code).toBe(0);
    expect(fast.report.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual([
      'period',
    ]);
    expect(fast.report.score).toBe(90);
  }, 30_000);
});
