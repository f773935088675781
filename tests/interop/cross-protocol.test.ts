/**
 * One device, several protocols, independent tools: the values must agree once the card's
 * scaling is applied. The lab runs in real time (--speed 1) and each reading is pinned to the
 * lab time at which the lab produced it (from the evidence), so the comparison needs no
 * hand-picked tolerance:
 *   - each reading vs truth at its own time: within its quantisation — one resolution step for
 *     MQTT/CoAP values, resolution + one raw step (|scale|) for a Modbus register converted with
 *     raw × scale + offset;
 *   - each pair of readings: within the sum of their quantisations plus how far truth itself
 *     moved between the two instants (noise is redrawn every lab second).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CardDevice } from '../../devices/field/card.js';
import type { RunningLab } from './harness/lab.js';
import {
  coapByTag,
  coapToken,
  modbusExchanges,
  payloadJson,
  startLab,
  telemetryPublish,
} from './harness/lab.js';
import {
  MBPOLL_TYPE,
  READ_FC,
  engineering,
  parseMbpoll,
  splitJsonStream,
} from './harness/parse.js';
import { killTools, requireTools, runOk } from './harness/tools.js';

const SEED = 14;
let lab: RunningLab;

interface Reading {
  protocol: 'mqtt' | 'coap' | 'modbus';
  /** Lab time at which the lab produced the value (ms). */
  t: number;
  values: Record<string, number>;
  /** Quantisation bound of this reading, per quantity. */
  slack: Record<string, number>;
}

const channelsOf = (d: CardDevice) => d.channels ?? [];

async function viaMqtt(device: CardDevice): Promise<Reading> {
  const topic = device.mqtt!.telemetryTopic;
  const r = await runOk('mosquitto_sub', [
    ...['-h', lab.mqtt.host, '-p', lab.mqtt.port, '-t', topic, '-C', '1'],
  ]);
  const body = JSON.parse(r.stdout) as Record<string, number>;
  const seq = body.seq!;
  const e = await lab.waitForEvidence(`${topic} seq ${seq}`, (events) =>
    telemetryPublish(events, topic, seq),
  );
  return {
    protocol: 'mqtt',
    t: e.t,
    values: Object.fromEntries(channelsOf(device).map((c) => [c.quantity, body[c.quantity]!])),
    slack: Object.fromEntries(channelsOf(device).map((c) => [c.quantity, c.resolution])),
  };
}

let coapRuns = 0;
async function viaCoap(device: CardDevice): Promise<Reading> {
  const tag = `x${coapRuns++}`;
  const r = await runOk('coap-client-notls', [
    ...['-m', 'get', '-T', coapToken(tag), `${lab.coapBase}${device.coap!.path}`],
  ]);
  const [body] = splitJsonStream(r.stdout) as Record<string, number>[];
  const reply = await lab.waitForEvidence(`coap reply ${tag}`, (events) =>
    coapByTag(events, tag).find((e) => e.kind === 'coap.response'),
  );
  expect(payloadJson(reply)).toEqual(body);
  return {
    protocol: 'coap',
    t: reply.t,
    values: Object.fromEntries(channelsOf(device).map((c) => [c.quantity, body![c.quantity]!])),
    slack: Object.fromEntries(channelsOf(device).map((c) => [c.quantity, c.resolution])),
  };
}

async function viaModbus(device: CardDevice): Promise<Reading> {
  const { unit, registers } = device.modbus!;
  const first = registers[0]!;
  const r = await runOk('mbpoll', [
    ...['-m', 'tcp', '-p', lab.modbus.port, '-a', String(unit), '-t', MBPOLL_TYPE[first.table]],
    ...['-r', String(first.address + 1), '-c', String(registers.length), '-1', lab.modbus.host],
  ]);
  const raw = parseMbpoll(r.stdout);
  const x = await lab.waitForEvidence(`modbus read of ${device.id}`, (events) =>
    modbusExchanges(events, { unit, fc: READ_FC[first.table], address: first.address }).find(
      (e) => e.response,
    ),
  );
  const values: Record<string, number> = {};
  const slack: Record<string, number> = {};
  for (const entry of registers) {
    const value = raw.get(entry.address + 1);
    if (value === undefined) throw new Error(`mbpoll printed no [${entry.address + 1}]`);
    values[entry.quantity] = engineering(entry, value);
    const resolution = channelsOf(device).find((c) => c.quantity === entry.quantity)!.resolution;
    slack[entry.quantity] = resolution + Math.abs(entry.scale);
  }
  return { protocol: 'modbus', t: x.response!.t, values, slack };
}

