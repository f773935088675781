/**
 * Switch-event checks: every change of a switch sensor (door, PIR, button) is reported once, as
 * an event message naming the new state, soon after it happened. Messages are matched to the
 * sensor's edges recomputed from the seed: a message matches the latest edge to its state at or
 * before it (within `matchS`); a second message for the same edge is a duplicate, a message
 * with no such edge is spurious.
 */
import type {
  CheckOutcome,
  EvidenceRef,
  GradeContext,
  MqttPublishEvent,
  TaskParams,
} from '../types.js';
import { payloadJson, publishesOn, ref, someRefs } from './mqtt.js';

export interface SwitchEventSpec<P extends TaskParams> {
  topic: (ctx: GradeContext<P>) => string;
  device: string;
  quantity: string;
  /** The `event` values for a change to active (true) and back (false). */
  names: (ctx: GradeContext<P>) => { on: string; off: string };
  /** Lateness allowed for the latency check, seconds. */
  withinS: (ctx: GradeContext<P>) => number;
  /** Latest a message may come and still report an edge, seconds. */
  matchS: number;
}

export interface SwitchEdge {
  t: number;
  to: boolean;
}

export interface EventMatch {
  /**
   * Edges the candidate can be held to: after its program could first see the device
   * (watchedFrom), and at least withinS before the deadline.
   */
  due: SwitchEdge[];
  /** For each reported edge, its first message. */
  reported: Map<SwitchEdge, MqttPublishEvent>;
  duplicates: MqttPublishEvent[];
  spurious: MqttPublishEvent[];
  messages: readonly MqttPublishEvent[];
}

/** Real transitions of the device in [start, end] (an event inside another is no change). */
export function switchEdges(ctx: GradeContext, device: string, quantity: string): SwitchEdge[] {
  const out: SwitchEdge[] = [];
  let state = ctx.truth(device, ctx.start).values[quantity] === true;
  for (const t of ctx.changes(device)) {
    const to = ctx.truth(device, t).values[quantity] === true;
    if (to !== state) out.push({ t, to });
    state = to;
  }
  return out;
}

/**
 * When the candidate's program could first see a device: its first subscription that receives the
 * device's telemetry, or its first Modbus request to the device's unit, whichever came first (the
 * deadline when neither did). A change before that is one no program can see (it finds the new
 * state when it starts, which the tasks say not to report), so it is never held against it: a
 * program started a second after the lab loses nothing for it.
 */
export function watchedFrom(ctx: GradeContext, device: string): number {
  const plan = ctx.device(device);
  const topic = plan.mqtt?.telemetryTopic;
  const unit = plan.modbus?.unit;
  const sub = topic === undefined ? undefined : ctx.subscriptions(topic)[0];
  const read = ctx.events.find(
    (e) => e.kind === 'modbus.request' && e.t >= ctx.start && unit !== undefined && e.unit === unit,
  );
  return Math.max(ctx.start, Math.min(sub?.t ?? ctx.end, read?.t ?? ctx.end));
}

const eventOf = (e: MqttPublishEvent): unknown => {
  const json = payloadJson(e);
  return typeof json === 'object' && json !== null
    ? (json as Record<string, unknown>).event
    : undefined;
};

export function matchEvents<P extends TaskParams>(
  ctx: GradeContext<P>,
  spec: SwitchEventSpec<P>,
): EventMatch {
  const names = spec.names(ctx);
  const edges = switchEdges(ctx, spec.device, spec.quantity);
  const withinMs = spec.withinS(ctx) * 1000;
  const messages = publishesOn(ctx, spec.topic(ctx));
  const reported = new Map<SwitchEdge, MqttPublishEvent>();
  const duplicates: MqttPublishEvent[] = [];
  const spurious: MqttPublishEvent[] = [];
  for (const m of messages) {
    const ev = eventOf(m);
    const to = ev === names.on ? true : ev === names.off ? false : undefined;
    const edge =
      to === undefined
        ? undefined
        : [...edges]
            .reverse()
            .find((e) => e.to === to && e.t <= m.t && m.t - e.t <= spec.matchS * 1000);
    if (!edge) spurious.push(m);
    else if (reported.has(edge)) duplicates.push(m);
    else reported.set(edge, m);
  }
  const from = watchedFrom(ctx, spec.device);
  const due = edges.filter((e) => e.t > from && e.t <= ctx.end - withinMs);
  return { due, reported, duplicates, spurious, messages };
}

