/**
 * Serial line settings (baud rate, character format) as a scenario, a card and a transport give
 * them. A schema, so a scenario's `serial:` block is checked where it is read (STYLE.md rule 6).
 */
import { z } from 'zod';

export const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const;

export const LineSettings = z
  .object({
    baudRate: z
      .number()
      .int()
      .refine((b) => (BAUD_RATES as readonly number[]).includes(b), {
        message: `one of ${BAUD_RATES.join(', ')}`,
      })
      .default(9600),
    dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
    parity: z.enum(['none', 'even', 'odd']).default('none'),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  })
  .strict();
export type LineSettings = z.infer<typeof LineSettings>;
