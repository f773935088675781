/**
 * The one clock (STYLE.md rule 3). Lab time `now()` is milliseconds since the lab started; the
 * wall clock `wall()` is epoch milliseconds of that same instant. Everything simulated — device
 * periods, fault windows, switch schedules — uses these timers, so tests and regrading can run a
 * lab on a `ManualClock` and advance it instead of sleeping.
 */
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Lab time in ms since the lab's epoch. */
  now(): number;
  /** Epoch ms (UTC) of lab time `now()`. */
  wall(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle | undefined): void;
}

interface ScheduledTimer {
  id: number;
  due: number;
  every: number | undefined;
  fn: () => void;
}

/**
 * Real time, optionally accelerated: lab time runs `speed` times faster than the wall. Timers
 * are Node timers scaled by the speed.
 */
export class RealClock implements Clock {
  private readonly startPerf = performance.now();
  private readonly startWall: number;
  private readonly speed: number;
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  private readonly startAt: number;

  /**
   * `startAtMs`: the lab time at construction (default 0), for a lab resumed after a server
   * restart, whose time goes on from where its run began; `epochMs` is the wall time of lab time 0.
   */
  constructor(options: { speed?: number; epochMs?: number; startAtMs?: number } = {}) {
    this.speed = options.speed ?? 1;
    this.startAt = options.startAtMs ?? 0;
    this.startWall = options.epochMs ?? Date.now() - this.startAt;
    if (!(this.speed > 0)) throw new RangeError('clock speed must be > 0');
    if (!(this.startAt >= 0)) throw new RangeError('clock startAtMs must be ≥ 0');
  }

  now(): number {
    return this.startAt + (performance.now() - this.startPerf) * this.speed;
  }

  wall(): number {
    return Math.round(this.startWall + this.now());
  }

  /**
   * Runs `fire` once the lab clock has reached `due` under timer `id`. Node timers may fire up to
   * a millisecond early against performance.now() (more in lab time when accelerated): re-arm
   * until the lab time is there, so a callback never sees now() before it (e.g. an offline fault's
   * status edge computed as still online).
   */
  private armAt(id: number, due: number, fire: () => void): void {
    const arm = (wait: number): void => {
      this.timers.set(
        id,
        setTimeout(() => {
          const left = due - this.now();
          if (left > 0) return arm(left);
          fire();
        }, wait / this.speed),
      );
    };
    arm(due - this.now());
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.armAt(id, this.now() + ms, () => {
      this.timers.delete(id);
      fn();
    });
    return { id };
  }

  /**
   * Ticks at start + k·ms of lab time, never before and without drift; ticks missed while the
   * event loop was blocked are skipped, not fired in a burst.
   */
  setInterval(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    const period = Math.max(1, ms);
    const tick = (due: number): void =>
      this.armAt(id, due, () => {
        const next = due + period;
        tick(next > this.now() ? next : this.now() + period); // before fn, so fn may clear it
        fn();
      });
    tick(this.now() + period);
    return { id };
  }

  clear(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.timers.get(handle.id);
    if (t) clearTimeout(t);
    this.timers.delete(handle.id);
  }
}

/** A clock that moves only when told to: for tests and offline regrading. */
export class ManualClock implements Clock {
  private t = 0;
  private nextId = 1;
  private readonly timers = new Map<number, ScheduledTimer>();
  private readonly epochMs: number;

  constructor(options: { epochMs?: number } = {}) {
    // A fixed default epoch keeps evidence from a manual clock byte-identical across runs.
    this.epochMs = options.epochMs ?? Date.UTC(2026, 0, 1);
  }

  now(): number {
    return this.t;
  }

  wall(): number {
    return this.epochMs + this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, Math.max(1, ms));
  }

  clear(handle: TimerHandle | undefined): void {
    if (handle) this.timers.delete(handle.id);
  }

  /** Moves time forward by `ms`, firing every due timer in time order (ties by creation). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: ScheduledTimer | undefined;
      for (const timer of this.timers.values()) {
        if (timer.due <= end && (!next || timer.due < next.due)) next = timer;
      }
      if (!next) break;
      this.t = Math.max(this.t, next.due);
      if (next.every === undefined) this.timers.delete(next.id);
      else next.due += next.every;
      next.fn();
    }
    this.t = end;
  }

  /** Number of pending timers (useful to assert a lab cleaned up). */
  pending(): number {
    return this.timers.size;
  }

  private add(fn: () => void, ms: number, every: number | undefined): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, due: this.t + Math.max(0, ms), every, fn });
    return { id };
  }
}
