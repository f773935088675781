/**
 * L1 · EMB · microcontroller: firmware on the lab's MCU board reads an SHT3x over I2C (measure
 * command, wait, 6-byte read with CRC-8 words), publishes °C and %RH as MQTT JSON, and drives an
 * LED on a GPIO pin by a temperature threshold. The threshold is the sensor's seeded base value,
 * so the temperature (a sine of 50 s around it) crosses it several times in the task window.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-mcu.test.ts):
 * - "drop a reading whose CRC is wrong": every CORRUPT_EVERY-th measurement read returns both
 *   words with bit 11 flipped (T ± 5.5 °C, RH ± 3.1 %RH) behind the true CRCs. A program that
 *   publishes them (solution mistake `no-crc`) is wrong in a quarter of its messages and loses
 *   the temperature and humidity checks pro rata (about 2.5 of 15 each) and LED moments where
 *   the glitch crosses the threshold;
 * - wait for the measurement: reading at once is NACKed (mistake `no-wait`);
 * - LED by the threshold: the temperature crosses it several times on every seed (led check).
 */
import { defineTask } from '../../grader/types.js';
import type { GradeContext } from '../../grader/types.js';
import { i2cCommandCheck, i2cReadCheck } from '../../grader/checks/bus.js';
import { publishedCheck } from '../../grader/checks/mqtt.js';
import { thresholdOutputCheck } from '../../grader/checks/threshold.js';
import { valueCheck } from '../../grader/checks/value.js';
import type { LabPlan } from '../../simulator/plan.js';
import { Rng } from '../../core/rng.js';

export type McuParams = { periodS: number; ledPin: number; topicLeaf: string };
type Ctx = GradeContext<McuParams>;

const TIME_LIMIT_S = 90;
const MEASURE = ['2400', '240b', '2416', '2c06', '2c0d', '2c10'];
const MIN_BUS = 10;
/** One measurement read in this many has a bus glitch (bad CRCs): the CRC rule always shows. */
const CORRUPT_EVERY = 4;

const round1 = (x: number) => Math.round(x * 10) / 10;
const thresholdOf = (plan: LabPlan) =>
  round1(plan.devices.find((d) => d.name === 'air')!.channels[0]!.base);
const shtAddress = (ctx: Ctx) => ctx.plan.board!.i2c[0]!.address;
const topic = (ctx: Ctx) => `${ctx.plan.topicPrefix}/${ctx.params.topicLeaf}/${ctx.plan.board!.id}`;
const minMessages = (p: McuParams) => Math.floor((TIME_LIMIT_S / p.periodS) * 0.6);

