/**
 * Where the task bank's data files are, found from this module whether it runs from the sources
 * (tasks/) or from the build (dist/tasks/): the package root is the nearest folder up with a
 * package.json and a tasks/ folder holding the catalogue.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from '../core/errors.js';

let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (
      existsSync(join(dir, 'package.json')) &&
      existsSync(join(dir, 'tasks', 'skills', 'catalogue.yaml'))
    ) {
      root = dir;
      return dir;
    }
    dir = dirname(dir);
  }
  throw new LabError(
    'TASK_INVALID',
    'cannot find the task bank folder (tasks/skills/catalogue.yaml)',
  );
}

/** A data file of the task bank, e.g. `taskFile('l1-emb-analog', 'instructions.zh.md')`. */
export function taskFile(...parts: string[]): string {
  return join(packageRoot(), 'tasks', ...parts);
}
