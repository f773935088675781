/**
 * Abuse: an Observe flood (issue 14). 10,000 NON GETs with Observe=0 and distinct tokens from one
 * UDP socket, which then closes, used to leave 10,000 registrations notified forever — RSS from
 * 127 MB to 1.38 GB in five minutes, 52 MB of evidence a minute, and an amplifier for spoofed
 * sources. Here, on a real socket and a manual lab clock: the registrations are capped, the
 * notifications to one address are rate-limited, a NON observer gets confirmable notifications
 * on a schedule, and one that never acknowledges is removed (RFC 7641 §4.5); a well-behaved
 * observer elsewhere is served throughout.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { generate, parse } from 'coap-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../simulator/clock.js';
import type { EvidenceFields, EvidenceKind } from '../../simulator/evidence.js';
import { silentLogger } from '../../simulator/logger.js';
import { OBSERVE_LIMITS } from '../../protocols/coap/observe-policy.js';
import { createCoapServer } from '../../protocols/coap/server.js';
import type { CoapResource, CoapServerHandle } from '../../protocols/coap/types.js';

const listeners = new Set<() => void>();
const resource: CoapResource = {
  path: '/sensors/temp',
  rt: 'iotlab.temperature',
  if: 'sensor',
  observable: true,
  read: () => ({ json: { value: 21.5 }, text: '21.5' }),
  onNotify: (l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  },
  availability: () => ({ respond: true, delayMs: 0 }),
};
const fire = (): void => [...listeners].forEach((l) => l());

const clock = new ManualClock();
const events: { kind: EvidenceKind; fields: EvidenceFields }[] = [];
let server: CoapServerHandle;

beforeAll(async () => {
  server = await createCoapServer({
    host: '127.0.0.1',
    port: 0,
    resources: [resource],
    record: (kind, fields) => events.push({ kind, fields }),
    clock,
    logger: silentLogger,
  });
});
afterAll(async () => server?.close());

function socket(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

function observeGet(token: number, messageId: number, confirmable = false): Buffer {
  const t = Buffer.alloc(4);
  t.writeUInt32BE(token);
  return generate({
    messageId,
    token: t,
    confirmable,
    code: 'GET',
    options: [
      { name: 'Observe', value: Buffer.alloc(0) },
      { name: 'Uri-Path', value: Buffer.from('sensors') },
      { name: 'Uri-Path', value: Buffer.from('temp') },
    ],
  });
}

/** Collects what a socket receives, parsed. */
function inbox(s: Socket) {
  const got: ReturnType<typeof parse>[] = [];
  s.on('message', (m: Buffer) => got.push(parse(m)));
  return got;
}

const settle = (ms = 50) => new Promise((r) => setTimeout(r, ms));
async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !pred(); i++) await settle(25);
  if (!pred()) throw new Error(`timed out waiting for ${what}`);
}

describe('an Observe flood from one socket', () => {
  it('registers at most the per-endpoint cap, answers the rest without Observe, and limits the rate', async () => {
    const flood = await socket();
    const got = inbox(flood);
    const N = 10_000;
    const port = server.port;
    // In bursts of 250, each answered before the next, so the socket buffers drop nothing.
    for (let i = 0; i < N; i += 250) {
      for (let j = i; j < i + 250; j++) flood.send(observeGet(j + 1, j % 65536), port, '127.0.0.1');
      await until(() => got.length >= i + 250, `answers to ${i + 250} requests`);
    }
    const observed = got.filter((p) => p.options.some((o) => o.name === 'Observe'));
    expect(server.observations()).toBe(OBSERVE_LIMITS.perEndpoint);
    expect(observed).toHaveLength(OBSERVE_LIMITS.perEndpoint);
    expect(got.filter((p) => p.code === '2.05')).toHaveLength(N); // everyone is answered

    // A well-behaved observer on another socket is still accepted.
    const good = await socket();
    const goodGot = inbox(good);
    good.on('message', (m: Buffer) => {
      const p = parse(m);
      if (p.confirmable)
        good.send(generate({ messageId: p.messageId, ack: true, code: '0.00' }), port, '127.0.0.1');
    });
    good.send(observeGet(999_999, 4242), port, '127.0.0.1');
    await until(() => goodGot.length >= 1, 'the good registration');
    expect(server.observations()).toBe(OBSERVE_LIMITS.perEndpoint + 1);

    // 100 notifications in one second of lab time: the flooding address gets at most the
    // bucket's burst plus a second's rate, not 8 × 100.
    const before = got.length;
    for (let i = 0; i < 100; i++) {
      clock.advance(10);
      fire();
    }
    await settle(200);
    const floodNotes = got.length - before;
    expect(floodNotes).toBeLessThanOrEqual(OBSERVE_LIMITS.notifyBurst + OBSERVE_LIMITS.notifyRate);
    expect(floodNotes).toBeGreaterThan(0);

    // The flooder goes away without a word. Notifications go on at the observe period; the
    // scheduled confirmable ones go unacknowledged, and after the ACK wait the registrations end.
    flood.close();
    for (let s = 0; s < 300 && server.observations() > 1; s++) {
      clock.advance(1000);
      fire();
      await settle(5);
    }
    expect(server.observations()).toBe(1); // only the good observer, which acknowledges
    const cons = goodGot.filter((p) => p.confirmable);
    expect(cons.length).toBeGreaterThan(0); // it was asked, and answered
    good.close();
  }, 60_000);
});
