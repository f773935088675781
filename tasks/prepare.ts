/**
 * Start-of-run files: when a task works on files the lab provides (a seeded SQLite database), the
 * task runner — `iotlab check`, `iotlab practice`, the tests' runner — writes them into the work
 * folder (IOTLAB_WORKDIR) before the candidate's program starts. The task only describes them
 * (`TaskDefinition.prepare`, pure data from the params), so the grader can recompute what they
 * held without any file; this module is the runner's side that writes them.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { PreparedFile, Task } from '../grader/types.js';
import { LabError } from '../core/errors.js';
import { planTask } from './task-plan.js';

/** The files a task provides for a seed (none for most tasks). */
export function preparedFiles(task: Task, seed: number): PreparedFile[] {
  if (!task.prepare) return [];
  const { params, plan } = planTask(task, seed);
  return task.prepare(params, plan);
}

/** The problem with a prepared file's name, or undefined when it is a plain file name. */
export function preparedNameProblem(file: string): string | undefined {
  if (
    file === '' ||
    file === '.' ||
    file === '..' ||
    basename(file) !== file ||
    file.includes('\\')
  )
    return `prepared file "${file}" must be a plain file name, no folders`;
  return undefined;
}

/**
 * Writes a task's files into `workdir`, replacing any left from an earlier run (a database is
 * made afresh, with its journal files removed), and returns their names.
 */
export function prepareWorkdir(task: Task, seed: number, workdir: string): string[] {
  const files = preparedFiles(task, seed);
  for (const f of files) {
    const problem = preparedNameProblem(f.file);
    if (problem) throw new LabError('TASK_INVALID', `task ${task.id}: ${problem}`);
    const path = join(resolve(workdir), f.file);
    for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    if ('text' in f) {
      writeFileSync(path, f.text);
      continue;
    }
    const db = new Database(path);
    try {
      db.exec(f.sqliteScript);
    } catch (err) {
      throw new LabError(
        'TASK_INVALID',
        `task ${task.id}: the script of ${f.file} fails: ${(err as Error).message}`,
      );
    } finally {
      db.close();
    }
  }
  return files.map((f) => f.file);
}
