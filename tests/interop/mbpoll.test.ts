/**
 * Interop with mbpoll 1.4 (libmodbus) against the lab's Modbus TCP server: input registers of
 * analog (raw) and digital (int16) sensors, discrete inputs of switches, a coil write, an
 * unknown unit (silence, so a timeout) and an illegal address (exception 02).
 *
 * mbpoll's -r is a 1-based reference unless -0 is given, so the card's PDU address A is read
 * with `-r A+1`; the classic off-by-one (`-r A`) is the illegal-address case.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CardDevice } from '../../devices/field/card.js';
import type { RegisterEntry } from '../../protocols/modbus/types.js';
import type { ModbusExchange, RunningLab } from './harness/lab.js';
import { modbusExchanges, startLab } from './harness/lab.js';
import { MBPOLL_TYPE, READ_FC, engineering, parseMbpoll, registerNumber } from './harness/parse.js';
import type { ToolResult } from './harness/tools.js';
import { killTools, requireTools, runOk, runTool } from './harness/tools.js';

const SEED = 13;
let lab: RunningLab;
/** Every Modbus request a test sent with mbpoll: (unit, fc, address). */
const sent: { unit: number; fc: number; address: number }[] = [];

/** mbpoll arguments to read `count` values at `entry`, or (with `write`) to write them. */
function mbpollArgs(
  unit: number,
  entry: Pick<RegisterEntry, 'table' | 'address'>,
  opts: { count?: number; write?: string[]; timeout?: string } = {},
): string[] {
  // Writing takes neither -c (mbpoll refuses it) nor -1 (a write is done once anyway).
  const read = opts.write ? [] : ['-c', String(opts.count ?? 1), '-1'];
  return [
    ...['-m', 'tcp', '-p', lab.modbus.port, '-a', String(unit), '-t', MBPOLL_TYPE[entry.table]],
    ...['-r', String(entry.address + 1), ...read, '-o', opts.timeout ?? '1', lab.modbus.host],
    ...(opts.write ?? []),
  ];
}

/** Reads `count` values from the first register of `entry` and finds the exchange's evidence. */
async function mbpollRead(
  device: CardDevice,
  entry: RegisterEntry,
  count = 1,
): Promise<{ values: number[]; exchange: ModbusExchange; run: ToolResult }> {
  const unit = device.modbus!.unit;
  const fc = READ_FC[entry.table];
  sent.push({ unit, fc, address: entry.address });
  const run = await runOk('mbpoll', mbpollArgs(unit, entry, { count }));
  const parsed = parseMbpoll(run.stdout);
  const values = Array.from({ length: count }, (_, i) => {
    const v = parsed.get(entry.address + 1 + i);
    if (v === undefined) throw new Error(`mbpoll printed no [${entry.address + 1 + i}]`);
    return v;
  });
  const exchange = await lab.waitForEvidence(`modbus read ${unit}/${entry.address}`, (events) =>
    modbusExchanges(events, { unit, fc, address: entry.address }).find((x) => x.response),
  );
  return { values, exchange, run };
}

beforeAll(async () => {
  lab = await startLab({ seed: SEED });
});
// In beforeEach, not beforeAll: a missing tool must fail every test, not skip them.
beforeEach(() => {
  requireTools('mbpoll', 'mosquitto_sub');
});
afterEach(killTools);
afterAll(async () => {
  await lab?.stop();
});

