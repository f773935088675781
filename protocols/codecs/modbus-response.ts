/**
 * Modbus responses, master side: how long a response frame on an RTU line is, and what a
 * response PDU says about the request it answers. The slave side (requests in, responses out) is
 * modbus.ts; framing is modbus-rtu.ts. Pure: bytes in, typed values or typed errors out.
 *
 * References:
 *   [APP] MODBUS Application Protocol Specification v1.1b3
 *   [SER] MODBUS over Serial Line Specification and Implementation Guide v1.02
 *
 * Untrusted bytes never throw: a response that does not fit its request is a `malformed` result
 * with a `LabError` saying what was expected; an exception response ([APP] §7) is its own result.
 */
import { LabError } from '../../core/errors.js';
import type { ModbusRequest, ModbusResponse } from './modbus.js';
import { unpackBits } from './modbus.js';
import { RTU_MAX_FRAME, decodeRtu } from './modbus-rtu.js';

/** [APP] §7: exception codes and their names. */
export const EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  0x01: 'ILLEGAL FUNCTION',
  0x02: 'ILLEGAL DATA ADDRESS',
  0x03: 'ILLEGAL DATA VALUE',
  0x04: 'SERVER DEVICE FAILURE',
  0x05: 'ACKNOWLEDGE',
  0x06: 'SERVER DEVICE BUSY',
  0x08: 'MEMORY PARITY ERROR',
  0x0a: 'GATEWAY PATH UNAVAILABLE',
  0x0b: 'GATEWAY TARGET DEVICE FAILED TO RESPOND',
};

export type ResponseDecodeResult =
  | { ok: true; response: ModbusResponse }
  | { ok: false; kind: 'exception'; fc: number; exception: number; error: LabError }
  | { ok: false; kind: 'malformed'; error: LabError };

/**
 * Length of the RTU response frame that starts `head` ([APP] §6, [SER] §2.5.1): 'more' until the
 * bytes that decide it are in, 'unknown' for a function code a response cannot carry here.
 */
export function rtuResponseLength(head: Uint8Array): number | 'more' | 'unknown' {
  if (head.length < 2) return 'more';
  const fc = head[1]!;
  if (fc & 0x80) return 5; // address, fc | 0x80, exception code, CRC (2)
  if (fc >= 1 && fc <= 4) {
    if (head.length < 3) return 'more';
    return 5 + head[2]!; // address, fc, byte count, data, CRC (2)
  }
  if (fc === 5 || fc === 6 || fc === 15 || fc === 16) return 8; // address, fc, 2 × u16, CRC
  return 'unknown';
}

/**
 * Cuts response frames out of the bytes a master receives, by the length their function code
 * gives. Bytes that no length can be found for stay pending until `reset()` (the master's
 * response timeout), as a real master discards a garbled reply.
 */
export class RtuResponseReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(bytes: Uint8Array): Buffer[] {
    this.buffer = Buffer.concat([this.buffer, bytes]);
    const frames: Buffer[] = [];
    for (;;) {
      const length = rtuResponseLength(this.buffer);
      if (typeof length !== 'number' || length > RTU_MAX_FRAME || this.buffer.length < length)
        return frames;
      frames.push(Buffer.from(this.buffer.subarray(0, length)));
      this.buffer = this.buffer.subarray(length);
    }
  }

  /** Bytes received that do not (yet) make a frame. */
  pending(): number {
    return this.buffer.length;
  }

  reset(): void {
    this.buffer = Buffer.alloc(0);
  }
}

/** An RTU response frame to `request` sent to `unit`: CRC, address, then the PDU. */
export function decodeRtuResponse(
  frame: Uint8Array,
  unit: number,
  request: ModbusRequest,
): ResponseDecodeResult {
  const rtu = decodeRtu(frame);
  if (!rtu.ok) return { ok: false, kind: 'malformed', error: rtu.error };
  if (rtu.unit !== unit)
    return malformed(`answer from unit ${rtu.unit}, but the request went to unit ${unit}`, {
      unit: rtu.unit,
      expected: unit,
    });
  return decodeResponse(rtu.pdu, request);
}

