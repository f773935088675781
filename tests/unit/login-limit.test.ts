/** The login limiter on its own clock: per account and address, a window, bounded memory. */
import { describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../core/login-limit.js';
import { LabError } from '../../core/errors.js';

function limiter(maxEntries = 1000) {
  let now = 1_000_000;
  const l = new LoginLimiter({ failures: 3, windowMs: 60_000, maxEntries }, () => now);
  return { l, advance: (ms: number) => (now += ms) };
}
const blocked = (l: LoginLimiter, account: string, ip: string): boolean => {
  try {
    l.check(account, ip);
    return false;
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).codeName).toBe('API_RATE_LIMITED');
    return true;
  }
};

describe('LoginLimiter', () => {
  it('blocks only the pair that failed, until the window after its last failure ends', () => {
    const { l, advance } = limiter();
    for (let i = 0; i < 3; i++) l.fail('a', '10.0.0.1');
    expect(blocked(l, 'a', '10.0.0.1')).toBe(true);
    expect(blocked(l, 'b', '10.0.0.1')).toBe(false);
    expect(blocked(l, 'a', '10.0.0.2')).toBe(false);
    advance(59_000);
    l.fail('a', '10.0.0.1'); // guessing on while blocked keeps it blocked
    advance(59_000);
    expect(blocked(l, 'a', '10.0.0.1')).toBe(true);
    advance(1_001);
    expect(blocked(l, 'a', '10.0.0.1')).toBe(false);
  });

  it('forgets failures spread wider than the window, and a success clears the count', () => {
    const { l, advance } = limiter();
    l.fail('a', 'x');
    l.fail('a', 'x');
    advance(60_001);
    l.fail('a', 'x');
    expect(blocked(l, 'a', 'x')).toBe(false);
    l.fail('a', 'x');
    l.succeed('a', 'x');
    l.fail('a', 'x');
    expect(blocked(l, 'a', 'x')).toBe(false);
  });

  it('remembers a bounded number of pairs, however many are tried', () => {
    const { l } = limiter(100);
    for (let i = 0; i < 10_000; i++) l.fail(`user${i}`, '10.0.0.9');
    expect(l.size).toBe(100);
  });
});
