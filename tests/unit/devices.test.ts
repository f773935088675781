import { describe, expect, it } from 'vitest';
import { createModel } from '../../devices/field/index.js';
import { parseCommand } from '../../devices/field/model.js';
import { quantize, toRaw } from '../../devices/field/signal.js';
import type { SwitchModel } from '../../devices/field/switch.js';
import { MIN_REST_MS } from '../../devices/field/switch.js';
import { FaultBook } from '../../core/faults.js';
import { planLab } from '../../simulator/plan.js';
import { loadScenario } from '../../simulator/scenario.js';

const { scenario } = loadScenario('greenhouse');

function modelsFor(seed: number, faults = new FaultBook()) {
  const plan = planLab(scenario, seed);
  return {
    plan,
    faults,
    models: new Map(plan.devices.map((p) => [p.name, createModel(p, { seed, faults })])),
  };
}

describe('lab plan', () => {
  it('is the same for the same seed and differs across seeds', () => {
    const a = planLab(scenario, 7);
    const b = planLab(scenario, 7);
    const c = planLab(scenario, 8);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(c.labId).not.toBe(a.labId);
    expect(c.devices.map((d) => d.id)).not.toEqual(a.devices.map((d) => d.id));
    const units = (p: typeof a) =>
      p.devices.flatMap((d) => (d.modbus ? [d.modbus.unit, d.modbus.registers[0]?.address] : []));
    expect(units(c)).not.toEqual(units(a));
  });

  it('gives distinct Modbus unit ids and topics under the prefix', () => {
    const plan = planLab(scenario, 3);
    const units = plan.devices.flatMap((d) => (d.modbus ? [d.modbus.unit] : []));
    expect(new Set(units).size).toBe(units.length);
    for (const d of plan.devices)
      if (d.mqtt)
        expect(d.mqtt.telemetryTopic.startsWith(`${plan.topicPrefix}/${d.id}/`)).toBe(true);
  });

  it('documents analog scaling that inverts the raw representation', () => {
    const plan = planLab(scenario, 5);
    for (const name of ['soil_moisture', 'soil_temp', 'light']) {
      const d = plan.devices.find((x) => x.name === name)!;
      const reg = d.modbus!.registers[0]!;
      const range = d.channels[0]!.channel.range;
      const mid = (range[0] + range[1]) / 2;
      const raw = toRaw(reg.signal!, mid, range);
      // within half a raw step (a 12-bit ADC over 0…20000 lx resolves ~4.9 lx)
      expect(Math.abs(raw * reg.scale + reg.offset - mid)).toBeLessThanOrEqual(
        reg.scale / 2 + 1e-9,
      );
    }
  });
});

describe('sensor truth', () => {
  it('is a pure function of (scenario, seed, t), in any order of evaluation', () => {
    const a = modelsFor(11).models.get('air_th')!;
    const b = modelsFor(11).models.get('air_th')!;
    const ts = [0, 999, 1000, 60_000, 3_600_000, 5];
    const forward = ts.map((t) => a.truth(t).values);
    const backward = [...ts]
      .reverse()
      .map((t) => b.truth(t).values)
      .reverse();
    expect(forward).toEqual(backward);
    expect(modelsFor(12).models.get('air_th')!.truth(1000).values).not.toEqual(forward[2]);
  });

  it('quantises to the resolution and keeps values in a plausible band', () => {
    const m = modelsFor(1).models.get('air_th')!;
    for (let t = 0; t < 600_000; t += 7_000) {
      const v = m.truth(t).values;
      expect(Number.isInteger(Math.round((v.temperature as number) * 10))).toBe(true);
      expect(v.temperature).toBeGreaterThan(10);
      expect(v.temperature).toBeLessThan(40);
      expect(v.humidity).toBeGreaterThan(30);
    }
    expect(quantize(23.456, 0.1)).toBe(23.5);
    expect(quantize(1234.6, 1)).toBe(1235);
  });

  it('serves registers consistent with truth through the documented scaling', () => {
    const { plan, models } = modelsFor(9);
    for (const name of ['soil_moisture', 'light', 'air_th']) {
      const m = models.get(name)!;
      const d = plan.devices.find((x) => x.name === name)!;
      for (const reg of d.modbus!.registers) {
        const t = 42_000;
        let raw = m.readRegister(reg, t) as number;
        if (reg.type === 'int16' && raw > 0x7fff) raw -= 0x10000;
        const eng = raw * reg.scale + reg.offset;
        const truth = m.truth(t).values[reg.quantity] as number;
        const step = Math.max(
          reg.scale,
          d.channels.find((c) => c.channel.quantity === reg.quantity)!.channel.resolution,
        );
        expect(Math.abs(eng - truth)).toBeLessThanOrEqual(step);
      }
    }
  });
});

