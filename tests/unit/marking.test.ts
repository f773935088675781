import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { aggregate, anonNumbers, makePlan, verdict } from '../../server/marking.js';
import type { MarkingPlan, PanelMark } from '../../server/marking.js';

const examiners = new Set(['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'chief']);
const isExaminer = (u: string) => examiners.has(u);
const mark = (examiner: string, points: number): PanelMark => ({
  candidateId: 'c1',
  taskId: 't',
  checkId: 'k',
  examiner,
  criteria: { overall: points },
  points,
  comment: '',
  handinSha256: null,
  at: '2026-12-06T00:00:00.000Z',
});

describe('marking panel', () => {
  it('deals candidates to panels of three in roster order, and warns past 1:5', () => {
    const { plan, warnings } = makePlan(
      { examiners: ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'], chief: 'chief' },
      ['c1', 'c2', 'c3'],
      isExaminer,
    );
    expect(plan.panels).toEqual([
      { examiners: ['e1', 'e2', 'e3'], candidates: ['c1', 'c3'] },
      { examiners: ['e4', 'e5', 'e6'], candidates: ['c2'] },
    ]);
    expect(plan).toMatchObject({ aggregate: 'median', spread: 0.2, blind: true, panelSize: 3 });
    expect(warnings).toEqual([]);
    const many = Array.from({ length: 16 }, (_, i) => `c${i}`);
    const w = makePlan({ examiners: ['e1', 'e2', 'e3'], chief: 'e1' }, many, isExaminer).warnings;
    expect(w.join()).toMatch(/5\.3 名考生.*5\.3 candidates per examiner/);
  });

  it('refuses an even panel, unknown accounts, repeats and a count that makes no panels', () => {
    expect(() =>
      makePlan({ examiners: ['e1', 'e2'], chief: 'e1', panelSize: 2 }, [], isExaminer),
    ).toThrow(/odd/);
    expect(() =>
      makePlan({ examiners: ['e1', 'x'], chief: 'e1', panelSize: 1 }, [], isExaminer),
    ).toThrow(/not examiner accounts: x/);
    expect(() => makePlan({ examiners: ['e1', 'e1', 'e2'], chief: 'e1' }, [], isExaminer)).toThrow(
      /twice/,
    );
    expect(() =>
      makePlan({ examiners: ['e1', 'e2', 'e3', 'e4'], chief: 'e1' }, [], isExaminer),
    ).toThrow(/panels of 3/);
  });

  it('takes the median (or mean) of the panel, and sends a wide spread to the chief', () => {
    expect(aggregate([12, 3, 10], 'median')).toBe(10);
    expect(aggregate([12, 3, 10], 'mean')).toBeCloseTo(8.3);
    const plan = { spread: 0.2, aggregate: 'median' } as MarkingPlan;
    const panel = ['e1', 'e2', 'e3'];
    expect(verdict(plan, panel, [mark('e1', 8), mark('e2', 9)], 20)).toEqual({ state: 'open' });
    expect(verdict(plan, panel, [mark('e1', 8), mark('e2', 9), mark('e3', 12)], 20)).toEqual({
      state: 'agreed',
      points: 9,
      spread: 4,
    });
    // 4 of 20 is the threshold itself; 4.5 is past it.
    expect(verdict(plan, panel, [mark('e1', 8), mark('e2', 9), mark('e3', 12.5)], 20)).toEqual({
      state: 'reconcile',
      spread: 4.5,
    });
    // Marks by someone outside the panel never count.
    expect(verdict(plan, panel, [mark('e1', 8), mark('e2', 9), mark('x', 9)], 20).state).toBe(
      'open',
    );
  });

  it('a median lies between the lowest and highest mark', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 9 }),
        (xs) => {
          const m = aggregate(xs, 'median');
          return m >= Math.min(...xs) && m <= Math.max(...xs);
        },
      ),
    );
  });

  it('numbers candidates anonymously: stable, unique, not the roster order', () => {
    const ids = Array.from({ length: 30 }, (_, i) => `c${String(i).padStart(3, '0')}`);
    const a = anonNumbers('secret-1', ids);
    expect(anonNumbers('secret-1', [...ids].reverse())).toEqual(a);
    expect(new Set(a.values()).size).toBe(30);
    expect([...a.values()].every((n) => /^A\d{2}$/.test(n))).toBe(true);
    expect(ids.map((id) => a.get(id))).not.toEqual([...a.values()].sort());
    expect(anonNumbers('secret-2', ids)).not.toEqual(a);
  });
});
