/**
 * L2 · EMB · encrypted protocol data (L2.EMB.2.3.2): a cold-room sensor publishes its telemetry
 * encrypted (AES-128-CBC, AES-256-GCM or SM4-CBC by seed, key on the card) and its fan takes only
 * encrypted commands. The candidate decrypts every message, republishes the reading in plain JSON
 * for the operators' dashboard, and drives the fan by a hysteresis rule with commands sealed with
 * the fan's own key. A plain-text command does nothing (the fan ignores it), and a message that
 * fails to decrypt must be dropped: the sensor sends tampered copies now and then.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-cipher.test.ts):
 * - "drop a message that does not decrypt": the sensor sends a tampered copy after every 4th–6th
 *   message; republishing it as a reading instead (mistake `no-drop`) costs the decrypt check.
 * - "the fan takes only encrypted commands": a plain command is ignored, so sending plain JSON
 *   (mistake `plain-command`) loses fan-on, fan-off and no-flap (50).
 * - "decrypt every message … the same seq and value": the reading is critical at half its points.
 */
import { defineTask } from '../../grader/types.js';
import type {
  CheckOutcome,
  EvidenceRef,
  GradeContext,
  MqttPublishEvent,
} from '../../grader/types.js';
import { alarmSwitchCheck, noFlapCheck } from '../../grader/checks/hysteresis.js';
import type { HysteresisSpec } from '../../grader/checks/hysteresis.js';
import { subscribedCheck } from '../../grader/checks/subscribe.js';
import { payloadJson, payloadText, ref } from '../../grader/checks/mqtt.js';
import { CIPHERS, openJson } from '../../protocols/codecs/cipher.js';
import type { CipherAlg } from '../../protocols/codecs/cipher.js';
import type { LabPlan } from '../../simulator/plan.js';
import { Rng } from '../../core/rng.js';

export type CipherParams = { alg: string; withinS: number; tamperEvery: number };
type Ctx = GradeContext<CipherParams>;

const AMPLITUDE = 3;
const round1 = (x: number) => Number(x.toFixed(1));

/** High and low thresholds: the seeded base ± 0.6 of the swing, so each cycle crosses both. */
function thresholds(plan: LabPlan): { high: number; low: number } {
  const base = plan.devices.find((d) => d.name === 'sensor')!.channels[0]!.base;
  return { high: round1(base + 0.6 * AMPLITUDE), low: round1(base - 0.6 * AMPLITUDE) };
}

/** The sensor's key, to read its messages as the candidate must. */
const sensorOpen = (ctx: Ctx) => {
  const c = ctx.device('sensor').mqtt!.cipher!;
  const key = Buffer.from(c.key, 'hex');
  return (text: string): unknown => openJson(c.alg, key, text);
};

const spec = (ctx: Ctx): HysteresisSpec => ({
  sensor: 'sensor',
  field: 'temperature',
  actuator: 'fan',
  ...thresholds(ctx.plan),
  withinS: ctx.params.withinS,
  open: sensorOpen(ctx),
  // The rule runs on what the program could receive: from its subscription, with the fan off.
  from: ctx.subscriptions(ctx.device('sensor').mqtt!.telemetryTopic)[0]?.t ?? ctx.start,
});

/** The plain topic the candidate republishes readings on. */
const plainTopic = (plan: LabPlan) =>
  `${plan.topicPrefix}/plain/${plan.devices.find((d) => d.name === 'sensor')!.id}`;

/**
 * Every sensor message that decrypts (tampered copies do not) has its reading republished in
 * plain JSON within N s, with the same `seq` and temperature; a republished reading no sensor
 * message carried (a tampered copy decrypted anyhow) counts against it.
 */
function plainCheck(ctx: Ctx): CheckOutcome {
  const open = sensorOpen(ctx);
  const topic = ctx.device('sensor').mqtt!.telemetryTopic;
  const want = plainTopic(ctx.plan);
  const sent: { seq: number; v: number; t: number; e: EvidenceRef }[] = [];
  for (const e of ctx.events) {
    if (e.kind !== 'mqtt.publish' || e.t < ctx.start || e.t > ctx.end) continue;
    const p = e as MqttPublishEvent;
    if (p.origin !== 'device' || p.topic !== topic) continue;
    const m = open(payloadText(p)) as { seq?: unknown; temperature?: unknown } | undefined;
    if (typeof m?.seq === 'number' && typeof m.temperature === 'number')
      sent.push({ seq: m.seq, v: m.temperature, t: e.t, e: ref(e, `seq ${m.seq}`) });
  }
  const mine = ctx.clientPublishes().filter((p) => p.topic === want);
  // Messages before the program subscribed never reached it; the last few may not be answered yet.
  const from = ctx.subscriptions(topic)[0]?.t ?? ctx.start;
  const due = sent.filter((s) => s.t >= from && s.t <= ctx.end - ctx.params.withinS * 1000);
  let good = 0;
  const wrong: string[] = [];
  for (const s of due) {
    const answer = mine.find((p) => {
      const j = payloadJson(p) as { seq?: unknown } | undefined;
      return j?.seq === s.seq && p.t >= s.t && p.t <= s.t + ctx.params.withinS * 1000;
    });
    const j = answer && (payloadJson(answer) as { temperature?: unknown });
    if (j && typeof j.temperature === 'number' && Math.abs(j.temperature - s.v) <= 0.05) good++;
    else if (j) wrong.push(`seq ${s.seq}: ${JSON.stringify(j.temperature)} for ${s.v}`);
  }
  const seqs = new Set(sent.map((s) => s.seq));
  const invented = mine.filter((p) => {
    const j = payloadJson(p) as { seq?: unknown } | undefined;
    return typeof j?.seq !== 'number' || !seqs.has(j.seq);
  }).length;
  const score = due.length === 0 ? 0 : Math.max(0, (good - invented) / due.length);
  return {
    score,
    expected: `each of the ${due.length} sensor messages decrypted and republished on ${want} within ${ctx.params.withinS} s, none invented`,
    seen: `${good} right${wrong.length ? `; wrong: ${wrong.slice(0, 3).join('; ')}` : ''}${invented ? `; ${invented} not from a sensor message` : ''}`,
    evidence: [...due.slice(0, 3).map((s) => s.e), ...mine.slice(0, 3).map((p) => ref(p, 'plain'))],
    hint: {
      zh: `逐条解密传感器消息（算法和密钥见实验卡），把 seq 和 temperature 以明文 JSON 发布到 ${want}；解密失败的消息（被篡改）要丢弃。`,
      en: `Decrypt every sensor message (algorithm and key on the card) and publish its seq and temperature as plain JSON to ${want}; drop a message that does not decrypt (tampered).`,
    },
  };
}

