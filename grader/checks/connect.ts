/**
 * MQTT session checks from `mqtt.connect` evidence: a connection accepted with the session flags,
 * keep-alive, credentials and last will (MQTT 3.1.1 §3.1.2) a task asks for.
 */
import type { EvidenceEvent } from '../../core/evidence.js';
import type { CheckOutcome, GradeContext, TaskParams } from '../types.js';
import { ref, topicMatches } from './mqtt.js';

export interface ConnectExpectation {
  clean?: boolean;
  /** Largest keep-alive accepted, seconds (0 = no keep-alive is never accepted then). */
  maxKeepaliveS?: number;
  username?: string;
  will?: { topic: string; payload?: string; qos?: number; retain?: boolean };
}

interface WillView {
  topic?: string;
  qos?: number;
  retain?: boolean;
  payload?: { raw?: string; text?: string };
}

/** What is wrong with one accepted connect, or undefined when it meets every expectation. */
export function connectProblem(e: EvidenceEvent, want: ConnectExpectation): string | undefined {
  if (want.clean !== undefined && e.clean !== want.clean)
    return `clean session ${String(e.clean)}, expected ${want.clean}`;
  if (want.maxKeepaliveS !== undefined) {
    const k = typeof e.keepalive === 'number' ? e.keepalive : undefined;
    if (k === undefined || k === 0 || k > want.maxKeepaliveS)
      return `keep-alive ${String(k)} s, expected 1–${want.maxKeepaliveS} s`;
  }
  if (want.username !== undefined && e.username !== want.username)
    return `username ${JSON.stringify(e.username)}, expected ${JSON.stringify(want.username)}`;
  if (want.will) {
    const w = e.will as WillView | undefined;
    if (!w || typeof w.topic !== 'string') return 'no last will';
    if (!topicMatches(want.will.topic, w.topic))
      return `last will on ${w.topic}, expected ${want.will.topic}`;
    const text =
      w.payload?.text ??
      (w.payload?.raw ? Buffer.from(w.payload.raw, 'base64').toString('utf8') : '');
    if (want.will.payload !== undefined && text !== want.will.payload)
      return `last will payload ${JSON.stringify(text)}, expected ${JSON.stringify(want.will.payload)}`;
    if (want.will.qos !== undefined && w.qos !== want.will.qos)
      return `last will QoS ${String(w.qos)}, expected ${want.will.qos}`;
    if (want.will.retain !== undefined && w.retain !== want.will.retain)
      return `last will retain ${String(w.retain)}, expected ${want.will.retain}`;
  }
  return undefined;
}

/** At least one accepted connection (by a client, in the window) that meets the expectation. */
export function connectCheck<P extends TaskParams>(
  want: (ctx: GradeContext<P>) => ConnectExpectation,
) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const w = want(ctx);
    const connects = ctx.events.filter(
      (e) => e.kind === 'mqtt.connect' && e.accepted === true && e.t >= ctx.start && e.t <= ctx.end,
    );
    const problems = connects.map((e) => ({ e, why: connectProblem(e, w) }));
    const good = problems.find((p) => p.why === undefined);
    return {
      score: good ? 1 : 0,
      expected: `an MQTT connection with ${JSON.stringify(w)}`,
      seen: good
        ? `connection at seq ${good.e.seq} (client ${String(good.e.clientId)})`
        : connects.length === 0
          ? 'no accepted MQTT connection'
          : `${connects.length} connection(s); first problem: ${problems[0]!.why}`,
      evidence: good ? [ref(good.e)] : problems.slice(0, 3).map((p) => ref(p.e, p.why)),
      ...(good || connects.length === 0
        ? {}
        : {
            hint: {
              zh: `连接参数不符合要求（${problems[0]!.why}）：在 CONNECT 中设置会话标志、保活时间、用户名和遗嘱消息。`,
              en: `Connection settings wrong (${problems[0]!.why}): set the session flag, keep-alive, username and last will in CONNECT.`,
            },
          }),
    };
  };
}
