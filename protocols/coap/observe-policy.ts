/**
 * What one peer may cost the lab through Observe (RFC 7641). UDP sources can be spoofed, so an
 * unbounded registration table is both a memory leak and an amplifier: 10,000 NON registrations
 * from one socket that then closed kept the lab sending 2,000 notifications a second to a dead
 * port. The policy, all on the lab clock:
 *  - caps on registrations per endpoint (address:port), per address, per resource and in all; a
 *    GET over a cap is answered as a plain GET, without Observe, as §4.1 allows;
 *  - a token bucket of notifications per address; a notification over it is skipped (the next
 *    one carries the state anyway, §4.5 only promises the latest);
 *  - §4.5: a NON registration gets a confirmable notification every `conEvery` notifications or
 *    `conIntervalMs`, whichever comes first (at least every 24 h, the RFC says), and one that is
 *    not acknowledged within `ackWaitMs` ends the registration, as does an RST (server.ts).
 * Pure bookkeeping: no sockets, no timers.
 */

export interface ObserveLimits {
  perEndpoint: number;
  perAddress: number;
  perResource: number;
  total: number;
  /** Notifications per second per address, and the burst allowed. */
  notifyRate: number;
  notifyBurst: number;
  conEvery: number;
  conIntervalMs: number;
  /** RFC 7252 MAX_TRANSMIT_WAIT (93 s): a CON notification unacknowledged this long is lost. */
  ackWaitMs: number;
}

export const OBSERVE_LIMITS: ObserveLimits = {
  perEndpoint: 8,
  perAddress: 32,
  perResource: 256,
  total: 1024,
  notifyRate: 10,
  notifyBurst: 20,
  conEvery: 20,
  conIntervalMs: 60_000,
  ackWaitMs: 93_000,
};

/** One registration's confirmable schedule. */
export interface ConSchedule {
  sinceCon: number;
  lastConAt: number;
  /** MID and lab time of the CON notification awaiting its ACK, if any. */
  awaiting?: { mid: number; at: number };
}

export class ObservePolicy {
  private readonly counts = new Map<string, number>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(readonly limits: ObserveLimits = OBSERVE_LIMITS) {}

  private keys(endpoint: string, address: string, path: string): string[] {
    return [`e:${endpoint}`, `a:${address}`, `r:${path}`, 'total'];
  }

  /** Why a new registration may not be added (undefined when it may). */
  refusal(endpoint: string, address: string, path: string): string | undefined {
    const l = this.limits;
    const caps = [l.perEndpoint, l.perAddress, l.perResource, l.total];
    const names = ['endpoint', 'address', 'resource', 'server'];
    const keys = this.keys(endpoint, address, path);
    for (let i = 0; i < keys.length; i++)
      if ((this.counts.get(keys[i]!) ?? 0) >= caps[i]!)
        return `${caps[i]!} registrations per ${names[i]!}`;
    return undefined;
  }

  added(endpoint: string, address: string, path: string): void {
    for (const k of this.keys(endpoint, address, path))
      this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  removed(endpoint: string, address: string, path: string): void {
    for (const k of this.keys(endpoint, address, path)) {
      const n = (this.counts.get(k) ?? 0) - 1;
      if (n > 0) this.counts.set(k, n);
      else this.counts.delete(k);
    }
  }

  /** Takes a notification token for the address at lab time `now`; false when none is left. */
  takeToken(address: string, now: number): boolean {
    const l = this.limits;
    const b = this.buckets.get(address) ?? { tokens: l.notifyBurst, at: now };
    b.tokens = Math.min(l.notifyBurst, b.tokens + ((now - b.at) / 1000) * l.notifyRate);
    b.at = now;
    this.buckets.set(address, b);
    if (this.buckets.size > l.total * 4) this.prune(now);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Buckets that have refilled are the same as none: forget them. */
  private prune(now: number): void {
    const full = (this.limits.notifyBurst / this.limits.notifyRate) * 1000;
    for (const [k, b] of this.buckets) if (now - b.at >= full) this.buckets.delete(k);
  }

  /** Whether this notification of a NON registration goes out confirmable. */
  dueCon(s: ConSchedule, now: number): boolean {
    return s.sinceCon + 1 >= this.limits.conEvery || now - s.lastConAt >= this.limits.conIntervalMs;
  }

  /** Whether the registration's CON notification has gone unacknowledged too long. */
  lost(s: ConSchedule, now: number): boolean {
    return s.awaiting !== undefined && now - s.awaiting.at >= this.limits.ackWaitMs;
  }

  get registrations(): number {
    return this.counts.get('total') ?? 0;
  }
}
