/**
 * Modbus RTU: the codec (golden frames both ways, CRCs checked against CRC-16/MODBUS, malformed
 * frames with their exact errors), the stream splitter (silence and length), and the RTU line
 * device against two Map-backed units — plus seeded properties over random streams and chunking.
 *
 * Every CRC below is CRC-16/MODBUS of the bytes before it, written on the wire low byte first
 * (Serial Line v1.02 §2.5.1.2); the test `rtuCrc(body) === crc` checks each one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createModbusRtu } from '../../devices/serial/modbus-rtu/model.js';
import type { ByteDevice, ByteDeviceContext, ByteIntent } from '../../devices/serial/model.js';
import type { Truth } from '../../devices/field/model.js';
import { encodeRequest } from '../../protocols/codecs/modbus.js';
import type { ModbusRequest } from '../../protocols/codecs/modbus.js';
import {
  RtuSplitter,
  decodeRtu,
  encodeRtu,
  rtuCharMs,
  rtuCrc,
  rtuRequestLength,
  rtuSilenceMs,
} from '../../protocols/codecs/modbus-rtu.js';
import type { ModbusUnit } from '../../protocols/modbus/types.js';
import { LabError } from '../../core/errors.js';
import { FaultBook } from '../../core/faults.js';
import type { SerialDevicePlan } from '../../devices/serial/plan.js';
import { ModbusRtuDevice } from '../../devices/serial/modbus-rtu/scenario.js';

const PROPS = { seed: 42, numRuns: 300 };
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const LINE = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;
const CHAR = rtuCharMs(LINE); // 10 bits / 9600 baud ≈ 1.042 ms
const T35 = rtuSilenceMs(LINE); // ≈ 3.646 ms

/** [name, unit, PDU, whole frame, CRC of address + PDU] */
// prettier-ignore
const GOLDEN: [string, number, string, string, number][] = [
  ['FC3 request: unit 1, 1 holding register at 0', 1,
    '03 0000 0001', // fc, address 0, quantity 1
    '01 03 0000 0001 840A', 0x0a84], // CRC 0x0A84 → 84 0A
  ['FC3 response: 1 register = 42', 1,
    '03 02 002A', // fc, byte count 2, 0x002A
    '01 03 02 002A 399B', 0x9b39], // CRC 0x9B39 → 39 9B
  ['FC16 request: unit 2, 2 registers at 1 = 10, 258', 2,
    '10 0001 0002 04 000A 0102', // fc, address 1, quantity 2, 4 bytes, 10, 258
    '02 10 0001 0002 04 000A 0102 9D74', 0x749d], // CRC 0x749D → 9D 74
  ['FC16 response: 2 registers written at 1', 2,
    '10 0001 0002', // fc, address, quantity
    '02 10 0001 0002 103B', 0x3b10], // CRC 0x3B10 → 10 3B
  ['exception response: FC3 illegal data address', 1,
    '83 02', // fc | 0x80, exception 02
    '01 83 02 C0F1', 0xf1c0], // CRC 0xF1C0 → C0 F1
  ['FC5 request: unit 1, coil 172 ON', 1,
    '05 00AC FF00', // fc, address 172, 0xFF00 = ON
    '01 05 00AC FF00 4C1B', 0x1b4c], // CRC 0x1B4C → 4C 1B
  ['broadcast FC5: every unit, coil 0 ON', 0,
    '05 0000 FF00', // fc, address 0, ON
    '00 05 0000 FF00 8DEB', 0xeb8d], // CRC 0xEB8D → 8D EB
];

