/** This kind's section of a scenario's `serial:` list (docs/protocols/). */
import { z } from 'zod';
import { seconds, ratio } from '../../../core/schema.js';
import { serialBase } from '../scenario-base.js';

export const GNSS_SENTENCES = ['GGA', 'RMC', 'GSA', 'GSV', 'VTG'] as const;
export const GnssDevice = z
  .object({
    ...serialBase,
    kind: z.literal('gnss'),
    rateHz: z.number().min(0.1).max(10).default(1),
    sentences: z
      .array(z.enum(GNSS_SENTENCES))
      .min(1)
      .default([...GNSS_SENTENCES]),
    /** Centre of the seeded route (WGS-84 degrees). */
    origin: z
      .object({ lat: z.number().min(-85).max(85), lon: z.number().min(-180).max(180) })
      .strict()
      .default({ lat: 31.2304, lon: 121.4737 }),
    radiusM: z.number().positive().max(50_000).default(800),
    speedKmh: z.number().min(0).max(300).default(18),
    /** Periods without a fix. */
    noFix: z.array(z.object({ at: z.number().min(0), duration: seconds }).strict()).default([]),
    badChecksumRatio: ratio.default(0),
    truncatedRatio: ratio.default(0),
    /**
     * Line noise that only a checksum catches: after the group of every tick with a fix, a copy
     * of its GGA whose position is moved `offsetM` in a seeded direction (quality and satellites
     * kept), with a wrong checksum — or, on every `missingEvery`-th tick (0: never), cut off
     * before its `*`. Absent: no copies.
     */
    garbledGga: z
      .object({
        offsetM: z.number().min(100).max(50_000),
        missingEvery: z.number().int().min(0).default(0),
      })
      .strict()
      .optional(),
  })
  .strict();

export type GnssSpec = z.infer<typeof GnssDevice>;
