/**
 * MQTT checks: a message on a topic within the time window, its payload against a JSON Schema
 * (ajv), publish period and jitter, QoS and retain. Each returns a share of its points.
 */
import { Ajv } from 'ajv';
import type { AnySchema } from 'ajv';
import type {
  CheckOutcome,
  EvidenceRef,
  GradeContext,
  MqttPublishEvent,
  TaskParams,
} from '../types.js';

/** MQTT 3.1.1 §4.7 topic filter matching (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** The JSON a publish carried: its parsed view, or its text parsed, or undefined. */
export function payloadJson(e: MqttPublishEvent): unknown {
  if (e.payload.json !== undefined) return e.payload.json;
  if (e.payload.text !== undefined) {
    try {
      return JSON.parse(e.payload.text) as unknown;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function payloadText(e: MqttPublishEvent): string {
  if (e.payload.text !== undefined) return e.payload.text;
  // An elided payload (past the evidence quota) shows nothing a check could match.
  return e.payload.raw === undefined ? '' : Buffer.from(e.payload.raw, 'base64').toString('utf8');
}

export function publishesOn(ctx: GradeContext, topic: string): readonly MqttPublishEvent[] {
  return ctx.clientPublishes().filter((e) => topicMatches(topic, e.topic));
}

export const ref = (e: { seq: number; t: number }, note?: string): EvidenceRef =>
  note === undefined ? { seq: e.seq, t: e.t } : { seq: e.seq, t: e.t, note };

/** At most a few references per check: the first ones, enough to find the lines. */
export function someRefs(events: readonly { seq: number; t: number }[], n = 5): EvidenceRef[] {
  return events.slice(0, n).map((e) => ref(e));
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** At least `minCount` client publishes on `topic` before the deadline. */
export function publishedCheck<P extends TaskParams>(opts: {
  topic: (ctx: GradeContext<P>) => string;
  minCount: number;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const topic = opts.topic(ctx);
    const got = publishesOn(ctx, topic);
    const others = ctx.clientPublishes().filter((e) => !topicMatches(topic, e.topic));
    return {
      score: Math.min(1, got.length / opts.minCount),
      expected: `≥ ${opts.minCount} messages on ${topic}`,
      seen: `${got.length} message(s) on ${topic}`,
      evidence: someRefs(got),
      ...(got.length === 0
        ? {
            hint:
              others.length > 0
                ? {
                    zh: `没有发布到 ${topic} 的消息；你发布到了 ${others[0]!.topic}，请检查主题拼写。`,
                    en: `Nothing on ${topic}; you published to ${others[0]!.topic} — check the topic.`,
                  }
                : {
                    zh: `没有发布到 ${topic} 的消息：程序是否连接到了实验卡上的 MQTT 地址？`,
                    en: `Nothing on ${topic}: did your program connect to the card's MQTT URL?`,
                  },
          }
        : {}),
    };
  };
}

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

/** Share of the messages on `topic` whose payload is JSON valid against `schema`. */
export function schemaCheck<P extends TaskParams>(opts: {
  topic: (ctx: GradeContext<P>) => string;
  schema: (ctx: GradeContext<P>) => AnySchema;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const topic = opts.topic(ctx);
    const schema = opts.schema(ctx);
    const key = JSON.stringify(schema);
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(schema);
      compiled.set(key, validate);
    }
    const got = publishesOn(ctx, topic);
    const bad: { e: MqttPublishEvent; why: string }[] = [];
    for (const e of got) {
      const json = payloadJson(e);
      if (json === undefined) bad.push({ e, why: 'not JSON' });
      else if (!validate(json))
        bad.push({ e, why: ajv.errorsText(validate.errors, { dataVar: 'payload' }) });
    }
    const ok = got.length - bad.length;
    return {
      score: got.length === 0 ? 0 : ok / got.length,
      expected: `every payload on ${topic} valid against the schema ${key}`,
      seen: `${ok} of ${got.length} valid${bad[0] ? `; first problem: ${bad[0].why}` : ''}`,
      evidence: bad.length > 0 ? bad.slice(0, 5).map((b) => ref(b.e, b.why)) : someRefs(got),
      ...(bad[0]
        ? {
            hint: {
              zh: `消息格式不符合要求（${bad[0].why}）：请按任务说明中的字段名、类型和单位发送 JSON。`,
              en: `Payload does not match (${bad[0].why}): send JSON with the field names, types and units the instructions give.`,
            },
          }
        : {}),
    };
  };
}

/**
 * Publish period: the median interval between messages on `topic` within ±tolerance of the
 * period, and the share of intervals within ±jitter of it.
 */
export function periodCheck<P extends TaskParams>(opts: {
  topic: (ctx: GradeContext<P>) => string;
  periodS: (ctx: GradeContext<P>) => number;
  /** Allowed deviation of each interval, seconds. */
  jitterS: number;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const topic = opts.topic(ctx);
    const period = opts.periodS(ctx) * 1000;
    const got = publishesOn(ctx, topic);
    const gaps = got.slice(1).map((e, i) => e.t - got[i]!.t);
    if (gaps.length < 2)
      return {
        score: 0,
        expected: `messages every ${period / 1000} s ± ${opts.jitterS} s`,
        seen: `${got.length} message(s): too few to measure a period`,
        evidence: someRefs(got),
      };
    const sorted = [...gaps].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const within = gaps.filter((g) => Math.abs(g - period) <= opts.jitterS * 1000).length;
    const share = within / gaps.length;
    const worst = gaps.reduce((w, g) => (Math.abs(g - period) > Math.abs(w - period) ? g : w));
    return {
      score: share >= 0.9 ? 1 : share,
      expected: `messages every ${period / 1000} s ± ${opts.jitterS} s (at least 90% of intervals)`,
      seen: `median interval ${round(median / 1000)} s; ${within} of ${gaps.length} intervals within; worst ${round(worst / 1000)} s`,
      evidence: someRefs(got, 3),
      ...(share < 0.9
        ? {
            hint:
              median < period * 0.5
                ? {
                    zh: '发布过于频繁：请按规定周期发布。',
                    en: 'Publishing too often: keep to the period.',
                  }
                : median > period * 1.5
                  ? {
                      zh: '发布间隔过长：请按规定周期发布。',
                      en: 'Intervals too long: keep to the period.',
                    }
                  : {
                      zh: '发布周期抖动过大：请用定时器按固定周期发布，不要在每次读取后再等待一个周期。',
                      en: 'Too much jitter: publish on a fixed-rate timer, not "read, then sleep a period".',
                    },
          }
        : {}),
    };
  };
}

/** Every message on `topic` with the QoS (and retain flag, when given) asked for. */
export function qosCheck<P extends TaskParams>(opts: {
  topic: (ctx: GradeContext<P>) => string;
  qos: number;
  retain?: boolean;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const topic = opts.topic(ctx);
    const got = publishesOn(ctx, topic);
    const bad = got.filter(
      (e) => e.qos !== opts.qos || (opts.retain !== undefined && e.retain !== opts.retain),
    );
    const want = `QoS ${opts.qos}${opts.retain === undefined ? '' : `, retain ${opts.retain}`}`;
    return {
      score: got.length === 0 ? 0 : bad.length === 0 ? 1 : 0,
      expected: `every message on ${topic} with ${want}`,
      seen:
        got.length === 0
          ? 'no messages'
          : bad[0]
            ? `${bad.length} of ${got.length} not (first: QoS ${bad[0].qos}, retain ${bad[0].retain})`
            : `all ${got.length} with ${want}`,
      evidence: bad.length > 0 ? someRefs(bad) : someRefs(got, 2),
      ...(bad[0]
        ? {
            hint: {
              zh: `发布时请设置 ${opts.qos === 1 ? 'QoS 1' : `QoS ${opts.qos}`}${opts.retain === undefined ? '' : opts.retain ? '，并设置保留标志 retain' : '，不要设置 retain'}。`,
              en: `Publish with ${want}.`,
            },
          }
        : {}),
    };
  };
}
