/**
 * Token login checks, from the broker's evidence (protocols/mqtt/login.ts records each accepted or
 * refused mqtt.connect of a platform device with `auth`, `identity` and, for a token, `tokenExp`
 * and `tokenGeneration`; a session closed for its token has reason `auth` and the error).
 */
import type { EvidenceEvent } from '../../core/evidence.js';
import type { CheckOutcome, GradeContext, TaskParams } from '../types.js';
import { ref, someRefs, topicMatches } from './mqtt.js';

export interface Session {
  t: number;
  clientId: string;
  auth: string;
  exp?: number;
  generation?: number;
  e: EvidenceEvent;
}

/** Accepted sessions of a login within [start, end], in order. */
export function sessionsOf(ctx: GradeContext, login: string): Session[] {
  return ctx.events
    .filter(
      (e) =>
        e.kind === 'mqtt.connect' &&
        e.accepted === true &&
        e.identity === login &&
        e.t >= ctx.start &&
        e.t <= ctx.end,
    )
    .map((e) => ({
      t: e.t,
      clientId: String(e.clientId),
      auth: String(e.auth),
      ...(typeof e.tokenExp === 'number' ? { exp: e.tokenExp } : {}),
      ...(typeof e.tokenGeneration === 'number' ? { generation: e.tokenGeneration } : {}),
      e,
    }));
}

/** Lab time (ms) of an epoch-seconds instant of the lab's wall clock (from lab.start's `wall`). */
export function labTimeOf(ctx: GradeContext, epochS: number): number {
  const start = ctx.events.find((e) => e.kind === 'lab.start');
  const offset = start ? Date.parse(String(start.wall)) - start.t : 0;
  return epochS * 1000 - offset;
}

const refusals = (ctx: GradeContext, login: string) =>
  ctx.events.filter(
    (e) =>
      e.kind === 'mqtt.connect' &&
      e.accepted === false &&
      e.username === login &&
      e.t >= ctx.start &&
      e.t <= ctx.end,
  );

const why = (ctx: GradeContext, login: string, auth: (a: string) => boolean) => {
  const r = refusals(ctx, login).filter((e) => auth(String(e.auth)));
  return r.length > 0 ? `; ${r.length} refused (${String(r.at(-1)!.error)})` : '';
};

/** At least one session of the login accepted by `method` (hmac, jwt-hs256, jwt-rs256). */
export function loginByCheck<P extends TaskParams>(o: {
  login: (ctx: GradeContext<P>) => string;
  method: (ctx: GradeContext<P>) => string;
  hint: CheckOutcome['hint'];
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const login = o.login(ctx);
    const method = o.method(ctx);
    const ok = sessionsOf(ctx, login).filter((s) => s.auth === method);
    return {
      score: ok.length > 0 ? 1 : 0,
      expected: `a session of ${login} accepted by ${method}`,
      seen: `${ok.length} accepted${why(ctx, login, (a) => a === method)}`,
      evidence: ok.length > 0 ? [ref(ok[0]!.e)] : someRefs(refusals(ctx, login)),
      ...(ok.length === 0 && o.hint ? { hint: o.hint } : {}),
    };
  };
}

/** The token sessions' expiry cut-offs ("token expired") of a login. */
function expiredCutoffs(ctx: GradeContext, sessions: Session[]): EvidenceEvent[] {
  return ctx.events.filter(
    (e) =>
      e.kind === 'mqtt.disconnect' &&
      e.error === 'token expired' &&
      e.t >= ctx.start &&
      e.t <= ctx.end &&
      sessions.some((s) => s.clientId === e.clientId && s.exp !== undefined && s.t <= e.t),
  );
}

/**
 * Renewal: every token the login used whose expiry (exp + skew) falls within the run must be
 * replaced before then by a session with a newer token (a later exp); a token killed by a key
 * rotation before its expiry is exempt. At least one renewal is needed. Sessions cut off for
 * "token expired" are shown as the evidence of a miss.
 */
export function renewCheck<P extends TaskParams>(o: {
  login: (ctx: GradeContext<P>) => string;
  ttlS: (ctx: GradeContext<P>) => number;
  skewS: (ctx: GradeContext<P>) => number;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const login = o.login(ctx);
    const ttl = o.ttlS(ctx);
    const skew = o.skewS(ctx);
    const sessions = sessionsOf(ctx, login).filter((s) => s.exp !== undefined);
    const rotations = ctx.events
      .filter(
        (e) =>
          e.kind === 'fault' &&
          e.action === 'start' &&
          (e.fault as { type?: unknown; deviceId?: unknown } | undefined)?.type === 'key-rotated' &&
          (e.fault as { deviceId?: unknown }).deviceId === login,
      )
      .map((e) => e.t);
    /** Each token (by exp) from its first session. */
    const tokens = new Map<number, Session>();
    for (const s of sessions) if (!tokens.has(s.exp!)) tokens.set(s.exp!, s);
    let needed = 0;
    let renewed = 0;
    const missed: string[] = [];
    for (const [exp, first] of tokens) {
      const deadline = labTimeOf(ctx, exp + skew);
      if (deadline > ctx.end) continue;
      if (rotations.some((r) => r > first.t && r < deadline)) continue;
      needed++;
      if (sessions.some((s) => s.exp! > exp && s.t > first.t && s.t <= deadline)) renewed++;
      else missed.push(`the token of ${((first.t - ctx.start) / 1000).toFixed(1)} s`);
    }
    const cut = expiredCutoffs(ctx, sessions);
    const score = sessions.length === 0 ? 0 : renewed / Math.max(1, needed);
    return {
      score,
      expected: `each token (lasting ${ttl} s) replaced by a login with a new one before it expires, at least once`,
      seen:
        sessions.length === 0
          ? `no login by token${why(ctx, login, (a) => a.startsWith('jwt'))}`
          : `${renewed} of ${needed} renewed in time${missed.length ? `; not: ${missed.slice(0, 3).join(', ')}` : ''}; ${cut.length} session(s) cut off: token expired`,
      evidence: [
        ...sessions.slice(0, 3).map((s) => ref(s.e, 'token session')),
        ...cut.slice(0, 2).map((e) => ref(e, 'cut off')),
      ],
      ...(score < 1
        ? {
            hint: {
              zh: `令牌有效期 ${ttl} 秒：在到期前用令牌会话请求新令牌，并用新令牌重新连接；到期的令牌会被断开并拒绝。`,
              en: `Tokens last ${ttl} s: before one expires, request a new token (over the token session) and reconnect with it; an expired token is cut off and refused.`,
            },
          }
        : {}),
    };
  };
}

