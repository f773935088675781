import type { Socket } from 'node:net';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RealClock } from '../../simulator/clock.js';
import type { EvidenceEvent } from '../../simulator/evidence.js';
import { EvidenceRecorder } from '../../simulator/evidence.js';
import { silentLogger } from '../../simulator/logger.js';
import type { MqttBroker } from '../../protocols/mqtt/broker.js';
import type { MqttLimits } from '../../protocols/mqtt/limits.js';
import { createMqttBroker } from '../../protocols/mqtt/broker.js';
import { sendRaw, waitFor } from '../support/net.js';

let broker: MqttBroker | undefined;
const clients: mqtt.MqttClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync(true);
  await broker?.close();
  broker = undefined;
});

async function setup(
  credentials?: { username: string; password: string },
  limits?: Partial<MqttLimits>,
) {
  const rec = new EvidenceRecorder({ clock: new RealClock() });
  const events: EvidenceEvent[] = [];
  rec.subscribe((e) => events.push(e));
  broker = await createMqttBroker({
    host: '127.0.0.1',
    port: 0,
    wsPort: 0,
    record: rec.record,
    logger: silentLogger,
    ...(credentials ? { credentials } : {}),
    ...(limits ? { limits } : {}),
  });
  return { events, broker };
}

async function client(url: string, opts: mqtt.IClientOptions = {}) {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts });
  clients.push(c);
  return c;
}

