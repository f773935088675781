/**
 * Third-party platform checks: a device session accepted with signed credentials (the broker
 * verifies the signature: protocols/codecs/platform-sign.ts; here the evidence of it), and what
 * that session published.
 */
import type { EvidenceEvent } from '../../core/evidence.js';
import type { CheckOutcome, GradeContext, MqttPublishEvent, TaskParams } from '../types.js';
import { ref, someRefs, topicMatches } from './mqtt.js';

const connects = (ctx: GradeContext, username: string, accepted: boolean): EvidenceEvent[] =>
  ctx.events.filter(
    (e) =>
      e.kind === 'mqtt.connect' &&
      e.username === username &&
      e.accepted === accepted &&
      e.t >= ctx.start &&
      e.t <= ctx.end,
  );

/** At least one session of the platform device accepted (its signed login verified). */
export function signedConnectCheck<P extends TaskParams>(opts: {
  username: (ctx: GradeContext<P>) => string;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const user = opts.username(ctx);
    const ok = connects(ctx, user, true);
    const refused = connects(ctx, user, false);
    const why = typeof refused[0]?.error === 'string' ? refused[0].error : undefined;
    return {
      score: ok.length > 0 ? 1 : 0,
      expected: `an MQTT session with username ${user} and a valid signed password`,
      seen:
        ok.length > 0
          ? `accepted as ${String(ok[0]!.clientId)}${refused.length > 0 ? ` after ${refused.length} refusal(s)` : ''}`
          : refused.length > 0
            ? `${refused.length} refused login(s): ${String(why)}`
            : `no login as ${user}`,
      evidence: ok.length > 0 ? [ref(ok[0]!)] : someRefs(refused),
      ...(ok.length === 0
        ? {
            hint: {
              zh: `平台拒绝登录（${why ?? '没有以该用户名登录'}）：clientId、username、password 须按说明由设备三元组计算，password 是签名内容的 HMAC 十六进制串。`,
              en: `The platform refused the login (${why ?? `no login as ${user}`}): compute clientId, username and password from the device triple as stated; the password is the hex HMAC of the sign content.`,
            },
          }
        : {}),
    };
  };
}

/** Publishes on `topic` by an accepted session of the platform device. */
export function devicePublishes(
  ctx: GradeContext,
  username: string,
  topic: string,
): readonly MqttPublishEvent[] {
  const ids = new Set(connects(ctx, username, true).map((e) => e.clientId));
  return ctx.clientPublishes().filter((e) => ids.has(e.clientId) && topicMatches(topic, e.topic));
}

/** At least `minCount` messages on `topic` from an accepted session of the platform device. */
export function devicePostedCheck<P extends TaskParams>(opts: {
  username: (ctx: GradeContext<P>) => string;
  topic: (ctx: GradeContext<P>) => string;
  minCount: (ctx: GradeContext<P>) => number;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const topic = opts.topic(ctx);
    const n = opts.minCount(ctx);
    const got = devicePublishes(ctx, opts.username(ctx), topic);
    return {
      score: Math.min(1, got.length / n),
      expected: `≥ ${n} messages on ${topic} from the device's signed session`,
      seen: `${got.length} message(s)`,
      evidence: someRefs(got),
      ...(got.length < n
        ? {
            hint: {
              zh: `以平台设备身份登录后，按周期向 ${topic} 发布属性。`,
              en: `Once logged in as the platform device, post properties to ${topic} on the period.`,
            },
          }
        : {}),
    };
  };
}
