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

describe('captureSqlite with several tables, views and indexes', () => {
  it('captures indexes with their key columns, views, and each requested table or view', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-capture-'));
    const db = new Database(join(dir, 'x.db'));
    db.exec(`CREATE TABLE r (id INTEGER PRIMARY KEY, dev TEXT UNIQUE, ts INTEGER, v REAL);
      CREATE TABLE gone (a TEXT);
      CREATE INDEX r_dev_ts ON r (dev, ts);
      CREATE INDEX r_expr ON r (v * 2);
      CREATE VIEW v_r AS SELECT dev, count(*) AS n FROM r GROUP BY dev;
      CREATE VIEW v_gone AS SELECT a FROM gone;
      INSERT INTO r (dev, ts, v) VALUES ('a', 1, 1.5), ('b', 2, 2.5);
      DROP TABLE gone;`);
    db.close();
    const c = captureSqlite(dir, {
      sqlite: { file: 'x.db', tables: ['R', 'v_r', 'v_gone', 'nope'] },
    });
    expect(c.found).toBe(true);
    // SQLite's own index for UNIQUE (sqlite_autoindex_r_1) is left out.
    expect(c.objects.map((o) => [o.type, o.name, o.table, o.columns])).toEqual([
      ['index', 'r_dev_ts', 'r', ['dev', 'ts']],
      ['index', 'r_expr', 'r', ['<expr>']],
      ['view', 'v_gone', 'v_gone', undefined],
      ['view', 'v_r', 'v_r', undefined],
    ]);
    expect(c.rows).toBeUndefined();
    const [r, vr, vgone, nope] = c.tableRows!;
    expect(r).toMatchObject({
      table: 'r',
      found: true,
      columns: ['id', 'dev', 'ts', 'v'],
      total: 2,
    });
    expect(r!.values).toEqual([
      [1, 'a', 1, 1.5],
      [2, 'b', 2, 2.5],
    ]);
    expect(vr).toMatchObject({ table: 'v_r', found: true, columns: ['dev', 'n'], total: 2 });
    // A view over a dropped table no longer runs: its own error, the others still captured.
    expect(vgone).toMatchObject({
      found: true,
      error: expect.stringMatching(/cannot read v_gone/) as unknown,
    });
    expect(nope).toMatchObject({ found: false, error: 'no table or view nope' });
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
