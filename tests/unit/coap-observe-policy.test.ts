/** The Observe policy's bookkeeping on its own (the socket-level flood is tests/abuse/). */
import { describe, expect, it } from 'vitest';
import { ObservePolicy } from '../../protocols/coap/observe-policy.js';

const limits = {
  perEndpoint: 2,
  perAddress: 3,
  perResource: 4,
  total: 5,
  notifyRate: 2,
  notifyBurst: 4,
  conEvery: 3,
  conIntervalMs: 10_000,
  ackWaitMs: 5_000,
};

describe('ObservePolicy', () => {
  it('caps registrations per endpoint, address, resource and in all, and frees on removal', () => {
    const p = new ObservePolicy(limits);
    p.added('a:1', 'a', '/x');
    p.added('a:1', 'a', '/x');
    expect(p.refusal('a:1', 'a', '/x')).toBe('2 registrations per endpoint');
    p.added('a:2', 'a', '/y');
    expect(p.refusal('a:3', 'a', '/y')).toBe('3 registrations per address');
    p.added('b:1', 'b', '/x');
    p.added('c:1', 'c', '/x');
    expect(p.refusal('d:1', 'd', '/x')).toBe('4 registrations per resource');
    expect(p.refusal('d:1', 'd', '/z')).toBe('5 registrations per server');
    p.removed('a:1', 'a', '/x');
    expect(p.refusal('d:1', 'd', '/z')).toBeUndefined();
    expect(p.registrations).toBe(4);
  });

  it('refills notification tokens at the rate, up to the burst, on lab time', () => {
    const p = new ObservePolicy(limits);
    const taken = (now: number, n: number) =>
      Array.from({ length: n }, () => p.takeToken('a', now)).filter(Boolean).length;
    expect(taken(0, 10)).toBe(4);
    expect(taken(1000, 10)).toBe(2);
    expect(taken(100_000, 10)).toBe(4);
    expect(p.takeToken('b', 100_000)).toBe(true); // per address
  });

  it('schedules a CON every conEvery notifications or conIntervalMs, and declares it lost', () => {
    const p = new ObservePolicy(limits);
    expect(p.dueCon({ sinceCon: 0, lastConAt: 0 }, 1000)).toBe(false);
    expect(p.dueCon({ sinceCon: 2, lastConAt: 0 }, 1000)).toBe(true);
    expect(p.dueCon({ sinceCon: 0, lastConAt: 0 }, 10_000)).toBe(true);
    const s = { sinceCon: 0, lastConAt: 0, awaiting: { mid: 7, at: 1000 } };
    expect(p.lost(s, 5_999)).toBe(false);
    expect(p.lost(s, 6_000)).toBe(true);
    expect(p.lost({ sinceCon: 0, lastConAt: 0 }, 1e9)).toBe(false);
  });
});
