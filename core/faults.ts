/**
 * The fault timeline of a lab. Faults come from the scenario (scheduled) or from the Lab API
 * (a trainer injects one); either way they are entries here, recorded as `fault` evidence, and
 * device models read them to compute truth — so a grader that replays the `fault` events knows
 * what a correct client should have seen.
 */

/** What can go wrong with a device (scenario `faults:` and the Lab API's injectFault). */
export const FAULT_TYPES = [
  'offline',
  'stuck',
  'drift',
  'noise',
  'spike',
  'slow',
  'no-response',
  /** Serial devices with CRC-framed protocols (CRC_FRAMED_KINDS): every frame sent has a bad CRC. */
  'crc-error',
  /**
   * Security faults (simulator/lab-auth.ts); `deviceId` is a login (a platform device's
   * `deviceName&productKey`, or the scenario's MQTT username). A password or device secret changed
   * (to `password`): logins with the old one are refused from then on.
   */
  'password-changed',
  /** The token signing key of a login rotated: tokens signed before no longer verify, and its sessions by token are closed. */
  'key-rotated',
] as const;
/** Faults of a login rather than of a device. */
export const SECURITY_FAULTS: readonly FaultType[] = ['password-changed', 'key-rotated'];
export type FaultType = (typeof FAULT_TYPES)[number];

export interface Fault {
  /** Stable id: `s<i>` for the scenario's i-th fault, `f<n>` for injected ones. */
  id: string;
  deviceId: string;
  type: FaultType;
  /** Lab time in ms. */
  start: number;
  /** Lab time in ms; undefined = until cleared or the lab stops. */
  end?: number;
  rate?: number;
  amplitude?: number;
  value?: number;
  delayMs?: number;
  /** password-changed: the new password or device secret. */
  password?: string;
}

export class FaultBook {
  private readonly faults: Fault[] = [];

  add(fault: Fault): void {
    this.faults.push(fault);
  }

  /** Ends a fault at time t; returns it, or undefined when unknown or already ended before t. */
  end(id: string, t: number): Fault | undefined {
    const f = this.faults.find((x) => x.id === id);
    if (!f || (f.end !== undefined && f.end <= t)) return undefined;
    f.end = Math.max(f.start, t);
    return f;
  }

  get(id: string): Fault | undefined {
    return this.faults.find((f) => f.id === id);
  }

  all(): readonly Fault[] {
    return this.faults;
  }

  /** Faults of a device active at t, in the order they started. */
  activeAt(deviceId: string, t: number): Fault[] {
    return this.faults.filter(
      (f) => f.deviceId === deviceId && f.start <= t && (f.end === undefined || t < f.end),
    );
  }
}

/** How a device answers requests at t, given its active faults. */
export function responsiveness(active: readonly Fault[]): { respond: boolean; delayMs: number } {
  let respond = true;
  let delayMs = 0;
  for (const f of active) {
    if (f.type === 'offline' || f.type === 'no-response') respond = false;
    if (f.type === 'slow') delayMs = Math.max(delayMs, f.delayMs ?? 0);
  }
  return { respond, delayMs };
}

export function isOnline(active: readonly Fault[]): boolean {
  return !active.some((f) => f.type === 'offline');
}
