/**
 * A Python candidate (pyserial over `socket://`, paho-mqtt; Debian's /usr/bin/python3) solving
 * l1-emb-gnss from its rendered instructions, run by `iotlab check` with the serial port in its
 * environment (IOTLAB_SERIAL_<ID>): full marks.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.js';
import type { GradeReport } from '../../grader/report.js';
import { getTask, renderTask } from '../../tasks/bank.js';

const SPEED = 10;

describe('a Python solution of l1-emb-gnss through iotlab check', () => {
  it('scores full marks', async () => {
    const seed = 9;
    const v = renderTask(getTask('l1-emb-gnss'), seed, 'en').vars;
    const argv = [
      'check',
      'l1-emb-gnss',
      '--seed',
      String(seed),
      '--speed',
      String(SPEED),
      '--format',
      'json',
      '--',
      '/usr/bin/python3',
      resolve(import.meta.dirname, '../../tasks/l1-emb-gnss/solution.py'),
      '--device',
      String(v.deviceId),
      '--topic',
      String(v.topic),
      // The program runs on the wall clock; the lab runs SPEED times faster.
      '--period',
      String(Number(v.periodS) / SPEED),
    ];
    let out = '';
    let err = '';
    const code = await runCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
    const report = JSON.parse(out || '{}') as GradeReport;
    expect(
      report.tests?.filter((t) => t.score < t.max_score).map((t) => t.output),
      err,
    ).toEqual([]);
    expect(report.score).toBe(100);
    expect(code).toBe(0);
  }, 30_000);
});
