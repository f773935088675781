/**
 * The roster preview marks each bad line with its problems, each with a stable code the console
 * words in Chinese or English: every row message parseRoster (server/roster.ts) gives has one.
 */
import { describe, expect, it } from 'vitest';
import { checkRoster } from '../../server/roster-check.js';
import zh from '../../server/console/src/i18n/zh.js';

describe('checkRoster', () => {
  it('passes a good roster with every row and no problem', () => {
    const r = checkRoster('id,name,seat,ip\nc001,张三,A1,10.0.0.1\nc002,李四,A2,\n');
    expect(r.ok).toBe(true);
    expect(r.header).toEqual(['id', 'name', 'seat', 'ip']);
    expect(r.rows.map((x) => [x.line, x.cells.name, x.problems])).toEqual([
      [2, '张三', []],
      [3, '李四', []],
    ]);
  });

  it("codes each of parseRoster's row problems, by line", () => {
    const r = checkRoster(
      'id,name,ip\nc001,张三,10.0.0.1\nbad id,,\n,王五,\nc001,赵六,10.0.0.1\nc005,钱七,999.1.1.1\n',
    );
    expect(r.ok).toBe(false);
    const codes = Object.fromEntries(r.rows.map((x) => [x.line, x.problems.map((p) => p.code)]));
    expect(codes).toEqual({
      2: [],
      3: ['idFormat', 'nameEmpty'],
      4: ['idEmpty'],
      5: ['idDuplicate', 'ipDuplicate'],
      6: ['ipInvalid'],
    });
    expect(r.rows[3]!.problems[0]!.params).toEqual({ id: 'c001', line: '2' });
    for (const row of r.rows)
      for (const p of row.problems) expect(Object.keys(zh.rosterProblem)).toContain(p.code);
  });

  it('says what is wrong with a file that has no usable header', () => {
    const r = checkRoster('name\n张三\n');
    expect(r.ok).toBe(false);
    expect(r.problems.join()).toMatch(/header must be id,name/);
  });
});
