/**
 * L1 · APP · third-party platform connection: a device of a simulated IoT platform (Alibaba Cloud
 * IoT style, one secret per device) logs in to the platform's MQTT broker with credentials signed
 * by HMAC from its triple (product key, device name, device secret), then posts the lab sensor's
 * value as an Alink property post. The lab's broker verifies the signature (scenario `platform`).
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-platform-hmac.test.ts):
 * - "an Alink property post": every message (mistake `flat`: the envelope check lost).
 */
import { defineTask } from '../../grader/types.js';
import type { GradeContext } from '../../grader/types.js';
import { schemaCheck } from '../../grader/checks/mqtt.js';
import { devicePostedCheck, signedConnectCheck } from '../../grader/checks/platform.js';
import { valueCheck } from '../../grader/checks/value.js';
import { Rng } from '../../core/rng.js';

export type PlatformParams = {
  productKey: string;
  deviceName: string;
  deviceSecret: string;
  periodS: number;
};
type Ctx = GradeContext<PlatformParams>;

const TIME_LIMIT_S = 60;
const username = (p: PlatformParams) => `${p.deviceName}&${p.productKey}`;
const postTopic = (p: PlatformParams) =>
  `/sys/${p.productKey}/${p.deviceName}/thing/event/property/post`;
const topic = (ctx: Ctx) => postTopic(ctx.params);
const minMessages = (p: PlatformParams) => Math.floor((TIME_LIMIT_S / p.periodS) * 0.6);

export const platformHmac = defineTask<PlatformParams>({
  id: 'l1-app-platform-hmac',
  title: {
    zh: '第三方平台接入（HMAC 签名认证）',
    en: 'Third-party platform connection (HMAC-signed login)',
  },
  level: 'L1',
  direction: 'APP',
  skills: ['L1.APP.2.3.1'],
  timeLimitS: TIME_LIMIT_S,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-app-platform-hmac');
    return {
      productKey: `a1${rng.hex(9)}`,
      deviceName: `${rng.pick(['coldbox', 'meter', 'thnode', 'room'])}_${rng.hex(4)}`,
      deviceSecret: rng.hex(32),
      periodS: rng.pick([2, 3]),
    };
  },

  scenario: (p) => ({
    name: 'task_l1_app_platform_hmac',
    title: { zh: '平台接入', en: 'Platform access' },
    platform: {
      devices: [
        { productKey: p.productKey, deviceName: p.deviceName, deviceSecret: p.deviceSecret },
      ],
    },
    devices: [
      {
        name: 'room',
        kind: 'digital',
        title: { zh: '室温传感器', en: 'Room temperature sensor' },
        channels: [
          {
            quantity: 'temperature',
            unit: '°C',
            range: [-40, 85],
            resolution: 0.1,
            profile: { base: 22, vary: 3, amplitude: 2, periodS: 120, noise: 0.05 },
          },
        ],
        mqtt: { period: 1, qos: 0 },
      },
    ],
  }),

  vars: (p, plan) => ({
    sensorId: plan.devices[0]!.id,
    sensorTopic: plan.devices[0]!.mqtt!.telemetryTopic,
    productKey: p.productKey,
    deviceName: p.deviceName,
    deviceSecret: p.deviceSecret,
    username: username(p),
    postTopic: postTopic(p),
    periodS: p.periodS,
    minMessages: minMessages(p),
    maxAgeS: p.periodS + 1,
  }),

  checks: [
    {
      id: 'signed-login',
      skill: 'L1.APP.2.3.1',
      points: 40,
      title: { zh: '签名认证登录平台', en: 'Signed login to the platform' },
      run: signedConnectCheck<PlatformParams>({ username: (c) => username(c.params) }),
    },
    {
      id: 'posted',
      skill: 'L1.APP.2.3.1',
      points: 15,
      title: { zh: '以设备身份上报属性', en: 'Properties posted as the device' },
      run: devicePostedCheck<PlatformParams>({
        username: (c) => username(c.params),
        topic,
        minCount: (c) => minMessages(c.params),
      }),
    },
    {
      id: 'alink',
      skill: 'L1.APP.2.3.1',
      points: 25,
      title: { zh: 'Alink 属性上报格式', en: 'Alink property post format' },
      run: schemaCheck<PlatformParams>({
        topic,
        schema: () => ({
          type: 'object',
          required: ['id', 'version', 'params', 'method'],
          properties: {
            id: { type: 'string' },
            version: { const: '1.0' },
            params: {
              type: 'object',
              required: ['temperature'],
              properties: { temperature: { type: 'number' } },
            },
            method: { const: 'thing.event.property.post' },
          },
        }),
      }),
    },
    {
      id: 'value',
      skill: 'L1.APP.2.3.1',
      points: 20,
      // A wrong value must not pass (issue 18.1): at least half the value points, or the task is capped.
      critical: 0.5,
      title: { zh: '上报值正确', en: 'Correct values' },
      run: (ctx) =>
        valueCheck<PlatformParams>({
          topic,
          field: 'params.temperature',
          device: () => 'room',
          quantity: () => 'temperature',
          tolerance: () => 0.2,
          maxAgeS: ctx.params.periodS + 1,
        })(ctx),
    },
  ],
});
