/**
 * L1 · APP · edge gateway and platform connection: configure the lab's edge gateway through its
 * HTTP API (PUT /config) so two Modbus RTU points reach the broker on a stated topic, in a stated
 * JSON format, from a stated client id and keep-alive. Graded on the config evidence of `gw:gw1`
 * and on what reached the broker (topics, payloads, values against truth, publisher session).
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-gateway.test.ts):
 * - "client id and keep-alive as stated": every run (mistake `default-client` loses them).
 */
import { defineTask } from '../../grader/types.js';
import type { GradeContext } from '../../grader/types.js';
import { gatewayConfigCheck, publisherCheck } from '../../grader/checks/gateway.js';
import { schemaCheck } from '../../grader/checks/mqtt.js';
import { pollFacts, publishedOnEach, rs485Device, rs485Line } from '../rs485-sensors.js';
import { valueCheck } from '../../grader/checks/value.js';
import type { LabPlan } from '../../simulator/plan.js';
import { Rng } from '../../core/rng.js';
import type { ScenarioInput } from '../../simulator/scenario.js';

const SENSORS = {
  ec: {
    unit: 'mS/cm',
    range: [0, 20],
    resolution: 0.01,
    profile: { base: 1.8, vary: 0.4, amplitude: 0.15, periodS: 300, noise: 0.01 },
    tolerance: 0.05,
    zh: '土壤电导率',
    en: 'soil EC',
  },
  wetness: {
    unit: '%',
    range: [0, 100],
    resolution: 0.1,
    profile: { base: 30, vary: 10, amplitude: 12, periodS: 300, noise: 0.3 },
    tolerance: 1,
    zh: '叶面湿度',
    en: 'leaf wetness',
  },
  ph: {
    unit: 'pH',
    range: [0, 14],
    resolution: 0.01,
    profile: { base: 6.5, vary: 0.5, amplitude: 0.3, periodS: 300, noise: 0.02 },
    tolerance: 0.06,
    zh: '土壤 pH',
    en: 'soil pH',
  },
} as const;
type Point = keyof typeof SENSORS;
const PAIRS: readonly [Point, Point][] = [
  ['ec', 'wetness'],
  ['ec', 'ph'],
  ['wetness', 'ph'],
];

export type GatewayParams = {
  pair: number;
  periodS: number;
  leaf: string;
  pointKey: string;
  valueKey: string;
  tsKey: string;
  clientNo: number;
  keepaliveS: number;
};
type Ctx = GradeContext<GatewayParams>;

const TIME_LIMIT_S = 120;
const MIN_MESSAGES = 10;
const points = (p: GatewayParams): [Point, Point] => PAIRS[p.pair]!;
const topicOf = (plan: LabPlan, p: GatewayParams, point: string) =>
  `${plan.topicPrefix}/${p.leaf}/gw1/${point}`;
const clientId = (p: GatewayParams) => `edge-${p.leaf}-${String(p.clientNo).padStart(2, '0')}`;
const example = (p: GatewayParams, point: string, value: number) =>
  `{"${p.pointKey}":"${point}","${p.valueKey}":${value},"${p.tsKey}":1764000000000}`;

function pointChecks(i: 0 | 1) {
  const point = (ctx: Ctx) => points(ctx.params)[i];
  const topic = (ctx: Ctx) => topicOf(ctx.plan, ctx.params, point(ctx));
  return {
    id: `value-${i + 1}`,
    skill: 'L1.APP.2.2.1',
    points: 15,
    // A wrong value must not pass (issue 18.1): at least half the value points, or the task is capped.
    critical: 0.5 as const,
    title: { zh: `点位 ${i + 1} 的数值正确`, en: `Point ${i + 1}: correct values` },
    run: (ctx: Ctx) =>
      valueCheck<GatewayParams>({
        topic,
        field: ctx.params.valueKey,
        device: point,
        quantity: point,
        tolerance: (c) => SENSORS[point(c)].tolerance,
        maxAgeS: ctx.params.periodS + 1,
      })(ctx),
  };
}

