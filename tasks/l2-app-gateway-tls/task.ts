/**
 * L2 · APP · edge gateway to a third-party platform over mutual TLS (L2.APP.2.3.1, L2.APP.3.3.2):
 * from the platform's "connection manual" (the instructions) and the certificates on the card,
 * configure the lab's edge gateway through its HTTP API so two RS-485 sensors reach the platform
 * as two of its devices: the platform's topic per device, its JSON (Alink-style property post,
 * one property identifier of the product), over MQTT over TLS verifying the platform's CA, and
 * logged in by the gateway's client certificate (no password). The platform is the lab's broker
 * on its TLS port; the grade comes from what reached it and how each connection was made
 * (`tls.handshake` and `mqtt.connect` of the publishing peer).
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-gateway-tls.test.ts):
 * - "over TLS only": the gateway's factory config is already linked to the broker's plain port,
 *   so a config that keeps that link (mistake `plain`) publishes over plain MQTT: the critical
 *   check `mtls` fails and the task is capped.
 * - "verify the platform's certificate against its CA": the lab's CA is in no system store, so a
 *   TLS link without `ca` never connects (nothing is published; reference-style runs without the
 *   CA score the config's 10 at most).
 * - "log in by the client certificate, no password": a TLS link that logs in with the card's
 *   username and password (mistake `password`) loses `mtls` (critical, capped).
 * - "the platform's format": the gateway's default JSON (mistake `default-format`) loses
 *   `format` and both value checks (critical, capped).
 */
import { defineTask } from '../../grader/types.js';
import type { CheckOutcome, GradeContext, MqttPublishEvent } from '../../grader/types.js';
import { gatewayConfigCheck, publisherCheck } from '../../grader/checks/gateway.js';
import { publishesOn, ref, schemaCheck, someRefs } from '../../grader/checks/mqtt.js';
import { pollFacts, publishedOnEach, rs485Device, rs485Line } from '../rs485-sensors.js';
import { valueCheck } from '../../grader/checks/value.js';
import type { LabPlan } from '../../simulator/plan.js';
import { Rng } from '../../core/rng.js';
import type { ScenarioInput } from '../../simulator/scenario.js';

const SENSORS = {
  temp: {
    unit: '°C',
    range: [-40, 80],
    resolution: 0.1,
    profile: { base: 24, vary: 3, amplitude: 2, periodS: 300, noise: 0.05 },
    tolerance: 0.3,
    zh: '冷库温度',
    en: 'cold-room temperature',
  },
  humidity: {
    unit: '%RH',
    range: [0, 100],
    resolution: 0.1,
    profile: { base: 55, vary: 8, amplitude: 6, periodS: 300, noise: 0.3 },
    tolerance: 1,
    zh: '相对湿度',
    en: 'relative humidity',
  },
  co2: {
    unit: 'ppm',
    range: [0, 5000],
    resolution: 1,
    profile: { base: 800, vary: 150, amplitude: 120, periodS: 300, noise: 5 },
    tolerance: 15,
    zh: '二氧化碳浓度',
    en: 'CO2 concentration',
  },
} as const;
type Quantity = keyof typeof SENSORS;
const PAIRS: readonly [Quantity, Quantity][] = [
  ['temp', 'humidity'],
  ['temp', 'co2'],
  ['humidity', 'co2'],
];

export type GatewayTlsParams = {
  pair: number;
  periodS: number;
  productKey: string;
  site: string;
  devNo1: number;
  devNo2: number;
  property: string;
  clientNo: number;
  keepaliveS: number;
};
type Ctx = GradeContext<GatewayTlsParams>;

const TIME_LIMIT_S = 120;
const MIN_MESSAGES = 10;
const METHOD = 'thing.event.property.post';
const quantities = (p: GatewayTlsParams): [Quantity, Quantity] => PAIRS[p.pair]!;
/** The platform's device name of sensor n: also the gateway's point name (a poll row). */
const deviceName = (p: GatewayTlsParams, n: 0 | 1) =>
  `${p.site}_${quantities(p)[n]}_${String(n === 0 ? p.devNo1 : p.devNo2).padStart(2, '0')}`;
const topicOf = (plan: LabPlan, p: GatewayTlsParams, device: string) =>
  `${plan.topicPrefix}/sys/${p.productKey}/${device}/thing/event/property/post`;
const clientId = (p: GatewayTlsParams) =>
  `${p.productKey}.gw${String(p.clientNo).padStart(2, '0')}`;
const example = (p: GatewayTlsParams, value: number) =>
  `{"id":"1764000000000","version":"1.0","method":"${METHOD}","params":{"${p.property}":{"value":${value},"time":1764000000000}}}`;

