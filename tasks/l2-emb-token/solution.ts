/**
 * Reference solution of l2-emb-token, written from the instructions (its own HMAC, no lab code):
 * sign in with the current timestamp, get a token, and keep a session by token that relays the
 * sensor's readings as Alink posts; renew each token at 60 % of its lifetime over the live session
 * and reconnect with the new one; when the broker closes the session or refuses the token (the key
 * was rotated), sign in again and get a new token. Mistakes: `never-renew` keeps its first token
 * and retries it; `stale-timestamp` signs every login with the first timestamp it used.
 */
import { createHmac } from 'node:crypto';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { quietly } from '../solution.js';

interface Token {
  token: string;
  expiresIn: number;
  serverTime: number;
}

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars, signal } = ctx;
  const speed = ctx.speed ?? 1;
  const pk = String(vars.productKey);
  const dn = String(vars.deviceName);
  const username = `${dn}&${pk}`;
  // The lab's clock: at speed 1 it is the wall clock (tests run the lab accelerated). Anchored at
  // the card's start time now, then at each token reply's serverTime.
  const sync = {
    lab: card.lab.startedAt ? Date.parse(card.lab.startedAt) : Date.now(),
    real: Date.now(),
  };
  const labNow = () => Math.round(sync.lab + (Date.now() - sync.real) * speed);
  const wait = (labS: number) =>
    new Promise<void>((r) => {
      const stop = () => {
        clearTimeout(t);
        r();
      };
      const t = setTimeout(
        () => {
          signal.removeEventListener('abort', stop);
          r();
        },
        (labS * 1000) / speed,
      );
      signal.addEventListener('abort', stop, { once: true });
    });
  let firstTs: number | undefined;

  /** Asks the token service over a session logged in as the device. */
  async function requestToken(c: MqttClient): Promise<Token> {
    await c.subscribeAsync(String(vars.replyTopic));
    const id = String(labNow());
    const reply = new Promise<Token>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no token reply')), 5000);
      const on = (topic: string, payload: Buffer) => {
        if (topic !== String(vars.replyTopic)) return;
        const r = JSON.parse(payload.toString()) as {
          id?: unknown;
          code?: number;
          data?: Token;
          message?: string;
        };
        if (r.id !== id) return;
        c.off('message', on);
        clearTimeout(timer);
        if (r.code === 200 && r.data) {
          Object.assign(sync, { lab: r.data.serverTime, real: Date.now() });
          resolve(r.data);
        } else reject(new Error(`token service: ${r.code} ${r.message}`));
      };
      c.on('message', on);
    });
    await c.publishAsync(
      String(vars.tokenTopic),
      JSON.stringify({ id, params: { alg: String(vars.alg) } }),
    );
    return reply;
  }

  /** A signed login with the current timestamp, a token from it, and the session closed. */
  async function signIn(): Promise<Token> {
    const ts = String(ctx.mistake === 'stale-timestamp' ? (firstTs ??= labNow()) : labNow());
    const content = `clientId${dn}deviceName${dn}productKey${pk}timestamp${ts}`;
    const c = await mqtt.connectAsync(card.mqtt.url, {
      reconnectPeriod: 0,
      clientId: `${dn}|securemode=2,signmethod=hmacsha256,timestamp=${ts}|`,
      username,
      password: createHmac('sha256', String(vars.deviceSecret)).update(content).digest('hex'),
    });
    try {
      return await requestToken(c);
    } finally {
      await c.endAsync(true);
    }
  }

  /**
   * A session by token relaying the sensor; resolves with the next token when it renewed
   * (the session is then closed), or undefined when the broker closed it.
   */
  async function session(tok: Token): Promise<Token | undefined> {
    const c = await mqtt.connectAsync(card.mqtt.url, {
      reconnectPeriod: 0,
      clientId: dn,
      username,
      password: tok.token,
    });
    let n = 0;
    c.on('message', (topic, payload) => {
      if (topic !== String(vars.sensorTopic)) return;
      const v = (JSON.parse(payload.toString()) as { temperature?: unknown }).temperature;
      if (typeof v !== 'number') return;
      const body = {
        id: String(++n),
        version: '1.0',
        params: { temperature: v },
        method: 'thing.event.property.post',
      };
      quietly(c.publishAsync(String(vars.postTopic), JSON.stringify(body)));
    });
    await c.subscribeAsync(String(vars.sensorTopic));
    const closed = new Promise<undefined>((r) => c.once('close', () => r(undefined)));
    const renewAt =
      ctx.mistake === 'never-renew'
        ? new Promise<never>(() => undefined)
        : wait(tok.expiresIn * 0.6).then(() => requestToken(c));
    let stop = () => undefined as void;
    const aborted = new Promise<undefined>((r) => {
      stop = () => r(undefined);
      signal.addEventListener('abort', stop, { once: true });
    });
    const next = await Promise.race([renewAt.catch(() => undefined), closed, aborted]);
    signal.removeEventListener('abort', stop);
    await c.endAsync(true);
    return next;
  }

  let tok: Token | undefined;
  let first: Token | undefined;
  while (!signal.aborted) {
    try {
      tok ??= await signIn();
      first ??= tok;
      // The next token when it renewed; undefined when the broker closed the session (then a
      // fresh signed login). The mistake keeps its first token whatever happens.
      const next = await session(tok);
      tok = ctx.mistake === 'never-renew' ? first : next;
    } catch {
      // Refused (an expired or dead token, a stale timestamp): start over after a pause.
      tok = ctx.mistake === 'never-renew' ? first : undefined;
      await wait(2);
    }
  }
}
