/**
 * IOTLAB-FC200 controller protocol (docs/protocols/controller.md): golden frames both ways with
 * every byte commented, malformed frames with their exact errors and error replies, seeded
 * properties, and the device model against a fake lab (ByteDeviceContext).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  ControllerReport,
  ControllerRequest,
  ControllerResponse,
} from '../../protocols/codecs/controller.js';
import { decodeRequest, encodeRequest } from '../../protocols/codecs/controller.js';
import {
  decodeReply,
  encodeReport,
  encodeResponse,
} from '../../protocols/codecs/controller-reply.js';
import {
  crcOf,
  decodeFrame,
  encodeFrame,
  scanFrames,
} from '../../protocols/codecs/controller-frame.js';
import type { Truth } from '../../devices/field/model.js';
import { createController } from '../../devices/serial/controller/model.js';
import type { ByteDevice, ByteDeviceContext, ByteIntent } from '../../devices/serial/model.js';
import { LabError } from '../../core/errors.js';
import { FaultBook } from '../../core/faults.js';
import type { SerialDevicePlan } from '../../devices/serial/plan.js';
import { ControllerDevice } from '../../devices/serial/controller/scenario.js';

const PROPS = { seed: 42, numRuns: 400 };

describe('CRC-16/MODBUS (MODBUS over Serial Line v1.02 §6.2.2)', () => {
  it('matches the textbook Modbus RTU value, sent low byte first', () => {
    expect(crcOf(hex('01 03 00 00 00 01'))).toBe(0x0a84); // wire: 84 0A
    expect(crcOf(hex('01 01 00'))).toBe(0x9021);
    // prettier-ignore
    expect(encodeFrame({ address: 1, command: 1, payload: Buffer.alloc(0) })).toEqual(hex(
      '5A A5' + // header
      '01' +    // address 1
      '01' +    // command 01 read device info
      '00' +    // payload length 0
      '21 90',  // CRC 0x9021 of 01 01 00, low byte first
    ));
  });
});

/** [name, request frame, request, reply frame, response], address 01. */
// prettier-ignore
const GOLDEN: [string, string, ControllerRequest, string, ControllerResponse][] = [
  ['01 read device info',
    '5A A5 01 01 00' + '21 90', // header, addr 1, cmd 01, len 0, CRC
    { command: 1 },
    '5A A5 01 41 1B' + // header, addr 1, reply 41 = 01|40, len 27
    '00' + '01 02' + '03' + '02' + // status OK, firmware 1.2, 3 sensor channels, 2 actuators
    '0C' + '49 4F 54 4C 41 42 2D 46 43 32 30 30' + // model length 12, "IOTLAB-FC200"
    '08' + '63 74 6C 2D 31 61 32 62' + // serial length 8, "ctl-1a2b"
    '25 29', // CRC
    { command: 1, info: { model: 'IOTLAB-FC200', serial: 'ctl-1a2b', firmwareMajor: 1, firmwareMinor: 2, sensorChannels: 3, actuatorChannels: 2 } }],
  ['02 read sensor channels',
    '5A A5 01 02 02' + '00 03' + 'F9 B9', // len 2: start 0, count 3; CRC
    { command: 2, start: 0, count: 3 },
    '5A A5 01 42 12' + '00 00 03' + // len 18: status OK, start 0, count 3
    '00 00 00 09 29' + // ch 0: OK, 2345 → 23.45
    '00 00 00 17 E8' + // ch 1: OK, 6120 → 61.20
    '00 00 00 00 01' + // ch 2: OK, 1 (switch active)
    'A9 C4',
    { command: 2, start: 0, readings: [{ status: 0, raw: 2345 }, { status: 0, raw: 6120 }, { status: 0, raw: 1 }] }],
  ['02 negative value and offline channel',
    '5A A5 01 02 02' + '00 02' + '38 79', // start 0, count 2
    { command: 2, start: 0, count: 2 },
    '5A A5 01 42 0D' + '00 00 02' + // status OK, start 0, count 2
    '00 FF FF FD DA' + // ch 0: OK, -550 (two's complement) → -5.50
    '01 00 00 00 00' + // ch 1: 01 offline, value 0 ignored
    'B2 E1',
    { command: 2, start: 0, readings: [{ status: 0, raw: -550 }, { status: 1, raw: 0 }] }],
  ['03 read actuator states',
    '5A A5 01 03 02' + '00 02' + '39 85', // start 0, count 2
    { command: 3, start: 0, count: 2 },
    '5A A5 01 43 07' + '00 00 02' + // status OK, start 0, count 2
    '00 01' + '00 00' + // ch 0: OK on; ch 1: OK off
    '6D 17',
    { command: 3, start: 0, states: [{ status: 0, on: true }, { status: 0, on: false }] }],
  ['04 write one actuator',
    '5A A5 01 04 02' + '01 01' + '79 60', // channel 1, 01 on
    { command: 4, channel: 1, on: true },
    '5A A5 01 44 03' + '00 01 01' + '31 D1', // status OK, channel 1, new state on
    { command: 4, channel: 1, on: true }],
  ['05 write several actuators',
    '5A A5 01 05 03' + '00 02 01' + '0D 2E', // start 0, count 2, mask 0000 0001 (ch 0 on, ch 1 off)
    { command: 5, start: 0, values: [true, false] },
    '5A A5 01 45 04' + '00 00 02 01' + '34 35', // status OK, start 0, count 2, new mask
    { command: 5, start: 0, values: [true, false] }],
  ['06 write config register',
    '5A A5 01 06 04' + '01 02 00 0A' + 'DA 5D', // op 01 write, register 02, value 10 (BE)
    { command: 6, op: 'write', register: 2, value: 10 },
    '5A A5 01 46 05' + '00 01 02 00 0A' + '86 6D', // status OK, op, register, value now 10
    { command: 6, op: 'write', register: 2, value: 10 }],
  ['06 read config register',
    '5A A5 01 06 02' + '00 00' + 'B8 88', // op 00 read, register 00 (address)
    { command: 6, op: 'read', register: 0 },
    '5A A5 01 46 05' + '00 00 00 00 01' + '67 96', // status OK, op 00, register 00, value 1
    { command: 6, op: 'read', register: 0, value: 1 }],
];

