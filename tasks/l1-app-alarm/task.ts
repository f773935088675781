/**
 * L1 · APP · alarm trigger and clear: a monitoring rule with hysteresis. A sensor's telemetry
 * (1 s) swings across a high and a low threshold (a 40 s cycle around its seeded base); the
 * candidate's rule switches an alarm on above the high threshold and off below the low one, each
 * within N s, and holds it in between (no flapping).
 *
 * Stated rules and the case planted for each, on every seed
 * (tests/e2e/task-rules.test.ts):
 * - "triggers … above high" and "clears … below low": the 40 s cycle crosses both thresholds
 *   several times in every run; never clearing (mistake `never-clear`) loses clear and fails
 *   (critical);
 * - "between low and high keeps the alarm as it is": every cycle passes between them; one
 *   threshold both ways (mistake `no-hysteresis`) loses clear and no-flap (at most 50).
 */
import { defineTask } from '../../grader/types.js';
import type { GradeContext } from '../../grader/types.js';
import { alarmSwitchCheck, noFlapCheck } from '../../grader/checks/hysteresis.js';
import type { HysteresisSpec } from '../../grader/checks/hysteresis.js';
import { subscribedCheck } from '../../grader/checks/subscribe.js';
import type { LabPlan } from '../../simulator/plan.js';
import { Rng } from '../../core/rng.js';

const SENSORS = [
  {
    quantity: 'temperature',
    unit: '°C',
    range: [-30, 50],
    base: 4,
    vary: 2,
    amplitude: 3,
    resolution: 0.1,
    digits: 1,
    zh: '冷库温度',
    en: 'cold-room temperature',
  },
  {
    quantity: 'level',
    unit: 'cm',
    range: [0, 300],
    base: 150,
    vary: 20,
    amplitude: 40,
    resolution: 0.1,
    digits: 0,
    zh: '水箱液位',
    en: 'tank level',
  },
  {
    quantity: 'co2',
    unit: 'ppm',
    range: [0, 5000],
    base: 900,
    vary: 100,
    amplitude: 300,
    resolution: 1,
    digits: 0,
    zh: '二氧化碳浓度',
    en: 'CO2 concentration',
  },
] as const;

export type AlarmParams = { sensor: number; withinS: number; alarm: string };
type Ctx = GradeContext<AlarmParams>;

const sensorOf = (p: AlarmParams) => SENSORS[p.sensor]!;
const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** High and low thresholds: the seeded base ± 0.6 of the swing, so each cycle crosses both. */
function thresholds(p: AlarmParams, plan: LabPlan): { high: number; low: number } {
  const s = sensorOf(p);
  const base = plan.devices.find((d) => d.name === 'sensor')!.channels[0]!.base;
  return {
    high: round(base + 0.6 * s.amplitude, s.digits),
    low: round(base - 0.6 * s.amplitude, s.digits),
  };
}

const spec = (ctx: Ctx): HysteresisSpec => ({
  sensor: 'sensor',
  field: sensorOf(ctx.params).quantity,
  actuator: 'alarm',
  ...thresholds(ctx.params, ctx.plan),
  withinS: ctx.params.withinS,
});

export const alarmHysteresis = defineTask<AlarmParams>({
  id: 'l1-app-alarm',
  title: { zh: '告警触发与消除（滞回）', en: 'Alarm trigger and clear with hysteresis' },
  level: 'L1',
  direction: 'APP',
  skills: ['L1.APP.1.3.1', 'L1.APP.1.4.2'],
  timeLimitS: 90,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-app-alarm');
    return {
      sensor: rng.int(0, SENSORS.length - 1),
      withinS: rng.pick([2, 3]),
      alarm: rng.pick(['alarm_light', 'buzzer']),
    };
  },

  scenario(p) {
    const s = sensorOf(p);
    return {
      name: 'task_l1_app_alarm',
      title: { zh: '阈值告警', en: 'Threshold alarm' },
      devices: [
        {
          name: 'sensor',
          kind: 'digital',
          title: { zh: `${s.zh}传感器`, en: `${s.en} sensor` },
          channels: [
            {
              quantity: s.quantity,
              unit: s.unit,
              range: [s.range[0], s.range[1]],
              resolution: s.resolution,
              profile: {
                base: s.base,
                vary: s.vary,
                amplitude: s.amplitude,
                periodS: 40,
                noise: s.amplitude / 100,
              },
            },
          ],
          mqtt: { period: 1, qos: 0 },
        },
        {
          name: 'alarm',
          kind: 'actuator',
          title: { zh: '告警器', en: 'Alarm' },
          actuatorType: p.alarm as 'alarm_light' | 'buzzer',
          mqtt: { period: 30, qos: 1 },
        },
      ],
    };
  },

  vars(p, plan) {
    const s = sensorOf(p);
    const sensor = plan.devices[0]!;
    const alarm = plan.devices[1]!;
    const t = thresholds(p, plan);
    return {
      sensorId: sensor.id,
      quantityZh: s.zh,
      quantityEn: s.en,
      field: s.quantity,
      unit: s.unit,
      sensorTopic: sensor.mqtt!.telemetryTopic,
      alarmId: alarm.id,
      alarmType: p.alarm,
      commandTopic: alarm.mqtt!.commandTopic!,
      high: t.high,
      low: t.low,
      withinS: p.withinS,
    };
  },

  checks: [
    {
      id: 'subscribed',
      skill: 'L1.APP.1.3.1',
      points: 10,
      title: { zh: '订阅传感器遥测', en: 'Subscribed to the sensor telemetry' },
      run: subscribedCheck<AlarmParams>({
        topic: (ctx) => ctx.device('sensor').mqtt!.telemetryTopic,
        what: { zh: '传感器遥测', en: "sensor's telemetry" },
      }),
    },
    {
      id: 'trigger',
      skill: 'L1.APP.1.4.2',
      points: 40,
      critical: 0.5,
      title: { zh: '超上限及时触发告警', en: 'Alarm triggered in time above the high threshold' },
      run: alarmSwitchCheck<AlarmParams>((ctx) => ({ ...spec(ctx), to: true })),
    },
    {
      id: 'clear',
      skill: 'L1.APP.1.4.2',
      points: 30,
      critical: 0.5,
      title: { zh: '低于下限及时消除告警', en: 'Alarm cleared in time below the low threshold' },
      run: alarmSwitchCheck<AlarmParams>((ctx) => ({ ...spec(ctx), to: false })),
    },
    {
      id: 'no-flap',
      skill: 'L1.APP.1.4.2',
      points: 20,
      title: { zh: '上下限之间不抖动', en: 'No flapping between the thresholds' },
      run: noFlapCheck<AlarmParams>(spec),
    },
  ],
});
