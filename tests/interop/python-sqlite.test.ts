/**
 * A Python candidate (paho-mqtt, the standard sqlite3 module) solving l1-app-sqlite through
 * `iotlab check`: it finds its work folder in IOTLAB_WORKDIR, and the database it leaves is
 * captured at the end and graded to full marks.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.js';
import type { GradeReport } from '../../grader/report.js';
import { getTask, renderTask } from '../../tasks/bank.js';

describe('a Python solution of l1-app-sqlite through iotlab check', () => {
  it('scores full marks from the captured database', async () => {
    const seed = 5;
    const v = renderTask(getTask('l1-app-sqlite'), seed, 'en').vars;
    const argv = [
      'check',
      'l1-app-sqlite',
      '--seed',
      String(seed),
      '--speed',
      '10',
      '--format',
      'json',
      '--',
      '/usr/bin/python3',
      resolve(import.meta.dirname, '../../tasks/l1-app-sqlite/solution.py'),
      '--topic',
      String(v.topic),
      '--file',
      String(v.file),
      '--table',
      String(v.table),
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
