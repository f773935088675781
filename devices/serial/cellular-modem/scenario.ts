/** This kind's section of a scenario's `serial:` list (docs/protocols/). */
import { z } from 'zod';
import { serialBase } from '../scenario-base.js';

export const CellularModemDevice = z
  .object({
    ...serialBase,
    kind: z.literal('cellular_modem'),
    mcc: z.number().int().min(0).max(999).default(460),
    mnc: z.number().int().min(0).max(999).default(0),
    /** Cells of the published lookup table; the modem camps on one of them, seeded. */
    cells: z.number().int().min(1).max(64).default(6),
  })
  .strict();

export type CellularModemSpec = z.infer<typeof CellularModemDevice>;
