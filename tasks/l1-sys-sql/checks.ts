/**
 * The checks of l1-sys-sql, each reading the runner's end-of-run capture of the database
 * (grader/checks/sql-capture.ts) and comparing it with what the stated rules leave, recomputed
 * from the seed (dataset.ts). SQL gives one right result, so each check is all or nothing; a
 * check's `seen` says how far off a result is without giving the right one away.
 */
import type { CheckOutcome, EvidenceRef, GradeContext, I18n } from '../../grader/types.js';
import { normaliseAnswer } from '../../grader/checks/answer.js';
import { ref } from '../../grader/checks/mqtt.js';
import type { CapturedDatabase } from '../../grader/checks/sql-capture.js';
import { capturedDatabase, recordsOf } from '../../grader/checks/sql-capture.js';
import type { Dataset, Expected } from './dataset.js';
import { buildDataset, expected } from './dataset.js';

export type SqlParams = {
  file: string;
  index: string;
  view: string;
  nowTs: number;
  offlineMin: number;
  threshold: number;
};
type Ctx = GradeContext<SqlParams>;

/** The view's columns, in the stated order. */
export const VIEW_COLUMNS = ['device_id', 'kind', 'readings', 'avg_value', 'last_ts'] as const;
export const INDEX_COLUMNS = ['device_id', 'ts'] as const;
/** avg_value may be rounded to 2 decimals. */
export const AVG_TOLERANCE = 0.005;

// A report grades every check of one seed in a row (and practice regrades every second).
let memo: { seed: number; data: Dataset; want: Expected } | undefined;
function truthOf(seed: number): { data: Dataset; want: Expected } {
  if (memo?.seed !== seed) {
    const data = buildDataset(seed);
    memo = { seed, data, want: expected(data) };
  }
  return memo;
}

const captureRef = (db: CapturedDatabase | undefined, note: string): EvidenceRef[] =>
  db ? [ref(db.event, note)] : [];

function outcome(
  ok: boolean,
  expectedText: string,
  seen: string,
  db: CapturedDatabase | undefined,
  hint: I18n,
): CheckOutcome {
  return {
    score: ok ? 1 : 0,
    expected: expectedText,
    seen,
    evidence: captureRef(db, 'the database at the end of the run'),
    ...(ok ? {} : { hint }),
  };
}

/** Why the database cannot be graded at all, or undefined when it can. */
function unusable(db: CapturedDatabase | undefined): string | undefined {
  if (!db) return 'no capture of the database in the evidence';
  if (!db.found) return db.error ?? `no file ${db.file}`;
  return undefined;
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x.toLowerCase() === b[i]!.toLowerCase());

export function indexCheck(ctx: Ctx): CheckOutcome {
  const { index } = ctx.params;
  const db = capturedDatabase(ctx);
  const on = (db?.objects ?? []).filter(
    (o) => o.type === 'index' && o.table.toLowerCase() === 'readings',
  );
  const named = on.find((o) => o.name.toLowerCase() === index.toLowerCase());
  const ok = named !== undefined && sameList(named.columns, INDEX_COLUMNS);
  return outcome(
    ok,
    `an index ${index} on readings (${INDEX_COLUMNS.join(', ')})`,
    unusable(db) ??
      (on.length > 0
        ? `indexes on readings: ${on.map((o) => `${o.name} (${o.columns.join(', ')})`).join('; ')}`
        : 'no index on readings'),
    db,
    {
      zh: `请建立索引：CREATE INDEX ${index} ON readings (${INDEX_COLUMNS.join(', ')})，名称与列的顺序都要一致。`,
      en: `Create the index: CREATE INDEX ${index} ON readings (${INDEX_COLUMNS.join(', ')}), with that name and column order.`,
    },
  );
}

export function viewDefinedCheck(ctx: Ctx): CheckOutcome {
  const { view } = ctx.params;
  const db = capturedDatabase(ctx);
  const def = db?.objects.find(
    (o) => o.type === 'view' && o.name.toLowerCase() === view.toLowerCase(),
  );
  const rows = recordsOf(db, view);
  const cols = 'columns' in rows ? rows.columns : [];
  const missing = VIEW_COLUMNS.filter((c) => !cols.includes(c));
  const ok = def !== undefined && 'records' in rows && missing.length === 0;
  return outcome(
    ok,
    `a view ${view} with the columns ${VIEW_COLUMNS.join(', ')}`,
    unusable(db) ??
      (!def
        ? `no view ${view}`
        : 'why' in rows
          ? rows.why
          : `columns: ${cols.join(', ') || 'none'}`),
    db,
    {
      zh: `请用 CREATE VIEW ${view} AS SELECT … 建立视图，列名为 ${VIEW_COLUMNS.join(', ')}（可用 AS 命名）。`,
      en: `Create the view with CREATE VIEW ${view} AS SELECT …, its columns named ${VIEW_COLUMNS.join(', ')} (use AS).`,
    },
  );
}