export const gatewayPlatform = defineTask<GatewayParams>({
  id: 'l1-app-gateway',
  title: {
    zh: '边缘网关配置与平台连接',
    en: 'Edge gateway configuration and platform connection',
  },
  level: 'L1',
  direction: 'APP',
  skills: ['L1.APP.2.2.1', 'L1.APP.2.3.1'],
  timeLimitS: TIME_LIMIT_S,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-app-gateway');
    return {
      pair: rng.int(0, PAIRS.length - 1),
      periodS: rng.pick([2, 3]),
      leaf: rng.pick(['plant', 'farm', 'site', 'field']),
      pointKey: rng.pick(['point', 'name', 'tag']),
      valueKey: rng.pick(['value', 'val', 'v']),
      tsKey: rng.pick(['ts', 'time', 'timestamp']),
      clientNo: rng.int(1, 99),
      keepaliveS: rng.pick([20, 30, 45]),
    };
  },

  scenario(p): ScenarioInput {
    const [a, b] = points(p);
    return {
      name: 'task_l1_app_gateway',
      title: { zh: '网关接入', en: 'Gateway access' },
      devices: [rs485Device(a, SENSORS[a]), rs485Device(b, SENSORS[b])],
      serial: [rs485Line([a, b])],
      gateways: [
        {
          name: 'gw1',
          title: { zh: '边缘网关', en: 'Edge gateway' },
          // The factory config: one sample row on the default topic and payload.
          poll: [{ point: 'sample', line: 'rs485', unit: a, quantity: a, periodS: 30 }],
        },
      ],
    };
  },

  vars(p, plan) {
    const [a, b] = points(p);
    const row = (q: Point, n: 1 | 2) => {
      return {
        [`point${n}`]: q,
        [`point${n}Zh`]: SENSORS[q].zh,
        [`point${n}En`]: SENSORS[q].en,
        ...pollFacts(plan, q, n),
        [`topic${n}`]: topicOf(plan, p, q),
        [`tol${n}`]: SENSORS[q].tolerance,
        [`example${n}`]: example(p, q, SENSORS[q].profile.base),
      };
    };
    return {
      ...row(a, 1),
      ...row(b, 2),
      periodS: p.periodS,
      maxAgeS: p.periodS + 1,
      pointKey: p.pointKey,
      valueKey: p.valueKey,
      tsKey: p.tsKey,
      clientId: clientId(p),
      keepaliveS: p.keepaliveS,
      minMessages: MIN_MESSAGES,
    };
  },

  checks: [
    {
      id: 'config',
      skill: 'L1.APP.2.2.1',
      points: 10,
      title: { zh: '通过配置接口配置采集表', en: 'Poll table configured through the API' },
      run: (ctx) =>
        gatewayConfigCheck<GatewayParams>({
          gateway: 'gw1',
          line: 'rs485',
          points: (c) => points(c.params),
          periodS: ctx.params.periodS,
        })(ctx),
    },
    {
      id: 'published',
      skill: 'L1.APP.2.3.1',
      points: 15,
      // Graded over the whole window (issue 18.7): a gateway that runs for 3 s of a 120 s task
      // must not pass on the share of its few right messages.
      critical: 0.5,
      title: { zh: '数据到达平台主题', en: 'Data reaches the platform topics' },
      run: publishedOnEach<GatewayParams>(
        (c) => points(c.params).map((q) => topicOf(c.plan, c.params, q)),
        MIN_MESSAGES,
      ),
    },
    {
      id: 'payload',
      skill: 'L1.APP.2.3.1',
      points: 20,
      title: { zh: 'JSON 消息格式', en: 'JSON payload format' },
      run: schemaCheck<GatewayParams>({
        topic: (c) => `${c.plan.topicPrefix}/${c.params.leaf}/gw1/+`,
        schema: (c) => ({
          type: 'object',
          required: [c.params.pointKey, c.params.valueKey, c.params.tsKey],
          properties: {
            [c.params.pointKey]: { enum: points(c.params) },
            [c.params.valueKey]: { type: 'number' },
            [c.params.tsKey]: { type: 'integer', minimum: 1e12 },
          },
        }),
      }),
    },
    pointChecks(0),
    pointChecks(1),
    {
      id: 'client',
      skill: 'L1.APP.2.3.1',
      points: 25,
      title: {
        zh: '平台连接参数（客户端标识、保活）',
        en: 'Platform connection (client id, keep-alive)',
      },
      run: publisherCheck<GatewayParams>({
        topics: (c) => points(c.params).map((q) => topicOf(c.plan, c.params, q)),
        clientId: (c) => clientId(c.params),
        keepaliveS: (c) => c.params.keepaliveS,
      }),
    },
  ],
});