export const mcuSht3x = defineTask<McuParams>({
  id: 'l1-emb-mcu',
  title: {
    zh: '单片机 I2C 温湿度采集与阈值控制',
    en: 'MCU: I2C temperature/humidity acquisition and threshold control',
  },
  level: 'L1',
  direction: 'EMB',
  skills: ['L1.EMB.1.4.3', 'L1.EMB.1.4.2', 'L1.EMB.1.1.2', 'L1.EMB.2.2.2'],
  timeLimitS: TIME_LIMIT_S,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-emb-mcu');
    return {
      periodS: rng.pick([2, 3]),
      ledPin: rng.pick([5, 13, 16, 25]),
      topicLeaf: rng.pick(['env', 'climate', 'th', 'room']),
    };
  },

  scenario: (p) => ({
    name: 'task_l1_emb_mcu',
    title: { zh: '单片机温湿度节点', en: 'MCU temperature/humidity node' },
    devices: [
      {
        name: 'air',
        kind: 'digital',
        title: { zh: '温湿度传感器 (SHT3x)', en: 'Temperature/humidity sensor (SHT3x)' },
        channels: [
          {
            quantity: 'temperature',
            unit: '°C',
            range: [-40, 125],
            resolution: 0.01,
            profile: { base: 26, vary: 3, amplitude: 2.5, periodS: 50, noise: 0.03 },
          },
          {
            quantity: 'humidity',
            unit: '%RH',
            range: [0, 100],
            resolution: 0.01,
            profile: { base: 55, vary: 10, amplitude: 6, periodS: 200, noise: 0.1 },
          },
        ],
      },
      {
        name: 'led',
        kind: 'actuator',
        title: { zh: '指示灯', en: 'Indicator LED' },
        actuatorType: 'led',
      },
    ],
    board: {
      name: 'mcu',
      title: { zh: '温湿度节点 (MCU)', en: 'Temperature/humidity node (MCU)' },
      pins: [{ pin: p.ledPin, name: 'led', kind: 'led', device: 'led' }],
      i2c: { devices: [{ kind: 'sht3x', device: 'air', corruptEvery: CORRUPT_EVERY }] },
    },
  }),

  vars: (p, plan) => {
    const board = plan.board!;
    const address = board.i2c[0]!.address;
    return {
      boardId: board.id,
      address: `0x${address.toString(16)}`,
      ledPin: p.ledPin,
      threshold: thresholdOf(plan),
      margin: 0.2,
      topic: `${plan.topicPrefix}/${p.topicLeaf}/${board.id}`,
      periodS: p.periodS,
      lagS: p.periodS + 1,
      minBus: MIN_BUS,
      minMessages: minMessages(p),
      tolT: 0.3,
      tolRh: 1,
      maxAgeS: p.periodS + 1,
    };
  },

  checks: [
    {
      id: 'i2c-command',
      skill: 'L1.EMB.1.4.3',
      points: 15,
      title: { zh: '向 SHT3x 写入测量命令', en: 'Measurement commands written to the SHT3x' },
      run: i2cCommandCheck<McuParams>({
        address: shtAddress,
        commands: MEASURE,
        minCount: MIN_BUS,
      }),
    },
    {
      id: 'i2c-read',
      skill: 'L1.EMB.1.4.3',
      points: 15,
      title: { zh: '读回带 CRC 的测量数据', en: 'Measurement data read back with CRCs' },
      run: i2cReadCheck<McuParams>({ address: shtAddress, length: 6, minCount: MIN_BUS }),
    },
    {
      id: 'published',
      skill: 'L1.EMB.2.2.2',
      points: 10,
      title: { zh: '按主题发布数据', en: 'Publish on the topic' },
      run: (ctx) => publishedCheck<McuParams>({ topic, minCount: minMessages(ctx.params) })(ctx),
    },
    {
      id: 'temperature',
      skill: 'L1.EMB.1.1.2',
      points: 15,
      // A wrong value must not pass (issue 18.1): at least half the value points, or the task is capped.
      critical: 0.5,
      title: { zh: '温度换算正确', en: 'Correct temperature' },
      run: (ctx) =>
        valueCheck<McuParams>({
          topic,
          field: 'temperature',
          device: () => 'air',
          quantity: () => 'temperature',
          tolerance: () => 0.3,
          maxAgeS: ctx.params.periodS + 1,
        })(ctx),
    },
    {
      id: 'humidity',
      skill: 'L1.EMB.1.1.2',
      points: 15,
      // A wrong value must not pass (issue 18.1): at least half the value points, or the task is capped.
      critical: 0.5,
      title: { zh: '湿度换算正确', en: 'Correct humidity' },
      run: (ctx) =>
        valueCheck<McuParams>({
          topic,
          field: 'humidity',
          device: () => 'air',
          quantity: () => 'humidity',
          tolerance: () => 1,
          maxAgeS: ctx.params.periodS + 1,
        })(ctx),
    },
    {
      id: 'led',
      skill: 'L1.EMB.1.4.2',
      points: 30,
      title: { zh: 'LED 按温度阈值动作', en: 'LED follows the temperature threshold' },
      run: thresholdOutputCheck<McuParams>((ctx) => ({
        sensor: 'air',
        quantity: 'temperature',
        actuator: 'led',
        threshold: thresholdOf(ctx.plan),
        margin: 0.2,
        lagS: ctx.params.periodS + 1,
      })),
    },
  ],
});
