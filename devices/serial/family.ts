/**
 * The serial devices as a family of the lab: `serial:` in the scenario, one byte device per entry
 * (its kind's model from devices/serial/<kind>/), each on its own line reached as raw TCP, a PTY or
 * a real port. The lines are offered to the families after it (the board's UARTs, a gateway).
 */
import { z } from 'zod';
import { defineFamily } from '../family.js';
import { serialFactoriesFor } from './index.js';
import type { SerialFactories } from './index.js';
import type { ByteDevice } from './model.js';
import type { SerialDevicePlan } from './plan.js';
import { planSerial } from './plan.js';
import { createByteDevices } from './models.js';
import type { SerialOptions } from './runtime.js';
import { SerialDeviceSpec } from './scenario.js';

export const serialFamily = defineFamily({
  name: 'serial',
  scenario: { serial: z.array(SerialDeviceSpec).max(64).default([]) },
  plan: (s: { name: string; serial: readonly SerialDeviceSpec[] }, seed, usedIds) => ({
    serial: planSerial(s, seed, usedIds),
  }),
  instantiate(
    plan: { serial: readonly SerialDevicePlan[] },
    ctx,
    deps: {
      /** Transports of serial devices: TCP base port, PTY directory, real ports. */
      serial?: SerialOptions;
      /** Models of serial device kinds (default: every built-in kind). */
      serialFactories?: SerialFactories;
    },
  ) {
    const { seed, faults, clock, field } = ctx;
    const models = {
      plans: plan.serial,
      factories:
        deps.serialFactories ?? serialFactoriesFor({ epochMs: clock.wall() - clock.now() }),
      context: { truthOf: field.truthOf, modbusUnitOf: field.modbusUnitOf },
      seed,
      faults,
    };
    // Byte devices exist from the start (truth needs no sockets); their lines open in start().
    const devices: Map<string, ByteDevice> =
      plan.serial.length > 0 ? createByteDevices(models) : new Map<string, ByteDevice>();
    // Loaded here, not imported above, so planning a lab (graders, `iotlab check`) loads no server.
    const loading = plan.serial.length > 0 ? import('./runtime.js') : undefined;
    return {
      devices,
      ...(loading ? { loading } : {}),
      async start(sctx) {
        if (!loading) return undefined;
        const { startSerialDevices } = await loading;
        const runtime = await startSerialDevices({
          ...models,
          ...(sctx.guard ? { guard: sctx.guard } : {}),
          devices,
          clock: sctx.clock,
          record: sctx.record,
          logger: sctx.logger,
          host: sctx.host,
          options: deps.serial ?? {},
          applyCommand: (name, cmd, source) => sctx.field.command(name, cmd, source),
        });
        return {
          card: { serial: runtime.card },
          provides: { serialLines: runtime.lines, serialCard: runtime.card },
          close: () => runtime.close(),
        };
      },
    };
  },
});
