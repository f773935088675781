/**
 * End-of-run capture: when a task's outcome is a file the candidate's program writes (a SQLite
 * database), the task runner — not the candidate — reads it when the time is up and records what
 * it holds as one `capture` evidence event, before `lab.stop`. The grader then grades that event
 * like any other evidence and never opens a file, so grading stays pure and a regrade needs only
 * the evidence.
 *
 * The event: `{ kind: 'capture', format: 'sqlite', file, found, error?, tables: [{ name, columns:
 * [{ name, type, notnull, pk }] }], rows?: { table, columns, values, total, truncated } }`. Values
 * are JSON: numbers, strings, null; blobs as `{ base64 }`; integers beyond 2^53 as strings.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { CaptureRequest, Task } from '../grader/types.js';
import type { EvidenceFields } from '../simulator/evidence.js';
import { planLab } from '../simulator/plan.js';
import { validateScenario } from '../simulator/scenario.js';

/** Rows kept at most (a run of a few minutes writes far fewer). */
export const CAPTURE_MAX_ROWS = 5000;

export type CapturedValue = number | string | null | { base64: string };

export interface CapturedColumn {
  name: string;
  type: string;
  notnull: boolean;
  pk: boolean;
}

export interface SqliteCapture extends EvidenceFields {
  format: 'sqlite';
  file: string;
  found: boolean;
  error?: string;
  tables: { name: string; columns: CapturedColumn[] }[];
  rows?: {
    table: string;
    columns: string[];
    values: CapturedValue[][];
    total: number;
    truncated: boolean;
  };
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

/** Reads `request.sqlite` under `workdir`, read-only; never throws (problems go in `error`). */
export function captureSqlite(workdir: string, request: CaptureRequest): SqliteCapture {
  const { file, table } = request.sqlite;
  const out: SqliteCapture = { format: 'sqlite', file, found: false, tables: [] };
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
    const wanted = names.find((n) => n.name.toLowerCase() === table.toLowerCase());
    if (wanted) {
      const total = (
        db.prepare(`SELECT count(*) AS n FROM ${quoteId(wanted.name)}`).get() as { n: number }
      ).n;
      const stmt = db
        .prepare(`SELECT * FROM ${quoteId(wanted.name)} ORDER BY rowid LIMIT ${CAPTURE_MAX_ROWS}`)
        .raw(true)
        .safeIntegers(true);
      const columns = stmt.columns().map((c) => c.name);
      const values = (stmt.all() as unknown[][]).map((r) => r.map(jsonValue));
      out.rows = { table: wanted.name, columns, values, total, truncated: total > values.length };
    }
  } catch (err) {
    out.error = `cannot read ${file} as SQLite: ${(err as Error).message}`;
  } finally {
    db?.close();
  }
  return out;
}

/** The capture event's fields for a task's run, or undefined when the task captures nothing. */
export function captureForTask(
  task: Task,
  seed: number,
  workdir: string,
): SqliteCapture | undefined {
  if (!task.capture) return undefined;
  const params = task.params(seed);
  const plan = planLab(validateScenario(task.scenario(params), `task ${task.id}`), seed);
  return captureSqlite(workdir, task.capture(params, plan));
}
