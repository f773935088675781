/**
 * One serial line between a byte-level device and its host(s). Whatever carries the bytes — a raw
 * TCP socket, a PTY through socat, a real port — attaches here as a `LineEnd`. The line records
 * every chunk both ways (`serial.rx` host→device, `serial.tx` device→host) and paces device output
 * at the configured baud rate on the lab clock: a UART sends one character per
 * (start + data + parity + stop) bits / baud seconds, so 100 bytes at 9600 8N1 take ~104 ms.
 */
import { createHash } from 'node:crypto';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { RecordFn } from '../../core/evidence.js';
import { payloadView } from '../../core/evidence.js';
import type { LineSettings } from './settings.js';

export interface LineEnd {
  /** 'tcp' | 'pty' | 'port' */
  transport: string;
  peer?: string;
  write(bytes: Buffer): void;
}

export interface SerialLineOptions {
  deviceId: string;
  settings: LineSettings;
  clock: Clock;
  record: RecordFn;
}

/** Milliseconds one character occupies on the wire. */
export function charTimeMs(s: LineSettings): number {
  const bits = 1 + s.dataBits + (s.parity === 'none' ? 0 : 1) + s.stopBits;
  return (bits * 1000) / s.baudRate;
}

/** Output is released in slices at most this often, so pacing costs few timers. */
const SLICE_MS = 10;
/**
 * What a line takes from its hosts beyond its baud rate: a UART receives one character per
 * character time, whatever TCP can carry. Bytes over this bucket (refilled at the baud rate, never
 * holding more than a FIFO's worth or a second of characters) are an overrun: dropped, and recorded
 * by size and hash, not byte by byte, so a host flooding the line cannot flood the evidence.
 */
export const RX_BURST_BYTES = 4096;
/** Device output waiting to go out, at most; beyond it the device's bytes are dropped (FIFO full). */
export const TX_QUEUE_BYTES = 65_536;

export class SerialLine {
  readonly deviceId: string;
  readonly settings: LineSettings;
  private readonly clock: Clock;
  private readonly record: RecordFn;
  private readonly ends = new Set<LineEnd>();
  private readonly queue: Buffer[] = [];
  private timer: TimerHandle | undefined;
  private dropNote: TimerHandle | undefined;
  private receiver: ((bytes: Buffer, t: number, from: LineEnd) => void) | undefined;
  private readonly charMs: number;
  private readonly rxCap: number;
  private rxTokens: number;
  private rxAt: number;

  constructor(opts: SerialLineOptions) {
    this.deviceId = opts.deviceId;
    this.settings = opts.settings;
    this.clock = opts.clock;
    this.record = opts.record;
    this.charMs = charTimeMs(opts.settings);
    this.rxCap = Math.max(RX_BURST_BYTES, Math.ceil(1000 / this.charMs));
    this.rxTokens = this.rxCap;
    this.rxAt = this.clock.now();
  }

  /**
   * Attaches a host. When the last host leaves, output still queued for it is dropped: the next
   * host must not first receive the previous one's backlog (a real UART would have sent it into
   * the void meanwhile).
   */
  attach(end: LineEnd): () => void {
    this.ends.add(end);
    return () => {
      if (!this.ends.delete(end) || this.ends.size > 0) return;
      const pending = this.pending();
      if (pending === 0) return;
      this.clock.clear(this.timer);
      this.timer = undefined;
      this.queue.length = 0;
      // Recorded on the next tick of the lab clock, so that hosts leaving because the lab is
      // stopping (close() cancels it) add nothing to a run's evidence.
      this.clock.clear(this.dropNote);
      this.dropNote = this.clock.setTimeout(() => {
        this.dropNote = undefined;
        this.record('serial.tx', {
          device: this.deviceId,
          dropped: pending,
          reason: 'no host on the line',
        });
      }, 0);
    };
  }

  attached(): number {
    return this.ends.size;
  }

  onReceive(handler: (bytes: Buffer, t: number, from: LineEnd) => void): void {
    this.receiver = handler;
  }

  /** Bytes from a host: recorded, then handed to the device, as fast as the line takes them. */
  fromHost(bytes: Buffer, from: LineEnd): void {
    if (bytes.length === 0) return;
    const t = this.clock.now();
    this.rxTokens = Math.min(this.rxCap, this.rxTokens + (t - this.rxAt) / this.charMs);
    this.rxAt = t;
    const take = Math.min(bytes.length, Math.floor(this.rxTokens));
    this.rxTokens -= take;
    const from_ = { peer: from.peer, device: this.deviceId, transport: from.transport };
    if (take < bytes.length)
      this.record('serial.rx', {
        ...from_,
        ...droppedView(bytes.subarray(take)),
        reason: 'overrun: the host sent faster than the line carries',
      });
    if (take === 0) return;
    const accepted = take === bytes.length ? bytes : bytes.subarray(0, take);
    this.record('serial.rx', { ...from_, ...bytesView(accepted) });
    this.receiver?.(accepted, t, from);
  }

  /** Bytes from the device: recorded as one chunk, then paced out to every attached host. */
  send(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const room = Math.max(0, TX_QUEUE_BYTES - this.pending());
    if (bytes.length > room) {
      this.record('serial.tx', {
        device: this.deviceId,
        ...droppedView(bytes.subarray(room)),
        reason: 'output queue full',
      });
      if (room === 0) return;
      bytes = bytes.subarray(0, room);
    }
    this.record('serial.tx', { device: this.deviceId, ...bytesView(bytes) });
    this.queue.push(bytes);
    if (!this.timer) this.pump();
  }

  /** Bytes still waiting to go out. */
  pending(): number {
    return this.queue.reduce((n, b) => n + b.length, 0);
  }

  close(): void {
    this.clock.clear(this.timer);
    this.timer = undefined;
    this.clock.clear(this.dropNote);
    this.dropNote = undefined;
    this.queue.length = 0;
    this.ends.clear();
  }

  private pump(): void {
    const perSlice = Math.max(1, Math.floor(SLICE_MS / this.charMs));
    const out: Buffer[] = [];
    let n = 0;
    while (n < perSlice && this.queue.length > 0) {
      const head = this.queue[0]!;
      const take = Math.min(head.length, perSlice - n);
      out.push(head.subarray(0, take));
      n += take;
      if (take === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(take);
    }
    if (n > 0) {
      const chunk = Buffer.concat(out);
      for (const end of this.ends) end.write(chunk);
    }
    this.timer =
      this.queue.length > 0 ? this.clock.setTimeout(() => this.pump(), n * this.charMs) : undefined;
  }
}

/** A chunk the line did not carry: its size and SHA-256, never its bytes. */
function droppedView(bytes: Buffer): Record<string, unknown> {
  return { dropped: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

function bytesView(bytes: Buffer): Record<string, unknown> {
  const { raw, text } = payloadView(bytes);
  return text !== undefined ? { raw, text, size: bytes.length } : { raw, size: bytes.length };
}