function expectAgreement(device: CardDevice, readings: Reading[]): void {
  const model = lab.model(device.id);
  const truthAt = (r: Reading, q: string) => model.truth(r.t).values[q] as number;
  for (const { quantity } of channelsOf(device)) {
    for (const r of readings) {
      const off = Math.abs(r.values[quantity]! - truthAt(r, quantity));
      expect(
        off,
        `${device.name}.${quantity} over ${r.protocol} vs truth at t=${r.t}`,
      ).toBeLessThanOrEqual(r.slack[quantity]! + 1e-9);
    }
    for (const [i, a] of readings.entries()) {
      for (const b of readings.slice(i + 1)) {
        const moved = Math.abs(truthAt(a, quantity) - truthAt(b, quantity));
        const bound = a.slack[quantity]! + b.slack[quantity]! + moved + 1e-9;
        const what =
          `${device.name}.${quantity}: ${a.protocol} ${a.values[quantity]} (t=${a.t}) vs ` +
          `${b.protocol} ${b.values[quantity]} (t=${b.t}); truth moved ${moved}`;
        expect(Math.abs(a.values[quantity]! - b.values[quantity]!), what).toBeLessThanOrEqual(
          bound,
        );
      }
    }
  }
}

beforeAll(async () => {
  lab = await startLab({ seed: SEED, speed: 1 });
});
// In beforeEach, not beforeAll: a missing tool must fail every test, not skip them.
beforeEach(() => {
  requireTools('mosquitto_sub', 'coap-client-notls', 'mbpoll');
});
afterEach(killTools);
afterAll(async () => {
  await lab?.stop();
});

describe('the same device read over several protocols agrees, given the card', () => {
  it('air_th: MQTT telemetry, CoAP GET and two int16 input registers (× 0.1)', async () => {
    const air = lab.device('air_th');
    expect(air.modbus!.registers.map((r) => r.type)).toEqual(['int16', 'int16']);
    // Started together, so the three readings fall within about one telemetry period.
    const readings = await Promise.all([viaMqtt(air), viaCoap(air), viaModbus(air)]);
    expectAgreement(air, readings);
  });

  it('light: MQTT telemetry and a 12-bit ADC input register (raw × 20000/4095)', async () => {
    const light = lab.device('light');
    expect(light.modbus!.registers[0]).toMatchObject({ type: 'uint16', signal: 'adc12' });
    const readings = await Promise.all([viaMqtt(light), viaModbus(light)]);
    expectAgreement(light, readings);
  });

  it('soil_moisture: CoAP GET and a 4–20 mA input register in µA (offset −25 %)', async () => {
    const soil = lab.device('soil_moisture');
    expect(soil.mqtt).toBeUndefined();
    expect(soil.modbus!.registers[0]).toMatchObject({ signal: '4-20mA', rawUnit: 'µA' });
    const readings = await Promise.all([viaCoap(soil), viaModbus(soil)]);
    expectAgreement(soil, readings);
  });

  it('stops with an intact hash chain', async () => {
    const { code, events, problems } = await lab.stop();
    expect(code).toBe(0);
    expect(problems).toEqual([]);
    expect(events.filter((e) => e.kind === 'modbus.request')).toHaveLength(3);
    expect(events.filter((e) => e.kind === 'coap.request' && e.method === 'GET')).toHaveLength(2);
  });
});
