/** `iotlab papers`, `session create` and `session export` through runCli (no process). */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.js';

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

describe('session CLI', () => {
  it('papers lists the seven built-in papers and which can be used for an exam', async () => {
    const r = await cli('papers', '--json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { id: string }[]).map((p) => p.id)).toEqual([
      'L1-EMB',
      'L1-APP',
      'L1-SYS',
      'L2-EMB',
      'L2-APP',
      'L2-SYS',
      'L3',
    ]);
    const text = (await cli('papers')).out;
    expect(text).toContain('感知控制开发 45');
    const use = (id: string) => text.split('\n').find((l) => l.startsWith(`${id} `));
    expect(use('L1-EMB')).toContain('可用于考试 / exam-ready');
    expect(use('L1-SYS')).toContain('可用于考试 / exam-ready');
    expect(use('L1-APP')).toContain('可用于考试 / exam-ready');
    expect(use('L2-EMB')).toContain('80 points in gaps');
    expect(use('L2-APP')).toContain('40 points in gaps');
    expect(use('L3')).toContain('缺 60 分');
    expect(text).toContain('物联网技术咨询与服务 15: l1-sys-consult 15');
    expect(text).toContain('物联网系统部署 30: 缺口 gap 30');
  });

  it('a bad roster exits 2 with every line, and creates no data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-cli-'));
    const roster = join(dir, 'r.csv');
    writeFileSync(roster, 'id,name,ip\nc 1,A,\nc2,B,1.2.3\n');
    const data = join(dir, 'data');
    const r = await cli(
      'session',
      'create',
      '--data',
      data,
      '--paper',
      'L1-APP',
      '--roster',
      roster,
      '--mode',
      'exam',
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/line 2: id/);
    expect(r.err).toMatch(/line 3: ip/);
    expect(existsSync(data)).toBe(false);
    const mode = await cli(
      'session',
      'create',
      '--data',
      data,
      '--paper',
      'L1-APP',
      '--roster',
      roster,
      '--mode',
      'quiz',
    );
    expect(mode.code).toBe(2);
    // A good roster, but a paper with gaps for an exam: refused as bad input, like the others.
    writeFileSync(roster, 'id,name\nc1,A\n');
    const gaps = await cli(
      'session',
      'create',
      '--data',
      data,
      '--paper',
      'L2-SYS',
      '--roster',
      roster,
      '--mode',
      'exam',
    );
    expect(gaps.code).toBe(2);
    expect(gaps.err).toMatch(/cannot be used for an exam/);
    // A paper with no task at all cannot even be practised: a clear refusal, not a crash.
    const emptyPaper = join(dir, 'empty-paper.yaml');
    writeFileSync(
      emptyPaper,
      [
        'id: EMPTY-L2-APP',
        'title: { zh: 空试卷, en: Empty paper }',
        'level: L2',
        'direction: APP',
        'tasks: []',
        'gaps:',
        ...[
          '物联网平台应用开发: 35',
          '物联网边缘计算系统应用开发: 35',
          '物联网移动应用开发: 30',
        ].map((row) => {
          const [fn, points] = row.split(': ');
          return `  - { function: ${fn}, points: ${points}, reason: { zh: 无, en: none } }`;
        }),
        '',
      ].join('\n'),
    );
    const empty = await cli(
      'session',
      'create',
      '--data',
      data,
      '--paper',
      emptyPaper,
      '--roster',
      roster,
      '--mode',
      'practice',
    );
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/has no task yet.*nothing to sit/);
  });

  it('names a marking panel of examiner accounts, and refuses one that makes no panels', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-cli-'));
    const data = join(dir, 'data');
    const roster = join(dir, 'r.csv');
    writeFileSync(roster, 'id,name\nc1,A\nc2,B\n');
    for (const u of ['e1', 'e2', 'e3']) {
      process.env.IOTLAB_USER_PASSWORD = `pw-${u}-secret`;
      expect((await cli('user', 'add', u, '--data', data)).code).toBe(0);
    }
    delete process.env.IOTLAB_USER_PASSWORD;
    expect((await cli('user', 'list', '--data', data)).out).toMatch(/e1 +examiner/);
    const args = ['session', 'create', '--data', data, '--paper', 'L1-SYS', '--roster', roster];
    const bad = await cli(...args, '--mode', 'exam', '--examiners', 'e1,e2', '--chief', 'e1');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/do not make panels of 3/);
    const nobody = await cli(...args, '--mode', 'exam', '--examiners', 'e1,e2,zz', '--chief', 'e1');
    expect(nobody.err).toMatch(/not examiner accounts: zz/);
    const ok = await cli(...args, '--mode', 'exam', '--examiners', 'e1,e2,e3', '--chief', 'e1');
    expect(ok.code, ok.err).toBe(0);
  });

  it('creates a session (id on the last line) and exports its pending score sheet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-cli-'));
    const roster = join(dir, 'r.csv');
    writeFileSync(roster, 'id,name,seat,ip\nc1,张三,A1,10.0.0.1\nc2,李四,A2,10.0.0.2\n');
    const data = join(dir, 'data');
    const r = await cli(
      'session',
      'create',
      '--data',
      data,
      '--paper',
      'L1-SYS',
      '--roster',
      roster,
      '--mode',
      'practice',
    );
    expect(r.code, r.err).toBe(0);
    const id = r.out.trim().split('\n').at(-1)!;
    const out = join(dir, 'scores.csv');
    const e = await cli('session', 'export', id, '--data', data, '--format', 'csv', '--out', out);
    expect(e.code, e.err).toBe(0);
    const lines = readFileSync(out, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines[0]).toMatch(
      /^考生编号,姓名,座位,l1-sys-firmware,l1-sys-sql,l1-sys-fault,l1-sys-consult,总分,结果$/,
    );
    expect(lines.slice(1).map((l) => l.split(',').at(-1))).toEqual(['待评分', '待评分']);
    const missing = await cli(
      'session',
      'export',
      'nope',
      '--data',
      data,
      '--format',
      'json',
      '--out',
      out,
    );
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain('no session nope');
  });
});
