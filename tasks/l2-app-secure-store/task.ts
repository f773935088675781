/**
 * L2 · APP · readings stored encrypted at rest (L2.APP.3.3.1 能运用密码技术，设置数据加密存储机制):
 * a household smart meter publishes its readings in clear over MQTT; they are personal data, so
 * the candidate stores every point in a SQLite file with the value sealed field by field —
 * AES-256-GCM under the data key the instructions give, a fresh 12-byte IV per row, and the row's
 * identity (`device|ts|quantity`) as additional authenticated data, so a sealed value moved to
 * another row no longer opens. The runner captures the table when the time is up
 * (tasks/capture.ts); the grader opens every stored value with the key and compares it with what
 * the meter published.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-secure-store.test.ts):
 * - "AES-256-GCM with the data key, the AAD `device|ts|quantity`": every row is opened with that
 *   AAD; sealing without it (mistake `no-aad`) opens nothing: sealed, critical, lost (59);
 * - "a fresh random IV for every row": every run stores dozens of rows; one IV for all (mistake
 *   `fixed-iv`) loses fresh-iv (90);
 * - "no reading in clear in the table": the table may have only the five stated columns; a plain
 *   copy of the value beside the sealed one (mistake `plain-copy`) loses no-plaintext, critical
 *   (59);
 * - one row per quantity of every message (stored, by share).
 */
import { createDecipheriv } from 'node:crypto';
import { defineTask } from '../../grader/types.js';
import type { CheckOutcome, GradeContext } from '../../grader/types.js';
import { ref } from '../../grader/checks/mqtt.js';
import { subscribedCheck } from '../../grader/checks/subscribe.js';
import type { PointStoreSpec } from '../../grader/checks/sqlite.js';
import {
  capturedOf,
  columnsCheck,
  expectedPoints,
  pointsStoredCheck,
  storedRows,
  tableExistsCheck,
} from '../../grader/checks/sqlite.js';
import { Rng } from '../../core/rng.js';

export type SecureStoreParams = { table: string; file: string; periodS: number; key: string };
type Ctx = GradeContext<SecureStoreParams>;

const QUANTITIES = ['power', 'voltage'] as const;
const COLUMNS = { device: 'device', ts: 'ts', quantity: 'quantity', value: 'value_enc' } as const;
/** The only columns the table may have: nothing else can hold a reading in clear. */
const ALLOWED = ['id', 'device', 'ts', 'quantity', 'value_enc'];
const GRACE_S = 2;
const IV_BYTES = 12;
const TAG_BYTES = 16;

const spec = (p: SecureStoreParams): PointStoreSpec => ({
  device: 'meter',
  quantities: QUANTITIES,
  table: p.table,
  columns: COLUMNS,
  graceMs: GRACE_S * 1000,
});

/** A stored `value_enc` opened with the key and the row's AAD: the number, or why not. */
export function openValue(
  key: Buffer,
  aad: string,
  stored: unknown,
): { value: number; iv: string } | { why: string } {
  if (typeof stored !== 'string') return { why: `not base64 text (${typeof stored})` };
  const raw = Buffer.from(stored, 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES + 1 || raw.toString('base64') !== stored.replace(/\s/g, ''))
    return { why: 'not base64 of IV ‖ ciphertext ‖ tag' };
  const iv = raw.subarray(0, IV_BYTES);
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    const text = Buffer.concat([
      d.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
      d.final(),
    ]).toString('utf8');
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value))
      return { why: `opens to ${JSON.stringify(text.slice(0, 20))}, not a number` };
    return { value, iv: iv.toString('hex') };
  } catch {
    return { why: 'does not open (wrong key, IV, AAD or tag)' };
  }
}

/** The captured rows opened: per row of a published point, its value or why it did not open. */
function opened(ctx: Ctx) {
  const key = Buffer.from(ctx.params.key, 'hex');
  const { all } = expectedPoints(ctx, spec(ctx.params));
  const got = storedRows(ctx, spec(ctx.params));
  if ('why' in got) return { why: got.why };
  const rows = got.rows
    .filter((r) => all.has(r.key))
    .map((r) => ({ key: r.key, want: all.get(r.key)!.value, got: openValue(key, r.key, r.value) }));
  return { rows, total: got.rows.length };
}

