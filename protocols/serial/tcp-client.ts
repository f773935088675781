/**
 * A host's side of a serial line reached as raw TCP (a serial device server, like ser2net):
 * bytes in, bytes out, no framing, kept connected. A refused or dropped connection is retried
 * with exponential backoff. The lab's serial TCP ports take one host at a time and close a
 * second one at once, so a connection counts as up only after it has lasted `settleMs`, and one
 * closed before that is reported as "busy".
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';

export interface LineClientOptions {
  host: string;
  port: number;
  /** For logs: the line's name. */
  label: string;
  clock: Clock;
  logger: Logger;
  onData(bytes: Buffer): void;
  onState(up: boolean, reason?: string): void;
  settleMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface LineClient {
  readonly up: boolean;
  write(bytes: Buffer): boolean;
  close(): Promise<void>;
}

export function openLineClient(opts: LineClientOptions): LineClient {
  const { clock, logger } = opts;
  const settleMs = opts.settleMs ?? 50;
  const minBackoff = opts.minBackoffMs ?? 250;
  const maxBackoff = opts.maxBackoffMs ?? 5000;
  let backoff = minBackoff;
  let socket: Socket | undefined;
  let timer: TimerHandle | undefined;
  let up = false;
  let closed = false;
  let lastReason: string | undefined;
  const where = { line: opts.label, host: opts.host, port: opts.port };

  const later = (fn: () => void, ms: number): void => {
    clock.clear(timer);
    timer = clock.setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };

  const dial = (): void => {
    if (closed) return;
    const s = connect({ host: opts.host, port: opts.port });
    socket = s;
    let connected = false;
    let settled = false;
    let failure: string | undefined;
    s.setNoDelay(true);
    s.on('connect', () => {
      connected = true;
      later(() => {
        if (socket !== s || s.destroyed) return;
        settled = true;
        up = true;
        backoff = minBackoff;
        lastReason = undefined;
        logger.info('gateway connected to its line', where);
        opts.onState(true);
      }, settleMs);
    });
    s.on('data', (bytes: Buffer) => {
      if (socket === s && up) opts.onData(bytes);
    });
    s.on('error', (err: NodeJS.ErrnoException) => {
      failure = err.code === 'ECONNREFUSED' ? 'connection refused' : err.message;
    });
    s.on('close', () => {
      if (socket !== s) return;
      socket = undefined;
      up = false;
      clock.clear(timer);
      timer = undefined;
      const reason =
        failure ??
        (settled
          ? 'closed by the device server'
          : connected
            ? 'busy: the device server closed the connection (another host is attached)'
            : 'connection failed');
      opts.onState(false, reason);
      if (closed) return;
      // One warning per new reason; the retries after it are debug.
      const ctx = { ...where, reason, inMs: backoff };
      if (reason === lastReason) logger.debug('gateway line down; reconnecting', ctx);
      else logger.warn('gateway line down; reconnecting', ctx);
      lastReason = reason;
      later(dial, backoff);
      backoff = Math.min(backoff * 2, maxBackoff);
    });
  };
  dial();

  return {
    get up() {
      return up;
    },
    write(bytes) {
      return socket !== undefined && up && socket.write(bytes);
    },
    async close() {
      closed = true;
      clock.clear(timer);
      timer = undefined;
      const s = socket;
      if (!s || s.destroyed) return;
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.destroy();
      });
    },
  };
}
