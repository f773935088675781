/**
 * RFID reader: the frame codec (golden frames both ways, malformed frames with their exact
 * errors, seeded properties), the stream splitter, Mifare access bits, the frames printed in
 * docs/protocols/rfid-reader.md, and the reader model driven in-process (schedule, card states,
 * auth/read/write, auto-report, determinism).
 *
 * Every CRC below is CRC-16/MODBUS of the bytes before it, low byte first; `refCrc`, a bitwise
 * implementation independent of the `crc` package, checks each one.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FRAME_TIMEOUT_MS,
  RESPONSE_DELAY_MS,
  createRfidReader,
} from '../../devices/serial/rfid-reader/model.js';
import { seedCards } from '../../devices/serial/rfid-reader/cards.js';
import { VisitSchedule } from '../../devices/serial/rfid-reader/visits.js';
import type { ByteDevice, ByteDeviceContext, ByteIntent } from '../../devices/serial/model.js';
import {
  MAX_FRAME,
  STATUS,
  decodeFrame,
  encodeFrame,
  rfidCrc,
} from '../../protocols/codecs/rfid-frame.js';
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../protocols/codecs/rfid.js';
import type { RfidRequest, RfidResponse } from '../../protocols/codecs/rfid.js';
import { RfidSplitter } from '../../protocols/codecs/rfid-splitter.js';
import type { SplitEvent } from '../../protocols/codecs/rfid-splitter.js';
import {
  dataAccess,
  decodeAccessBits,
  encodeAccessBits,
  trailerAccess,
} from '../../protocols/codecs/rfid-access.js';
import { LabError } from '../../core/errors.js';
import { FaultBook } from '../../core/faults.js';
import type { SerialDevicePlan } from '../../devices/serial/plan.js';
import { RfidReaderDevice } from '../../devices/serial/rfid-reader/scenario.js';

const PROPS = { seed: 1356, numRuns: 300 };
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const UID = hex('3A7C9E21');
const FF6 = hex('FFFFFFFFFFFF');

/** CRC-16/MODBUS bit by bit: poly 0xA001 reflected, init 0xFFFF. */
function refCrc(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** [name, address, request, frame] */
// prettier-ignore
const REQUESTS: [string, number, RfidRequest, string][] = [
  ['reader info', 1, { command: 'info' },
    'AABB 07 01 01 696D'], // header, LEN 7, addr 01, CMD 01, CRC 0x6D69
  ['reader info, broadcast', 0, { command: 'info' },
    'AABB 07 00 01 68FD'], // addr 00 = broadcast
  ['auto-report on', 1, { command: 'autoReport', enabled: true },
    'AABB 08 01 02 01 6F0A'], // CMD 02, DATA 01 = on
  ['auto-report off', 1, { command: 'autoReport', enabled: false },
    'AABB 08 01 02 00 AECA'], // DATA 00 = off
  ['request REQA', 1, { command: 'request', mode: 'idle' },
    'AABB 08 01 10 26 23B0'], // CMD 10, 26 = REQA
  ['request WUPA', 1, { command: 'request', mode: 'all' },
    'AABB 08 01 10 52 2397'], // 52 = WUPA
  ['anticollision', 1, { command: 'anticoll' },
    'AABB 07 01 11 68A1'], // CMD 11, no DATA
  ['select', 1, { command: 'select', uid: UID },
    'AABB 0B 01 12 3A7C9E21 A0FA'], // CMD 12, UID
  ['authenticate key A sector 1', 1, { command: 'auth', keyType: 'A', sector: 1, key: FF6 },
    'AABB 0F 01 13 60 01 FFFFFFFFFFFF 9323'], // CMD 13, 60 = key A, sector 01, key
  ['read block 4', 1, { command: 'read', block: 4 },
    'AABB 08 01 14 04 A169'], // CMD 14, block 04
  ['write block 5', 1, { command: 'write', block: 5, data: Buffer.from('HELLO IOTLAB\0\0\0\0', 'latin1') },
    'AABB 18 01 15 05 48454C4C4F20494F544C414200000000 218A'], // CMD 15, block 05, 16 bytes
  ['halt', 1, { command: 'halt' },
    'AABB 07 01 16 2963'], // CMD 16
];

/** [name, address, response, frame] */
// prettier-ignore
const RESPONSES: [string, number, RfidResponse, string][] = [
  ['info', 1, { status: 0, command: 'info', major: 1, minor: 2, serial: 0x1234abcd, model: 'IOTLAB-RC1356' },
    'AABB 1B 01 01 00 01 02 1234ABCD 494F544C41422D524331333536 3900'], // STATUS 00, fw 1.2, serial, model
  ['auto-report is on', 1, { status: 0, command: 'autoReport', enabled: true },
    'AABB 09 01 02 00 01 B7BC'], // setting echoed
  ['ATQA', 1, { status: 0, command: 'request', atqa: 0x0004 },
    'AABB 0A 01 10 00 0400 FA6D'], // ATQA 0x0004, low byte first
  ['UID and BCC', 1, { status: 0, command: 'anticoll', uid: UID },
    'AABB 0D 01 11 00 3A7C9E21 F9 B3F8'], // BCC F9 = 3A^7C^9E^21
  ['SAK', 1, { status: 0, command: 'select', sak: 0x08 },
    'AABB 09 01 12 00 08 767F'], // SAK 08 = Mifare Classic 1K
  ['authenticated', 1, { status: 0, command: 'auth' },
    'AABB 08 01 13 00 A29A'], // no DATA
  ['block data', 1, { status: 0, command: 'read', data: Buffer.from('ID:E12345\0\0\0\0\0\0\0', 'latin1') },
    'AABB 18 01 14 00 49443A45313233343500000000000000 F7DF'], // 16 bytes
  ['written', 1, { status: 0, command: 'write' },
    'AABB 08 01 15 00 A13A'],
  ['halted', 1, { status: 0, command: 'halt' },
    'AABB 08 01 16 00 A1CA'],
  ['card event', 1, { status: 0, command: 'cardEvent', atqa: 0x0004, uid: UID },
    'AABB 0E 01 20 00 0400 3A7C9E21 86BC'], // CMD 20: ATQA + UID
  ['no card', 1, { status: STATUS.noCard, code: 0x10 },
    'AABB 08 01 10 01 63AA'], // request echoed, STATUS 01, no DATA
  ['wrong key', 1, { status: STATUS.authFailed, code: 0x13 },
    'AABB 08 01 13 02 235B'], // STATUS 02
  ['not authenticated', 1, { status: STATUS.notAuthenticated, code: 0x14 },
    'AABB 08 01 14 03 E0AB'], // STATUS 03
  ['checksum error', 1, { status: STATUS.checksum, code: 0x01 },
    'AABB 08 01 01 80 AF9A'], // STATUS 80
  ['length error before CMD', 1, { status: STATUS.length, code: 0x00 },
    'AABB 08 01 00 81 6FCA'], // STATUS 81, CMD 00: the reader stopped at LEN
  ['unknown command', 1, { status: STATUS.unknownCommand, code: 0x7e },
    'AABB 08 01 7E 82 0E6B'], // CMD 7E echoed, STATUS 82
];

describe('RFID frames (docs/protocols/rfid-reader.md §1–§4)', () => {
  it.each(REQUESTS)('request: %s', (_name, address, request, frame) => {
    expect(refCrc(hex(frame).subarray(0, -2))).toBe(hex(frame).readUInt16LE(hex(frame).length - 2));
    expect(encodeRequest(address, request)).toEqual(hex(frame));
    expect(decodeRequest(hex(frame))).toEqual({ ok: true, address, request });
  });

  it.each(RESPONSES)('response: %s', (_name, address, response, frame) => {
    expect(refCrc(hex(frame).subarray(0, -2))).toBe(hex(frame).readUInt16LE(hex(frame).length - 2));
    expect(encodeResponse(address, response)).toEqual(hex(frame));
    expect(decodeResponse(hex(frame))).toEqual({ ok: true, address, response });
  });

  it('follows the worked CRC example of §2', () => {
    expect(rfidCrc(hex('AABB070101'))).toBe(0x6d69);
    expect(refCrc(hex('AABB070101'))).toBe(0x6d69);
  });

  // prettier-ignore
  const MALFORMED: [string, string, string, RegExp][] = [
    ['empty', '', 'short', /0 bytes: at least 7/],
    ['6 bytes', 'AABB 06 01 01 69', 'short', /6 bytes/],
    ['no header', 'AABC 07 01 01 696D', 'header', /starts AA BC, expected AA BB/],
    ['LEN larger than the frame', 'AABB 08 01 01 696D', 'length', /LEN byte says 8, the frame has 7/],
    ['65 bytes', 'AABB 41' + '00'.repeat(62), 'length', /65 bytes: at most 64/],
    ['CRC high byte first', 'AABB 07 01 01 6D69', 'checksum', /CRC is 0x696D, expected 0x6D69/],
    ['CRC without the header', 'AABB 07 01 01 ' + crcLe('070101'), 'checksum', /expected 0x6D69/],
    ['unknown command', 'AABB 07 01 7E 288D', 'command', /unknown RFID command 7E/],
    ['card event sent to the reader', withCrc('AABB 07 01 20'), 'command', /command 20/],
    ['read without block', withCrc('AABB 07 01 14'), 'length', /read takes 1 data bytes, got 0/],
    ['select with 3 UID bytes', withCrc('AABB 0A 01 12 3A7C9E'), 'length', /select takes 4/],
    ['info with data', withCrc('AABB 08 01 01 00'), 'length', /info takes 0/],
    ['block 64', withCrc('AABB 08 01 14 40'), 'parameter', /block is 0..63, got 64/],
    ['sector 16', withCrc('AABB 0F 01 13 60 10 FFFFFFFFFFFF'), 'parameter', /sector is 0..15, got 16/],
    ['key type 62', withCrc('AABB 0F 01 13 62 01 FFFFFFFFFFFF'), 'parameter', /key type is 60 .* got 62/],
    ['request mode 27', withCrc('AABB 08 01 10 27'), 'parameter', /26 \(REQA\) or 52 \(WUPA\), got 27/],
    ['auto-report 02', withCrc('AABB 08 01 02 02'), 'parameter', /00 \(off\) or 01 \(on\), got 02/],
  ];
  it.each(MALFORMED)('rejects a request: %s', (_name, bytes, kind, message) => {
    const result = decodeRequest(hex(bytes));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.kind).toBe(kind);
    expect(result.error).toBeInstanceOf(LabError);
    expect(result.error.codeName).toBe('PROTOCOL_MALFORMED');
    expect(result.error.message).toMatch(message);
  });

  // prettier-ignore
  const BAD_RESPONSES: [string, string, string, RegExp][] = [
    ['7 bytes', 'AABB 07 01 01 696D', 'short', /at least 8/],
    ['unknown status', withCrc('AABB 08 01 14 07'), 'status', /unknown RFID status 07/],
    ['error with data', withCrc('AABB 09 01 14 01 00'), 'length', /error reply carries no data/],
    ['wrong BCC', withCrc('AABB 0D 01 11 00 3A7C9E21 00'), 'parameter', /BCC 00 is not the XOR/],
    ['short block', withCrc('AABB 17 01 14 00' + '00'.repeat(15)), 'length', /read reply carries 16/],
  ];
  it.each(BAD_RESPONSES)('rejects a response: %s', (_name, bytes, kind, message) => {
    const result = decodeResponse(hex(bytes));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect([result.kind, result.error.message]).toEqual([kind, expect.stringMatching(message)]);
  });

  it('refuses to encode what the protocol forbids', () => {
    expect(() => encodeRequest(256, { command: 'info' })).toThrow(LabError);
    expect(() => encodeRequest(1, { command: 'select', uid: hex('3A7C9E') })).toThrow(/4 bytes/);
    expect(() => encodeRequest(1, { command: 'read', block: 64 })).toThrow(/0..63/);
    expect(() => encodeRequest(1, { command: 'auth', keyType: 'A', sector: 16, key: FF6 })).toThrow(
      LabError,
    );
    expect(() =>
      encodeResponse(1, {
        status: 0,
        command: 'info',
        major: 1,
        minor: 0,
        serial: 1,
        model: '读卡器',
      }),
    ).toThrow(/ASCII/);
    expect(() => encodeFrame({ address: 1, command: 1, data: Buffer.alloc(58) })).toThrow(
      /at most 64/,
    );
  });
});

