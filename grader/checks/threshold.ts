/**
 * Threshold output check: an actuator that must be on while a sensor is above a threshold and off
 * while it is below, as firmware comparing its own readings would drive it. Sampled once a second
 * against truth; a moment counts only when the sensor stayed clearly on one side (beyond a margin)
 * for the whole allowed lag, so readings taken at any moment of that lag agree.
 */
import type { CheckOutcome, GradeContext, TaskParams } from '../types.js';
import { ref } from './mqtt.js';

export interface ThresholdSpec {
  sensor: string;
  quantity: string;
  actuator: string;
  threshold: number;
  /** Values within ± margin of the threshold decide nothing (noise, rounding). */
  margin: number;
  /** How long the output may lag the sensor, seconds (a read cycle plus slack). */
  lagS: number;
  /** Share of moments that must be right, on each side, for full marks (pro rata below). */
  fullAt?: number;
}

const STEP_MS = 1000;
const LOOK_MS = 250;

/** The side the sensor was on over [t − lag, t]: true above, false below, undefined mixed. */
function side(ctx: GradeContext, s: ThresholdSpec, t: number): boolean | undefined {
  let out: boolean | undefined;
  for (let u = Math.max(ctx.start, t - s.lagS * 1000); u <= t; u += LOOK_MS) {
    const v = ctx.truth(s.sensor, u).values[s.quantity];
    if (typeof v !== 'number') return undefined;
    const here = v > s.threshold + s.margin ? true : v < s.threshold - s.margin ? false : undefined;
    if (here === undefined || (out !== undefined && here !== out)) return undefined;
    out = here;
  }
  return out;
}

/** The lower of the shares of right moments above and below the threshold. */
export function thresholdOutputCheck<P extends TaskParams>(
  spec: (ctx: GradeContext<P>) => ThresholdSpec,
) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const s = spec(ctx);
    const fullAt = s.fullAt ?? 0.9;
    const tally = { above: { n: 0, ok: 0 }, below: { n: 0, ok: 0 } };
    const wrong: { t: number; above: boolean }[] = [];
    for (let t = ctx.start + s.lagS * 1000; t <= ctx.end; t += STEP_MS) {
      const above = side(ctx, s, t);
      if (above === undefined) continue;
      const on = ctx.truth(s.actuator, t).values.on === true;
      const bucket = above ? tally.above : tally.below;
      bucket.n += 1;
      if (on === above) bucket.ok += 1;
      else wrong.push({ t, above });
    }
    const share = (b: { n: number; ok: number }) => (b.n === 0 ? 0 : b.ok / b.n);
    const worst = Math.min(share(tally.above), share(tally.below));
    const id = ctx.device(s.actuator).id;
    const lines = ctx.events.filter(
      (e) =>
        e.kind === 'device.state' &&
        e.device === id &&
        // Its on/off changes only, not a firmware upgrade or restart of the same device.
        e.values !== undefined &&
        e.t >= ctx.start &&
        e.t <= ctx.end,
    );
    const pct = (b: { n: number; ok: number }) => `${b.ok}/${b.n}`;
    return {
      score: worst >= fullAt ? 1 : worst / fullAt,
      expected: `${s.actuator} on while ${s.sensor} ${s.quantity} > ${s.threshold} and off while < ${s.threshold} (lag ≤ ${s.lagS} s), in ≥ ${Math.round(fullAt * 100)}% of moments on each side`,
      seen: `right above: ${pct(tally.above)}, below: ${pct(tally.below)}; ${lines.length} change(s) of ${s.actuator}`,
      evidence: [
        ...wrong.slice(0, 3).map((w) => ({
          seq: -1,
          t: w.t,
          note: `${s.quantity} ${w.above ? 'above' : 'below'} ${s.threshold}, ${s.actuator} ${w.above ? 'off' : 'on'}`,
        })),
        ...lines.slice(0, 2).map((e) => ref(e)),
      ],
      ...(worst < fullAt
        ? {
            hint: {
              zh: `${s.actuator} 没有跟随阈值 ${s.threshold}：每次读数后比较，高于阈值输出开，低于阈值输出关（注意有效电平）。`,
              en: `${s.actuator} did not follow the threshold ${s.threshold}: after each reading, switch it on above and off below (mind the active level).`,
            },
          }
        : {}),
    };
  };
}
