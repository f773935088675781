/**
 * Alarm checks with hysteresis: the alarm must switch on when a sensor goes above a high threshold,
 * switch off only when it goes below a low one, each within N s, and never flap in between.
 *
 * The expected alarm is a hysteresis machine run over the values the sensor itself published (its
 * telemetry as recorded in the evidence): exactly what a candidate subscribed to it received, so
 * a reading the candidate could not see never counts against them. Starts off.
 */
import type { CheckOutcome, GradeContext, MqttPublishEvent, TaskParams } from '../types.js';
import { payloadJson, payloadText, ref, someRefs } from './mqtt.js';

export interface HysteresisSpec {
  sensor: string;
  /** Field of the sensor's telemetry JSON (its quantity). */
  field: string;
  actuator: string;
  high: number;
  low: number;
  withinS: number;
  /** Lab time the machine starts at, off (default the run's start): e.g. the first subscription. */
  from?: number;
  /** Reads an encrypted message (its payload text) when the sensor encrypts; else JSON as is. */
  open?: (text: string) => unknown;
}

export interface AlarmEdge {
  t: number;
  seq: number;
  to: boolean;
  value: number;
}

/** Where the machine switches: on at the first value > high, off at the first value < low. */
export function alarmEdges(ctx: GradeContext, s: HysteresisSpec): AlarmEdge[] {
  const topic = ctx.device(s.sensor).mqtt?.telemetryTopic;
  const out: AlarmEdge[] = [];
  let on = false;
  for (const e of ctx.events) {
    if (e.kind !== 'mqtt.publish' || e.t < (s.from ?? ctx.start) || e.t > ctx.end) continue;
    const p = e as MqttPublishEvent;
    if (p.origin !== 'device' || p.topic !== topic) continue;
    const json = s.open ? s.open(payloadText(p)) : payloadJson(p);
    const v =
      typeof json === 'object' && json !== null
        ? (json as Record<string, unknown>)[s.field]
        : undefined;
    if (typeof v !== 'number') continue;
    const next: boolean = on ? !(v < s.low) : v > s.high;
    if (next !== on) out.push({ t: e.t, seq: e.seq, to: next, value: v });
    on = next;
  }
  return out;
}

function changes(ctx: GradeContext, actuator: string) {
  const id = ctx.device(actuator).id;
  return ctx.events
    .filter(
      (e) =>
        e.kind === 'device.state' &&
        e.device === id &&
        // Its on/off changes only, not a firmware upgrade or restart of the same device.
        e.values !== undefined &&
        e.t >= ctx.start &&
        e.t <= ctx.end,
    )
    .map((e) => ({ e, on: (e.values as { on?: unknown } | undefined)?.on === true }));
}

const word = (on: boolean) => (on ? 'on' : 'off');

/** Share of the machine's switches to `to` that the actuator followed (changed to it) within N s. */
export function alarmSwitchCheck<P extends TaskParams>(
  spec: (ctx: GradeContext<P>) => HysteresisSpec & { to: boolean },
) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const s = spec(ctx);
    const within = s.withinS * 1000;
    const due = alarmEdges(ctx, s).filter((e) => e.to === s.to && e.t <= ctx.end - within);
    const seen = changes(ctx, s.actuator);
    const missed = due.filter(
      (e) => !seen.some((c) => c.on === s.to && c.e.t >= e.t && c.e.t <= e.t + within),
    );
    const rule = s.to ? `> ${s.high}` : `< ${s.low}`;
    return {
      score: due.length === 0 ? 0 : (due.length - missed.length) / due.length,
      expected: `${s.actuator} switched ${word(s.to)} within ${s.withinS} s each time ${s.sensor} ${s.field} goes ${rule}${s.to ? '' : ' after an alarm'}`,
      seen:
        due.length === 0
          ? 'no such crossing before the deadline (the run cannot show this)'
          : `${due.length - missed.length} of ${due.length} answered in time`,
      evidence:
        missed.length > 0
          ? missed
              .slice(0, 5)
              .map((e) =>
                ref(e, `${s.field} = ${e.value}: ${s.actuator} not ${word(s.to)} in time`),
              )
          : someRefs(seen.map((c) => c.e)),
      ...(missed.length > 0
        ? {
            hint: s.to
              ? {
                  zh: `${s.field} 高于 ${s.high} 后 ${s.withinS} 秒内没有打开告警：订阅传感器遥测，超过上限立即下发开启命令。`,
                  en: `The alarm was not on within ${s.withinS} s after ${s.field} rose above ${s.high}: subscribe to the telemetry and command on at once.`,
                }
              : {
                  zh: `${s.field} 低于下限 ${s.low} 后 ${s.withinS} 秒内告警没有解除（或已提前解除）：只在低于下限时关闭告警。`,
                  en: `The alarm was not cleared within ${s.withinS} s after ${s.field} fell below the low threshold ${s.low} (or was cleared too early): clear it only below the low threshold.`,
                },
          }
        : {}),
    };
  };
}

/** Every change of the actuator follows a machine switch to the same state within N s. */
export function noFlapCheck<P extends TaskParams>(spec: (ctx: GradeContext<P>) => HysteresisSpec) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const s = spec(ctx);
    const edges = alarmEdges(ctx, s);
    const seen = changes(ctx, s.actuator);
    const stray = seen.filter(
      (c) => !edges.some((e) => e.to === c.on && c.e.t >= e.t && c.e.t <= e.t + s.withinS * 1000),
    );
    return {
      score: seen.length > 0 && stray.length === 0 ? 1 : 0,
      expected: `${s.actuator} changes only within ${s.withinS} s after ${s.field} goes above ${s.high} (on) or below ${s.low} (off)`,
      seen:
        seen.length === 0
          ? `${s.actuator} never changed`
          : `${stray.length} of ${seen.length} changes without a matching crossing`,
      evidence: stray.slice(0, 5).map((c) => ref(c.e, `${s.actuator} → ${word(c.on)}`)),
      ...(stray.length > 0
        ? {
            hint: {
              zh: `告警在上下限之间发生了动作（抖动）：在 ${s.low} 与 ${s.high} 之间保持原状态，不要只用一个阈值。`,
              en: `The alarm changed between the thresholds (flapping): between ${s.low} and ${s.high} keep the state; do not use a single threshold.`,
            },
          }
        : {}),
    };
  };
}
