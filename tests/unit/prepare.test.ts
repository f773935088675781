/**
 * Start-of-run files (tasks/prepare.ts): a task's prepared SQLite and text files are written into
 * the work folder, replacing what an earlier run left; a name with a folder or a failing script
 * is the task's fault, reported as TASK_INVALID naming the task, and the bank rejects such names.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { PreparedFile } from '../../grader/types.js';
import { defineTask } from '../../grader/types.js';
import { getTask, validateTask } from '../../tasks/bank.js';
import { prepareWorkdir, preparedFiles, preparedNameProblem } from '../../tasks/prepare.js';

const base = getTask('l1-sys-sql');
const withFiles = (files: PreparedFile[]) => defineTask({ ...base, prepare: () => files });

describe('prepareWorkdir', () => {
  it('writes a database from its script and a text file, replacing earlier ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-prepare-'));
    writeFileSync(join(dir, 'a.db'), 'left from an earlier run');
    writeFileSync(join(dir, 'a.db-journal'), 'a stale journal');
    const task = withFiles([
      { file: 'a.db', sqliteScript: 'CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (41), (1);' },
      { file: 'notes.txt', text: 'hello\n' },
    ]);
    expect(prepareWorkdir(task, 1, dir)).toEqual(['a.db', 'notes.txt']);
    expect(existsSync(join(dir, 'a.db-journal'))).toBe(false);
    const db = new Database(join(dir, 'a.db'), { readonly: true });
    expect(db.prepare('SELECT sum(x) AS s FROM t').get()).toEqual({ s: 42 });
    db.close();
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('hello\n');
  });

  it('makes the seeded database of l1-sys-sql, the same bytes of data for the same seed', () => {
    const [a, b] = [
      mkdtempSync(join(tmpdir(), 'iotlab-prepare-')),
      mkdtempSync(join(tmpdir(), 'iotlab-prepare-')),
    ];
    expect(prepareWorkdir(base, 9, a)).toEqual(['iot.db']);
    prepareWorkdir(base, 9, b);
    const dump = (dir: string) => {
      const db = new Database(join(dir, 'iot.db'), { readonly: true });
      try {
        return JSON.stringify(
          ['kinds', 'devices', 'readings', 'settings', 'answers'].map((t) =>
            db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all(),
          ),
        );
      } finally {
        db.close();
      }
    };
    expect(dump(a)).toBe(dump(b));
  });

  it('reports a bad name or a failing script as the task’s fault', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-prepare-'));
    expect(() => prepareWorkdir(withFiles([{ file: '../x.db', text: '' }]), 1, dir)).toThrow(
      /l1-sys-sql: prepared file "..\/x.db" must be a plain file name/,
    );
    expect(() =>
      prepareWorkdir(withFiles([{ file: 'x.db', sqliteScript: 'CREATE TABLE;' }]), 1, dir),
    ).toThrow(/l1-sys-sql: the script of x.db fails/);
    for (const bad of ['', '.', '..', 'a/b', 'a\\b'])
      expect(preparedNameProblem(bad)).toBeDefined();
    expect(preparedNameProblem('iot.db')).toBeUndefined();
    expect(validateTask(withFiles([{ file: 'sub/x.db', text: '' }]))).toContain(
      'task l1-sys-sql: seed 1: prepared file "sub/x.db" must be a plain file name, no folders',
    );
  });

  it('gives nothing for a task without files', () => {
    expect(preparedFiles(getTask('l1-sys-fault'), 1)).toEqual([]);
  });
});
