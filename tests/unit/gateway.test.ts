/**
 * The edge gateway without sockets: its codec (requests, answers, payload template), the master
 * side of Modbus RTU responses, config resolution against the greenhouse, and the behaviour
 * object driven with explicit times.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayCore } from '../../devices/gateway/model.js';
import type { GatewayIntent } from '../../devices/gateway/model.js';
import {
  commandValue,
  decodeAnswer,
  pollRequest,
  renderPayload,
  replyReader,
  writeRequest,
} from '../../devices/gateway/codec.js';
import { Command } from '../../protocols/codecs/controller.js';
import { encodeResponse } from '../../protocols/codecs/controller-reply.js';
import { encodeRtu } from '../../protocols/codecs/modbus-rtu.js';
import { RtuResponseReader, decodeRtuResponse } from '../../protocols/codecs/modbus-response.js';
import type { GatewayPoint } from '../../devices/gateway/config.js';
import { resolveGateway } from '../../devices/gateway/config.js';
import { worldFromPlan } from '../../devices/gateway/world.js';
import { planLab } from '../../simulator/plan.js';
import { GatewaySpec } from '../../devices/gateway/scenario.js';
import { loadScenario, validateScenario } from '../../simulator/scenario.js';
import { LabError } from '../../core/errors.js';

const rtuPoint: GatewayPoint = {
  lineKind: 'modbus_rtu',
  point: 'ec',
  line: 'rs485',
  slave: 17,
  table: 'input',
  address: 300,
  type: 'uint16',
  scale: 0.01,
  offset: 0,
  unit: 'mS/cm',
  quantity: 'ec',
  periodS: 1,
  writable: false,
  topic: 'p/gw/g/ec',
};
const pumpPoint: GatewayPoint = {
  lineKind: 'controller',
  point: 'pump',
  line: 'irrigation',
  slave: 7,
  table: 'actuator',
  channel: 0,
  type: 'bool',
  scale: 1,
  offset: 0,
  unit: '',
  quantity: 'on',
  periodS: 1,
  writable: true,
  topic: 'p/gw/g/pump',
};

describe('gateway codec', () => {
  it('reads an input register with FC04, quantity 1 ([APP] §6.4)', () => {
    const req = pollRequest(rtuPoint);
    // unit 0x11, FC 04, address 0x012C, quantity 0x0001, then the CRC (low byte first)
    expect(req.bytes.subarray(0, 6)).toEqual(Buffer.from([0x11, 0x04, 0x01, 0x2c, 0x00, 0x01]));
    expect(req.bytes.length).toBe(8);
  });

  it('scales an answer: raw 175 × 0.01 = 1.75', () => {
    const req = pollRequest(rtuPoint);
    const answer = encodeRtu(17, Buffer.from([0x04, 0x02, 0x00, 0xaf]));
    expect(decodeAnswer(rtuPoint, req, answer)).toEqual({ ok: true, value: 1.75, raw: 175 });
  });

  it('names an exception, a CRC error and an answer from another unit', () => {
    const req = pollRequest(rtuPoint);
    const exc = decodeAnswer(rtuPoint, req, encodeRtu(17, Buffer.from([0x84, 0x02])));
    expect(exc).toMatchObject({ ok: false, error: { code: 'exception' } });
    expect(!exc?.ok && exc?.error.message).toMatch(/ILLEGAL DATA ADDRESS.*input 300/);
    const good = encodeRtu(17, Buffer.from([0x04, 0x02, 0x00, 0xaf]));
    good.writeUInt8(good.readUInt8(good.length - 1) ^ 0xff, good.length - 1);
    expect(decodeAnswer(rtuPoint, req, good)).toMatchObject({ ok: false, error: { code: 'crc' } });
    const other = encodeRtu(18, Buffer.from([0x04, 0x02, 0x00, 0xaf]));
    expect(decodeAnswer(rtuPoint, req, other)).toMatchObject({
      ok: false,
      error: { code: 'malformed' },
    });
  });

  it('maps commands to controller writes and refuses what it cannot take', () => {
    for (const [payload, on] of [
      ['ON', true],
      ['off', false],
      ['1', true],
      ['{"on":true}', true],
      ['{"value":0}', false],
    ] as const)
      expect(commandValue(pumpPoint, payload)).toEqual({ ok: true, value: on });
    expect(commandValue(pumpPoint, 'sideways')).toMatchObject({ ok: false });
    const req = writeRequest(pumpPoint, true);
    expect(req.request).toEqual({ command: Command.WriteActuator, channel: 0, on: true });
    const reply = encodeResponse(7, { command: Command.WriteActuator, channel: 0, on: true });
    const frames = replyReader('controller').push(reply);
    expect(frames).toHaveLength(1);
    expect(decodeAnswer(pumpPoint, req, frames[0]!)).toEqual({ ok: true, value: true, raw: 1 });
  });

  it('renders a payload template to JSON whatever the text placeholders hold', () => {
    fc.assert(
      fc.property(fc.string(), fc.double({ noNaN: true }), fc.boolean(), (unit, value, flag) => {
        const text = renderPayload('{"v":{value},"b":{raw},"u":"{unit}"}', {
          value,
          raw: flag,
          unit,
        });
        const parsed = JSON.parse(text) as { v: number | null; b: boolean; u: string };
        expect(parsed.u).toBe(unit);
        expect(parsed.b).toBe(flag);
        // -0 prints as 0, as JSON.stringify writes it
        expect(parsed.v).toBe(Number.isFinite(value) ? value + 0 : null);
      }),
    );
  });

  it('never throws on random answer bytes: a reading, an error or nothing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const buf = Buffer.from(bytes);
        for (const point of [rtuPoint, pumpPoint]) {
          const req = pollRequest(point);
          for (const frame of replyReader(point.lineKind).push(buf)) {
            const r = decodeAnswer(point, req, frame);
            if (r && !r.ok) expect(r.error.message.length).toBeGreaterThan(0);
          }
        }
        const r = decodeRtuResponse(buf, 17, { fc: 3, address: 0, quantity: 2 });
        if (!r.ok) expect(r.error).toBeInstanceOf(LabError);
        new RtuResponseReader().push(buf);
      }),
    );
  });
});

describe('gateway config against the greenhouse', () => {
  const scenario = loadScenario('greenhouse').scenario;
  const plan = planLab(scenario, 5);
  const world = worldFromPlan(plan);

  it('resolves the greenhouse gateway: units by name, registers by quantity, scaling from the map', () => {
    const { points, problems } = resolveGateway(scenario.gateways[0]!, world);
    expect(problems).toEqual([]);
    const ec = plan.devices.find((d) => d.name === 'soil_ec')!.modbus!;
    const reg = ec.registers.find((r) => r.quantity === 'ec')!;
    expect(points[0]).toMatchObject({
      lineKind: 'modbus_rtu',
      slave: ec.unit,
      table: reg.table,
      address: reg.address,
      scale: reg.scale,
      topic: `${plan.topicPrefix}/gw/gw1/soil_ec`,
    });
    expect(points[3]).toMatchObject({ lineKind: 'controller', slave: 7, table: 'actuator' });
  });

  it('says what is wrong in words a technician can act on', () => {
    const spec = GatewaySpec.parse({
      name: 'g',
      poll: [
        { point: 'a', line: 'gnss', periodS: 1 },
        { point: 'b', line: 'rs485', periodS: 1 },
        { point: 'c', line: 'irrigation', channel: 40, periodS: 1 },
        { point: 'd', line: 'rs485', unit: 'soil_ec', quantity: 'nitrogen', periodS: 1 },
      ],
    });
    const { problems } = resolveGateway(spec, world);
    const by = Object.fromEntries(problems.map((p) => [p.path.join('.'), p]));
    expect(by['poll.0.line']?.message).toMatch(/"gnss" is a gnss; a gateway polls/);
    expect(by['poll.1.unit']?.message).toMatch(/carries 2 units .*say which with unit/);
    expect(by['poll.2.channel']).toMatchObject({ severity: 'inventory' });
    expect(by['poll.2.channel']?.message).toMatch(/no sensor channel 40/);
    expect(by['poll.3.quantity']?.message).toMatch(/its quantities: ec/);
  });

  it('refuses in a scenario a register address the seed draws, naming the path', () => {
    const input = {
      ...scenario,
      gateways: [
        {
          name: 'g',
          poll: [{ point: 'x', line: 'rs485', unit: 'soil_ec', address: 3, periodS: 1 }],
        },
      ],
    };
    expect(() => validateScenario(input, 's.yaml')).toThrow(LabError);
    try {
      validateScenario(input, 's.yaml');
    } catch (err) {
      const problems = (err as LabError).problems;
      expect(problems).toContainEqual(
        expect.objectContaining({
          path: 'gateways[0].poll[0].address',
          message: expect.stringMatching(/drawn from the seed/) as unknown,
        }),
      );
    }
  });
});

describe('gateway behaviour object', () => {
  const opts = {
    name: 'g',
    statusTopic: 'p/gw/g/status',
    payload: '{"v":{value}}',
    qos: 0 as const,
    retain: false,
    timeoutMs: 100,
  };
  const sends = (xs: GatewayIntent[]) => xs.filter((x) => 'send' in x);
  const publishes = (xs: GatewayIntent[]) => xs.flatMap((x) => ('publish' in x ? [x.publish] : []));

  it('waits for the line, polls, times out into an error status, then publishes a value', () => {
    const core = new GatewayCore(opts, [rtuPoint], 0);
    expect(sends(core.tick(0, 0))).toEqual([]); // still connecting: no error yet
    const up = core.lineState('rs485', true, undefined, 10, 10);
    expect(sends(up)).toHaveLength(1);
    const late = core.tick(110, 110);
    const status = publishes(late).find((p) => p.topic === opts.statusTopic)!;
    expect(JSON.parse(status.payload)).toMatchObject({
      points: { ec: { status: 'error', error: 'timeout' } },
    });
    expect(status.retain).toBe(true);
    const again = core.tick(1010, 1010);
    expect(sends(again)).toHaveLength(1);
    const answer = encodeRtu(17, Buffer.from([0x04, 0x02, 0x00, 0xaf]));
    const got = publishes(core.receive('rs485', answer, 1020, 1020));
    expect(got.map((p) => p.topic)).toEqual(['p/gw/g/ec', opts.statusTopic]);
    expect(got[0]!.payload).toBe('{"v":1.75}');
  });

  it('puts a command before queued polls and marks a line that goes down', () => {
    const core = new GatewayCore(opts, [pumpPoint], 0);
    core.lineState('irrigation', true, undefined, 0, 0); // poll in flight
    expect(core.command('p/gw/g/pump/set', 'ON', 1, 1)).toEqual([]); // queued behind it
    const down = core.lineState('irrigation', false, 'busy', 2, 2);
    expect(JSON.parse(publishes(down)[0]!.payload)).toMatchObject({
      lines: { irrigation: { up: false, reason: 'busy' } },
      points: { pump: { status: 'error', error: 'line-down' } },
    });
    expect(core.command('p/gw/g/pump/set', 'ON', 3, 3)).toMatchObject([{ log: { level: 'warn' } }]);
  });
});