describe('golden frames', () => {
  it.each(GOLDEN)('%s', (_name, reqHex, request, resHex, response) => {
    expect(encodeRequest(1, request)).toEqual(hex(reqHex));
    const req = decodeFrame(hex(reqHex));
    expect(req.ok && decodeRequest(req.frame)).toEqual({ ok: true, request });
    expect(encodeResponse(1, response)).toEqual(hex(resHex));
    const res = decodeFrame(hex(resHex));
    expect(res.ok && decodeReply(res.frame)).toEqual({
      ok: true,
      reply: { kind: 'response', address: 1, response },
    });
  });

  it('80 report: reason, start, count, records', () => {
    const report: ControllerReport = { reason: 1, start: 2, readings: [{ status: 0, raw: 1 }] };
    // prettier-ignore
    const bytes = hex(
      '5A A5 01 80 08' + // header, address 1, command 80 report, len 8
      '01 02 01' +       // reason 01 switch change, channel 2, count 1
      '00 00 00 00 01' + // OK, 1 = active
      '40 2D',           // CRC
    );
    expect(encodeReport(1, report)).toEqual(bytes);
    const f = decodeFrame(bytes);
    expect(f.ok && decodeReply(f.frame)).toEqual({
      ok: true,
      reply: { kind: 'report', address: 1, report },
    });
  });

  it('error replies: command | 0x40 and the status alone', () => {
    const f = decodeFrame(hex('5A A5 01 42 01 04 A1 9F')); // reply 42, len 1, status 04
    expect(f.ok && decodeReply(f.frame)).toEqual({
      ok: true,
      reply: { kind: 'error', address: 1, command: 2, status: 4 },
    });
  });

  it('refuses to encode what the protocol forbids', () => {
    const bad: (() => Buffer)[] = [
      () => encodeRequest(1, { command: 2, start: 0, count: 51 }),
      () => encodeRequest(256, { command: 1 }),
      () => encodeRequest(1, { command: 6, op: 'write', register: 2, value: 65536 }),
      () => encodeRequest(1, { command: 5, start: 0, values: [] }),
      () => encodeResponse(1, { command: 2, start: 0, readings: [{ status: 0, raw: 2 ** 31 }] }),
      () => encodeFrame({ address: 1, command: 1, payload: Buffer.alloc(256) }),
    ];
    for (const fn of bad) expect(fn).toThrow(LabError);
  });
});

