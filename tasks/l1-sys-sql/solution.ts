/**
 * Reference solution: run solution.sql (one script for every seed) on the lab's database in the
 * work folder, as a candidate would with any SQLite client. The typical mistake for the tests,
 * `window-off-by-one`, uses `>` for the offline cutoff, so the device whose last reading is
 * exactly at the cutoff is wrongly marked offline.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { taskFile } from '../paths.js';
import type { SolutionContext } from '../solution.js';

export function solve(ctx: SolutionContext): Promise<void> {
  const dir = ctx.workdir ?? process.env.IOTLAB_WORKDIR ?? '.';
  let script = readFileSync(taskFile('l1-sys-sql', 'solution.sql'), 'utf8');
  if (ctx.mistake === 'window-off-by-one') script = script.replace('AND r.ts >= (', 'AND r.ts > (');
  const db = new Database(join(dir, String(ctx.vars.file)), { fileMustExist: true });
  try {
    db.exec(script);
  } finally {
    db.close();
  }
  return Promise.resolve();
}
