/**
 * The exam broker's logins under abuse, with real mqtt.js clients over loopback:
 * - a run of wrong passwords for one username from one address is refused at once (CONNACK 5,
 *   no scrypt) while another candidate behind the same address logs in as before;
 * - a client id is held only while its connection is open or a persistent session keeps it, so
 *   a common id (`mqttx_1`, `sensor1`) used and released by one candidate is free for the next.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceEvent } from '../../core/evidence.js';
import { silentLogger } from '../../core/logger.js';
import type { Broker } from '../../protocols/mqtt/broker.js';
import { createBroker } from '../../protocols/mqtt/broker.js';
import { hashPassword, verifyPassword } from '../../server/passwords.js';

const PW = { A: 'alpha-secret-1', B: 'bravo-secret-2' };
const FAILURES = 5;
let broker: Broker;
let url: string;
const unrouted: EvidenceEvent[] = [];
const checks = { A: 0, B: 0 };

beforeAll(async () => {
  broker = await createBroker({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    loginLimits: { failures: FAILURES, windowMs: 60_000, maxEntries: 100 },
    recordUnrouted: (kind, fields) => unrouted.push({ kind, ...fields } as EvidenceEvent),
  });
  url = `mqtt://127.0.0.1:${broker.port}`;
  for (const who of ['A', 'B'] as const) {
    const hash = await hashPassword(PW[who]);
    broker.addTenant({
      id: who,
      username: who,
      topicPrefix: `iotlab/${who}`,
      record: () => undefined,
      checkPassword: (pw) => {
        checks[who] += 1;
        return verifyPassword(pw, hash);
      },
    });
  }
});

afterAll(async () => {
  await broker?.close();
});

/** The broker sees a close a moment after the client: retry for up to 2 s. */
async function eventually<T>(f: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (err) {
      if (i >= 20) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function connect(who: 'A' | 'B', password: string, opts: mqtt.IClientOptions = {}) {
  return mqtt.connectAsync(url, {
    reconnectPeriod: 0,
    connectTimeout: 3000,
    username: who,
    password,
    ...opts,
  });
}

describe('MQTT logins under abuse', () => {
  it('blocks guessing for one username and address without checking passwords, and only that pair', async () => {
    for (let i = 0; i < FAILURES; i++)
      await expect(connect('A', `wrong-${i}`)).rejects.toThrow(/Bad username or password/i);
    const before = checks.A;
    // Blocked now: even the right password is refused, at once and without a password check.
    await expect(connect('A', PW.A)).rejects.toThrow(/Not authorized/i);
    for (let i = 0; i < 20; i++) await expect(connect('A', `wrong-x${i}`)).rejects.toThrow();
    expect(checks.A).toBe(before);
    const refused = unrouted.filter(
      (e) => e.kind === 'mqtt.connect' && e.returnCode === 5 && e.username === 'A',
    );
    expect(refused.length).toBe(21);
    expect(String(refused[0]?.error)).toMatch(/too many wrong passwords; try again in \d+ s/);
    // B, from the same address, is not affected.
    const b = await connect('B', PW.B);
    expect(b.connected).toBe(true);
    await b.endAsync();
  });

  it('frees a client id when its clean connection closes', async () => {
    const b = await connect('B', PW.B, { clientId: 'mqttx_common' });
    await expect(connect('A', 'anything', { clientId: 'mqttx_common' })).rejects.toThrow();
    await b.endAsync();
    // A is blocked by the test above; a third tenant takes the released id.
    const hash = await hashPassword('charlie-3');
    broker.addTenant({
      id: 'C',
      username: 'C',
      topicPrefix: 'iotlab/C',
      record: () => undefined,
      checkPassword: (pw) => verifyPassword(pw, hash),
    });
    const c = await eventually(() =>
      mqtt.connectAsync(url, {
        reconnectPeriod: 0,
        connectTimeout: 3000,
        username: 'C',
        password: 'charlie-3',
        clientId: 'mqttx_common',
      }),
    );
    expect(c.connected).toBe(true);
    await c.endAsync();
  });

  it('keeps a client id with a persistent session for its tenant', async () => {
    const b = await connect('B', PW.B, { clientId: 'keeper', clean: false });
    await b.subscribeAsync('iotlab/B/queue', { qos: 1 });
    await b.endAsync();
    await expect(
      mqtt.connectAsync(url, {
        reconnectPeriod: 0,
        connectTimeout: 3000,
        username: 'C',
        password: 'charlie-3',
        clientId: 'keeper',
      }),
    ).rejects.toThrow(/Identifier rejected/i);
    // B itself resumes it, then ends it with a clean session: the id is free again.
    const again = await eventually(() => connect('B', PW.B, { clientId: 'keeper', clean: false }));
    expect(again.connected).toBe(true);
    await again.endAsync();
    const clean = await connect('B', PW.B, { clientId: 'keeper', clean: true });
    await clean.endAsync();
    const c = await eventually(() =>
      mqtt.connectAsync(url, {
        reconnectPeriod: 0,
        connectTimeout: 3000,
        username: 'C',
        password: 'charlie-3',
        clientId: 'keeper',
      }),
    );
    expect(c.connected).toBe(true);
    await c.endAsync();
  });
});
