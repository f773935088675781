/** The pure parts of the dashboard checks: a plotted series as pages write it, the alarm rule. */
import { describe, expect, it } from 'vitest';
import { parseSeries, ruleStates } from '../../grader/checks/ui-trend.js';

describe('dashboard check helpers', () => {
  it('reads a series of [ts, value] pairs and says why anything else is not one', () => {
    expect(parseSeries('[[1764000000000,23.4],[1764000001000,"23.5"]]')).toEqual([
      [1764000000000, 23.4],
      [1764000001000, 23.5],
    ]);
    expect(parseSeries('[]')).toEqual([]);
    expect(parseSeries(null)).toBe('no series attribute');
    expect(parseSeries('23.4')).toMatch(/not an array/);
    expect(parseSeries('[{"ts":1,"value":2}]')).toMatch(/is no pair/);
    expect(parseSeries('[[1,null]]')).toMatch(/not two numbers/);
    expect(parseSeries('[[1,""]]')).toMatch(/not two numbers/);
    expect(parseSeries('[[1,2],')).toMatch(/not JSON/);
  });

  it('raises after N consecutive samples above high, holds between, clears below low', () => {
    const rule = { count: 3, high: 30, low: 27 };
    const states = (vs: number[]) =>
      ruleStates(
        vs.map((v, i) => ({ t: i * 1000, ts: i * 1000, v })),
        rule,
      ).map(Number);
    // A spike of two samples does not raise; three in a row do, exactly at the third.
    expect(states([25, 32, 32, 28, 31, 31, 31, 28, 28, 26.9, 25])).toEqual([
      0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0,
    ]);
    // "Above" is strict, and so is "below": 30 does not count, 27 does not clear.
    expect(states([30, 30, 30, 31, 31, 31, 27, 26.9])).toEqual([0, 0, 0, 0, 0, 1, 1, 0]);
    // A sample at or below high breaks the run.
    expect(states([31, 31, 29, 31, 31])).toEqual([0, 0, 0, 0, 0]);
  });
});