/**
 * After a `key-rotated` fault of the login: a session by a token of the new key (generation ≥ the
 * rotation's) accepted within `withinS`.
 */
export function rotationCheck<P extends TaskParams>(o: {
  login: (ctx: GradeContext<P>) => string;
  withinS: number;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const login = o.login(ctx);
    const rotations = ctx.events.filter(
      (e) =>
        e.kind === 'fault' &&
        e.action === 'start' &&
        (e.fault as { type?: unknown; deviceId?: unknown } | undefined)?.type === 'key-rotated' &&
        (e.fault as { deviceId?: unknown }).deviceId === login &&
        e.t <= ctx.end - o.withinS * 1000,
    );
    const sessions = sessionsOf(ctx, login).filter((s) => s.generation !== undefined);
    let ok = 0;
    const seen: string[] = [];
    rotations.forEach((r, i) => {
      const s = sessions.find(
        (x) => x.t >= r.t && x.t <= r.t + o.withinS * 1000 && x.generation! >= i + 1,
      );
      if (s) ok++;
      seen.push(
        s
          ? `new token session ${((s.t - r.t) / 1000).toFixed(1)} s after the rotation`
          : 'no new token session',
      );
    });
    return {
      score: rotations.length === 0 ? 0 : ok / rotations.length,
      expected: `within ${o.withinS} s of each key rotation, a session by a token of the new key`,
      seen:
        rotations.length === 0
          ? 'no key rotation in the run'
          : `${seen.join('; ')}${why(ctx, login, () => true)}`,
      evidence: [
        ...rotations.map((r) => ref(r, 'key rotated')),
        ...someRefs(refusals(ctx, login).filter((e) => e.t >= (rotations[0]?.t ?? 0))),
      ],
      ...(ok < rotations.length
        ? {
            hint: {
              zh: '密钥轮换后旧令牌失效：重新以当前时间戳签名登录，请求新令牌，再用新令牌连接。',
              en: 'After a key rotation the old token is dead: sign in again with the current timestamp, request a new token and connect with it.',
            },
          }
        : {}),
    };
  };
}

/**
 * Coverage: the share of `slotS` slots over [start + graceS, end] holding a post on `topic` made
 * by a session of the login that logged in by token (a client id's session is its latest
 * accepted connect before the post).
 */
export function tokenPostsCheck<P extends TaskParams>(o: {
  login: (ctx: GradeContext<P>) => string;
  topic: (ctx: GradeContext<P>) => string;
  slotS: (ctx: GradeContext<P>) => number;
  graceS: number;
  fullAt: number;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const login = o.login(ctx);
    const topic = o.topic(ctx);
    const byClient = new Map<string, EvidenceEvent[]>();
    for (const e of ctx.events)
      if (e.kind === 'mqtt.connect' && e.accepted === true && typeof e.clientId === 'string') {
        const id = e.clientId;
        byClient.set(id, [...(byClient.get(id) ?? []), e]);
      }
    const posts = ctx.clientPublishes().filter((p) => {
      if (!topicMatches(topic, p.topic)) return false;
      const s = byClient
        .get(p.clientId ?? '')
        ?.filter((c) => c.t <= p.t)
        .at(-1);
      return s?.identity === login && String(s.auth).startsWith('jwt');
    });
    const from = ctx.start + o.graceS * 1000;
    const slot = o.slotS(ctx) * 1000;
    const n = Math.max(1, Math.floor((ctx.end - from) / slot));
    let covered = 0;
    for (let i = 0; i < n; i++) {
      const a = from + i * slot;
      if (posts.some((p) => p.t >= a && p.t < a + slot)) covered++;
    }
    const share = covered / n;
    return {
      score: Math.min(1, share / o.fullAt),
      expected: `posts on ${topic} over a token session in at least ${Math.round(o.fullAt * 100)} % of the ${n} slots of ${o.slotS(ctx)} s`,
      seen: `${covered} of ${n} slots (${posts.length} posts by token)`,
      evidence: posts.slice(0, 3).map((p) => ref(p, 'post')),
      ...(share < o.fullAt
        ? {
            hint: {
              zh: '数据须经令牌会话持续上报：令牌到期或密钥轮换后要尽快换新令牌重连。',
              en: 'Keep posting over a token session: after an expiry or a key rotation, reconnect with a new token at once.',
            },
          }
        : {}),
    };
  };
}
