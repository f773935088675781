/**
 * IOTLAB-FC200 field-controller protocol, frame layer: the envelope every message travels in, its
 * CRC, and cutting frames out of a byte stream. The messages inside the payload are in
 * controller.ts and controller-reply.ts. Pure: bytes in, typed values out, no ports and no timers.
 *
 * Frame: 5A A5 | address | command | length | payload (length bytes) | CRC lo | CRC hi
 * The CRC is CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF, from the `crc` package) over
 * address..payload, sent low byte first as Modbus RTU does (MODBUS over Serial Line v1.02
 * §2.5.1.2, §6.2.2).
 *
 * Untrusted bytes never throw: `scanFrames` and `decodeFrame` return typed errors. Only
 * `encodeFrame` throws, and only when our own code asks for a frame the protocol forbids.
 */
import { crc16modbus } from 'crc';
import { LabError } from '../../core/errors.js';

export const HEADER = Buffer.of(0x5a, 0xa5);
/** Header (2) + address + command + length + CRC (2). */
export const FRAME_OVERHEAD = 7;
export const MAX_PAYLOAD = 255;

export interface Frame {
  address: number;
  command: number;
  payload: Buffer;
}

/** CRC-16/MODBUS as a number; on the wire it goes low byte first. */
export function crcOf(bytes: Uint8Array): number {
  return crc16modbus(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
}

export function encodeFrame(frame: Frame): Buffer {
  checkByte('address', frame.address);
  checkByte('command', frame.command);
  if (frame.payload.length > MAX_PAYLOAD) {
    throw malformed(`a payload is at most ${MAX_PAYLOAD} bytes, got ${frame.payload.length}`);
  }
  const body = Buffer.concat([
    Buffer.of(frame.address, frame.command, frame.payload.length),
    frame.payload,
  ]);
  const crc = Buffer.alloc(2);
  crc.writeUInt16LE(crcOf(body), 0);
  return Buffer.concat([HEADER, body, crc]);
}

export type FrameResult = { ok: true; frame: Frame } | { ok: false; error: LabError };

/** Decodes exactly one frame (no bytes before or after it). */
export function decodeFrame(bytes: Uint8Array): FrameResult {
  const b = Buffer.from(bytes);
  if (b.length < FRAME_OVERHEAD) {
    return fail(`a frame is at least ${FRAME_OVERHEAD} bytes, got ${b.length}`);
  }
  if (b[0] !== 0x5a || b[1] !== 0xa5) {
    return fail(`a frame starts with 5A A5, got ${hex(b.subarray(0, 2))}`);
  }
  const expected = FRAME_OVERHEAD + b[4]!;
  if (b.length !== expected) {
    const why = b.length < expected ? 'truncated' : 'trailing bytes';
    return fail(`length byte ${b[4]} means a ${expected}-byte frame, got ${b.length} (${why})`);
  }
  const checked = checkCrc(b);
  if (!checked.ok) return { ok: false, error: checked.error };
  return { ok: true, frame: frameOf(b) };
}

export type ScanItem =
  | { ok: true; frame: Frame; raw: Buffer }
  | { ok: false; reason: 'garbage'; raw: Buffer; error: LabError }
  | {
      ok: false;
      reason: 'bad-crc';
      raw: Buffer;
      error: LabError;
      address: number;
      command: number;
    };

export interface ScanResult {
  /** Frames, bad-CRC frames and skipped bytes, in stream order. */
  items: ScanItem[];
  /** The start of a frame still arriving; prepend it to the next chunk. */
  rest: Buffer;
}

/**
 * Cuts frames out of a byte stream. Bytes before a header are garbage. A header whose frame
 * fails its CRC, or never completes, may be a 5A A5 inside garbage: when a valid frame starts
 * within its span (or, for an incomplete one, anywhere after it), the scan resynchronises there;
 * otherwise a complete bad frame is reported as `bad-crc` and skipped whole.
 */
export function scanFrames(buffer: Buffer): ScanResult {
  const items: ScanItem[] = [];
  const garbage = (from: number, to: number): void => {
    if (to <= from) return;
    const raw = buffer.subarray(from, to);
    const error = malformed(`skipped ${raw.length} byte(s) outside any frame`, { bytes: hex(raw) });
    items.push({ ok: false, reason: 'garbage', raw, error });
  };
  let pos = 0;
  for (;;) {
    const h = buffer.indexOf(HEADER, pos);
    if (h < 0) {
      // A trailing 5A may be the first header byte of the next chunk.
      const keep = buffer.length > pos && buffer[buffer.length - 1] === 0x5a ? 1 : 0;
      garbage(pos, buffer.length - keep);
      return { items, rest: buffer.subarray(buffer.length - keep) };
    }
    const total = h + 4 < buffer.length ? FRAME_OVERHEAD + buffer[h + 4]! : undefined;
    const complete = total !== undefined && h + total <= buffer.length;
    const raw = complete ? buffer.subarray(h, h + total) : undefined;
    const checked = raw ? checkCrc(raw) : undefined;
    if (raw && checked?.ok) {
      garbage(pos, h);
      items.push({ ok: true, frame: frameOf(raw), raw });
      pos = h + raw.length;
      continue;
    }
    const resync = nextValidFrame(buffer, h + 1, raw ? h + raw.length : buffer.length);
    if (resync >= 0) {
      garbage(pos, resync);
      pos = resync;
    } else if (raw && checked && !checked.ok) {
      garbage(pos, h);
      items.push({ ok: false, reason: 'bad-crc', raw, error: checked.error, ...addressing(raw) });
      pos = h + raw.length;
    } else {
      garbage(pos, h);
      return { items, rest: buffer.subarray(h) };
    }
  }
}

function nextValidFrame(buffer: Buffer, from: number, before: number): number {
  for (let h = buffer.indexOf(HEADER, from); h >= 0 && h < before;) {
    if (h + 4 < buffer.length) {
      const end = h + FRAME_OVERHEAD + buffer[h + 4]!;
      if (end <= buffer.length && checkCrc(buffer.subarray(h, end)).ok) return h;
    }
    h = buffer.indexOf(HEADER, h + 1);
  }
  return -1;
}

function checkCrc(raw: Buffer): { ok: true } | { ok: false; error: LabError } {
  const computed = crcOf(raw.subarray(2, raw.length - 2));
  const received = raw.readUInt16LE(raw.length - 2);
  if (computed === received) return { ok: true };
  const message = `CRC mismatch: frame carries ${hex4(received)}, computed ${hex4(computed)} (sent low byte first)`;
  return { ok: false, error: malformed(message, { ...addressing(raw), received, computed }) };
}

function addressing(raw: Buffer): { address: number; command: number } {
  return { address: raw[2]!, command: raw[3]! };
}

function frameOf(raw: Buffer): Frame {
  return { address: raw[2]!, command: raw[3]!, payload: raw.subarray(5, raw.length - 2) };
}

export function hex(bytes: Uint8Array): string {
  return [...bytes].map(hex2).join(' ');
}

/** One byte as two uppercase hex digits; controller.ts and controller-reply.ts use it too. */
export function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

function hex4(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
}

function fail(message: string): { ok: false; error: LabError } {
  return { ok: false, error: malformed(message) };
}

/** The error of a malformed controller frame or message; the message files use it too. */
export function malformed(message: string, context: Record<string, unknown> = {}): LabError {
  return new LabError('PROTOCOL_MALFORMED', `controller frame: ${message}`, context);
}

/** A byte field for an encoder: throws when our own code passes something else. */
export function checkByte(what: string, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xff)
    throw malformed(`${what} must be 0..255, got ${n}`);
  return n;
}
