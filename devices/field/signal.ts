/**
 * Value trajectories of sensor channels and how faults bend them. Everything here is a pure
 * function of (plan, seed, t, fault timeline): noise draws are keyed by the second they fall
 * in, so truth at any t can be recomputed alone, in any order.
 */
import type { Fault } from '../../core/faults.js';
import type { ChannelPlan } from './plan.js';
import { SIGNAL_RAW } from './plan.js';
import { normalAt } from '../../core/rng.js';

/** The physical value: seeded base, cycle, trend; no noise, no faults. */
export function physicalValue(cp: ChannelPlan, t: number): number {
  const p = cp.channel.profile;
  return (
    cp.base +
    p.amplitude * Math.sin((2 * Math.PI * t) / (p.periodS * 1000) + cp.phase) +
    (p.trend * t) / 3_600_000
  );
}

/** The measured value: physical plus measurement noise, a new draw each lab second. */
export function measuredValue(cp: ChannelPlan, seed: number, deviceId: string, t: number): number {
  const noise = cp.channel.profile.noise;
  const v = physicalValue(cp, t);
  return noise === 0
    ? v
    : v + noise * normalAt(seed, deviceId, cp.channel.quantity, 'noise', Math.floor(t / 1000));
}

/** Applies value faults (stuck, drift, noise, spike) in the order they started. */
export function faultedValue(
  cp: ChannelPlan,
  seed: number,
  deviceId: string,
  t: number,
  faults: readonly Fault[],
): number {
  let v = measuredValue(cp, seed, deviceId, t);
  const [min, max] = cp.channel.range;
  for (const f of faults) {
    switch (f.type) {
      case 'stuck':
        v = measuredValue(cp, seed, deviceId, f.start);
        break;
      case 'drift':
        v += ((f.rate ?? 0) * (t - f.start)) / 60_000;
        break;
      case 'noise':
        v +=
          (f.amplitude ?? 0) *
          normalAt(seed, deviceId, cp.channel.quantity, 'fault', f.id, Math.floor(t / 1000));
        break;
      case 'spike':
        v = f.value ?? max + 0.1 * (max - min);
        break;
      default:
        break;
    }
  }
  return v;
}

/** Rounds to the channel's resolution, without binary-fraction noise in the printed number. */
export function quantize(v: number, resolution: number): number {
  const steps = Math.round(v / resolution);
  const decimals = Math.max(0, Math.ceil(-Math.log10(resolution) - 1e-9));
  return Number((steps * resolution).toFixed(decimals));
}

/** Engineering value → the raw integer an analog front end reports, saturating like hardware. */
export function toRaw(signal: string, v: number, range: readonly [number, number]): number {
  const r = SIGNAL_RAW[signal];
  if (!r) throw new RangeError(`unknown signal ${signal}`);
  const raw = Math.round(r.lo + ((v - range[0]) / (range[1] - range[0])) * (r.hi - r.lo));
  return Math.min(r.max, Math.max(0, raw));
}
