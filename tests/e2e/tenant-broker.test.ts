/**
 * One shared broker, two candidates' labs: real mqtt.js clients over TCP and WebSocket prove that
 * candidate A can neither log in as B, nor subscribe to, receive (live or retained), publish into
 * or take over B's topics and connections, and that B's evidence holds none of A's traffic.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceEvent } from '../../core/evidence.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { silentLogger } from '../../core/logger.js';
import { loadScenario } from '../../simulator/scenario.js';
import type { Broker } from '../../protocols/mqtt/broker.js';
import { createBroker, underPrefix } from '../../protocols/mqtt/broker.js';
import { hashPassword, verifyPassword } from '../../server/passwords.js';
import { waitFor } from '../support/net.js';

const PW = { A: 'alpha-secret-1', B: 'bravo-secret-2' };
let shared: Broker;
const labs: Record<'A' | 'B', Lab> = {} as Record<'A' | 'B', Lab>;
const events: Record<'A' | 'B' | 'unrouted', EvidenceEvent[]> = { A: [], B: [], unrouted: [] };
const clients: mqtt.MqttClient[] = [];
let url: string;
let wsUrl: string;

beforeAll(async () => {
  shared = await createBroker({
    host: '127.0.0.1',
    port: 0,
    wsPort: 0,
    logger: silentLogger,
    recordUnrouted: (kind, fields) => events.unrouted.push({ kind, ...fields } as EvidenceEvent),
  });
  url = `mqtt://127.0.0.1:${shared.port}`;
  wsUrl = `ws://127.0.0.1:${shared.wsPort}`;
  const { scenario } = loadScenario('greenhouse');
  for (const [who, seed] of [
    ['A', 11],
    ['B', 22],
  ] as const) {
    const hash = await hashPassword(PW[who]);
    const lab = createLab(scenario, {
      seed,
      candidate: who,
      topicPrefix: `iotlab/${who}`,
      ports: { ws: null },
      serial: { basePort: 0 },
      broker: ({ record, topicPrefix }) =>
        Promise.resolve(
          shared.addTenant({
            id: who,
            username: who,
            topicPrefix,
            record,
            checkPassword: (pw) => verifyPassword(pw, hash),
          }),
        ),
    });
    lab.recorder.subscribe((e) => events[who].push(e));
    labs[who] = lab;
    await lab.start();
  }
});

afterAll(async () => {
  for (const c of clients.splice(0)) await c.endAsync(true);
  await labs.A?.stop();
  await labs.B?.stop();
  await shared?.close();
});

async function login(who: 'A' | 'B', opts: mqtt.IClientOptions = {}, to = url) {
  const c = await mqtt.connectAsync(to, {
    reconnectPeriod: 0,
    connectTimeout: 3000,
    username: who,
    password: PW[who],
    ...opts,
  });
  clients.push(c);
  return c;
}

/** SUBACK return code: mqtt.js rejects a refused subscription, with the SUBACK on the error. */
async function suback(c: mqtt.MqttClient, topic: string): Promise<number | undefined> {
  try {
    return (await c.subscribeAsync(topic))[0]?.qos;
  } catch (err) {
    return (err as { packet?: { granted?: number[] } }).packet?.granted?.[0];
  }
}

function collect(c: mqtt.MqttClient): { topic: string; retain: boolean }[] {
  const got: { topic: string; retain: boolean }[] = [];
  c.on('message', (topic, _p, packet) => got.push({ topic, retain: packet.retain }));
  return got;
}