/** Accepted connections by peer: whether it was TLS, and whether it logged in by certificate. */
function connections(ctx: Ctx): Map<string, { tls: boolean; cert: boolean; cn?: string }> {
  const out = new Map<string, { tls: boolean; cert: boolean; cn?: string }>();
  const handshakes = new Map<string, { cn?: string; authorized: boolean }>();
  for (const e of ctx.events) {
    if (e.kind === 'tls.handshake' && e.ok === true && typeof e.peer === 'string') {
      const c = e.clientCert as { cn?: string | null; authorized?: boolean } | null | undefined;
      handshakes.set(e.peer, {
        ...(c?.cn ? { cn: c.cn } : {}),
        authorized: c?.authorized === true,
      });
    }
    if (e.kind !== 'mqtt.connect' || e.accepted !== true || typeof e.peer !== 'string') continue;
    const hs = handshakes.get(e.peer);
    out.set(e.peer, {
      tls: hs !== undefined,
      cert: hs?.authorized === true && e.auth === 'client-certificate',
      ...(hs?.cn ? { cn: hs.cn } : {}),
    });
  }
  return out;
}

/** Every message on the two device topics came over TLS from a certificate login. */
function mtlsCheck(ctx: Ctx): CheckOutcome {
  const conns = connections(ctx);
  const got: MqttPublishEvent[] = [0, 1].flatMap((n) =>
    publishesOn(ctx, topicOf(ctx.plan, ctx.params, deviceName(ctx.params, n as 0 | 1))),
  );
  const how = (e: MqttPublishEvent) => (typeof e.peer === 'string' ? conns.get(e.peer) : undefined);
  const good = got.filter((e) => how(e)?.cert === true);
  const plain = got.filter((e) => how(e)?.tls === false).length;
  const bad = got.filter((e) => how(e)?.cert !== true);
  const share = got.length === 0 ? 0 : good.length / got.length;
  return {
    score: share,
    expected:
      'every message on the two device topics sent over TLS by a connection logged in with the client certificate (mutual TLS, no password)',
    seen:
      got.length === 0
        ? 'no messages on the device topics'
        : `${good.length} of ${got.length} over mutual TLS${plain > 0 ? `; ${plain} over plain MQTT` : ''}`,
    evidence:
      bad.length > 0
        ? bad
            .slice(0, 3)
            .map((e) =>
              ref(e, how(e)?.tls ? 'TLS, logged in without the certificate' : 'plain MQTT'),
            )
        : someRefs(good),
    ...(share < 1 && got.length > 0
      ? {
          hint: {
            zh: '平台只接受双向 TLS：northbound.url 用 mqtts:// 地址，并在 ca、cert、key 中填入平台 CA 与网关的客户端证书和私钥（PEM），不用用户名和密码。',
            en: "The platform takes mutual TLS only: set northbound.url to the mqtts:// address and put the platform's CA and the gateway's client certificate and key (PEM) in ca, cert and key, with no username or password.",
          },
        }
      : {}),
  };
}

function valueChecks(n: 0 | 1) {
  const device = (ctx: Ctx) => quantities(ctx.params)[n];
  return {
    id: `value-${n + 1}`,
    skill: 'L2.APP.2.3.1',
    points: 15,
    // A wrong value must not pass: at least half the value points, or the task is capped.
    critical: 0.5 as const,
    title: { zh: `设备 ${n + 1} 的属性值正确`, en: `Device ${n + 1}: correct property values` },
    run: (ctx: Ctx) =>
      valueCheck<GatewayTlsParams>({
        topic: (c) => topicOf(c.plan, c.params, deviceName(c.params, n)),
        field: `params.${ctx.params.property}.value`,
        device,
        quantity: device,
        tolerance: (c) => SENSORS[device(c)].tolerance,
        maxAgeS: ctx.params.periodS + 1,
      })(ctx),
  };
}