describe('Mifare access bits ([MF1S50] §8.7)', () => {
  it('decodes the transport configuration and the personalised one', () => {
    expect(decodeAccessBits(hex('FF0780'))).toEqual([0, 0, 0, 1]);
    expect(encodeAccessBits([4, 4, 4, 3])).toEqual(hex('787788'));
    expect(decodeAccessBits(hex('FF0781'))).toBeUndefined(); // copies disagree
  });

  it('round-trips every combination', () => {
    for (let n = 0; n < 8 ** 4; n++) {
      const c = [n & 7, (n >> 3) & 7, (n >> 6) & 7, (n >> 9) & 7];
      expect(decodeAccessBits(encodeAccessBits(c))).toEqual(c);
    }
  });

  it('grants what §8.7.2 and §8.7.3 grant', () => {
    expect(dataAccess(4, 'A')).toEqual({ read: true, write: false });
    expect(dataAccess(4, 'B')).toEqual({ read: true, write: true });
    expect(dataAccess(7, 'B')).toEqual({ read: false, write: false });
    expect(trailerAccess(1, 'A')).toEqual({ readAccess: true, readKeyB: true, writeAll: true });
    expect(trailerAccess(3, 'A')).toEqual({ readAccess: true, readKeyB: false, writeAll: false });
    expect(trailerAccess(3, 'B').writeAll).toBe(true);
  });
});

