/**
 * Reference solution of l2-emb-token, written from the instructions (its own HMAC, no lab code):
 * sign in with the current timestamp, get a token, and keep a session by token that relays the
 * sensor's readings as Alink posts; renew each token at half its lifetime over the live session
 * and open a session with the new one before closing the old (no reading lost); when the broker closes the session or refuses the token (the key
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

  /** The session by token that relays the probe now (the others stay quiet). */
  let current: MqttClient | undefined;
  let opened = 0;

  /** Logs in by token (client ids alternate, so a new session can open beside the old one). */
  async function open(tok: Token): Promise<MqttClient> {
    const c = await mqtt.connectAsync(card.mqtt.url, {
      reconnectPeriod: 0,
      clientId: `${dn}-${opened++ % 2}`,
      username,
      password: tok.token,
    });
    let n = 0;
    c.on('message', (topic, payload) => {
      if (topic !== String(vars.sensorTopic) || c !== current) return;
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
    return c;
  }

  /**
   * Relays over `c` until its token is half spent, then renews over it: the next token, or
   * undefined when the broker closed the session first (or the program is stopped).
   */
  async function hold(c: MqttClient, tok: Token): Promise<Token | undefined> {
    const closed = new Promise<undefined>((r) => c.once('close', () => r(undefined)));
    const renewAt =
      ctx.mistake === 'never-renew'
        ? new Promise<never>(() => undefined)
        : wait(tok.expiresIn * 0.5).then(() => requestToken(c));
    let stop = () => undefined as void;
    const aborted = new Promise<undefined>((r) => {
      stop = () => r(undefined);
      signal.addEventListener('abort', stop, { once: true });
    });
    const next = await Promise.race([renewAt.catch(() => undefined), closed, aborted]);
    signal.removeEventListener('abort', stop);
    return signal.aborted ? undefined : next;
  }

  let first: Token | undefined;
  let held: { c: MqttClient; tok: Token } | undefined;
  while (!signal.aborted) {
    try {
      if (!held) {
        // A fresh signed login for a token; the mistake retries its first token instead.
        const tok = ctx.mistake === 'never-renew' && first ? first : await signIn();
        first ??= tok;
        const c = await open(tok);
        current = c;
        held = { c, tok };
      }
      const next = await hold(held.c, held.tok);
      const old = held.c;
      held = undefined;
      if (next) {
        // Make before break: the new session relays before the old one is closed.
        const c = await open(next);
        current = c;
        held = { c, tok: next };
      }
      await old.endAsync(true);
    } catch {
      // Refused (an expired or dead token, a stale timestamp): start over after a pause.
      held?.c.end(true);
      held = undefined;
      await wait(2);
    }
  }
  held?.c.end(true);
}