describe('RTU frame (Serial Line §2.5.1)', () => {
  it.each(GOLDEN)('%s', (_name, unit, pdu, frame, crc) => {
    expect(rtuCrc(hex(frame).subarray(0, -2))).toBe(crc);
    expect(encodeRtu(unit, hex(pdu))).toEqual(hex(frame));
    expect(decodeRtu(hex(frame))).toEqual({ ok: true, unit, pdu: hex(pdu), raw: hex(frame) });
  });

  // prettier-ignore
  const MALFORMED: [string, string, string, RegExp][] = [
    ['empty', '', 'short', /0 bytes: at least 4/],
    ['address and fc only', '01 03', 'short', /2 bytes/],
    ['3 bytes', '01 03 84', 'short', /3 bytes/],
    ['CRC bytes swapped (high byte first)', '01 03 0000 0001 0A84', 'crc',
      /CRC is 0x840A, expected 0x0A84/],
    ['one data bit flipped', '01 03 0000 0003 840A', 'crc', /expected 0xCB05/],
    ['257 bytes', '01 10' + '00'.repeat(255), 'long', /257 bytes: at most 256/],
  ];
  it.each(MALFORMED)('rejects %s', (_name, bytes, kind, message) => {
    const result = decodeRtu(hex(bytes));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.kind).toBe(kind);
    expect(result.error).toBeInstanceOf(LabError);
    expect(result.error.codeName).toBe('PROTOCOL_MALFORMED');
    expect(result.error.message).toMatch(message);
  });

  it('refuses to encode what the spec forbids', () => {
    expect(() => encodeRtu(256, hex('03 0000 0001'))).toThrow(LabError);
    expect(() => encodeRtu(1, Buffer.alloc(0))).toThrow(LabError);
    expect(() => encodeRtu(1, Buffer.alloc(254, 3))).toThrow(LabError);
  });

  it('infers request lengths from the function code (Application Protocol §6)', () => {
    expect(rtuRequestLength(hex('01'))).toBe('more');
    for (const f of [1, 2, 3, 4, 5, 6]) expect(rtuRequestLength(Buffer.of(1, f))).toBe(8);
    expect(rtuRequestLength(hex('01 10 0001 0002'))).toBe('more'); // byte count not yet in
    expect(rtuRequestLength(hex('01 10 0001 0002 04'))).toBe(13); // 9 + 4
    expect(rtuRequestLength(hex('01 0F 0013 000A 02'))).toBe(11); // 9 + 2
    expect(rtuRequestLength(hex('01 10 0000 007B FF'))).toBe('unknown'); // 264 > 256
    expect(rtuRequestLength(hex('01 2B 0E'))).toBe('unknown'); // FC43
  });

  it('times characters and the 3.5-character silence (§2.5.1.1)', () => {
    expect(CHAR).toBeCloseTo(10 / 9.6, 9); // 1 start + 8 data + 1 stop
    expect(rtuCharMs({ ...LINE, parity: 'even' })).toBeCloseTo(11 / 9.6, 9);
    expect(rtuCharMs({ ...LINE, dataBits: 7, stopBits: 2 })).toBeCloseTo(10 / 9.6, 9);
    expect(T35).toBeCloseTo(35 / 9.6, 9);
    expect(rtuSilenceMs({ ...LINE, baudRate: 19200 })).toBeCloseTo(35 / 19.2, 9);
    expect(rtuSilenceMs({ ...LINE, baudRate: 38400 })).toBe(1.75); // fixed above 19200
  });
});

