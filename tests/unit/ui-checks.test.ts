/** The pure helpers of the web app checks: numbers and statuses as pages show them, steadiness. */
import { describe, expect, it } from 'vitest';
import { shownNumber, shownOnline, steady } from '../../grader/checks/ui.js';

describe('ui check helpers', () => {
  it('reads the first number a page shows, in the forms pages write it', () => {
    expect(shownNumber('23.4 °C')).toBe(23.4);
    expect(shownNumber('温度：-3.5℃')).toBe(-3.5);
    expect(shownNumber('−2,5 °C')).toBe(-2.5);
    expect(shownNumber('55 %RH')).toBe(55);
    expect(shownNumber('—')).toBeUndefined();
    expect(shownNumber(undefined)).toBeUndefined();
  });

  it('tells online from offline in Chinese and English, and neither from both', () => {
    expect(shownOnline('在线')).toBe(true);
    expect(shownOnline('状态：离线')).toBe(false);
    expect(shownOnline('Online')).toBe(true);
    expect(shownOnline('OFFLINE')).toBe(false);
    expect(shownOnline('在线/离线')).toBeUndefined();
    expect(shownOnline('')).toBeUndefined();
  });

  it('is steady only when the value held over the whole window', () => {
    const step = (t: number) => t >= 5000;
    expect(steady(4000, 3000, step)).toBe(false);
    expect(steady(9000, 3000, step)).toBe(true);
    expect(steady(7000, 3000, step)).toBeUndefined();
    // A change just before the reading still counts.
    expect(steady(5050, 3000, step)).toBeUndefined();
  });
});
