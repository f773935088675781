/**
 * The seeded database of l1-sys-sql, as data: a pure function of the seed, so the runner can
 * write it (`sqlScript`, run on a new SQLite database) and the grader can recompute what the
 * candidate's scripts should leave (`expected`) without opening a file.
 *
 * Tables: `kinds` (valid range per kind), `devices` (a status to correct), `readings` (a few
 * hundred, some out of range), `settings` (the reference time and the task's numbers) and an empty
 * `answers`. The data is built so that the stated rules have one right result and the usual
 * slips show: one device's last reading is exactly at the offline cutoff (it stays online), a
 * humidity reading sits exactly on its range's bound (it stays), the out-of-range readings are
 * never a device's latest (so deleting them first or last gives the same statuses), and the
 * temperature devices' averages lie well apart (one top device).
 */
import { Rng } from '../../core/rng.js';

export type Kind = 'temperature' | 'humidity';

export interface KindRow {
  kind: Kind;
  unit: string;
  minValid: number;
  maxValid: number;
}

export interface DeviceRow {
  id: string;
  name: string;
  kind: Kind;
  location: string;
  status: 'online' | 'offline';
}

export interface ReadingRow {
  id: number;
  deviceId: string;
  ts: number;
  value: number;
}

export interface Dataset {
  /** The reference time "now", epoch ms (a whole minute). */
  nowTs: number;
  offlineMin: number;
  /** count_above counts temperature readings strictly above this. */
  threshold: number;
  kinds: KindRow[];
  devices: DeviceRow[];
  readings: ReadingRow[];
}

const MIN = 60_000;
const LOCATIONS = ['greenhouse-A', 'greenhouse-B', 'nursery', 'store-room', 'pump-house'];

const round1 = (x: number) => Math.round(x * 10) / 10;

export function buildDataset(seed: number): Dataset {
  const rng = new Rng(seed, 'task', 'l1-sys-sql', 'data');
  const nowTs = Date.UTC(2026, 2, 1, 8, 0, 0) + rng.int(0, 60 * 24 * 30) * MIN;
  const offlineMin = rng.pick([10, 15, 20, 30]);
  const cutoff = nowTs - offlineMin * MIN;
  const kinds: KindRow[] = [
    {
      kind: 'temperature',
      unit: '°C',
      minValid: rng.pick([-20, -30, -40]),
      maxValid: rng.pick([50, 60, 70]),
    },
    { kind: 'humidity', unit: '%RH', minValid: 0, maxValid: 100 },
  ];
  const range = (k: Kind) => kinds.find((x) => x.kind === k)!;

  // Temperature bases at least 2 °C apart with ±0.6 °C noise: averages differ by ≥ 0.8 °C.
  const bases = [18, 20, 22, 24, 26, 28, 30];
  const nTemp = rng.int(4, 5);
  const tempBases: number[] = [];
  while (tempBases.length < nTemp) {
    const b = rng.pick(bases);
    if (!tempBases.includes(b)) tempBases.push(b);
  }
  const specs: { kind: Kind; base: number }[] = [
    ...tempBases.map((base) => ({ kind: 'temperature' as const, base })),
    ...[0, 1, 2].map(() => ({ kind: 'humidity' as const, base: rng.int(45, 80) })),
  ];
  const ids = new Set<string>();
  const devices: DeviceRow[] = specs.map((s, i) => {
    let id: string;
    do id = `${s.kind === 'temperature' ? 't' : 'h'}-${rng.hex(4)}`;
    while (ids.has(id));
    ids.add(id);
    return {
      id,
      name: `${s.kind === 'temperature' ? 'Temp' : 'Hum'} ${i + 1}`,
      kind: s.kind,
      location: rng.pick(LOCATIONS),
      status: 'online',
    };
  });

  // Roles: 1–3 stale devices (last reading before the cutoff), one exactly at the cutoff, the
  // rest recent. Shuffle the device order for the roles.
  const order = devices.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const nStale = rng.int(1, 3);
  const lastTs = new Map<number, number>();
  order.forEach((di, k) => {
    if (k < nStale) lastTs.set(di, cutoff - rng.int(1, 90) * MIN - rng.int(0, 59) * 1000);
    else if (k === nStale) lastTs.set(di, cutoff);
    else lastTs.set(di, cutoff + rng.int(1, offlineMin) * MIN - rng.int(0, 59) * 1000);
  });
  // A recent device seeded 'offline': the update must set it back online.
  devices[order[order.length - 1]!]!.status = 'offline';

  const raw: Omit<ReadingRow, 'id'>[] = [];
  specs.forEach((s, di) => {
    const dev = devices[di]!;
    const periodMin = rng.pick([2, 3, 5]);
    const n = rng.int(30, 45);
    const last = lastTs.get(di)!;
    const slots: number[] = [];
    for (let k = n - 1; k >= 0; k--)
      slots.push(k === 0 ? last : last - k * periodMin * MIN + rng.int(-20, 20) * 1000);
    const noise = s.kind === 'temperature' ? 0.6 : 3;
    for (const ts of slots)
      raw.push({ deviceId: dev.id, ts, value: round1(s.base + rng.range(-noise, noise)) });
    // Out-of-range readings, 30 s after an earlier slot: never a device's latest.
    const r = range(s.kind);
    const bad =
      s.kind === 'temperature'
        ? [-999, 999.9, r.maxValid + 0.1, r.minValid - 0.5, 85.5]
        : [-5, 100.1, 120, -0.1];
    const nBad = rng.int(1, 3);
    for (let b = 0; b < nBad; b++)
      raw.push({ deviceId: dev.id, ts: slots[rng.int(0, n - 2)]! + 30_000, value: rng.pick(bad) });
  });
  // A humidity reading exactly on the upper bound: valid, it must stay.
  const humId = devices.find((d) => d.kind === 'humidity')!.id;
  const onBound = raw.find((r) => r.deviceId === humId)!;
  onBound.value = range('humidity').maxValid;

  raw.sort((a, b) => a.ts - b.ts || a.deviceId.localeCompare(b.deviceId));
  const readings = raw.map((r, i) => ({ id: i + 1, ...r }));
  // The threshold sits on the second-lowest base: some readings above, some equal, some below.
  const threshold = [...tempBases].sort((a, b) => a - b)[1]! + rng.pick([0, 0.5]);
  return { nowTs, offlineMin, threshold, kinds, devices, readings };
}