// prettier-ignore
const BAD_FRAMES: [string, string, string][] = [
  ['empty', '', 'a frame is at least 7 bytes, got 0'],
  ['short', '5A A5 01 01', 'a frame is at least 7 bytes, got 4'],
  ['header reversed', 'A5 5A 01 01 00 21 90', 'a frame starts with 5A A5, got A5 5A'],
  ['length says more', '5A A5 01 01 01 21 90', 'length byte 1 means a 8-byte frame, got 7 (truncated)'],
  ['trailing byte', '5A A5 01 01 00 21 90 00', 'length byte 0 means a 7-byte frame, got 8 (trailing bytes)'],
  ['CRC high byte first', '5A A5 01 01 00 90 21', 'CRC mismatch: frame carries 0x2190, computed 0x9021 (sent low byte first)'],
];

describe('malformed frames', () => {
  it.each(BAD_FRAMES)('%s', (_name, bytes, message) => {
    const r = decodeFrame(hex(bytes));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toBeInstanceOf(LabError);
      expect(r.error.codeName).toBe('PROTOCOL_MALFORMED');
      expect(r.error.message).toBe(`controller frame: ${message}`);
    }
  });

  // [name, address, command, payload, error reply the device sends ('' = silence)]
  // Fake lab: sensor channels 0–3, actuators 0 fan, 1 pump (offline).
  // prettier-ignore
  const TABLE: [string, number, number, string, string][] = [
    ['another address', 0x02, 0x01, '', ''],
    ['address 00', 0x00, 0x01, '', ''],
    ['unknown command 07', 1, 0x07, '', '5A A5 01 47 01 02 31 9C'],
    ['command 80 from the host', 1, 0x80, '', '5A A5 01 C0 01 02 81 B5'],
    ['01 with a payload', 1, 0x01, '00', '5A A5 01 41 01 03 10 5D'],
    ['02 one byte', 1, 0x02, '00', '5A A5 01 42 01 03 E0 5D'],
    ['02 count 0', 1, 0x02, '00 00', '5A A5 01 42 01 04 A1 9F'],
    ['02 count 51', 1, 0x02, '00 33', '5A A5 01 42 01 04 A1 9F'],
    ['02 past the last channel', 1, 0x02, '03 02', '5A A5 01 42 01 04 A1 9F'],
    ['03 three bytes', 1, 0x03, '00 01 00', '5A A5 01 43 01 03 B1 9D'],
    ['03 past the last actuator', 1, 0x03, '01 02', '5A A5 01 43 01 04 F0 5F'],
    ['04 state 02', 1, 0x04, '00 02', '5A A5 01 44 01 05 80 5E'],
    ['04 no such channel', 1, 0x04, '02 01', '5A A5 01 44 01 04 41 9E'],
    ['04 offline actuator', 1, 0x04, '01 01', '5A A5 01 44 01 06 C0 5F'],
    ['05 count 0', 1, 0x05, '00 00', '5A A5 01 45 01 04 10 5E'],
    ['05 mask missing', 1, 0x05, '00 02', '5A A5 01 45 01 03 51 9C'],
    ['05 9 channels, 1 mask byte', 1, 0x05, '00 09 FF', '5A A5 01 45 01 03 51 9C'],
    ['05 a faulty actuator in the range', 1, 0x05, '00 02 03', '5A A5 01 45 01 06 91 9F'],
    ['06 empty', 1, 0x06, '', '5A A5 01 46 01 03 A1 9C'],
    ['06 op 02', 1, 0x06, '02 00', '5A A5 01 46 01 05 21 9E'],
    ['06 read with a value', 1, 0x06, '00 01 00', '5A A5 01 46 01 03 A1 9C'],
    ['06 no register 09', 1, 0x06, '00 09', '5A A5 01 46 01 04 E0 5E'],
    ['06 write read-only address', 1, 0x06, '01 00 00 05', '5A A5 01 46 01 05 21 9E'],
    ['06 event reports = 2', 1, 0x06, '01 01 00 02', '5A A5 01 46 01 05 21 9E'],
    ['06 interval 3601 s', 1, 0x06, '01 02 0E 11', '5A A5 01 46 01 05 21 9E'],
  ];
  it.each(TABLE)('device answers %s', (_name, address, command, payload, reply) => {
    const lab = fakeLab({ offline: ['pump'] });
    const intents = lab.device.receive(frame(address, command, payload), 1000);
    expect(intents.filter((i) => 'command' in i)).toEqual([]);
    const sent = intents.flatMap((i) => ('send' in i ? [i.send] : []));
    expect(sent).toEqual(reply === '' ? [] : [hex(reply)]);
  });

  it('answers a bad CRC for its address or broadcast, and nothing else', () => {
    const lab = fakeLab();
    const swap = (b: Buffer): Buffer =>
      Buffer.concat([b.subarray(0, -2), b.subarray(-2).reverse()]);
    const sends = (b: Buffer): Buffer[] =>
      lab.device.receive(b, 0).flatMap((i) => ('send' in i ? [i.send] : []));
    expect(sends(swap(frame(1, 1, '')))).toEqual([hex('5A A5 01 41 01 01 91 9C')]);
    expect(sends(swap(frame(0xff, 2, '00 01')))[0]?.subarray(0, 6)).toEqual(
      hex('5A A5 01 42 01 01'), // from our own address: reply 42, status 01
    );
    expect(sends(swap(frame(2, 1, '')))).toEqual([]);
    expect(sends(hex('00 11 22 33 FF'))).toEqual([]); // garbage
  });

  it('decodeRequest explains why', () => {
    const r = decodeRequest({ address: 1, command: 2, payload: hex('00') });
    expect(r).toEqual({
      ok: false,
      command: 2,
      status: 3,
      reason: 'command 02 needs a 2-byte payload, got 1 (too short)',
    });
  });
});

