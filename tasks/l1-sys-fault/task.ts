/**
 * L1 · SYS · fault location: four sensors report over MQTT; at a seeded time one of them develops
 * one of four faults (offline, stuck, drift, spike). The candidate watches telemetry and status,
 * and reports which device and which fault on the answers topic.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-rules.test.ts):
 * - "one sensor develops one of these faults … find the device and the fault": one fault on every
 *   seed, its type drawn from the seed; the right device with the wrong type (mistake
 *   `wrong-type`) loses type and timely (40). No critical check: device and type are 40 each
 *   and timely needs both, so either one wrong leaves at most 40.
 */
import { defineTask } from '../../grader/types.js';
import type { CheckOutcome, GradeContext } from '../../grader/types.js';
import { answerCheck, normaliseAnswer } from '../../grader/checks/answer.js';
import { ref } from '../../grader/checks/mqtt.js';
import { Rng } from '../../core/rng.js';

const DEVICES = ['air', 'co2', 'light', 'soil'] as const;
const TYPES = ['offline', 'stuck', 'drift', 'spike'] as const;
/** Drift rate per device, units per minute (about 20% of the range a minute). */
const DRIFT: Record<(typeof DEVICES)[number], number> = {
  air: 16,
  co2: 1000,
  light: 4000,
  soil: 20,
};
const TIMELY_S = 30;

export type FaultParams = {
  device: (typeof DEVICES)[number];
  type: (typeof TYPES)[number];
  atS: number;
};
type Ctx = GradeContext<FaultParams>;

const noisy = (base: number, vary: number, noise: number) => ({
  base,
  vary,
  amplitude: noise * 2,
  periodS: 900,
  noise,
});

function timely(ctx: Ctx): CheckOutcome {
  const a = ctx.answers();
  const dev = a.get('fault_device');
  const type = a.get('fault_type');
  const faultAt = ctx.start + ctx.params.atS * 1000;
  const right =
    dev !== undefined &&
    type !== undefined &&
    normaliseAnswer(dev.value) === ctx.device(ctx.params.device).id &&
    normaliseAnswer(type.value) === ctx.params.type;
  const last = Math.max(dev?.t ?? 0, type?.t ?? 0);
  const ok = right && last - faultAt <= TIMELY_S * 1000;
  return {
    score: ok ? 1 : 0,
    expected: `both answers right within ${TIMELY_S} s of the fault's start`,
    seen: !right
      ? 'not both answers right'
      : `both right, ${((last - faultAt) / 1000).toFixed(1)} s after the fault started`,
    evidence: [dev, type].filter((e) => e !== undefined).map((e) => ref(e, `answer ${e.key}`)),
    ...(right && !ok
      ? {
          hint: {
            zh: '定位太慢：请实时监测数据并尽快上报。',
            en: 'Too slow: watch the data live and report as soon as you know.',
          },
        }
      : {}),
  };
}

export const faultLocation = defineTask<FaultParams>({
  id: 'l1-sys-fault',
  title: { zh: '根据数据和告警定位设备故障', en: 'Locate a device fault from data and alarms' },
  level: 'L1',
  direction: 'SYS',
  skills: ['L1.SYS.3.1.2', 'L1.SYS.3.2.2'],
  timeLimitS: 60,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-sys-fault');
    return { device: rng.pick(DEVICES), type: rng.pick(TYPES), atS: rng.int(8, 15) };
  },

  scenario: (p) => ({
    name: 'task_l1_sys_fault',
    title: { zh: '设备故障定位', en: 'Device fault location' },
    devices: [
      {
        name: 'air',
        kind: 'digital',
        title: { zh: '空气温湿度传感器', en: 'Air temperature/humidity sensor' },
        channels: [
          {
            quantity: 'temperature',
            unit: '°C',
            range: [-20, 60],
            resolution: 0.1,
            profile: noisy(22, 3, 0.3),
          },
          {
            quantity: 'humidity',
            unit: '%RH',
            range: [0, 100],
            resolution: 0.1,
            profile: noisy(60, 10, 0.5),
          },
        ],
        mqtt: { period: 1 },
      },
      {
        name: 'co2',
        kind: 'digital',
        title: { zh: '二氧化碳传感器', en: 'CO₂ sensor' },
        channels: [
          {
            quantity: 'co2',
            unit: 'ppm',
            range: [0, 5000],
            resolution: 1,
            profile: noisy(800, 200, 8),
          },
        ],
        mqtt: { period: 1 },
      },
      {
        name: 'light',
        kind: 'analog',
        title: { zh: '光照传感器', en: 'Light sensor' },
        signal: '0-10V',
        channel: {
          quantity: 'illuminance',
          unit: 'lx',
          range: [0, 20000],
          resolution: 1,
          profile: noisy(9000, 2000, 40),
        },
        mqtt: { period: 1 },
      },
      {
        name: 'soil',
        kind: 'analog',
        title: { zh: '土壤水分传感器', en: 'Soil moisture sensor' },
        signal: '4-20mA',
        channel: {
          quantity: 'moisture',
          unit: '%',
          range: [0, 100],
          resolution: 0.1,
          profile: noisy(40, 8, 0.3),
        },
        mqtt: { period: 1 },
      },
    ],
    faults: [
      {
        device: p.device,
        type: p.type,
        at: p.atS,
        ...(p.type === 'drift' ? { rate: DRIFT[p.device] } : {}),
      },
    ],
  }),

  vars: (_p, plan) => ({
    prefix: plan.topicPrefix,
    devices: plan.devices.map((d) => `\`${d.id}\``).join(', '),
    timelyS: TIMELY_S,
  }),

  checks: [
    {
      id: 'device',
      skill: 'L1.SYS.3.1.2',
      points: 40,
      title: { zh: '定位故障设备', en: 'Faulty device located' },
      run: answerCheck<FaultParams>({
        key: 'fault_device',
        expected: (ctx) => ctx.device(ctx.params.device).id,
        hint: {
          zh: '故障设备判断错误：比较各设备的状态主题和数据变化。',
          en: 'Wrong device: compare every device’s status topic and how its data behaves.',
        },
      }),
    },
    {
      id: 'type',
      skill: 'L1.SYS.3.2.2',
      points: 40,
      title: { zh: '判断故障类型', en: 'Fault type identified' },
      run: answerCheck<FaultParams>({
        key: 'fault_type',
        expected: (ctx) => ctx.params.type,
        hint: {
          zh: '故障类型判断错误：offline=离线无数据，stuck=数值冻结不变，drift=持续单向漂移，spike=超出量程的突变值。',
          en: 'Wrong type: offline = no data, stuck = value frozen, drift = steady one-way change, spike = value beyond the range.',
        },
      }),
    },
    {
      id: 'timely',
      skill: 'L1.SYS.3.1.2',
      points: 20,
      title: { zh: '及时定位', en: 'Located in time' },
      run: timely,
    },
  ],
});
