/**
 * Web app grading: `iotlab check l1-app-mobile --app <reference>` as a child process, timed from
 * its start to its report (the browser's start, the task's 40 s script, the browser's close and
 * the grading), then 2 and 4 such gradings at once: the largest number that all still score 100
 * is how many app gradings this machine runs in parallel.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { taskFile } from '../../tasks/paths.js';
import { getTask } from '../../tasks/bank.js';
import { spawnTracked } from './proc.js';

export interface AppGradingRun {
  ms: number;
  score: number | null;
}

export interface AppBench {
  taskS: number;
  /** One grading alone. */
  single: AppGradingRun;
  /** Gradings at once → each one's time and score. */
  parallel: { at: number; runs: AppGradingRun[] }[];
  /** The most gradings at once that all scored 100 (of those tried). */
  parallelOk: number;
}

async function gradeOnce(bin: string): Promise<AppGradingRun> {
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-bench-app-'));
  const out = join(dir, 'report.json');
  const started = performance.now();
  const t = spawnTracked(process.execPath, [
    bin,
    'check',
    'l1-app-mobile',
    '--app',
    taskFile('l1-app-mobile', 'app'),
    '--evidence',
    join(dir, 'evidence.jsonl'),
    '--format',
    'json',
    '--out',
    out,
  ]);
  await t.exited;
  const ms = Math.round(performance.now() - started);
  try {
    return { ms, score: (JSON.parse(readFileSync(out, 'utf8')) as { score: number }).score };
  } catch {
    return { ms, score: null };
  }
}

export async function benchApp(bin: string, atOnce: readonly number[]): Promise<AppBench> {
  const single = await gradeOnce(bin);
  const parallel: AppBench['parallel'] = [];
  let parallelOk = single.score === 100 ? 1 : 0;
  for (const n of atOnce) {
    const runs = await Promise.all(Array.from({ length: n }, () => gradeOnce(bin)));
    parallel.push({ at: n, runs });
    if (runs.every((r) => r.score === 100)) parallelOk = Math.max(parallelOk, n);
    else break;
  }
  return { taskS: getTask('l1-app-mobile').timeLimitS, single, parallel, parallelOk };
}
