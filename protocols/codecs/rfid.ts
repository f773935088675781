/**
 * Messages of the lab's RFID reader module (kind `rfid_reader`, docs/protocols/rfid-reader.md):
 * what the CMD and DATA of a request (host → reader) and of a reply (reader → host) mean. The
 * frame around them (constants, CRC, encodeFrame/decodeFrame) is in rfid-frame.ts, the stream
 * splitter in rfid-splitter.ts and the Mifare access bits in rfid-access.ts. Pure: bytes in,
 * typed requests and replies or typed errors out; only the encoders throw, when our own code
 * asks for a frame the protocol forbids.
 *
 * References: [MF1S50] NXP MF1S50yyX/V1 (Mifare Classic 1K) product data sheet — §8.6 memory
 * organisation, §9 command overview; [14443-3] ISO/IEC 14443-3 (type A): REQA/WUPA, the
 * anticollision loop, UID and BCC; [AN10833] NXP MIFARE type identification.
 */
import {
  BLOCKS,
  BLOCK_SIZE,
  COMMANDS,
  KEY_TYPES,
  REQUEST_MODES,
  SECTORS,
  STATUS,
  bad,
  bcc,
  decodeFrame,
  encodeFrame,
  fail,
  hex,
} from './rfid-frame.js';
import type { CommandName, DecodeFailure, ErrorStatus, RfidFrame } from './rfid-frame.js';

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
// Helpers

/** [14443-3] ATQA: least significant byte first. */
function atqaBytes(atqa: number): number[] {
  checkRange(atqa, 0x10000, 'ATQA');
  return [atqa & 0xff, atqa >> 8];
}

function sized(b: Uint8Array, n: number, what: string): Buffer {
  if (b.length !== n) bad(`${what} is ${n} bytes, got ${b.length}`);
  return Buffer.from(b);
}

function checkRange(v: number, end: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v >= end) bad(`${what} must be 0..${end - 1}, got ${v}`);
}
