/**
 * L1 · EMB · analog acquisition: read an analog sensor's raw value over Modbus TCP (ADC counts,
 * 4–20 mA as µA or 0–10 V as mV, drawn from the seed), convert it to the engineering value with
 * the card's scale and offset, and publish it as MQTT JSON on a fixed period with QoS 1.
 *
 * Stated rules and the case planted for each, on every seed
 * (tests/e2e/task-analog.test.ts, task-rules.test.ts):
 * - "convert it to the engineering value with the scale and offset": every reading (mistake
 *   `raw`: value, critical, lost);
 * - "QoS 1": every message (mistake `qos0`: qos 10 lost).
 */
import { defineTask } from '../../grader/types.js';
import type { GradeContext } from '../../grader/types.js';
import { modbusReadCheck } from '../../grader/checks/modbus.js';
import { periodCheck, publishedCheck, qosCheck, schemaCheck } from '../../grader/checks/mqtt.js';
import { valueCheck } from '../../grader/checks/value.js';
import { Rng } from '../../core/rng.js';
import type { ScenarioInput } from '../../simulator/scenario.js';

const SENSORS = [
  {
    quantity: 'moisture',
    unit: '%',
    range: [0, 100],
    base: 45,
    zh: '土壤水分',
    en: 'soil moisture',
  },
  {
    quantity: 'temperature',
    unit: '°C',
    range: [-20, 80],
    base: 24,
    zh: '水温',
    en: 'water temperature',
  },
  {
    quantity: 'pressure',
    unit: 'kPa',
    range: [0, 250],
    base: 120,
    zh: '管道压力',
    en: 'pipe pressure',
  },
  { quantity: 'level', unit: 'cm', range: [0, 300], base: 140, zh: '水位', en: 'water level' },
] as const;
const SIGNALS = ['adc12', '4-20mA', '0-10V'] as const;

export type AnalogParams = {
  sensor: number;
  signal: (typeof SIGNALS)[number];
  periodS: number;
  topicLeaf: string;
};

type Ctx = GradeContext<AnalogParams>;
const sensorOf = (p: AnalogParams) => SENSORS[p.sensor]!;
const topic = (ctx: Ctx) =>
  `${ctx.plan.topicPrefix}/${ctx.params.topicLeaf}/${ctx.device('sensor').id}`;
const span = (p: AnalogParams) => sensorOf(p).range[1] - sensorOf(p).range[0];
const tolerance = (p: AnalogParams) => Number((span(p) / 100).toFixed(3));
const TIME_LIMIT_S = 60;

export const analogAcquisition = defineTask<AnalogParams>({
  id: 'l1-emb-analog',
  title: { zh: '模拟量传感器数据采集与上报', en: 'Analog sensor acquisition and reporting' },
  level: 'L1',
  direction: 'EMB',
  skills: ['L1.EMB.1.1.1', 'L1.EMB.3.1.2', 'L1.EMB.2.2.1', 'L1.EMB.2.2.2'],
  timeLimitS: TIME_LIMIT_S,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-emb-analog');
    return {
      sensor: rng.int(0, SENSORS.length - 1),
      signal: rng.pick(SIGNALS),
      periodS: rng.pick([2, 3]),
      topicLeaf: rng.pick(['acq', 'field', 'data', 'collect']),
    };
  },

  scenario(p): ScenarioInput {
    const s = sensorOf(p);
    const span = s.range[1] - s.range[0];
    return {
      name: 'task_l1_emb_analog',
      title: { zh: '模拟量采集', en: 'Analog acquisition' },
      devices: [
        {
          name: 'sensor',
          kind: 'analog',
          title: { zh: `${s.zh}变送器`, en: `${s.en} transmitter` },
          signal: p.signal,
          channel: {
            quantity: s.quantity,
            unit: s.unit,
            range: [s.range[0], s.range[1]],
            resolution: 0.1,
            profile: {
              base: s.base,
              vary: span * 0.1,
              amplitude: span * 0.15,
              periodS: 120,
              noise: span * 0.002,
            },
          },
          modbus: {},
        },
      ],
    };
  },

  vars(p, plan) {
    const d = plan.devices[0]!;
    const reg = d.modbus!.registers[0]!;
    const s = sensorOf(p);
    return {
      deviceId: d.id,
      quantityZh: s.zh,
      quantityEn: s.en,
      unit: s.unit,
      unitId: d.modbus!.unit,
      address: reg.address,
      signal: p.signal,
      rawUnit: reg.rawUnit ?? '',
      scale: reg.scale,
      offset: reg.offset,
      topic: `${plan.topicPrefix}/${p.topicLeaf}/${d.id}`,
      periodS: p.periodS,
      jitterS: 0.5,
      tolerance: tolerance(p),
      maxAgeS: p.periodS + 1,
      minMessages: Math.floor((TIME_LIMIT_S / p.periodS) * 0.6),
    };
  },

  checks: [
    {
      id: 'modbus-read',
      skill: 'L1.EMB.3.1.2',
      points: 15,
      title: {
        zh: '通过 Modbus TCP 读取输入寄存器',
        en: 'Read the input register over Modbus TCP',
      },
      run: (ctx) =>
        modbusReadCheck<AnalogParams>({
          unit: (c) => c.device('sensor').modbus!.unit,
          fc: 4,
          address: (c) => c.device('sensor').modbus!.registers[0]!.address,
          minCount: 5,
        })(ctx),
    },
    {
      id: 'published',
      skill: 'L1.EMB.2.2.2',
      points: 10,
      title: { zh: '按主题发布数据', en: 'Publish on the topic' },
      run: (ctx) =>
        publishedCheck<AnalogParams>({
          topic,
          minCount: Math.floor((TIME_LIMIT_S / ctx.params.periodS) * 0.6),
        })(ctx),
    },
    {
      id: 'payload',
      skill: 'L1.EMB.2.2.1',
      points: 15,
      title: { zh: 'JSON 消息格式', en: 'JSON payload format' },
      run: schemaCheck<AnalogParams>({
        topic,
        schema: (c) => ({
          type: 'object',
          required: ['value', 'unit'],
          properties: { value: { type: 'number' }, unit: { const: sensorOf(c.params).unit } },
        }),
      }),
    },
    {
      id: 'value',
      skill: 'L1.EMB.1.1.1',
      points: 40,
      // A wrong value must not pass (issue 18.1): at least half the value points, or the task is capped.
      critical: 0.5,
      title: { zh: '工程值换算正确', en: 'Correct engineering value' },
      run: (ctx) =>
        valueCheck<AnalogParams>({
          topic,
          field: 'value',
          device: () => 'sensor',
          quantity: (c) => sensorOf(c.params).quantity,
          tolerance: (c) => tolerance(c.params),
          maxAgeS: ctx.params.periodS + 1,
        })(ctx),
    },
    {
      id: 'period',
      skill: 'L1.EMB.2.2.2',
      points: 10,
      title: { zh: '按周期发布', en: 'Publish on the period' },
      run: periodCheck<AnalogParams>({ topic, periodS: (c) => c.params.periodS, jitterS: 0.5 }),
    },
    {
      id: 'qos',
      skill: 'L1.EMB.2.2.2',
      points: 10,
      title: { zh: '使用 QoS 1 发布', en: 'Publish with QoS 1' },
      run: qosCheck<AnalogParams>({ topic, qos: 1 }),
    },
  ],
});