describe('stream framing', () => {
  const good = frame(1, 2, '00 03');

  it('keeps a partial frame and a trailing 5A for the next chunk', () => {
    expect(scanFrames(good.subarray(0, 6))).toEqual({ items: [], rest: good.subarray(0, 6) });
    const r = scanFrames(hex('00 01 5A'));
    expect(r.rest).toEqual(hex('5A'));
    expect(r.items).toMatchObject([{ ok: false, reason: 'garbage', raw: hex('00 01') }]);
  });

  it('resynchronises on a valid frame inside a false header', () => {
    // "5A A5 01 02 09" claims 9 payload bytes; the real frame starts inside that span.
    const stream = Buffer.concat([hex('5A A5 01 02 09'), good]);
    const r = scanFrames(stream);
    expect(r.items.map((i) => (i.ok ? 'frame' : i.reason))).toEqual(['garbage', 'frame']);
    expect(r.items[1]!.raw).toEqual(good);
    expect(r.rest.length).toBe(0);
  });

  it('reports a complete frame with a bad CRC once, then goes on', () => {
    const bad = Buffer.from(good);
    bad[6] = 0x04; // count 3 → 4, CRC left as it was
    const r = scanFrames(Buffer.concat([bad, good]));
    expect(r.items.map((i) => (i.ok ? 'frame' : i.reason))).toEqual(['bad-crc', 'frame']);
    expect(r.items[0]).toMatchObject({ address: 1, command: 2, raw: bad });
  });
});

