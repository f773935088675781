/**
 * Modbus codec: golden bytes both ways (the examples of Modbus Application Protocol v1.1b3 §6
 * and the MBAP header of the TCP Implementation Guide v1.0b §3.1.3), malformed PDUs with their
 * exact exception codes, and seeded properties over random input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRequest,
  encodeException,
  encodeRequest,
  encodeResponse,
} from '../../protocols/codecs/modbus.js';
import type { ModbusRequest, ModbusResponse } from '../../protocols/codecs/modbus.js';
import { decodeMbap, encodeAdu, encodeMbap, splitAdus } from '../../protocols/codecs/modbus-tcp.js';
import type { Adu } from '../../protocols/codecs/modbus-tcp.js';
import { handleRequest } from '../../protocols/modbus/slave.js';
import type { ModbusUnit } from '../../protocols/modbus/types.js';
import { LabError } from '../../core/errors.js';

const PROPS = { seed: 42, numRuns: 500 };
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('MBAP header (TCP Implementation Guide §3.1.3)', () => {
  // prettier-ignore
  const golden = hex(
    '00 01' + // transaction id 1
    '00 00' + // protocol id 0 = MODBUS
    '00 06' + // length: unit id + 5-byte PDU
    'FF'    + // unit id 255 ("not significant" on TCP)
    '03 00 6B 00 03', // PDU: read 3 holding registers from 107
  );

  it('encodes and decodes the header', () => {
    const header = { transactionId: 1, protocolId: 0, length: 6, unitId: 0xff };
    expect(encodeMbap(header)).toEqual(golden.subarray(0, 7));
    expect(decodeMbap(golden)).toEqual(header);
    expect(decodeMbap(golden.subarray(0, 6))).toBeUndefined();
  });

  it('builds and splits a whole ADU', () => {
    expect(encodeAdu(1, 0xff, hex('03 00 6B 00 03'))).toEqual(golden);
    const { adus, rest, error } = splitAdus(golden);
    expect(error).toBeUndefined();
    expect(rest.length).toBe(0);
    expect(adus).toHaveLength(1);
    expect(adus[0]).toMatchObject({ transactionId: 1, unitId: 0xff });
    expect(adus[0]!.pdu).toEqual(hex('03 00 6B 00 03'));
    expect(adus[0]!.raw).toEqual(golden);
  });

  it('waits for the rest of a partial frame', () => {
    for (const n of [0, 3, 4, 6, 11]) {
      const { adus, rest, error } = splitAdus(golden.subarray(0, n));
      expect([adus.length, rest.length, error]).toEqual([0, n, undefined]);
    }
  });

  const bad: [string, string, RegExp][] = [
    ['protocol id 1', '00 01 00 01 00 06 01 03 00 00 00 01', /protocol id must be 0, got 1/],
    ['protocol id seen after 4 bytes', '47 45 54 20', /protocol id must be 0/],
    ['length 0', '00 01 00 00 00 00', /length must be 2\.\.254, got 0/],
    ['length 1 (unit id, no PDU)', '00 01 00 00 00 01 01', /got 1$/],
    ['length 255 (PDU > 253 bytes)', '00 01 00 00 00 FF 01', /got 255$/],
  ];
  it.each(bad)('rejects a bad header: %s', (_name, bytes, message) => {
    const { adus, rest, error } = splitAdus(hex(bytes));
    expect(adus).toEqual([]);
    expect(rest).toEqual(hex(bytes));
    expect(error).toBeInstanceOf(LabError);
    expect(error?.codeName).toBe('PROTOCOL_MALFORMED');
    expect(error?.message).toMatch(message);
  });

  it('keeps the good frames before a bad one', () => {
    const stream = Buffer.concat([golden, hex('00 02 00 07 00 06 01')]);
    const { adus, rest, error } = splitAdus(stream);
    expect(adus.map((a) => a.transactionId)).toEqual([1]);
    expect(rest).toEqual(hex('00 02 00 07 00 06 01'));
    expect(error?.context).toMatchObject({ offset: 12, transactionId: 2, protocolId: 7 });
  });
});

/** [name, request PDU, decoded request, response PDU, response] from the §6 examples. */
// prettier-ignore
const GOLDEN: [string, string, ModbusRequest, string, ModbusResponse][] = [
  ['FC1 read coils (§6.1)',
    '01' + '00 13' + '00 13', // fc, address 19 (coil 20), quantity 19
    { fc: 1, address: 19, quantity: 19 },
    '01' + '03' + 'CD 6B 05', // fc, 3 bytes, coils 20-27 / 28-35 / 36-38 LSB first
    { fc: 1, values: bits('10110011' + '11010110' + '101') }],
  ['FC2 read discrete inputs (§6.2)',
    '02' + '00 C4' + '00 16', // fc, address 196, quantity 22
    { fc: 2, address: 196, quantity: 22 },
    '02' + '03' + 'AC DB 35', // fc, 3 bytes, inputs 197-204 / 205-212 / 213-218
    { fc: 2, values: bits('00110101' + '11011011' + '101011') }],
  ['FC3 read holding registers (§6.3)',
    '03' + '00 6B' + '00 03', // fc, address 107, quantity 3
    { fc: 3, address: 107, quantity: 3 },
    '03' + '06' + '02 2B' + '00 00' + '00 64', // fc, 6 bytes, 555, 0, 100 big-endian
    { fc: 3, values: [555, 0, 100] }],
  ['FC4 read input registers (§6.4)',
    '04' + '00 08' + '00 01', // fc, address 8, quantity 1
    { fc: 4, address: 8, quantity: 1 },
    '04' + '02' + '00 0A', // fc, 2 bytes, 10
    { fc: 4, values: [10] }],
  ['FC5 write single coil (§6.5)',
    '05' + '00 AC' + 'FF 00', // fc, address 172, ON
    { fc: 5, address: 172, value: true },
    '05' + '00 AC' + 'FF 00', // echo of the request
    { fc: 5, address: 172, value: true }],
  ['FC5 write single coil OFF',
    '05' + '00 01' + '00 00', // fc, address 1, OFF
    { fc: 5, address: 1, value: false },
    '05' + '00 01' + '00 00', // echo
    { fc: 5, address: 1, value: false }],
  ['FC6 write single register (§6.6)',
    '06' + '00 01' + '00 03', // fc, address 1, value 3
    { fc: 6, address: 1, value: 3 },
    '06' + '00 01' + '00 03', // echo of the request
    { fc: 6, address: 1, value: 3 }],
  ['FC15 write multiple coils (§6.11)',
    '0F' + '00 13' + '00 0A' + '02' + 'CD 01', // fc, address 19, 10 coils, 2 bytes, bits LSB first
    { fc: 15, address: 19, values: bits('10110011' + '10') },
    '0F' + '00 13' + '00 0A', // fc, address, quantity written
    { fc: 15, address: 19, quantity: 10 }],
  ['FC16 write multiple registers (§6.12)',
    '10' + '00 01' + '00 02' + '04' + '00 0A' + '01 02', // fc, address 1, 2 regs, 4 bytes, 10, 258
    { fc: 16, address: 1, values: [10, 258] },
    '10' + '00 01' + '00 02', // fc, address, quantity written
    { fc: 16, address: 1, quantity: 2 }],
];

