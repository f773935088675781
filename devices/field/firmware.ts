/**
 * Device firmware (docs/firmware.md): a version query and an upgrade command, answered as intents
 * (a reply to publish, and an install when the upgrade is accepted) the runtime sends and
 * records. The device starts on its plan's version and changes only by an accepted upgrade, which
 * restarts it: offline for the plan's reboot time, then running the new version. So the version
 * and the restart windows at any t follow from the plan and the installs (recorded as
 * `device.state`), which the grader replays with `install`.
 */
import type { FirmwarePlan } from './firmware-plan.js';
import type { CommandOutcome, DeviceModel, Truth } from './model.js';

/** Compares two MAJOR.MINOR.PATCH versions part by part as numbers (1.10.0 > 1.9.7). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** A request id the candidate may add; echoed in the reply to match it. */
type Req = string | number;

export type FirmwareRequest =
  { op: 'version'; req?: Req } | { op: 'upgrade'; version: string; sha256: string; req?: Req };

export type FirmwareError =
  /** Not JSON of a known op, or a field missing or of the wrong type. */
  | 'bad-request'
  /** The version asked for is not the release the lab offers for this device. */
  | 'unknown-version'
  /** The SHA-256 given is not the release image's: the image is refused as corrupt. */
  | 'checksum'
  /** The device already runs that version. */
  | 'installed'
  /** The release is older than what the device runs (no rollback). */
  | 'downgrade';

/** The body of a reply on the device's reply topic (the runtime adds `id` and `ts`). */
export type FirmwareReply =
  | { op: 'version'; version: string; req?: Req }
  | { op: 'upgrade'; ok: true; from: string; to: string; rebootS: number; req?: Req }
  | {
      op: 'upgrade' | null;
      ok: false;
      error: FirmwareError;
      message: string;
      version?: string;
      req?: Req;
    };

export interface FirmwareIntent {
  reply: FirmwareReply;
  /** An accepted upgrade: the device restarts now and runs `to` once back at `until`. */
  install?: { from: string; to: string; until: number };
}

const USAGE = 'expected "version", {"op":"version"} or {"op":"upgrade","version":…,"sha256":…}';

/** Parses a request payload: text `version`, or JSON with `op` (and an optional `req` id). */
export function parseFirmwareRequest(text: string): FirmwareRequest | { error: string } {
  const s = text.trim();
  if (s.toLowerCase() === 'version') return { op: 'version' };
  let json: unknown;
  try {
    json = JSON.parse(s);
  } catch {
    return { error: `not JSON: ${USAGE}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { error: `not a JSON object: ${USAGE}` };
  const o = json as Record<string, unknown>;
  const req = typeof o.req === 'string' || typeof o.req === 'number' ? { req: o.req } : undefined;
  const op = typeof o.op === 'string' ? o.op.toLowerCase() : undefined;
  if (op === 'version') return { op: 'version', ...req };
  if (op === 'upgrade') {
    if (typeof o.version !== 'string' || typeof o.sha256 !== 'string')
      return { error: 'an upgrade needs "version" and "sha256" (strings)' };
    return { op: 'upgrade', version: o.version.trim(), sha256: o.sha256.trim(), ...req };
  }
  return { error: `unknown op: ${USAGE}` };
}

export class FirmwareModel {
  /** Accepted upgrades in time order: from `t` the device restarts into `version`. */
  private readonly installs: { t: number; version: string }[] = [];

  constructor(readonly plan: FirmwarePlan) {}

  /** The version the device runs (or is restarting into) at t. */
  versionAt(t: number): string {
    let v = this.plan.version;
    for (const i of this.installs) {
      if (i.t > t) break;
      v = i.version;
    }
    return v;
  }

  /** True while the device restarts after an upgrade (offline, answering nothing). */
  rebootingAt(t: number): boolean {
    return this.installs.some((i) => t >= i.t && t < i.t + this.plan.rebootMs);
  }

  /** Records an accepted upgrade at t (the runtime through `handle`, the grader from evidence). */
  install(version: string, t: number): void {
    const at = this.installs.findIndex((i) => i.t > t);
    if (at < 0) this.installs.push({ t, version });
    else this.installs.splice(at, 0, { t, version });
  }

  /** Answers a request at t; an accepted upgrade changes the device's state. */
  handle(request: FirmwareRequest | { error: string }, t: number): FirmwareIntent {
    if ('error' in request)
      return { reply: { op: null, ok: false, error: 'bad-request', message: request.error } };
    const req = request.req !== undefined ? { req: request.req } : {};
    const running = this.versionAt(t);
    if (request.op === 'version') return { reply: { op: 'version', version: running, ...req } };
    const refuse = (error: FirmwareError, message: string): FirmwareIntent => ({
      reply: { op: 'upgrade', ok: false, error, message, version: request.version, ...req },
    });
    const release = this.plan.release;
    if (!release || request.version !== release.version)
      return refuse(
        'unknown-version',
        release
          ? `the release offered is ${release.version}, not ${request.version}`
          : 'no release is offered for this device',
      );
    if (request.sha256.toLowerCase() !== release.sha256)
      return refuse('checksum', `SHA-256 does not match release ${release.version}: refused`);
    const order = compareVersions(release.version, running);
    if (order === 0) return refuse('installed', `${running} is already installed`);
    if (order < 0) return refuse('downgrade', `${running} is newer than ${release.version}`);
    this.install(release.version, t);
    return {
      reply: {
        op: 'upgrade',
        ok: true,
        from: running,
        to: release.version,
        rebootS: this.plan.rebootMs / 1000,
        ...req,
      },
      install: { from: running, to: release.version, until: t + this.plan.rebootMs },
    };
  }
}

/**
 * Any device model with firmware: truth adds the firmware version and is offline while the
 * device restarts; commands are refused then. Everything else is the inner model's.
 */
export class FirmwareDevice implements DeviceModel {
  constructor(
    private readonly inner: DeviceModel,
    readonly firmware: FirmwareModel,
  ) {}

  get plan() {
    return this.inner.plan;
  }

  truth(t: number): Truth {
    const truth = this.inner.truth(t);
    const rebooting = this.firmware.rebootingAt(t);
    return {
      ...truth,
      online: truth.online && !rebooting,
      firmware: { version: this.firmware.versionAt(t), rebooting },
    };
  }

  readRegister(...args: Parameters<DeviceModel['readRegister']>) {
    return this.inner.readRegister(...args);
  }

  command(...args: Parameters<DeviceModel['command']>): CommandOutcome {
    if (this.firmware.rebootingAt(args[1]))
      return { ok: false, message: 'the device is restarting after a firmware upgrade' };
    return this.inner.command(...args);
  }

  nextChange(t: number): number | undefined {
    return this.inner.nextChange(t);
  }
}
