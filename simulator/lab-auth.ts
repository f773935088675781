/**
 * The lab's side of token and timed signed logins (docs/protocols/token-login.md): it holds the
 * keys, issues tokens, closes sessions whose token expired or whose key was rotated, and applies
 * the security faults. The broker (protocols/mqtt/login.ts) only asks it (TenantAuth).
 *
 * - Keys, per device login and generation: an HS256 secret and an RS256 key pair the lab makes
 *   (the private key never leaves this module: not in evidence, logs or the card), or the
 *   scenario's `tokenSecret` / `publicKey` (then the device signs its own tokens). A `key-rotated`
 *   fault starts a new generation: tokens of the old keys no longer verify and the login's
 *   sessions by token are closed ("token key rotated").
 * - Token service: a client logged in as the device (by signed password or by a token still
 *   valid) publishes `{"id":"1","params":{"alg":"RS256"}}` on `/sys/<pk>/<dn>/thing/token/get`;
 *   the lab answers on `…/get_reply` with the token, its lifetime and the lab's time.
 * - Expiry: every 250 ms of lab time, sessions by token whose exp + skew has passed are closed
 *   ("token expired"), as EMQX closes a client when its JWT expires.
 * - `password-changed`: the login's secret (or the scenario's MQTT password) is the fault's
 *   `password` while the fault is active.
 */
import { randomBytes } from 'node:crypto';
import { importSPKI } from 'jose';
import type { CryptoKey } from 'jose';
import type { Fault, FaultBook } from '../core/faults.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { PlatformDevice } from '../protocols/codecs/platform-sign.js';
import type { InboundMessage, MqttBroker, TenantAuth } from '../protocols/mqtt/broker.js';
import { TOKEN_ALGS, issueToken, methodOf, rs256KeyPair } from '../protocols/mqtt/token.js';
import type { LoginMethod, TokenAlg, TokenKeys } from '../protocols/mqtt/token.js';
import type { Scenario } from './scenario.js';

export const TOKEN_SWEEP_MS = 250;

type Device = PlatformDevice & {
  logins?: LoginMethod[] | undefined;
  tokenSecret?: string | undefined;
  publicKey?: string | undefined;
};

interface Keys {
  hs256: Uint8Array;
  rs256?: { publicKey: CryptoKey; privateKey?: CryptoKey };
}

export interface LabAuth {
  /** What the broker asks; undefined when the scenario's platform devices have no token logins or window. */
  tenant: TenantAuth | undefined;
  /** The scenario MQTT user's password now (a password-changed fault replaces it). */
  passwordNow(username: string, original: string): string;
  /**
   * Starts the token service and the expiry sweep on the lab's broker; resolves once the first
   * keys are made (the lab starts after them, so a first token request never waits for RSA).
   */
  attach(broker: MqttBroker): Promise<void>;
  /** A fault started or ended (the rotation of a key closes the sessions by token). */
  onFaultEdge(f: Fault): void;
  /** Truth of a login at lab time t: its secret changed, its key generation, active faults. */
  truth(
    login: string,
    t: number,
  ): { passwordChanged: boolean; keyGeneration: number; faults: string[] };
}