describe('RfidSplitter', () => {
  const split = (): RfidSplitter => new RfidSplitter({ direction: 'request', timeoutMs: 100 });
  const info = hex('AABB 07 01 01 696D');
  const read4 = hex('AABB 08 01 14 04 A169');
  const kinds = (events: SplitEvent[]): string[] => events.map((e) => e.kind);

  it('cuts back-to-back frames of one write, dropping junk around them', () => {
    const events = split().push(Buffer.concat([hex('00 13 AA'), info, hex('FF'), read4]), 0);
    expect(events).toEqual([
      { kind: 'junk', raw: hex('0013AA') },
      { kind: 'frame', raw: info },
      { kind: 'junk', raw: hex('FF') },
      { kind: 'frame', raw: read4 },
    ]);
  });

  it('joins a frame delivered byte by byte, an AA at a chunk end included', () => {
    const s = split();
    const out = [...read4].flatMap((b, i) => s.push(Buffer.of(b), i));
    expect(out).toEqual([{ kind: 'frame', raw: read4 }]);
    expect(s.deadline()).toBeUndefined();
  });

  it('refuses LEN out of range at once and resynchronises behind it', () => {
    const events = split().push(Buffer.concat([hex('AABB 05 01'), info]), 0);
    expect(events).toEqual([
      { kind: 'length', reason: 'range', raw: hex('AABB05') },
      { kind: 'junk', raw: hex('0501') },
      { kind: 'frame', raw: info },
    ]);
  });

  it('reports a bad CRC and finds a frame hidden behind a false header', () => {
    const events = split().push(Buffer.concat([hex('AABB 07 01 01 6D69'), info]), 0);
    expect(kinds(events)).toEqual(['checksum', 'junk', 'frame']);
    const hidden = split().push(Buffer.concat([hex('AABB 0A'), info, hex('0000')]), 0);
    expect(kinds(hidden)).toEqual(['checksum', 'junk', 'frame', 'junk']);
  });

  it('calls a CRC that fits another length a LEN mistake', () => {
    // LEN says 8; the CRC, computed over that LEN, ends the frame at 7 bytes.
    const tooBig = split().push(hex('AABB 08 01 01 596E'), 0);
    expect(tooBig).toEqual([{ kind: 'length', reason: 'mismatch', raw: hex('AABB080101596E') }]);
    const frame = withCrc('AABB 07 01 14 04'); // 8 bytes, LEN says 7
    expect(kinds(split().push(hex(frame), 0))).toEqual(['length']);
  });

  it('gives up an incomplete frame after the timeout, and not before', () => {
    const s = split();
    expect(s.push(hex('AABB 0F 01 13 60'), 1000)).toEqual([]);
    expect(s.deadline()).toBe(1100);
    expect(s.expire(1099)).toEqual([]);
    expect(s.expire(1100)).toEqual([
      { kind: 'length', reason: 'truncated', raw: hex('AABB0F011360') },
    ]);
    expect(s.deadline()).toBeUndefined();
  });

  it('drops a truncated frame as soon as a complete one follows it', () => {
    const events = split().push(Buffer.concat([hex('AABB 0F 01 13'), info]), 0);
    expect(events).toEqual([
      { kind: 'length', reason: 'truncated', raw: hex('AABB0F0113') },
      { kind: 'frame', raw: info },
    ]);
  });

  it('never throws and never holds more than one frame (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 20 }), (chunks) => {
        const s = split();
        let t = 0;
        for (const c of chunks) {
          for (const e of s.push(c, (t += 10))) expect(e.raw.length).toBeGreaterThan(0);
          expect(s.pending()).toBeLessThan(MAX_FRAME);
        }
        s.expire(t + 1000);
        expect(s.deadline()).toBeUndefined();
      }),
      PROPS,
    );
  });

  it('finds every valid frame between random junk without headers (property)', () => {
    const request = requestArb();
    const noHeader = fc
      .uint8Array({ maxLength: 12 })
      .map((b) => Buffer.from(b.filter((x) => x !== 0xaa)));
    fc.assert(
      fc.property(fc.array(fc.tuple(noHeader, request), { maxLength: 6 }), (parts) => {
        const frames = parts.map(([, r]) => encodeRequest(1, r));
        const stream = Buffer.concat(parts.flatMap(([junk], i) => [junk, frames[i]!]));
        const got = split()
          .push(stream, 0)
          .filter((e) => e.kind === 'frame');
        expect(got.map((e) => e.raw)).toEqual(frames);
      }),
      PROPS,
    );
  });
});

