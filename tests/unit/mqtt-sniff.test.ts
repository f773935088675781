/**
 * The impostor's view of MQTT (protocols/codecs/mqtt-sniff.ts): golden CONNECT and PUBLISH bytes
 * read back (a password only as "sent", never its value), packets split across chunks, the
 * answers a broker gives, and random bytes that never throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerFor, splitPackets } from '../../protocols/codecs/mqtt-sniff.js';

// CONNECT, MQTT 3.1.1 §3.1: "MQTT" level 4, flags 0xC2 (username, password, clean), keep-alive 60,
// client id "c1", username "u", password "secret".
// prettier-ignore
const CONNECT = Buffer.from([
  0x10, 25, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0xc2, 0, 60, 0, 2, 0x63, 0x31, 0, 1, 0x75, 0, 6,
  ...Buffer.from('secret'),
]);
// PUBLISH QoS 1 §3.3: topic "a/b", packet id 7, payload "hi".
const PUBLISH = Buffer.from([0x32, 9, 0, 3, 0x61, 0x2f, 0x62, 0, 7, 0x68, 0x69]);

describe('mqtt-sniff', () => {
  it('reads CONNECT and PUBLISH, split anywhere, and keeps no password', () => {
    const all = Buffer.concat([CONNECT, PUBLISH]);
    for (let cut = 0; cut <= all.length; cut++) {
      const a = splitPackets(all.subarray(0, cut));
      const b = splitPackets(Buffer.concat([a.rest, all.subarray(cut)]));
      const packets = [...a.packets, ...b.packets];
      expect(b.rest.length).toBe(0);
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
    const [connect, publish] = splitPackets(all).packets;
    expect([...answerFor(connect!, 4)!]).toEqual([0x20, 2, 0, 0]);
    expect([...answerFor(publish!, 4)!]).toEqual([0x40, 2, 0, 7]);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = splitPackets(Buffer.from(bytes));
        for (const p of r.packets) answerFor(p, 4);
        return true;
      }),
      { numRuns: 500 },
    );
  });
});
