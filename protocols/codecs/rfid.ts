/**
 * Frames of the lab's 13.56 MHz RFID reader module (kind `rfid_reader`), the protocol candidates
 * read in docs/protocols/rfid-reader.md, and the Mifare Classic access bits a card stores. Pure:
 * bytes in, typed frames or typed errors out; only the encoders throw, when our own code asks
 * for a frame the protocol forbids.
 *
 * Frame, both directions:
 *   AA BB | LEN | ADDR | CMD | STATUS (reader → host only) | DATA… | CRC-lo CRC-hi
 * LEN counts the whole frame, header and CRC included. The CRC is CRC-16/MODBUS (poly 0xA001
 * reflected, init 0xFFFF) over every byte before it, header included, low byte first: what a
 * serial terminal's "CRC16 Modbus" button appends, so candidates can build frames by hand.
 *
 * References: [MF1S50] NXP MF1S50yyX/V1 (Mifare Classic 1K) product data sheet — §8.6 memory
 * organisation, §8.7 memory access, §9 command overview; [14443-3] ISO/IEC 14443-3 (type A):
 * REQA/WUPA, the anticollision loop, UID and BCC; [AN10833] NXP MIFARE type identification.
 */
import { crc16modbus } from 'crc';
import { LabError } from '../../simulator/errors.js';

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

export type RfidRequest =
  | { command: 'info' }
  | { command: 'autoReport'; enabled: boolean }
  | { command: 'request'; mode: keyof typeof REQUEST_MODES }
  | { command: 'anticoll' }
  | { command: 'select'; uid: Buffer }
  | { command: 'auth'; keyType: keyof typeof KEY_TYPES; sector: number; key: Buffer }
  | { command: 'read'; block: number }
  | { command: 'write'; block: number; data: Buffer }
  | { command: 'halt' };
export type RequestName = RfidRequest['command'];

/** What a reply with STATUS 00 carries. */
export type RfidReply =
  | { command: 'info'; major: number; minor: number; serial: number; model: string }
  | { command: 'autoReport'; enabled: boolean }
  | { command: 'request'; atqa: number }
  | { command: 'anticoll'; uid: Buffer }
  | { command: 'select'; sak: number }
  | { command: 'auth' | 'write' | 'halt' }
  | { command: 'read'; data: Buffer }
  | { command: 'cardEvent'; atqa: number; uid: Buffer };

/** An error reply echoes the request's CMD byte as `code` (00 when the reader never got it). */
export type RfidResponse = ({ status: 0 } & RfidReply) | { status: ErrorStatus; code: number };

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

/** Bytes of DATA each request carries. */
const REQUEST_DATA: Record<RequestName, number> = {
  info: 0,
  autoReport: 1,
  request: 1,
  anticoll: 0,
  select: 4,
  auth: 8,
  read: 1,
  write: 1 + BLOCK_SIZE,
  halt: 0,
};
/** Bytes of DATA each STATUS-00 reply carries; info has at least 6 (then the model name). */
const REPLY_DATA: Record<CommandName, number> = {
  info: 6,
  autoReport: 1,
  request: 2,
  anticoll: 5,
  select: 1,
  auth: 0,
  read: BLOCK_SIZE,
  write: 0,
  halt: 0,
  cardEvent: 6,
};

const NAMES = new Map<number, CommandName>(
  Object.entries(COMMANDS).map(([name, code]) => [code, name as CommandName]),
);
const STATUS_CODES: ReadonlySet<number> = new Set(Object.values(STATUS));

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
// Requests (host → reader)

export function encodeRequest(address: number, req: RfidRequest): Buffer {
  let data: number[] | Buffer = [];
  switch (req.command) {
    case 'autoReport':
      data = [req.enabled ? 1 : 0];
      break;
    case 'request':
      data = [REQUEST_MODES[req.mode]];
      break;
    case 'select':
      data = sized(req.uid, 4, 'a UID');
      break;
    case 'auth':
      checkRange(req.sector, SECTORS, 'sector');
      data = [KEY_TYPES[req.keyType], req.sector, ...sized(req.key, 6, 'a key')];
      break;
    case 'read':
      checkRange(req.block, BLOCKS, 'block');
      data = [req.block];
      break;
    case 'write':
      checkRange(req.block, BLOCKS, 'block');
      data = [req.block, ...sized(req.data, BLOCK_SIZE, 'a block')];
      break;
  }
  return encodeFrame({ address, command: COMMANDS[req.command], data: Buffer.from(data) });
}

