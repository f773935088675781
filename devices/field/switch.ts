/**
 * Switch sensors: door contact, PIR motion, push button. Events are a seeded Poisson process:
 * each 10-minute window draws its own events from its own stream, so the state at any t is
 * computed from two windows without replaying the day. An event holds the contact active for
 * holdS (a door stays open 0.5–1.5 × holdS, seeded per event), and the contact rests at least
 * MIN_REST_MS between two events, so every state lasts long enough to be seen by polling.
 */
import type { FaultBook } from '../../core/faults.js';
import { isOnline } from '../../core/faults.js';
import type { DevicePlan } from './plan.js';
import { switchQuantity } from './plan.js';
import { Rng } from '../../core/rng.js';
import type { CommandOutcome, DeviceModel, ModelContext, Truth } from './model.js';

const WINDOW_MS = 600_000;
/**
 * The least time the contact rests inactive between two events. An exponential gap could
 * otherwise be a few milliseconds: a change no program polling as the tasks ask (every
 * 100–200 ms) can see, and that graders would still count.
 */
export const MIN_REST_MS = 1000;

export interface SwitchEvent {
  start: number;
  end: number;
}

export class SwitchModel implements DeviceModel {
  private readonly seed: number;
  private readonly faults: FaultBook;
  private readonly cache = new Map<number, SwitchEvent[]>();
  private readonly quantity: string;

  constructor(
    readonly plan: DevicePlan,
    ctx: ModelContext,
  ) {
    if (plan.spec.kind !== 'switch') throw new TypeError('SwitchModel needs a switch device');
    this.seed = ctx.seed;
    this.faults = ctx.faults;
    this.quantity = switchQuantity(plan.spec.switchType);
  }

  /** Events that start in window w (lab time [w·10 min, (w+1)·10 min)). */
  eventsInWindow(w: number): SwitchEvent[] {
    const hit = this.cache.get(w);
    if (hit) return hit;
    const spec = this.plan.spec;
    if (spec.kind !== 'switch') return [];
    const rng = new Rng(this.seed, this.plan.id, 'events', w);
    const events: SwitchEvent[] = [];
    let t = w * WINDOW_MS;
    let end = -Infinity;
    for (;;) {
      t += rng.exponential(spec.meanIntervalS * 1000);
      if (t >= (w + 1) * WINDOW_MS) break;
      const hold = spec.holdS * 1000 * (spec.switchType === 'door' ? rng.range(0.5, 1.5) : 1);
      // The contact rests between two events, and an event ends a rest before its window does
      // (so the next window's first event, drawn on its own, keeps the rest too).
      t = Math.max(t, end + MIN_REST_MS);
      if (t + hold > (w + 1) * WINDOW_MS - MIN_REST_MS) break;
      end = t + hold;
      events.push({ start: Math.round(t), end: Math.round(end) });
    }
    if (this.cache.size > 64) this.cache.clear();
    this.cache.set(w, events);
    return events;
  }

  isActive(t: number): boolean {
    const w = Math.floor(t / WINDOW_MS);
    for (const ww of [w - 1, w]) {
      if (ww < 0) continue;
      if (this.eventsInWindow(ww).some((e) => e.start <= t && t < e.end)) return true;
    }
    return false;
  }

  truth(t: number): Truth {
    const active = this.faults.activeAt(this.plan.id, t);
    const v = this.isActive(t);
    return {
      values: { [this.quantity]: v },
      physical: { [this.quantity]: v },
      units: { [this.quantity]: '' },
      online: isOnline(active),
      faults: active.map((f) => f.type),
    };
  }

  readRegister(_entry: unknown, t: number): boolean {
    return this.isActive(t);
  }

  command(): CommandOutcome {
    return { ok: false, message: `${this.plan.id} is a switch sensor: it takes no commands` };
  }

  nextChange(t: number): number | undefined {
    const w = Math.max(0, Math.floor(t / WINDOW_MS));
    let best: number | undefined;
    for (let ww = Math.max(0, w - 1); ww < w + 145; ww++) {
      for (const e of this.eventsInWindow(ww)) {
        for (const edge of [e.start, e.end])
          if (edge > t && (best === undefined || edge < best)) best = edge;
      }
      if (best !== undefined && best < (ww + 1) * WINDOW_MS) break;
    }
    return best;
  }
}
