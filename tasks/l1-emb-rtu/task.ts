/**
 * L1 · EMB · Modbus RTU master: be the master of an RS-485 line with three analog transmitters
 * on it (docs/protocols/modbus-rtu.md), poll each one's input register with hand-built or library
 * RTU frames, scale the raw values and publish them as MQTT JSON on a period. The slaves answer
 * only on the line (transport rtu), so there is no way around the bus; the scenario has no edge
 * gateway, so the line is the candidate's alone.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-emb-serial.test.ts):
 * - "scale": every transmitter (mistake `raw`: the three value checks, critical, lost);
 * - "offset": two of three transmitters have one (mistake `no-offset`: fails, critical).
 */
import { defineTask } from '../../grader/types.js';
import type { CheckOutcome, GradeContext } from '../../grader/types.js';
import { modbusReadCheck } from '../../grader/checks/modbus.js';
import { periodCheck, publishedCheck } from '../../grader/checks/mqtt.js';
import { valueCheck } from '../../grader/checks/value.js';
import type { DevicePlan } from '../../devices/field/plan.js';
import type { LabPlan } from '../../simulator/plan.js';
import { Rng } from '../../core/rng.js';
import type { ScenarioInput } from '../../simulator/scenario.js';

const SENSORS = [
  { name: 'moisture', unit: '%', range: [0, 100], base: 45, zh: '土壤水分', en: 'soil moisture' },
  {
    name: 'temperature',
    unit: '°C',
    range: [-20, 80],
    base: 24,
    zh: '水温',
    en: 'water temperature',
  },
  {
    name: 'pressure',
    unit: 'kPa',
    range: [0, 250],
    base: 120,
    zh: '管道压力',
    en: 'pipe pressure',
  },
] as const;
const SIGNALS = ['adc12', '4-20mA', '0-10V'] as const;
const TIME_LIMIT_S = 60;

export type RtuParams = {
  baud: number;
  periodS: number;
  topicLeaf: string;
  signals: string;
};
type Ctx = GradeContext<RtuParams>;

const span = (i: number) => SENSORS[i]!.range[1] - SENSORS[i]!.range[0];
const tolerance = (i: number) => Number((span(i) / 100).toFixed(3));
const topicOf = (plan: LabPlan, p: RtuParams, d: DevicePlan) =>
  `${plan.topicPrefix}/${p.topicLeaf}/${d.id}`;
const minMessages = (p: RtuParams) => Math.floor((TIME_LIMIT_S / p.periodS) * 0.6);

/** One outcome from one per sensor: the mean score, every line of what was seen. */
function mean(outcomes: CheckOutcome[]): CheckOutcome {
  const hint = outcomes.find((o) => o.hint)?.hint;
  return {
    score: outcomes.reduce((s, o) => s + o.score, 0) / outcomes.length,
    expected: outcomes.map((o) => o.expected).join('; '),
    seen: outcomes.map((o) => o.seen).join('; '),
    evidence: outcomes.flatMap((o) => o.evidence.slice(0, 2)),
    ...(hint ? { hint } : {}),
  };
}

const perSensor = (f: (ctx: Ctx, i: number) => CheckOutcome) => (ctx: Ctx) =>
  mean(SENSORS.map((_, i) => f(ctx, i)));

const topic = (i: number) => (ctx: Ctx) =>
  topicOf(ctx.plan, ctx.params, ctx.device(SENSORS[i]!.name));

function valueOf(i: number) {
  return (ctx: Ctx) =>
    valueCheck<RtuParams>({
      topic: topic(i),
      field: 'value',
      device: () => SENSORS[i]!.name,
      quantity: () => SENSORS[i]!.name,
      tolerance: () => tolerance(i),
      maxAgeS: ctx.params.periodS + 1,
    })(ctx);
}

