/**
 * SQLite persistence checks, read from the `capture` event the task runner records when the time
 * is up (tasks/capture.ts): the file and table exist, the table has the stated columns with the
 * stated type affinities (SQLite 3 "Datatypes" §3.1), and it holds one row per
 * (device, ts, quantity) point of the device's telemetry, with the right value, and nothing else.
 */
import type { EvidenceEvent } from '../../core/evidence.js';
import type { CheckOutcome, EvidenceRef, GradeContext } from '../types.js';
import { payloadJson, ref } from './mqtt.js';

export type Affinity = 'INTEGER' | 'TEXT' | 'REAL' | 'NUMERIC' | 'BLOB';

/** The affinity SQLite gives a declared column type (Datatypes In SQLite §3.1, rules 1–5). */
export function affinityOf(declared: string): Affinity {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'TEXT';
  if (t.includes('BLOB') || t === '') return 'BLOB';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

export interface CapturedTable {
  event: EvidenceEvent;
  found: boolean;
  error?: string;
  file: string;
  tables: { name: string; columns: { name: string; type: string }[] }[];
  rows?: { table: string; columns: string[]; values: unknown[][]; truncated: boolean };
}

/** The runner's capture event, checked at the edge (a hand-edited file gets undefined). */
export function capturedOf(ctx: GradeContext): CapturedTable | undefined {
  const e = [...ctx.events].reverse().find((x) => x.kind === 'capture');
  if (!e || typeof e.file !== 'string' || !Array.isArray(e.tables)) return undefined;
  const tables = (e.tables as unknown[]).flatMap((t) => {
    const o = t as { name?: unknown; columns?: unknown };
    if (typeof o?.name !== 'string' || !Array.isArray(o.columns)) return [];
    const columns = (o.columns as { name?: unknown; type?: unknown }[]).flatMap((c) =>
      typeof c?.name === 'string' && typeof c.type === 'string'
        ? [{ name: c.name, type: c.type }]
        : [],
    );
    return [{ name: o.name, columns }];
  });
  const r = e.rows as
    { table?: unknown; columns?: unknown; values?: unknown; truncated?: unknown } | undefined;
  const rows =
    r && typeof r.table === 'string' && Array.isArray(r.columns) && Array.isArray(r.values)
      ? {
          table: r.table,
          columns: (r.columns as unknown[]).map(String),
          values: (r.values as unknown[]).filter((v): v is unknown[] => Array.isArray(v)),
          truncated: r.truncated === true,
        }
      : undefined;
  return {
    event: e,
    found: e.found === true,
    file: e.file,
    tables,
    ...(typeof e.error === 'string' ? { error: e.error } : {}),
    ...(rows ? { rows } : {}),
  };
}

export interface PointStoreSpec {
  /** The scenario's device whose telemetry is stored. */
  device: string;
  quantities: readonly string[];
  table: string;
  /** Column names: device id, message ts (epoch ms), quantity name, value. */
  columns: { device: string; ts: string; quantity: string; value: string };
  /** Messages this close to the deadline need not be stored, ms. */
  graceMs: number;
}

interface Point {
  key: string;
  value: number;
  e: EvidenceEvent;
}

const keyOf = (device: string, ts: number, quantity: string) => `${device}|${ts}|${quantity}`;

/** Points the device published that the candidate could store: after it subscribed, before the deadline less grace. */
export function expectedPoints(
  ctx: GradeContext,
  spec: PointStoreSpec,
): { due: Point[]; all: Map<string, Point> } {
  const plan = ctx.device(spec.device);
  const topic = plan.mqtt!.telemetryTopic;
  const sub = ctx.subscriptions(topic)[0];
  const all = new Map<string, Point>();
  const due: Point[] = [];
  for (const e of ctx.events) {
    if (e.kind !== 'mqtt.publish' || e.origin !== 'device' || e.topic !== topic) continue;
    const json = payloadJson(e as Parameters<typeof payloadJson>[0]) as
      Record<string, unknown> | undefined;
    if (!json || typeof json.ts !== 'number') continue;
    for (const q of spec.quantities) {
      const v = json[q];
      if (typeof v !== 'number') continue;
      const p = { key: keyOf(plan.id, json.ts, q), value: v, e };
      // A message sent twice is one point: the first sending counts.
      if (all.has(p.key)) continue;
      all.set(p.key, p);
      if (sub && e.t >= sub.t && e.t >= ctx.start && e.t <= ctx.end - spec.graceMs) due.push(p);
    }
  }
  return { due, all };
}

interface StoredRow {
  key: string;
  value: unknown;
}

/** The captured rows as (key, value), or why there are none. */
export function storedRows(
  ctx: GradeContext,
  spec: PointStoreSpec,
): { rows: StoredRow[] } | { why: string } {
  const cap = capturedOf(ctx);
  if (!cap) return { why: 'no capture of the database in the evidence' };
  if (!cap.found) return { why: cap.error ?? `no file ${cap.file}` };
  if (!cap.rows) return { why: `no table ${spec.table} in ${cap.file}` };
  const idx = (name: string) =>
    cap.rows!.columns.findIndex((c) => c.toLowerCase() === name.toLowerCase());
  const c = spec.columns;
  const [d, t, q, v] = [idx(c.device), idx(c.ts), idx(c.quantity), idx(c.value)];
  if (d < 0 || t < 0 || q < 0 || v < 0)
    return { why: `table ${cap.rows.table} lacks the columns ${Object.values(c).join(', ')}` };
  return {
    rows: cap.rows.values.map((r) => ({
      key: keyOf(String(r[d]), Number(r[t]), String(r[q])),
      value: r[v],
    })),
  };
}

const captureRef = (ctx: GradeContext, note: string): EvidenceRef[] => {
  const cap = capturedOf(ctx);
  return cap ? [ref(cap.event, note)] : [];
};

/** The file exists, is SQLite, and has the table. */
export function tableExistsCheck(spec: PointStoreSpec) {
  return (ctx: GradeContext): CheckOutcome => {
    const cap = capturedOf(ctx);
    const ok =
      cap?.found === true &&
      cap.tables.some((t) => t.name.toLowerCase() === spec.table.toLowerCase());
    const seen = !cap
      ? 'no capture of the database in the evidence'
      : !cap.found
        ? (cap.error ?? `no file ${cap.file}`)
        : `tables: ${cap.tables.map((t) => t.name).join(', ') || 'none'}`;
    return {
      score: ok ? 1 : 0,
      expected: `a SQLite file ${cap?.file ?? ''} with a table ${spec.table}`.replace('  ', ' '),
      seen,
      evidence: captureRef(ctx, 'captured at the end of the run'),
      ...(ok
        ? {}
        : {
            hint: {
              zh: `请在 IOTLAB_WORKDIR 目录下创建任务说明中给出的 SQLite 文件，并建表 ${spec.table}。`,
              en: `Create the SQLite file the instructions name in the IOTLAB_WORKDIR folder, with a table ${spec.table}.`,
            },
          }),
    };
  };
}

/** Share of the stated columns present with the stated affinity. */
export function columnsCheck(spec: PointStoreSpec, want: Record<string, Affinity>) {
  return (ctx: GradeContext): CheckOutcome => {
    const cap = capturedOf(ctx);
    const table = cap?.tables.find((t) => t.name.toLowerCase() === spec.table.toLowerCase());
    const wrong = Object.entries(want).filter(([name, aff]) => {
      const col = table?.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
      return !col || affinityOf(col.type) !== aff;
    });
    const n = Object.keys(want).length;
    return {
      score: table ? (n - wrong.length) / n : 0,
      expected: Object.entries(want)
        .map(([k, a]) => `${k} ${a}`)
        .join(', '),
      seen: table
        ? table.columns.map((c) => `${c.name} ${c.type || '(no type)'}`).join(', ')
        : 'no such table',
      evidence: captureRef(ctx, 'table schema'),
      ...(table && wrong.length > 0
        ? {
            hint: {
              zh: `列名或类型不符：${wrong.map(([k, a]) => `${k} ${a}`).join('、')}。`,
              en: `Columns missing or of the wrong type: ${wrong.map(([k, a]) => `${k} ${a}`).join(', ')}.`,
            },
          }
        : {}),
    };
  };
}

/** Share of due points with a row. */
export function pointsStoredCheck(spec: PointStoreSpec) {
  return (ctx: GradeContext): CheckOutcome => {
    const { due } = expectedPoints(ctx, spec);
    const got = storedRows(ctx, spec);
    const keys = new Set('rows' in got ? got.rows.map((r) => r.key) : []);
    const missing = due.filter((p) => !keys.has(p.key));
    return {
      score: due.length === 0 ? 0 : (due.length - missing.length) / due.length,
      expected: `a row for each of the ${due.length} points (device, ts, quantity) published after you subscribed`,
      seen: 'why' in got ? got.why : `${due.length - missing.length} of ${due.length} stored`,
      evidence: missing
        .slice(0, 3)
        .map((p) => ref(p.e, `not stored: ${p.key}`))
        .concat(captureRef(ctx, 'captured rows')),
      ...(missing.length > 0
        ? {
            hint: {
              zh: '有数据点没有存入：每条遥测消息的每个物理量各存一行，ts 用消息中的 ts（毫秒）。',
              en: 'Points missing: store one row per quantity of every telemetry message, with the message’s own ts (ms).',
            },
          }
        : {}),
    };
  };
}

/** Share of stored rows of known points whose value equals the published one. */
export function pointValuesCheck(spec: PointStoreSpec) {
  return (ctx: GradeContext): CheckOutcome => {
    const { all } = expectedPoints(ctx, spec);
    const got = storedRows(ctx, spec);
    const known = 'rows' in got ? got.rows.filter((r) => all.has(r.key)) : [];
    const wrong = known.filter(
      (r) => typeof r.value !== 'number' || Math.abs(r.value - all.get(r.key)!.value) > 1e-9,
    );
    return {
      score: known.length === 0 ? 0 : (known.length - wrong.length) / known.length,
      expected: 'value (a number) equal to the published value in every stored row',
      seen:
        'why' in got
          ? got.why
          : `${known.length - wrong.length} of ${known.length} right${wrong[0] ? `; e.g. ${wrong[0].key}: ${JSON.stringify(wrong[0].value)} for ${all.get(wrong[0].key)!.value}` : ''}`,
      evidence: captureRef(ctx, 'captured rows'),
      ...(wrong.length > 0
        ? {
            hint: {
              zh: 'value 列要存数值（REAL），与消息中的值一致。',
              en: 'Store value as a number (REAL), equal to the message’s value.',
            },
          }
        : {}),
    };
  };
}

/** All or nothing: rows exist, each of a published point, none twice. */
export function noDuplicateRowsCheck(spec: PointStoreSpec) {
  return (ctx: GradeContext): CheckOutcome => {
    const { all } = expectedPoints(ctx, spec);
    const got = storedRows(ctx, spec);
    const rows = 'rows' in got ? got.rows : [];
    const seen = new Set<string>();
    let dup = 0;
    let unknown = 0;
    for (const r of rows) {
      if (!all.has(r.key)) unknown += 1;
      else if (seen.has(r.key)) dup += 1;
      seen.add(r.key);
    }
    const ok = rows.length > 0 && dup === 0 && unknown === 0;
    return {
      score: ok ? 1 : 0,
      expected: 'at least one row; no point stored twice; no row for a point never published',
      seen:
        'why' in got
          ? got.why
          : `${rows.length} row(s): ${dup} duplicate(s), ${unknown} not matching a published point`,
      evidence: captureRef(ctx, 'captured rows'),
      ...(rows.length > 0 && !ok
        ? {
            hint: {
              zh: '每个数据点只存一行（可用 device, ts, quantity 上的唯一约束），ts 必须是消息中的 ts。',
              en: 'One row per point (a UNIQUE constraint on device, ts, quantity helps); ts must be the message’s ts.',
            },
          }
        : {}),
    };
  };
}
