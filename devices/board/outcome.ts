/** What the board model answers a request with: a status, a payload, bus time and intents. */
import type { StatusCode } from '../../protocols/codecs/board-frame.js';
import { Status } from '../../protocols/codecs/board-frame.js';

export interface BusTransfer {
  bus: 'i2c' | 'spi' | 'uart';
  address?: number;
  cs?: number;
  port?: number;
  /** Kind of the part that answered, if any. */
  part?: string;
  out: Buffer;
  in: Buffer;
  status: string;
  durationMs: number;
  /** UART: bytes dropped since the last read because the receive buffer was full. */
  overruns?: number;
}

export type BoardIntent =
  /** A pin or component changed: `device.state` evidence. */
  | { state: Record<string, unknown> }
  /** A bus transaction: `bus.transfer` evidence. */
  | { transfer: BusTransfer }
  /** Drive a lab actuator wired to a pin (by scenario name). */
  | { command: { device: string; on: boolean } };

export interface BoardOutcome {
  status: StatusCode;
  payload: Buffer;
  /** Lab time the operation occupies the board (bus time, clock stretching). */
  durationMs: number;
  intents: BoardIntent[];
}

export function ok(
  payload: Buffer = Buffer.alloc(0),
  intents: BoardIntent[] = [],
  durationMs = 0,
): BoardOutcome {
  return { status: Status.OK, payload, durationMs, intents };
}

export function fail(
  status: StatusCode,
  message: string,
  intents: BoardIntent[] = [],
  durationMs = 0,
): BoardOutcome {
  return { status, payload: Buffer.from(message, 'utf8'), durationMs, intents };
}
