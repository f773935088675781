/**
 * RealClock timers never run before their lab time: Node timers can fire a little early against
 * performance.now(), and accelerated clocks multiply that. A fault edge that ran early once
 * published an offline device's status as still online.
 */
import { describe, expect, it } from 'vitest';
import { RealClock } from '../../simulator/clock.js';

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
