/**
 * Modbus codec: MBAP framing for Modbus TCP and the PDU layer (requests, responses, exceptions)
 * that a Modbus RTU transport will share. Pure: bytes in, typed values out, no sockets.
 *
 * References:
 *   [TCP]  MODBUS Messaging on TCP/IP Implementation Guide v1.0b
 *   [APP]  MODBUS Application Protocol Specification v1.1b3
 *
 * Untrusted bytes never throw: `splitAdus` reports a `LabError`, `decodeRequest` an exception
 * code the server sends back. Only the encoders throw, and only when our own code asks for a
 * frame the spec forbids.
 */
import { LabError } from '../../simulator/errors.js';

// ---------------------------------------------------------------------------------------------
// Constants

export const FunctionCode = {
  ReadCoils: 0x01,
  ReadDiscreteInputs: 0x02,
  ReadHoldingRegisters: 0x03,
  ReadInputRegisters: 0x04,
  WriteSingleCoil: 0x05,
  WriteSingleRegister: 0x06,
  WriteMultipleCoils: 0x0f,
  WriteMultipleRegisters: 0x10,
} as const;

/** [APP] §7. Codes 1–3 come from the PDU layer; 2 and 4 also from the data model. */
export const ExceptionCode = {
  IllegalFunction: 0x01,
  IllegalDataAddress: 0x02,
  IllegalDataValue: 0x03,
  ServerDeviceFailure: 0x04,
} as const;
export type ExceptionCode = (typeof ExceptionCode)[keyof typeof ExceptionCode];

/** [TCP] §3.1.3: the MBAP header is 7 bytes; its length field counts the unit id and the PDU. */
export const MBAP_LENGTH = 7;
/** [APP] §4.1: a PDU is at most 253 bytes (256-byte RS-485 ADU minus address and CRC). */
export const MAX_PDU_LENGTH = 253;

/** Largest quantity each request may carry ([APP] §6.1–6.4, §6.11, §6.12). */
const MAX_QUANTITY = { 1: 2000, 2: 2000, 3: 125, 4: 125, 15: 1968, 16: 123 } as const;

// ---------------------------------------------------------------------------------------------
// MBAP framing ([TCP] §3.1.3)

export interface MbapHeader {
  transactionId: number;
  /** 0 = MODBUS; anything else is not ours to answer. */
  protocolId: number;
  /** Bytes that follow the length field: unit id + PDU. */
  length: number;
  unitId: number;
}

/** One complete Modbus TCP frame; `pdu` and `raw` are views into the buffer `splitAdus` got. */
export interface Adu {
  transactionId: number;
  unitId: number;
  pdu: Buffer;
  /** The whole ADU as received: MBAP header + PDU. */
  raw: Buffer;
}

export interface SplitResult {
  adus: Adu[];
  /** Bytes not yet forming a complete ADU (on error: from the start of the bad header on). */
  rest: Buffer;
  /** A framing error; the stream cannot be resynchronised, so the caller closes it. */
  error?: LabError;
}

export function encodeMbap(header: MbapHeader): Buffer {
  const b = Buffer.alloc(MBAP_LENGTH);
  b.writeUInt16BE(header.transactionId, 0);
  b.writeUInt16BE(header.protocolId, 2);
  b.writeUInt16BE(header.length, 4);
  b.writeUInt8(header.unitId, 6);
  return b;
}

/** The header at the start of `buf`, or undefined when fewer than 7 bytes are there. */
export function decodeMbap(buf: Uint8Array): MbapHeader | undefined {
  if (buf.length < MBAP_LENGTH) return undefined;
  const b = asBuffer(buf);
  return {
    transactionId: b.readUInt16BE(0),
    protocolId: b.readUInt16BE(2),
    length: b.readUInt16BE(4),
    unitId: b.readUInt8(6),
  };
}

