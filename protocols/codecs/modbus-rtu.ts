/**
 * Modbus RTU framing: the serial-line ADU around the PDU of `modbus.ts`. Pure: bytes and lab
 * times in, frames and typed errors out; no ports, no timers.
 *
 * References:
 *   [SER] MODBUS over Serial Line Specification and Implementation Guide v1.02
 *   [APP] MODBUS Application Protocol Specification v1.1b3
 *
 * ADU ([SER] §2.5.1): address (1) + PDU (1..253) + CRC-16 (2, low byte first, [SER] §2.5.1.2,
 * §6.2.2), so 4..256 bytes. The CRC is CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF),
 * computed by the `crc` package.
 *
 * Framing rule of `RtuSplitter` (what ends a frame). On a real line a frame ends at a silence of
 * 3.5 character times ([SER] §2.5.1.1). Our bytes reach the device through TCP, a PTY or a USB
 * adapter, whose chunking has nothing to do with the wire, so two signals are combined:
 *   1. Silence. A chunk that starts ≥ t3.5 after the previous chunk ended closes the frame
 *      pending before it (complete or not). A chunk is stamped with the time its last byte
 *      arrived, so its start is estimated as t − length × char time: a paced stream split by the
 *      OS is not mistaken for silence, and unpaced TCP writes never look like more silence than
 *      there was. One exception: when the pending bytes and the start of the new chunk make a
 *      frame with a valid CRC, the gap was an artefact of delivery (a USB adapter's latency
 *      timer, a chunk that carried the real silence inside it) and the frame stands.
 *   2. Length. Request lengths follow from the function code ([APP] §6): FC 1–6 are 8 bytes;
 *      FC 15/16 are 9 + byte count (byte 6). A frame is cut as soon as that many bytes are in,
 *      so back-to-back requests in one TCP write are split and answered without waiting.
 *      For any other function code the frame ends where its CRC first matches (≥ 4 bytes), so an
 *      unsupported function still gets its exception 01; failing that, at the next silence, or
 *      after 256 bytes (no RTU frame is longer).
 * There is no resynchronisation inside a burst: like a real slave, after garbage the splitter
 * finds frame starts again at the next silence.
 *
 * Untrusted bytes never throw: `decodeRtu` returns a typed error. Only `encodeRtu` throws, when
 * our own code asks for a frame the spec forbids.
 */
import { crc16modbus } from 'crc';
import { LabError } from '../../core/errors.js';
import type { LineSettings } from '../serial/settings.js';
import { FunctionCode, MAX_PDU_LENGTH } from './modbus.js';

/** [SER] §2.2: address 0 is a broadcast; slaves act on it and never answer. */
export const BROADCAST_ADDRESS = 0;
/** Address + function code + CRC. */
export const RTU_MIN_FRAME = 4;
/** [SER] §2.5.1: 1 address + 253 PDU + 2 CRC. */
export const RTU_MAX_FRAME = 256;

export interface RtuFrame {
  /** The address byte: 0 broadcast, 1–247 a slave, 248–255 reserved ([SER] §2.2). */
  unit: number;
  /** A view of the PDU inside `raw`. */
  pdu: Buffer;
  /** The whole frame as received, CRC included. */
  raw: Buffer;
}

export type RtuErrorKind = 'short' | 'long' | 'crc';

export type RtuDecodeResult =
  ({ ok: true } & RtuFrame) | { ok: false; kind: RtuErrorKind; error: LabError };

/** CRC-16/MODBUS of `bytes`, as a number; on the wire it goes low byte first. */
export function rtuCrc(bytes: Uint8Array): number {
  return crc16modbus(asBuffer(bytes));
}

export function encodeRtu(unit: number, pdu: Uint8Array): Buffer {
  if (!Number.isInteger(unit) || unit < 0 || unit > 0xff) {
    throw new LabError('PROTOCOL_MALFORMED', `a Modbus RTU address is one byte, got ${unit}`, {
      unit,
    });
  }
  if (pdu.length < 1 || pdu.length > MAX_PDU_LENGTH) {
    throw new LabError(
      'PROTOCOL_MALFORMED',
      `a Modbus PDU must be 1..253 bytes, got ${pdu.length}`,
    );
  }
  const out = Buffer.alloc(pdu.length + 3);
  out.writeUInt8(unit, 0);
  out.set(pdu, 1);
  // [SER] §2.5.1.2: the CRC's low-order byte is sent first.
  out.writeUInt16LE(rtuCrc(out.subarray(0, pdu.length + 1)), pdu.length + 1);
  return out;
}

/** One frame, as cut by `RtuSplitter` (or any other delimiter). */
export function decodeRtu(frame: Uint8Array): RtuDecodeResult {
  const raw = asBuffer(frame);
  if (raw.length < RTU_MIN_FRAME) {
    return fail('short', `Modbus RTU frame of ${raw.length} bytes: at least 4 needed`, raw);
  }
  if (raw.length > RTU_MAX_FRAME) {
    return fail('long', `Modbus RTU frame of ${raw.length} bytes: at most 256 allowed`, raw);
  }
  const body = raw.subarray(0, raw.length - 2);
  const expected = rtuCrc(body);
  const got = raw.readUInt16LE(raw.length - 2);
  if (expected !== got) {
    return fail('crc', `Modbus RTU CRC is 0x${hex4(got)}, expected 0x${hex4(expected)}`, raw, {
      expected,
      got,
    });
  }
  return { ok: true, unit: raw.readUInt8(0), pdu: raw.subarray(1, raw.length - 2), raw };
}

