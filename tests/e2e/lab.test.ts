import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { stableCard } from '../../simulator/card.js';
import { ManualClock } from '../../core/clock.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { readEvidence } from '../../core/evidence.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { loadScenario } from '../../simulator/scenario.js';
import type { ModbusClient } from '../support/clients.js';
import { coapRequest, modbusClient } from '../support/clients.js';
import { waitFor } from '../support/net.js';

const { scenario } = loadScenario('greenhouse');
const labs: Lab[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  for (const l of labs.splice(0)) await l.stop();
});

async function startLab(seed: number, evidencePath?: string) {
  const clock = new ManualClock();
  const lab = createLab(scenario, { seed, clock, ...(evidencePath ? { evidencePath } : {}) });
  labs.push(lab);
  const card = await lab.start();
  const events: EvidenceEvent[] = [];
  lab.recorder.subscribe((e) => events.push(e));
  return { lab, card, clock, events };
}

async function mqttClient(url: string) {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  cleanups.push(() => c.endAsync(true));
  return c;
}

async function mb(host: string, port: number): Promise<ModbusClient> {
  const c = await modbusClient(host, port);
  cleanups.push(() => new Promise<void>((r) => c.close(() => r())));
  return c;
}

describe('lab runtime over real sockets', () => {
  it('publishes telemetry that equals truth, with retained status, on real MQTT', async () => {
    const { lab, card, clock } = await startLab(3);
    const c = await mqttClient(card.mqtt.url);
    const got: { topic: string; payload: string; retain: boolean }[] = [];
    c.on('message', (topic, payload, packet) =>
      got.push({ topic, payload: payload.toString(), retain: packet.retain }),
    );
    await c.subscribeAsync(`${card.mqtt.topicPrefix}/#`);
    const mqttDevices = card.devices.filter((d) => d.mqtt);
    await waitFor(
      () => got.filter((m) => isDeviceStatus(m.topic)).length >= mqttDevices.length || undefined,
    );
    expect(
      got.filter((m) => isDeviceStatus(m.topic)).every((m) => m.payload === 'online' && m.retain),
    ).toBe(true);

    clock.advance(1000);
    const air = card.devices.find((d) => d.name === 'air_th')!;
    const msg = await waitFor(() => got.find((m) => m.topic === air.mqtt!.telemetryTopic));
    const body = JSON.parse(msg.payload) as Record<string, number | string>;
    expect(body.id).toBe(air.id);
    const t = (body.ts as number) - clock.wall() + clock.now();
    const truth = lab.truth(air.id, t).values;
    expect({ temperature: body.temperature, humidity: body.humidity }).toEqual(truth);
    expect(body.seq).toBe(0);
  });

  it('takes actuator commands over MQTT, CoAP and Modbus, and records device.state', async () => {
    const { lab, card, events } = await startLab(4);
    const fan = card.devices.find((d) => d.name === 'fan')!;
    const c = await mqttClient(card.mqtt.url);
    const states: string[] = [];
    c.on(
      'message',
      (topic, payload) => topic === fan.mqtt!.stateTopic && states.push(payload.toString()),
    );
    await c.subscribeAsync(fan.mqtt!.stateTopic!);
    await c.publishAsync(fan.mqtt!.commandTopic!, '{"on":true}');
    await waitFor(() => lab.truth('fan').values.on === true || undefined);
    await waitFor(() => states.find((s) => (JSON.parse(s) as { on: boolean }).on));

    const put = await coapRequest(`${card.coap.url}${fan.coap!.path}`, {
      method: 'PUT',
      payload: 'off',
    });
    expect(put.code).toBe('2.04');
    expect(lab.truth('fan').values.on).toBe(false);

    const pump = card.devices.find((d) => d.name === 'pump')!;
    const client = await mb(card.modbus.host, card.modbus.port);
    client.setID(pump.modbus!.unit);
    await client.writeCoil(pump.modbus!.registers[0]!.address, true);
    expect(lab.truth('pump').values.on).toBe(true);
    const coils = await client.readCoils(pump.modbus!.registers[0]!.address, 1);
    expect(coils.data[0]).toBe(true);

    const changes = events
      .filter((e) => e.kind === 'device.state' && (e.device === fan.id || e.device === pump.id))
      .map((e) => `${e.source as string}:${JSON.stringify(e.values)}`);
    expect(changes).toEqual(['mqtt:{"on":true}', 'coap:{"on":false}', 'modbus:{"on":true}']);
  });

  it('serves Modbus registers and CoAP resources consistent with truth and the card', async () => {
    const { lab, card, clock } = await startLab(5);
    clock.advance(12_345);
    const client = await mb(card.modbus.host, card.modbus.port);
    for (const name of ['air_th', 'soil_moisture', 'light']) {
      const d = card.devices.find((x) => x.name === name)!;
      client.setID(d.modbus!.unit);
      const first = d.modbus!.registers[0]!;
      const res = await client.readInputRegisters(first.address, d.modbus!.registers.length);
      const truth = lab.truth(d.id).values;
      d.modbus!.registers.forEach((r, i) => {
        let raw = res.data[i]!;
        if (r.type === 'int16' && raw > 0x7fff) raw -= 0x10000;
        const eng = raw * r.scale + r.offset;
        const resolution = d.channels!.find((ch) => ch.quantity === r.quantity)!.resolution;
        expect(Math.abs(eng - (truth[r.quantity] as number))).toBeLessThanOrEqual(
          Math.max(r.scale, resolution) + 1e-9,
        );
      });
    }
    const door = card.devices.find((d) => d.name === 'door')!;
    client.setID(door.modbus!.unit);
    const di = await client.readDiscreteInputs(door.modbus!.registers[0]!.address, 1);
    expect(di.data[0]).toBe(lab.truth('door').values.open);
    await expect(client.readInputRegisters(65000, 1)).rejects.toMatchObject({ modbusCode: 2 });

    const co2 = card.devices.find((d) => d.name === 'co2')!;
    const json = await coapRequest(`${card.coap.url}${co2.coap!.path}`);
    expect(json.code).toBe('2.05');
    expect(JSON.parse(json.payload)).toMatchObject({
      id: co2.id,
      co2: lab.truth('co2').values.co2,
    });
    const text = await coapRequest(`${card.coap.url}${co2.coap!.path}`, { accept: 'text/plain' });
    expect(text.payload).toBe(String(lab.truth('co2').values.co2));
    const wk = await coapRequest(`${card.coap.url}/.well-known/core`);
    for (const d of card.devices.filter((x) => x.coap))
      expect(wk.payload).toContain(`<${d.coap!.path}>`);
  });

  it('applies injected faults on every protocol and records them', async () => {
    const { lab, card, clock, events } = await startLab(6);
    const light = card.devices.find((d) => d.name === 'light')!;
    const c = await mqttClient(card.mqtt.url);
    const status: string[] = [];
    c.on(
      'message',
      (topic, payload) => topic === light.mqtt!.statusTopic && status.push(payload.toString()),
    );
    await c.subscribeAsync(light.mqtt!.statusTopic);
    await waitFor(() => status[0]);
    const fault = lab.injectFault({ device: 'light', type: 'offline', duration: 30 });
    await waitFor(() => status.includes('offline') || undefined);
    const client = await mb(card.modbus.host, card.modbus.port);
    client.setID(light.modbus!.unit);
    await expect(client.readInputRegisters(light.modbus!.registers[0]!.address, 1)).rejects.toThrow(
      /Timed out/i,
    );
    clock.advance(31_000);
    await waitFor(() => status.at(-1) === 'online' || undefined);
    const res = await client.readInputRegisters(light.modbus!.registers[0]!.address, 1);
    expect(res.data).toHaveLength(1);
    const faultEvents = events
      .filter((e) => e.kind === 'fault')
      .map((e) => `${e.action as string}:${(e.fault as { id: string }).id}`);
    expect(faultEvents).toEqual([`start:${fault.id}`, `end:${fault.id}`]);
    expect(() => lab.clearFault('nope')).toThrow(/no active fault/);
  });

  it('writes an evidence file whose hash chain verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-lab-'));
    const path = join(dir, 'ev.jsonl');
    const { lab, card, clock } = await startLab(7, path);
    const c = await mqttClient(card.mqtt.url);
    await c.subscribeAsync(`${card.mqtt.topicPrefix}/#`);
    clock.advance(3000);
    await coapRequest(`${card.coap.url}/.well-known/core`);
    await lab.stop();
    const { events, problems } = readEvidence(path);
    expect(problems).toEqual([]);
    const kinds = new Set(events.map((e) => e.kind));
    for (const k of [
      'lab.start',
      'mqtt.connect',
      'mqtt.subscribe',
      'mqtt.publish',
      'coap.request',
      'coap.response',
      'lab.stop',
    ])
      expect(kinds).toContain(k);
    expect(events[0]?.kind).toBe('lab.start');
    expect(events.at(-1)?.kind).toBe('lab.stop');
  });
});

