/**
 * L1 · EMB · digital acquisition: a temperature/humidity module gives its readings over Modbus
 * TCP as signed 16-bit counts of 0.1 (two input registers); the candidate reads both, scales them
 * keeping the sensor's resolution, and publishes them with their units as JSON on a period.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-digital.test.ts):
 * - "signed 16-bit (two's complement)": every place is below 0 °C for the whole run (base ≤ −6,
 *   ± vary 2, ± amplitude 1.5, noise 0.05: at most −2.3 °C), so a program that reads the register
 *   as unsigned reports ~6550 °C in every message and loses the temperature check (25; solution
 *   mistake `unsigned`, the hint names it);
 * - one decimal at the sensor's resolution: every value (resolution check);
 * - units as stated: every message (payload check).
 */
import { defineTask } from '../../grader/types.js';
import type { GradeContext } from '../../grader/types.js';
import { modbusReadCheck } from '../../grader/checks/modbus.js';
import { periodCheck, publishedCheck, schemaCheck } from '../../grader/checks/mqtt.js';
import { valueCheck } from '../../grader/checks/value.js';
import { resolutionCheck, withSignedHint } from '../../grader/checks/digital.js';
import { Rng } from '../../core/rng.js';
import type { ScenarioInput } from '../../simulator/scenario.js';

/** Every place is below 0 °C throughout (see the header): the signed encoding always shows. */
export const PLACES = [
  { zh: '冷库', en: 'cold store', temp: -18, hum: 85 },
  { zh: '冷链运输车', en: 'refrigerated truck', temp: -22, hum: 80 },
  { zh: '高山气象站', en: 'mountain weather station', temp: -12, hum: 55 },
  { zh: '冬季室外', en: 'outdoor (winter)', temp: -6, hum: 60 },
] as const;

export type DigitalParams = { place: number; periodS: number; topicLeaf: string };
type Ctx = GradeContext<DigitalParams>;

const RESOLUTION = 0.1;
const TOLERANCE = 0.2;
const TIME_LIMIT_S = 60;
const topic = (ctx: Ctx) =>
  `${ctx.plan.topicPrefix}/${ctx.params.topicLeaf}/${ctx.device('thsensor').id}`;
const minMessages = (p: DigitalParams) => Math.floor((TIME_LIMIT_S / p.periodS) * 0.6);
const UNITS = { temperature: '°C', humidity: '%RH' } as const;

const value = (quantity: 'temperature' | 'humidity') => (ctx: Ctx) =>
  withSignedHint(
    valueCheck<DigitalParams>({
      topic,
      field: quantity,
      device: () => 'thsensor',
      quantity: () => quantity,
      tolerance: () => TOLERANCE,
      maxAgeS: ctx.params.periodS + 1,
    }),
    { topic, field: quantity, resolution: RESOLUTION },
  )(ctx);

