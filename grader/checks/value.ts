/**
 * A reported value against the device's truth at the message's time, within a tolerance. A value
 * may lag the truth by up to `maxAgeS` (the candidate read it, then published it). Wrong values
 * are diagnosed against the typical mistakes: raw counts not scaled, offset left out, bytes
 * swapped, °F for °C, and stale values.
 */
import { toRaw } from '../../devices/field/signal.js';
import type { RegisterEntry } from '../../protocols/modbus/types.js';
import type { CheckOutcome, GradeContext, I18n, MqttPublishEvent, TaskParams } from '../types.js';
import { payloadJson, publishesOn, ref, someRefs } from './mqtt.js';

export type Mistake = 'raw' | 'offset' | 'swapped' | 'fahrenheit' | 'stale';

export const MISTAKE_HINTS: Record<Mistake, I18n> = {
  raw: {
    zh: '上报的是原始寄存器值（ADC 计数/µA/mV），未换算成工程值：值 = 原始值 × 系数 + 偏移。',
    en: 'You reported the raw register value (counts/µA/mV) unscaled: value = raw × scale + offset.',
  },
  offset: {
    zh: '只乘了系数，漏加偏移量：值 = 原始值 × 系数 + 偏移。',
    en: 'Scaled without the offset: value = raw × scale + offset.',
  },
  swapped: {
    zh: '寄存器的高低字节顺序颠倒了：Modbus 寄存器为大端序（高字节在前）。',
    en: 'Register bytes swapped: Modbus registers are big-endian (high byte first).',
  },
  fahrenheit: {
    zh: '上报的是华氏度，要求摄氏度（°C）。',
    en: 'You reported °F; the task asks for °C.',
  },
  stale: {
    zh: '上报的值是旧数据：每次发布前都要重新读取设备。',
    en: 'Stale values: read the device again before each publish.',
  },
};

const STEP_MS = 250;
const DIAGNOSE_AT_MOST = 50;

export interface ValueCheckOptions<P extends TaskParams> {
  topic: (ctx: GradeContext<P>) => string;
  /** Field of the JSON payload holding the value (`params.temperature` for a nested one). */
  field: string;
  device: (ctx: GradeContext<P>) => string;
  quantity: (ctx: GradeContext<P>) => string;
  tolerance: (ctx: GradeContext<P>) => number;
  /** How far the value may lag the truth, seconds. */
  maxAgeS: number;
  /** Share of messages that must be right for full marks (partial below, pro rata). */
  fullAt?: number;
}

export function valueCheck<P extends TaskParams>(opts: ValueCheckOptions<P>) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const topic = opts.topic(ctx);
    const name = opts.device(ctx);
    const quantity = opts.quantity(ctx);
    const tol = opts.tolerance(ctx);
    const fullAt = opts.fullAt ?? 0.9;
    const plan = ctx.device(name);
    const reg = plan.modbus?.registers.find((r) => r.quantity === quantity);
    const range = plan.channels.find((c) => c.channel.quantity === quantity)?.channel.range;
    const got = publishesOn(ctx, topic);
    const truthAt = (t: number): number | undefined => {
      const v = ctx.truth(name, t).values[quantity];
      return typeof v === 'number' ? v : undefined;
    };
    let ok = 0;
    const wrong: {
      e: MqttPublishEvent;
      v: unknown;
      truth: number | undefined;
      mistake?: Mistake;
    }[] = [];
    for (const e of got) {
      const json = payloadJson(e);
      const v = fieldOf(json, opts.field);
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        wrong.push({ e, v, truth: truthAt(e.t) });
        continue;
      }
      if (matchesWithin(v, e.t, opts.maxAgeS * 1000, (t) => truthAt(t), tol)) {
        ok += 1;
        continue;
      }
      // Diagnosis only feeds the hint: a sample of the wrong values is enough, and it keeps an
      // hour of wrong values (each looked back on for up to 10 minutes) fast to grade.
      const mistake =
        wrong.length < DIAGNOSE_AT_MOST
          ? diagnose(v, e.t, opts.maxAgeS * 1000, tol, truthAt, reg, range)
          : undefined;
      wrong.push({ e, v, truth: truthAt(e.t), ...(mistake ? { mistake } : {}) });
    }
    const share = got.length === 0 ? 0 : ok / got.length;
    const counts = new Map<Mistake, number>();
    for (const w of wrong) if (w.mistake) counts.set(w.mistake, (counts.get(w.mistake) ?? 0) + 1);
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
    const first = wrong[0];
    return {
      score: share >= fullAt ? 1 : share / fullAt,
      expected: `${opts.field} within ±${tol} of the device's ${quantity} (lag ≤ ${opts.maxAgeS} s) in at least ${Math.round(fullAt * 100)}% of messages`,
      seen:
        got.length === 0
          ? 'no messages'
          : `${ok} of ${got.length} right${first ? `; e.g. seq ${first.e.seq}: ${JSON.stringify(first.v)} where the device had ${first.truth}` : ''}`,
      evidence:
        wrong.length > 0
          ? wrong
              .slice(0, 5)
              .map((w) =>
                ref(
                  w.e,
                  `reported ${JSON.stringify(w.v)}, truth ${w.truth}${w.mistake ? ` (${w.mistake})` : ''}`,
                ),
              )
          : someRefs(got),
      ...(top && share < fullAt
        ? { hint: MISTAKE_HINTS[top[0]] }
        : wrong.length > 0 && share < fullAt
          ? {
              hint: {
                zh: `上报值与设备真实值不符（允许误差 ±${tol}）：检查寄存器地址、单元号和换算公式。`,
                en: `Values do not match the device (±${tol}): check the register address, unit id and scaling.`,
              },
            }
          : {}),
    };
  };
}

function matchesWithin(
  v: number,
  t: number,
  maxAgeMs: number,
  truthAt: (t: number) => number | undefined,
  tol: number,
  fn: (truth: number) => number = (x) => x,
): boolean {
  for (let age = 0; age <= maxAgeMs; age += STEP_MS) {
    const truth = truthAt(Math.max(0, t - age));
    if (truth !== undefined && Math.abs(v - fn(truth)) <= tol + 1e-9) return true;
  }
  return false;
}

/** A field of a JSON payload; `a.b` reaches into nested objects. */
function fieldOf(json: unknown, path: string): unknown {
  let v = json;
  for (const key of path.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

export function swap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >> 8) & 0xff);
}

function diagnose(
  v: number,
  t: number,
  maxAgeMs: number,
  tol: number,
  truthAt: (t: number) => number | undefined,
  reg: RegisterEntry | undefined,
  range: readonly [number, number] | undefined,
): Mistake | undefined {
  if (reg?.signal !== undefined && range) {
    const signal = reg.signal;
    const raw = (x: number) => toRaw(signal, x, range);
    if (matchesWithin(v, t, maxAgeMs, truthAt, Math.max(2, tol / reg.scale), raw)) return 'raw';
    if (reg.offset !== 0 && matchesWithin(v, t, maxAgeMs, truthAt, tol, (x) => raw(x) * reg.scale))
      return 'offset';
    if (matchesWithin(v, t, maxAgeMs, truthAt, tol, (x) => swap16(raw(x)) * reg.scale + reg.offset))
      return 'swapped';
  }
  if (matchesWithin(v, t, maxAgeMs, truthAt, tol * 1.8, (x) => (x * 9) / 5 + 32))
    return 'fahrenheit';
  if (matchesWithin(v, t, 600_000, truthAt, tol)) return 'stale';
  return undefined;
}
