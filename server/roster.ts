/**
 * Roster CSV: `id,name[,seat][,ip]` with a header line. Every bad row is reported with its line
 * number in one error, and nothing is created from a roster that has any.
 */
import { isIP } from 'node:net';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { LabError } from '../core/errors.js';
import type { Problem } from '../core/errors.js';

export const CANDIDATE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

export const RosterRow = z
  .object({
    id: z
      .string({ error: 'id is empty' })
      .regex(CANDIDATE_ID, 'id: 1–32 letters, digits, _ or - (no spaces)'),
    name: z.string({ error: 'name is empty' }).trim().min(1, 'name is empty').max(100),
    seat: z.string().trim().max(32).optional(),
    ip: z
      .string()
      .trim()
      .refine((v) => isIP(v) !== 0, 'ip is not an IPv4 or IPv6 address')
      .optional(),
  })
  .strict();
export type RosterRow = z.infer<typeof RosterRow>;

const COLUMNS = ['id', 'name', 'seat', 'ip'];

export function parseRoster(text: string, file = '<roster>'): RosterRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      info: true,
      relax_column_count: false,
    }) as unknown as { record: Record<string, string>; info: { lines: number } }[];
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw new LabError('ROSTER_INVALID', `roster ${file} is not valid CSV`, { file }, [
      { file, path: line ? `line ${line}` : '', message: (err as Error).message },
    ]);
  }
  const problems: Problem[] = [];
  const first = records[0]?.record;
  if (!first) throw new LabError('ROSTER_INVALID', `roster ${file} has no candidates`, { file });
  const header = Object.keys(first);
  const unknown = header.filter((h) => !COLUMNS.includes(h));
  if (!header.includes('id') || !header.includes('name') || unknown.length > 0)
    throw new LabError('ROSTER_INVALID', `roster ${file}: the header must be id,name[,seat][,ip]`, {
      file,
      header,
    });
  const rows: RosterRow[] = [];
  const seen = new Map<string, number>();
  const ipSeen = new Map<string, number>();
  for (const { record, info } of records) {
    const line = info.lines;
    const clean = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== ''));
    const r = RosterRow.safeParse(clean);
    if (!r.success) {
      for (const i of r.error.issues)
        problems.push({ file, path: `line ${line}`, message: i.message });
      continue;
    }
    const prior = seen.get(r.data.id.toLowerCase());
    if (prior !== undefined)
      problems.push({
        file,
        path: `line ${line}`,
        message: `id ${r.data.id} is also on line ${prior}`,
      });
    seen.set(r.data.id.toLowerCase(), line);
    if (r.data.ip) {
      const ipPrior = ipSeen.get(r.data.ip);
      if (ipPrior !== undefined)
        problems.push({
          file,
          path: `line ${line}`,
          message: `ip ${r.data.ip} is also on line ${ipPrior}`,
        });
      ipSeen.set(r.data.ip, line);
    }
    rows.push(r.data);
  }
  if (problems.length > 0)
    throw new LabError(
      'ROSTER_INVALID',
      `roster ${file} has ${problems.length} problem(s); no session was created`,
      { file },
      problems,
    );
  return rows;
}
