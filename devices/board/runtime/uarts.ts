/**
 * The board's UARTs: each wired to a serial device's line of the lab, with a receive buffer of
 * RX_BUFFER bytes (beyond it, bytes are counted as overruns, as a real UART's FIFO drops them),
 * and the UART_WRITE / UART_READ operations on them.
 */
import type { BoardOutcome } from '../outcome.js';
import { fail, ok } from '../outcome.js';
import type { BoardWaits } from './waits.js';
import type { BoardSpec } from '../scenario.js';
import { MAX_DATA, Status } from '../../../protocols/codecs/board-frame.js';
import type { LineEnd, SerialLine } from '../../../protocols/serial/line.js';
import { charTimeMs } from '../../../protocols/serial/line.js';
import type { SerialDevicePlan } from '../../serial/plan.js';

export const RX_BUFFER = 4096;
export const MAX_WAIT_MS = 60_000;

interface Uart {
  line: SerialLine;
  end: LineEnd;
  rx: Buffer[];
  rxLen: number;
  overruns: number;
  waiter: (() => void) | undefined;
  detach: () => void;
}

export class BoardUarts {
  private readonly uarts = new Map<number, Uart>();

  constructor(
    boardId: string,
    wiring: BoardSpec['uart'],
    serial: readonly SerialDevicePlan[],
    lines: ReadonlyMap<string, SerialLine>,
    private readonly waits: BoardWaits,
  ) {
    for (const u of wiring) {
      const sp = serial.find((p) => p.name === u.device)!;
      const line = lines.get(sp.id);
      if (!line) continue;
      const uart: Uart = {
        line,
        end: {
          transport: 'board',
          peer: `${boardId}:uart${u.port}`,
          write: (bytes) => this.receive(uart, bytes),
        },
        rx: [],
        rxLen: 0,
        overruns: 0,
        waiter: undefined,
        detach: () => undefined,
      };
      uart.detach = line.attach(uart.end);
      this.uarts.set(u.port, uart);
    }
  }

  private receive(uart: Uart, bytes: Buffer): void {
    const room = RX_BUFFER - uart.rxLen;
    if (room < bytes.length) uart.overruns += bytes.length - Math.max(0, room);
    const kept = bytes.subarray(0, Math.max(0, room));
    if (kept.length > 0) {
      uart.rx.push(Buffer.from(kept));
      uart.rxLen += kept.length;
    }
    uart.waiter?.();
  }

  private take(uart: Uart, max: number): Buffer {
    const all = Buffer.concat(uart.rx);
    const out = all.subarray(0, max);
    const rest = all.subarray(out.length);
    uart.rx = rest.length > 0 ? [Buffer.from(rest)] : [];
    uart.rxLen = rest.length;
    return Buffer.from(out);
  }

  /** UART_WRITE: the bytes go onto the line now; the answer waits for their time on the wire. */
  write(port: number, out: Buffer): BoardOutcome {
    const uart = this.uarts.get(port);
    if (!uart) return fail(Status.NOT_WIRED, `nothing is wired to UART ${port}`);
    if (out.length === 0) return fail(Status.BAD_ARG, 'UART_WRITE needs at least one byte');
    uart.line.fromHost(out, uart.end);
    const durationMs = out.length * charTimeMs(uart.line.settings);
    return ok(
      Buffer.alloc(0),
      [{ transfer: { bus: 'uart', port, out, in: Buffer.alloc(0), status: 'ok', durationMs } }],
      durationMs,
    );
  }

  /** UART_READ: up to `max` bytes, waiting up to `timeoutMs` of lab time for them to arrive. */
  async read(port: number, max: number, timeoutMs: number, start: number): Promise<BoardOutcome> {
    const uart = this.uarts.get(port);
    if (!uart) return fail(Status.NOT_WIRED, `nothing is wired to UART ${port}`);
    if (max === 0 || max > MAX_DATA) return fail(Status.BAD_ARG, `max must be 1–${MAX_DATA}`);
    if (timeoutMs > MAX_WAIT_MS) return fail(Status.BAD_ARG, `timeout must be 0–${MAX_WAIT_MS} ms`);
    await this.waits.until(start);
    if (uart.rxLen < max && timeoutMs > 0 && !this.waits.closing) {
      await this.waits.wait(timeoutMs, (wake) => {
        uart.waiter = () => {
          if (uart.rxLen >= max) wake();
        };
      });
      uart.waiter = undefined;
    }
    const got = this.take(uart, max);
    const overruns = uart.overruns;
    uart.overruns = 0;
    return ok(got, [
      {
        transfer: {
          bus: 'uart',
          port,
          out: Buffer.alloc(0),
          in: got,
          status: 'ok',
          durationMs: 0,
          ...(overruns > 0 ? { overruns } : {}),
        },
      },
    ]);
  }

  /** Unplugs every UART from its line. */
  close(): void {
    for (const u of this.uarts.values()) u.detach();
  }
}
