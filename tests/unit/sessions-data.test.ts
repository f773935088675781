/** Papers (weight table §4.2), roster CSV errors with line numbers, per-candidate derivation. */
import { describe, expect, it } from 'vitest';
import { LabError } from '../../core/errors.js';
import { candidatePassword, candidateSeed, newSecret } from '../../server/derive.js';
import {
  WEIGHT_TABLE,
  listPapers,
  loadPaper,
  paperComplete,
  paperExamReady,
  parsePaperYaml,
} from '../../server/papers.js';
import { parseRoster } from '../../server/roster.js';
import { hashPassword, verifyPassword } from '../../server/passwords.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof LabError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  throw new Error('expected a LabError');
}

describe('papers', () => {
  it('built-in papers exist for every level and direction and follow the weight table', () => {
    const papers = listPapers();
    expect(papers.map((p) => p.id)).toEqual([
      'L1-EMB',
      'L1-APP',
      'L1-SYS',
      'L2-EMB',
      'L2-APP',
      'L2-SYS',
      'L3',
    ]);
    // One paper per column of the weight table (§4.2).
    expect(papers.map((p) => `${p.level}.${p.direction}`).sort()).toEqual(
      Object.keys(WEIGHT_TABLE).sort(),
    );
    for (const p of papers) {
      // Points the bank cannot fill yet are declared gaps, never invented tasks.
      const parts = [...p.tasks, ...p.gaps];
      expect(parts.reduce((s, t) => s + t.points, 0)).toBe(100);
      const weights = WEIGHT_TABLE[`${p.level}.${p.direction}`]!;
      for (const [fn, pct] of Object.entries(weights))
        expect(
          parts.filter((t) => t.function === fn).reduce((s, t) => s + t.points, 0),
          `${p.id} ${fn}`,
        ).toBe(pct);
      expect(p.durationMin).toBeGreaterThanOrEqual(150);
    }
  });

  it('a custom paper with wrong sums and an unknown function lists every problem', () => {
    const yaml = `id: bad
title: { zh: 坏卷, en: Bad }
level: L1
direction: EMB
tasks:
  - { id: a, function: 感知控制开发, points: 50 }
  - { id: a, function: 云计算, points: 40 }
`;
    const problems = problemsOf(() => parsePaperYaml(yaml, 'bad.yaml'));
    expect(problems).toContain('tasks: points of tasks and gaps sum to 90, not 100');
    expect(problems.some((p) => p.includes('task a twice'))).toBe(true);
    expect(problems.some((p) => p.startsWith('tasks.[1].function') && p.includes('云计算'))).toBe(
      true,
    );
    expect(problems.some((p) => p.includes('感知控制开发: 50 points') && p.includes('45'))).toBe(
      true,
    );
  });

  it('a task counts only towards a function some of its checks assess', () => {
    const yaml = `id: wrongfn
title: { zh: 错卷, en: Wrong }
level: L1
direction: EMB
tasks:
  - { id: l1-emb-analog, function: 感知控制开发, points: 45 }
  - { id: l1-emb-rtu, function: 物联网应用协议开发, points: 20 }
  - { id: l1-emb-coap, function: 物联网组网通信开发, points: 35 }
`;
    const problems = problemsOf(() => parsePaperYaml(yaml, 'wrongfn.yaml'));
    expect(problems.filter((p) => p.includes('has no check'))).toEqual([
      expect.stringMatching(
        /^tasks\.\[2\]\.function: task l1-emb-coap has no check of a "物联网组网通信开发" skill/,
      ),
    ]);
  });

  it('the built-in L1-EMB and L1-SYS papers are complete and exam-ready, and so is L1-APP (its web app task sat with an uploaded app)', () => {
    const emb = loadPaper('L1-EMB');
    expect(paperComplete(emb)).toBe(true);
    expect(emb.tasks.map((t) => t.id)).toContain('l1-emb-rtu');
    const sys = loadPaper('L1-SYS');
    expect(paperComplete(sys)).toBe(true);
    expect(sys.tasks.find((t) => t.id === 'l1-sys-consult')?.function).toBe('物联网技术咨询与服务');
    expect(paperExamReady(emb)).toEqual({ ready: true });
    expect(paperExamReady(sys)).toEqual({ ready: true });
    const app = loadPaper('L1-APP');
    expect(paperComplete(app)).toBe(true);
    expect(app.tasks.find((t) => t.id === 'l1-app-mobile')?.function).toBe('物联网移动应用开发');
    expect(paperExamReady(app)).toEqual({ ready: true });
    expect(paperExamReady(loadPaper('L2-SYS'))).toMatchObject({ ready: false });
    for (const id of ['L2-EMB', 'L2-APP', 'L2-SYS', 'L3'])
      expect(paperComplete(loadPaper(id)), id).toBe(false);
  });

  it('a paper states every function without a task as a gap; L2-SYS and L3 have their manual tasks', () => {
    const l2app = loadPaper('L2-APP');
    expect(l2app.tasks.map((t) => [t.id, t.points])).toEqual([
      ['l2-app-secure-store', 15],
      ['l2-app-scenes', 15],
      ['l2-app-gateway-tls', 15],
      ['l2-app-gauge', 15],
    ]);
    expect(l2app.gaps.map((g) => [g.function, g.points])).toEqual([
      ['物联网平台应用开发', 20],
      ['物联网边缘计算系统应用开发', 20],
    ]);
    expect(loadPaper('L2-EMB').tasks.map((t) => [t.id, t.points])).toEqual([
      ['l2-emb-cipher', 7],
      ['l2-emb-tls', 7],
      ['l2-emb-token', 6],
    ]);
    expect(loadPaper('L2-SYS').tasks.map((t) => [t.id, t.points])).toEqual([
      ['l2-sys-plan', 10],
      ['l2-sys-monitor', 15],
      ['l2-sys-audit', 15],
      ['l2-sys-consult', 20],
    ]);
    const l3 = loadPaper('L3');
    expect([l3.level, l3.direction]).toEqual(['L3', 'ALL']);
    expect(l3.tasks.map((t) => [t.id, t.points])).toEqual([
      ['l3-all-plan', 30],
      ['l3-all-consult', 10],
    ]);
    // Gaps still have to add up: no tasks and too few gap points is refused.
    const problems = problemsOf(() =>
      parsePaperYaml(
        `id: thin\ntitle: { zh: 薄卷, en: Thin }\nlevel: L2\ndirection: EMB\ntasks: []\ngaps:\n  - { function: 感知控制开发, points: 40, reason: { zh: 无, en: none } }\n`,
        'thin.yaml',
      ),
    );
    expect(problems).toContain('tasks: points of tasks and gaps sum to 40, not 100');
  });

  it('broken YAML and unknown ids are clear errors', () => {
    expect(() => parsePaperYaml('id: [', 'x.yaml')).toThrow(/x\.yaml is not valid YAML/);
    expect(() => loadPaper('L9-XYZ')).toThrow(/no paper "L9-XYZ" \(built-in: L1-EMB/);
  });
});

describe('roster', () => {
  it('parses id,name,seat,ip with a BOM and blank optional cells', () => {
    const rows = parseRoster('\uFEFFid,name,seat,ip\nc001,张三,A1,10.0.0.11\nc002,李四,,\n');
    expect(rows).toEqual([
      { id: 'c001', name: '张三', seat: 'A1', ip: '10.0.0.11' },
      { id: 'c002', name: '李四' },
    ]);
  });

  it('reports every bad row with its line number', () => {
    const csv = [
      'id,name,seat,ip',
      'c001,张三,A1,10.0.0.11',
      'bad id,李四,A2,',
      'c003,,A3,10.0.0.13',
      'c001,王五,A4,999.1.1.1',
      'c005,赵六,A5,10.0.0.11',
    ].join('\n');
    const problems = problemsOf(() => parseRoster(csv, 'r.csv'));
    expect(problems).toEqual([
      'line 3: id: 1–32 letters, digits, _ or - (no spaces)',
      'line 4: name is empty',
      'line 5: ip is not an IPv4 or IPv6 address',
      'line 6: ip 10.0.0.11 is also on line 2',
    ]);
    expect(problemsOf(() => parseRoster('id,name\nc1,A\nC1,B\n'))).toEqual([
      'line 3: id C1 is also on line 2',
    ]);
  });

  it('rejects a wrong header and ragged rows', () => {
    expect(() => parseRoster('name,seat\nx,1\n')).toThrow(/header must be id,name/);
    expect(problemsOf(() => parseRoster('id,name\nc1,A,extra\n'))[0]).toMatch(/^line 2/);
  });
});

describe('per-candidate derivation', () => {
  it('same secret and id give the same seed and password; others differ', () => {
    const s = newSecret();
    expect(candidateSeed(s, 'c001')).toBe(candidateSeed(s, 'c001'));
    expect(candidatePassword(s, 'c001')).toBe(candidatePassword(s, 'c001'));
    expect(candidateSeed(s, 'c002')).not.toBe(candidateSeed(s, 'c001'));
    expect(candidateSeed(newSecret(), 'c001')).not.toBe(candidateSeed(s, 'c001'));
    expect(candidatePassword(s, 'c001')).toMatch(/^[a-z2-9]{10}$/);
    const fixed = 'ab'.repeat(32);
    expect(candidateSeed(fixed, 'c001')).toBe(candidateSeed(fixed, 'c001'));
    expect(candidateSeed(fixed, 'c001')).toBeLessThan(2 ** 31);
  });

  it('scrypt hashes verify only the right password', async () => {
    const h = await hashPassword('s3cret');
    expect(h).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('s3cret', h)).toBe(true);
    expect(await verifyPassword('s3cret!', h)).toBe(false);
    expect(await verifyPassword('s3cret', 'plain')).toBe(false);
  });
});
