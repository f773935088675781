/** This kind's section of a scenario's `serial:` list (docs/protocols/). */
import { z } from 'zod';
import { name } from '../../../core/schema.js';
import { serialBase } from '../scenario-base.js';

export const ModbusRtuDevice = z
  .object({
    ...serialBase,
    kind: z.literal('modbus_rtu'),
    /** Devices (with a `modbus: {transport: rtu}` binding) that answer on this RS-485 line. */
    units: z.array(name).min(1).max(32),
  })
  .strict();

export type ModbusRtuSpec = z.infer<typeof ModbusRtuDevice>;
