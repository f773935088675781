/**
 * End-of-run capture: when a task's outcome is a file the candidate's program writes (a SQLite
 * database), the task runner — not the candidate — reads it when the time is up and records what
 * it holds as one `capture` evidence event, before `lab.stop`. The grader then grades that event
 * like any other evidence and never opens a file, so grading stays pure and a regrade needs only
 * the evidence.
 *
 * The event: `{ kind: 'capture', format: 'sqlite', file, found, error?, tables: [{ name, columns:
 * [{ name, type, notnull, pk }] }], objects: [{ type, name, table, sql, columns? }], rows?: {
 * table, columns, values, total, truncated }, tableRows?: [{ table, found, columns, values, total,
 * truncated, error? }] }`. `objects` are the indexes, views and triggers (SQLite's own automatic
 * indexes left out; an index's `columns` in key order, an expression as `<expr>`); `rows` are the
 * request's `table`, `tableRows` its `tables` (tables or views, each with its own error: a view
 * that no longer runs does not hide the rest). Values are JSON: numbers, strings, null; blobs as
 * `{ base64 }`; integers beyond 2^53 as strings.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { CaptureRequest, Task } from '../grader/types.js';
import type { EvidenceFields } from '../core/evidence.js';
import { planTask } from './task-plan.js';

/** Rows kept at most (a run of a few minutes writes far fewer). */
export const CAPTURE_MAX_ROWS = 5000;

export type CapturedValue = number | string | null | { base64: string };

export interface CapturedColumn {
  name: string;
  type: string;
  notnull: boolean;
  pk: boolean;
}

export interface CapturedRows {
  table: string;
  columns: string[];
  values: CapturedValue[][];
  total: number;
  truncated: boolean;
}

export interface CapturedObject {
  type: 'index' | 'view' | 'trigger';
  name: string;
  /** The table it belongs to (for a view, its own name). */
  table: string;
  sql: string | null;
  /** An index's key columns in order. */
  columns?: string[];
}

export interface SqliteCapture extends EvidenceFields {
  format: 'sqlite';
  file: string;
  found: boolean;
  error?: string;
  tables: { name: string; columns: CapturedColumn[] }[];
  objects: CapturedObject[];
  rows?: CapturedRows;
  tableRows?: ({ found: boolean; error?: string } & CapturedRows)[];
}

const quoteId = (name: string) => `"${name.replaceAll('"', '""')}"`;

function jsonValue(v: unknown): CapturedValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Buffer.isBuffer(v)) return { base64: v.toString('base64') };
  // SQLite gives only the types above; anything else is recorded by its JSON form.
  return JSON.stringify(v) ?? null;
}

/** Up to CAPTURE_MAX_ROWS rows of a table (in rowid order) or a view (in its own order). */
function readRows(db: Database.Database, name: string, isView: boolean): CapturedRows {
  const total = (db.prepare(`SELECT count(*) AS n FROM ${quoteId(name)}`).get() as { n: number }).n;
  const order = isView ? '' : ' ORDER BY rowid';
  let stmt: Database.Statement;
  try {
    stmt = db.prepare(`SELECT * FROM ${quoteId(name)}${order} LIMIT ${CAPTURE_MAX_ROWS}`);
  } catch {
    // A WITHOUT ROWID table has no rowid: its primary key order is its natural order.
    stmt = db.prepare(`SELECT * FROM ${quoteId(name)} LIMIT ${CAPTURE_MAX_ROWS}`);
  }
  stmt.raw(true).safeIntegers(true);
  const columns = stmt.columns().map((c) => c.name);
  const values = (stmt.all() as unknown[][]).map((r) => r.map(jsonValue));
  return { table: name, columns, values, total, truncated: total > values.length };
}

function readObjects(db: Database.Database): CapturedObject[] {
  const rows = db
    .prepare(
      "SELECT type, name, tbl_name AS tbl, sql FROM sqlite_master WHERE type IN ('index', 'view', 'trigger') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name",
    )
    .all() as { type: CapturedObject['type']; name: string; tbl: string; sql: string | null }[];
  return rows.map((o) => {
    const base: CapturedObject = { type: o.type, name: o.name, table: o.tbl, sql: o.sql };
    if (o.type !== 'index') return base;
    const cols = db.prepare(`PRAGMA index_info(${quoteId(o.name)})`).all() as {
      seqno: number;
      name: string | null;
    }[];
    return {
      ...base,
      columns: cols.sort((a, b) => a.seqno - b.seqno).map((c) => c.name ?? '<expr>'),
    };
  });
}

/** Reads `request.sqlite` under `workdir`, read-only; never throws (problems go in `error`). */
export function captureSqlite(workdir: string, request: CaptureRequest): SqliteCapture {
  const { file, table, tables } = request.sqlite;
  const out: SqliteCapture = { format: 'sqlite', file, found: false, tables: [], objects: [] };
  const path = join(resolve(workdir), file);
  if (!existsSync(path)) return { ...out, error: `no file ${file} in the work folder` };
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const names = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as { name: string }[];
    out.found = true;
    for (const { name } of names) {
      const cols = db.prepare(`PRAGMA table_info(${quoteId(name)})`).all() as {
        name: string;
        type: string;
        notnull: number;
        pk: number;
      }[];
      out.tables.push({
        name,
        columns: cols.map((c) => ({
          name: c.name,
          type: c.type,
          notnull: c.notnull === 1,
          pk: c.pk > 0,
        })),
      });
    }
    out.objects = readObjects(db);
    const wanted =
      table === undefined
        ? undefined
        : names.find((n) => n.name.toLowerCase() === table.toLowerCase());
    if (wanted) out.rows = readRows(db, wanted.name, false);
    if (tables) out.tableRows = tables.map((t) => rowsOf(db!, t, names, out.objects));
  } catch (err) {
    out.error = `cannot read ${file} as SQLite: ${(err as Error).message}`;
  } finally {
    db?.close();
  }
  return out;
}

/** One requested table or view's rows, or why there are none (never throws). */
function rowsOf(
  db: Database.Database,
  name: string,
  tables: { name: string }[],
  objects: CapturedObject[],
): { found: boolean; error?: string } & CapturedRows {
  const empty = { table: name, columns: [], values: [], total: 0, truncated: false };
  const lower = name.toLowerCase();
  const table = tables.find((t) => t.name.toLowerCase() === lower);
  const view = objects.find((o) => o.type === 'view' && o.name.toLowerCase() === lower);
  if (!table && !view) return { ...empty, found: false, error: `no table or view ${name}` };
  try {
    return { found: true, ...readRows(db, (table ?? view)!.name, !table) };
  } catch (err) {
    return { ...empty, found: true, error: `cannot read ${name}: ${(err as Error).message}` };
  }
}

/** What a task captures for a seed, or undefined when it captures nothing. */
export function captureRequestFor(task: Task, seed: number): CaptureRequest | undefined {
  if (!task.capture) return undefined;
  const { params, plan } = planTask(task, seed);
  return task.capture(params, plan);
}

/** The capture event's fields for a task's run, or undefined when the task captures nothing. */
export function captureForTask(
  task: Task,
  seed: number,
  workdir: string,
): SqliteCapture | undefined {
  const request = captureRequestFor(task, seed);
  return request && captureSqlite(workdir, request);
}
