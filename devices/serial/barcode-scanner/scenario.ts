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
  })
  .strict();

export type BarcodeScannerSpec = z.infer<typeof BarcodeScannerDevice>;
