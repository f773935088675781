/**
 * Login protection that cannot lock a room out. Failures are counted per account *and* address
 * together: a classroom sits behind one NAT address, so counting by address alone let one
 * candidate's wrong passwords lock out everyone there, the examiner included. Here a run of wrong
 * passwords for one account from one address blocks only that pair for a while; every other
 * account, from that address or any other, logs in as before.
 */
import { LabError } from './errors.js';

export interface LoginLimits {
  /** Failures of one account from one address within `windowMs` before that pair is blocked. */
  failures: number;
  /** The window, and how long a blocked pair stays blocked after its last failure. */
  windowMs: number;
  /** Pairs remembered at most (the oldest are forgotten first), so guessing costs bounded memory. */
  maxEntries: number;
}

export const LOGIN_LIMITS: LoginLimits = { failures: 10, windowMs: 60_000, maxEntries: 50_000 };

interface Entry {
  n: number;
  /** When the count resets (the window's end, moved on by each failure once blocked). */
  until: number;
}

export class LoginLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly limits: LoginLimits = LOGIN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  private key(account: string, address: string): string {
    return `${account}\u0000${address}`;
  }

  /** Seconds this account stays blocked from this address, or 0 when it may try. */
  blockedFor(account: string, address: string): number {
    const e = this.entries.get(this.key(account, address));
    if (e === undefined || e.until <= this.now() || e.n < this.limits.failures) return 0;
    return Math.ceil((e.until - this.now()) / 1000);
  }

  /** Throws API_RATE_LIMITED when this account is blocked from this address. */
  check(account: string, address: string): void {
    const wait = this.blockedFor(account, address);
    if (wait === 0) return;
    throw new LabError(
      'API_RATE_LIMITED',
      `too many wrong passwords for this account from this address; try again in ${wait} s / 该账号密码错误次数过多，请 ${wait} 秒后再试`,
      { retryAfterS: wait },
    );
  }

  fail(account: string, address: string): void {
    const key = this.key(account, address);
    const now = this.now();
    const e = this.entries.get(key);
    if (e === undefined || e.until <= now) {
      this.entries.delete(key);
      this.entries.set(key, { n: 1, until: now + this.limits.windowMs });
    } else {
      e.n += 1;
      // Guessing on while blocked keeps the pair blocked.
      if (e.n >= this.limits.failures) e.until = now + this.limits.windowMs;
    }
    if (this.entries.size > this.limits.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /** A correct password clears the pair's count. */
  succeed(account: string, address: string): void {
    this.entries.delete(this.key(account, address));
  }

  get size(): number {
    return this.entries.size;
  }
}
