/**
 * L1 · EMB · switch acquisition: a door contact, PIR detector or push button is wired to a
 * discrete input served over Modbus TCP; the candidate polls it and reports each change (edge)
 * as one MQTT event with the new state and a timestamp, within N s, without duplicates.
 *
 * Stated rules and the case planted for each, on every seed
 * (tests/e2e/task-rules.test.ts):
 * - "on each change (edge) of the input, and only then … do not report the state you find at
 *   start": changes in every run; reporting the start state (mistake `report-initial`) loses
 *   no-duplicates (80); reporting the level on every poll (mistake `level`) loses it too (and,
 *   on some seeds, changes drowned in the flood);
 * - "ts … milliseconds since the Unix epoch": every message; seconds (mistake `ts-seconds`)
 *   lose payload, critical (59).
 */
import { defineTask } from '../../grader/types.js';
import type { GradeContext } from '../../grader/types.js';
import { modbusReadCheck } from '../../grader/checks/modbus.js';
import { schemaCheck } from '../../grader/checks/mqtt.js';
import type { SwitchEventSpec } from '../../grader/checks/switch.js';
import {
  eventsCompleteCheck,
  eventsLatencyCheck,
  noDuplicateEventsCheck,
} from '../../grader/checks/switch.js';
import { Rng } from '../../core/rng.js';
import type { ScenarioInput } from '../../simulator/scenario.js';

export const SWITCHES = [
  {
    type: 'door',
    quantity: 'open',
    on: 'open',
    off: 'close',
    holdS: 4,
    zh: '门磁',
    en: 'door contact',
  },
  {
    type: 'pir',
    quantity: 'motion',
    on: 'motion',
    off: 'clear',
    holdS: 3,
    zh: '人体红外探测器',
    en: 'PIR motion detector',
  },
  {
    type: 'button',
    quantity: 'pressed',
    on: 'press',
    off: 'release',
    holdS: 1.5,
    zh: '按钮',
    en: 'push button',
  },
] as const;

export type SwitchParams = { kind: number; withinS: number; topicLeaf: string };
type Ctx = GradeContext<SwitchParams>;

const MATCH_S = 10;
const kindOf = (p: SwitchParams) => SWITCHES[p.kind]!;
const topic = (ctx: Ctx) =>
  `${ctx.plan.topicPrefix}/${ctx.params.topicLeaf}/${ctx.device('contact').id}`;

const spec: SwitchEventSpec<SwitchParams> = {
  topic,
  device: 'contact',
  quantity: '',
  names: (ctx) => ({ on: kindOf(ctx.params).on, off: kindOf(ctx.params).off }),
  withinS: (ctx) => ctx.params.withinS,
  matchS: MATCH_S,
};
const specOf = (ctx: Ctx) => ({ ...spec, quantity: kindOf(ctx.params).quantity });

export const switchEvents = defineTask<SwitchParams>({
  id: 'l1-emb-switch',
  title: { zh: '开关量传感器事件采集与上报', en: 'Switch sensor events' },
  level: 'L1',
  direction: 'EMB',
  skills: ['L1.EMB.1.1.3', 'L1.EMB.3.1.2', 'L1.EMB.2.2.1', 'L1.EMB.2.2.2'],
  timeLimitS: 60,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-emb-switch');
    return {
      kind: rng.int(0, SWITCHES.length - 1),
      withinS: rng.pick([1, 2]),
      topicLeaf: rng.pick(['events', 'alarm', 'di', 'switch']),
    };
  },

  scenario(p): ScenarioInput {
    const k = kindOf(p);
    return {
      name: 'task_l1_emb_switch',
      title: { zh: '开关量采集', en: 'Switch acquisition' },
      devices: [
        {
          name: 'contact',
          kind: 'switch',
          title: { zh: k.zh, en: k.en },
          switchType: k.type,
          meanIntervalS: 6,
          holdS: k.holdS,
          modbus: {},
        },
      ],
    };
  },

  vars(p, plan) {
    const d = plan.devices[0]!;
    const k = kindOf(p);
    return {
      deviceId: d.id,
      switchZh: k.zh,
      switchEn: k.en,
      unitId: d.modbus!.unit,
      address: d.modbus!.registers[0]!.address,
      onEvent: k.on,
      offEvent: k.off,
      topic: `${plan.topicPrefix}/${p.topicLeaf}/${d.id}`,
      withinS: p.withinS,
      matchS: MATCH_S,
    };
  },

  checks: [
    {
      id: 'modbus-read',
      skill: 'L1.EMB.3.1.2',
      points: 10,
      title: { zh: '轮询离散输入（功能码 02）', en: 'Poll the discrete input (FC 02)' },
      run: modbusReadCheck<SwitchParams>({
        unit: (c) => c.device('contact').modbus!.unit,
        fc: 2,
        address: (c) => c.device('contact').modbus!.registers[0]!.address,
        minCount: 20,
      }),
    },
    {
      id: 'payload',
      skill: 'L1.EMB.2.2.1',
      points: 10,
      critical: 0.5,
      title: { zh: '事件消息格式', en: 'Event payload format' },
      run: schemaCheck<SwitchParams>({
        topic,
        schema: (c) => ({
          type: 'object',
          required: ['device', 'event', 'ts'],
          properties: {
            device: { const: c.device('contact').id },
            event: { enum: [kindOf(c.params).on, kindOf(c.params).off] },
            ts: { type: 'integer', minimum: 1e12 },
          },
        }),
      }),
    },
    {
      id: 'complete',
      skill: 'L1.EMB.1.1.3',
      points: 35,
      title: { zh: '每次状态变化都上报', en: 'Every change reported' },
      run: (ctx) => eventsCompleteCheck(specOf(ctx))(ctx),
    },
    {
      id: 'latency',
      skill: 'L1.EMB.2.2.2',
      points: 25,
      title: { zh: '及时上报', en: 'Reported in time' },
      run: (ctx) => eventsLatencyCheck(specOf(ctx))(ctx),
    },
    {
      id: 'no-duplicates',
      skill: 'L1.EMB.1.1.3',
      points: 20,
      title: { zh: '无重复、无虚假事件', en: 'No duplicate or false events' },
      run: (ctx) => noDuplicateEventsCheck(specOf(ctx))(ctx),
    },
  ],
});
