/**
 * L2 · EMB · authenticated connection by HMAC signature and by token, with expiry and renewal
 * (L2.EMB.2.2.2; docs/protocols/token-login.md). A platform device logs in with a signed password
 * whose timestamp must be current (±window), asks the lab's token service for a JWT (HS256 or
 * RS256 by seed) and keeps its data link — the lab sensor's readings posted as Alink property
 * posts — on sessions logged in by token. Tokens last well under the time limit, so the program
 * renews each one before it expires; halfway through, the lab rotates its token key, which closes
 * the session and kills the token, and a correct program signs in again and gets a new one.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-token.test.ts):
 * - "renew before the token expires": tokens last 20–25 s in a 90 s task; keeping the first token
 *   (mistake `never-renew`) is cut off at its expiry and refused after: renew (20) and rotated (15)
 *   lost, and most of posted (score about 50).
 * - "a signed login carries the current time": the key rotation (at 50–60 s) forces a second
 *   signed login beyond the ±20 s window; reusing the first timestamp (mistake
 *   `stale-timestamp`) is refused then: rotated (15) lost, and the posts after the rotation
 *   (posted about two thirds; score about 80).
 * - "after a key rotation, get a new token": planted by the rotation itself (the rotated check).
 * - "post the sensor's value": the value check is critical at half its points.
 */
import { defineTask } from '../../grader/types.js';
import type { GradeContext } from '../../grader/types.js';
import { schemaCheck } from '../../grader/checks/mqtt.js';
import { valueCheck } from '../../grader/checks/value.js';
import {
  loginByCheck,
  renewCheck,
  rotationCheck,
  tokenPostsCheck,
} from '../../grader/checks/token.js';
import { Rng } from '../../core/rng.js';

export type TokenParams = {
  productKey: string;
  deviceName: string;
  deviceSecret: string;
  alg: string;
  ttlS: number;
  periodS: number;
  rotateAtS: number;
};
type Ctx = GradeContext<TokenParams>;

const TIME_LIMIT_S = 90;
const WINDOW_S = 20;
const SKEW_S = 2;
/** Seconds from the start before posting and renewal are counted. */
const GRACE_S = 10;
const login = (p: TokenParams) => `${p.deviceName}&${p.productKey}`;
const sys = (p: TokenParams) => `/sys/${p.productKey}/${p.deviceName}`;
const postTopic = (p: TokenParams) => `${sys(p)}/thing/event/property/post`;
const method = (p: TokenParams) => (p.alg === 'HS256' ? 'jwt-hs256' : 'jwt-rs256');
const L = (ctx: Ctx) => login(ctx.params);

