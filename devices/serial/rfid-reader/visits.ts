/**
 * When cards are in an RFID reader's field: the seeded visit schedule. Separate from
 * rfid-reader.ts because presence at any lab time is a pure function of (seed, device id, spec),
 * computed without replaying the reader's history.
 *
 * At most one card is in the field. Lab time is cut into windows (10 min, longer when holdS is
 * long); each window draws its visits from its own stream (seed, id, 'visits', w), like
 * devices/field/switch.ts, so presence at t needs no replay: after a dead zone of the longest hold (the
 * previous window's last card leaves in it), the field stays empty Exp(meanIntervalS), then a
 * uniformly drawn card stays holdS × U(0.75, 1.25), and so on.
 */
import { Rng } from '../../../core/rng.js';
import type { RfidReaderSpec } from './scenario.js';

const BASE_WINDOW_MS = 600_000;

export interface Visit {
  start: number;
  end: number;
  cardIndex: number;
}

/** Card visits to a reader: seeded windows, as in the header of this file. */
export class VisitSchedule {
  private readonly cache = new Map<number, Visit[]>();
  private readonly maxHold: number;
  readonly windowMs: number;

  constructor(
    private readonly seed: number,
    private readonly deviceId: string,
    private readonly spec: Pick<RfidReaderSpec, 'cards' | 'meanIntervalS' | 'holdS'>,
  ) {
    this.maxHold = spec.holdS * 1250;
    this.windowMs = Math.max(BASE_WINDOW_MS, Math.ceil(this.maxHold * 20));
  }

  visitsInWindow(w: number): Visit[] {
    const hit = this.cache.get(w);
    if (hit) return hit;
    const rng = new Rng(this.seed, this.deviceId, 'visits', w);
    const visits: Visit[] = [];
    const end = (w + 1) * this.windowMs;
    for (let t = w * this.windowMs + this.maxHold; ;) {
      t += rng.exponential(this.spec.meanIntervalS * 1000);
      if (t >= end) break;
      const hold = this.spec.holdS * 1000 * rng.range(0.75, 1.25);
      const cardIndex = rng.int(0, this.spec.cards - 1);
      visits.push({ start: Math.round(t), end: Math.round(t + hold), cardIndex });
      t += hold;
    }
    if (this.cache.size > 64) this.cache.clear();
    this.cache.set(w, visits);
    return visits;
  }

  /** The visit in progress at t (start ≤ t < end). */
  at(t: number): Visit | undefined {
    const w = Math.floor(t / this.windowMs);
    for (const ww of [w, w - 1]) {
      if (ww < 0) continue;
      const v = this.visitsInWindow(ww).find((x) => x.start <= t && t < x.end);
      if (v) return v;
    }
    return undefined;
  }

  /** The first arrival or departure after t, within `horizonMs`. */
  nextEdge(t: number, horizonMs: number): number | undefined {
    for (
      let w = Math.max(0, Math.floor(t / this.windowMs) - 1);
      w * this.windowMs <= t + horizonMs;
      w++
    ) {
      for (const v of this.visitsInWindow(w)) {
        if (v.start > t) return v.start;
        if (v.end > t) return v.end;
      }
    }
    return undefined;
  }
}