describe('PDU golden bytes (Application Protocol §6)', () => {
  it.each(GOLDEN)('%s', (_name, reqHex, request, resHex, response) => {
    expect(decodeRequest(hex(reqHex))).toEqual({ ok: true, request });
    expect(encodeRequest(request)).toEqual(hex(reqHex));
    expect(encodeResponse(response)).toEqual(hex(resHex));
  });

  it('encodes exception responses (§7): fc | 0x80, then the code', () => {
    expect(encodeException(0x01, 0x02)).toEqual(hex('81 02')); // §7 example
    expect(encodeException(0x10, 0x03)).toEqual(hex('90 03'));
  });
});

// prettier-ignore
const MALFORMED: [string, string, number][] = [
  ['empty PDU', '', 3],
  ['FC7 read exception status (serial only)', '07', 1],
  ['FC43 encapsulated interface', '2B 0E 01 00', 1],
  ['FC0', '00 00 00 00 01', 1],
  ['high-bit fc', '83 00 00 00 01', 1],
  ['FC1 truncated', '01 00 00 00', 3],
  ['FC1 trailing byte', '01 00 00 00 01 00', 3],
  ['FC1 quantity 0', '01 00 00 00 00', 3],
  ['FC1 quantity 2001', '01 00 00 07 D1', 3],
  ['FC2 quantity 2001', '02 00 00 07 D1', 3],
  ['FC3 quantity 0', '03 00 00 00 00', 3],
  ['FC3 quantity 126', '03 00 00 00 7E', 3],
  ['FC4 quantity 126', '04 00 00 00 7E', 3],
  ['FC4 fc only', '04', 3],
  ['FC5 value 0x1234', '05 00 00 12 34', 3],
  ['FC5 value 0x00FF', '05 00 00 00 FF', 3],
  ['FC5 truncated', '05 00 00 FF', 3],
  ['FC6 truncated', '06 00 01 00', 3],
  ['FC15 no byte count', '0F 00 00 00 08', 3],
  ['FC15 quantity 0', '0F 00 00 00 00 00', 3],
  ['FC15 quantity 1969', '0F 00 00 07 B1 F7' + '00'.repeat(247), 3],
  ['FC15 byte count 1 for 10 coils', '0F 00 00 00 0A 01 FF', 3],
  ['FC15 data shorter than byte count', '0F 00 00 00 0A 02 FF', 3],
  ['FC15 data longer than byte count', '0F 00 00 00 08 01 FF 00', 3],
  ['FC16 quantity 0', '10 00 00 00 00 00', 3],
  ['FC16 quantity 124', '10 00 00 00 7C F8' + '00'.repeat(248), 3],
  ['FC16 byte count 3 for 2 registers', '10 00 00 00 02 03 00 01 00', 3],
  ['FC16 data shorter than byte count', '10 00 00 00 02 04 00 01 00', 3],
];

