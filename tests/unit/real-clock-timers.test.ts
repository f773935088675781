/**
 * RealClock timers never run before their lab time: Node timers can fire a little early against
 * performance.now(), and accelerated clocks multiply that. A fault edge that ran early once
 * published an offline device's status as still online.
 */
import { describe, expect, it } from 'vitest';
import { RealClock } from '../../core/clock.js';

describe('RealClock.setTimeout', () => {
  it('runs every callback at or after its due lab time, at speed 1 and accelerated', async () => {
    for (const speed of [1, 20]) {
      const clock = new RealClock({ speed });
      const early: number[] = [];
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => {
          const ms = 5 * speed + i * speed;
          const due = clock.now() + ms;
          return new Promise<void>((resolve) =>
            clock.setTimeout(() => {
              if (clock.now() < due) early.push(due - clock.now());
              resolve();
            }, ms),
          );
        }),
      );
      expect(early, `speed ${speed}`).toEqual([]);
    }
  });
});

describe('RealClock.setInterval', () => {
  it('ticks at start + k·period of lab time, never early, and stops when cleared in a tick', async () => {
    for (const speed of [1, 20]) {
      const clock = new RealClock({ speed });
      const period = 4 * speed;
      const start = clock.now();
      const early: number[] = [];
      let k = 0;
      await new Promise<void>((resolve) => {
        const h = clock.setInterval(() => {
          k += 1;
          const due = start + k * period;
          if (clock.now() < due) early.push(due - clock.now());
          if (k === 12) {
            clock.clear(h);
            resolve();
          }
        }, period);
      });
      // Cleared from inside its own tick: no tick after it.
      await new Promise((r) => setTimeout(r, 30));
      expect(k, `speed ${speed}`).toBe(12);
      expect(early, `speed ${speed}`).toEqual([]);
    }
  });
});
