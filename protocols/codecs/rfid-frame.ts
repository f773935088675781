/**
 * Frame layer of the lab's 13.56 MHz RFID reader module (kind `rfid_reader`), the protocol
 * candidates read in docs/protocols/rfid-reader.md: constants, the frame envelope and its CRC,
 * and the typed decode failures every layer above reports. Separate from rfid.ts (what the
 * requests and replies inside a frame mean) so the stream splitter and the access bits can use
 * the envelope without the message layer. Pure: bytes in, typed frames or typed errors out; only
 * the encoder throws, when our own code asks for a frame the protocol forbids.
 *
 * Frame, both directions:
 *   AA BB | LEN | ADDR | CMD | STATUS (reader → host only) | DATA… | CRC-lo CRC-hi
 * LEN counts the whole frame, header and CRC included. The CRC is CRC-16/MODBUS (poly 0xA001
 * reflected, init 0xFFFF) over every byte before it, header included, low byte first: what a
 * serial terminal's "CRC16 Modbus" button appends, so candidates can build frames by hand.
 *
 * References: [MF1S50] NXP MF1S50yyX/V1 (Mifare Classic 1K) product data sheet — §9 command
 * overview; [14443-3] ISO/IEC 14443-3 (type A): REQA/WUPA, the anticollision loop, UID and BCC;
 * [AN10833] NXP MIFARE type identification.
 */
import { crc16modbus } from 'crc';
import { LabError } from '../../core/errors.js';

export const HEADER = [0xaa, 0xbb] as const;
/** AA BB LEN ADDR CMD CRC CRC. */
export const MIN_REQUEST_FRAME = 7;
/** AA BB LEN ADDR CMD STATUS CRC CRC. */
export const MIN_RESPONSE_FRAME = 8;
/** Longer LEN bytes are refused at once; no frame of the protocol comes near it. */
export const MAX_FRAME = 64;

export const COMMANDS = {
  info: 0x01,
  autoReport: 0x02,
  request: 0x10,
  anticoll: 0x11,
  select: 0x12,
  auth: 0x13,
  read: 0x14,
  write: 0x15,
  halt: 0x16,
  /** Reader → host only: a card entered the field while auto-report is on. */
  cardEvent: 0x20,
} as const;
export type CommandName = keyof typeof COMMANDS;

export const STATUS = {
  ok: 0x00,
  noCard: 0x01,
  authFailed: 0x02,
  notAuthenticated: 0x03,
  accessDenied: 0x04,
  badParameter: 0x05,
  sequence: 0x06,
  checksum: 0x80,
  length: 0x81,
  unknownCommand: 0x82,
} as const;
export type StatusCode = (typeof STATUS)[keyof typeof STATUS];
export type ErrorStatus = Exclude<StatusCode, 0>;

/** [14443-3] REQA and WUPA: REQA wakes IDLE cards, WUPA also HALTed ones. */
export const REQUEST_MODES = { idle: 0x26, all: 0x52 } as const;
/** [MF1S50] §9: the Mifare authentication commands double as key-type codes. */
export const KEY_TYPES = { A: 0x60, B: 0x61 } as const;
/** [AN10833]: Mifare Classic 1K answers ATQA 0x0004 and SAK 0x08. */
export const MIFARE_1K = { atqa: 0x0004, sak: 0x08 } as const;
export const SECTORS = 16;
export const BLOCKS = 64;
export const BLOCK_SIZE = 16;

export type Direction = 'request' | 'response';

/** A delimited frame with a valid CRC; `status` exactly when it goes reader → host. */
export interface RfidFrame {
  address: number;
  command: number;
  status?: number;
  data: Buffer;
}

export type DecodeErrorKind =
  'short' | 'header' | 'length' | 'checksum' | 'command' | 'parameter' | 'status';

export interface DecodeFailure {
  ok: false;
  kind: DecodeErrorKind;
  error: LabError;
}