/** What a response PDU says, checked against the request it answers ([APP] §6.1–6.12, §7). */
export function decodeResponse(pdu: Uint8Array, request: ModbusRequest): ResponseDecodeResult {
  const b = Buffer.from(pdu.buffer, pdu.byteOffset, pdu.length);
  if (b.length === 0) return malformed('empty response PDU');
  const fc = b.readUInt8(0);
  if (fc === (request.fc | 0x80)) {
    if (b.length !== 2) return malformed(`exception response of ${b.length} bytes, expected 2`);
    const exception = b.readUInt8(1);
    const name = EXCEPTION_NAMES[exception] ?? 'unknown exception';
    const error = new LabError(
      'PROTOCOL_MALFORMED',
      `exception ${hex2(exception)} ${name} to FC${request.fc}`,
      { fc: request.fc, exception },
    );
    return { ok: false, kind: 'exception', fc: request.fc, exception, error };
  }
  if (fc !== request.fc)
    return malformed(`response FC${fc} to a FC${request.fc} request`, { fc, expected: request.fc });
  switch (request.fc) {
    case 1:
    case 2: {
      // §6.1, §6.2: fc, byte count = ceil(quantity / 8), bits LSB first
      const count = Math.ceil(request.quantity / 8);
      const bad = checkData(b, count, request.fc);
      if (bad) return bad;
      const values = unpackBits(b.subarray(2), request.quantity);
      return { ok: true, response: { fc: request.fc, values } };
    }
    case 3:
    case 4: {
      // §6.3, §6.4: fc, byte count = 2 × quantity, registers big-endian
      const bad = checkData(b, 2 * request.quantity, request.fc);
      if (bad) return bad;
      const values: number[] = [];
      for (let i = 0; i < request.quantity; i++) values.push(b.readUInt16BE(2 + 2 * i));
      return { ok: true, response: { fc: request.fc, values } };
    }
    case 5:
    case 6: {
      // §6.5, §6.6: the response echoes the request
      if (b.length !== 5) return malformed(`FC${fc} response of ${b.length} bytes, expected 5`);
      const address = b.readUInt16BE(1);
      const raw = b.readUInt16BE(3);
      const sent = request.fc === 5 ? (request.value ? 0xff00 : 0) : request.value;
      if (address !== request.address || raw !== sent)
        return malformed(`FC${fc} response does not echo the request`, { address, value: raw });
      return request.fc === 5
        ? { ok: true, response: { fc: 5, address, value: raw === 0xff00 } }
        : { ok: true, response: { fc: 6, address, value: raw } };
    }
    case 15:
    case 16: {
      // §6.11, §6.12: fc, starting address, quantity written
      if (b.length !== 5) return malformed(`FC${fc} response of ${b.length} bytes, expected 5`);
      const address = b.readUInt16BE(1);
      const quantity = b.readUInt16BE(3);
      if (address !== request.address || quantity !== request.values.length)
        return malformed(`FC${fc} response names another range`, { address, quantity });
      return { ok: true, response: { fc: request.fc, address, quantity } };
    }
  }
}

function checkData(b: Buffer, count: number, fc: number): ResponseDecodeResult | undefined {
  if (b.length < 2) return malformed(`FC${fc} response without a byte count`);
  const byteCount = b.readUInt8(1);
  if (byteCount !== count)
    return malformed(`FC${fc} response byte count ${byteCount}, expected ${count}`, {
      byteCount,
      expected: count,
    });
  if (b.length !== 2 + count)
    return malformed(`FC${fc} response of ${b.length} bytes, expected ${2 + count}`);
  return undefined;
}

function malformed(message: string, context: Record<string, unknown> = {}): ResponseDecodeResult {
  return {
    ok: false,
    kind: 'malformed',
    error: new LabError('PROTOCOL_MALFORMED', `Modbus response: ${message}`, context),
  };
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}