/** Interprets CMD and DATA of a request; failures carry the kind that picks the reader's STATUS. */
export function parseRequest(frame: RfidFrame): { ok: true; request: RfidRequest } | DecodeFailure {
  const name = NAMES.get(frame.command);
  if (name === undefined || name === 'cardEvent')
    return fail('command', `unknown RFID command ${hex([frame.command])}`);
  const d = frame.data;
  if (d.length !== REQUEST_DATA[name])
    return fail('length', `${name} takes ${REQUEST_DATA[name]} data bytes, got ${d.length}`);
  switch (name) {
    case 'info':
    case 'anticoll':
    case 'halt':
      return { ok: true, request: { command: name } };
    case 'autoReport':
      if (d[0]! > 1) return fail('parameter', `auto-report is 00 (off) or 01 (on), got ${hex(d)}`);
      return { ok: true, request: { command: name, enabled: d[0] === 1 } };
    case 'request': {
      const mode =
        d[0] === REQUEST_MODES.idle ? 'idle' : d[0] === REQUEST_MODES.all ? 'all' : undefined;
      if (!mode) return fail('parameter', `request mode is 26 (REQA) or 52 (WUPA), got ${hex(d)}`);
      return { ok: true, request: { command: name, mode } };
    }
    case 'select':
      return { ok: true, request: { command: name, uid: Buffer.from(d) } };
    case 'auth': {
      const keyType = d[0] === KEY_TYPES.A ? 'A' : d[0] === KEY_TYPES.B ? 'B' : undefined;
      if (!keyType)
        return fail('parameter', `key type is 60 (key A) or 61 (key B), got ${hex([d[0]!])}`);
      if (d[1]! >= SECTORS) return fail('parameter', `sector is 0..15, got ${d[1]}`);
      return {
        ok: true,
        request: { command: name, keyType, sector: d[1]!, key: Buffer.from(d.subarray(2)) },
      };
    }
    case 'read':
    case 'write':
      if (d[0]! >= BLOCKS) return fail('parameter', `block is 0..63, got ${d[0]}`);
      return name === 'read'
        ? { ok: true, request: { command: name, block: d[0]! } }
        : { ok: true, request: { command: name, block: d[0]!, data: Buffer.from(d.subarray(1)) } };
  }
}

export function decodeRequest(
  bytes: Uint8Array,
): { ok: true; address: number; request: RfidRequest } | DecodeFailure {
  const framed = decodeFrame(bytes, 'request');
  if (!framed.ok) return framed;
  const parsed = parseRequest(framed.frame);
  return parsed.ok ? { ok: true, address: framed.frame.address, request: parsed.request } : parsed;
}

// ---------------------------------------------------------------------------------------------
// Responses (reader → host)

export function encodeResponse(address: number, res: RfidResponse): Buffer {
  if (res.status !== 0) {
    if (!STATUS_CODES.has(res.status)) bad(`unknown RFID status ${res.status}`);
    return encodeFrame({ address, command: res.code, status: res.status, data: Buffer.alloc(0) });
  }
  let data: number[] | Buffer = [];
  switch (res.command) {
    case 'info': {
      if (!/^[\x20-\x7e]*$/.test(res.model))
        bad(`model name must be printable ASCII: ${res.model}`);
      checkRange(res.serial, 2 ** 32, 'serial');
      const serial = Buffer.alloc(4);
      serial.writeUInt32BE(res.serial);
      data = [res.major, res.minor, ...serial, ...Buffer.from(res.model, 'latin1')];
      break;
    }
    case 'autoReport':
      data = [res.enabled ? 1 : 0];
      break;
    case 'request':
      data = atqaBytes(res.atqa);
      break;
    case 'anticoll':
      data = [...sized(res.uid, 4, 'a UID'), bcc(res.uid)];
      break;
    case 'select':
      data = [res.sak];
      break;
    case 'read':
      data = sized(res.data, BLOCK_SIZE, 'a block');
      break;
    case 'cardEvent':
      data = [...atqaBytes(res.atqa), ...sized(res.uid, 4, 'a UID')];
      break;
  }
  if (data.some((b) => !Number.isInteger(b) || b < 0 || b > 0xff)) bad('reply bytes out of range');
  return encodeFrame({
    address,
    command: COMMANDS[res.command],
    status: 0,
    data: Buffer.from(data),
  });
}

