/** This kind's section of a scenario's `serial:` list (docs/protocols/). */
import { z } from 'zod';
import { seconds, ratio } from '../../../core/schema.js';
import { serialBase } from '../scenario-base.js';

export const BarcodeScannerDevice = z
  .object({
    ...serialBase,
    kind: z.literal('barcode_scanner'),
    suffix: z.enum(['CR', 'LF', 'CRLF', 'none']).default('CR'),
    symbologies: z
      .array(z.enum(['ean13', 'code128', 'qr']))
      .min(1)
      .default(['ean13', 'code128', 'qr']),
    meanIntervalS: seconds.default(20),
    /** Share of EAN-13 scans whose check digit is deliberately wrong. */
    invalidRatio: ratio.default(0.2),
    /**
     * Line noise at given lab times (s): `cut`, the tail of an EAN-13 product code (a read cut
     * short); `garbled`, a product code with one character damaged. Not scans: truth lists them
     * apart.
     */
    noise: z
      .array(z.object({ at: seconds, kind: z.enum(['cut', 'garbled']) }).strict())
      .default([]),
  })
  .strict();

export type BarcodeScannerSpec = z.infer<typeof BarcodeScannerDevice>;