describe('properties (seeded)', () => {
  const byte = fc.integer({ min: 0, max: 255 });
  const request: fc.Arbitrary<ControllerRequest> = fc.oneof(
    fc.constant({ command: 1 as const }),
    fc.record({
      command: fc.constant(2 as const),
      start: byte,
      count: fc.integer({ min: 1, max: 50 }),
    }),
    fc.record({
      command: fc.constant(3 as const),
      start: byte,
      count: fc.integer({ min: 1, max: 64 }),
    }),
    fc.record({ command: fc.constant(4 as const), channel: byte, on: fc.boolean() }),
    fc.record({
      command: fc.constant(5 as const),
      start: byte,
      values: fc.array(fc.boolean(), { minLength: 1, maxLength: 64 }),
    }),
    fc.record({
      command: fc.constant(6 as const),
      op: fc.constant('read' as const),
      register: byte,
    }),
    fc.record({
      command: fc.constant(6 as const),
      op: fc.constant('write' as const),
      register: byte,
      value: fc.integer({ min: 0, max: 0xffff }),
    }),
  );
  const reading = fc.record({
    status: byte,
    raw: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  });
  const ascii = fc.stringMatching(/^[ -~]{0,32}$/);
  const response: fc.Arbitrary<ControllerResponse> = fc.oneof(
    fc.record({
      command: fc.constant(1 as const),
      info: fc.record({
        model: ascii,
        serial: ascii,
        firmwareMajor: byte,
        firmwareMinor: byte,
        sensorChannels: byte,
        actuatorChannels: byte,
      }),
    }),
    fc.record({
      command: fc.constant(2 as const),
      start: byte,
      readings: fc.array(reading, { minLength: 1, maxLength: 50 }),
    }),
    fc.record({
      command: fc.constant(3 as const),
      start: byte,
      states: fc.array(fc.record({ status: byte, on: fc.boolean() }), {
        minLength: 1,
        maxLength: 64,
      }),
    }),
    fc.record({ command: fc.constant(4 as const), channel: byte, on: fc.boolean() }),
    fc.record({
      command: fc.constant(5 as const),
      start: byte,
      values: fc.array(fc.boolean(), { minLength: 1, maxLength: 64 }),
    }),
    fc.record({
      command: fc.constant(6 as const),
      op: fc.constantFrom('read' as const, 'write' as const),
      register: byte,
      value: fc.integer({ min: 0, max: 0xffff }),
    }),
  );
  const randomFrame = fc.record({
    address: byte,
    command: byte,
    payload: fc.uint8Array({ maxLength: 255 }),
  });

  it('random bytes give frames or typed errors, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const { items, rest } = scanFrames(Buffer.from(bytes));
        expect(items.reduce((n, i) => n + i.raw.length, 0) + rest.length).toBe(bytes.length);
        for (const i of items) {
          if (i.ok) expect(encodeFrame(i.frame)).toEqual(i.raw);
          else expect(i.error).toBeInstanceOf(LabError);
        }
        const one = decodeFrame(bytes);
        if (!one.ok) expect(one.error).toBeInstanceOf(LabError);
      }),
      PROPS,
    );
  });

  it('random payloads decode to a request or a status, and replies to a reply or a LabError', () => {
    fc.assert(
      fc.property(randomFrame, (f) => {
        const frame = { ...f, payload: Buffer.from(f.payload) };
        const r = decodeRequest(frame);
        if (r.ok && r.request.command !== 5)
          expect(encodeRequest(f.address, r.request)).toEqual(encodeFrame(frame));
        if (!r.ok) expect([2, 3, 4, 5]).toContain(r.status);
        const reply = decodeReply(frame);
        if (!reply.ok) expect(reply.error).toBeInstanceOf(LabError);
      }),
      PROPS,
    );
  });

  it('random bytes through the device give only well-formed replies from its address', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const lab = fakeLab();
        for (const chunk of chunks) {
          for (const intent of lab.device.receive(Buffer.from(chunk), 0)) {
            if (!('send' in intent)) continue;
            const f = decodeFrame(intent.send);
            expect(f.ok && f.frame.address).toBe(1);
            expect(f.ok && decodeReply(f.frame).ok).toBe(true);
          }
        }
      }),
      PROPS,
    );
  });

  it('decode(encode(x)) = x for requests, responses and reports', () => {
    fc.assert(
      fc.property(byte, request, response, (address, req, res) => {
        const rf = decodeFrame(encodeRequest(address, req));
        expect(rf.ok && decodeRequest(rf.frame)).toEqual({ ok: true, request: req });
        const sf = decodeFrame(encodeResponse(address, res));
        expect(sf.ok && decodeReply(sf.frame)).toEqual({
          ok: true,
          reply: { kind: 'response', address, response: res },
        });
      }),
      PROPS,
    );
    fc.assert(
      fc.property(
        byte,
        byte,
        fc.array(reading, { minLength: 1, maxLength: 50 }),
        (reason, start, readings) => {
          const report = { reason, start, readings };
          const f = decodeFrame(encodeReport(1, report));
          expect(f.ok && decodeReply(f.frame)).toEqual({
            ok: true,
            reply: { kind: 'report', address: 1, report },
          });
        },
      ),
      PROPS,
    );
  });

  it('every single-byte corruption is detected', () => {
    fc.assert(
      fc.property(
        byte,
        request,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (address, req, at, flip) => {
          const bytes = encodeRequest(address, req);
          const i = at % bytes.length;
          bytes[i] = bytes[i]! ^ flip;
          expect(decodeFrame(bytes).ok).toBe(false);
        },
      ),
      PROPS,
    );
  });

  it('finds a frame after garbage and across any chunking', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.array(request, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat()),
        (garbage, reqs, cuts) => {
          const frames = reqs.map((r) => encodeRequest(1, r));
          const stream = Buffer.concat([Buffer.from(garbage), ...frames]);
          const points = [...new Set(cuts.map((c) => c % stream.length))].sort((a, b) => a - b);
          let pending: Buffer = Buffer.alloc(0);
          const got: Buffer[] = [];
          let from = 0;
          for (const to of [...points, stream.length]) {
            const r = scanFrames(Buffer.concat([pending, stream.subarray(from, to)]));
            got.push(...r.items.flatMap((i) => (i.ok ? [i.raw] : [])));
            pending = r.rest;
            from = to;
          }
          expect(pending.length).toBe(0);
          expect(got.slice(-frames.length)).toEqual(frames);
        },
      ),
      PROPS,
    );
  });
});