describe('RFID codec properties', () => {
  it('decodes random bytes to a frame or a typed error, never a throw', () => {
    const body = fc.uint8Array({ maxLength: 40 });
    // Random bytes; a header and a right LEN with a random CRC; the same with a valid CRC.
    const framed = body.map((b) => Buffer.concat([hex('AABB'), Buffer.of(b.length + 5), b]));
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      framed.map((f) => Buffer.concat([f, hex('0000')])),
      framed.map((f) => hex(withCrc(f.toString('hex')))),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        for (const result of [decodeRequest(b), decodeResponse(b)])
          if (!result.ok) expect(result.error).toBeInstanceOf(LabError);
      }),
      PROPS,
    );
  });

  it('round-trips requests and responses', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        requestArb(),
        responseArb(),
        (address, req, res) => {
          expect(decodeRequest(encodeRequest(address, req))).toEqual({
            ok: true,
            address,
            request: req,
          });
          expect(decodeResponse(encodeResponse(address, res))).toEqual({
            ok: true,
            address,
            response: res,
          });
        },
      ),
      PROPS,
    );
  });

  it('detects every single-byte corruption', () => {
    fc.assert(
      fc.property(requestArb(), fc.nat(), fc.integer({ min: 1, max: 255 }), (req, at, flip) => {
        const frame = encodeRequest(1, req);
        frame[at % frame.length]! ^= flip;
        expect(decodeRequest(frame).ok).toBe(false);
      }),
      PROPS,
    );
  });
});

