/**
 * Scenario schema primitives every section uses (the lab's own fields and each device family's),
 * so a name, a bilingual title or a duration is checked with the same rule and the same message
 * wherever it appears. Zod is the one schema library (STYLE.md rule 4).
 */
import { z } from 'zod';

/** A scenario name: devices, lines, pins, points, gateways. */
export const name = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]{0,31}$/,
    'a name of lowercase letters, digits and _ (max 32), starting with a letter',
  );
/** A text a candidate reads, in both languages of the lab. */
export const i18n = z.object({ zh: z.string().min(1), en: z.string().min(1) }).strict();
export const seconds = z.number().positive();
export const ratio = z.number().min(0).max(1);
