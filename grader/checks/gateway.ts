/**
 * Edge gateway checks (docs/gateway.md): the configuration a candidate put through the gateway's
 * API (its `device.state` evidence of `gw:<name>`, source `gateway-api`), and who published the
 * gateway's messages to the broker (client id and keep-alive of that MQTT session).
 */
import type { EvidenceEvent } from '../../core/evidence.js';
import type { CheckOutcome, GradeContext, TaskParams } from '../types.js';
import { publishesOn, ref, someRefs } from './mqtt.js';

interface PollRowView {
  point?: unknown;
  line?: unknown;
  periodS?: unknown;
}

/** Configs accepted through the API of gateway `name` within [start, end], in order. */
export function gatewayConfigs(ctx: GradeContext, name: string): EvidenceEvent[] {
  return ctx.events.filter(
    (e) =>
      e.kind === 'device.state' &&
      e.device === `gw:${name}` &&
      e.source === 'gateway-api' &&
      e.t >= ctx.start &&
      e.t <= ctx.end,
  );
}

/** The last config put through the API has a poll row per point, on `line`, at most `periodS`. */
export function gatewayConfigCheck<P extends TaskParams>(opts: {
  gateway: string;
  line: string;
  points: (ctx: GradeContext<P>) => string[];
  periodS: number;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const points = opts.points(ctx);
    const configs = gatewayConfigs(ctx, opts.gateway);
    const last = configs.at(-1);
    const poll = ((last?.values as { config?: { poll?: unknown } } | undefined)?.config?.poll ??
      []) as PollRowView[];
    const missing = points.filter(
      (p) =>
        !poll.some(
          (r) =>
            r.point === p &&
            r.line === opts.line &&
            typeof r.periodS === 'number' &&
            r.periodS <= opts.periodS,
        ),
    );
    const found = points.length - missing.length;
    return {
      score: last ? found / points.length : 0,
      expected: `a config put through ${opts.gateway}'s API polling ${points.join(', ')} on ${opts.line} every ≤ ${opts.periodS} s`,
      seen: last
        ? `${configs.length} config(s) put; the last has ${found} of ${points.length} points${missing.length > 0 ? ` (missing or wrong: ${missing.join(', ')})` : ''}`
        : 'the gateway was never configured through its API',
      evidence: last ? [ref(last)] : [],
      ...(missing.length > 0
        ? {
            hint: {
              zh: `通过网关配置接口 PUT /config 为每个点位（${points.join('、')}）添加采集行：点名、串口线路、从站地址、寄存器与周期。`,
              en: `PUT /config on the gateway's API with a poll row per point (${points.join(', ')}): point name, line, unit, register and period.`,
            },
          }
        : {}),
    };
  };
}

/**
 * Every message on the topics was published by client `clientId`, and that client connected with
 * keep-alive `keepaliveS` (MQTT 3.1.1 §3.1.2.10, §3.1.3.1).
 */
export function publisherCheck<P extends TaskParams>(opts: {
  topics: (ctx: GradeContext<P>) => string[];
  clientId: (ctx: GradeContext<P>) => string;
  keepaliveS: (ctx: GradeContext<P>) => number;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const id = opts.clientId(ctx);
    const keepalive = opts.keepaliveS(ctx);
    const got = opts.topics(ctx).flatMap((t) => publishesOn(ctx, t));
    const others = got.filter((e) => e.clientId !== id);
    const session = ctx.events.find(
      (e) =>
        e.kind === 'mqtt.connect' &&
        e.accepted === true &&
        e.clientId === id &&
        e.t >= ctx.start &&
        e.t <= ctx.end,
    );
    const keepOk = session?.keepalive === keepalive;
    const ok = got.length > 0 && others.length === 0 && keepOk;
    return {
      score: ok ? 1 : 0,
      expected: `every message published by client id ${id}, connected with keep-alive ${keepalive} s`,
      seen:
        got.length === 0
          ? 'no messages on the topics'
          : `${got.length - others.length} of ${got.length} by ${id}${others[0] ? ` (others by ${String(others[0].clientId)})` : ''}; ${session ? `keep-alive ${String(session.keepalive)} s` : `${id} never connected`}`,
      evidence: others.length > 0 ? someRefs(others) : session ? [ref(session)] : someRefs(got),
      ...(got.length > 0 && !ok
        ? {
            hint: {
              zh: `网关与平台的连接参数不符：在配置的 northbound 中设置 clientId 为 ${id}、keepaliveS 为 ${keepalive}。`,
              en: `The gateway's platform connection is not as asked: set northbound.clientId to ${id} and keepaliveS to ${keepalive}.`,
            },
          }
        : {}),
    };
  };
}
