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
  /** The broker's TLS listeners serve an expired server certificate (target: `broker`). */
  'tls-expired',
  /** …a certificate issued for another host (`wrong-host.iotlab.invalid`). */
  'tls-wrong-host',
  /** …a certificate for the right hosts from a CA no client trusts. */
  'tls-untrusted-ca',
  /** The card's client certificate is on the CA's CRL (on hold: lifted when the fault ends). */
  'cert-revoked',
  /**
   * A security fault (issue 17.5): an access-policy rule in front of all others denies every
   * client the device's topics (`<prefix>/<id>/#`, publish and subscribe); live subscriptions to
   * them are revoked. The device itself goes on publishing (it is inside the broker).
   */
  'acl-deny',
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

/** Faults of the broker's TLS, not of a device: their `deviceId` is BROKER_TARGET. */
export const TLS_FAULT_TYPES = [
  'tls-expired',
  'tls-wrong-host',
  'tls-untrusted-ca',
  'cert-revoked',
] as const satisfies readonly FaultType[];
export type TlsFaultType = (typeof TLS_FAULT_TYPES)[number];
export const BROKER_TARGET = 'broker';

export function isTlsFault(type: string): type is TlsFaultType {
  return (TLS_FAULT_TYPES as readonly string[]).includes(type);
}

/**
 * What a correct client sees of the broker's TLS at a time, given the broker's active faults: the
 * server certificate (the fault that started last wins) and whether the card's client certificate
 * is revoked.
 */
export interface TlsTruth {
  serverCert: 'valid' | 'expired' | 'wrong-host' | 'untrusted-ca';
  clientCertRevoked: boolean;
}

export function tlsTruth(active: readonly Fault[]): TlsTruth {
  let serverCert: TlsTruth['serverCert'] = 'valid';
  let clientCertRevoked = false;
  for (const f of active) {
    if (f.type === 'cert-revoked') clientCertRevoked = true;
    else if (isTlsFault(f.type)) serverCert = f.type.slice(4) as TlsTruth['serverCert'];
  }
  return { serverCert, clientCertRevoked };
}

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
