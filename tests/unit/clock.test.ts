import { describe, expect, it } from 'vitest';
import { ManualClock, RealClock } from '../../core/clock.js';

describe('ManualClock', () => {
  it('fires timers in time order as it advances, intervals repeatedly', () => {
    const clock = new ManualClock();
    const log: string[] = [];
    clock.setTimeout(() => log.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => log.push(`a@${clock.now()}`), 100);
    const iv = clock.setInterval(() => log.push(`i@${clock.now()}`), 150);
    clock.advance(320);
    expect(log).toEqual(['a@100', 'i@150', 'b@200', 'i@300']);
    expect(clock.now()).toBe(320);
    clock.clear(iv);
    clock.advance(1000);
    expect(log).toHaveLength(4);
    expect(clock.pending()).toBe(0);
  });

  it('lets a timer schedule another timer within the same advance', () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 50);
    }, 10);
    clock.advance(100);
    expect(seen).toEqual([10, 60]);
  });

  it('maps lab time to a fixed wall epoch', () => {
    const clock = new ManualClock({ epochMs: 1_000_000 });
    clock.advance(1500);
    expect(clock.wall()).toBe(1_001_500);
  });
});

describe('RealClock', () => {
  it('runs lab time faster when accelerated', async () => {
    const clock = new RealClock({ speed: 50 });
    const fired = await new Promise<number>((resolve) =>
      clock.setTimeout(() => resolve(clock.now()), 500),
    );
    // 500 ms of lab time at 50× is about 10 ms of wall time.
    expect(fired).toBeGreaterThanOrEqual(450);
  });

  it('rejects a non-positive speed', () => {
    expect(() => new RealClock({ speed: 0 })).toThrow(/speed/);
  });
});