/** A whole ADU: MBAP header (protocol id 0) followed by `pdu`. */
export function encodeAdu(transactionId: number, unitId: number, pdu: Uint8Array): Buffer {
  if (pdu.length < 1 || pdu.length > MAX_PDU_LENGTH) {
    throw new LabError(
      'PROTOCOL_MALFORMED',
      `a Modbus PDU must be 1..253 bytes, got ${pdu.length}`,
    );
  }
  const header = encodeMbap({ transactionId, protocolId: 0, length: pdu.length + 1, unitId });
  return Buffer.concat([header, pdu]);
}

/**
 * Cuts complete ADUs off the front of a TCP byte stream. Each header is checked as soon as its
 * bytes are present, so a non-Modbus peer (an HTTP probe, say) is rejected after 4 bytes rather
 * than left waiting for a length that will never come. TCP has no resync marker, so after a bad
 * header nothing later in the stream can be trusted: the caller must close the connection.
 */
export function splitAdus(buffer: Buffer): SplitResult {
  const adus: Adu[] = [];
  let offset = 0;
  for (;;) {
    const available = buffer.length - offset;
    if (available >= 4) {
      const protocolId = buffer.readUInt16BE(offset + 2);
      if (protocolId !== 0) {
        return framingError(adus, buffer, offset, `MBAP protocol id must be 0, got ${protocolId}`);
      }
    }
    if (available < 6) break;
    const length = buffer.readUInt16BE(offset + 4);
    // Length covers the unit id and at least a function code, and at most a 253-byte PDU.
    if (length < 2 || length > MAX_PDU_LENGTH + 1) {
      return framingError(adus, buffer, offset, `MBAP length must be 2..254, got ${length}`);
    }
    const total = 6 + length;
    if (available < total) break;
    const raw = buffer.subarray(offset, offset + total);
    adus.push({
      transactionId: raw.readUInt16BE(0),
      unitId: raw.readUInt8(6),
      pdu: raw.subarray(MBAP_LENGTH),
      raw,
    });
    offset += total;
  }
  return { adus, rest: buffer.subarray(offset) };
}

function framingError(adus: Adu[], buffer: Buffer, offset: number, why: string): SplitResult {
  const rest = buffer.subarray(offset);
  const context: Record<string, unknown> = { offset, transactionId: rest.readUInt16BE(0) };
  context.protocolId = rest.readUInt16BE(2);
  if (rest.length >= 6) context.length = rest.readUInt16BE(4);
  if (rest.length >= 7) context.unitId = rest.readUInt8(6);
  const error = new LabError('PROTOCOL_MALFORMED', `bad Modbus TCP frame: ${why}`, context);
  return { adus, rest, error };
}

// ---------------------------------------------------------------------------------------------
// Requests ([APP] §6.1–6.12)

export interface ReadRequest {
  fc: 1 | 2 | 3 | 4;
  address: number;
  quantity: number;
}
export interface WriteSingleCoilRequest {
  fc: 5;
  address: number;
  value: boolean;
}
export interface WriteSingleRegisterRequest {
  fc: 6;
  address: number;
  value: number;
}
export interface WriteMultipleCoilsRequest {
  fc: 15;
  address: number;
  values: boolean[];
}
export interface WriteMultipleRegistersRequest {
  fc: 16;
  address: number;
  values: number[];
}
export type ModbusRequest =
  | ReadRequest
  | WriteSingleCoilRequest
  | WriteSingleRegisterRequest
  | WriteMultipleCoilsRequest
  | WriteMultipleRegistersRequest;

/** A request, or the exception the server must answer with (and why, for evidence and logs). */
export type RequestDecodeResult =
  | { ok: true; request: ModbusRequest }
  | { ok: false; fc: number; exception: ExceptionCode; reason: string };

/**
 * Decodes a request PDU following the state diagrams of [APP] §6: an unsupported function is
 * exception 01; a wrong length, quantity or byte count is 03. Address checks (02) need the data
 * model, so they are the slave's job.
 */
