/** This kind's section of a scenario's `serial:` list (docs/protocols/). */
import { z } from 'zod';
import { seconds } from '../../../core/schema.js';
import { serialBase } from '../scenario-base.js';

export const RfidReaderDevice = z
  .object({
    ...serialBase,
    kind: z.literal('rfid_reader'),
    /** Reader address in frames (0 = broadcast). */
    address: z.number().int().min(0).max(255).default(0),
    /** How many distinct cards visit the reader (UIDs and contents are seeded). */
    cards: z.number().int().min(1).max(32).default(4),
    meanIntervalS: seconds.default(30),
    holdS: seconds.max(600).default(8),
    /**
     * The first time a sector is authenticated, the card slips out of the field for this long
     * (lab ms) right after the answer, then comes back in IDLE: a session must start again with
     * Request (0 = never). The l1-emb-rfid task plants its "card leaves in between" case so.
     */
    slipAfterAuthMs: z.number().int().min(0).max(60_000).default(0),
    /** Send a frame by itself when a card enters the field. */
    autoReport: z.boolean().default(false),
  })
  .strict();

export type RfidReaderSpec = z.infer<typeof RfidReaderDevice>;