describe('controller model (fake lab)', () => {
  it('lists its channel map on the lab card', () => {
    const info = fakeLab().device.cardInfo();
    expect(info).toMatchObject({
      address: 1,
      broadcast: 0xff,
      doc: 'docs/protocols/controller.md',
    });
    expect(info.sensorChannels).toEqual([
      {
        channel: 0,
        device: 'air_th',
        quantity: 'temperature',
        unit: '°C',
        scale: 0.01,
        type: 'measure',
      },
      {
        channel: 1,
        device: 'air_th',
        quantity: 'humidity',
        unit: '%RH',
        scale: 0.01,
        type: 'measure',
      },
      { channel: 2, device: 'door', quantity: 'open', unit: '', scale: 1, type: 'switch' },
      {
        channel: 3,
        device: 'outdoor',
        quantity: 'temperature',
        unit: '°C',
        scale: 0.01,
        type: 'measure',
      },
    ]);
    expect(info.actuatorChannels).toEqual([
      { channel: 0, device: 'fan' },
      { channel: 1, device: 'pump' },
    ]);
  });

  it('reads channels equal to truth', () => {
    const { device } = fakeLab();
    for (const t of [1000, 6000]) {
      const reply = only(device.receive(frame(1, 2, '00 04'), t));
      expect(reply.kind === 'response' && reply.response).toEqual({
        command: 2,
        start: 0,
        readings: [
          { status: 0, raw: 2345 },
          { status: 0, raw: 6120 },
          { status: 0, raw: t === 6000 ? 1 : 0 }, // the door is open from 5 s to 8 s
          { status: 0, raw: -550 },
        ],
      });
      const truth = device.truth(t) as { sensors: { raw: number; value: unknown }[] };
      expect(truth.sensors.map((c) => c.raw)).toEqual([2345, 6120, t === 6000 ? 1 : 0, -550]);
      expect(truth.sensors.map((c) => c.value)).toEqual([23.45, 61.2, t === 6000, -5.5]);
    }
  });

  it('reports an offline sensor per channel', () => {
    const { device } = fakeLab({ offline: ['air_th'] });
    const reply = only(device.receive(frame(1, 2, '00 02'), 0));
    expect(reply.kind === 'response' && reply.response).toMatchObject({
      readings: [
        { status: 1, raw: 0 },
        { status: 1, raw: 0 },
      ],
    });
    const truth = device.truth(0) as { sensors: { status: string; value: unknown }[] };
    expect(truth.sensors[0]).toMatchObject({ status: 'offline', value: null });
  });

  it('writes an actuator with a command intent, then answers the new state', () => {
    const lab = fakeLab();
    const intents = lab.run(lab.device.receive(frame(1, 4, '01 01'), 0));
    expect(intents).toEqual([
      { command: { device: 'pump', cmd: { on: true } } },
      { send: hex('5A A5 01 44 03 00 01 01 31 D1'), delayMs: 10 },
    ]);
    const read = only(lab.device.receive(frame(1, 3, '00 02'), 10));
    expect(read.kind === 'response' && read.response).toMatchObject({
      states: [
        { status: 0, on: true },
        { status: 0, on: true },
      ],
    });
  });

  it('writes several actuators at once', () => {
    const lab = fakeLab();
    const intents = lab.run(lab.device.receive(frame(1, 5, '00 02 02'), 0)); // fan off, pump on
    expect(intents.slice(0, 2)).toEqual([
      { command: { device: 'fan', cmd: { on: false } } },
      { command: { device: 'pump', cmd: { on: true } } },
    ]);
    expect([...lab.actuators]).toEqual([
      ['fan', false],
      ['pump', true],
    ]);
  });

  it('is silent to other addresses and answers broadcast from its own', () => {
    const { device } = fakeLab({ address: 7 });
    expect(device.receive(frame(1, 1, ''), 0)).toEqual([]);
    const reply = only(device.receive(frame(0xff, 6, '00 00'), 0));
    expect(reply).toMatchObject({ address: 7, response: { register: 0, value: 7 } });
  });

  it('assembles frames from single bytes, splits back-to-back frames, drops stalled ones', () => {
    const { device } = fakeLab();
    const req = frame(1, 1, '');
    const byByte = [...req].map((b, i) => device.receive(Buffer.of(b), i * 10));
    expect(byByte.slice(0, -1).flat()).toEqual([]);
    expect(byByte.at(-1)).toHaveLength(1);
    expect(device.receive(Buffer.concat([req, frame(1, 2, '00 01')]), 100)).toHaveLength(2);
    expect(device.receive(req.subarray(0, 4), 1000)).toEqual([]);
    expect(device.receive(req.subarray(4), 1501)).toEqual([]); // 501 ms gap: dropped
    expect(device.receive(req, 1600)).toHaveLength(1);
  });

  it('sends switch-change reports once enabled, and records its config', () => {
    const lab = fakeLab();
    expect(reports(lab.device, 0, 10_000)).toEqual([]);
    const intents = lab.device.receive(frame(1, 6, '01 01 00 01'), 1000);
    expect(intents[0]).toEqual({ state: { eventReports: true, reportIntervalS: 0 } });
    const sent = reports(lab.device, 1000, 10_000);
    expect(sent).toEqual([
      { t: 5000, bytes: hex('5A A5 01 80 08 01 02 01 00 00 00 00 01 40 2D') }, // ch 2 = 1
      {
        t: 8000,
        bytes: encodeReport(1, { reason: 1, start: 2, readings: [{ status: 0, raw: 0 }] }),
      },
    ]);
    expect((lab.device.truth(500) as { config: unknown }).config).toEqual({
      eventReports: false,
      reportIntervalS: 0,
    });
    expect((lab.device.truth(1000) as { config: unknown }).config).toMatchObject({
      eventReports: true,
    });
  });

  it('sends periodic reports of every channel', () => {
    const lab = fakeLab();
    lab.device.receive(frame(1, 6, '01 02 00 02'), 1000); // every 2 s
    const sent = reports(lab.device, 1000, 7000);
    expect(sent.map((r) => r.t)).toEqual([3000, 5000, 7000]);
    // prettier-ignore
    expect(sent[0]!.bytes).toEqual(hex(
      '5A A5 01 80 17' + '02 00 04' + // report, len 23: reason 02 periodic, start 0, count 4
      '00 00 00 09 29' + '00 00 00 17 E8' + '00 00 00 00 00' + '00 FF FF FD DA' + '33 D5',
    ));
    lab.device.receive(frame(1, 6, '01 02 00 00'), 7500); // off
    expect(reports(lab.device, 7500, 20_000)).toEqual([]);
  });

  it('ticks once a second when idle, and never without sensors', () => {
    expect(fakeLab().device.nextEmission(1234)).toBe(2000);
    expect(fakeLab({ sensors: [] }).device.nextEmission(0)).toBeUndefined();
  });
});

