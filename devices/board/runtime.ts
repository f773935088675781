/**
 * Runs the board: its model answers requests from the TCP server; this module adds the lab clock
 * (bus time, conversion waits, DELAY, UART timeouts), the UARTs wired to serial devices of the lab,
 * the evidence (`bus.transfer` for every bus transaction, `device.state` for every pin change) and
 * the commands that pins send to lab actuators.
 *
 * Board time: an operation starts when the previous one ended (or now, if later) and the answer
 * goes out once lab time reaches its end. Waits under 1 ms are not slept (Node timers cannot) but
 * still counted, so the board runs at most 1 ms ahead of the lab clock and never behind it.
 */
import type { BoardModel } from './board.js';
import type { BoardIntent, BoardOutcome } from './outcome.js';
import { fail, ok } from './outcome.js';
import type { Request } from '../../protocols/codecs/board-frame.js';
import { Status } from '../../protocols/codecs/board-frame.js';
import type { BoardAnswer } from '../../protocols/board/server.js';
import { createBoardServer } from '../../protocols/board/server.js';
import type { PeerGuard } from '../../protocols/listen.js';
import type { SerialLine } from '../../protocols/serial/line.js';
import type { BoardCard } from './card.js';
import { BOARD_PINS } from './scenario.js';
import { buildBoardCard } from './card.js';
import { BoardUarts, MAX_WAIT_MS } from './runtime/uarts.js';
import { BoardWaits } from './runtime/waits.js';
import type { Clock } from '../../core/clock.js';
import type { RecordFn } from '../../core/evidence.js';
import type { Logger } from '../../core/logger.js';
import type { DevicePlan } from '../field/plan.js';
import type { SerialDevicePlan } from '../serial/plan.js';

export interface BoardRuntimeDeps {
  /** The lab's devices and lines the board is wired to. */
  plan: { devices: readonly DevicePlan[]; serial: readonly SerialDevicePlan[] };
  model: BoardModel;
  clock: Clock;
  record: RecordFn;
  logger: Logger;
  host: string;
  port: number;
  /** Serial lines of the lab by device id (UART wiring). */
  lines: ReadonlyMap<string, SerialLine>;
  command(device: string, on: boolean, source: string): void;
  /** Seat lock (exam sessions). */
  guard?: PeerGuard;
}

export interface BoardRuntime {
  card: BoardCard;
  close(): Promise<void>;
}

export { RX_BUFFER } from './runtime/uarts.js';

export async function startBoard(deps: BoardRuntimeDeps): Promise<BoardRuntime> {
  const { clock, record, model } = deps;
  const boardPlan = model.plan;
  const boardId = boardPlan.id;
  const waits = new BoardWaits(clock);
  const until = (t: number): Promise<void> => waits.until(t);
  const uarts = new BoardUarts(boardId, boardPlan.spec.uart, deps.plan.serial, deps.lines, waits);
  let busyUntil = 0;

  const apply = (intents: BoardIntent[], at: number): void => {
    for (const i of intents) {
      if ('state' in i) record('device.state', { ...i.state, source: 'board', boardT: round3(at) });
      else if ('command' in i) deps.command(i.command.device, i.command.on, `board:${boardId}`);
      else {
        const { out, in: got, durationMs, ...rest } = i.transfer;
        record('bus.transfer', {
          device: boardId,
          ...rest,
          out: out.toString('hex'),
          in: got.toString('hex'),
          durationMs: round3(durationMs),
          boardT: round3(at),
        });
      }
    }
  };

  /** PIN_WAIT: samples the input every 1 ms of lab time until the edge or the deadline. */
  const pinWait = async (
    pin: number,
    edge: number,
    timeoutMs: number,
    start: number,
  ): Promise<BoardOutcome> => {
    if (edge > 2) return fail(Status.BAD_ARG, `edge must be 0 falling, 1 rising or 2 either`);
    if (timeoutMs > MAX_WAIT_MS) return fail(Status.BAD_ARG, `timeout must be 0–${MAX_WAIT_MS} ms`);
    if (pin >= BOARD_PINS) return fail(Status.BAD_ARG, `no pin ${pin} (pins 0–${BOARD_PINS - 1})`);
    let last = model.pins.inputAt(pin, start);
    if (last === undefined) return fail(Status.WRONG_MODE, `pin ${pin} is not an input`);
    await until(start);
    const deadline = start + timeoutMs;
    const answer = (fired: boolean, level: 0 | 1, at: number): BoardOutcome => {
      const out = Buffer.alloc(6);
      out[0] = fired ? 1 : 0;
      out[1] = level;
      out.writeUInt32BE(Math.floor(at) >>> 0, 2);
      return ok(out);
    };
    for (;;) {
      const now = Math.max(clock.now(), start);
      const level = model.pins.inputAt(pin, Math.min(now, deadline));
      if (level === undefined) return fail(Status.WRONG_MODE, `pin ${pin} is no longer an input`);
      const hit =
        level !== last &&
        (edge === 2 || (edge === 1 && level === 1) || (edge === 0 && level === 0));
      if (hit) return answer(true, level, now);
      last = level;
      if (now >= deadline || waits.closing) return answer(false, level, Math.min(now, deadline));
      await waits.wait(Math.min(1, deadline - now)); // a real timer even under 1 ms
    }
  };

  const handle = async (req: Request): Promise<BoardAnswer> => {
    if (waits.closing)
      return { status: Status.INTERNAL, payload: Buffer.from('the lab is stopping') };
    const start = Math.max(clock.now(), busyUntil);
    let outcome: BoardOutcome;
    if (req.op === 'DELAY') {
      if (req.ms > MAX_WAIT_MS) return fail(Status.BAD_ARG, `delay must be 0–${MAX_WAIT_MS} ms`);
      // The firmware's own wait, not the hardware's: it holds back its client's next request
      // (answered in order) but, unlike a bus transfer, not the board: a client that leaves
      // mid-DELAY must not keep the next one waiting (docs/board.md).
      await until(start + req.ms);
      return ok(Buffer.alloc(0), [], req.ms);
    } else if (req.op === 'UART_WRITE') outcome = uarts.write(req.port, req.out);
    else if (req.op === 'PIN_WAIT') {
      outcome = await pinWait(req.pin, req.edge, req.timeoutMs, start);
      busyUntil = Math.max(busyUntil, clock.now());
      return outcome;
    } else if (req.op === 'UART_READ') {
      outcome = await uarts.read(req.port, req.max, req.timeoutMs, start);
      busyUntil = Math.max(busyUntil, clock.now());
      apply(outcome.intents, Math.max(start, clock.now()));
      return outcome;
    } else outcome = model.execute(req, start);
    apply(outcome.intents, start);
    busyUntil = start + outcome.durationMs;
    await until(busyUntil);
    return outcome;
  };

  const server = await createBoardServer({
    ...(deps.guard ? { guard: deps.guard } : {}),
    host: deps.host,
    port: deps.port,
    logger: deps.logger,
    handle,
    onBadFrame: (peer, status, message) =>
      record('bus.transfer', {
        device: boardId,
        bus: 'host',
        peer,
        status: 'bad_request',
        code: status,
        message,
      }),
    onClient: (peer, event) =>
      record('device.state', { device: boardId, peer, client: event, source: 'board' }),
  });

  return {
    card: buildBoardCard(
      boardPlan,
      { host: deps.host, port: server.port },
      deps.plan.devices,
      deps.plan.serial,
    ),
    async close() {
      waits.close();
      uarts.close();
      await server.close();
    },
  };
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;