describe('RtuSplitter', () => {
  const split = (): RtuSplitter => new RtuSplitter({ silenceMs: T35, charMs: CHAR });
  const fc3 = hex('01 03 0000 0001 840A');
  const fc16 = hex('02 10 0001 0002 04 000A 0102 9D74');

  it('cuts back-to-back requests of one TCP write by their lengths', () => {
    expect(split().push(Buffer.concat([fc3, fc16, fc3]), 0)).toEqual([fc3, fc16, fc3]);
  });

  it('joins a paced frame delivered byte by byte', () => {
    const s = split();
    const out = [...fc16].flatMap((b, i) => s.push(Buffer.of(b), 100 + (i + 1) * CHAR));
    expect(out).toEqual([fc16]);
  });

  it('ends an incomplete frame at a silence, and the next frame starts fresh', () => {
    const s = split();
    expect(s.push(hex('01 03 00'), 0)).toEqual([]);
    expect(s.deadline()).toBeCloseTo(T35, 9);
    expect(s.push(fc3, 50)).toEqual([hex('01 03 00'), fc3]);
    expect(s.deadline()).toBeUndefined();
  });

  it('keeps a frame whose halves a latency timer delivered 16 ms apart', () => {
    const s = split();
    expect(s.push(fc3.subarray(0, 4), 0)).toEqual([]);
    expect(s.push(fc3.subarray(4), 16)).toEqual([fc3]);
  });

  it('ends a frame of an unknown function where its CRC matches', () => {
    const fc7 = hex('01 07 41E2'); // FC7 read exception status, CRC 0xE241
    expect(rtuCrc(fc7.subarray(0, 2))).toBe(0xe241);
    expect(split().push(Buffer.concat([fc7, fc3]), 0)).toEqual([fc7, fc3]);
  });

  it('gives up on a frame after 256 bytes, and flushes what is pending', () => {
    const s = split();
    const out = s.push(Buffer.concat([hex('01 2B'), Buffer.alloc(300, 0x55)]), 0);
    expect(out.map((f) => f.length)).toEqual([256]);
    expect(s.flush()?.length).toBe(46);
    expect(s.flush()).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// The device, against two Map-backed units

type Table = 'coil' | 'discrete' | 'input' | 'holding';
function mapUnit(cells: Record<string, number | boolean>): {
  unit: ModbusUnit;
  cells: Map<string, number | boolean>;
} {
  const map = new Map(Object.entries(cells));
  const key = (t: Table, a: number): string => `${t}:${a}`;
  const unit: ModbusUnit = {
    read(table, address, count) {
      const out: (number | boolean)[] = [];
      for (let a = address; a < address + count; a++) {
        const v = map.get(key(table, a));
        if (v === undefined) return { exception: 2 };
        out.push(v);
      }
      return out;
    },
    write(table, address, values) {
      if (values.some((_, i) => !map.has(key(table, address + i)))) return { exception: 2 };
      values.forEach((v, i) => map.set(key(table, address + i), v));
      return undefined;
    },
  };
  return { unit, cells: map };
}

function lab(units = ['temp', 'relay'], ids: Record<string, number> = { temp: 1, relay: 2 }) {
  const temp = mapUnit({ 'holding:0': 42, 'input:0': 215, 'input:1': 0xff9c });
  const relay = mapUnit({
    'coil:0': false,
    'coil:3': false,
    'holding:0': 0,
    'holding:1': 0,
    'holding:2': 0,
  });
  const byName: Record<string, ReturnType<typeof mapUnit>> = { temp, relay };
  const offline = new Set<string>();
  const calls: string[] = [];
  const ctx: ByteDeviceContext = {
    seed: 1,
    faults: new FaultBook(),
    truthOf: (name): Truth => ({
      values: {},
      physical: {},
      units: {},
      online: !offline.has(name),
      faults: offline.has(name) ? ['offline'] : [],
    }),
    modbusUnitOf(name) {
      calls.push(name);
      const u = byName[name];
      if (!u) throw new LabError('DEVICE_UNKNOWN', `no ${name}`);
      return { unitId: ids[name]!, unit: u.unit };
    },
  };
  const spec = ModbusRtuDevice.parse({ name: 'rs485', kind: 'modbus_rtu', units });
  const plan: SerialDevicePlan = { name: 'rs485', id: 'rs485-0001', spec, settings: spec.serial };
  return { device: createModbusRtu(plan, ctx), temp, relay, offline, calls };
}

const sends = (intents: ByteIntent[]): Buffer[] =>
  intents.flatMap((i) => ('send' in i ? [i.send] : []));
const records = (intents: ByteIntent[]) =>
  intents.flatMap((i) => ('record' in i ? [i.record] : []));
const b64 = (s: string): string => hex(s).toString('base64');

describe('RTU line device', () => {
  it('answers a read, recording request and response like Modbus TCP (no tid)', () => {
    const { device } = lab();
    const out = device.receive(hex('01 03 0000 0001 840A'), 1000);
    expect(out).toEqual([
      {
        record: {
          kind: 'modbus.request',
          fields: {
            transport: 'rtu',
            unit: 1,
            fc: 3,
            raw: b64('01 03 0000 0001 840A'),
            request: { fc: 3, address: 0, quantity: 1 },
          },
        },
      },
      {
        record: {
          kind: 'modbus.response',
          fields: {
            transport: 'rtu',
            unit: 1,
            fc: 3,
            raw: b64('01 03 02 002A 399B'),
            values: [42],
          },
        },
      },
      { send: hex('01 03 02 002A 399B'), delayMs: 9 }, // ceil(t3.5 3.65 ms + 5 ms processing)
    ]);
  });

  it('writes through FC16 and answers with the echo', () => {
    const { device, relay } = lab();
    const out = device.receive(hex('02 10 0001 0002 04 000A 0102 9D74'), 0);
    expect(sends(out)).toEqual([hex('02 10 0001 0002 103B')]);
    expect([relay.cells.get('holding:1'), relay.cells.get('holding:2')]).toEqual([10, 258]);
  });

  it('answers an exception from the unit (§7 code 02)', () => {
    const { device } = lab();
    const out = device.receive(hex('01 03 0009 0001 5408'), 0); // holding 9 does not exist
    expect(sends(out)).toEqual([hex('01 83 02 C0F1')]);
    expect(records(out)[1]?.fields).toMatchObject({ unit: 1, fc: 3, exception: 2 });
  });

  it('answers an unsupported function with exception 01', () => {
    const { device } = lab();
    const out = device.receive(hex('01 07 41E2'), 0);
    expect(sends(out)).toEqual([hex('01 87 01 8230')]); // CRC 0x3082 → 82 30
    expect(records(out)[0]?.fields).toMatchObject({ fc: 7, request: null });
    expect(records(out)[0]?.fields.error).toMatch(/function code 7 is not supported/);
  });

  // prettier-ignore
  const SILENT: [string, string, Record<string, unknown>][] = [
    ['bad CRC', '01 03 0000 0001 840B',
      { unit: 1, fc: 3, request: null, error: 'crc', reason: expect.stringMatching(/expected 0x0A84/) as unknown }],
    ['unit 5 is not on this line', '05 03 0000 0001 858E',
      { unit: 5, fc: 3, request: { fc: 3, address: 0, quantity: 1 }, dropped: 'unknown-unit' }],
    ['broadcast read', '00 03 0000 0001 85DB',
      { unit: 0, fc: 3, request: { fc: 3, address: 0, quantity: 1 }, broadcast: true, dropped: 'broadcast-read' }],
  ];
  it.each(SILENT)('stays silent on %s, but records it', (_name, frame, fields) => {
    const { device } = lab();
    const out = device.receive(hex(frame), 0);
    expect(sends(out)).toEqual([]);
    expect(records(out)).toEqual([
      { kind: 'modbus.request', fields: { transport: 'rtu', raw: b64(frame), ...fields } },
    ]);
  });

  it('records a short frame when the silence after it comes', () => {
    const { device } = lab();
    expect(device.receive(hex('01 03 00'), 0)).toEqual([]);
    expect(device.nextEmission(0)).toBeCloseTo(T35, 9);
    expect(device.emit(1)).toEqual([]); // not silent long enough yet
    const out = device.emit(T35);
    expect(records(out)).toEqual([
      {
        kind: 'modbus.request',
        fields: expect.objectContaining({
          unit: 1,
          fc: 3,
          error: 'short',
          request: null,
        }) as unknown,
      },
    ]);
    expect(device.nextEmission(T35)).toBeUndefined();
  });

  it('applies a broadcast write on every unit and answers nothing (§2.2)', () => {
    const { device, temp, relay } = lab();
    const frame = hex('00 06 0000 0007 C9D9'); // FC6 holding 0 := 7, CRC 0xD9C9
    expect(rtuCrc(frame.subarray(0, -2))).toBe(0xd9c9);
    const out = device.receive(frame, 0);
    expect(sends(out)).toEqual([]);
    expect(records(out)).toHaveLength(1);
    expect(records(out)[0]?.fields).toMatchObject({ unit: 0, fc: 6, broadcast: true });
    expect([temp.cells.get('holding:0'), relay.cells.get('holding:0')]).toEqual([7, 7]);
  });

  it('keeps an offline unit silent; the others answer', () => {
    const { device, offline } = lab();
    offline.add('temp');
    const out = device.receive(hex('01 03 0000 0001 840A'), 0);
    expect(sends(out)).toEqual([]);
    expect(records(out)[0]?.fields).toMatchObject({ unit: 1, dropped: 'offline' });
    const broadcast = device.receive(hex('00 06 0000 0007 C9D9'), 50);
    expect(sends(broadcast)).toEqual([]);
    expect(sends(device.receive(hex('02 10 0001 0002 04 000A 0102 9D74'), 100))).toHaveLength(1);
  });

  it('tells truth and card the units on the line, asking the lab only on first use', () => {
    const { device, calls } = lab();
    expect(calls).toEqual([]); // the lab may create lines before their units exist
    const units = [
      { name: 'temp', unitId: 1 },
      { name: 'relay', unitId: 2 },
    ];
    expect(device.truth(0)).toEqual({ units });
    expect(device.cardInfo()).toEqual({ units });
    expect(device.nextEmission(0)).toBeUndefined();
  });

  it('refuses two units with one address', () => {
    const { device } = lab(['temp', 'relay'], { temp: 3, relay: 3 });
    expect(() => device.truth(0)).toThrow(/"temp" and "relay" share Modbus unit 3/);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties (seeded)

const request: fc.Arbitrary<ModbusRequest> = fc.oneof(
  fc.record({
    fc: fc.constantFrom(1, 2),
    address: fc.nat(5),
    quantity: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({
    fc: fc.constantFrom(3, 4),
    address: fc.nat(5),
    quantity: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ fc: fc.constant(5), address: fc.nat(5), value: fc.boolean() }),
  fc.record({ fc: fc.constant(6), address: fc.nat(5), value: fc.nat(0xffff) }),
  fc.record({
    fc: fc.constant(15),
    address: fc.nat(5),
    values: fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
  }),
  fc.record({
    fc: fc.constant(16),
    address: fc.nat(5),
    values: fc.array(fc.nat(0xffff), { minLength: 1, maxLength: 4 }),
  }),
);
const frame = fc
  .tuple(fc.constantFrom(1, 2), request)
  .map(([unit, req]) => encodeRtu(unit, encodeRequest(req)));

/** Feeds `stream` in chunks cut at `cuts`; byte i is on the wire at `times[i]`. */
function feed(device: ByteDevice, stream: Buffer, times: number[], cuts: number[]): ByteIntent[] {
  const ends = [...new Set(cuts.map((c) => c % (stream.length + 1)))]
    .filter((c) => c > 0)
    .sort((a, b) => a - b);
  if (ends.at(-1) !== stream.length) ends.push(stream.length);
  let from = 0;
  return ends.flatMap((end) => {
    const out = device.receive(stream.subarray(from, end), times[end - 1]!);
    from = end;
    return out;
  });
}

describe('properties (seeded)', () => {
  it('random streams never throw, and every answer follows a frame with a valid CRC', () => {
    fc.assert(
      fc.property(
        // Garbage with valid frames mixed in, so that some answers do happen.
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 24 }), frame), { maxLength: 16 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.array(fc.double({ min: 0, max: 20, noNaN: true }), { minLength: 400, maxLength: 400 }),
        (pieces, cuts, steps) => {
          const { device } = lab();
          const bytes = Buffer.concat(pieces);
          let t = 0;
          const times = steps.map((d) => (t += d));
          while (times.length < bytes.length) times.push((t += CHAR));
          const out = feed(device, bytes, times, cuts);
          out.push(...device.emit(1e9));
          out.forEach((intent, i) => {
            if (!('send' in intent)) return;
            // [request record, response record, send]: the request must be a valid frame.
            const req = out[i - 2];
            if (!req || !('record' in req)) throw new Error('an answer without its request');
            expect(req.record.kind).toBe('modbus.request');
            const raw = Buffer.from(String(req.record.fields.raw), 'base64');
            expect(decodeRtu(raw).ok).toBe(true);
            expect(decodeRtu(intent.send).ok).toBe(true);
          });
        },
      ),
      PROPS,
    );
  });

  it('valid frames cut at random chunk boundaries get exactly one answer each', () => {
    fc.assert(
      fc.property(
        fc.array(frame, { minLength: 1, maxLength: 8 }),
        fc.array(fc.double({ min: 10, max: 500, noNaN: true }), { minLength: 8, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.boolean(),
        (frames, gaps, cuts, paced) => {
          const { device } = lab();
          // Paced: each byte one character after the last, frames a master's gap apart.
          // Unpaced: everything in one instant, as a TCP client writes it.
          const times: number[] = [];
          let t = 0;
          frames.forEach((f, k) => {
            t += paced ? gaps[k]! : 0;
            for (let i = 0; i < f.length; i++) times.push(paced ? (t += CHAR) : 0);
          });
          const out = feed(device, Buffer.concat(frames), times, cuts);
          const answers = sends(out).map((s) => decodeRtu(s));
          expect(answers.map((a) => a.ok && a.unit)).toEqual(frames.map((f) => f[0]));
        },
      ),
      PROPS,
    );
  });

  it('a single corrupted byte gets no answer, but is recorded', () => {
    fc.assert(
      fc.property(
        frame,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (good, at, xor, cuts) => {
          const { device } = lab();
          const bad = Buffer.from(good);
          const k = at % bad.length;
          bad[k] = bad[k]! ^ xor;
          const times = [...bad].map((_, i) => (i + 1) * CHAR);
          const out = feed(device, bad, times, cuts);
          out.push(...device.emit(1e9));
          expect(sends(out)).toEqual([]);
          expect(
            records(out).some((r) => r.fields.error !== undefined || 'dropped' in r.fields),
          ).toBe(true);
        },
      ),
      PROPS,
    );
  });
});