export function parseResponse(
  frame: RfidFrame,
): { ok: true; response: RfidResponse } | DecodeFailure {
  const status = frame.status ?? 0;
  const d = frame.data;
  if (!STATUS_CODES.has(status)) return fail('status', `unknown RFID status ${hex([status])}`);
  if (status !== 0) {
    if (d.length > 0)
      return fail('length', `an error reply carries no data, got ${d.length} bytes`);
    return { ok: true, response: { status: status as ErrorStatus, code: frame.command } };
  }
  const name = NAMES.get(frame.command);
  if (name === undefined) return fail('command', `unknown RFID command ${hex([frame.command])}`);
  const size = REPLY_DATA[name];
  if (name === 'info' ? d.length < size : d.length !== size)
    return fail('length', `${name} reply carries ${size} data bytes, got ${d.length}`);
  const ok = (reply: RfidReply): { ok: true; response: RfidResponse } => ({
    ok: true,
    response: { status: 0, ...reply },
  });
  switch (name) {
    case 'info':
      return ok({
        command: name,
        major: d[0]!,
        minor: d[1]!,
        serial: d.readUInt32BE(2),
        model: d.subarray(6).toString('latin1'),
      });
    case 'autoReport':
      return ok({ command: name, enabled: d[0] !== 0 });
    case 'request':
      return ok({ command: name, atqa: d.readUInt16LE(0) });
    case 'anticoll':
      if (bcc(d.subarray(0, 4)) !== d[4])
        return fail(
          'parameter',
          `BCC ${hex([d[4]!])} is not the XOR of UID ${hex(d.subarray(0, 4))}`,
        );
      return ok({ command: name, uid: Buffer.from(d.subarray(0, 4)) });
    case 'select':
      return ok({ command: name, sak: d[0]! });
    case 'read':
      return ok({ command: name, data: Buffer.from(d) });
    case 'cardEvent':
      return ok({ command: name, atqa: d.readUInt16LE(0), uid: Buffer.from(d.subarray(2)) });
    default:
      return ok({ command: name });
  }
}

export function decodeResponse(
  bytes: Uint8Array,
): { ok: true; address: number; response: RfidResponse } | DecodeFailure {
  const framed = decodeFrame(bytes, 'response');
  if (!framed.ok) return framed;
  const parsed = parseResponse(framed.frame);
  return parsed.ok
    ? { ok: true, address: framed.frame.address, response: parsed.response }
    : parsed;
}

// ---------------------------------------------------------------------------------------------
// Stream splitter: resynchronises on AA BB; never holds more than one frame's worth of bytes

export type SplitEvent =
  /** Delimited, CRC valid. */
  | { kind: 'frame'; raw: Buffer }
  /** LEN bytes from a header whose CRC does not match. */
  | { kind: 'checksum'; raw: Buffer }
  /**
   * 'range': LEN outside min..64 (raw is AA BB LEN); 'mismatch': a valid CRC ends the bytes at
   * another length than LEN says; 'truncated': fewer bytes than LEN came before the timeout or
   * before another complete frame.
   */
  | { kind: 'length'; reason: 'range' | 'mismatch' | 'truncated'; raw: Buffer }
  /** Bytes before a header: discarded. */
  | { kind: 'junk'; raw: Buffer };

export interface RfidSplitterOptions {
  /** Frames the splitter expects: requests on the reader's side, responses on a host's. */
  direction: Direction;
  /** Silence after which an incomplete frame is given up. */
  timeoutMs: number;
}

export class RfidSplitter {
  private buf: Buffer = Buffer.alloc(0);
  private lastT = 0;
  private readonly min: number;

  constructor(private readonly opts: RfidSplitterOptions) {
    this.min = minFrame(opts.direction);
  }

  /** Bytes that arrived at lab time t; returns what they complete, in order. */
  push(bytes: Uint8Array, t: number): SplitEvent[] {
    if (bytes.length === 0) return [];
    this.buf = Buffer.concat([this.buf, bytes]);
    this.lastT = t;
    return this.scan();
  }

  /** When the pending incomplete frame is given up, if no more bytes arrive. */
  deadline(): number | undefined {
    return this.buf.length > 0 ? this.lastT + this.opts.timeoutMs : undefined;
  }

