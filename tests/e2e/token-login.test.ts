/**
 * Token and timed signed logins on a lab's broker over real sockets (docs/protocols/token-login.md),
 * one lab at 10×: a signed login inside its timestamp window gets a token from the lab's token
 * service; the token logs in (mqtt.js and, independently, mosquitto_pub -u/-P); an expired token
 * is cut off and refused with "token expired"; a stale timestamp, a forged token and garbage are
 * refused with their reasons; a key-rotated fault closes the sessions by token and makes the old
 * token fail its signature; a password-changed fault makes the old secret fail. Each refusal
 * records the method (`auth`) and the reason in the evidence.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fc from 'fast-check';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { createBroker } from '../../protocols/mqtt/broker.js';
import { signLogin } from '../../protocols/codecs/platform-sign.js';
import { createLab } from '../../simulator/lab.js';
import type { Lab } from '../../simulator/lab.js';
import { validateScenario } from '../../simulator/scenario.js';
import { requireTools } from '../support/debian.js';

const SPEED = 10;
const dev = { productKey: 'a1tokenlab', deviceName: 'node_7', deviceSecret: 'secret-0123456789' };
const login = `${dev.deviceName}&${dev.productKey}`;
const base = `/sys/${dev.productKey}/${dev.deviceName}/thing/token/get`;

let lab: Lab;
let url: string;
const seen: Record<string, unknown>[] = [];
const events = () => seen;

beforeAll(async () => {
  lab = createLab(
    validateScenario({
      name: 'token_login',
      title: { zh: '令牌', en: 'Tokens' },
      platform: {
        devices: [{ ...dev, logins: ['hmac', 'jwt-hs256', 'jwt-rs256'] }],
        auth: { tokenTtlS: 20, skewS: 1, timestampWindowS: 15 },
      },
      devices: [
        {
          name: 'fan',
          kind: 'actuator',
          title: { zh: '风机', en: 'Fan' },
          actuatorType: 'fan',
          mqtt: {},
        },
      ],
    }),
    { seed: 3, clock: new RealClock({ speed: SPEED }), ports: { ws: null } },
  );
  lab.recorder.subscribe((e) => seen.push(e));
  const card = await lab.start();
  url = card.mqtt.url;
});
afterAll(() => lab.stop());

/** Connects; resolves the client, or the refusal's message. */
function connect(o: mqtt.IClientOptions): Promise<MqttClient | string> {
  const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3000, ...o });
  return new Promise((resolve) => {
    c.once('connect', () => resolve(c));
    c.once('error', (err) => {
      c.end(true);
      resolve(err.message);
    });
  });
}

const signed = (timestamp = lab.clock.wall(), secret = dev.deviceSecret) =>
  signLogin({ ...dev, deviceSecret: secret }, { id: 'boot', timestamp: String(timestamp) });

async function fetchToken(
  c: MqttClient,
  alg: string,
): Promise<{
  code: number;
  data?: { token: string; exp: number; expiresIn: number; serverTime: number };
}> {
  await c.subscribeAsync(`${base}_reply`);
  const reply = new Promise<string>((r) => c.once('message', (_t, p) => r(p.toString())));
  await c.publishAsync(base, JSON.stringify({ id: alg, params: { alg } }));
  return JSON.parse(await reply) as never;
}

/** The last refused mqtt.connect of this username. */
const lastRefusal = (username: string) =>
  events()
    .filter(
      (e) => e['kind'] === 'mqtt.connect' && e['username'] === username && e['accepted'] === false,
    )
    .at(-1);

