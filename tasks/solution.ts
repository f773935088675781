/**
 * What a reference solution gets: the lab card (as a candidate's program gets it), the task's
 * rendered instruction values, and a signal that ends it. `speed` is the lab clock's speed, so a
 * solution's periods (given in lab seconds) stay right when tests run the lab accelerated; a
 * candidate never needs it. `mistake` makes a solution commit one typical mistake, for tests
 * that show the rubric scores it as stated.
 */
import type { LabCard } from '../simulator/card.js';

export interface SolutionContext {
  card: LabCard;
  vars: Readonly<Record<string, string | number>>;
  signal: AbortSignal;
  speed?: number;
  mistake?: string;
  /** The work folder (IOTLAB_WORKDIR) where a task's files (e.g. a SQLite database) go. */
  workdir?: string;
}

export type Solution = (ctx: SolutionContext) => Promise<void>;

/** Resolves when the signal aborts. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * How a reference solution connects to the card's MQTT broker: with the card's login when it has
 * one (an exam session's broker admits a candidate only by the username and password on their
 * card), and no reconnects (a refused login is an error, not a loop).
 */
export function mqttLogin(card: LabCard): {
  username?: string;
  password?: string;
  reconnectPeriod: 0;
} {
  return {
    ...(card.mqtt.username !== undefined ? { username: card.mqtt.username } : {}),
    ...(card.mqtt.password !== undefined ? { password: card.mqtt.password } : {}),
    reconnectPeriod: 0,
  };
}

/**
 * A publish whose outcome the program does not wait for: when the lab stops under a running
 * program (its time is up), the client rejects what is still in flight; that is no error.
 */
export function quietly(p: Promise<unknown>): void {
  p.catch(() => undefined);
}