  /** Bytes held: at most one incomplete frame, so always fewer than MAX_FRAME. */
  pending(): number {
    return this.buf.length;
  }

  /** At or after the deadline: the pending bytes as 'truncated'/'junk', and any frame behind them. */
  expire(t: number): SplitEvent[] {
    const deadline = this.deadline();
    if (deadline === undefined || t < deadline) return [];
    const out: SplitEvent[] = [];
    while (this.buf.length > 0) {
      const next = findHeader(this.buf, 2);
      const raw = this.take(next < 0 ? this.buf.length : next);
      out.push(
        raw.length >= 3 ? { kind: 'length', reason: 'truncated', raw } : { kind: 'junk', raw },
      );
      out.push(...this.scan());
    }
    return out;
  }

  private scan(): SplitEvent[] {
    const out: SplitEvent[] = [];
    for (;;) {
      const start = findHeader(this.buf, 0);
      if (start !== 0) {
        const junk = this.take(start < 0 ? this.buf.length : start);
        if (junk.length > 0) out.push({ kind: 'junk', raw: junk });
      }
      if (this.buf.length < 3) return out;
      const len = this.buf[2]!;
      if (len < this.min || len > MAX_FRAME) {
        out.push({ kind: 'length', reason: 'range', raw: Buffer.from(this.buf.subarray(0, 3)) });
        this.buf = this.buf.subarray(2);
        continue;
      }
      if (this.buf.length >= len && crcFits(this.buf, len)) {
        out.push({ kind: 'frame', raw: this.take(len) });
        continue;
      }
      // A CRC that fits elsewhere means the host got LEN wrong, not the checksum.
      const fit = this.otherFit(len);
      if (fit !== undefined) {
        out.push({ kind: 'length', reason: 'mismatch', raw: this.take(fit) });
        continue;
      }
      if (this.buf.length >= len) {
        // Skip only the header: a frame hidden behind a false header is found again.
        out.push({ kind: 'checksum', raw: Buffer.from(this.buf.subarray(0, len)) });
        this.buf = this.buf.subarray(2);
        continue;
      }
      const later = this.laterFrame();
      if (later === undefined) return out;
      out.push({ kind: 'length', reason: 'truncated', raw: this.take(later) });
    }
  }

  /** A length ≠ len, among the bytes in, at which the CRC fits. */
  private otherFit(len: number): number | undefined {
    for (let k = this.min; k <= Math.min(this.buf.length, MAX_FRAME); k++)
      if (k !== len && crcFits(this.buf, k)) return k;
    return undefined;
  }

  /** Where a complete valid frame starts behind the pending header, if one does. */
  private laterFrame(): number | undefined {
    for (let j = findHeader(this.buf, 2); j > 0; j = findHeader(this.buf, j + 1)) {
      const len = this.buf[j + 2];
      if (len !== undefined && len >= this.min && len <= MAX_FRAME && j + len <= this.buf.length)
        if (crcFits(this.buf.subarray(j), len)) return j;
    }
    return undefined;
  }

  private take(n: number): Buffer {
    // Copy: events outlive the buffer.
    const out = Buffer.from(this.buf.subarray(0, n));
    this.buf = this.buf.subarray(n);
    return out;
  }
}

/** Index ≥ from of AA BB, or of an AA that ends the buffer (its BB may follow); −1 if none. */
function findHeader(buf: Buffer, from: number): number {
  for (let i = from; i < buf.length; i++)
    if (buf[i] === HEADER[0] && (i + 1 === buf.length || buf[i + 1] === HEADER[1])) return i;
  return -1;
}

function crcFits(buf: Buffer, len: number): boolean {
  return len <= buf.length && rfidCrc(buf.subarray(0, len - 2)) === buf.readUInt16LE(len - 2);
}

// ---------------------------------------------------------------------------------------------
// Access bits ([MF1S50] §8.7): bytes 6–8 of a sector trailer; C1 C2 C3 of each block, each
// stored twice (once inverted). A condition here is the number C1·4 + C2·2 + C3.

export type KeyType = keyof typeof KEY_TYPES;
/** Who may: a key, either, or nobody. */
type Who = 'A' | 'B' | 'AB' | '';

