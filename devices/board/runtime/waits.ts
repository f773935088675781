/**
 * The board's waits on the lab clock: until a lab time, for a number of ms, or until something
 * wakes it. Every pending wait is tracked, so stopping the lab ends them all at once (a client's
 * PIN_WAIT, UART_READ or DELAY must not keep the lab from stopping).
 */
import type { Clock, TimerHandle } from '../../../core/clock.js';

export class BoardWaits {
  private readonly timers = new Set<TimerHandle>();
  private readonly wakers = new Set<() => void>();
  private stopping = false;

  constructor(private readonly clock: Clock) {}

  get closing(): boolean {
    return this.stopping;
  }

  /**
   * Waits up to `ms` of lab time; `arm` receives a function that ends the wait early (a UART's
   * bytes arriving). Resolves at once when the lab is stopping.
   */
  wait(ms: number, arm: (wake: () => void) => void = () => undefined): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        this.clock.clear(h);
        this.timers.delete(h);
        this.wakers.delete(wake);
        resolve();
      };
      const h = this.clock.setTimeout(wake, Math.max(0, ms));
      this.timers.add(h);
      this.wakers.add(wake);
      arm(wake);
    });
  }

  /** Resolves once lab time reaches t (immediately when less than 1 ms away: Node's timers cannot). */
  until(t: number): Promise<void> {
    const d = t - this.clock.now();
    return d < 1 ? Promise.resolve() : this.wait(d);
  }

  /** Ends every wait now and every later one at once. */
  close(): void {
    this.stopping = true;
    for (const w of [...this.wakers]) w();
    for (const h of this.timers) this.clock.clear(h);
    this.timers.clear();
  }
}