export function decodeRequest(pdu: Uint8Array): RequestDecodeResult {
  if (pdu.length === 0) return reject(0, 3, 'empty PDU: no function code');
  const b = asBuffer(pdu);
  const fc = b.readUInt8(0);
  switch (fc) {
    case 1: // §6.1 Read Coils
    case 2: // §6.2 Read Discrete Inputs
    case 3: // §6.3 Read Holding Registers
    case 4: {
      // §6.4 Read Input Registers: fc, address(2), quantity(2)
      if (b.length !== 5) return badLength(fc, 5, b.length);
      const quantity = b.readUInt16BE(3);
      if (quantity < 1 || quantity > MAX_QUANTITY[fc]) return badQuantity(fc, quantity);
      return { ok: true, request: { fc, address: b.readUInt16BE(1), quantity } };
    }
    case 5: {
      // §6.5 Write Single Coil: the value is 0xFF00 (ON) or 0x0000 (OFF), nothing else.
      if (b.length !== 5) return badLength(fc, 5, b.length);
      const raw = b.readUInt16BE(3);
      if (raw !== 0xff00 && raw !== 0x0000) {
        return reject(fc, 3, `FC5 value must be 0xFF00 or 0x0000, got 0x${hex4(raw)} (§6.5)`);
      }
      return { ok: true, request: { fc, address: b.readUInt16BE(1), value: raw === 0xff00 } };
    }
    case 6: // §6.6 Write Single Register: any 16-bit value is legal.
      if (b.length !== 5) return badLength(fc, 5, b.length);
      return { ok: true, request: { fc, address: b.readUInt16BE(1), value: b.readUInt16BE(3) } };
    case 15: // §6.11 Write Multiple Coils: fc, address(2), quantity(2), byte count, bits
    case 16: {
      // §6.12 Write Multiple Registers: fc, address(2), quantity(2), byte count, registers
      if (b.length < 6) return badLength(fc, 6, b.length);
      const quantity = b.readUInt16BE(3);
      if (quantity < 1 || quantity > MAX_QUANTITY[fc]) return badQuantity(fc, quantity);
      const byteCount = b.readUInt8(5);
      const expected = fc === 15 ? Math.ceil(quantity / 8) : quantity * 2;
      if (byteCount !== expected) {
        return reject(
          fc,
          3,
          `FC${fc} byte count ${byteCount} ≠ ${expected} (quantity ${quantity})`,
        );
      }
      if (b.length !== 6 + byteCount) return badLength(fc, 6 + byteCount, b.length);
      const address = b.readUInt16BE(1);
      const data = b.subarray(6);
      return fc === 15
        ? { ok: true, request: { fc, address, values: unpackBits(data, quantity) } }
        : { ok: true, request: { fc, address, values: readRegisters(data, quantity) } };
    }
    default:
      return reject(fc, 1, `function code ${fc} is not supported`);
  }
}