/** [MF1S50] §8.7.3, data blocks: [read, write] by condition. */
const DATA_ACCESS: readonly (readonly [Who, Who])[] = [
  ['AB', 'AB'], // 000 transport configuration
  ['AB', ''], // 001 value block, decrement only
  ['AB', ''], // 010 read-only
  ['B', 'B'], // 011
  ['AB', 'B'], // 100
  ['B', ''], // 101
  ['AB', 'B'], // 110 value block
  ['', ''], // 111
];
/** [MF1S50] §8.7.2, sector trailer: [write key A, read access bits, write access bits, read key B, write key B]. */
const TRAILER_ACCESS: readonly (readonly [Who, Who, Who, Who, Who])[] = [
  ['A', 'A', '', 'A', 'A'], // 000
  ['A', 'A', 'A', 'A', 'A'], // 001 transport configuration
  ['', 'A', '', 'A', ''], // 010
  ['B', 'AB', 'B', '', 'B'], // 011
  ['B', 'AB', '', '', 'B'], // 100
  ['', 'AB', 'B', '', ''], // 101
  ['', 'AB', '', '', ''], // 110
  ['', 'AB', '', '', ''], // 111
];

/** Conditions of blocks 0–3 of a sector, or undefined when the inverted copies disagree. */
export function decodeAccessBits(b: Uint8Array): number[] | undefined {
  const [b6, b7, b8] = [b[0] ?? 0, b[1] ?? 0, b[2] ?? 0];
  const c1 = b7 >> 4;
  const c2 = b8 & 0x0f;
  const c3 = b8 >> 4;
  if ((~b6 & 0x0f) !== c1 || ((~b6 >> 4) & 0x0f) !== c2 || (~b7 & 0x0f) !== c3) return undefined;
  return [0, 1, 2, 3].map((i) => (((c1 >> i) & 1) << 2) | (((c2 >> i) & 1) << 1) | ((c3 >> i) & 1));
}

/** Bytes 6–8 of a trailer for the conditions of blocks 0–3. */
export function encodeAccessBits(conditions: readonly number[]): Buffer {
  let c1 = 0;
  let c2 = 0;
  let c3 = 0;
  conditions.forEach((c, i) => {
    c1 |= ((c >> 2) & 1) << i;
    c2 |= ((c >> 1) & 1) << i;
    c3 |= (c & 1) << i;
  });
  return Buffer.from([
    ((~c2 & 0x0f) << 4) | (~c1 & 0x0f),
    (c1 << 4) | (~c3 & 0x0f),
    (c3 << 4) | c2,
  ]);
}

const may = (who: Who, key: KeyType): boolean => who.includes(key);

export function dataAccess(condition: number, key: KeyType): { read: boolean; write: boolean } {
  const [read, write] = DATA_ACCESS[condition & 7]!;
  return { read: may(read, key), write: may(write, key) };
}

export function trailerAccess(
  condition: number,
  key: KeyType,
): { readAccess: boolean; readKeyB: boolean; writeAll: boolean } {
  const [wA, rAc, wAc, rB, wB] = TRAILER_ACCESS[condition & 7]!;
  return {
    readAccess: may(rAc, key),
    readKeyB: may(rB, key),
    // This reader writes a trailer only as a whole: key A, access bits and key B together.
    writeAll: may(wA, key) && may(wAc, key) && may(wB, key),
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

export function minFrame(direction: Direction): number {
  return direction === 'request' ? MIN_REQUEST_FRAME : MIN_RESPONSE_FRAME;
}

/** Uppercase hex with a space between bytes, as frames are written in the docs. */
export function hex(bytes: Iterable<number>): string {
  return [...bytes].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

/** [14443-3] ATQA: least significant byte first. */
function atqaBytes(atqa: number): number[] {
  checkRange(atqa, 0x10000, 'ATQA');
  return [atqa & 0xff, atqa >> 8];
}

function hex16(v: number): string {
  return `0x${v.toString(16).toUpperCase().padStart(4, '0')}`;
}

function sized(b: Uint8Array, n: number, what: string): Buffer {
  if (b.length !== n) bad(`${what} is ${n} bytes, got ${b.length}`);
  return Buffer.from(b);
}

function checkRange(v: number, end: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v >= end) bad(`${what} must be 0..${end - 1}, got ${v}`);
}

function bad(message: string): never {
  throw new LabError('PROTOCOL_MALFORMED', message);
}

function fail(kind: DecodeErrorKind, message: string): DecodeFailure {
  return { ok: false, kind, error: new LabError('PROTOCOL_MALFORMED', message, { kind }) };
}