const captureRef = (ctx: Ctx, note: string) => {
  const cap = capturedOf(ctx);
  return cap ? [ref(cap.event, note)] : [];
};

/** Share of stored rows of published points that open to the published number. */
function sealed(ctx: Ctx): CheckOutcome {
  const o = opened(ctx);
  const rows = 'rows' in o ? o.rows! : [];
  const wrong = rows.filter((r) => 'why' in r.got || Math.abs(r.got.value - r.want) > 1e-9);
  const first = wrong[0];
  return {
    score: rows.length === 0 ? 0 : (rows.length - wrong.length) / rows.length,
    expected:
      'every value_enc = base64(IV ‖ AES-256-GCM ciphertext ‖ tag) that opens with the data key and the AAD device|ts|quantity to the published number',
    seen:
      'why' in o
        ? o.why!
        : `${rows.length - wrong.length} of ${rows.length} open right${
            first
              ? `; e.g. ${first.key}: ${'why' in first.got ? first.got.why : `${first.got.value} for ${first.want}`}`
              : ''
          }`,
    evidence: captureRef(ctx, 'captured rows'),
    ...(wrong.length > 0
      ? {
          hint: {
            zh: '按说明加密：AES-256-GCM、数据密钥、每行新的 12 字节 IV、AAD 为 device|ts|quantity，存 base64(IV‖密文‖标签)。',
            en: 'Seal as stated: AES-256-GCM, the data key, a fresh 12-byte IV per row, AAD device|ts|quantity, stored as base64(IV ‖ ciphertext ‖ tag).',
          },
        }
      : {}),
  };
}

/** All or nothing: at least two rows opened, no IV used twice. */
function freshIv(ctx: Ctx): CheckOutcome {
  const o = opened(ctx);
  const ivs = ('rows' in o ? o.rows! : []).flatMap((r) => ('iv' in r.got ? [r.got.iv] : []));
  const distinct = new Set(ivs).size;
  const ok = ivs.length >= 2 && distinct === ivs.length;
  return {
    score: ok ? 1 : 0,
    expected: 'a different IV in every row (at least two rows that open)',
    seen: 'why' in o ? o.why! : `${ivs.length} row(s) open, ${distinct} distinct IV(s)`,
    evidence: captureRef(ctx, 'captured rows'),
    ...(ivs.length >= 2 && !ok
      ? {
          hint: {
            zh: 'GCM 下同一密钥绝不能重复使用 IV：每行都用新的随机 IV。',
            en: 'Under GCM an IV must never repeat with the same key: draw a fresh random IV for every row.',
          },
        }
      : {}),
  };
}

/** The table has only the stated columns, and at least one row: no reading in clear. */
function noPlaintext(ctx: Ctx): CheckOutcome {
  const cap = capturedOf(ctx);
  const table = cap?.tables.find((t) => t.name.toLowerCase() === ctx.params.table.toLowerCase());
  const extra = (table?.columns ?? [])
    .map((c) => c.name)
    .filter((c) => !ALLOWED.includes(c.toLowerCase()));
  const rows = cap?.rows?.values.length ?? 0;
  const ok = !!table && rows > 0 && extra.length === 0;
  return {
    score: ok ? 1 : 0,
    expected: `a table with rows and only the columns ${ALLOWED.join(', ')}`,
    seen: !table
      ? 'no such table'
      : `${rows} row(s); columns ${table.columns.map((c) => c.name).join(', ')}`,
    evidence: captureRef(ctx, 'table schema'),
    ...(table && extra.length > 0
      ? {
          hint: {
            zh: `表中不得有明文读数：删除多余的列 ${extra.join('、')}。`,
            en: `No reading in clear in the table: drop the extra columns ${extra.join(', ')}.`,
          },
        }
      : {}),
  };
}