export const tokenLogin = defineTask<TokenParams>({
  id: 'l2-emb-token',
  title: {
    zh: '令牌与签名认证连接（过期与续期）',
    en: 'Authenticated connection by signature and token, with expiry and renewal',
  },
  level: 'L2',
  direction: 'EMB',
  skills: ['L2.EMB.2.2.2'],
  timeLimitS: TIME_LIMIT_S,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l2-emb-token');
    return {
      productKey: `a1${rng.hex(9)}`,
      deviceName: `${rng.pick(['gate', 'meter', 'node', 'probe'])}_${rng.hex(4)}`,
      deviceSecret: rng.hex(32),
      alg: rng.pick(['HS256', 'RS256']),
      ttlS: rng.pick([20, 25]),
      periodS: rng.pick([2, 3]),
      rotateAtS: rng.int(50, 60),
    };
  },

  scenario: (p) => ({
    name: 'task_l2_emb_token',
    title: { zh: '令牌认证', en: 'Token authentication' },
    platform: {
      devices: [
        {
          productKey: p.productKey,
          deviceName: p.deviceName,
          deviceSecret: p.deviceSecret,
          logins: ['hmac', method(p)],
        },
      ],
      auth: { tokenTtlS: p.ttlS, skewS: SKEW_S, timestampWindowS: WINDOW_S },
    },
    devices: [
      {
        name: 'probe',
        kind: 'digital',
        title: { zh: '温度探头', en: 'Temperature probe' },
        channels: [
          {
            quantity: 'temperature',
            unit: '°C',
            range: [-40, 85],
            resolution: 0.1,
            profile: { base: 21, vary: 3, amplitude: 2, periodS: 90, noise: 0.05 },
          },
        ],
        mqtt: { period: p.periodS, qos: 0 },
      },
    ],
    faults: [{ device: p.deviceName, type: 'key-rotated', at: p.rotateAtS }],
  }),

  vars: (p, plan) => ({
    productKey: p.productKey,
    deviceName: p.deviceName,
    deviceSecret: p.deviceSecret,
    username: login(p),
    alg: p.alg,
    ttlS: p.ttlS,
    windowS: WINDOW_S,
    skewS: SKEW_S,
    tokenTopic: `${sys(p)}/thing/token/get`,
    replyTopic: `${sys(p)}/thing/token/get_reply`,
    sensorId: plan.devices[0]!.id,
    sensorTopic: plan.devices[0]!.mqtt!.telemetryTopic,
    postTopic: postTopic(p),
    periodS: p.periodS,
    slotS: 2 * p.periodS,
    graceS: GRACE_S,
  }),

  checks: [
    {
      id: 'signed-login',
      skill: 'L2.EMB.2.2.2',
      points: 10,
      title: { zh: '带时间戳的签名登录', en: 'Signed login with a current timestamp' },
      run: loginByCheck<TokenParams>({
        login: L,
        method: () => 'hmac',
        hint: {
          zh: '签名登录：clientId 中带 timestamp=<当前毫秒时间>，password 为签名内容的 HMAC-SHA256 十六进制串。',
          en: 'Signed login: timestamp=<current epoch ms> in the client id, the password the hex HMAC-SHA256 of the sign content.',
        },
      }),
    },
    {
      id: 'token-login',
      skill: 'L2.EMB.2.2.2',
      points: 15,
      title: { zh: '以令牌登录', en: 'Logged in by token' },
      run: loginByCheck<TokenParams>({
        login: L,
        method: (ctx) => method(ctx.params),
        hint: {
          zh: '向令牌服务请求令牌，用户名不变，密码填令牌本身。',
          en: 'Request a token from the token service; keep the username and put the token itself in the password.',
        },
      }),
    },
    {
      id: 'renew',
      skill: 'L2.EMB.2.2.2',
      points: 20,
      title: { zh: '令牌到期前续期', en: 'Tokens renewed before they expire' },
      run: renewCheck<TokenParams>({
        login: L,
        ttlS: (ctx) => ctx.params.ttlS,
        skewS: () => SKEW_S,
      }),
    },
    {
      id: 'rotated',
      skill: 'L2.EMB.2.2.2',
      points: 15,
      title: { zh: '密钥轮换后换新令牌', en: 'New token after the key rotation' },
      run: rotationCheck<TokenParams>({ login: L, withinS: 10 }),
    },
    {
      id: 'posted',
      skill: 'L2.EMB.2.2.2',
      points: 20,
      title: { zh: '经令牌会话持续上报', en: 'Posts kept up over token sessions' },
      run: (ctx) => {
        const coverage = tokenPostsCheck<TokenParams>({
          login: L,
          topic: (c) => postTopic(c.params),
          slotS: (c) => 2 * c.params.periodS,
          graceS: GRACE_S,
          fullAt: 0.75,
        })(ctx);
        // The Alink envelope too: a post that is not one does not count as posted.
        const envelope = schemaCheck<TokenParams>({
          topic: (c) => postTopic(c.params),
          schema: () => ({
            type: 'object',
            required: ['id', 'version', 'params', 'method'],
            properties: {
              version: { const: '1.0' },
              params: { type: 'object', required: ['temperature'] },
              method: { const: 'thing.event.property.post' },
            },
          }),
        })(ctx);
        return { ...coverage, score: Math.min(coverage.score, envelope.score) };
      },
    },
    {
      id: 'value',
      skill: 'L2.EMB.2.2.2',
      points: 20,
      critical: 0.5,
      title: { zh: '上报值正确', en: 'Correct values' },
      run: (ctx) =>
        valueCheck<TokenParams>({
          topic: (c) => postTopic(c.params),
          field: 'params.temperature',
          device: () => 'probe',
          quantity: () => 'temperature',
          tolerance: () => 0.2,
          maxAgeS: ctx.params.periodS + 1,
        })(ctx),
    },
  ],
});
