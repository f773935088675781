/**
 * A roster preview for the examiner's create-session form: every line with its cells and what is
 * wrong with it, by the same rules that creating the session applies (parseRoster), so the page
 * can mark bad rows before anything is created.
 */
import { parse } from 'csv-parse/sync';
import { LabError } from '../simulator/errors.js';
import { parseRoster } from './roster.js';

export interface RosterCheck {
  ok: boolean;
  header: string[];
  rows: { line: number; cells: Record<string, string>; problems: string[] }[];
  problems: string[];
}

export function checkRoster(text: string): RosterCheck {
  let header: string[] = [];
  const rows: RosterCheck['rows'] = [];
  try {
    const records = parse(text.replace(/^\uFEFF/, ''), {
      skip_empty_lines: true,
      trim: true,
      info: true,
      relax_column_count: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
    header = (records[0]?.record ?? []).map((h) => h.toLowerCase());
    for (const { record, info } of records.slice(1))
      rows.push({
        line: info.lines,
        cells: Object.fromEntries(header.map((h, i) => [h, record[i] ?? ''])),
        problems: [],
      });
  } catch {
    // Not CSV at all: parseRoster below says where.
  }
  const problems: string[] = [];
  try {
    parseRoster(text, 'roster');
  } catch (err) {
    if (!(err instanceof LabError)) throw err;
    if (err.problems.length === 0) problems.push(err.message);
    for (const p of err.problems) {
      const line = Number(/^line (\d+)$/.exec(p.path ?? '')?.[1]);
      const row = rows.find((r) => r.line === line);
      if (row) row.problems.push(p.message);
      else problems.push(p.path ? `${p.path}: ${p.message}` : p.message);
    }
  }
  return {
    ok: problems.length === 0 && rows.every((r) => r.problems.length === 0),
    header,
    rows,
    problems,
  };
}
