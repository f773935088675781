/**
 * Modbus TCP framing, MBAP ([TCP] §3.1.3): the MBAP header and the ADU around the PDU of
 * `modbus.ts`, and cutting ADUs off a TCP byte stream. Separate from the PDU layer, which the RTU
 * transport shares, as RTU framing is separate in modbus-rtu.ts. Pure: bytes in, typed values
 * out, no sockets.
 *
 * References:
 *   [TCP]  MODBUS Messaging on TCP/IP Implementation Guide v1.0b
 *   [APP]  MODBUS Application Protocol Specification v1.1b3
 *
 * Untrusted bytes never throw: `splitAdus` reports a `LabError`. Only `encodeAdu` throws, and
 * only when our own code asks for a frame the spec forbids.
 */
import { LabError } from '../../core/errors.js';
import { MAX_PDU_LENGTH } from './modbus.js';

/** [TCP] §3.1.3: the MBAP header is 7 bytes; its length field counts the unit id and the PDU. */
export const MBAP_LENGTH = 7;

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
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
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
