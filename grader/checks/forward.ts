/**
 * Forwarding checks, black-box on the wire, as a rule chain is graded: each source message a rule
 * should pass has its transformed copy on the output topic within a latency; messages the rule
 * should drop are not forwarded; forwarded payloads carry the source's values.
 */
import type { CheckOutcome, GradeContext, MqttPublishEvent, TaskParams } from '../types.js';
import { payloadJson, ref, someRefs, topicMatches } from './mqtt.js';

export interface ForwardSpec<P extends TaskParams> {
  source: (ctx: GradeContext<P>) => string;
  output: (ctx: GradeContext<P>) => string;
  /** Whether the rule passes this source payload. */
  passes: (ctx: GradeContext<P>, json: Record<string, unknown>) => boolean;
  /** The payload the output must carry for this source payload (compared field by field). */
  expect: (ctx: GradeContext<P>, json: Record<string, unknown>) => Record<string, unknown>;
  /** Field that links an output to its source (e.g. `ts`). */
  key: string;
  maxLatencyS: number;
}

interface Pair {
  src: MqttPublishEvent;
  json: Record<string, unknown>;
  out?: MqttPublishEvent;
}

const asObject = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;

function pairs<P extends TaskParams>(ctx: GradeContext<P>, spec: ForwardSpec<P>) {
  const source = spec.source(ctx);
  const output = spec.output(ctx);
  const srcs = ctx.events.filter(
    (e): e is MqttPublishEvent =>
      e.kind === 'mqtt.publish' &&
      e.origin === 'device' &&
      e.t >= ctx.start &&
      // A source too close to the deadline cannot be expected to be forwarded in time.
      e.t <= ctx.end - spec.maxLatencyS * 1000 &&
      topicMatches(source, (e as MqttPublishEvent).topic),
  );
  const outs = ctx.clientPublishes().filter((e) => topicMatches(output, e.topic));
  const byKey = new Map<string, MqttPublishEvent>();
  for (const o of outs) {
    const k = asObject(payloadJson(o))?.[spec.key];
    if (k !== undefined && !byKey.has(JSON.stringify(k))) byKey.set(JSON.stringify(k), o);
  }
  const list: Pair[] = [];
  for (const s of srcs) {
    const json = asObject(payloadJson(s));
    if (!json) continue;
    const out = byKey.get(JSON.stringify(json[spec.key]));
    list.push({ src: s, json, ...(out ? { out } : {}) });
  }
  return { list, outs, output };
}

/** Share of the messages the rule passes that were forwarded in time (full marks at 90%). */
export function forwardedCheck<P extends TaskParams>(spec: ForwardSpec<P>) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const { list, output } = pairs(ctx, spec);
    const due = list.filter((p) => spec.passes(ctx, p.json));
    const inTime = due.filter(
      (p) => p.out && p.out.t - p.src.t <= spec.maxLatencyS * 1000 && p.out.t >= p.src.t,
    );
    const late = due.filter((p) => p.out && !inTime.includes(p));
    const share = due.length === 0 ? 0 : inTime.length / due.length;
    return {
      score: share >= 0.9 ? 1 : share / 0.9,
      expected: `each passing source message on ${output} within ${spec.maxLatencyS} s (at least 90%)`,
      seen: `${inTime.length} of ${due.length} forwarded in time${late.length ? `, ${late.length} late` : ''}`,
      evidence: someRefs(due.filter((p) => !inTime.includes(p)).map((p) => p.src)),
      ...(share < 0.9
        ? {
            hint: late.length
              ? {
                  zh: '转发太慢：收到消息后立即转发。',
                  en: 'Forwarding too slowly: forward as each message arrives.',
                }
              : {
                  zh: `应转发的消息没有出现在 ${output}。`,
                  en: `Messages that pass the rule are missing on ${output}.`,
                },
          }
        : {}),
    };
  };
}

/** No message the rule drops was forwarded (all or nothing), and something was forwarded. */
export function filteredCheck<P extends TaskParams>(spec: ForwardSpec<P>) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const { list, outs, output } = pairs(ctx, spec);
    const leaked = list.filter((p) => p.out && !spec.passes(ctx, p.json));
    return {
      score: outs.length > 0 && leaked.length === 0 ? 1 : 0,
      expected: `nothing on ${output} for messages the rule drops`,
      seen:
        outs.length === 0
          ? 'nothing forwarded at all'
          : `${leaked.length} dropped message(s) forwarded`,
      evidence: leaked
        .slice(0, 5)
        .map((p) => ref(p.out!, `source seq ${p.src.seq} should have been dropped`)),
      ...(leaked.length > 0
        ? {
            hint: {
              zh: '过滤条件没有生效：不满足条件的消息不应转发。',
              en: 'The filter is missing: messages that fail the condition must not be forwarded.',
            },
          }
        : {}),
    };
  };
}

/** Share of forwarded messages whose payload carries the expected fields and values. */
export function transformedCheck<P extends TaskParams>(spec: ForwardSpec<P>) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const { list, output } = pairs(ctx, spec);
    const forwarded = list.filter((p) => p.out);
    const bad: { p: Pair; why: string }[] = [];
    for (const p of forwarded) {
      const got = asObject(payloadJson(p.out!)) ?? {};
      const want = spec.expect(ctx, p.json);
      const wrong = Object.keys(want).find(
        (k) => JSON.stringify(got[k]) !== JSON.stringify(want[k]),
      );
      if (wrong !== undefined)
        bad.push({
          p,
          why: `${wrong}: ${JSON.stringify(got[wrong])}, expected ${JSON.stringify(want[wrong])}`,
        });
    }
    const share = forwarded.length === 0 ? 0 : (forwarded.length - bad.length) / forwarded.length;
    return {
      score: share,
      expected: `forwarded payloads on ${output} with the fields and values the instructions give`,
      seen:
        forwarded.length === 0
          ? 'nothing forwarded'
          : `${forwarded.length - bad.length} of ${forwarded.length} right${bad[0] ? `; first: ${bad[0].why}` : ''}`,
      evidence: bad.slice(0, 5).map((b) => ref(b.p.out!, b.why)),
      ...(bad[0]
        ? {
            hint: {
              zh: `转发的消息字段不对（${bad[0].why}）。`,
              en: `Forwarded payload wrong (${bad[0].why}).`,
            },
          }
        : {}),
    };
  };
}
