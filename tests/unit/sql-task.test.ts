/**
 * l1-sys-sql's seeded database and checks without a lab: the dataset is a pure function of the
 * seed with the traps the instructions promise; SQLite running the reference script on it leaves
 * exactly what the grader's TypeScript recomputes; and the checks read a damaged or hand-edited
 * capture event as a failure with its reason, never a throw.
 */
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { EvidenceEvent } from '../../core/evidence.js';
import type { GradeContext, TaskParams } from '../../grader/types.js';
import { getTask } from '../../tasks/bank.js';
import { taskFile } from '../../tasks/paths.js';
import { buildDataset, expected, sqlScript } from '../../tasks/l1-sys-sql/dataset.js';

const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);
const MIN = 60_000;

describe('the seeded database of l1-sys-sql', () => {
  it('is the same for a seed and differs between seeds', () => {
    expect(buildDataset(7)).toEqual(buildDataset(7));
    expect(sqlScript(buildDataset(7))).toBe(sqlScript(buildDataset(7)));
    expect(sqlScript(buildDataset(7))).not.toBe(sqlScript(buildDataset(8)));
    expect(buildDataset(7).devices.map((d) => d.id)).not.toEqual(
      buildDataset(8).devices.map((d) => d.id),
    );
  });

  it.each(SEEDS)('seed %i holds the traps the instructions promise', (seed) => {
    const d = buildDataset(seed);
    const e = expected(d);
    const cutoff = d.nowTs - d.offlineMin * MIN;
    expect(d.readings.length).toBeGreaterThan(200);
    expect(new Set(d.devices.map((x) => x.id)).size).toBe(d.devices.length);
    // Exactly one device's latest reading sits on the cutoff, and it is online.
    const last = new Map<string, number>();
    for (const r of d.readings) last.set(r.deviceId, Math.max(last.get(r.deviceId) ?? 0, r.ts));
    const onCutoff = [...last].filter(([, ts]) => ts === cutoff);
    expect(onCutoff).toHaveLength(1);
    expect(e.status.get(onCutoff[0]![0])).toBe('online');
    // Out-of-range readings are never a device's latest: deleting first or last gives one answer.
    for (const [id, ts] of last) expect(e.status.get(id)).toBe(ts >= cutoff ? 'online' : 'offline');
    expect(e.offlineCount).toBeGreaterThanOrEqual(1);
    // The seeded statuses are wrong both ways.
    const seeded = new Map(d.devices.map((x) => [x.id, x.status]));
    expect([...e.status].some(([id, s]) => s === 'offline' && seeded.get(id) === 'online')).toBe(
      true,
    );
    expect([...e.status].some(([id, s]) => s === 'online' && seeded.get(id) === 'offline')).toBe(
      true,
    );
    // Something to delete; a humidity reading on its bound stays.
    expect(e.deleted).toBeGreaterThan(0);
    expect([...e.kept.values()].some((r) => r.value === 100 && r.deviceId.startsWith('h-'))).toBe(
      true,
    );
    // One clear top device, and a count that is neither nothing nor everything.
    const avgs = [...e.summary.values()]
      .filter((s) => s.kind === 'temperature')
      .map((s) => s.avgValue)
      .sort((a, b) => b - a);
    expect(avgs[0]! - avgs[1]!).toBeGreaterThan(0.5);
    expect(e.countAbove).toBeGreaterThan(0);
    const temps = [...e.kept.values()].filter((r) => r.deviceId.startsWith('t-')).length;
    expect(e.countAbove).toBeLessThan(temps);
  });

  it.each(SEEDS.slice(0, 15))(
    'seed %i: SQLite running the reference script leaves what the grader expects',
    (seed) => {
      const d = buildDataset(seed);
      const e = expected(d);
      const db = new Database(':memory:');
      try {
        db.exec(sqlScript(d));
        expect(db.prepare('SELECT count(*) AS n FROM readings').get()).toEqual({
          n: d.readings.length,
        });
        db.exec(readFileSync(taskFile('l1-sys-sql', 'solution.sql'), 'utf8'));
        const ids = (
          db.prepare('SELECT id FROM readings ORDER BY id').all() as { id: number }[]
        ).map((r) => r.id);
        expect(ids).toEqual([...e.kept.keys()].sort((a, b) => a - b));
        const status = db.prepare('SELECT id, status FROM devices').all() as {
          id: string;
          status: string;
        }[];
        expect(new Map(status.map((s) => [s.id, s.status]))).toEqual(e.status);
        const view = db.prepare('SELECT * FROM v_device_summary').all() as {
          device_id: string;
          readings: number;
          avg_value: number;
          last_ts: number;
        }[];
        expect(view).toHaveLength(e.summary.size);
        for (const v of view) {
          const s = e.summary.get(v.device_id)!;
          expect([v.readings, v.last_ts]).toEqual([s.readings, s.lastTs]);
          expect(Math.abs(v.avg_value - s.avgValue)).toBeLessThan(1e-9);
        }
        const answers = db.prepare('SELECT key, value FROM answers ORDER BY key').all();
        expect(answers).toEqual([
          { key: 'count_above', value: String(e.countAbove) },
          { key: 'offline_count', value: String(e.offlineCount) },
          { key: 'top_device', value: e.topDevice },
        ]);
      } finally {
        db.close();
      }
    },
  );
});

describe('the checks of l1-sys-sql on bad captures', () => {
  const task = getTask('l1-sys-sql');
  const ctxWith = (events: EvidenceEvent[]): GradeContext =>
    ({ params: task.params(3), seed: 3, events }) as unknown as GradeContext<TaskParams>;
  const capture = (fields: Record<string, unknown>): EvidenceEvent => ({
    seq: 2,
    t: 1000,
    wall: '',
    kind: 'capture',
    prev: '',
    format: 'sqlite',
    file: 'iot.db',
    ...fields,
  });

  it.each([
    ['no capture at all', [], /no capture of the database/],
    [
      'a missing file',
      [capture({ found: false, tables: [], error: 'no file iot.db in the work folder' })],
      /no file iot\.db/,
    ],
    [
      'hand-edited fields',
      [capture({ found: true, tables: [], objects: 'x', tableRows: [1, null, { table: 5 }] })],
      /no index|no view|not captured/,
    ],
    [
      'a view that no longer runs',
      [
        capture({
          found: true,
          tables: [],
          objects: [{ type: 'view', name: 'v_device_summary', table: 'v_device_summary' }],
          tableRows: [
            { table: 'v_device_summary', found: true, error: 'cannot read v_device_summary: x' },
          ],
        }),
      ],
      /no index|cannot read v_device_summary|not captured/,
    ],
  ])('%s fails every check with the reason', (_name, events, why) => {
    for (const c of task.checks) {
      const o = c.run(ctxWith(events));
      expect(o.score, c.id).toBe(0);
      expect(o.seen, c.id).toMatch(why);
    }
  });

  it('names the columns a view lacks rather than grading its rows', () => {
    const events = [
      capture({
        found: true,
        tables: [],
        objects: [{ type: 'view', name: 'v_device_summary', table: 'v_device_summary' }],
        tableRows: [
          {
            table: 'v_device_summary',
            found: true,
            columns: ['device_id', 'n'],
            values: [['x', 1]],
          },
        ],
      }),
    ];
    const byId = (id: string) => task.checks.find((c) => c.id === id)!.run(ctxWith(events));
    expect(byId('view').seen).toBe('columns: device_id, n');
    expect(byId('view-rows').seen).toBe(
      'v_device_summary lacks the column(s) kind, readings, avg_value, last_ts',
    );
  });
});
