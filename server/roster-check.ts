/**
 * A roster preview for the examiner's create-session form: every line with its cells and what is
 * wrong with it, by the same rules that creating the session applies (parseRoster), so the page
 * can mark bad rows before anything is created.
 */
import { parse } from 'csv-parse/sync';
import { LabError } from '../core/errors.js';
import { parseRoster } from './roster.js';

/** A row's problem: a stable code the console words in zh or en, its values, the server's text. */
export interface RowProblem {
  code: string;
  params: Record<string, string>;
  message: string;
}

export interface RosterCheck {
  ok: boolean;
  header: string[];
  rows: { line: number; cells: Record<string, string>; problems: RowProblem[] }[];
  problems: string[];
}

/** parseRoster's row messages (roster.ts) and their codes; anything else is `other`. */
const CODES: [RegExp, string, string[]][] = [
  [/^id is empty$/, 'idEmpty', []],
  [/^id: 1–32 letters/, 'idFormat', []],
  [/^name is empty$/, 'nameEmpty', []],
  [/^ip is not an IPv4 or IPv6 address$/, 'ipInvalid', []],
  [/^id (\S+) is also on line (\d+)$/, 'idDuplicate', ['id', 'line']],
  [/^ip (\S+) is also on line (\d+)$/, 'ipDuplicate', ['ip', 'line']],
];

export function rowProblem(message: string): RowProblem {
  for (const [re, code, names] of CODES) {
    const m = re.exec(message);
    if (m)
      return {
        code,
        params: Object.fromEntries(names.map((n, i) => [n, m[i + 1] ?? ''])),
        message,
      };
  }
  return { code: 'other', params: {}, message };
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
      if (row) row.problems.push(rowProblem(p.message));
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
