/**
 * L1 · EMB · switch events and M2M: a door contact reports open/close events over MQTT; without a
 * person, the candidate's program switches an alarm light on when the door opens and off when it
 * closes, each within a deadline, with no stray commands.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-m2m.test.ts):
 * - "switches it off … each time the door closes": openings and closings in every run; never
 *   off (mistake `never-off`) loses off, critical (59);
 * - "sends no other commands that change it": a start-up self-test blink (mistake `test-blink`) loses
 *   no-stray (80);
 * - a change the door undoes within withinS is not counted (stated in the text).
 */
import { defineTask } from '../../grader/types.js';
import type { CheckOutcome, GradeContext } from '../../grader/types.js';
import { onlyOnEdgesCheck, reactionCheck } from '../../grader/checks/actuator.js';
import { ref } from '../../grader/checks/mqtt.js';
import { Rng } from '../../core/rng.js';

export type M2mParams = { withinS: number; light: string };
type Ctx = GradeContext<M2mParams>;

const spec = (ctx: Ctx) => ({
  trigger: 'door',
  quantity: 'open',
  actuator: 'light',
  withinS: ctx.params.withinS,
});

function subscribed(ctx: Ctx): CheckOutcome {
  const topic = ctx.device('door').mqtt!.telemetryTopic;
  const subs = ctx.subscriptions(topic);
  return {
    score: subs.length > 0 ? 1 : 0,
    expected: `a subscription that receives ${topic}`,
    seen: subs.length > 0 ? `subscribed (seq ${subs[0]!.seq})` : 'no such subscription',
    evidence: subs.slice(0, 1).map((e) => ref(e)),
    ...(subs.length === 0
      ? {
          hint: {
            zh: `请订阅门磁的遥测主题 ${topic}。`,
            en: `Subscribe to the door's telemetry topic ${topic}.`,
          },
        }
      : {}),
  };
}

export const switchM2m = defineTask<M2mParams>({
  id: 'l1-emb-m2m',
  title: { zh: '开关量事件采集与 M2M 联动', en: 'Switch events and M2M interaction' },
  level: 'L1',
  direction: 'EMB',
  skills: ['L1.EMB.1.1.3', 'L1.EMB.1.1.4'],
  timeLimitS: 90,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-emb-m2m');
    return { withinS: rng.pick([2, 3]), light: rng.pick(['alarm_light', 'buzzer', 'led']) };
  },

  scenario: (p) => ({
    name: 'task_l1_emb_m2m',
    title: { zh: '门磁联动', en: 'Door-driven alarm' },
    devices: [
      {
        name: 'door',
        kind: 'switch',
        title: { zh: '门磁', en: 'Door contact' },
        switchType: 'door',
        meanIntervalS: 8,
        holdS: 4,
        mqtt: { period: 10 },
      },
      {
        name: 'light',
        kind: 'actuator',
        title: { zh: '告警器', en: 'Alarm' },
        actuatorType: p.light as 'alarm_light' | 'buzzer' | 'led',
        mqtt: { period: 30, qos: 1 },
      },
    ],
  }),

  vars: (p, plan) => {
    const door = plan.devices[0]!;
    const light = plan.devices[1]!;
    return {
      doorId: door.id,
      doorTopic: door.mqtt!.telemetryTopic,
      lightId: light.id,
      lightType: p.light,
      commandTopic: light.mqtt!.commandTopic!,
      withinS: p.withinS,
    };
  },

  checks: [
    {
      id: 'subscribed',
      skill: 'L1.EMB.1.1.3',
      points: 10,
      title: { zh: '订阅开关量事件', en: 'Subscribed to the switch events' },
      run: subscribed,
    },
    {
      id: 'on',
      skill: 'L1.EMB.1.1.4',
      points: 40,
      critical: 0.5,
      title: { zh: '开门后及时打开告警', en: 'Alarm on in time after the door opens' },
      run: (ctx) => reactionCheck<M2mParams>({ ...spec(ctx), when: true, expect: true })(ctx),
    },
    {
      id: 'off',
      skill: 'L1.EMB.1.1.4',
      points: 30,
      critical: 0.5,
      title: { zh: '关门后及时关闭告警', en: 'Alarm off in time after the door closes' },
      run: (ctx) =>
        reactionCheck<M2mParams>({ ...spec(ctx), when: false, expect: false, fromOpposite: true })(
          ctx,
        ),
    },
    {
      id: 'no-stray',
      skill: 'L1.EMB.1.1.4',
      points: 20,
      title: { zh: '无多余动作', en: 'No stray actions' },
      run: (ctx) => onlyOnEdgesCheck<M2mParams>(spec(ctx))(ctx),
    },
  ],
});
