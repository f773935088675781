/**
 * L1 · EMB · custom command protocol: drive an IOTLAB-FC200 field controller by its own framed
 * protocol (docs/protocols/controller.md: 5A A5 | address | command | length | payload |
 * CRC-16/MODBUS low byte first) — read a sensor channel, decode its int32 × 0.01 value and
 * publish it, and switch one actuator on. Graded on the request frames on the wire, the
 * published values against the sensor's truth, and the actuators' states in truth.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-emb-serial.test.ts):
 * - "int32 × 0.01": every reading (mistake `no-scale`: value, critical, lost: 59).
 */
import { defineTask } from '../../grader/types.js';
import type { CheckOutcome, GradeContext } from '../../grader/types.js';
import { publishedCheck, ref } from '../../grader/checks/mqtt.js';
import type { SerialChunk } from '../../grader/checks/serial.js';
import { serialChunks, serialPlan } from '../../grader/checks/serial.js';
import { valueCheck } from '../../grader/checks/value.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { Rng } from '../../core/rng.js';
import { Command, decodeRequest } from '../../protocols/codecs/controller.js';
import type { ControllerRequest } from '../../protocols/codecs/controller.js';
import { scanFrames } from '../../protocols/codecs/controller-frame.js';

const QUANTITIES = [
  { quantity: 'temperature', unit: '°C', zh: '温度', en: 'temperature' },
  { quantity: 'humidity', unit: '%RH', zh: '湿度', en: 'humidity' },
] as const;
const ACTUATORS = [
  { name: 'fan', zh: '风扇', en: 'fan' },
  { name: 'pump', zh: '水泵', en: 'pump' },
] as const;
const TIME_LIMIT_S = 60;
const TOLERANCE = 0.05;
const BROADCAST = 0xff;

export type ControllerParams = {
  address: number;
  channel: number;
  actuator: number;
  periodS: number;
  topicLeaf: string;
};
type Ctx = GradeContext<ControllerParams>;

const topic = (ctx: Ctx) =>
  `${ctx.plan.topicPrefix}/${ctx.params.topicLeaf}/${ctx.plan.serial[0]!.id}`;
const minMessages = (p: ControllerParams) => Math.floor((TIME_LIMIT_S / p.periodS) * 0.6);
const hex2 = (n: number) => n.toString(16).padStart(2, '0').toUpperCase();

/** Requests with a valid CRC that the codec accepts, from the host→controller byte stream. */
export function controllerRequests(
  chunks: readonly SerialChunk[],
): { request: ControllerRequest; address: number; e: EvidenceEvent }[] {
  const out: { request: ControllerRequest; address: number; e: EvidenceEvent }[] = [];
  let rest = Buffer.alloc(0);
  for (const c of chunks) {
    const scan = scanFrames(Buffer.concat([rest, c.bytes]));
    rest = Buffer.from(scan.rest);
    for (const item of scan.items) {
      if (!item.ok) continue;
      const r = decodeRequest(item.frame);
      if (r.ok) out.push({ request: r.request, address: item.frame.address, e: c.e });
    }
  }
  return out;
}

/** Half for a read of the channel, half for switching the actuator on, to the right address. */
function framesCheck(ctx: Ctx): CheckOutcome {
  const { address, channel, actuator } = ctx.params;
  const chunks = serialChunks(ctx, 'controller', 'serial.rx');
  const reqs = controllerRequests(chunks).filter(
    (r) => r.address === address || r.address === BROADCAST,
  );
  const read = reqs.find(
    (r) =>
      r.request.command === Command.ReadSensors &&
      r.request.start <= channel &&
      channel < r.request.start + r.request.count,
  );
  const write = reqs.find(
    (r) =>
      (r.request.command === Command.WriteActuator &&
        r.request.channel === actuator &&
        r.request.on) ||
      (r.request.command === Command.WriteActuators &&
        r.request.start <= actuator &&
        r.request.values[actuator - r.request.start] === true),
  );
  const id = serialPlan(ctx, 'controller').id;
  return {
    score: (read ? 0.5 : 0) + (write ? 0.5 : 0),
    expected: `frames with a valid CRC to address 0x${hex2(address)} (${address}): read sensor channel ${channel} (02) and switch actuator channel ${actuator} on (04 or 05)`,
    seen:
      chunks.length === 0
        ? `nothing written to ${id}`
        : `${reqs.length} valid request(s) to the controller; read ${read ? 'seen' : 'missing'}, switch-on ${write ? 'seen' : 'missing'}`,
    evidence: [read, write].flatMap((x) => (x ? [ref(x.e)] : [])),
    ...(read && write
      ? {}
      : {
          hint: {
            zh: '缺少正确的请求帧：检查帧头 5A A5、地址、命令字、长度字节，以及 CRC-16/MODBUS（从地址字节算到载荷末尾，不含帧头，低字节在前）。',
            en: 'A right request frame is missing: check the 5A A5 header, address, command, length byte and the CRC-16/MODBUS (address through payload, header excluded, low byte first).',
          },
        }),
  };
}

/**
 * The named actuator on at the deadline, switched by the controller (the lab records the
 * change's source as `serial:<controller id>`), and the other one off.
 */
