/**
 * Stream splitter for the RFID reader's frames (rfid-frame.ts): cuts frames out of the bytes of a
 * serial line, resynchronising on AA BB, and says why it discarded anything. Separate from the
 * codec because it holds state (the pending bytes and when they came) where the codec is pure
 * functions; the reader (devices/serial/rfid-reader/model.ts) owns one, and `direction: 'response'`
 * serves the host side.
 */
import { HEADER, MAX_FRAME, minFrame, rfidCrc } from './rfid-frame.js';
import type { Direction } from './rfid-frame.js';

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
