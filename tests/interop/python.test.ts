/**
 * Interop with Python: lab_client.py, run by Debian's /usr/bin/python3 with paho-mqtt 1.6 and
 * pymodbus 3.0, reads the lab card like a candidate's program would, subscribes to the whole
 * topic prefix and reads every register of the card. The test checks what it printed against
 * truth recomputed from the seed and against the evidence.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningLab } from './harness/lab.js';
import { modbusExchanges, startLab, telemetryPublish } from './harness/lab.js';
import { READ_FC, registerNumber } from './harness/parse.js';
import { PYTHON, killTools, requirePython, runOk } from './harness/tools.js';

const SEED = 15;
const SCRIPT = fileURLToPath(new URL('./lab_client.py', import.meta.url));
let lab: RunningLab;

interface ModbusRead {
  device: string;
  unit: number;
  table: 'coil' | 'discrete' | 'input' | 'holding';
  address: number;
  count: number;
  values?: (number | boolean)[];
  exception?: number;
}

interface PythonReport {
  versions: { python: string; paho: string; pymodbus: string };
  mqtt: {
    connack: number;
    subscribed: number[];
    complete: boolean;
    status: Record<string, { payload: string; retain: boolean }>;
    telemetry: Record<string, Record<string, unknown>>;
  };
  modbus: { reads: ModbusRead[]; illegal: ModbusRead | null };
}

beforeAll(async () => {
  lab = await startLab({ seed: SEED });
});
// In beforeEach, not beforeAll: a missing tool must fail every test, not skip them.
beforeEach(async () => {
  await requirePython('paho.mqtt.client', 'pymodbus.client');
});
afterEach(killTools);
afterAll(async () => {
  await lab?.stop();
});

describe('Python paho-mqtt and pymodbus against the lab', () => {
  const clientId = `interop-python-${process.pid}`;
  let report: PythonReport;

  it('collects status and telemetry of every MQTT device and reads every register', async () => {
    const r = await runOk(PYTHON, [SCRIPT, lab.cardPath, clientId], { timeoutMs: 15_000 });
    report = JSON.parse(r.stdout) as PythonReport;
    expect(report.versions.paho).toMatch(/^1\.6/);
    expect(report.versions.pymodbus).toMatch(/^3\.0/);
    expect(report.mqtt).toMatchObject({ connack: 0, subscribed: [1], complete: true });

    const mqttDevices = lab.card.devices.filter((d) => d.mqtt);
    for (const d of mqttDevices) {
      expect(report.mqtt.status[d.mqtt!.statusTopic], d.id).toEqual({
        payload: 'online',
        retain: true,
      });
      const body = report.mqtt.telemetry[d.mqtt!.telemetryTopic];
      expect(body, d.id).toMatchObject({ id: d.id });
      // Telemetry carries the device's truth at the lab time it was published (one resolution
      // step of slack: the value is computed microseconds before the evidence stamps it).
      const published = await lab.waitForEvidence(`${d.id} telemetry`, (events) =>
        telemetryPublish(events, d.mqtt!.telemetryTopic, Number(body!.seq)),
      );
      const truth = lab.model(d.id).truth(published.t).values;
      for (const [quantity, want] of Object.entries(truth)) {
        const got = body![quantity];
        const step = d.channels?.find((c) => c.quantity === quantity)?.resolution;
        if (step === undefined) expect(got, `${d.id}.${quantity}`).toBe(want);
        else expect(Math.abs(Number(got) - Number(want))).toBeLessThanOrEqual(step + 1e-9);
      }
    }

    const registers = lab.card.devices.flatMap((d) =>
      (d.modbus?.transport === 'tcp' ? d.modbus.registers : []).map((entry) => ({ d, entry })),
    );
    expect(report.modbus.reads).toHaveLength(registers.length);
    // A response is recorded as it goes out: the client may have it (and exit) a moment before
    // the lab's record of it is written, on a loaded machine.
    const answered = () =>
      registers.every(
        ({ d, entry }) =>
          modbusExchanges(lab.evidence(), {
            unit: d.modbus!.unit,
            fc: READ_FC[entry.table],
            address: entry.address,
          })[0]?.response !== undefined,
      );
    for (let i = 0; i < 40 && !answered(); i++) await new Promise((r) => setTimeout(r, 50));
    const events = lab.evidence();
    for (const { d, entry } of registers) {
      const read = report.modbus.reads.find(
        (x) => x.device === d.id && x.table === entry.table && x.address === entry.address,
      );
      expect(read?.values, `${d.id} ${entry.table} ${entry.address}`).toHaveLength(entry.count);
      const [x] = modbusExchanges(events, {
        unit: d.modbus!.unit,
        fc: READ_FC[entry.table],
        address: entry.address,
      });
      expect(x?.response, `evidence of ${d.id} ${entry.table} ${entry.address}`).toBeDefined();
      const model = lab.model(d.id);
      const got = read!.values![0]!;
      if (typeof got === 'boolean') {
        // A contact may flip between request and response; either instant is correct.
        const possible = [x!.request.t, x!.response!.t].map((t) =>
          Boolean(model.readRegister(entry, t)),
        );
        expect(possible, `${d.id} at t=${x!.response!.t}`).toContain(got);
      } else {
        const want = registerNumber(entry, Number(model.readRegister(entry, x!.response!.t)));
        expect(Math.abs(registerNumber(entry, got) - want), `${d.id} raw`).toBeLessThanOrEqual(1);
      }
    }

    expect(report.modbus.illegal).toMatchObject({ exception: 2 });
  });

  it('stops with an intact hash chain that holds the Python client', async () => {
    expect(report, 'the Python run above produced a report').toBeDefined();
    const { code, events, problems } = await lab.stop();
    expect(code).toBe(0);
    expect(problems).toEqual([]);
    expect(events.find((e) => e.kind === 'mqtt.connect' && e.clientId === clientId)).toMatchObject({
      accepted: true,
      protocolVersion: 4,
    });
    expect(
      events.find((e) => e.kind === 'mqtt.subscribe' && e.clientId === clientId),
    ).toMatchObject({ subscriptions: [{ topic: `${lab.card.mqtt.topicPrefix}/#`, qos: 1 }] });
    expect(events.some((e) => e.kind === 'mqtt.disconnect' && e.clientId === clientId)).toBe(true);
    // pymodbus used one TCP connection for every read, the probe included.
    const requests = events.filter((e) => e.kind === 'modbus.request');
    expect(requests).toHaveLength(report.modbus.reads.length + 1);
    expect(new Set(requests.map((e) => e.peer)).size).toBe(1);
    const probe = report.modbus.illegal!;
    const [x] = modbusExchanges(events, { unit: probe.unit, fc: 4, address: probe.address });
    expect(x?.response).toMatchObject({ exception: 2 });
  });
});