function actuatorCheck(ctx: Ctx): CheckOutcome {
  const target = ACTUATORS[ctx.params.actuator]!.name;
  const other = ACTUATORS[1 - ctx.params.actuator]!.name;
  const via = `serial:${serialPlan(ctx, 'controller').id}`;
  const targetId = ctx.device(target).id;
  const lastOn = ctx.events
    .filter(
      (e) =>
        e.kind === 'device.state' && e.device === targetId && e.t >= ctx.start && e.t <= ctx.end,
    )
    .at(-1);
  const on =
    ctx.truth(target, ctx.end).values.on === true && lastOn !== undefined && lastOn.source === via;
  const otherOn = ctx.truth(other, ctx.end).values.on === true;
  const ids = new Set([ctx.device(target).id, ctx.device(other).id]);
  const changes = ctx.events.filter(
    (e) =>
      e.kind === 'device.state' &&
      typeof e.device === 'string' &&
      ids.has(e.device) &&
      e.t >= ctx.start &&
      e.t <= ctx.end,
  );
  const right = on && !otherOn;
  return {
    score: right ? 1 : 0,
    expected: `${target} on (switched through the controller) and ${other} off at the deadline`,
    seen: `${target} ${on ? 'on' : 'off'}, ${other} ${otherOn ? 'on' : 'off'}`,
    evidence: changes.slice(0, 5).map((e) => ref(e)),
    ...(right
      ? {}
      : {
          hint: otherOn
            ? {
                zh: `打开了错误的执行器：${target} 是执行器通道 ${ctx.params.actuator}。`,
                en: `The wrong actuator is on: ${target} is actuator channel ${ctx.params.actuator}.`,
              }
            : {
                zh: `${target} 没有打开：用命令 04（通道、01）写单个执行器，并检查应答状态码是否为 00。`,
                en: `${target} is not on: write it with command 04 (channel, 01) and check the reply's status is 00.`,
              },
        }),
  };
}

export const controllerProtocol = defineTask<ControllerParams>({
  id: 'l1-emb-controller',
  title: { zh: '自定义协议控制器读写控制', en: 'Read and control a custom-protocol controller' },
  level: 'L1',
  direction: 'EMB',
  skills: ['L1.EMB.2.1.1', 'L1.EMB.2.1.2', 'L1.EMB.2.2.2'],
  timeLimitS: TIME_LIMIT_S,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-emb-controller');
    return {
      address: rng.int(1, 254),
      channel: rng.int(0, QUANTITIES.length - 1),
      actuator: rng.int(0, ACTUATORS.length - 1),
      periodS: rng.pick([2, 3]),
      topicLeaf: rng.pick(['ctrl', 'field', 'plc', 'station']),
    };
  },

  scenario: (p) => ({
    name: 'task_l1_emb_controller',
    title: { zh: '现场控制器', en: 'Field controller' },
    devices: [
      {
        name: 'env',
        kind: 'digital',
        title: { zh: '温湿度传感器', en: 'Temperature/humidity sensor' },
        // A binding is required; an hourly status message tells a candidate nothing usable.
        mqtt: { period: 3600 },
        channels: [
          {
            quantity: 'temperature',
            unit: '°C',
            range: [-20, 60],
            resolution: 0.01,
            profile: { base: 24, vary: 3, amplitude: 4, periodS: 90, noise: 0.05 },
          },
          {
            quantity: 'humidity',
            unit: '%RH',
            range: [0, 100],
            resolution: 0.01,
            profile: { base: 55, vary: 8, amplitude: 10, periodS: 120, noise: 0.2 },
          },
        ],
      },
      ...ACTUATORS.map((a) => ({
        name: a.name,
        kind: 'actuator' as const,
        title: { zh: a.zh, en: a.en },
        actuatorType: a.name,
        mqtt: { period: 3600 },
      })),
    ],
    serial: [
      {
        name: 'controller',
        kind: 'controller',
        title: { zh: '现场控制器', en: 'Field controller' },
        address: p.address,
        sensors: ['env'],
        actuators: ACTUATORS.map((a) => a.name),
      },
    ],
  }),

  vars: (p, plan) => {
    const d = plan.serial[0]!;
    const q = QUANTITIES[p.channel]!;
    const a = ACTUATORS[p.actuator]!;
    return {
      deviceId: d.id,
      envName: `IOTLAB_SERIAL_${d.id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`,
      baud: d.settings.baudRate,
      address: p.address,
      addressHex: hex2(p.address),
      channel: p.channel,
      quantityZh: q.zh,
      quantityEn: q.en,
      unit: q.unit,
      actuatorChannel: p.actuator,
      actuatorZh: a.zh,
      actuatorEn: a.en,
      topic: `${plan.topicPrefix}/${p.topicLeaf}/${d.id}`,
      periodS: p.periodS,
      tolerance: TOLERANCE,
      maxAgeS: p.periodS + 1,
      minMessages: minMessages(p),
    };
  },

  checks: [
    {
      id: 'frames',
      skill: 'L1.EMB.2.1.2',
      points: 20,
      title: { zh: '请求帧编码正确', en: 'Well-formed request frames' },
      run: framesCheck,
    },
    {
      id: 'published',
      skill: 'L1.EMB.2.2.2',
      points: 10,
      title: { zh: '按主题发布测量值', en: 'Publish the readings on the topic' },
      run: (ctx) =>
        publishedCheck<ControllerParams>({ topic, minCount: minMessages(ctx.params) })(ctx),
    },
    {
      id: 'value',
      skill: 'L1.EMB.2.1.2',
      points: 35,
      // A wrong value must not pass (issue 18.1): at least half the value points, or the task is capped.
      critical: 0.5,
      title: { zh: '测量值解码正确', en: 'Correctly decoded value' },
      run: (ctx) =>
        valueCheck<ControllerParams>({
          topic,
          field: 'value',
          device: () => 'env',
          quantity: (c) => QUANTITIES[c.params.channel]!.quantity,
          tolerance: () => TOLERANCE,
          maxAgeS: ctx.params.periodS + 1,
        })(ctx),
    },
    {
      id: 'actuator',
      skill: 'L1.EMB.2.1.1',
      points: 35,
      title: { zh: '控制执行器', en: 'Actuator switched' },
      run: actuatorCheck,
    },
  ],
});
