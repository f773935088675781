/**
 * The impostor's view of MQTT (protocols/codecs/mqtt-sniff.ts): golden CONNECT and PUBLISH bytes
 * read back (a password only as "sent", never its value), packets split across chunks, MQTT 5
 * after a level-5 CONNECT, the answers a broker gives (read back by the same codec MQTT.js uses),
 * and random bytes that never throw.
 */
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import type { SniffedPacket } from '../../protocols/codecs/mqtt-sniff.js';
import { answerFor, sniffer } from '../../protocols/codecs/mqtt-sniff.js';

// CONNECT, MQTT 3.1.1 §3.1: "MQTT" level 4, flags 0xC2 (username, password, clean), keep-alive 60,
// client id "c1", username "u", password "secret".
// prettier-ignore
const CONNECT = Buffer.from([
  0x10, 25, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0xc2, 0, 60, 0, 2, 0x63, 0x31, 0, 1, 0x75, 0, 6,
  ...Buffer.from('secret'),
]);
// PUBLISH QoS 1 §3.3: topic "a/b", packet id 7, payload "hi".
const PUBLISH = Buffer.from([0x32, 9, 0, 3, 0x61, 0x2f, 0x62, 0, 7, 0x68, 0x69]);

/** Feeds `chunks` to a fresh sniffer; what it saw, and why it gave up if it did. */
function sniff(...chunks: Buffer[]) {
  const packets: SniffedPacket[] = [];
  let bad: string | undefined;
  const s = sniffer(
    (p) => packets.push(p),
    (why) => (bad = why),
  );
  for (const c of chunks) s.push(c);
  return { packets, bad, level: s.level };
}

/** An answer read back as a client would (protocol level 4 or 5). */
function readBack(bytes: Buffer, level: number): Packet {
  const parser = mqttPacket.parser({ protocolVersion: level });
  const out: Packet[] = [];
  parser.on('packet', (p: Packet) => out.push(p));
  parser.on('error', (e: Error) => {
    throw e;
  });
  parser.parse(bytes);
  expect(out).toHaveLength(1);
  return out[0]!;
}

describe('mqtt-sniff', () => {
  it('reads CONNECT and PUBLISH, split anywhere, and keeps no password', () => {
    const all = Buffer.concat([CONNECT, PUBLISH]);
    for (let cut = 0; cut <= all.length; cut++) {
      const { packets, bad } = sniff(all.subarray(0, cut), all.subarray(cut));
      expect(bad).toBeUndefined();
      expect(packets.map((p) => p.type)).toEqual(['connect', 'publish']);
      expect(packets[0]).toEqual({
        type: 'connect',
        level: 4,
        clientId: 'c1',
        username: 'u',
        password: true,
      });
      expect(packets[1]).toMatchObject({ topic: 'a/b', qos: 1, packetId: 7 });
      expect(packets[1]!.payload!.toString()).toBe('hi');
      expect(JSON.stringify(packets)).not.toContain('secret');
    }
    const [connect, publish] = sniff(all).packets;
    expect([...answerFor(connect!, 4)!]).toEqual([0x20, 2, 0, 0]);
    expect([...answerFor(publish!, 4)!]).toEqual([0x40, 2, 0, 7]);
  });

  it('follows an MQTT 5 client after its CONNECT, and answers in MQTT 5', () => {
    const opts = { protocolVersion: 5 };
    const bytes = Buffer.concat([
      mqttPacket.generate(
        { cmd: 'connect', clientId: 'v5', protocolVersion: 5, username: 'u' },
        opts,
      ),
      mqttPacket.generate(
        {
          cmd: 'subscribe',
          messageId: 3,
          subscriptions: [
            { topic: 'a/#', qos: 0 },
            { topic: 'b', qos: 1 },
          ],
        },
        opts,
      ),
      mqttPacket.generate({ cmd: 'unsubscribe', messageId: 4, unsubscriptions: ['a/#'] }, opts),
      mqttPacket.generate({ cmd: 'pingreq' }, opts),
    ]);
    const { packets, bad, level } = sniff(bytes);
    expect(bad).toBeUndefined();
    expect(level).toBe(5);
    expect(packets).toEqual([
      { type: 'connect', level: 5, clientId: 'v5', username: 'u', password: false },
      { type: 'subscribe', packetId: 3, filters: 2 },
      { type: 'unsubscribe', packetId: 4, filters: 1 },
      { type: 'pingreq' },
    ]);
    const answers = packets.map((p) => readBack(answerFor(p, 5)!, 5));
    expect(answers.map((a) => a.cmd)).toEqual(['connack', 'suback', 'unsuback', 'pingresp']);
    expect(answers[0]).toMatchObject({ reasonCode: 0, sessionPresent: false });
    expect(answers[1]).toMatchObject({ messageId: 3, granted: [0, 0] });
    expect(answers[2]).toMatchObject({ messageId: 4 });
    // A 3.1.1 client's SUBACK has one code per filter too.
    const sub4 = readBack(answerFor({ type: 'subscribe', packetId: 9, filters: 3 }, 4)!, 4);
    expect(sub4).toMatchObject({ cmd: 'suback', messageId: 9, granted: [0, 0, 0] });
  });

  it('gives up once on bytes that are not MQTT, and parses nothing after', () => {
    const { packets, bad } = sniff(Buffer.from('GET / HTTP/1.1\r\n\r\n'), CONNECT);
    expect(bad).toBeTruthy();
    expect(packets).toEqual([]);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 120 }), { maxLength: 4 }), (chunks) => {
        const { packets } = sniff(...chunks.map((c) => Buffer.from(c)));
        for (const p of packets) answerFor(p, 4);
        return true;
      }),
      { numRuns: 500 },
    );
  });
});
