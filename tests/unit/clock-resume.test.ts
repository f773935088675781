/** A resumed lab's real clock goes on from the run's lab time, and its wall time stays now. */
import { describe, expect, it } from 'vitest';
import { RealClock } from '../../core/clock.js';

describe('RealClock startAtMs', () => {
  it('starts at the given lab time, with wall() still the current time', () => {
    const c = new RealClock({ startAtMs: 90_000 });
    expect(c.now()).toBeGreaterThanOrEqual(90_000);
    expect(c.now()).toBeLessThan(91_000);
    expect(Math.abs(c.wall() - Date.now())).toBeLessThan(1000);
  });

  it('fires timers relative to the resumed time, never before their due lab time', async () => {
    const c = new RealClock({ startAtMs: 10_000 });
    const due = c.now() + 30;
    const at = await new Promise<number>((resolve) => c.setTimeout(() => resolve(c.now()), 30));
    expect(at).toBeGreaterThanOrEqual(due);
  });

  it('refuses a negative start', () => {
    expect(() => new RealClock({ startAtMs: -1 })).toThrow(RangeError);
  });
});
