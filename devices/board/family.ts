/**
 * The virtual MCU board as a family of the lab: `board:` in the scenario (at most one), its pins,
 * buses and UARTs wired to the lab's devices and lines, served over its own TCP protocol.
 */
import type { DevicePlan } from '../field/plan.js';
import type { DeviceSpec } from '../field/scenario.js';
import { defineFamily } from '../family.js';
import type { SerialDevicePlan } from '../serial/plan.js';
import type { SerialDeviceSpec } from '../serial/scenario.js';
import { BoardModel } from './board.js';
import type { BoardPlan } from './plan.js';
import { planBoard } from './plan.js';
import { BoardSpec, checkBoard } from './scenario.js';

interface BoardScenario {
  name: string;
  board?: BoardSpec | undefined;
  devices: readonly DeviceSpec[];
  serial: readonly SerialDeviceSpec[];
}

export const boardFamily = defineFamily({
  name: 'board',
  scenario: {
    /** The virtual MCU board (docs/board.md); at most one per lab. */
    board: BoardSpec.optional(),
  },
  check: (s: BoardScenario, ctx) => checkBoard(s.board, s.devices, s.serial, ctx),
  plan(s: BoardScenario, seed, usedIds): { board?: BoardPlan } {
    const board = planBoard(s, seed, usedIds);
    return board ? { board } : {};
  },
  instantiate(
    plan: {
      board?: BoardPlan | undefined;
      devices: readonly DevicePlan[];
      serial: readonly SerialDevicePlan[];
    },
    ctx,
    deps: { ports?: { /** The MCU board's protocol port (docs/board.md). */ board?: number } },
  ) {
    const model = plan.board
      ? new BoardModel(plan.board, { seed: ctx.seed, device: ctx.field.model })
      : undefined;
    // Loaded here, not imported above, so planning a lab (graders, `iotlab check`) loads no server.
    const loading = model ? import('./runtime.js') : undefined;
    return {
      model,
      ...(loading ? { loading } : {}),
      async start(sctx) {
        if (!model || !loading) return undefined;
        const { startBoard } = await loading;
        const runtime = await startBoard({
          ...(sctx.guard ? { guard: sctx.guard } : {}),
          plan,
          model,
          clock: sctx.clock,
          record: sctx.record,
          logger: sctx.logger,
          host: sctx.host,
          port: deps.ports?.board ?? 0,
          lines: sctx.services.serialLines ?? new Map(),
          command: (name, on, source) => {
            sctx.field.command(name, { on }, source);
          },
        });
        return { card: { board: runtime.card }, close: () => runtime.close() };
      },
    };
  },
});