export const rtuMaster = defineTask<RtuParams>({
  id: 'l1-emb-rtu',
  title: { zh: 'Modbus RTU 主站轮询与上报', en: 'Modbus RTU master polling and reporting' },
  level: 'L1',
  direction: 'EMB',
  skills: ['L1.EMB.3.1.2', 'L1.EMB.1.1.1', 'L1.EMB.2.2.2'],
  timeLimitS: TIME_LIMIT_S,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-emb-rtu');
    return {
      baud: rng.pick([9600, 19200]),
      periodS: rng.pick([2, 3]),
      topicLeaf: rng.pick(['bus', 'rs485', 'line', 'field']),
      signals: SENSORS.map(() => rng.pick(SIGNALS)).join(','),
    };
  },

  scenario(p): ScenarioInput {
    const signals = p.signals.split(',') as (typeof SIGNALS)[number][];
    return {
      name: 'task_l1_emb_rtu',
      title: { zh: 'RS-485 总线', en: 'RS-485 line' },
      devices: SENSORS.map((s, i) => ({
        name: s.name,
        kind: 'analog' as const,
        title: { zh: `${s.zh}变送器`, en: `${s.en} transmitter` },
        signal: signals[i]!,
        channel: {
          quantity: s.name,
          unit: s.unit,
          range: [s.range[0], s.range[1]] as [number, number],
          resolution: 0.1,
          profile: {
            base: s.base,
            vary: span(i) * 0.1,
            amplitude: span(i) * 0.15,
            periodS: 120,
            noise: span(i) * 0.002,
          },
        },
        modbus: { transport: 'rtu' as const },
      })),
      serial: [
        {
          name: 'rs485',
          kind: 'modbus_rtu',
          title: { zh: 'RS-485 总线', en: 'RS-485 line' },
          serial: { baudRate: p.baud },
          units: SENSORS.map((s) => s.name),
        },
      ],
    };
  },

  vars(p, plan) {
    const line = plan.serial[0]!;
    const rows = SENSORS.map((s, i) => {
      const d = plan.devices.find((x) => x.name === s.name)!;
      const reg = d.modbus!.registers[0]!;
      return {
        id: d.id,
        unit: d.modbus!.unit,
        address: reg.address,
        rawUnit: reg.rawUnit ?? '',
        scale: reg.scale,
        offset: reg.offset,
        eu: s.unit,
        tol: tolerance(i),
        topic: topicOf(plan, p, d),
        zh: s.zh,
        en: s.en,
      };
    });
    const table = (lang: 'zh' | 'en') =>
      [
        lang === 'zh'
          ? '| 设备 | 物理量 | 从站地址 | 输入寄存器 | 原始值单位 | 系数 | 偏移 | 单位 | 允许误差 | 主题 |'
          : '| Device | Quantity | Slave | Input register | Raw unit | Scale | Offset | Unit | Tolerance | Topic |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        ...rows.map(
          (r) =>
            `| \`${r.id}\` | ${r[lang]} | ${r.unit} | ${r.address} | ${r.rawUnit} | ${r.scale} | ${r.offset} | ${r.eu} | ± ${r.tol} | \`${r.topic}\` |`,
        ),
      ].join('\n');
    return {
      lineId: line.id,
      envName: `IOTLAB_SERIAL_${line.id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`,
      baud: p.baud,
      tableZh: table('zh'),
      tableEn: table('en'),
      periodS: p.periodS,
      jitterS: 0.5,
      maxAgeS: p.periodS + 1,
      minMessages: minMessages(p),
      // Machine-readable copies for programs (and the reference solution).
      slaves: rows.map((r) => `${r.unit}:${r.address}:${r.scale}:${r.offset}:${r.topic}`).join(','),
    };
  },

  checks: [
    {
      id: 'reads',
      skill: 'L1.EMB.3.1.2',
      points: 15,
      title: { zh: '在 RS-485 总线上轮询各从站', en: 'Poll every slave on the RS-485 line' },
      run: perSensor((ctx, i) =>
        modbusReadCheck<RtuParams>({
          unit: (c) => c.device(SENSORS[i]!.name).modbus!.unit,
          fc: 4,
          address: (c) => c.device(SENSORS[i]!.name).modbus!.registers[0]!.address,
          minCount: 5,
        })(ctx),
      ),
    },
    {
      id: 'published',
      skill: 'L1.EMB.2.2.2',
      points: 10,
      title: { zh: '按主题发布各路数据', en: 'Publish every reading on its topic' },
      run: perSensor((ctx, i) =>
        publishedCheck<RtuParams>({ topic: topic(i), minCount: minMessages(ctx.params) })(ctx),
      ),
    },
    ...SENSORS.map((s, i) => ({
      id: `value-${s.name}`,
      skill: 'L1.EMB.1.1.1',
      points: 20,
      // A wrong value must not pass (issue 18.1): at least half the value points, or the task is capped.
      critical: 0.5,
      title: { zh: `${s.zh}工程值正确`, en: `Correct ${s.en} value` },
      run: valueOf(i),
    })),
    {
      id: 'period',
      skill: 'L1.EMB.2.2.2',
      points: 15,
      title: { zh: '按周期发布', en: 'Publish on the period' },
      run: perSensor((ctx, i) =>
        periodCheck<RtuParams>({
          topic: topic(i),
          periodS: (c) => c.params.periodS,
          jitterS: 0.5,
        })(ctx),
      ),
    },
  ],
});