describe('token logins', () => {
  it('issues, takes, expires, rotates and refuses with reasons', async () => {
    // A signed login inside the window, then its tokens.
    const boot = await connect(signed());
    expect(typeof boot).not.toBe('string');
    const b = boot as MqttClient;
    const rs = await fetchToken(b, 'RS256');
    const hs = await fetchToken(b, 'HS256');
    expect(rs.code).toBe(200);
    expect(rs.data!.expiresIn).toBe(20);
    expect(Math.abs(rs.data!.serverTime - lab.clock.wall())).toBeLessThan(3000);
    expect((await fetchToken(b, 'ES256')).code).toBe(400);
    await b.endAsync();
    // A stale timestamp (replayed login) is refused, with the method and the window.
    expect(await connect(signed(lab.clock.wall() - 60_000))).toMatch(/Bad username or password/);
    expect(lastRefusal(login)).toMatchObject({
      auth: 'hmac',
      error: expect.stringMatching(/outside ±15 s/) as string,
    });

    // Each token logs in; mosquitto_pub (an independent client) with -u/-P too.
    const byRs = (await connect({
      clientId: 'rs',
      username: login,
      password: rs.data!.token,
    })) as MqttClient;
    const byHs = (await connect({
      clientId: 'hs',
      username: login,
      password: hs.data!.token,
    })) as MqttClient;
    expect(typeof byRs).not.toBe('string');
    expect(typeof byHs).not.toBe('string');
    requireTools('mosquitto_pub');
    const port = new URL(url).port;
    await promisify(execFile)('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-i',
      'mosq',
      '-u',
      login,
      '-P',
      rs.data!.token,
      '-t',
      `/sys/${dev.productKey}/${dev.deviceName}/up`,
      '-m',
      'hi',
    ]);
    const accepted = events().filter((e) => e['kind'] === 'mqtt.connect' && e['accepted'] === true);
    expect(accepted.find((e) => e['clientId'] === 'mosq')).toMatchObject({
      auth: 'jwt-rs256',
      identity: login,
      tokenExp: rs.data!.exp,
    });
    expect(accepted.find((e) => e['clientId'] === 'hs')).toMatchObject({ auth: 'jwt-hs256' });

    // Garbage, a forged signature and another subject: refused, each with its reason.
    expect(await connect({ clientId: 'g', username: login, password: 'x.y.z' })).toMatch(
      /Bad username/,
    );
    expect(lastRefusal(login)).toMatchObject({ error: 'not a JWT (header unreadable)' });
    const [h, p] = hs.data!.token.split('.');
    await connect({ clientId: 'f', username: login, password: `${h}.${p}.AAAA` });
    expect(lastRefusal(login)).toMatchObject({
      auth: 'jwt-hs256',
      error: expect.stringMatching(/^token signature does not verify/) as string,
    });

    // The token expires (20 lab s + 1 s skew): the session is cut off, and the token refused.
    const cut = new Promise<void>((r) => byHs.once('close', () => r()));
    await cut;
    expect(lab.clock.wall() / 1000).toBeGreaterThanOrEqual(hs.data!.exp + 1);
    expect(
      events().find((e) => e['kind'] === 'mqtt.disconnect' && e['clientId'] === 'hs'),
    ).toMatchObject({ reason: 'auth', error: 'token expired' });
    expect(await connect({ clientId: 'hs2', username: login, password: hs.data!.token })).toMatch(
      /Bad username/,
    );
    expect(lastRefusal(login)).toMatchObject({ auth: 'jwt-hs256', error: 'token expired' });
    byRs.end(true);

    // A fresh token, then the key rotates: the session is closed, the token no longer verifies.
    const b2 = (await connect(signed())) as MqttClient;
    const fresh = (await fetchToken(b2, 'RS256')).data!.token;
    const live = (await connect({
      clientId: 'live',
      username: login,
      password: fresh,
    })) as MqttClient;
    const closed = new Promise<void>((r) => live.once('close', () => r()));
    const f = lab.injectFault({ device: dev.deviceName, type: 'key-rotated' });
    await closed;
    expect(
      events().find((e) => e['kind'] === 'mqtt.disconnect' && e['clientId'] === 'live'),
    ).toMatchObject({ error: 'token key rotated' });
    expect(events().find((e) => e['kind'] === 'fault')).toMatchObject({
      action: 'start',
      fault: { id: f.id, type: 'key-rotated', deviceId: login },
    });
    expect(lab.loginTruth(login)).toMatchObject({ keyGeneration: 1, faults: ['key-rotated'] });
    await connect({ clientId: 'old', username: login, password: fresh });
    expect(lastRefusal(login)).toMatchObject({
      auth: 'jwt-rs256',
      error: expect.stringMatching(/^token signature does not verify/) as string,
    });
    const renewed = (await fetchToken(b2, 'RS256')).data!.token;
    const again = await connect({ clientId: 'new', username: login, password: renewed });
    expect(typeof again).not.toBe('string');
    (again as MqttClient).end(true);

    // The device secret changes: the old one is refused, the new one taken.
    const pw = lab.injectFault({
      device: login,
      type: 'password-changed',
      password: 'new-secret-42',
    });
    expect(pw.password).toBe('new-secret-42');
    expect(await connect(signed())).toMatch(/Bad username/);
    expect(lastRefusal(login)).toMatchObject({
      auth: 'hmac',
      error: expect.stringMatching(/not the HMAC/) as string,
    });
    const ok = await connect(signed(lab.clock.wall(), 'new-secret-42'));
    expect(typeof ok).not.toBe('string');
    (ok as MqttClient).end(true);
    b2.end(true);
  }, 30_000);

  // After the case above (the secret is new-secret-42 now).
  it('refuses any password string as a token or a signature, and keeps serving', async () => {
    const junk = fc.sample(
      fc.oneof(
        fc.string({ maxLength: 200 }),
        fc
          .tuple(fc.base64String(), fc.base64String(), fc.base64String())
          .map((p) => p.join('.').replace(/[=+/]/g, '')),
        fc.jsonValue().map((j) => {
          const b = Buffer.from(JSON.stringify(j) ?? 'null').toString('base64url');
          return `${b}.${b}.${b}`;
        }),
      ),
      { numRuns: 40, seed: 17 },
    );
    const results = await Promise.all(
      junk.map((pw, i) => connect({ clientId: `junk${i}`, username: login, password: pw })),
    );
    expect(results.every((r) => typeof r === 'string')).toBe(true);
    const good = await connect(signed(lab.clock.wall(), 'new-secret-42'));
    expect(typeof good).not.toBe('string');
    (good as MqttClient).end(true);
  }, 20_000);

  it("works on an exam session's shared broker: the candidate's tenant gets the lab's token service", async () => {
    const shared = await createBroker({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      recordUnrouted: () => undefined,
    });
    const mine: Record<string, unknown>[] = [];
    const exam = createLab(
      validateScenario({
        name: 'token_exam',
        title: { zh: '令牌', en: 'Tokens' },
        platform: { devices: [{ ...dev, logins: ['hmac', 'jwt-hs256'] }], auth: { tokenTtlS: 60 } },
        devices: [
          {
            name: 'fan',
            kind: 'actuator',
            title: { zh: '风机', en: 'Fan' },
            actuatorType: 'fan',
            mqtt: {},
          },
        ],
      }),
      {
        seed: 4,
        clock: new RealClock({ speed: SPEED }),
        topicPrefix: 'iotlab/c01',
        ports: { ws: null },
        broker: ({ record, topicPrefix, auth }) =>
          Promise.resolve(
            shared.addTenant({
              id: 'c01',
              username: 'c01',
              topicPrefix,
              record,
              checkPassword: (pw) => Promise.resolve(pw.toString() === 'pw-c01'),
              platformDevices: [dev],
              ...(auth ? { auth } : {}),
            }),
          ),
      },
    );
    exam.recorder.subscribe((e) => mine.push(e));
    await exam.start();
    try {
      const examUrl = `mqtt://127.0.0.1:${shared.port}`;
      const ts = String(exam.clock.wall());
      const s = signLogin(dev, { id: 'boot', timestamp: ts });
      const b = await mqtt.connectAsync(examUrl, { ...s, reconnectPeriod: 0 });
      const tok = await fetchToken(b, 'HS256');
      await b.endAsync();
      expect(tok.code).toBe(200);
      const c = await mqtt.connectAsync(examUrl, {
        clientId: 'exam-token',
        username: login,
        password: tok.data!.token,
        reconnectPeriod: 0,
      });
      await c.endAsync();
      expect(
        mine.find((e) => e['clientId'] === 'exam-token' && e['kind'] === 'mqtt.connect'),
      ).toMatchObject({ accepted: true, auth: 'jwt-hs256' });
    } finally {
      await exam.stop();
      await shared.close();
    }
  }, 20_000);
});