const q = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The SQL that makes the database (run on a new, empty SQLite database). */
export function sqlScript(d: Dataset): string {
  const lines = [
    'BEGIN;',
    'CREATE TABLE kinds (kind TEXT PRIMARY KEY, unit TEXT NOT NULL, min_valid REAL NOT NULL, max_valid REAL NOT NULL);',
    "CREATE TABLE devices (id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL REFERENCES kinds (kind), location TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('online', 'offline')));",
    'CREATE TABLE readings (id INTEGER PRIMARY KEY, device_id TEXT NOT NULL REFERENCES devices (id), ts INTEGER NOT NULL, value REAL NOT NULL);',
    'CREATE TABLE settings (key TEXT PRIMARY KEY, value NUMERIC NOT NULL);',
    'CREATE TABLE answers (key TEXT PRIMARY KEY, value TEXT NOT NULL);',
    ...d.kinds.map(
      (k) => `INSERT INTO kinds VALUES (${q(k.kind)}, ${q(k.unit)}, ${k.minValid}, ${k.maxValid});`,
    ),
    ...d.devices.map(
      (x) =>
        `INSERT INTO devices VALUES (${q(x.id)}, ${q(x.name)}, ${q(x.kind)}, ${q(x.location)}, ${q(x.status)});`,
    ),
    ...d.readings.map(
      (r) => `INSERT INTO readings VALUES (${r.id}, ${q(r.deviceId)}, ${r.ts}, ${r.value});`,
    ),
    `INSERT INTO settings VALUES ('now_ts', ${d.nowTs}), ('offline_after_min', ${d.offlineMin}), ('count_threshold', ${d.threshold});`,
    'COMMIT;',
  ];
  return lines.join('\n') + '\n';
}

export interface SummaryRow {
  deviceId: string;
  kind: Kind;
  readings: number;
  avgValue: number;
  lastTs: number;
}

/** What the stated rules leave, per the instructions. */
export interface Expected {
  /** Readings that stay after the out-of-range ones are deleted, by id. */
  kept: Map<number, ReadingRow>;
  deleted: number;
  status: Map<string, 'online' | 'offline'>;
  summary: Map<string, SummaryRow>;
  topDevice: string;
  countAbove: number;
  offlineCount: number;
}

export function expected(d: Dataset): Expected {
  const kindOf = new Map(d.devices.map((x) => [x.id, x.kind]));
  const range = new Map(d.kinds.map((k) => [k.kind, k]));
  const valid = (r: ReadingRow) => {
    const k = range.get(kindOf.get(r.deviceId)!)!;
    return r.value >= k.minValid && r.value <= k.maxValid;
  };
  const kept = new Map(d.readings.filter(valid).map((r) => [r.id, r]));
  const cutoff = d.nowTs - d.offlineMin * MIN;
  const summary = new Map<string, SummaryRow>();
  const status = new Map<string, 'online' | 'offline'>();
  for (const dev of d.devices) {
    const rs = [...kept.values()].filter((r) => r.deviceId === dev.id);
    const lastTs = Math.max(...rs.map((r) => r.ts));
    summary.set(dev.id, {
      deviceId: dev.id,
      kind: dev.kind,
      readings: rs.length,
      avgValue: rs.reduce((s, r) => s + r.value, 0) / rs.length,
      lastTs,
    });
    status.set(dev.id, lastTs >= cutoff ? 'online' : 'offline');
  }
  const temps = [...summary.values()].filter((s) => s.kind === 'temperature');
  const top = temps.reduce((a, b) => (b.avgValue > a.avgValue ? b : a));
  return {
    kept,
    deleted: d.readings.length - kept.size,
    status,
    summary,
    topDevice: top.deviceId,
    countAbove: [...kept.values()].filter(
      (r) => kindOf.get(r.deviceId) === 'temperature' && r.value > d.threshold,
    ).length,
    offlineCount: [...status.values()].filter((s) => s === 'offline').length,
  };
}
