/**
 * L1 · APP · time-series persistence: a temperature/humidity sensor publishes telemetry over
 * MQTT; the candidate stores every point in a SQLite file in the work folder, one row per
 * (device, ts, quantity), in a table with a stated schema. The runner captures the table when the
 * time is up (tasks/capture.ts) and the checks grade that capture against the published messages.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-sqlite.test.ts):
 * - "a message received twice must not give two rows": the sensor sends its last message again,
 *   byte for byte, at resendAt and resendAt + 12 s (mqtt.resendAt). A program that inserts it
 *   again (solution mistake `no-dedup`: no UNIQUE, plain INSERT) loses no-duplicates (10);
 * - one row per quantity: every message has both (mistake `temperature-only`: stored 15 lost);
 * - `value` = the published number: every row (mistake `swap-values`: values, critical, lost:
 *   59, tests/e2e/task-rules.test.ts);
 * - write each row at once: the capture is taken when the time is up (stored check).
 */
import { defineTask } from '../../grader/types.js';
import type { CheckOutcome, GradeContext } from '../../grader/types.js';
import { ref } from '../../grader/checks/mqtt.js';
import type { PointStoreSpec } from '../../grader/checks/sqlite.js';
import {
  columnsCheck,
  noDuplicateRowsCheck,
  pointValuesCheck,
  pointsStoredCheck,
  tableExistsCheck,
} from '../../grader/checks/sqlite.js';
import { Rng } from '../../core/rng.js';

export type SqliteParams = { table: string; file: string; periodS: number; resendAt: number };
type Ctx = GradeContext<SqliteParams>;

const QUANTITIES = ['temperature', 'humidity'] as const;
const COLUMNS = { device: 'device', ts: 'ts', quantity: 'quantity', value: 'value' } as const;
const GRACE_S = 1;

const spec = (p: SqliteParams): PointStoreSpec => ({
  device: 'sensor',
  quantities: QUANTITIES,
  table: p.table,
  columns: COLUMNS,
  graceMs: GRACE_S * 1000,
});

function subscribed(ctx: Ctx): CheckOutcome {
  const topic = ctx.device('sensor').mqtt!.telemetryTopic;
  const subs = ctx.subscriptions(topic);
  return {
    score: subs.length > 0 ? 1 : 0,
    expected: `a subscription that receives ${topic}`,
    seen: subs.length > 0 ? `subscribed (seq ${subs[0]!.seq})` : 'no such subscription',
    evidence: subs.slice(0, 1).map((e) => ref(e)),
    ...(subs.length === 0
      ? {
          hint: {
            zh: `请订阅传感器的遥测主题 ${topic}。`,
            en: `Subscribe to the sensor's telemetry topic ${topic}.`,
          },
        }
      : {}),
  };
}

export const sqliteStorage = defineTask<SqliteParams>({
  id: 'l1-app-sqlite',
  title: { zh: '物联网数据的时序存储（SQLite）', en: 'Time-series storage in SQLite' },
  level: 'L1',
  direction: 'APP',
  skills: ['L1.APP.1.2.1', 'L1.APP.1.1.2'],
  timeLimitS: 40,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-app-sqlite');
    return {
      table: rng.pick(['telemetry', 'readings', 'sensor_data', 'points']),
      file: `${rng.pick(['iot', 'lab', 'ts', 'store'])}_${rng.hex(4)}.db`,
      periodS: rng.pick([2, 3]),
      resendAt: rng.int(8, 14),
    };
  },

  scenario: (p) => ({
    name: 'task_l1_app_sqlite',
    title: { zh: '时序存储', en: 'Time-series storage' },
    devices: [
      {
        name: 'sensor',
        kind: 'digital',
        title: { zh: '温湿度传感器', en: 'Temperature/humidity sensor' },
        channels: [
          {
            quantity: 'temperature',
            unit: '°C',
            range: [-40, 80],
            resolution: 0.1,
            profile: { base: 22, vary: 4, amplitude: 2, periodS: 60, noise: 0.1 },
          },
          {
            quantity: 'humidity',
            unit: '%RH',
            range: [0, 100],
            resolution: 0.1,
            profile: { base: 55, vary: 10, amplitude: 5, periodS: 80, noise: 0.2 },
          },
        ],
        // A message received twice, on every seed: the rule "must not give two rows" shows.
        mqtt: { period: p.periodS, qos: 1, resendAt: [p.resendAt + 0.5, p.resendAt + 12.5] },
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
      graceS: GRACE_S,
    };
  },

  capture: (p) => ({ sqlite: { file: p.file, table: p.table } }),

  checks: [
    {
      id: 'subscribed',
      skill: 'L1.APP.1.2.1',
      points: 10,
      title: { zh: '订阅遥测', en: 'Subscribed to the telemetry' },
      run: subscribed,
    },
    {
      id: 'table',
      skill: 'L1.APP.1.1.2',
      points: 10,
      title: { zh: '数据库文件与数据表', en: 'Database file and table' },
      run: (ctx) => tableExistsCheck(spec(ctx.params))(ctx),
    },
    {
      id: 'schema',
      skill: 'L1.APP.1.1.2',
      points: 15,
      title: { zh: '表结构（列名与类型）', en: 'Table schema (columns and types)' },
      run: (ctx) =>
        columnsCheck(spec(ctx.params), {
          device: 'TEXT',
          ts: 'INTEGER',
          quantity: 'TEXT',
          value: 'REAL',
        })(ctx),
    },
    {
      id: 'stored',
      skill: 'L1.APP.1.2.1',
      points: 30,
      title: { zh: '每个数据点都已存储', en: 'Every point stored' },
      run: (ctx) => pointsStoredCheck(spec(ctx.params))(ctx),
    },
    {
      id: 'values',
      skill: 'L1.APP.1.2.1',
      points: 25,
      critical: 0.5,
      title: { zh: '存储的数值正确', en: 'Stored values right' },
      run: (ctx) => pointValuesCheck(spec(ctx.params))(ctx),
    },
    {
      id: 'no-duplicates',
      skill: 'L1.APP.1.2.1',
      points: 10,
      title: { zh: '无重复、无多余数据行', en: 'No duplicate or stray rows' },
      run: (ctx) => noDuplicateRowsCheck(spec(ctx.params))(ctx),
    },
  ],
});