/** The STATUS the reader answers for each kind of bad request ('header' gets no answer). */
export const ERROR_STATUS: Partial<Record<DecodeErrorKind, ErrorStatus>> = {
  short: STATUS.length,
  length: STATUS.length,
  checksum: STATUS.checksum,
  command: STATUS.unknownCommand,
  parameter: STATUS.badParameter,
};

// ---------------------------------------------------------------------------------------------
// Framing

/** CRC-16/MODBUS of `bytes`; on the wire it goes low byte first. */
export function rfidCrc(bytes: Uint8Array): number {
  return crc16modbus(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
}

/** [14443-3] anticollision: the BCC is the XOR of the four UID bytes. */
export function bcc(uid: Uint8Array): number {
  return uid.reduce((x, b) => x ^ b, 0);
}

export function encodeFrame(frame: RfidFrame): Buffer {
  const head = frame.status === undefined ? 5 : 6;
  const len = head + frame.data.length + 2;
  if (len > MAX_FRAME) bad(`an RFID frame is at most ${MAX_FRAME} bytes, this one ${len}`);
  for (const [field, v] of [
    ['address', frame.address],
    ['command', frame.command],
    ['status', frame.status ?? 0],
  ] as const)
    if (!Number.isInteger(v) || v < 0 || v > 0xff) bad(`${field} is one byte, got ${v}`);
  const out = Buffer.alloc(len);
  out.set([...HEADER, len, frame.address, frame.command]);
  if (frame.status !== undefined) out[5] = frame.status;
  out.set(frame.data, head);
  out.writeUInt16LE(rfidCrc(out.subarray(0, len - 2)), len - 2);
  return out;
}

/** One frame as cut by `RfidSplitter` (or any other delimiter). */
export function decodeFrame(
  bytes: Uint8Array,
  direction: Direction,
): { ok: true; frame: RfidFrame } | DecodeFailure {
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const min = minFrame(direction);
  if (raw.length < min)
    return fail('short', `RFID ${direction} of ${raw.length} bytes: at least ${min} needed`);
  if (raw[0] !== HEADER[0] || raw[1] !== HEADER[1])
    return fail('header', `RFID frame starts ${hex(raw.subarray(0, 2))}, expected AA BB`);
  if (raw[2] !== raw.length)
    return fail('length', `RFID frame LEN byte says ${raw[2]}, the frame has ${raw.length} bytes`);
  if (raw.length > MAX_FRAME)
    return fail('length', `RFID frame of ${raw.length} bytes: at most ${MAX_FRAME} allowed`);
  const expected = rfidCrc(raw.subarray(0, raw.length - 2));
  const got = raw.readUInt16LE(raw.length - 2);
  if (got !== expected)
    return fail(
      'checksum',
      `RFID frame CRC is ${hex16(got)}, expected ${hex16(expected)} (low byte first)`,
    );
  const head = direction === 'request' ? 5 : 6;
  return {
    ok: true,
    frame: {
      address: raw[3]!,
      command: raw[4]!,
      ...(direction === 'response' ? { status: raw[5]! } : {}),
      data: raw.subarray(head, raw.length - 2),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers (rfid.ts uses them too)

export function minFrame(direction: Direction): number {
  return direction === 'request' ? MIN_REQUEST_FRAME : MIN_RESPONSE_FRAME;
}

/** Uppercase hex with a space between bytes, as frames are written in the docs. */
export function hex(bytes: Iterable<number>): string {
  return [...bytes].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

function hex16(v: number): string {
  return `0x${v.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** An encoder's refusal: our own code asked for something the protocol forbids. */
export function bad(message: string): never {
  throw new LabError('PROTOCOL_MALFORMED', message);
}

/** A decoder's typed failure; `kind` picks the STATUS the reader answers with. */
export function fail(kind: DecodeErrorKind, message: string): DecodeFailure {
  return { ok: false, kind, error: new LabError('PROTOCOL_MALFORMED', message, { kind }) };
}