export function viewRowsCheck(ctx: Ctx): CheckOutcome {
  const { view } = ctx.params;
  const { want } = truthOf(ctx.seed);
  const db = capturedDatabase(ctx);
  const rows = recordsOf(db, view);
  const n = want.summary.size;
  let seen: string;
  let ok = false;
  const lacking = 'columns' in rows ? VIEW_COLUMNS.filter((c) => !rows.columns.includes(c)) : [];
  if ('why' in rows) seen = unusable(db) ?? rows.why;
  else if (lacking.length > 0) seen = `${view} lacks the column(s) ${lacking.join(', ')}`;
  else {
    const byId = new Map<string, Record<string, unknown>[]>();
    for (const r of rows.records) {
      const id = String(r.device_id);
      byId.set(id, [...(byId.get(id) ?? []), r]);
    }
    const problems: string[] = [];
    for (const s of want.summary.values()) {
      const got = byId.get(s.deviceId) ?? [];
      const r = got[0];
      if (got.length !== 1) problems.push(`${s.deviceId}: ${got.length} rows`);
      else if (String(r!.kind) !== s.kind) problems.push(`${s.deviceId}: kind differs`);
      else if (Number(r!.readings) !== s.readings) problems.push(`${s.deviceId}: readings differs`);
      else if (!(Math.abs(Number(r!.avg_value) - s.avgValue) <= AVG_TOLERANCE))
        problems.push(`${s.deviceId}: avg_value differs`);
      else if (Number(r!.last_ts) !== s.lastTs) problems.push(`${s.deviceId}: last_ts differs`);
    }
    const stray = [...byId.keys()].filter((id) => !want.summary.has(id));
    ok = problems.length === 0 && stray.length === 0;
    seen =
      `${n - problems.length} of ${n} devices right` +
      (problems[0] ? `; e.g. ${problems[0]}` : '') +
      (stray.length > 0 ? `; ${stray.length} row(s) for no device` : '');
  }
  return outcome(
    ok,
    `one row per device (${n}) over the readings left after the deletion, avg_value within ±${AVG_TOLERANCE}`,
    seen,
    db,
    {
      zh: '视图每台设备一行：readings 为读数条数，avg_value 为平均值，last_ts 为最新读数的 ts，均按删除无效读数后的数据计算。',
      en: 'One row per device: readings = its number of readings, avg_value their average, last_ts its latest ts, over the data left after deleting the invalid readings.',
    },
  );
}

export function cleanedCheck(ctx: Ctx): CheckOutcome {
  const { data, want } = truthOf(ctx.seed);
  const db = capturedDatabase(ctx);
  const rows = recordsOf(db, 'readings');
  let seen: string;
  let ok = false;
  if ('why' in rows) seen = unusable(db) ?? rows.why;
  else {
    const ids = new Set<number>();
    let invalidLeft = 0;
    let changed = 0;
    for (const r of rows.records) {
      const id = Number(r.id);
      ids.add(id);
      const k = want.kept.get(id);
      if (!k) invalidLeft += 1;
      else if (
        String(r.device_id) !== k.deviceId ||
        Number(r.ts) !== k.ts ||
        !(Math.abs(Number(r.value) - k.value) <= 1e-9)
      )
        changed += 1;
    }
    const lost = [...want.kept.keys()].filter((id) => !ids.has(id)).length;
    ok = invalidLeft === 0 && changed === 0 && lost === 0 && ids.size === rows.records.length;
    seen = `${rows.records.length} of the ${data.readings.length} readings left: ${invalidLeft} that should be deleted, ${lost} valid one(s) deleted, ${changed} changed`;
  }
  return outcome(
    ok,
    `exactly the readings within their kind's valid range kept (${want.kept.size}), unchanged`,
    seen,
    db,
    {
      zh: '删除数值超出所属类型有效范围（kinds 表的 min_valid～max_valid，含边界）的读数，其余读数不得删除或修改。',
      en: "Delete the readings outside their kind's valid range (kinds.min_valid to max_valid, bounds included); keep every other reading unchanged.",
    },
  );
}

export function statusCheck(ctx: Ctx): CheckOutcome {
  const { want } = truthOf(ctx.seed);
  const db = capturedDatabase(ctx);
  const rows = recordsOf(db, 'devices');
  let seen: string;
  let ok = false;
  if ('why' in rows) seen = unusable(db) ?? rows.why;
  else {
    const got = new Map(rows.records.map((r) => [String(r.id), String(r.status)]));
    const missing = [...want.status.keys()].filter((id) => !got.has(id)).length;
    const wrong = [...want.status].filter(([id, s]) => got.has(id) && got.get(id) !== s).length;
    ok = missing === 0 && wrong === 0 && got.size === want.status.size;
    seen = `${wrong} of ${want.status.size} devices with the wrong status${missing > 0 ? `, ${missing} missing` : ''}`;
  }
  return outcome(
    ok,
    `every device's status set by the ${ctx.params.offlineMin}-minute rule`,
    seen,
    db,
    {
      zh: `在 now − ${ctx.params.offlineMin} 分钟（含）之后有读数的设备为 online，否则为 offline；两种状态都要更新。`,
      en: `A device with a reading at or after now − ${ctx.params.offlineMin} minutes is online, any other offline; set both.`,
    },
  );
}

export function answerRowCheck(key: string, right: (want: Expected) => string, hint: I18n) {
  return (ctx: Ctx): CheckOutcome => {
    const { want } = truthOf(ctx.seed);
    const db = capturedDatabase(ctx);
    const rows = recordsOf(db, 'answers');
    let seen: string;
    let ok = false;
    if ('why' in rows) seen = unusable(db) ?? rows.why;
    else {
      const row = rows.records.find((r) => normaliseAnswer(String(r.key)) === key);
      if (!row) seen = `no row with key '${key}'`;
      else {
        const given = normaliseAnswer(String(row.value));
        const w = right(want);
        ok = /^\d+$/.test(w) ? given !== '' && Number(given) === Number(w) : given === w;
        seen = `${key} = ${JSON.stringify(row.value)}${ok ? ' (right)' : ' (wrong)'}`;
      }
    }
    return outcome(ok, `the right ${key} in the answers table`, seen, db, hint);
  };
}
