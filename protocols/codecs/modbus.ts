/**
 * Modbus codec: the PDU layer (requests, responses, exceptions) that the Modbus TCP transport
 * (MBAP framing, modbus-tcp.ts) and the Modbus RTU transport (modbus-rtu.ts) share. Pure: bytes
 * in, typed values out, no sockets.
 *
 * References:
 *   [APP]  MODBUS Application Protocol Specification v1.1b3
 *
 * Untrusted bytes never throw: `decodeRequest` returns an exception code the server sends back.
 * Only the encoders throw, and only when our own code asks for a frame the spec forbids.
 */
import { LabError } from '../../core/errors.js';

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

/** [APP] §4.1: a PDU is at most 253 bytes (256-byte RS-485 ADU minus address and CRC). */
export const MAX_PDU_LENGTH = 253;

/** Largest quantity each request may carry ([APP] §6.1–6.4, §6.11, §6.12). */
const MAX_QUANTITY = { 1: 2000, 2: 2000, 3: 125, 4: 125, 15: 1968, 16: 123 } as const;

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