describe('embedded MQTT broker', () => {
  it('records connect, subscribe, publish and disconnect of a real client, and delivers device publishes', async () => {
    const { events, broker: b } = await setup();
    const c = await client(`mqtt://127.0.0.1:${b.port}`, {
      clientId: 'cand-1',
      will: { topic: 'w/t', payload: Buffer.from('gone'), qos: 1, retain: true },
    });
    await c.subscribeAsync('lab/#', { qos: 1 });
    const got = new Promise<string>((resolve) =>
      c.on('message', (topic, payload) => resolve(`${topic} ${payload.toString()}`)),
    );
    await b.publish('lab/dev-1/telemetry', '{"v":1}', { qos: 1, retain: false, device: 'dev-1' });
    expect(await got).toBe('lab/dev-1/telemetry {"v":1}');
    await c.publishAsync('lab/answers', 'hello', { qos: 1 });
    await c.endAsync();
    await waitFor(() => events.find((e) => e.kind === 'mqtt.disconnect'));
    const kinds = events.map((e) => e.kind);
    expect(kinds).toEqual([
      'mqtt.connect',
      'mqtt.subscribe',
      'mqtt.publish',
      'mqtt.publish',
      'mqtt.disconnect',
    ]);
    const connect = events[0]!;
    expect(connect).toMatchObject({
      clientId: 'cand-1',
      clean: true,
      accepted: true,
      will: { topic: 'w/t', qos: 1, retain: true, payload: { text: 'gone' } },
    });
    expect(connect.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(events[1]).toMatchObject({ subscriptions: [{ topic: 'lab/#', qos: 1 }] });
    expect(events[2]).toMatchObject({
      origin: 'device',
      device: 'dev-1',
      topic: 'lab/dev-1/telemetry',
      payload: { json: { v: 1 } },
    });
    expect(events[3]).toMatchObject({
      origin: 'client',
      clientId: 'cand-1',
      topic: 'lab/answers',
      qos: 1,
      payload: { text: 'hello' },
    });
  });

  it('serves MQTT over WebSocket', async () => {
    const { events, broker: b } = await setup();
    const c = await client(`ws://127.0.0.1:${b.wsPort}`, { clientId: 'ws-1' });
    await c.publishAsync('x/y', 'over-ws');
    await waitFor(() => events.find((e) => e.kind === 'mqtt.publish' && e.clientId === 'ws-1'));
    expect(events[0]).toMatchObject({ kind: 'mqtt.connect', clientId: 'ws-1' });
    expect(events[0]!.peer).toMatch(/^(::ffff:)?127\.0\.0\.1:\d+$/);
  });

  it('refuses bad credentials with CONNACK 4 and records the attempt', async () => {
    const { events, broker: b } = await setup({ username: 'u', password: 'p' });
    await expect(
      client(`mqtt://127.0.0.1:${b.port}`, { username: 'u', password: 'wrong' }),
    ).rejects.toThrow(/Bad username or password|Not authorized/i);
    expect(events.find((e) => e.kind === 'mqtt.connect')).toMatchObject({
      accepted: false,
      returnCode: 4,
      username: 'u',
    });
    const ok = await client(`mqtt://127.0.0.1:${b.port}`, { username: 'u', password: 'p' });
    expect(ok.connected).toBe(true);
  });

  it('disconnects a client that sends malformed packets and keeps serving others', async () => {
    const { events, broker: b } = await setup();
    const watcher = await client(`mqtt://127.0.0.1:${b.port}`, { clientId: 'watcher' });
    await watcher.subscribeAsync('t');
    const malformed = [
      Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f]), // CONNECT with a remaining length over 4 bytes
      Buffer.from([
        0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x09, 0x02, 0x00, 0x3c, 0x00, 0x00,
      ]), // protocol level 9
      Buffer.from([0x30, 0x02, 0x00, 0x05]), // PUBLISH before CONNECT, truncated topic
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
    ];
    for (const bytes of malformed) {
      const r = await sendRaw(b.port, bytes, 3000);
      expect(r.closedByServer).toBe(true);
    }
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (bytes) => {
        await sendRaw(b.port, Buffer.from(bytes), 300);
      }),
      { seed: 1234, numRuns: 40 },
    );
    const got = new Promise<string>((resolve) =>
      watcher.on('message', (_t, p) => resolve(p.toString())),
    );
    const other = await client(`mqtt://127.0.0.1:${b.port}`);
    await other.publishAsync('t', 'still-alive');
    expect(await got).toBe('still-alive');
    expect(events.some((e) => e.kind === 'mqtt.disconnect' && e.reason !== 'client')).toBe(true);
  });

  it('records one disconnect per connection, with its cause', async () => {
    const { events, broker: b } = await setup();
    const clean = await client(`mqtt://127.0.0.1:${b.port}`, { clientId: 'clean' });
    await clean.endAsync();
    const abrupt = await client(`mqtt://127.0.0.1:${b.port}`, { clientId: 'abrupt' });
    (abrupt.stream as Socket).destroy();
    await waitFor(
      () => events.filter((e) => e.kind === 'mqtt.disconnect').length >= 2 || undefined,
    );
    await new Promise((r) => setTimeout(r, 100));
    const byClient = (id: string) =>
      events.filter((e) => e.kind === 'mqtt.disconnect' && e.clientId === id);
    expect(byClient('clean')).toEqual([expect.objectContaining({ reason: 'client' })]);
    expect(byClient('abrupt')).toHaveLength(1);
    expect(byClient('abrupt')[0]!.reason).not.toBe('client');
  });

  it('records a refused CONNECT (MQTT 5 is not spoken) with the peer and what was sent', async () => {
    const { events, broker: b } = await setup();
    // CONNECT, protocol level 5, clean start, keepalive 60, empty properties, client id "v5"
    const v5 = Buffer.from([
      0x10, 0x0f, 0, 4, 0x4d, 0x51, 0x54, 0x54, 5, 0x02, 0, 60, 0, 0, 2, 0x76, 0x35,
    ]);
    await sendRaw(b.port, v5, 2000);
    const refused = await waitFor(() => events.find((e) => e.kind === 'mqtt.connect'));
    expect(refused).toMatchObject({
      accepted: false,
      returnCode: 1,
      protocolVersion: 5,
      clientId: 'v5',
    });
    expect(refused.peer).toMatch(/^127\.0\.0\.1:\d+$/);
  });
  it('drops QoS 0 messages to a subscriber that stops reading, and keeps serving the others', async () => {
    // Without the drop, aedes holds a delivery slot per message waiting on the stalled socket and,
    // once its slots are all held, stops delivering to every client.
    // The publisher is a load generator, not a device: its publish rate is not limited here
    // (tests/abuse/mqtt-limits.test.ts checks the limit).
    const unlimited = { publishRate: Infinity, publishBurst: Infinity };
    const { events, broker: b } = await setup(undefined, unlimited);
    const url = `mqtt://127.0.0.1:${b.port}`;
    const stalled = await client(url, { clientId: 'stalled' });
    await stalled.subscribeAsync('load/#', { qos: 0 });
    (stalled.stream as Socket).pause(); // reads nothing more: its socket backs up
    const reader = await client(url, { clientId: 'reader' });
    await reader.subscribeAsync('load/#', { qos: 0 });
    let received = 0;
    reader.on('message', () => (received += 1));
    const publisher = await client(url, { clientId: 'publisher' });
    // 16 MB in all, more than loopback's socket buffers and the 1 MB backlog hold; in batches the
    // reader keeps up with, so only the stalled client falls behind.
    const total = 8000;
    const payload = Buffer.alloc(2048, 0x61);
    for (let sent = 0; sent < total;) {
      for (let i = 0; i < 100; i++, sent++) publisher.publish('load/x', payload, { qos: 0 });
      const target = sent;
      await waitFor(
        () => (received === target ? true : undefined),
        5000,
        `${target} at the reader`,
      );
    }
    (stalled.stream as Socket).destroy();
    const gone = await waitFor(() =>
      events.find((e) => e.kind === 'mqtt.disconnect' && e['clientId'] === 'stalled'),
    );
    expect(gone['droppedQos0']).toBeGreaterThan(0);
    expect(gone['droppedQos0']).toBeLessThan(total);
    await waitFor(() =>
      events.filter((e) => e.kind === 'mqtt.publish').length === total ? true : undefined,
    );
  });
});
