/**
 * Reference solution: run solution.sql (one script for every seed) on the lab's database in the
 * work folder, as a candidate would with any SQLite client.
 *
 * Typical mistakes (`ctx.mistake`), each a one-token slip in the script: `window-off-by-one`
 * uses `>` for the offline cutoff, so the device whose last reading is exactly at the cutoff is
 * wrongly marked offline; `bounds-exclusive` deletes a reading on its kind's bound too;
 * `at-least` counts readings equal to the threshold. The stated rules and the case the lab
 * plants for each: tasks/l1-sys-sql/task.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { taskFile } from '../paths.js';
import type { SolutionContext } from '../solution.js';

export function solve(ctx: SolutionContext): Promise<void> {
  const dir = ctx.workdir ?? process.env.IOTLAB_WORKDIR ?? '.';
  let script = readFileSync(taskFile('l1-sys-sql', 'solution.sql'), 'utf8');
  const slip: Record<string, [string, string]> = {
    'window-off-by-one': ['AND r.ts >= (', 'AND r.ts > ('],
    'bounds-exclusive': [
      'r.value < k.min_valid OR r.value > k.max_valid',
      'r.value <= k.min_valid OR r.value >= k.max_valid',
    ],
    'at-least': ['AND r.value > (SELECT', 'AND r.value >= (SELECT'],
  };
  const s = ctx.mistake !== undefined ? slip[ctx.mistake] : undefined;
  if (s) {
    if (!script.includes(s[0])) throw new Error(`solution.sql has no "${s[0]}"`);
    script = script.replace(s[0], s[1]);
  }
  const db = new Database(join(dir, String(ctx.vars.file)), { fileMustExist: true });
  try {
    db.exec(script);
  } finally {
    db.close();
  }
  return Promise.resolve();
}