describe('mbpoll against the lab Modbus TCP server', () => {
  it('reads analog raw and digital int16 input registers that equal truth at the time read', async () => {
    const sensors = lab.card.devices.filter(
      (d) => (d.kind === 'analog' || d.kind === 'digital') && d.modbus?.transport === 'tcp',
    );
    expect(sensors.map((d) => d.name).sort()).toEqual([
      'air_th',
      'light',
      'soil_moisture',
      'soil_temp',
    ]);
    for (const device of sensors) {
      const registers = device.modbus!.registers;
      const first = registers[0]!;
      // One mbpoll call reads all of a device's consecutive registers (air_th: two).
      const { values, exchange } = await mbpollRead(device, first, registers.length);
      expect(exchange.response!.values, 'what the server sent').toEqual(
        values.map((v) => v & 0xffff),
      );
      const t = exchange.response!.t;
      const model = lab.model(device.id);
      registers.forEach((entry, i) => {
        expect(entry).toMatchObject({ table: 'input', address: first.address + i });
        const raw = values[i]!;
        // Raw against the model's register at the lab time of the answer: the read happened
        // between request and response (microseconds), so at most one raw step apart.
        const want = registerNumber(entry, Number(model.readRegister(entry, t)));
        expect(
          Math.abs(registerNumber(entry, raw) - want),
          `${device.name} raw`,
        ).toBeLessThanOrEqual(1);
        // Engineering value (card's scale/offset) against the reported value: quantisation of
        // the register (half a raw step) plus that of the value (half a resolution), doubled
        // for the time between request and response.
        const eng = engineering(entry, raw);
        const truth = model.truth(t).values[entry.quantity] as number;
        const channel = device.channels!.find((c) => c.quantity === entry.quantity)!;
        expect(
          Math.abs(eng - truth),
          `${device.name}.${entry.quantity}: ${raw} → ${eng}`,
        ).toBeLessThanOrEqual(channel.resolution + Math.abs(entry.scale) + 1e-9);
        expect(eng).toBeGreaterThanOrEqual(channel.range[0]);
        expect(eng).toBeLessThanOrEqual(channel.range[1]);
      });
    }
  });

  it('reads switch sensors as discrete inputs (-t 1) that equal truth', async () => {
    for (const name of ['door', 'button']) {
      const device = lab.device(name);
      const entry = device.modbus!.registers[0]!;
      expect(entry.table).toBe('discrete');
      const { values, exchange } = await mbpollRead(device, entry);
      expect([0, 1]).toContain(values[0]);
      const model = lab.model(device.id);
      // A contact may flip between request and response; either instant is a correct answer.
      const possible = [exchange.request.t, exchange.response!.t].map((t) =>
        Number(model.readRegister(entry, t)),
      );
      expect(possible, `${name} at t=${exchange.response!.t}`).toContain(values[0]);
    }
  });

  it('writes a coil (-t 0 … 1) that switches an actuator, seen on Modbus, MQTT and in evidence', async () => {
    const pump = lab.device('pump');
    const coil = pump.modbus!.registers[0]!;
    expect(coil).toMatchObject({ table: 'coil', access: 'rw' });
    const before = await mbpollRead(pump, coil);
    expect(before.values).toEqual([0]);

    sent.push({ unit: pump.modbus!.unit, fc: 5, address: coil.address });
    const write = await runOk('mbpoll', mbpollArgs(pump.modbus!.unit, coil, { write: ['1'] }));
    expect(write.stdout).toMatch(/Written 1 references/);
    const change = await lab.waitForEvidence('pump device.state', (events) =>
      events.find((e) => e.kind === 'device.state' && e.device === pump.id),
    );
    expect(change).toMatchObject({ values: { on: true }, source: 'modbus' });
    const request = modbusExchanges(lab.evidence(), {
      unit: pump.modbus!.unit,
      fc: 5,
      address: coil.address,
    })[0];
    expect(request?.request.seq).toBeLessThan(change.seq); // the cause precedes its effect
    expect(request?.response).toBeDefined();

    expect((await mbpollRead(pump, coil)).values).toEqual([1]);
    // The same actuator over MQTT: its retained state follows the Modbus write.
    const state = await runOk('mosquitto_sub', [
      ...['-h', lab.mqtt.host, '-p', lab.mqtt.port, '-t', pump.mqtt!.stateTopic!, '-C', '1'],
    ]);
    expect(JSON.parse(state.stdout)).toMatchObject({ id: pump.id, on: true });
  });

  it('gets no answer from an unknown unit id, so mbpoll times out', async () => {
    const used = new Set(lab.card.devices.flatMap((d) => (d.modbus ? [d.modbus.unit] : [])));
    const unit = [...Array(247).keys()].map((i) => i + 1).find((u) => !used.has(u))!;
    const entry = { table: 'input' as const, address: 0 };
    sent.push({ unit, fc: 4, address: 0 });
    const r = await runTool('mbpoll', mbpollArgs(unit, entry, { timeout: '0.5' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Connection timed out/);
    expect(r.ms).toBeGreaterThanOrEqual(450); // it waited for its -o 0.5 timeout
    const dropped = await lab.waitForEvidence(
      `request to unit ${unit}`,
      (events) => modbusExchanges(events, { unit, fc: 4, address: 0 })[0],
    );
    expect(dropped.request).toMatchObject({ dropped: 'unknown-unit' });
    expect(dropped.response).toBeUndefined();
  });

  it('answers exception 02 to the off-by-one address, which mbpoll reports as illegal', async () => {
    const light = lab.device('light');
    const entry = light.modbus!.registers[0]!;
    // `-r A`, forgetting the +1, reads A-1 (or, were A 0, the register past the end).
    const address = entry.address > 0 ? entry.address - 1 : entry.address + entry.count;
    const wrong = { table: entry.table, address };
    sent.push({ unit: light.modbus!.unit, fc: 4, address: wrong.address });
    const r = await runTool('mbpoll', mbpollArgs(light.modbus!.unit, wrong));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Illegal data address/);
    const x = await lab.waitForEvidence('the exception response', (events) =>
      modbusExchanges(events, { unit: light.modbus!.unit, fc: 4, address: wrong.address }).find(
        (e) => e.response,
      ),
    );
    expect(x.response).toMatchObject({ exception: 2 });
    // On the wire: function code 0x84 (0x04 | 0x80), exception code 0x02.
    expect(Buffer.from(String(x.response!.raw), 'base64').subarray(7)).toEqual(
      Buffer.from([0x84, 0x02]),
    );
  });

  it('stops with an intact hash chain that holds every mbpoll request', async () => {
    const { code, events, problems } = await lab.stop();
    expect(code).toBe(0);
    expect(problems).toEqual([]);
    expect(events.at(-1)?.kind).toBe('lab.stop');
    for (const q of sent) {
      expect(
        modbusExchanges(events, q).length,
        `modbus.request ${JSON.stringify(q)}`,
      ).toBeGreaterThan(0);
    }
    // Each mbpoll run opens its own TCP connection.
    const peers = new Set(events.filter((e) => e.kind === 'modbus.request').map((e) => e.peer));
    expect(peers.size).toBe(sent.length);
  });
});
