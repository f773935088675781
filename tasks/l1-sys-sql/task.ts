/**
 * L1 · SYS · SQL scripts against a database the lab provides: when the lab starts, the runner
 * writes a seeded SQLite database (dataset.ts) into the work folder; the candidate's scripts, run
 * with any SQLite client, create an index and a view (DDL), delete invalid readings and correct
 * device statuses (DML), and store three query results in a table. When the time is up the runner
 * captures the database (tasks/capture.ts) and the checks compare it with the expected result,
 * recomputed from the seed.
 *
 * The skill's text names 数据控制语句 (data control). SQLite has no users, so GRANT/REVOKE cannot
 * be assessed here: this task assesses DDL, DML and queries, and the instructions say so.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-rules.test.ts):
 * - "a reading exactly at that cutoff counts": one device's last reading is exactly at the
 *   cutoff on every seed (dataset.ts); `>` (mistake `window-off-by-one`) loses status and
 *   offline-count (80);
 * - "the bounds are valid": a humidity reading exactly on its bound on every seed; deleting it
 *   (mistake `bounds-exclusive`) loses cleaned and view-rows (65);
 * - "strictly greater than" the threshold: the threshold sits on a temperature base, readings
 *   equal to it on every seed; `>=` (mistake `at-least`) loses count-above (90).
 * - No critical check: eight independent all-or-nothing items of 5-20 points, none the answer.
 */
import { defineTask } from '../../grader/types.js';
import type { SqlParams } from './checks.js';
import {
  answerRowCheck,
  cleanedCheck,
  indexCheck,
  statusCheck,
  viewDefinedCheck,
  viewRowsCheck,
} from './checks.js';
import { buildDataset, sqlScript } from './dataset.js';

const SKILL = 'L1.SYS.2.2.2';

export const sqlScripts = defineTask<SqlParams>({
  id: 'l1-sys-sql',
  title: {
    zh: '用 SQL 脚本维护物联网数据库',
    en: 'SQL scripts against an IoT database',
  },
  level: 'L1',
  direction: 'SYS',
  skills: [SKILL],
  timeLimitS: 1200,
  solution: 'solution.ts',

  params(seed) {
    const d = buildDataset(seed);
    return {
      file: 'iot.db',
      index: 'idx_readings_device_ts',
      view: 'v_device_summary',
      nowTs: d.nowTs,
      offlineMin: d.offlineMin,
      threshold: d.threshold,
    };
  },

  // The lab is the database. A scenario needs a device, so the lab runs one sensor the task does
  // not use (the instructions say so) rather than loosening the scenario rules for every author.
  scenario: () => ({
    name: 'task_l1_sys_sql',
    title: { zh: 'SQL 脚本', en: 'SQL scripts' },
    devices: [
      {
        name: 'air',
        kind: 'digital',
        title: { zh: '空气温度传感器（本任务不用）', en: 'Air temperature sensor (not used here)' },
        channels: [
          {
            quantity: 'temperature',
            unit: '°C',
            range: [-20, 60],
            resolution: 0.1,
            profile: { base: 22, vary: 3, amplitude: 1, periodS: 600, noise: 0.1 },
          },
        ],
        mqtt: { period: 10 },
      },
    ],
  }),

  vars: (p) => ({
    file: p.file,
    index: p.index,
    view: p.view,
    nowTs: p.nowTs,
    nowIso: new Date(p.nowTs).toISOString().replace('.000Z', 'Z'),
    offlineMin: p.offlineMin,
    threshold: p.threshold,
  }),

  prepare: (p, plan) => [{ file: p.file, sqliteScript: sqlScript(buildDataset(plan.seed)) }],

  capture: (p) => ({
    sqlite: { file: p.file, tables: ['readings', 'devices', 'answers', p.view] },
  }),

  checks: [
    {
      id: 'index',
      skill: SKILL,
      points: 15,
      title: { zh: '建立索引（DDL）', en: 'Index created (DDL)' },
      run: indexCheck,
    },
    {
      id: 'cleaned',
      skill: SKILL,
      points: 20,
      title: { zh: '删除无效读数（DELETE）', en: 'Invalid readings deleted (DELETE)' },
      run: cleanedCheck,
    },
    {
      id: 'status',
      skill: SKILL,
      points: 15,
      title: { zh: '更新设备在线状态（UPDATE）', en: 'Device status updated (UPDATE)' },
      run: statusCheck,
    },
    {
      id: 'view',
      skill: SKILL,
      points: 10,
      title: { zh: '建立视图（DDL）', en: 'View created (DDL)' },
      run: viewDefinedCheck,
    },
    {
      id: 'view-rows',
      skill: SKILL,
      points: 15,
      title: { zh: '视图结果正确', en: 'View rows right' },
      run: viewRowsCheck,
    },
    {
      id: 'top-device',
      skill: SKILL,
      points: 10,
      title: { zh: '查询：平均温度最高的设备', en: 'Query: highest average temperature' },
      run: answerRowCheck('top_device', (w) => w.topDevice, {
        zh: 'top_device：只看 kind 为 temperature 的设备，按删除无效读数后的平均值取最高者的 id。',
        en: 'top_device: temperature devices only, the id of the one with the highest average over the readings left after the deletion.',
      }),
    },
    {
      id: 'count-above',
      skill: SKILL,
      points: 10,
      title: { zh: '查询：超过阈值的读数条数', en: 'Query: readings above the threshold' },
      run: answerRowCheck('count_above', (w) => String(w.countAbove), {
        zh: 'count_above：温度设备的读数中数值严格大于阈值（不含等于）的条数，按删除后的数据计算。',
        en: 'count_above: temperature readings strictly above the threshold (equal does not count), after the deletion.',
      }),
    },
    {
      id: 'offline-count',
      skill: SKILL,
      points: 5,
      title: { zh: '查询：离线设备数', en: 'Query: devices offline' },
      run: answerRowCheck('offline_count', (w) => String(w.offlineCount), {
        zh: 'offline_count：状态更新之后 status 为 offline 的设备数。',
        en: 'offline_count: the number of devices whose status is offline after the update.',
      }),
    },
  ],
});
