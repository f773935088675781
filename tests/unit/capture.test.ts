/** The end-of-run SQLite capture never throws and says what it found; affinity follows SQLite's rules. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { captureSqlite } from '../../tasks/capture.js';
import { affinityOf } from '../../grader/checks/sqlite.js';

const request = { sqlite: { file: 'x.db', table: 'points' } };

describe('captureSqlite', () => {
  it('reports a missing file and a file that is not SQLite', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-capture-'));
    expect(captureSqlite(dir, request)).toMatchObject({ found: false, error: /no file x.db/ });
    writeFileSync(join(dir, 'x.db'), 'not a database, just text '.repeat(40));
    expect(captureSqlite(dir, request)).toMatchObject({ found: false, error: /cannot read x.db/ });
  });

  it('captures the schema of every table and the rows of the stated one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-capture-'));
    const db = new Database(join(dir, 'x.db'));
    db.exec('CREATE TABLE Points (ts INTEGER, v REAL, b BLOB); CREATE TABLE other (a TEXT)');
    db.prepare('INSERT INTO Points VALUES (?, ?, ?)').run(1764000000000, 22.5, Buffer.from([1, 2]));
    db.prepare('INSERT INTO Points VALUES (?, ?, ?)').run(2n ** 62n, null, null);
    db.close();
    const c = captureSqlite(dir, request);
    expect(c.found).toBe(true);
    expect(c.tables.map((t) => t.name)).toEqual(['Points', 'other']);
    expect(c.rows).toEqual({
      table: 'Points',
      columns: ['ts', 'v', 'b'],
      values: [
        [1764000000000, 22.5, { base64: 'AQI=' }],
        [String(2n ** 62n), null, null],
      ],
      total: 2,
      truncated: false,
    });
  });
});

describe('affinityOf', () => {
  it.each([
    ['INTEGER', 'INTEGER'],
    ['BIGINT', 'INTEGER'],
    ['VARCHAR(20)', 'TEXT'],
    ['REAL', 'REAL'],
    ['DOUBLE PRECISION', 'REAL'],
    ['', 'BLOB'],
    ['DECIMAL(5,1)', 'NUMERIC'],
    ['FLOATING POINT', 'INTEGER'],
  ])('%s → %s', (declared, affinity) => {
    expect(affinityOf(declared)).toBe(affinity);
  });
});
