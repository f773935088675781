/**
 * A field technician's bash script (mosquitto_sub / mosquitto_pub, sed, sort -V) solving
 * l1-sys-firmware from the values in its rendered instructions, run by `iotlab check`: full
 * marks, exit 0 — the firmware service works with Debian's MQTT clients, not just mqtt.js.
 */
import { resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.js';
import type { GradeReport } from '../../grader/report.js';
import { getTask, renderTask } from '../../tasks/bank.js';
import { requireTools } from './harness/tools.js';

beforeEach(() => requireTools('mosquitto_sub', 'mosquitto_pub'));

describe('a shell solution of l1-sys-firmware through iotlab check', () => {
  it('scores full marks with mosquitto-clients', async () => {
    const seed = 9;
    const r = renderTask(getTask('l1-sys-firmware'), seed, 'en');
    const argv = [
      'check',
      'l1-sys-firmware',
      '--seed',
      String(seed),
      '--speed',
      '10',
      '--format',
      'json',
      '--',
      'bash',
      resolve(import.meta.dirname, '../../tasks/l1-sys-firmware/solution.sh'),
      String(r.vars.required),
      String(r.vars.target),
      String(r.vars.sha256),
      ...r.plan.devices.map((d) => d.id),
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
  }, 40_000);
});
