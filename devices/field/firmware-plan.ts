/**
 * A device's firmware in the plan: the version it starts with, the release the lab offers (its
 * SHA-256 fixed here, so the card, the device and the grader agree), the restart time and the
 * MQTT topics of its firmware service (docs/firmware.md).
 */
import { createHash } from 'node:crypto';
import type { FirmwareSpec } from './scenario.js';

export interface FirmwareRelease {
  version: string;
  /** Image size, bytes. */
  size: number;
  /** SHA-256 of the image, lowercase hex. */
  sha256: string;
}

export interface FirmwarePlan {
  /** The version the device runs when the lab starts (not on the card: query it). */
  version: string;
  release?: FirmwareRelease;
  /** How long the device is offline while it restarts into new firmware, ms. */
  rebootMs: number;
  /** Requests to the device: `<prefix>/<id>/fw/cmd`. */
  commandTopic: string;
  /** The device's replies: `<prefix>/<id>/fw/reply`. */
  replyTopic: string;
}

/**
 * The digest a scenario that gives none gets: SHA-256 over the lab's seed, the scenario and the
 * release, so devices offered the same release in one lab share it and candidates' labs differ.
 */
export function releaseDigest(seed: number, scenario: string, version: string, size: number) {
  return createHash('sha256')
    .update(`iotlab firmware image|${seed}|${scenario}|${version}|${size}`)
    .digest('hex');
}

export function planFirmware(
  spec: FirmwareSpec,
  ctx: { seed: number; scenario: string; baseTopic: string },
): FirmwarePlan {
  const r = spec.release;
  return {
    version: spec.version,
    ...(r
      ? {
          release: {
            version: r.version,
            size: r.size,
            sha256: r.sha256 ?? releaseDigest(ctx.seed, ctx.scenario, r.version, r.size),
          },
        }
      : {}),
    rebootMs: Math.round(spec.rebootS * 1000),
    commandTopic: `${ctx.baseTopic}/fw/cmd`,
    replyTopic: `${ctx.baseTopic}/fw/reply`,
  };
}