/** Encodes a request PDU (the master side: tests now, the gateway later). */
export function encodeRequest(req: ModbusRequest): Buffer {
  checkU16('address', req.address);
  switch (req.fc) {
    case 1:
    case 2:
    case 3:
    case 4:
      checkQuantity(req.fc, req.quantity);
      return u16Pdu(req.fc, req.address, req.quantity);
    case 5:
      return u16Pdu(5, req.address, req.value ? 0xff00 : 0x0000);
    case 6:
      checkU16('value', req.value);
      return u16Pdu(6, req.address, req.value);
    case 15:
    case 16: {
      checkQuantity(req.fc, req.values.length);
      const data =
        req.fc === 15 ? packBits(req.values) : writeRegisters(req.values.map(checkRegister));
      const head = u16Pdu(req.fc, req.address, req.values.length);
      return Buffer.concat([head, Buffer.of(data.length), data]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Responses ([APP] §6.1–6.12) and exceptions ([APP] §7)

export type ModbusResponse =
  | { fc: 1 | 2; values: readonly boolean[] }
  | { fc: 3 | 4; values: readonly number[] }
  | { fc: 5; address: number; value: boolean }
  | { fc: 6; address: number; value: number }
  | { fc: 15 | 16; address: number; quantity: number };

export function encodeResponse(res: ModbusResponse): Buffer {
  if ('address' in res) checkU16('address', res.address);
  switch (res.fc) {
    case 1:
    case 2: {
      checkQuantity(res.fc, res.values.length);
      // fc, byte count, coil/input status packed LSB first (§6.1, §6.2)
      const data = packBits(res.values);
      return Buffer.concat([Buffer.of(res.fc, data.length), data]);
    }
    case 3:
    case 4: {
      // fc, byte count, registers big-endian (§6.3, §6.4)
      checkQuantity(res.fc, res.values.length);
      const data = writeRegisters(res.values.map(checkRegister));
      return Buffer.concat([Buffer.of(res.fc, data.length), data]);
    }
    case 5: // §6.5: the response echoes the request
      return u16Pdu(5, res.address, res.value ? 0xff00 : 0x0000);
    case 6: // §6.6: the response echoes the request
      return u16Pdu(6, res.address, checkRegister(res.value));
    case 15:
    case 16: // §6.11, §6.12: fc, starting address, quantity written
      checkQuantity(res.fc, res.quantity);
      return u16Pdu(res.fc, res.address, res.quantity);
  }
}

/** [APP] §7: the function code with its high bit set, then the exception code. */
export function encodeException(fc: number, code: number): Buffer {
  return Buffer.of((fc | 0x80) & 0xff, code & 0xff);
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Bit i goes to byte i/8, bit i%8: the first coil is the LSB of the first byte ([APP] §6.1). */
export function packBits(values: readonly boolean[]): Buffer {
  const out = Buffer.alloc(Math.ceil(values.length / 8));
  values.forEach((on, i) => {
    if (on) out[i >> 3] = (out[i >> 3] ?? 0) | (1 << (i & 7));
  });
  return out;
}

export function unpackBits(bytes: Uint8Array, count: number): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < count; i++) out.push((((bytes[i >> 3] ?? 0) >> (i & 7)) & 1) === 1);
  return out;
}

function readRegisters(data: Buffer, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(data.readUInt16BE(i * 2));
  return out;
}

function writeRegisters(values: readonly number[]): Buffer {
  const out = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => out.writeUInt16BE(v, i * 2));
  return out;
}

function u16Pdu(fc: number, a: number, b: number): Buffer {
  const out = Buffer.alloc(5);
  out.writeUInt8(fc, 0);
  out.writeUInt16BE(a, 1);
  out.writeUInt16BE(b, 3);
  return out;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

function reject(fc: number, exception: ExceptionCode, reason: string): RequestDecodeResult {
  return { ok: false, fc, exception, reason };
}

function badLength(fc: number, expected: number, got: number): RequestDecodeResult {
  const tail = got < expected ? 'truncated' : 'trailing bytes';
  return reject(fc, 3, `FC${fc} PDU must be ${expected} bytes, got ${got} (${tail})`);
}

function badQuantity(fc: keyof typeof MAX_QUANTITY, quantity: number): RequestDecodeResult {
  return reject(fc, 3, `FC${fc} quantity must be 1..${MAX_QUANTITY[fc]}, got ${quantity}`);
}

function checkQuantity(fc: keyof typeof MAX_QUANTITY, quantity: number): void {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY[fc]) {
    throw new LabError(
      'PROTOCOL_MALFORMED',
      `FC${fc} quantity must be 1..${MAX_QUANTITY[fc]}, got ${quantity}`,
      { fc, quantity },
    );
  }
}

function checkU16(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new LabError('PROTOCOL_MALFORMED', `Modbus ${what} must be 0..65535, got ${value}`, {
      [what]: value,
    });
  }
}

function checkRegister(value: number): number {
  checkU16('register value', value);
  return value;
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}