/**
 * Length of the request frame that starts `head`, from its function code ([APP] §6):
 * 'more' when the bytes that decide it have not arrived, 'unknown' when no length follows
 * (another function code, or a byte count that makes the frame longer than 256 bytes).
 */
export function rtuRequestLength(head: Uint8Array): number | 'more' | 'unknown' {
  if (head.length < 2) return 'more';
  const fc = head[1]!;
  if (fc >= FunctionCode.ReadCoils && fc <= FunctionCode.WriteSingleRegister) {
    return 8; // address, fc, 2 × 16-bit fields, CRC
  }
  if (fc === FunctionCode.WriteMultipleCoils || fc === FunctionCode.WriteMultipleRegisters) {
    if (head.length < 7) return 'more';
    const total = 9 + head[6]!; // address, fc, address(2), quantity(2), byte count, data, CRC
    return total <= RTU_MAX_FRAME ? total : 'unknown';
  }
  return 'unknown';
}

// ---------------------------------------------------------------------------------------------
// Timing ([SER] §2.5.1.1)

/** Milliseconds one character takes: start bit + data bits + parity bit + stop bits. */
export function rtuCharMs(s: LineSettings): number {
  const bits = 1 + s.dataBits + (s.parity === 'none' ? 0 : 1) + s.stopBits;
  return (bits * 1000) / s.baudRate;
}

/** t3.5: 3.5 characters, or the fixed 1.75 ms the spec prescribes above 19200 baud. */
export function rtuSilenceMs(s: LineSettings): number {
  return s.baudRate > 19200 ? 1.75 : 3.5 * rtuCharMs(s);
}

export interface RtuSplitterOptions {
  /** Silence that ends a frame (t3.5 from `rtuSilenceMs`, or wider for a jittery adapter). */
  silenceMs: number;
  /** One character time, to estimate when a chunk began. */
  charMs: number;
}

/** Cuts a byte stream into candidate RTU frames by the rule in the header of this file. */
export class RtuSplitter {
  private buffer: Buffer = Buffer.alloc(0);
  private lastT: number | undefined;

  constructor(private readonly opts: RtuSplitterOptions) {}

  /** Bytes that arrived at lab time t; returns the frames they complete, in order. */
  push(bytes: Uint8Array, t: number): Buffer[] {
    const frames: Buffer[] = [];
    if (bytes.length === 0) return frames;
    if (this.buffer.length > 0 && this.lastT !== undefined) {
      const silence = t - bytes.length * this.opts.charMs - this.lastT;
      if (silence >= this.opts.silenceMs && !this.completesFrame(bytes)) {
        frames.push(this.take(this.buffer.length));
      }
    }
    this.buffer = Buffer.concat([this.buffer, bytes]);
    this.lastT = t;
    for (let end = this.frameEnd(); end !== undefined; end = this.frameEnd()) {
      frames.push(this.take(end));
    }
    return frames;
  }

  /** When the bytes still pending become a frame by silence, if no more arrive. */
  deadline(): number | undefined {
    return this.buffer.length > 0 && this.lastT !== undefined
      ? this.lastT + this.opts.silenceMs
      : undefined;
  }

  /** The pending bytes as a frame (the silence came), or undefined when none are pending. */
  flush(): Buffer | undefined {
    return this.buffer.length > 0 ? this.take(this.buffer.length) : undefined;
  }

  /**
   * Whether the pending bytes and the start of `bytes` make a frame with a valid CRC. Then the
   * silence was not before the chunk but inside or after it (the OS or an adapter batched the
   * bytes), and the frame stands.
   */
  private completesFrame(bytes: Uint8Array): boolean {
    const joined = Buffer.concat([this.buffer, bytes.subarray(0, RTU_MAX_FRAME)]);
    const end = frameEndOf(joined);
    return end !== undefined && end > this.buffer.length && decodeRtu(joined.subarray(0, end)).ok;
  }

  private frameEnd(): number | undefined {
    return frameEndOf(this.buffer);
  }

  private take(n: number): Buffer {
    // Copy: frames outlive the buffer, and evidence must not alias bytes that get reused.
    const frame = Buffer.from(this.buffer.subarray(0, n));
    this.buffer = this.buffer.subarray(n);
    return frame;
  }
}

/** Where the frame at the start of `b` ends, by length or CRC; undefined while it may go on. */
function frameEndOf(b: Buffer): number | undefined {
  if (b.length === 0) return undefined;
  const length = rtuRequestLength(b);
  if (typeof length === 'number') return b.length >= length ? length : undefined;
  if (length === 'more') return undefined;
  const end = crcMatchEnd(b);
  if (end !== undefined) return end;
  return b.length >= RTU_MAX_FRAME ? RTU_MAX_FRAME : undefined;
}

/** The shortest prefix (4..256 bytes) whose last two bytes are the CRC of the rest. */
function crcMatchEnd(b: Buffer): number | undefined {
  let crc = 0xffff; // [SER] §6.2.2: the CRC register starts at all ones
  const last = Math.min(b.length, RTU_MAX_FRAME);
  for (let i = 0; i + 2 <= last; i++) {
    if (i >= RTU_MIN_FRAME - 2 && crc === b.readUInt16LE(i)) return i + 2;
    crc = crc16modbus(b.subarray(i, i + 1), crc);
  }
  return undefined;
}

function fail(
  kind: RtuErrorKind,
  message: string,
  raw: Buffer,
  extra: Record<string, unknown> = {},
): RtuDecodeResult {
  const context = { kind, length: raw.length, ...extra };
  return { ok: false, kind, error: new LabError('PROTOCOL_MALFORMED', message, context) };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}
