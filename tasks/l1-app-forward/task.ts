/**
 * L1 · APP · rule chain: filter a sensor's MQTT telemetry by a threshold, transform each passing
 * message to the platform's field names, and forward it with QoS 1, graded black-box on the wire.
 *
 * Stated rules and the case planted for each, on every seed
 * (tests/e2e/task-rules.test.ts):
 * - "passes it only when temperature is greater than T": the air sensor swings across T in
 *   every run; forwarding all (mistake `no-filter`) loses filtered, critical (59);
 * - "transforms it" (field names and values): every forwarded message; swapped fields (mistake
 *   `swap-fields`) lose transformed, critical (59);
 * - "forwards it with QoS 1": every forwarded message (mistake `qos0`: qos 20 lost);
 * - "within maxLatencyS of the source message": every passing message; forwarding each twice
 *   that late (mistake `late`) loses forwarded (70).
 */
import { defineTask } from '../../grader/types.js';
import type { GradeContext } from '../../grader/types.js';
import type { ForwardSpec } from '../../grader/checks/forward.js';
import { filteredCheck, forwardedCheck, transformedCheck } from '../../grader/checks/forward.js';
import { qosCheck } from '../../grader/checks/mqtt.js';
import type { DevicePlan } from '../../devices/field/plan.js';
import { Rng } from '../../core/rng.js';

export type ForwardParams = { leaf: string; tempField: string; humField: string };
type Ctx = GradeContext<ForwardParams>;

const threshold = (d: DevicePlan) => Math.round(d.channels[0]!.base * 10) / 10;
const output = (ctx: Ctx) => `${ctx.plan.topicPrefix}/${ctx.params.leaf}/${ctx.device('air').id}`;

const spec: ForwardSpec<ForwardParams> = {
  source: (ctx) => ctx.device('air').mqtt!.telemetryTopic,
  output,
  passes: (ctx, json) =>
    typeof json.temperature === 'number' && json.temperature > threshold(ctx.device('air')),
  expect: (ctx, json) => ({
    device: json.id,
    [ctx.params.tempField]: json.temperature,
    [ctx.params.humField]: json.humidity,
    ts: json.ts,
  }),
  key: 'ts',
  maxLatencyS: 1,
};

export const ruleChainForward = defineTask<ForwardParams>({
  id: 'l1-app-forward',
  title: {
    zh: '规则链：传感数据过滤、转换与转发',
    en: 'Rule chain: filter, transform and forward sensor data',
  },
  level: 'L1',
  direction: 'APP',
  skills: ['L1.APP.1.3.1', 'L1.APP.1.3.2'],
  timeLimitS: 60,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-app-forward');
    return {
      leaf: rng.pick(['platform/up', 'cloud/telemetry', 'rule/out', 'northbound']),
      tempField: rng.pick(['temp', 'temp_c', 'airTemp']),
      humField: rng.pick(['hum', 'rh', 'airHumidity']),
    };
  },

  scenario: () => ({
    name: 'task_l1_app_forward',
    title: { zh: '规则链转发', en: 'Rule chain forwarding' },
    devices: [
      {
        name: 'air',
        kind: 'digital',
        title: { zh: '空气温湿度传感器', en: 'Air temperature/humidity sensor' },
        channels: [
          {
            quantity: 'temperature',
            unit: '°C',
            range: [-40, 125],
            resolution: 0.1,
            profile: { base: 24, vary: 3, amplitude: 3, periodS: 40, noise: 0.1 },
          },
          {
            quantity: 'humidity',
            unit: '%RH',
            range: [0, 100],
            resolution: 0.1,
            profile: { base: 60, vary: 10, amplitude: 5, periodS: 90, noise: 0.3 },
          },
        ],
        mqtt: { period: 1, qos: 0 },
      },
    ],
  }),

  vars(p, plan) {
    const d = plan.devices[0]!;
    return {
      deviceId: d.id,
      source: d.mqtt!.telemetryTopic,
      output: `${plan.topicPrefix}/${p.leaf}/${d.id}`,
      threshold: threshold(d),
      tempField: p.tempField,
      humField: p.humField,
      maxLatencyS: 1,
    };
  },

  checks: [
    {
      id: 'forwarded',
      skill: 'L1.APP.1.3.2',
      points: 30,
      title: { zh: '满足条件的消息按时转发', en: 'Passing messages forwarded in time' },
      run: forwardedCheck(spec),
    },
    {
      id: 'filtered',
      skill: 'L1.APP.1.3.1',
      points: 25,
      critical: true,
      title: { zh: '不满足条件的消息被过滤', en: 'Failing messages filtered out' },
      run: filteredCheck(spec),
    },
    {
      id: 'transformed',
      skill: 'L1.APP.1.3.1',
      points: 25,
      critical: 0.5,
      title: { zh: '字段转换正确', en: 'Fields transformed correctly' },
      run: transformedCheck(spec),
    },
    {
      id: 'qos',
      skill: 'L1.APP.1.3.2',
      points: 20,
      title: { zh: '使用 QoS 1 转发', en: 'Forward with QoS 1' },
      run: qosCheck<ForwardParams>({ topic: output, qos: 1 }),
    },
  ],
});