describe('the frames printed in docs/protocols/rfid-reader.md', () => {
  /** Deliberately broken examples of §5. */
  const BROKEN = new Set(['AABB0701016D69', 'AABB080101596E']);
  it('carry valid CRCs and LEN bytes', () => {
    const doc = readFileSync(
      new URL('../../docs/protocols/rfid-reader.md', import.meta.url),
      'utf8',
    );
    const frames = doc
      .split('\n')
      .filter((l) => /^[→←] AA BB /.test(l))
      .map((l) => {
        const tokens = l.slice(2).trim().split(/\s+/);
        const end = tokens.findIndex((t) => !/^[0-9A-F]{2}$/.test(t));
        const direction = l.startsWith('→') ? ('request' as const) : ('response' as const);
        return { direction, f: tokens.slice(0, end < 0 ? undefined : end).join('') };
      });
    expect(frames.length).toBeGreaterThan(30);
    for (const { direction, f } of frames) {
      const ok = decodeFrame(hex(f), direction).ok;
      expect({ f, ok }).toEqual({ f, ok: !BROKEN.has(f) });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The reader model

const SEED = 7;
function reader(overrides: Record<string, unknown> = {}, seed = SEED): ByteDevice {
  const spec = RfidReaderDevice.parse({
    name: 'reader',
    kind: 'rfid_reader',
    address: 1,
    ...overrides,
  });
  const plan: SerialDevicePlan = { name: 'reader', id: 'reader-1a2b', spec, settings: spec.serial };
  const ctx: ByteDeviceContext = {
    seed,
    faults: new FaultBook(),
    truthOf: () => {
      throw new Error('no other devices');
    },
    modbusUnitOf: () => {
      throw new Error('no Modbus units');
    },
  };
  return createRfidReader(plan, ctx);
}
const schedule = (seed = SEED): VisitSchedule =>
  new VisitSchedule(seed, 'reader-1a2b', { cards: 4, meanIntervalS: 30, holdS: 8 });

/** Sends a request at t; returns the responses the reader sent, decoded. */
function ask(dev: ByteDevice, req: RfidRequest, t: number, address = 1): RfidResponse[] {
  return sent(dev.receive(encodeRequest(address, req), t));
}
function sent(intents: ByteIntent[]): RfidResponse[] {
  return intents.flatMap((i) => {
    if (!('send' in i)) return [];
    const d = decodeResponse(i.send);
    if (!d.ok) throw d.error;
    expect(d.address).toBe(1);
    return [d.response];
  });
}
const status = (dev: ByteDevice, req: RfidRequest, t: number): number =>
  ask(dev, req, t)[0]!.status;

/** Request, anticollision and select at t: the UID read. */
function select(dev: ByteDevice, t: number): Buffer {
  expect(ask(dev, { command: 'request', mode: 'idle' }, t)).toEqual([
    { status: 0, command: 'request', atqa: 4 },
  ]);
  const [anti] = ask(dev, { command: 'anticoll' }, t);
  if (anti?.status !== 0 || anti.command !== 'anticoll') throw new Error('no UID');
  expect(ask(dev, { command: 'select', uid: anti.uid }, t)).toEqual([
    { status: 0, command: 'select', sak: 8 },
  ]);
  return anti.uid;
}

describe('RFID reader model', () => {
  const visits = schedule().visitsInWindow(0);
  const v = visits[0]!;
  const during = v.start + 100;

  it('answers with or without a card per the seeded schedule', () => {
    const dev = reader();
    expect(v.start).toBeGreaterThan(0);
    expect(ask(dev, { command: 'request', mode: 'idle' }, v.start - 1)).toEqual([
      { status: STATUS.noCard, code: 0x10 },
    ]);
    expect(ask(dev, { command: 'request', mode: 'idle' }, during)).toEqual([
      { status: 0, command: 'request', atqa: 4 },
    ]);
    expect(status(dev, { command: 'request', mode: 'idle' }, v.end)).toBe(STATUS.noCard);
    for (let t = 0; t < 600_000; t += 997) {
      const inField = visits.some((x) => x.start <= t && t < x.end);
      expect(dev.truth(t).cardPresent).toBe(inField);
    }
  });

  it('slipAfterAuthMs: after the first authentication the card leaves, and comes back in IDLE', () => {
    const dev = reader({ slipAfterAuthMs: 1500 });
    select(dev, during);
    expect(status(dev, { command: 'auth', keyType: 'A', sector: 1, key: FF6 }, during)).toBe(0);
    // Gone right after the answer: the read finds no card, and so does a Request for 1.5 s.
    expect(status(dev, { command: 'read', block: 4 }, during + 20)).toBe(STATUS.noCard);
    expect(dev.truth(during + 20).cardPresent).toBe(false);
    expect(dev.nextEmission(during + 1)).toBe(during + RESPONSE_DELAY_MS + 1);
    expect(sent(dev.emit(during + RESPONSE_DELAY_MS + 1))).toEqual([]);
    expect(status(dev, { command: 'request', mode: 'idle' }, during + 1000)).toBe(STATUS.noCard);
    // Back in the field, in IDLE: the old session is over (a read is out of sequence).
    const back = during + RESPONSE_DELAY_MS + 1 + 1500;
    expect(dev.truth(back).cardPresent).toBe(true);
    expect(status(dev, { command: 'read', block: 4 }, back)).toBe(STATUS.sequence);
    select(dev, back + 1);
    expect(status(dev, { command: 'auth', keyType: 'A', sector: 1, key: FF6 }, back + 1)).toBe(0);
    // Only once: the second session reads.
    expect(status(dev, { command: 'read', block: 4 }, back + 20)).toBe(0);
  });

  it('reads the UID of the card truth names, after the processing delay', () => {
    const dev = reader();
    const intents = dev.receive(encodeRequest(1, { command: 'info' }), 5);
    expect(intents[0]).toMatchObject({ delayMs: RESPONSE_DELAY_MS });
    expect(select(dev, during).toString('hex').toUpperCase()).toBe(dev.truth(during).uid);
    expect(dev.truth(during).cardIndex).toBe(v.cardIndex);
  });

  it('authenticates, reads the seeded record, writes and reads back', () => {
    const dev = reader();
    const card = seedCards(SEED, 'reader-1a2b', 4)[v.cardIndex]!;
    select(dev, during);
    expect(status(dev, { command: 'read', block: 4 }, during)).toBe(STATUS.notAuthenticated);
    expect(status(dev, { command: 'auth', keyType: 'A', sector: 1, key: FF6 }, during)).toBe(0);
    const [r4] = ask(dev, { command: 'read', block: 4 }, during);
    expect(r4).toEqual({ status: 0, command: 'read', data: card.memory.subarray(64, 80) });
    expect(card.memory.subarray(64, 80).toString('latin1')).toMatch(/^(ID:E|SKU:P)\d{5}/);
    const data = Buffer.from('CHECKED 2026-01\0', 'latin1');
    const intents = dev.receive(encodeRequest(1, { command: 'write', block: 6, data }), during + 1);
    expect(intents).toContainEqual({
      state: {
        write: {
          cardIndex: v.cardIndex,
          uid: dev.truth(during).uid,
          block: 6,
          data: data.toString('hex').toUpperCase(),
        },
      },
    });
    expect(ask(dev, { command: 'read', block: 6 }, during + 2)).toEqual([
      { status: 0, command: 'read', data },
    ]);
    expect(status(dev, { command: 'read', block: 8 }, during + 2)).toBe(STATUS.notAuthenticated);
    expect(dev.truth(during).changedBlocks).toEqual([]);
    expect(dev.truth(during + 1).changedBlocks).toEqual([
      {
        cardIndex: v.cardIndex,
        uid: dev.truth(during).uid,
        block: 6,
        data: data.toString('hex').toUpperCase(),
        t: during + 1,
      },
    ]);
    // The write stays on the card for its next visit.
    const again = visits.find((x) => x.cardIndex === v.cardIndex && x.start > v.start);
    if (again) {
      select(dev, again.start);
      ask(dev, { command: 'auth', keyType: 'B', sector: 1, key: FF6 }, again.start);
      expect(ask(dev, { command: 'read', block: 6 }, again.start)).toEqual([
        { status: 0, command: 'read', data },
      ]);
    }
  });

  it('refuses a wrong key, keeps the sector locked and drops the card to IDLE', () => {
    const dev = reader();
    const card = seedCards(SEED, 'reader-1a2b', 4)[v.cardIndex]!;
    const { sector, keyA, keyB } = card.keyed[0]!;
    select(dev, during);
    expect(status(dev, { command: 'auth', keyType: 'A', sector, key: FF6 }, during)).toBe(
      STATUS.authFailed,
    );
    expect(status(dev, { command: 'read', block: sector * 4 }, during)).toBe(STATUS.sequence);
    expect(status(dev, { command: 'auth', keyType: 'A', sector, key: keyA }, during)).toBe(
      STATUS.sequence,
    );
    select(dev, during);
    expect(status(dev, { command: 'auth', keyType: 'A', sector, key: keyA }, during)).toBe(0);
    const [read] = ask(dev, { command: 'read', block: sector * 4 }, during);
    expect(read).toMatchObject({ status: 0, command: 'read' });
    // Access bits 78 77 88: key A reads but may not write; key B may.
    const data = Buffer.alloc(16, 0x31);
    expect(status(dev, { command: 'write', block: sector * 4 + 1, data }, during)).toBe(
      STATUS.accessDenied,
    );
    expect(status(dev, { command: 'auth', keyType: 'B', sector, key: keyB }, during)).toBe(0);
    expect(status(dev, { command: 'write', block: sector * 4 + 1, data }, during)).toBe(0);
    // Trailer: key A reads as zeros, access bits readable, key B hidden under condition 011.
    const [trailer] = ask(dev, { command: 'read', block: sector * 4 + 3 }, during);
    expect(trailer).toEqual({
      status: 0,
      command: 'read',
      data: hex('000000000000 78778869 000000000000'),
    });
  });

  it('protects block 0 and trailers, and takes a new key written with rights', () => {
    const dev = reader();
    select(dev, during);
    ask(dev, { command: 'auth', keyType: 'A', sector: 0, key: FF6 }, during);
    const [b0] = ask(dev, { command: 'read', block: 0 }, during);
    expect(b0).toMatchObject({ status: 0 });
    if (b0?.status === 0 && b0.command === 'read')
      expect(b0.data.subarray(0, 4).toString('hex').toUpperCase()).toBe(dev.truth(during).uid);
    expect(status(dev, { command: 'write', block: 0, data: Buffer.alloc(16) }, during)).toBe(
      STATUS.accessDenied,
    );
    const newKey = hex('A0A1A2A3A4A5');
    const badBits = Buffer.concat([newKey, hex('FF0781 69'), FF6]);
    expect(status(dev, { command: 'write', block: 3, data: badBits }, during)).toBe(
      STATUS.badParameter,
    );
    const trailer = Buffer.concat([newKey, hex('FF0780 69'), FF6]);
    expect(status(dev, { command: 'write', block: 3, data: trailer }, during)).toBe(0);
    select(dev, during);
    expect(status(dev, { command: 'auth', keyType: 'A', sector: 0, key: FF6 }, during)).toBe(
      STATUS.authFailed,
    );
    select(dev, during);
    expect(status(dev, { command: 'auth', keyType: 'A', sector: 0, key: newKey }, during)).toBe(0);
  });

  it('enforces the command order of §6, halt and WUPA included', () => {
    const dev = reader();
    expect(status(dev, { command: 'anticoll' }, during)).toBe(STATUS.sequence);
    expect(status(dev, { command: 'auth', keyType: 'A', sector: 1, key: FF6 }, during)).toBe(
      STATUS.sequence,
    );
    ask(dev, { command: 'request', mode: 'idle' }, during);
    expect(status(dev, { command: 'select', uid: hex('01020304') }, during)).toBe(STATUS.noCard);
    select(dev, during);
    expect(status(dev, { command: 'halt' }, during)).toBe(0);
    expect(status(dev, { command: 'request', mode: 'idle' }, during)).toBe(STATUS.noCard);
    expect(status(dev, { command: 'request', mode: 'all' }, during)).toBe(0);
    expect(status(dev, { command: 'info' }, during)).toBe(0);
  });

  it('answers bad frames with the documented status, and ignores other addresses', () => {
    const dev = reader();
    const answer = (bytes: string, t = 10): RfidResponse[] => sent(dev.receive(hex(bytes), t));
    expect(answer('AABB 07 01 01 6D69')).toEqual([{ status: STATUS.checksum, code: 1 }]);
    expect(answer('AABB 08 01 01 596E')).toEqual([{ status: STATUS.length, code: 1 }]);
    expect(answer('AABB 05')).toEqual([{ status: STATUS.length, code: 0 }]);
    expect(answer('AABB 07 01 7E 288D')).toEqual([{ status: STATUS.unknownCommand, code: 0x7e }]);
    expect(answer(withCrc('AABB 08 01 14 40'))).toEqual([
      { status: STATUS.badParameter, code: 0x14 },
    ]);
    expect(answer('00 FF 13 37')).toEqual([]);
    expect(ask(dev, { command: 'info' }, 10, 2)).toEqual([]);
    expect(answer('AABB 07 02 01 0000')).toEqual([]); // bad CRC for reader 02: not ours
    expect(ask(dev, { command: 'info' }, 10, 0)).toMatchObject([{ status: 0, command: 'info' }]);
  });

  it('gives up a truncated frame at the timeout, through nextEmission and emit', () => {
    const dev = reader();
    expect(dev.receive(hex('AABB 0F 01 13 60 01'), 1000)).toEqual([]);
    expect(dev.nextEmission(1000)).toBe(1000 + FRAME_TIMEOUT_MS);
    expect(sent(dev.emit(1000 + FRAME_TIMEOUT_MS))).toEqual([
      { status: STATUS.length, code: 0x13 },
    ]);
    expect(dev.nextEmission(1000 + FRAME_TIMEOUT_MS)).toBe(v.start);
  });

  it('announces arrivals and departures, and reports cards when auto-report is on', () => {
    const quiet = reader();
    expect(quiet.nextEmission(0)).toBe(v.start);
    expect(quiet.emit(v.start)).toEqual([
      { state: { cardPresent: true, uid: quiet.truth(v.start).uid, cardIndex: v.cardIndex } },
    ]);
    expect(quiet.nextEmission(v.start)).toBe(v.end);
    expect(quiet.emit(v.end)).toEqual([
      { state: { cardPresent: false, uid: null, cardIndex: null } },
    ]);

    const dev = reader({ autoReport: true });
    const uid = Buffer.from(dev.truth(v.start).uid as string, 'hex');
    expect(sent(dev.emit(v.start))).toEqual([{ status: 0, command: 'cardEvent', atqa: 4, uid }]);
    // The reader already ran Request and Anticollision: Select works at once.
    expect(status(dev, { command: 'select', uid }, v.start + 1)).toBe(0);

    expect(ask(dev, { command: 'autoReport', enabled: false }, v.end)).toEqual([
      { status: 0, command: 'autoReport', enabled: false },
    ]);
    const next = visits[1]!;
    expect(sent(dev.emit(next.start))).toEqual([]);
    expect(dev.truth(v.start).autoReport).toBe(true);
    expect(dev.truth(next.start).autoReport).toBe(false);
  });

  it('is deterministic: the same seed gives the same cards and visits, another seed others', () => {
    const [a, b, c] = [reader(), reader(), reader({}, SEED + 1)];
    expect(a.cardInfo()).toEqual(b.cardInfo());
    expect(a.cardInfo()).not.toEqual(c.cardInfo());
    const times = Array.from({ length: 200 }, (_, i) => i * 3001);
    expect(times.map((t) => a.truth(t))).toEqual(times.map((t) => b.truth(t)));
    expect(schedule(SEED + 1).visitsInWindow(0)).not.toEqual(visits);
    const uids = (a.cardInfo().cards as { uid: string }[]).map((x) => x.uid);
    expect(new Set(uids).size).toBe(4);
    for (const u of uids) expect(u).toMatch(/^[0-9A-F]{8}$/);
  });

  it('lists the cards, keyed sectors and readable records in cardInfo', () => {
    const info = reader().cardInfo();
    expect(info).toMatchObject({
      address: 1,
      model: 'IOTLAB-RC1356',
      firmware: '1.2',
      defaultKey: 'FFFFFFFFFFFF',
    });
    const cards = info.cards as {
      keyedSectors: { sector: number; keyA: string }[];
      blocks: { block: number; text?: string }[];
    }[];
    for (const c of cards) {
      expect(c.keyedSectors.length).toBeGreaterThanOrEqual(1);
      expect(c.keyedSectors.length).toBeLessThanOrEqual(2);
      expect(c.keyedSectors[0]!.keyA).toMatch(/^[0-9A-F]{12}$/);
      expect(c.blocks.find((x) => x.block === 5)?.text).toMatch(/^(NAME|ITEM):/);
      expect(c.blocks.some((x) => x.text?.startsWith('BALANCE:'))).toBe(true);
    }
  });

  it('never throws on random input and sends only well-formed responses (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 30 }),
            requestArb().map((r) => encodeRequest(1, r)),
          ),
          { maxLength: 15 },
        ),
        (chunks) => {
          const dev = reader();
          let t = during;
          for (const c of chunks) sent(dev.receive(Buffer.from(c), (t += 3)));
          sent(dev.emit(t + 1000));
        },
      ),
      { ...PROPS, numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------------------------------------

/** The frame with its CRC appended (low byte first). */
function withCrc(body: string): string {
  return body + crcLe(body);
}
function crcLe(body: string): string {
  const crc = refCrc(hex(body));
  return Buffer.of(crc & 0xff, crc >> 8).toString('hex');
}
function requestArb(): fc.Arbitrary<RfidRequest> {
  const bytes = (n: number): fc.Arbitrary<Buffer> =>
    fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b));
  return fc.oneof(
    fc.constantFrom<RfidRequest>({ command: 'info' }, { command: 'anticoll' }, { command: 'halt' }),
    fc.boolean().map((enabled): RfidRequest => ({ command: 'autoReport', enabled })),
    fc
      .constantFrom<'idle' | 'all'>('idle', 'all')
      .map((mode): RfidRequest => ({ command: 'request', mode })),
    bytes(4).map((uid): RfidRequest => ({ command: 'select', uid })),
    fc
      .record({
        keyType: fc.constantFrom<'A' | 'B'>('A', 'B'),
        sector: fc.integer({ min: 0, max: 15 }),
        key: bytes(6),
      })
      .map((a): RfidRequest => ({ command: 'auth', ...a })),
    fc.integer({ min: 0, max: 63 }).map((block): RfidRequest => ({ command: 'read', block })),
    fc
      .tuple(fc.integer({ min: 0, max: 63 }), bytes(16))
      .map(([block, data]): RfidRequest => ({ command: 'write', block, data })),
  );
}

function responseArb(): fc.Arbitrary<RfidResponse> {
  const bytes = (n: number): fc.Arbitrary<Buffer> =>
    fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b));
  const errors = Object.values(STATUS).filter((s) => s !== 0);
  return fc.oneof(
    fc.record({
      status: fc.constantFrom(...errors),
      code: fc.integer({ min: 0, max: 255 }),
    }) as fc.Arbitrary<RfidResponse>,
    fc
      .record({
        major: fc.integer({ min: 0, max: 255 }),
        minor: fc.integer({ min: 0, max: 255 }),
        serial: fc.integer({ min: 0, max: 0xffffffff }),
        model: fc.stringMatching(/^[ -~]{0,20}$/),
      })
      .map((i): RfidResponse => ({ status: 0, command: 'info', ...i })),
    fc.boolean().map((enabled): RfidResponse => ({ status: 0, command: 'autoReport', enabled })),
    fc
      .integer({ min: 0, max: 0xffff })
      .map((atqa): RfidResponse => ({ status: 0, command: 'request', atqa })),
    bytes(4).map((uid): RfidResponse => ({ status: 0, command: 'anticoll', uid })),
    fc
      .integer({ min: 0, max: 255 })
      .map((sak): RfidResponse => ({ status: 0, command: 'select', sak })),
    fc.constantFrom<RfidResponse>(
      { status: 0, command: 'auth' },
      { status: 0, command: 'write' },
      { status: 0, command: 'halt' },
    ),
    bytes(16).map((data): RfidResponse => ({ status: 0, command: 'read', data })),
    fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), bytes(4))
      .map(([atqa, uid]): RfidResponse => ({ status: 0, command: 'cardEvent', atqa, uid })),
  );
}