export const digitalAcquisition = defineTask<DigitalParams>({
  id: 'l1-emb-digital',
  title: { zh: '数字量传感器数据采集', en: 'Digital sensor acquisition' },
  level: 'L1',
  direction: 'EMB',
  skills: ['L1.EMB.1.1.2', 'L1.EMB.3.1.2', 'L1.EMB.2.2.1', 'L1.EMB.2.2.2'],
  timeLimitS: TIME_LIMIT_S,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-emb-digital');
    return {
      place: rng.int(0, PLACES.length - 1),
      periodS: rng.pick([2, 3]),
      topicLeaf: rng.pick(['env', 'climate', 'th', 'room']),
    };
  },

  scenario(p): ScenarioInput {
    const place = PLACES[p.place]!;
    return {
      name: 'task_l1_emb_digital',
      title: { zh: '数字量采集', en: 'Digital acquisition' },
      devices: [
        {
          name: 'thsensor',
          kind: 'digital',
          title: { zh: `${place.zh}温湿度传感器`, en: `${place.en} temperature/humidity sensor` },
          channels: [
            {
              quantity: 'temperature',
              unit: UNITS.temperature,
              range: [-40, 80],
              resolution: RESOLUTION,
              profile: { base: place.temp, vary: 2, amplitude: 1.5, periodS: 90, noise: 0.05 },
            },
            {
              quantity: 'humidity',
              unit: UNITS.humidity,
              range: [0, 100],
              resolution: RESOLUTION,
              profile: { base: place.hum, vary: 5, amplitude: 4, periodS: 150, noise: 0.1 },
            },
          ],
          modbus: {},
        },
      ],
    };
  },

  vars(p, plan) {
    const d = plan.devices[0]!;
    const [temp, hum] = d.modbus!.registers;
    const place = PLACES[p.place]!;
    return {
      deviceId: d.id,
      placeZh: place.zh,
      placeEn: place.en,
      unitId: d.modbus!.unit,
      tempAddress: temp!.address,
      humAddress: hum!.address,
      resolution: RESOLUTION,
      topic: `${plan.topicPrefix}/${p.topicLeaf}/${d.id}`,
      periodS: p.periodS,
      jitterS: 0.5,
      tolerance: TOLERANCE,
      maxAgeS: p.periodS + 1,
      minMessages: minMessages(p),
    };
  },

  checks: [
    {
      id: 'modbus-read',
      skill: 'L1.EMB.3.1.2',
      points: 10,
      title: {
        zh: '通过 Modbus TCP 读取输入寄存器',
        en: 'Read the input registers over Modbus TCP',
      },
      run: modbusReadCheck<DigitalParams>({
        unit: (c) => c.device('thsensor').modbus!.unit,
        fc: 4,
        address: (c) => c.device('thsensor').modbus!.registers[0]!.address,
        minCount: 5,
      }),
    },
    {
      id: 'published',
      skill: 'L1.EMB.2.2.2',
      points: 10,
      title: { zh: '按主题发布数据', en: 'Publish on the topic' },
      run: (ctx) =>
        publishedCheck<DigitalParams>({ topic, minCount: minMessages(ctx.params) })(ctx),
    },
    {
      id: 'payload',
      skill: 'L1.EMB.2.2.1',
      points: 15,
      title: { zh: 'JSON 消息格式与单位', en: 'JSON payload format and units' },
      run: schemaCheck<DigitalParams>({
        topic,
        schema: () => ({
          type: 'object',
          required: ['temperature', 'humidity', 'units'],
          properties: {
            temperature: { type: 'number' },
            humidity: { type: 'number' },
            units: {
              type: 'object',
              required: ['temperature', 'humidity'],
              properties: {
                temperature: { const: UNITS.temperature },
                humidity: { const: UNITS.humidity },
              },
            },
          },
        }),
      }),
    },
    {
      id: 'resolution',
      skill: 'L1.EMB.1.1.2',
      points: 10,
      title: { zh: '数值符合分辨率', en: 'Values at the sensor’s resolution' },
      run: resolutionCheck<DigitalParams>({
        topic,
        fields: ['temperature', 'humidity'],
        resolution: RESOLUTION,
      }),
    },
    {
      id: 'temperature',
      skill: 'L1.EMB.1.1.2',
      points: 25,
      // A wrong value must not pass (issue 18.1): at least half the value points, or the task is capped.
      critical: 0.5,
      title: { zh: '温度值正确（有符号）', en: 'Correct temperature (signed)' },
      run: value('temperature'),
    },
    {
      id: 'humidity',
      skill: 'L1.EMB.1.1.2',
      points: 20,
      // A wrong value must not pass (issue 18.1): at least half the value points, or the task is capped.
      critical: 0.5,
      title: { zh: '湿度值正确', en: 'Correct humidity' },
      run: value('humidity'),
    },
    {
      id: 'period',
      skill: 'L1.EMB.2.2.2',
      points: 10,
      title: { zh: '按周期发布', en: 'Publish on the period' },
      run: periodCheck<DigitalParams>({ topic, periodS: (c) => c.params.periodS, jitterS: 0.5 }),
    },
  ],
});