describe('malformed request PDUs', () => {
  it.each(MALFORMED)('%s ⇒ exception %i', (_name, bytes, code) => {
    const result = decodeRequest(hex(bytes));
    expect(result).toMatchObject({ ok: false, exception: code });
    if (!result.ok) expect(result.reason).not.toBe('');
  });

  it('accepts the largest quantities', () => {
    expect(decodeRequest(hex('01 00 00 07 D0')).ok).toBe(true); // 2000 coils
    expect(decodeRequest(hex('03 00 00 00 7D')).ok).toBe(true); // 125 registers
    expect(decodeRequest(hex('0F 00 00 07 B0 F6' + '00'.repeat(246))).ok).toBe(true); // 1968
    expect(decodeRequest(hex('10 00 00 00 7B F6' + '00'.repeat(246))).ok).toBe(true); // 123
  });

  it('refuses to encode what the spec forbids', () => {
    const bad: ModbusRequest[] = [
      { fc: 3, address: 0, quantity: 126 },
      { fc: 1, address: 0x10000, quantity: 1 },
      { fc: 6, address: 0, value: -1 },
      { fc: 16, address: 0, values: [] },
    ];
    for (const req of bad) expect(() => encodeRequest(req)).toThrow(LabError);
    expect(() => encodeResponse({ fc: 3, values: new Array<number>(126).fill(0) })).toThrow(
      LabError,
    );
    expect(() => encodeAdu(1, 1, Buffer.alloc(254))).toThrow(LabError);
  });
});