/** One fake lab: sensors air_th (2 channels), door (open 5–8 s), outdoor; actuators fan, pump. */
function fakeLab(opts: { offline?: string[]; address?: number; sensors?: string[] } = {}) {
  const offline = new Set(opts.offline ?? []);
  const actuators = new Map([
    ['fan', true],
    ['pump', false],
  ]);
  const sensors: Record<string, (t: number) => Pick<Truth, 'values' | 'units'>> = {
    air_th: () => ({
      values: { temperature: 23.45, humidity: 61.2 },
      units: { temperature: '°C', humidity: '%RH' },
    }),
    door: (t) => ({ values: { open: t >= 5000 && t < 8000 }, units: { open: '' } }),
    outdoor: () => ({ values: { temperature: -5.5 }, units: { temperature: '°C' } }),
  };
  const truthOf = (name: string, t: number): Truth => {
    const on = actuators.get(name);
    const base =
      sensors[name]?.(t) ?? (on === undefined ? undefined : { values: { on }, units: { on: '' } });
    if (!base) throw new LabError('DEVICE_UNKNOWN', `no device "${name}"`);
    const off = offline.has(name);
    return { ...base, physical: base.values, online: !off, faults: off ? ['offline'] : [] };
  };
  const ctx: ByteDeviceContext = {
    seed: 1,
    faults: new FaultBook(),
    truthOf,
    modbusUnitOf: () => {
      throw new Error('a controller never asks for a Modbus unit');
    },
  };
  const spec = ControllerDevice.parse({
    name: 'ctl',
    kind: 'controller',
    address: opts.address ?? 1,
    sensors: opts.sensors ?? ['air_th', 'door', 'outdoor'],
    actuators: ['fan', 'pump'],
  });
  const plan: SerialDevicePlan = { name: 'ctl', id: 'ctl-1a2b', spec, settings: spec.serial };
  const device = createController(plan, ctx);
  /** What the runtime does with command intents. */
  const run = (intents: ByteIntent[]): ByteIntent[] => {
    for (const i of intents) if ('command' in i) actuators.set(i.command.device, i.command.cmd.on);
    return intents;
  };
  return { device, actuators, run };
}

/** The single reply among the intents, decoded. */
function only(intents: ByteIntent[]) {
  const sent = intents.flatMap((i) => ('send' in i ? [i.send] : []));
  expect(sent).toHaveLength(1);
  const f = decodeFrame(sent[0]!);
  if (!f.ok) throw f.error;
  const r = decodeReply(f.frame);
  if (!r.ok) throw r.error;
  return r.reply;
}

/** Drives emissions the way the runtime does: emit at each nextEmission up to `to`. */
function reports(device: ByteDevice, from: number, to: number): { t: number; bytes: Buffer }[] {
  const out: { t: number; bytes: Buffer }[] = [];
  for (let t = from, next = device.nextEmission(t); next !== undefined && next <= to;) {
    for (const i of device.emit(next)) if ('send' in i) out.push({ t: next, bytes: i.send });
    t = next;
    next = device.nextEmission(t);
  }
  return out;
}

function frame(address: number, command: number, payload: string): Buffer {
  return encodeFrame({ address, command, payload: hex(payload) });
}

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}
