/** This kind's section of a scenario's `serial:` list (docs/protocols/). */
import { z } from 'zod';
import { name } from '../../../core/schema.js';
import { serialBase } from '../scenario-base.js';

export const ControllerDevice = z
  .object({
    ...serialBase,
    kind: z.literal('controller'),
    address: z.number().int().min(1).max(254).default(1),
    /** Sensors of the lab it reads, by name, in channel order. */
    sensors: z.array(name).default([]),
    /** Actuators of the lab it drives, by name, in channel order. */
    actuators: z.array(name).default([]),
  })
  .strict();

export type ControllerSpec = z.infer<typeof ControllerDevice>;