describe('properties (seeded)', () => {
  const u16 = fc.integer({ min: 0, max: 0xffff });
  const request: fc.Arbitrary<ModbusRequest> = fc.oneof(
    fc.record({
      fc: fc.constantFrom(1, 2),
      address: u16,
      quantity: fc.integer({ min: 1, max: 2000 }),
    }),
    fc.record({
      fc: fc.constantFrom(3, 4),
      address: u16,
      quantity: fc.integer({ min: 1, max: 125 }),
    }),
    fc.record({ fc: fc.constant(5), address: u16, value: fc.boolean() }),
    fc.record({ fc: fc.constant(6), address: u16, value: u16 }),
    fc.record({
      fc: fc.constant(15),
      address: u16,
      values: fc.array(fc.boolean(), { minLength: 1, maxLength: 1968 }),
    }),
    fc.record({
      fc: fc.constant(16),
      address: u16,
      values: fc.array(u16, { minLength: 1, maxLength: 123 }),
    }),
  );

  it('random bytes decode to a request or an exception, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const result = decodeRequest(bytes);
        if (result.ok) {
          // A PDU we accept re-encodes to itself (FC15 may differ only in unused pad bits).
          if (result.request.fc !== 15)
            expect(encodeRequest(result.request)).toEqual(Buffer.from(bytes));
        } else {
          expect([1, 3]).toContain(result.exception);
        }
      }),
      PROPS,
    );
  });

  it('random bytes through the slave give a response or an exception PDU', () => {
    const unit: ModbusUnit = {
      read: (table, _address, count) =>
        table === 'coil' || table === 'discrete'
          ? new Array<boolean>(count).fill(true)
          : new Array<number>(count).fill(7),
      write: (_table, address) => (address % 2 === 0 ? undefined : { exception: 2 }),
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const { response, exception } = handleRequest(bytes, unit);
        expect(response.length).toBeGreaterThanOrEqual(2);
        expect(response.length).toBeLessThanOrEqual(253);
        if (exception !== undefined)
          expect(response).toEqual(Buffer.of((bytes[0] ?? 0) | 0x80, exception));
      }),
      PROPS,
    );
  });

  it('random bytes never make splitAdus throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const { adus, rest, error } = splitAdus(Buffer.from(bytes));
        const consumed = adus.reduce((n, a) => n + a.raw.length, 0);
        expect(consumed + rest.length).toBe(bytes.length);
        if (error) expect(error).toBeInstanceOf(LabError);
      }),
      PROPS,
    );
  });

  it('decode(encode(request)) equals the request', () => {
    fc.assert(
      fc.property(request, (req) => {
        expect(decodeRequest(encodeRequest(req))).toEqual({ ok: true, request: req });
      }),
      PROPS,
    );
  });

  it('splitAdus reassembles ADUs cut into random chunks', () => {
    const adu = fc.record({
      tid: u16,
      unit: fc.integer({ min: 0, max: 255 }),
      pdu: fc.uint8Array({ minLength: 1, maxLength: 253 }),
    });
    fc.assert(
      fc.property(
        fc.array(adu, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat()),
        (items, cuts) => {
          const frames = items.map((a) => encodeAdu(a.tid, a.unit, a.pdu));
          const stream = Buffer.concat(frames);
          const points = [...new Set(cuts.map((c) => c % stream.length))].sort((a, b) => a - b);
          const got: Adu[] = [];
          let pending: Buffer = Buffer.alloc(0);
          let from = 0;
          for (const to of [...points, stream.length]) {
            const { adus, rest, error } = splitAdus(
              Buffer.concat([pending, stream.subarray(from, to)]),
            );
            expect(error).toBeUndefined();
            got.push(...adus);
            pending = rest;
            from = to;
          }
          expect(pending.length).toBe(0);
          expect(got.map((a) => a.raw)).toEqual(frames);
          expect(got.map((a) => [a.transactionId, a.unitId])).toEqual(
            items.map((a) => [a.tid, a.unit]),
          );
          expect(got.map((a) => a.pdu)).toEqual(items.map((a) => Buffer.from(a.pdu)));
        },
      ),
      PROPS,
    );
  });
});

/** '101' → [true, false, true]: coil order, first coil first. */
function bits(s: string): boolean[] {
  return [...s].map((c) => c === '1');
}
