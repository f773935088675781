/**
 * l1-sys-sql solved by independent SQLite clients through `iotlab check`: the `sqlite3` shell
 * and Python's standard sqlite3 module each run the reference script on the database the lab
 * put in IOTLAB_WORKDIR, and the runner's capture of what they left grades to full marks.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.js';
import type { GradeReport } from '../../grader/report.js';
import { requireTools } from '../support/debian.js';

const script = resolve(import.meta.dirname, '../../tasks/l1-sys-sql/solution.sql');

const CLIENTS: { name: string; seed: number; command: string[] }[] = [
  {
    name: 'the sqlite3 shell',
    seed: 6,
    command: ['/bin/sh', '-c', `/usr/bin/sqlite3 -bail "$IOTLAB_WORKDIR/iot.db" < '${script}'`],
  },
  {
    name: "Python's sqlite3 module",
    seed: 7,
    command: [
      '/usr/bin/python3',
      '-c',
      [
        'import os, sqlite3, sys',
        'con = sqlite3.connect(os.path.join(os.environ["IOTLAB_WORKDIR"], "iot.db"))',
        'con.executescript(open(sys.argv[1], encoding="utf-8").read())',
        'con.close()',
      ].join('\n'),
      script,
    ],
  },
];

describe.each(CLIENTS)('l1-sys-sql solved with $name through iotlab check', ({ seed, command }) => {
  it('scores full marks from the captured database', async () => {
    requireTools('/usr/bin/sqlite3', '/usr/bin/python3');
    let out = '';
    let err = '';
    const argv = ['check', 'l1-sys-sql', '--seed', String(seed), '--speed', '10'];
    const code = await runCli([...argv, '--format', 'json', '--', ...command], {
      stdout: (s) => (out += s),
      stderr: (s) => (err += s),
    });
    expect(err).toMatch(/work folder \(IOTLAB_WORKDIR\): .*; the lab's files: iot\.db/);
    const report = JSON.parse(out || '{}') as GradeReport;
    expect(
      report.tests?.filter((t) => t.score < t.max_score).map((t) => t.output),
      err,
    ).toEqual([]);
    expect(report.score).toBe(100);
    expect(report.run.stopped).toMatch(/program ended before the time was up \(exit code 0\)/);
    expect(code).toBe(0);
  }, 30_000);
});