describe('shared broker with per-candidate isolation', () => {
  it('prefix matching respects topic level boundaries', () => {
    expect(underPrefix('iotlab/A/#', 'iotlab/A')).toBe(true);
    expect(underPrefix('iotlab/A', 'iotlab/A')).toBe(true);
    expect(underPrefix('iotlab/AB/x', 'iotlab/A')).toBe(false);
    expect(underPrefix('iotlab/+/x', 'iotlab/A')).toBe(false);
    expect(underPrefix('#', 'iotlab/A')).toBe(false);
  });

  it("refuses B's password for A, unknown users and missing passwords", async () => {
    for (const opts of [
      { username: 'A', password: PW.B },
      { username: 'nobody', password: PW.A },
      { username: 'A', password: '' },
    ]) {
      await expect(
        mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts }),
      ).rejects.toThrow(/Bad username or password|Not authorized/i);
    }
    expect(events.unrouted.filter((e) => e.kind === 'mqtt.connect').length).toBeGreaterThan(2);
    expect(events.B.some((e) => e.kind === 'mqtt.connect')).toBe(false);
  });

  it("denies wildcard, $SYS and B's filters; A's own retained and live messages arrive", async () => {
    const a = await login('A');
    const got = collect(a);
    const denied = ['#', '+/#', 'iotlab/+/+/status', 'iotlab/B/#', '$SYS/#', 'iotlab/#', '+'];
    for (const topic of denied) {
      expect(await suback(a, topic), topic).toBe(128);
    }
    expect(await suback(a, 'iotlab/A/#')).toBe(0);
    await waitFor(() => got.some((m) => m.retain) && got.some((m) => !m.retain), 5000);
    expect(got.every((m) => m.topic.startsWith('iotlab/A/'))).toBe(true);
    const deniedSubs = events.A.filter((e) => e.kind === 'mqtt.subscribe' && e.denied === true);
    expect(deniedSubs.length).toBe(denied.length);
  });

  it('over WebSocket the same rules hold', async () => {
    const a = await login('A', {}, wsUrl);
    expect(await suback(a, 'iotlab/B/#')).toBe(128);
    expect(await suback(a, 'iotlab/A/+/status')).toBe(0);
  });

  it("A cannot publish into B's topics, retained or not: A is disconnected, B sees nothing", async () => {
    const b = await login('B');
    const bGot = collect(b);
    await b.subscribeAsync('iotlab/B/#');
    const a = await login('A', { clientId: 'a-intruder' });
    const closed = new Promise<void>((r) => a.once('close', () => r()));
    a.publish('iotlab/B/fake/set', '{"on":true}', { qos: 1, retain: true });
    await closed;
    await new Promise((r) => setTimeout(r, 300));
    expect(bGot.some((m) => m.topic === 'iotlab/B/fake/set')).toBe(false);
    // A late subscriber of B gets B's retained status but never A's retained message.
    const b2 = await login('B');
    const late = collect(b2);
    await b2.subscribeAsync('iotlab/B/#');
    await waitFor(() => late.some((m) => m.retain), 5000);
    expect(late.some((m) => m.topic === 'iotlab/B/fake/set')).toBe(false);
    const denied = events.A.find((e) => e.kind === 'mqtt.publish' && e.denied === true);
    expect(denied?.topic).toBe('iotlab/B/fake/set');
  });

  it("A cannot take over B's client id", async () => {
    const b = await login('B', { clientId: 'shared-id' });
    await expect(
      mqtt.connectAsync(url, {
        reconnectPeriod: 0,
        connectTimeout: 3000,
        username: 'A',
        password: PW.A,
        clientId: 'shared-id',
      }),
    ).rejects.toThrow(/Identifier rejected/i);
    expect(b.connected).toBe(true);
  });

  it("B's evidence holds only B's clients and B's devices", () => {
    const aClientIds = new Set(
      events.A.filter((e) => e.kind === 'mqtt.connect').map((e) => e.clientId),
    );
    expect(aClientIds.size).toBeGreaterThan(2);
    for (const e of events.B) {
      if (typeof e.clientId === 'string') expect(aClientIds.has(e.clientId)).toBe(false);
      if (typeof e.topic === 'string') expect(e.topic.startsWith('iotlab/B/')).toBe(true);
      expect(e.candidate).toBe('B');
    }
    expect(events.B.some((e) => e.kind === 'mqtt.connect' && typeof e.peer === 'string')).toBe(
      true,
    );
  });
});
