/**
 * The multi-table side of the runner's SQLite `capture` event (tasks/capture.ts): the indexes,
 * views and triggers it found and the rows of each table or view the task asked for. Checked at
 * the edge like `capturedOf`: a hand-edited or older event gives empty lists, never a throw.
 */
import type { GradeContext } from '../types.js';
import type { CapturedTable } from './sqlite.js';
import { capturedOf } from './sqlite.js';

export interface CapturedSchemaObject {
  type: string;
  name: string;
  table: string;
  sql: string | null;
  columns: string[];
}

export interface CapturedTableRows {
  table: string;
  found: boolean;
  error?: string;
  columns: string[];
  values: unknown[][];
  truncated: boolean;
}

export interface CapturedDatabase extends CapturedTable {
  objects: CapturedSchemaObject[];
  tableRows: CapturedTableRows[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** The last capture event with its objects and requested rows, or undefined when there is none. */
export function capturedDatabase(ctx: GradeContext): CapturedDatabase | undefined {
  const base = capturedOf(ctx);
  if (!base) return undefined;
  const e = base.event;
  const objects = (Array.isArray(e.objects) ? (e.objects as unknown[]) : []).flatMap((o) => {
    const x = o as { type?: unknown; name?: unknown; table?: unknown; sql?: unknown };
    if (typeof x?.type !== 'string' || typeof x.name !== 'string') return [];
    return [
      {
        type: x.type,
        name: x.name,
        table: typeof x.table === 'string' ? x.table : '',
        sql: typeof x.sql === 'string' ? x.sql : null,
        columns: strings((o as { columns?: unknown }).columns),
      },
    ];
  });
  const tableRows = (Array.isArray(e.tableRows) ? (e.tableRows as unknown[]) : []).flatMap((r) => {
    const x = r as {
      table?: unknown;
      found?: unknown;
      error?: unknown;
      columns?: unknown;
      values?: unknown;
      truncated?: unknown;
    };
    if (typeof x?.table !== 'string') return [];
    return [
      {
        table: x.table,
        found: x.found === true,
        ...(typeof x.error === 'string' ? { error: x.error } : {}),
        columns: strings(x.columns),
        values: (Array.isArray(x.values) ? (x.values as unknown[]) : []).filter(
          (v): v is unknown[] => Array.isArray(v),
        ),
        truncated: x.truncated === true,
      },
    ];
  });
  return { ...base, objects, tableRows };
}

/** A requested table's or view's rows as records keyed by lower-case column name, or why not. */
export function recordsOf(
  db: CapturedDatabase | undefined,
  table: string,
): { records: Record<string, unknown>[]; columns: string[] } | { why: string } {
  if (!db) return { why: 'no capture of the database in the evidence' };
  if (!db.found) return { why: db.error ?? `no file ${db.file}` };
  const t = db.tableRows.find((r) => r.table.toLowerCase() === table.toLowerCase());
  if (!t) return { why: `${table} was not captured` };
  if (t.error !== undefined) return { why: t.error };
  if (t.truncated) return { why: `${table} has more rows than the capture keeps` };
  const cols = t.columns.map((c) => c.toLowerCase());
  return {
    columns: cols,
    records: t.values.map((v) => Object.fromEntries(cols.map((c, i) => [c, v[i]]))),
  };
}
