/** The board protocol codec: golden bytes both ways, malformed tables, and property tests. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Request } from '../../protocols/codecs/board-frame.js';
import {
  FrameReader,
  MAX_FRAME,
  OPS,
  Status,
  decodeRequest,
  encodeRequest,
  encodeResponse,
} from '../../protocols/codecs/board-frame.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('board frames: golden bytes', () => {
  it('encodes an I2C read of 6 bytes from 0x44', () => {
    expect(
      encodeRequest(7, { op: 'I2C_XFER', address: 0x44, out: Buffer.alloc(0), inLen: 6 }),
    ).toEqual(
      hex(
        '0008' + // length: txid(2) + op(1) + address(1) + out_len(2) + in_len(2)
          '0007' + // txid
          '10' + // op I2C_XFER
          '44' + // address
          '0000' + // out_len
          '0006', // in_len
      ),
    );
  });
  it('encodes PWM_SET with a u32 frequency and a u16 duty', () => {
    expect(encodeRequest(1, { op: 'PWM_SET', pin: 9, freqHz: 50, duty: 750 })).toEqual(
      hex('000a 0001 05 09 00000032 02ee'),
    );
  });
  it('decodes a pin write', () => {
    expect(decodeRequest(hex('0102 03 0d 01'))).toEqual({
      txid: 0x0102,
      request: { op: 'PIN_WRITE', pin: 13, level: 1 },
    });
  });
  it('encodes a response: length, txid, status, payload', () => {
    expect(encodeResponse(5, Status.OK, Buffer.from([1]))).toEqual(hex('0004 0005 00 01'));
  });
});

describe('board frames: malformed', () => {
  const cases: [string, string, number][] = [
    ['shorter than txid + op', '0001', Status.MALFORMED],
    ['unknown op', '0001 7e', Status.UNKNOWN_OP],
    ['missing argument', '0001 03 0d', Status.MALFORMED],
    ['trailing bytes', '0001 02 0d 00', Status.MALFORMED],
    ['I2C out bytes missing', '0001 10 44 0004 aa', Status.MALFORMED],
    ['I2C length over the limit', '0001 10 44 0401', Status.BAD_ARG],
    ['SPI without data', '0001 20 00 0002', Status.MALFORMED],
  ];
  for (const [what, body, status] of cases)
    it(`answers ${what} with status ${status}`, () => {
      const d = decodeRequest(hex(body));
      expect('error' in d && d.error.status).toBe(status);
    });
});

const request: fc.Arbitrary<Request> = fc.oneof(
  fc.constant({ op: 'INFO' as const }),
  fc.record({ op: fc.constant('PIN_MODE' as const), pin: fc.nat(255), mode: fc.nat(255) }),
  fc.record({ op: fc.constant('PIN_WRITE' as const), pin: fc.nat(255), level: fc.nat(255) }),
  fc.record({
    op: fc.constant('PWM_SET' as const),
    pin: fc.nat(255),
    freqHz: fc.nat(),
    duty: fc.nat(65535),
  }),
  fc.record({
    op: fc.constant('I2C_XFER' as const),
    address: fc.nat(255),
    out: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    inLen: fc.nat(65535),
  }),
  fc.record({
    op: fc.constant('SPI_XFER' as const),
    cs: fc.nat(255),
    out: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  }),
  fc.record({
    op: fc.constant('UART_READ' as const),
    port: fc.nat(255),
    max: fc.nat(65535),
    timeoutMs: fc.nat(65535),
  }),
  fc.record({ op: fc.constant('DELAY' as const), ms: fc.nat() }),
  fc.record({
    op: fc.constant('PIN_WAIT' as const),
    pin: fc.nat(255),
    edge: fc.nat(255),
    timeoutMs: fc.nat(65535),
  }),
);

describe('board frames: properties', () => {
  it('decode(encode(x)) = x', () => {
    fc.assert(
      fc.property(fc.nat(65535), request, (txid, req) => {
        const frame = encodeRequest(txid, req);
        expect(frame.readUInt16BE(0)).toBe(frame.length - 2);
        expect(decodeRequest(frame.subarray(2))).toEqual({ txid, request: req });
      }),
    );
  });
  it('any bytes decode to a request or an error status, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const d = decodeRequest(Buffer.from(bytes));
        return 'request' in d || d.error.status >= Status.MALFORMED;
      }),
    );
  });
  it('the reader splits frames however the stream is chunked, and skips oversize frames', () => {
    fc.assert(
      fc.property(fc.array(request, { maxLength: 8 }), fc.array(fc.nat(40)), (reqs, cuts) => {
        const big = Buffer.alloc(MAX_FRAME + 3);
        big.writeUInt16BE(MAX_FRAME + 1, 0);
        const stream = Buffer.concat([big, ...reqs.map((r, i) => encodeRequest(i, r))]);
        const reader = new FrameReader();
        const out: unknown[] = [];
        let at = 0;
        for (const c of [...cuts, stream.length]) {
          const end = Math.min(stream.length, at + c);
          out.push(...reader.push(stream.subarray(at, end)));
          at = end;
        }
        expect(out[0]).toMatchObject({ tooLong: MAX_FRAME + 1 });
        expect(out.slice(1).map((f) => decodeRequest((f as { body: Buffer }).body))).toEqual(
          reqs.map((r, i) => ({ txid: i, request: r })),
        );
      }),
    );
  });
  it('every operation has a distinct code', () => {
    const codes = Object.values(OPS).map((o) => o.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