describe('determinism', () => {
  it('same seed ⇒ same card (ports aside) and same truth; another seed ⇒ another lab', async () => {
    const a = await startLab(42);
    const b = await startLab(42);
    const c = await startLab(43);
    expect(JSON.stringify(stableCard(a.card))).toBe(JSON.stringify(stableCard(b.card)));
    expect(a.card.mqtt.url).not.toBe(b.card.mqtt.url);
    for (const t of [0, 1000, 90_000])
      for (const d of a.card.devices)
        expect(a.lab.truth(d.name, t)).toEqual(b.lab.truth(d.name, t));
    expect(c.card.devices.map((d) => d.id)).not.toEqual(a.card.devices.map((d) => d.id));
    expect(c.lab.truth('air_th', 1000).values).not.toEqual(a.lab.truth('air_th', 1000).values);
    // Serial devices too: card UIDs, barcodes, GNSS route, cells and beacons follow the seed.
    const info = (x: typeof a, name: string) => x.card.serial!.find((s) => s.name === name)!.info;
    for (const name of ['rfid', 'modem', 'beacons']) {
      expect(info(b, name)).toEqual(info(a, name));
      expect(info(c, name)).not.toEqual(info(a, name));
    }
    for (const name of ['gnss', 'scanner']) {
      const truthAt = (x: typeof a) => JSON.stringify(x.lab.byteDevice(name).truth(600_000));
      expect(truthAt(b)).toBe(truthAt(a));
      expect(truthAt(c)).not.toBe(truthAt(a));
    }
  });
});

/** A device's `<prefix>/<id>/status` (the gateway's `<prefix>/gw/<name>/status` is JSON). */
function isDeviceStatus(topic: string): boolean {
  return topic.endsWith('/status') && !topic.includes('/gw/');
}