export function createLabAuth(deps: {
  scenario: Scenario;
  clock: Clock;
  faults: FaultBook;
  timers: TimerHandle[];
  logger: Logger;
}): LabAuth {
  const { scenario, clock, faults, timers, logger } = deps;
  const devices = (scenario.platform?.devices ?? []) as Device[];
  const settings = scenario.platform?.auth;
  const loginOf = (d: PlatformDevice) => `${d.deviceName}&${d.productKey}`;
  const byLogin = new Map(devices.map((d) => [loginOf(d), d]));
  const methods = (login: string): readonly LoginMethod[] => byLogin.get(login)?.logins ?? ['hmac'];
  const generation = (login: string, t = clock.now()) =>
    faults.all().filter((f) => f.deviceId === login && f.type === 'key-rotated' && f.start <= t)
      .length;
  const changedPassword = (login: string, t = clock.now()) =>
    faults
      .activeAt(login, t)
      .filter((f) => f.type === 'password-changed' && f.password !== undefined)
      .at(-1)?.password;

  const made = new Map<string, Promise<Keys>>();
  /**
   * The keys of a generation, made once. The next generation's are made as soon as these are
   * ready, so a rotation never waits for an RSA key pair (up to a second on a busy machine).
   */
  const keysOf = (login: string, gen: number, spare = true): Promise<Keys> => {
    const id = `${login}#${gen}`;
    let k = made.get(id);
    if (!k) {
      const d = byLogin.get(login);
      k = makeKeys(d, gen);
      k.catch((err: unknown) => logger.error('token keys failed', { login, err: String(err) }));
      made.set(id, k);
    }
    if (spare) void k.then(() => keysOf(login, gen + 1, false)).catch(() => undefined);
    return k;
  };
  const wantsRs = (login: string) => methods(login).includes('jwt-rs256');
  async function makeKeys(d: Device | undefined, gen: number): Promise<Keys> {
    const hs256 =
      gen === 0 && d?.tokenSecret ? new TextEncoder().encode(d.tokenSecret) : randomBytes(32);
    if (!d || !wantsRs(loginOf(d))) return { hs256 };
    if (gen === 0 && d.publicKey)
      return { hs256, rs256: { publicKey: await importSPKI(d.publicKey, 'RS256') } };
    return { hs256, rs256: await rs256KeyPair() };
  }

  const active =
    settings !== undefined || devices.some((d) => methods(loginOf(d)).some((m) => m !== 'hmac'));
  const skewS = settings?.skewS ?? 5;
  const ttlS = settings?.tokenTtlS ?? 300;
  const tenant: TenantAuth | undefined = active
    ? {
        now: () => clock.wall(),
        methods,
        timestampWindowS: settings?.timestampWindowS,
        skewS,
        secretOf: (d) => changedPassword(loginOf(d)) ?? d.deviceSecret,
        async tokenKeys(login) {
          const gen = generation(login);
          const k = await keysOf(login, gen);
          const keys: TokenKeys = {
            hs256: k.hs256,
            ...(k.rs256 ? { rs256: k.rs256.publicKey } : {}),
          };
          return { keys, generation: gen };
        },
      }
    : undefined;

  let broker: MqttBroker | undefined;

  /** Answers a token request (docs/protocols/token-login.md §Token service). */
  async function answer(d: Device, msg: InboundMessage): Promise<void> {
    const login = loginOf(d);
    const base = `/sys/${d.productKey}/${d.deviceName}/thing/token/get`;
    let req: { id?: unknown; params?: { alg?: unknown } } = {};
    try {
      req = JSON.parse(msg.payload.toString('utf8')) as typeof req;
    } catch {
      /* answered below as a bad request */
    }
    const id = typeof req?.id === 'string' || typeof req?.id === 'number' ? req.id : null;
    const allowed = TOKEN_ALGS.filter((a) => methods(login).includes(methodOf(a)));
    const alg = (req?.params?.alg ?? allowed[0]) as TokenAlg;
    const reply = (body: Record<string, unknown>) =>
      broker?.publish(`${base}_reply`, JSON.stringify({ id, ...body }), {
        qos: 0,
        retain: false,
        device: login,
      });
    if (typeof req !== 'object' || req === null || id === null)
      return void (await reply({
        code: 400,
        message: 'the request is JSON {"id":"…","params":{"alg":"HS256|RS256"}}',
      }));
    if (msg.identity !== login)
      return void (await reply({ code: 403, message: `log in as ${login} to get its token` }));
    if (!allowed.includes(alg))
      return void (await reply({
        code: 400,
        message: `alg ${String(alg)} not allowed (allowed: ${allowed.join(', ')})`,
      }));
    const gen = generation(login);
    const k = await keysOf(login, gen);
    const key = alg === 'HS256' ? k.hs256 : k.rs256?.privateKey;
    if (!key)
      return void (await reply({
        code: 501,
        message: `the device signs its own ${alg} tokens (the lab holds no private key)`,
      }));
    const nowMs = clock.wall();
    const t = await issueToken({ subject: login, alg, key, nowMs, ttlS, kid: `${gen}` });
    await reply({
      code: 200,
      message: 'success',
      data: { token: t.token, alg, iat: t.iat, exp: t.exp, expiresIn: ttlS, serverTime: nowMs },
    });
  }

  return {
    tenant,
    passwordNow: (username, original) => changedPassword(username) ?? original,
    async attach(b) {
      broker = b;
      if (!tenant) return;
      const topics = new Map(
        devices.map((d) => [`/sys/${d.productKey}/${d.deviceName}/thing/token/get`, d]),
      );
      b.onClientMessage((msg) => {
        const d = topics.get(msg.topic);
        if (d)
          answer(d, msg).catch((err: unknown) =>
            logger.error('token request failed', { topic: msg.topic, err: String(err) }),
          );
      });
      timers.push(
        clock.setInterval(() => {
          const nowS = clock.wall() / 1000;
          b.cutOff(
            (s) => s.exp !== undefined && byLogin.has(s.identity) && s.exp + skewS <= nowS,
            'token expired',
          );
        }, TOKEN_SWEEP_MS),
      );
      await Promise.all([...byLogin.keys()].map((login) => keysOf(login, 0)));
    },
    onFaultEdge(f) {
      if (f.type !== 'key-rotated' || clock.now() < f.start || !broker) return;
      const gen = generation(f.deviceId);
      void keysOf(f.deviceId, gen).catch(() => undefined);
      broker.cutOff(
        (s) => s.identity === f.deviceId && s.generation !== undefined && s.generation < gen,
        'token key rotated',
      );
    },
    truth: (login, t) => ({
      passwordChanged: changedPassword(login, t) !== undefined,
      keyGeneration: generation(login, t),
      faults: faults.activeAt(login, t).map((f) => f.type),
    }),
  };
}
