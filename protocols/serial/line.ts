/**
 * One serial line between a byte-level device and its host(s). Whatever carries the bytes — a raw
 * TCP socket, a PTY through socat, a real port — attaches here as a `LineEnd`. The line records
 * every chunk both ways (`serial.rx` host→device, `serial.tx` device→host) and paces device output
 * at the configured baud rate on the lab clock: a UART sends one character per
 * (start + data + parity + stop) bits / baud seconds, so 100 bytes at 9600 8N1 take ~104 ms.
 */
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

export class SerialLine {
  readonly deviceId: string;
  readonly settings: LineSettings;
  private readonly clock: Clock;
  private readonly record: RecordFn;
  private readonly ends = new Set<LineEnd>();
  private readonly queue: Buffer[] = [];
  private timer: TimerHandle | undefined;
  private receiver: ((bytes: Buffer, t: number, from: LineEnd) => void) | undefined;
  private readonly charMs: number;

  constructor(opts: SerialLineOptions) {
    this.deviceId = opts.deviceId;
    this.settings = opts.settings;
    this.clock = opts.clock;
    this.record = opts.record;
    this.charMs = charTimeMs(opts.settings);
  }

  attach(end: LineEnd): () => void {
    this.ends.add(end);
    return () => this.ends.delete(end);
  }

  attached(): number {
    return this.ends.size;
  }

  onReceive(handler: (bytes: Buffer, t: number, from: LineEnd) => void): void {
    this.receiver = handler;
  }

  /** Bytes from a host: recorded, then handed to the device. */
  fromHost(bytes: Buffer, from: LineEnd): void {
    if (bytes.length === 0) return;
    const t = this.clock.now();
    this.record('serial.rx', {
      peer: from.peer,
      device: this.deviceId,
      transport: from.transport,
      ...bytesView(bytes),
    });
    this.receiver?.(bytes, t, from);
  }

  /** Bytes from the device: recorded as one chunk, then paced out to every attached host. */
  send(bytes: Buffer): void {
    if (bytes.length === 0) return;
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

function bytesView(bytes: Buffer): Record<string, unknown> {
  const { raw, text } = payloadView(bytes);
  return text !== undefined ? { raw, text, size: bytes.length } : { raw, size: bytes.length };
}