const edgeNote = (e: SwitchEdge, what: string): EvidenceRef => ({
  seq: -1,
  t: e.t,
  note: `edge → ${e.to} at ${(e.t / 1000).toFixed(1)} s ${what}`,
});

/** Share of due edges reported at all (within matchS). */
export function eventsCompleteCheck<P extends TaskParams>(spec: SwitchEventSpec<P>) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const m = matchEvents(ctx, spec);
    const missed = m.due.filter((e) => !m.reported.has(e));
    const share = m.due.length === 0 ? 0 : (m.due.length - missed.length) / m.due.length;
    return {
      score: share,
      expected: `every change of ${spec.device} reported within ${spec.matchS} s`,
      seen:
        m.due.length === 0
          ? 'no change happened before the deadline (the run cannot show this)'
          : `${m.due.length - missed.length} of ${m.due.length} changes reported`,
      evidence:
        missed.length > 0
          ? missed.slice(0, 5).map((e) => edgeNote(e, 'not reported'))
          : someRefs([...m.reported.values()]),
      ...(missed.length > 0
        ? {
            hint: {
              zh: '有开关量变化没有上报：请足够频繁地轮询离散输入（例如每 100–200 ms），每次状态变化都发布一条事件。',
              en: 'Some changes were not reported: poll the discrete input often enough (e.g. every 100–200 ms) and publish an event on every change.',
            },
          }
        : {}),
    };
  };
}

/** Share of due edges reported within withinS. */
export function eventsLatencyCheck<P extends TaskParams>(spec: SwitchEventSpec<P>) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const m = matchEvents(ctx, spec);
    const within = spec.withinS(ctx) * 1000;
    const late = m.due.filter((e) => {
      const msg = m.reported.get(e);
      return !msg || msg.t - e.t > within;
    });
    const lags = [...m.reported.entries()].map(([e, msg]) => msg.t - e.t);
    const worst = lags.length > 0 ? Math.max(...lags) : undefined;
    const share = m.due.length === 0 ? 0 : (m.due.length - late.length) / m.due.length;
    return {
      score: share,
      expected: `every change reported within ${within / 1000} s`,
      seen:
        m.due.length === 0
          ? 'no change happened before the deadline'
          : `${m.due.length - late.length} of ${m.due.length} in time${worst !== undefined ? `; worst lag ${(worst / 1000).toFixed(2)} s` : ''}`,
      evidence:
        late.length > 0
          ? late.slice(0, 5).map((e) => edgeNote(e, 'not reported in time'))
          : someRefs([...m.reported.values()]),
      ...(late.length > 0
        ? {
            hint: {
              zh: `事件上报太慢：状态变化后 ${within / 1000} 秒内就要发布，轮询间隔要远小于这个时间。`,
              en: `Events too late: publish within ${within / 1000} s of the change; poll much faster than that.`,
            },
          }
        : {}),
    };
  };
}

/** All or nothing: at least one message, and each reports a distinct real change. */
export function noDuplicateEventsCheck<P extends TaskParams>(spec: SwitchEventSpec<P>) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const m = matchEvents(ctx, spec);
    const extra = [...m.duplicates, ...m.spurious].sort((a, b) => a.seq - b.seq);
    const ok = m.messages.length > 0 && extra.length === 0;
    return {
      score: ok ? 1 : 0,
      expected: 'one message per change, none without a change (and at least one message)',
      seen:
        m.messages.length === 0
          ? 'no messages'
          : `${m.messages.length} message(s): ${m.duplicates.length} duplicate(s), ${m.spurious.length} without a matching change`,
      evidence:
        extra.length > 0
          ? extra
              .slice(0, 5)
              .map((e) => ref(e, m.duplicates.includes(e) ? 'duplicate' : 'no such change'))
          : someRefs(m.messages),
      ...(m.messages.length > 0 && !ok
        ? {
            hint: {
              zh: '只在状态变化（边沿）时发布一次事件，不要每次轮询都发布当前状态，也不要上报启动时的初始状态。',
              en: 'Publish once per change (edge), not the current state on every poll, and not the state found at start.',
            },
          }
        : {}),
    };
  };
}