describe('faults in truth', () => {
  it('stuck freezes the value, drift adds rate × time, spike goes out of range, offline goes offline', () => {
    const faults = new FaultBook();
    const { models, plan } = modelsFor(4, faults);
    const th = models.get('air_th')!;
    const id = plan.devices.find((d) => d.name === 'air_th')!.id;
    const before = th.truth(10_000).values.temperature;
    faults.add({ id: 'f1', deviceId: id, type: 'stuck', start: 10_000, end: 70_000 });
    expect(th.truth(50_000).values.temperature).toBe(before);
    expect(th.truth(50_000).faults).toEqual(['stuck']);
    const light = models.get('light')!;
    const lid = plan.devices.find((d) => d.name === 'light')!.id;
    const clean = light.truth(130_000).values.illuminance as number;
    faults.add({ id: 'f2', deviceId: lid, type: 'drift', start: 100_000, rate: 60 });
    // 30 s at 60 lx/min = +30 lx (noise draws are identical: same second, same stream)
    expect(light.truth(130_000).values.illuminance).toBeCloseTo(clean + 30, 0);
    faults.add({ id: 'f3', deviceId: lid, type: 'spike', start: 200_000, end: 202_000 });
    expect(light.truth(201_000).values.illuminance).toBe(22000);
    expect(light.truth(201_000).physical.illuminance).toBeLessThan(20000);
    faults.add({ id: 'f4', deviceId: lid, type: 'offline', start: 300_000 });
    expect(light.truth(300_001).online).toBe(false);
    const reg = plan.devices.find((d) => d.name === 'light')!.modbus!.registers[0]!;
    expect(light.readRegister(reg, 201_000)).toBe(4095); // a saturated 12-bit ADC
  });
});

describe('switch sensors', () => {
  it('follow a seeded schedule whose transitions nextChange finds', () => {
    const { models } = modelsFor(2);
    const pir = models.get('pir') as SwitchModel;
    let t = 0;
    let transitions = 0;
    let state = pir.isActive(0);
    while (t < 3_600_000) {
      const next = pir.nextChange(t);
      expect(next).toBeDefined();
      expect(pir.isActive(next! - 1)).toBe(state);
      state = pir.isActive(next!);
      t = next!;
      transitions += 1;
    }
    // mean interval 45 s over an hour: about 80 events, 160 edges
    expect(transitions).toBeGreaterThan(80);
    expect(transitions).toBeLessThan(260);
    const again = modelsFor(2).models.get('pir') as SwitchModel;
    expect(again.eventsInWindow(3)).toEqual(pir.eventsInWindow(3));
  });

  it('rest at least MIN_REST_MS between two events, across windows too', () => {
    // An exponential gap alone is a few milliseconds now and then: a change no program polling
    // every 100–200 ms can see. 40 seeds × 3 sensors × 2 hours of transitions.
    let rests = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const { models } = modelsFor(seed);
      for (const name of ['door', 'pir', 'button']) {
        const m = models.get(name) as SwitchModel;
        let t = 0;
        let restFrom: number | undefined;
        for (;;) {
          const next = m.nextChange(t);
          if (next === undefined || next > 7_200_000) break;
          if (m.isActive(next) && restFrom !== undefined) {
            expect(next - restFrom, `${name} seed ${seed} at ${next}`).toBeGreaterThanOrEqual(
              MIN_REST_MS,
            );
            rests++;
          }
          if (!m.isActive(next)) restFrom = next;
          t = next;
        }
      }
    }
    expect(rests).toBeGreaterThan(1000);
  });
});

describe('actuators', () => {
  it('change only by command and remember their history', () => {
    const { models } = modelsFor(1);
    const fan = models.get('fan')!;
    expect(fan.truth(0).values.on).toBe(false);
    expect(fan.command({ on: true }, 5000)).toEqual({
      ok: true,
      changed: true,
      state: { on: true },
    });
    expect(fan.command({ on: true }, 6000)).toEqual({
      ok: true,
      changed: false,
      state: { on: true },
    });
    fan.command({ on: false }, 9000);
    expect([
      fan.truth(4999).values.on,
      fan.truth(5000).values.on,
      fan.truth(9000).values.on,
    ]).toEqual([false, true, false]);
    expect(models.get('air_th')!.command({ on: true }, 0).ok).toBe(false);
  });

  it('parse commands in the documented forms', () => {
    for (const on of ['ON', 'on', '1', 'true', '{"on":true}', '{"state":"ON"}', true, 1, { on: 1 }])
      expect(parseCommand(on)).toEqual({ on: true });
    for (const off of ['OFF', '0', 'false', '{"on":false}', false, 0])
      expect(parseCommand(off)).toEqual({ on: false });
    for (const bad of ['maybe', '{', 2, null, {}, []]) expect(parseCommand(bad)).toBeUndefined();
  });
});
