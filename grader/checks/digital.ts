/**
 * Digital-sensor checks: a reported number keeps to the sensor's resolution (no binary-fraction
 * tails like 23.400000000000002, no extra or missing steps), and a value check whose wrong values
 * look like a signed register read as unsigned gets the hint that says so.
 */
import type { CheckOutcome, GradeContext, I18n, TaskParams } from '../types.js';
import { payloadJson, publishesOn, ref, someRefs } from './mqtt.js';

const decimalsOf = (resolution: number) => Math.max(0, Math.ceil(-Math.log10(resolution) - 1e-9));

/** True when `v` is a whole number of `resolution` steps, printed with no more decimals. */
export function onResolution(v: number, resolution: number): boolean {
  const d = decimalsOf(resolution);
  if (Number(v.toFixed(d)) !== v) return false;
  const steps = v / resolution;
  return Math.abs(steps - Math.round(steps)) < 1e-6;
}

/** Share of messages on `topic` whose `fields` are all numbers on the resolution. */
export function resolutionCheck<P extends TaskParams>(opts: {
  topic: (ctx: GradeContext<P>) => string;
  fields: readonly string[];
  resolution: number;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const topic = opts.topic(ctx);
    const got = publishesOn(ctx, topic);
    const bad: { seq: number; t: number; why: string }[] = [];
    for (const e of got) {
      const json = payloadJson(e);
      const obj =
        typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
      const off = opts.fields.find((f) => {
        const v = obj[f];
        return typeof v !== 'number' || !onResolution(v, opts.resolution);
      });
      if (off !== undefined)
        bad.push({ seq: e.seq, t: e.t, why: `${off}: ${JSON.stringify(obj[off])}` });
    }
    const ok = got.length - bad.length;
    return {
      score: got.length === 0 ? 0 : ok / got.length,
      expected: `${opts.fields.join(', ')} as numbers in steps of ${opts.resolution} (at most ${decimalsOf(opts.resolution)} decimal(s)) in every message`,
      seen:
        got.length === 0
          ? 'no messages'
          : `${ok} of ${got.length} right${bad[0] ? `; first off: ${bad[0].why}` : ''}`,
      evidence: bad.length > 0 ? bad.slice(0, 5).map((b) => ref(b, b.why)) : someRefs(got),
      ...(bad.length > 0
        ? {
            hint: {
              zh: `数值要按分辨率 ${opts.resolution} 取整后再发送（例如保留 ${decimalsOf(opts.resolution)} 位小数），不要发送 23.400000000000002 这样的浮点尾数。`,
              en: `Round values to the resolution ${opts.resolution} (${decimalsOf(opts.resolution)} decimal(s)) before sending; no float tails like 23.400000000000002.`,
            },
          }
        : {}),
    };
  };
}

export const SIGNED_HINT: I18n = {
  zh: '寄存器是有符号 16 位数（补码）：大于 32767 的原始值要减去 65536 再乘以分辨率，零下温度才正确。',
  en: 'The register is signed 16-bit (two’s complement): subtract 65536 from raw values above 32767 before scaling, or sub-zero readings come out huge.',
};

/**
 * Wraps a value check: when it is not full and most wrong values on `field` are what an int16
 * read as uint16 gives (≥ 32768 × resolution), its hint says so.
 */
export function withSignedHint<P extends TaskParams>(
  check: (ctx: GradeContext<P>) => CheckOutcome,
  opts: { topic: (ctx: GradeContext<P>) => string; field: string; resolution: number },
) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const out = check(ctx);
    if (out.score >= 1) return out;
    const got = publishesOn(ctx, opts.topic(ctx));
    const huge = got.filter((e) => {
      const json = payloadJson(e);
      const v =
        typeof json === 'object' && json !== null
          ? (json as Record<string, unknown>)[opts.field]
          : undefined;
      return typeof v === 'number' && v >= 32768 * opts.resolution - 1e-6;
    }).length;
    return huge * 2 > got.length ? { ...out, hint: SIGNED_HINT } : out;
  };
}
