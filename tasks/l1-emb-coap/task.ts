/**
 * L1 · EMB · CoAP observe → MQTT: register an Observe on a CoAP sensor and republish each
 * notification's value as MQTT JSON with QoS 1 (a protocol bridge, RFC 7641 → MQTT).
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-bank-runs.test.ts):
 * - "register an Observe": polling with GET instead (mistake `poll`) loses observe (80).
 */
import { defineTask } from '../../grader/types.js';
import type { GradeContext } from '../../grader/types.js';
import { coapRequestCheck } from '../../grader/checks/coap.js';
import { publishedCheck, qosCheck } from '../../grader/checks/mqtt.js';
import { valueCheck } from '../../grader/checks/value.js';
import { Rng } from '../../core/rng.js';

const SENSORS = [
  {
    quantity: 'co2',
    unit: 'ppm',
    range: [0, 5000],
    base: 900,
    amplitude: 300,
    resolution: 1,
    tol: 5,
  },
  {
    quantity: 'illuminance',
    unit: 'lx',
    range: [0, 20000],
    base: 8000,
    amplitude: 3000,
    resolution: 1,
    tol: 20,
  },
  {
    quantity: 'temperature',
    unit: '°C',
    range: [-40, 85],
    base: 22,
    amplitude: 4,
    resolution: 0.1,
    tol: 0.2,
  },
] as const;

export type CoapParams = { sensor: number; leaf: string; field: string };
type Ctx = GradeContext<CoapParams>;
const sensorOf = (p: CoapParams) => SENSORS[p.sensor]!;
const topic = (ctx: Ctx) => `${ctx.plan.topicPrefix}/${ctx.params.leaf}/${ctx.device('sensor').id}`;
const TIME_LIMIT_S = 60;
const OBSERVE_PERIOD_S = 2;

export const coapBridge = defineTask<CoapParams>({
  id: 'l1-emb-coap',
  title: { zh: 'CoAP 观察数据转发到 MQTT', en: 'CoAP Observe to MQTT bridge' },
  level: 'L1',
  direction: 'EMB',
  skills: ['L1.EMB.2.2.1', 'L1.EMB.2.2.2'],
  timeLimitS: TIME_LIMIT_S,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-emb-coap');
    return {
      sensor: rng.int(0, SENSORS.length - 1),
      leaf: rng.pick(['bridge', 'coap2mqtt', 'gw/up']),
      field: rng.pick(['value', 'reading', 'v']),
    };
  },

  scenario(p) {
    const s = sensorOf(p);
    return {
      name: 'task_l1_emb_coap',
      title: { zh: 'CoAP 桥接', en: 'CoAP bridge' },
      devices: [
        {
          name: 'sensor',
          kind: 'digital',
          channels: [
            {
              quantity: s.quantity,
              unit: s.unit,
              range: [s.range[0], s.range[1]],
              resolution: s.resolution,
              profile: {
                base: s.base,
                vary: s.amplitude,
                amplitude: s.amplitude,
                periodS: 60,
                noise: s.resolution * 3,
              },
            },
          ],
          coap: { observePeriod: OBSERVE_PERIOD_S },
        },
      ],
    };
  },

  vars(p, plan) {
    const d = plan.devices[0]!;
    const s = sensorOf(p);
    return {
      deviceId: d.id,
      path: d.coap!.path,
      quantity: s.quantity,
      unit: s.unit,
      topic: `${plan.topicPrefix}/${p.leaf}/${d.id}`,
      field: p.field,
      observePeriodS: OBSERVE_PERIOD_S,
      tolerance: s.tol,
      maxAgeS: OBSERVE_PERIOD_S + 1,
      minMessages: 15,
    };
  },

  checks: [
    {
      id: 'observe',
      skill: 'L1.EMB.2.2.1',
      points: 20,
      title: { zh: '以 Observe 方式订阅 CoAP 资源', en: 'CoAP resource observed (RFC 7641)' },
      run: coapRequestCheck<CoapParams>({
        path: (c) => c.device('sensor').coap!.path,
        method: 'GET',
        observe: true,
      }),
    },
    {
      id: 'published',
      skill: 'L1.EMB.2.2.2',
      points: 20,
      title: { zh: '转发到 MQTT 主题', en: 'Forwarded to the MQTT topic' },
      run: publishedCheck<CoapParams>({ topic, minCount: 15 }),
    },
    {
      id: 'value',
      skill: 'L1.EMB.2.2.1',
      points: 40,
      // A wrong value must not pass (issue 18.1): at least half the value points, or the task is capped.
      critical: 0.5,
      title: { zh: '数值解析正确', en: 'Value parsed correctly' },
      run: (ctx) =>
        valueCheck<CoapParams>({
          topic,
          field: ctx.params.field,
          device: () => 'sensor',
          quantity: (c) => sensorOf(c.params).quantity,
          tolerance: (c) => sensorOf(c.params).tol,
          maxAgeS: OBSERVE_PERIOD_S + 1,
        })(ctx),
    },
    {
      id: 'qos',
      skill: 'L1.EMB.2.2.2',
      points: 20,
      title: { zh: '使用 QoS 1 发布', en: 'Published with QoS 1' },
      run: qosCheck<CoapParams>({ topic, qos: 1 }),
    },
  ],
});
