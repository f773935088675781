/** This kind's section of a scenario's `serial:` list (docs/protocols/). */
import { z } from 'zod';
import { serialBase } from '../scenario-base.js';

export const BeaconScannerDevice = z
  .object({
    ...serialBase,
    kind: z.literal('beacon_scanner'),
    beacons: z.number().int().min(3).max(16).default(4),
    room: z
      .object({ width: z.number().positive(), depth: z.number().positive() })
      .strict()
      .default({ width: 20, depth: 15 }),
    rateHz: z.number().min(0.1).max(10).default(1),
    /** RSSI at 1 m, dBm. */
    txPower: z.number().min(-100).max(0).default(-59),
    pathLossExponent: z.number().min(1).max(6).default(2.2),
    noiseDb: z.number().min(0).max(20).default(2),
  })
  .strict();

export type BeaconScannerSpec = z.infer<typeof BeaconScannerDevice>;