export const cipherTelemetry = defineTask<CipherParams>({
  id: 'l2-emb-cipher',
  title: {
    zh: '加密遥测的解密与加密控制',
    en: 'Encrypted telemetry: decrypt, act, send encrypted commands',
  },
  level: 'L2',
  direction: 'EMB',
  skills: ['L2.EMB.2.3.2'],
  timeLimitS: 90,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l2-emb-cipher');
    return { alg: rng.pick(CIPHERS), withinS: rng.pick([2, 3]), tamperEvery: rng.int(4, 6) };
  },

  scenario(p) {
    const alg = p.alg as CipherAlg;
    return {
      name: 'task_l2_emb_cipher',
      title: { zh: '加密冷库', en: 'Encrypted cold room' },
      devices: [
        {
          name: 'sensor',
          kind: 'digital',
          title: { zh: '冷库温度传感器', en: 'Cold-room temperature sensor' },
          channels: [
            {
              quantity: 'temperature',
              unit: '°C',
              range: [-30, 50],
              resolution: 0.1,
              profile: { base: 4, vary: 2, amplitude: AMPLITUDE, periodS: 40, noise: 0.03 },
            },
          ],
          mqtt: { period: 1, qos: 0, cipher: alg, tamperEvery: p.tamperEvery },
        },
        {
          name: 'fan',
          kind: 'actuator',
          title: { zh: '冷风机', en: 'Cooling fan' },
          actuatorType: 'fan',
          mqtt: { period: 30, qos: 1, cipher: alg },
        },
      ],
    };
  },

  vars(p, plan) {
    const sensor = plan.devices[0]!;
    const fan = plan.devices[1]!;
    const t = thresholds(plan);
    return {
      alg: p.alg,
      sensorId: sensor.id,
      sensorTopic: sensor.mqtt!.telemetryTopic,
      sensorKey: sensor.mqtt!.cipher!.key,
      plainTopic: plainTopic(plan),
      fanId: fan.id,
      fanKey: fan.mqtt!.cipher!.key,
      commandTopic: fan.mqtt!.commandTopic!,
      high: t.high,
      low: t.low,
      withinS: p.withinS,
    };
  },

  checks: [
    {
      id: 'subscribed',
      skill: 'L2.EMB.2.3.2',
      points: 10,
      title: { zh: '订阅加密遥测', en: 'Subscribed to the encrypted telemetry' },
      run: subscribedCheck<CipherParams>({
        topic: (ctx) => ctx.device('sensor').mqtt!.telemetryTopic,
        what: { zh: '传感器遥测', en: "sensor's telemetry" },
      }),
    },
    {
      id: 'decrypt',
      skill: 'L2.EMB.2.3.2',
      points: 40,
      critical: 0.5,
      title: { zh: '逐条解密并以明文转发', en: 'Every message decrypted and republished in plain' },
      run: plainCheck,
    },
    {
      id: 'fan-on',
      skill: 'L2.EMB.2.3.2',
      points: 20,
      title: {
        zh: '超上限时以加密指令开风机',
        en: 'Fan on by encrypted command above the high threshold',
      },
      run: alarmSwitchCheck<CipherParams>((ctx) => ({ ...spec(ctx), to: true })),
    },
    {
      id: 'fan-off',
      skill: 'L2.EMB.2.3.2',
      points: 20,
      title: {
        zh: '低于下限时以加密指令关风机',
        en: 'Fan off by encrypted command below the low threshold',
      },
      run: alarmSwitchCheck<CipherParams>((ctx) => ({ ...spec(ctx), to: false })),
    },
    {
      id: 'no-flap',
      skill: 'L2.EMB.2.3.2',
      points: 10,
      title: { zh: '上下限之间不抖动', en: 'No flapping between the thresholds' },
      run: noFlapCheck<CipherParams>(spec),
    },
  ],
});
