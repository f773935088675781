/**
 * Abuse: what one MQTT client may cost (issue 14). 200 publishes of 256 KiB used to add 70 MB of
 * evidence in 2.9 s, and a publish flood took CPU from everyone. Against both brokers (a lab's and
 * the exam server's shared one), on real sockets: a packet over the size limit ends its connection
 * when its header arrives, a client over its publish rate is disconnected, each recorded with the
 * reason, and another client is served throughout.
 */
import { connect } from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../../core/clock.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { EvidenceRecorder } from '../../core/evidence.js';
import { silentLogger } from '../../core/logger.js';
import { createMqttBroker } from '../../protocols/mqtt/broker.js';
import type { MqttBroker } from '../../protocols/mqtt/broker.js';
import { MQTT_LIMITS, PacketSizeWatch } from '../../protocols/mqtt/limits.js';
import { createBroker } from '../../protocols/mqtt/broker.js';
import type { Broker } from '../../protocols/mqtt/broker.js';

let lab: MqttBroker;
let shared: Broker;
const events: EvidenceEvent[] = [];
const unrouted: { kind: string; fields: Record<string, unknown> }[] = [];

beforeAll(async () => {
  const rec = new EvidenceRecorder({ clock: new RealClock() });
  rec.subscribe((e) => events.push(e));
  lab = await createMqttBroker({
    host: '127.0.0.1',
    port: 0,
    wsPort: 0,
    record: rec.record,
    logger: silentLogger,
    limits: { publishRate: 50, publishBurst: 100 },
  });
  shared = await createBroker({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    recordUnrouted: (kind, fields) => unrouted.push({ kind, fields }),
  });
});
afterAll(async () => {
  await lab?.close();
  await shared?.close();
});

const connected = (url: string, clientId: string) =>
  mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, connectTimeout: 3000 });

const disconnectOf = (clientId: string) =>
  events.find((e) => e.kind === 'mqtt.disconnect' && e.clientId === clientId);

async function until<T>(f: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('MQTT limits', () => {
  it('ends a connection whose packet is over the size limit, recording why; others go on', async () => {
    const url = `mqtt://127.0.0.1:${lab.port}`;
    const bystander = await connected(url, 'bystander');
    const big = await connected(url, 'big-sender');
    big.publish('t/big', Buffer.alloc(MQTT_LIMITS.maxPacketBytes + 1, 1));
    const d = await until(() => disconnectOf('big-sender'), 'the disconnect');
    expect(d).toMatchObject({ reason: 'packet-too-large' });
    // Nothing of the big packet is in the evidence.
    expect(events.some((e) => e.kind === 'mqtt.publish' && e.topic === 't/big')).toBe(false);
    await bystander.publishAsync('t/small', 'ok', { qos: 1 });
    expect(events.some((e) => e.kind === 'mqtt.publish' && e.topic === 't/small')).toBe(true);
    await bystander.endAsync();
    big.end(true);
  });

  it('disconnects a client over its publish rate, recording why', async () => {
    const url = `mqtt://127.0.0.1:${lab.port}`;
    const flood = await connected(url, 'flooder');
    for (let i = 0; i < 1000; i++) flood.publish('t/flood', String(i));
    const d = await until(() => disconnectOf('flooder'), 'the disconnect');
    expect(d).toMatchObject({ reason: 'publish-rate' });
    const recorded = events.filter((e) => e.kind === 'mqtt.publish' && e.topic === 't/flood');
    expect(recorded.length).toBeLessThanOrEqual(100 + 10); // the burst (plus a few ms of rate)
    flood.end(true);
  });

  it('closes a connection that announces an oversize packet on the shared broker too', async () => {
    const s = connect(shared.port, '127.0.0.1');
    await new Promise<void>((r) => s.on('connect', () => r()));
    // A CONNECT header announcing 10 MB: 0x10, remaining length 10,000,000 as a varint.
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    s.write(Buffer.from([0x10, 0x80, 0xad, 0xe2, 0x04]));
    await closed;
    // The broker still answers (with a refusal for an unknown login), it did not stall.
    await expect(
      mqtt.connectAsync(`mqtt://127.0.0.1:${shared.port}`, {
        reconnectPeriod: 0,
        connectTimeout: 3000,
        username: 'nobody',
        password: 'x',
      }),
    ).rejects.toThrow(/Bad username or password|Not authorized/i);
  });
});

describe('PacketSizeWatch', () => {
  it('follows packets across chunk boundaries and reports the first over the limit', () => {
    const w = new PacketSizeWatch(300);
    // A 2-byte PINGREQ, a packet of 200 bytes (varint 0xc8 0x01) split over chunks, then a header
    // announcing 400.
    expect(w.push(Buffer.from([0xc0, 0x00, 0x30, 0xc8]))).toBeUndefined();
    expect(w.push(Buffer.alloc(1, 0x01))).toBeUndefined();
    expect(w.push(Buffer.alloc(150))).toBeUndefined();
    expect(w.push(Buffer.alloc(50))).toBeUndefined();
    expect(w.push(Buffer.from([0x30, 0x90]))).toBeUndefined(); // 0x10 + more to come
    expect(w.push(Buffer.from([0x03]))).toBe(0x10 + 3 * 128);
  });
});