export const secureStore = defineTask<SecureStoreParams>({
  id: 'l2-app-secure-store',
  title: {
    zh: '读数加密存储（SQLite，AES-256-GCM）',
    en: 'Readings encrypted at rest (SQLite, AES-256-GCM)',
  },
  level: 'L2',
  direction: 'APP',
  skills: ['L2.APP.3.3.1'],
  timeLimitS: 40,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l2-app-secure-store');
    return {
      table: rng.pick(['meter_readings', 'sealed_points', 'usage', 'readings_enc']),
      file: `${rng.pick(['vault', 'meter', 'secure', 'home'])}_${rng.hex(4)}.db`,
      periodS: rng.pick([1, 2]),
      key: rng.hex(64),
    };
  },

  scenario: (p) => ({
    name: 'task_l2_app_secure_store',
    title: { zh: '读数加密存储', en: 'Readings encrypted at rest' },
    devices: [
      {
        name: 'meter',
        kind: 'digital',
        title: { zh: '家庭智能电表', en: 'Household smart meter' },
        channels: [
          {
            quantity: 'power',
            unit: 'W',
            range: [0, 9000],
            resolution: 0.1,
            profile: { base: 1200, vary: 600, amplitude: 400, periodS: 50, noise: 20 },
          },
          {
            quantity: 'voltage',
            unit: 'V',
            range: [180, 260],
            resolution: 0.1,
            profile: { base: 225, vary: 5, amplitude: 3, periodS: 70, noise: 0.5 },
          },
        ],
        mqtt: { period: p.periodS, qos: 1 },
      },
    ],
  }),

  vars: (p, plan) => {
    const d = plan.devices[0]!;
    return {
      deviceId: d.id,
      topic: d.mqtt!.telemetryTopic,
      periodS: p.periodS,
      file: p.file,
      table: p.table,
      key: p.key,
      graceS: GRACE_S,
    };
  },

  capture: (p) => ({ sqlite: { file: p.file, table: p.table } }),

  checks: [
    {
      id: 'subscribed',
      skill: 'L2.APP.3.3.1',
      points: 10,
      title: { zh: '订阅电表遥测', en: 'Subscribed to the meter' },
      run: subscribedCheck<SecureStoreParams>({
        topic: (ctx) => ctx.device('meter').mqtt!.telemetryTopic,
        what: { zh: '电表遥测', en: "meter's telemetry" },
      }),
    },
    {
      id: 'table',
      skill: 'L2.APP.3.3.1',
      points: 10,
      title: { zh: '数据库文件与数据表', en: 'Database file and table' },
      run: (ctx) => tableExistsCheck(spec(ctx.params))(ctx),
    },
    {
      id: 'schema',
      skill: 'L2.APP.3.3.1',
      points: 10,
      title: { zh: '表结构（列名与类型）', en: 'Table schema (columns and types)' },
      run: (ctx) =>
        columnsCheck(spec(ctx.params), {
          device: 'TEXT',
          ts: 'INTEGER',
          quantity: 'TEXT',
          value_enc: 'TEXT',
        })(ctx),
    },
    {
      id: 'stored',
      skill: 'L2.APP.3.3.1',
      points: 25,
      title: { zh: '每个数据点都已存储', en: 'Every point stored' },
      run: (ctx) => pointsStoredCheck(spec(ctx.params))(ctx),
    },
    {
      id: 'sealed',
      skill: 'L2.APP.3.3.1',
      points: 25,
      critical: 0.9,
      title: {
        zh: '密文可用密钥解开且数值正确',
        en: 'Sealed values open with the key to the right numbers',
      },
      run: sealed,
    },
    {
      id: 'fresh-iv',
      skill: 'L2.APP.3.3.1',
      points: 10,
      title: { zh: '每行使用不同的 IV', en: 'A fresh IV in every row' },
      run: freshIv,
    },
    {
      id: 'no-plaintext',
      skill: 'L2.APP.3.3.1',
      points: 10,
      critical: true,
      title: { zh: '表中没有明文读数', en: 'No reading in clear in the table' },
      run: noPlaintext,
    },
  ],
});