export const gatewayTls = defineTask<GatewayTlsParams>({
  id: 'l2-app-gateway-tls',
  title: {
    zh: '边缘网关经双向 TLS 接入第三方平台',
    en: 'Edge gateway to a third-party platform over mutual TLS',
  },
  level: 'L2',
  direction: 'APP',
  skills: ['L2.APP.2.3.1', 'L2.APP.3.3.2'],
  timeLimitS: TIME_LIMIT_S,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l2-app-gateway-tls');
    return {
      pair: rng.int(0, PAIRS.length - 1),
      periodS: rng.pick([2, 3]),
      productKey: rng.pick(['a1ColdRm', 'a1Store', 'a1Depot', 'a1Chain']),
      site: rng.pick(['wh', 'cs', 'dc']),
      devNo1: rng.int(1, 49),
      devNo2: rng.int(50, 99),
      property: rng.pick(['Reading', 'CurrentValue', 'MeasuredValue']),
      clientNo: rng.int(1, 99),
      keepaliveS: rng.pick([30, 60, 90]),
    };
  },

  scenario(p): ScenarioInput {
    const [a, b] = quantities(p);
    return {
      name: 'task_l2_app_gateway_tls',
      title: { zh: '网关安全接入平台', en: 'Gateway secure platform access' },
      devices: [rs485Device(a, SENSORS[a]), rs485Device(b, SENSORS[b])],
      // The platform's TLS endpoint, CA and the gateway's client certificate (on the card).
      tls: {},
      serial: [rs485Line([a, b])],
      gateways: [
        {
          name: 'gw1',
          title: { zh: '边缘网关', en: 'Edge gateway' },
          // The factory config: one sample row, linked to the broker's plain port (the lab's).
          poll: [{ point: 'sample', line: 'rs485', unit: a, quantity: a, periodS: 30 }],
        },
      ],
    };
  },

  vars(p, plan) {
    const row = (n: 0 | 1) => {
      const q = quantities(p)[n];
      const k = n + 1;
      return {
        [`device${k}`]: deviceName(p, n),
        [`sensor${k}Zh`]: SENSORS[q].zh,
        [`sensor${k}En`]: SENSORS[q].en,
        ...pollFacts(plan, q, k),
        [`topic${k}`]: topicOf(plan, p, deviceName(p, n)),
        [`tol${k}`]: SENSORS[q].tolerance,
      };
    };
    return {
      ...row(0),
      ...row(1),
      periodS: p.periodS,
      maxAgeS: p.periodS + 1,
      productKey: p.productKey,
      property: p.property,
      method: METHOD,
      example: example(p, SENSORS[quantities(p)[0]].profile.base),
      clientId: clientId(p),
      keepaliveS: p.keepaliveS,
      minMessages: MIN_MESSAGES,
    };
  },

  checks: [
    {
      id: 'config',
      skill: 'L2.APP.2.3.1',
      points: 10,
      title: { zh: '通过配置接口配置采集表', en: 'Poll table configured through the API' },
      run: (ctx) =>
        gatewayConfigCheck<GatewayTlsParams>({
          gateway: 'gw1',
          line: 'rs485',
          points: (c) => [deviceName(c.params, 0), deviceName(c.params, 1)],
          periodS: ctx.params.periodS,
        })(ctx),
    },
    {
      id: 'published',
      skill: 'L2.APP.2.3.1',
      points: 15,
      critical: 0.5,
      title: { zh: '数据到达平台的设备主题', en: "Data reaches the platform's device topics" },
      run: publishedOnEach<GatewayTlsParams>(
        (c) => [0, 1].map((n) => topicOf(c.plan, c.params, deviceName(c.params, n as 0 | 1))),
        MIN_MESSAGES,
      ),
    },
    {
      id: 'format',
      skill: 'L2.APP.2.3.1',
      points: 15,
      title: { zh: '平台的属性上报格式', en: "The platform's property-post format" },
      run: schemaCheck<GatewayTlsParams>({
        topic: (c) =>
          `${c.plan.topicPrefix}/sys/${c.params.productKey}/+/thing/event/property/post`,
        schema: (c) => ({
          type: 'object',
          required: ['id', 'version', 'method', 'params'],
          properties: {
            id: { type: 'string', minLength: 1 },
            version: { const: '1.0' },
            method: { const: METHOD },
            params: {
              type: 'object',
              required: [c.params.property],
              additionalProperties: false,
              properties: {
                [c.params.property]: {
                  type: 'object',
                  required: ['value', 'time'],
                  properties: {
                    value: { type: 'number' },
                    time: { type: 'integer', minimum: 1e12 },
                  },
                },
              },
            },
          },
        }),
      }),
    },
    valueChecks(0),
    valueChecks(1),
    {
      id: 'mtls',
      skill: 'L2.APP.3.3.2',
      points: 20,
      critical: 0.5,
      title: {
        zh: '双向 TLS 接入（校验平台 CA，客户端证书登录）',
        en: "Mutual TLS (the platform's CA verified, logged in by certificate)",
      },
      run: mtlsCheck,
    },
    {
      id: 'client',
      skill: 'L2.APP.3.3.2',
      points: 10,
      title: {
        zh: '平台连接参数（客户端标识、保活）',
        en: 'Platform connection (client id, keep-alive)',
      },
      run: publisherCheck<GatewayTlsParams>({
        topics: (c) =>
          [0, 1].map((n) => topicOf(c.plan, c.params, deviceName(c.params, n as 0 | 1))),
        clientId: (c) => clientId(c.params),
        keepaliveS: (c) => c.params.keepaliveS,
      }),
    },
  ],
});
