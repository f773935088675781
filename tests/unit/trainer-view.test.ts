/**
 * The trainer page's view of a lab, on the greenhouse scenario with a manual clock and no sockets:
 * live values are the devices' truth (faults included), injected faults get defaults sized to the
 * device and are refused where the device cannot take them, and reset ends the active faults and
 * puts actuators back, all recorded as evidence.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { createLab } from '../../simulator/lab.js';
import { loadScenario } from '../../simulator/scenario.js';
import { describeDevices, faultRequest, liveState, resetLab } from '../../server/trainer-view.js';

const { scenario } = loadScenario('greenhouse');

function lab() {
  const clock = new ManualClock();
  const l = createLab(scenario, { seed: 5, clock });
  const events: EvidenceEvent[] = [];
  l.recorder.subscribe((e) => events.push(e));
  clock.advance(10_000);
  return { lab: l, clock, events };
}

describe('trainer view', () => {
  it('lists socket and serial devices with channels and the faults each takes', () => {
    const { lab: l } = lab();
    const devices = describeDevices(l);
    const soil = devices.find((d) => d.name === 'soil_moisture')!;
    expect(soil.kind).toBe('analog');
    expect(soil.channels).toHaveLength(1);
    expect(soil.faultTypes).toEqual(
      expect.arrayContaining(['offline', 'stuck', 'drift', 'noise', 'spike', 'no-response']),
    );
    const fan = devices.find((d) => d.name === 'fan')!;
    expect(fan.actuator).toBe(true);
    expect(fan.faultTypes).not.toContain('stuck');
    const rs485 = devices.find((d) => d.name === 'rs485')!;
    expect(rs485.bindings).toEqual(['serial']);
    expect(rs485.faultTypes).toEqual(['offline', 'slow', 'no-response', 'crc-error']);
    expect(devices.find((d) => d.name === 'gnss')!.faultTypes).not.toContain('crc-error');
    expect(devices).toHaveLength(l.plan.devices.length + l.plan.serial.length);
  });

  it('live values are what the devices report, faults included', () => {
    const { lab: l } = lab();
    const id = l.device('soil_moisture').plan.id;
    const q = l.device('soil_moisture').plan.channels[0]!.channel.quantity;
    const before = liveState(l).devices.find((d) => d.id === id)!;
    expect(before).toEqual({
      id,
      online: true,
      faults: [],
      values: l.truth(id).values,
    });
    l.injectFault(faultRequest(l, { device: 'soil_moisture', type: 'spike', value: 777 }));
    l.injectFault(faultRequest(l, { device: 'soil_moisture', type: 'offline' }));
    const after = liveState(l);
    const d = after.devices.find((x) => x.id === id)!;
    expect(d.values?.[q]).toBe(777);
    expect(d.online).toBe(false);
    expect(d.faults).toEqual(['spike', 'offline']);
    expect(after.faults.map((f) => [f.device, f.type])).toEqual([
      ['soil_moisture', 'spike'],
      ['soil_moisture', 'offline'],
    ]);
    const gnss = after.devices.find((x) => x.id === l.plan.serial[1]!.id)!;
    expect(gnss.state).toEqual(l.byteDevice('gnss').truth(l.clock.now()));
  });

  it('fills parameters from the device range and refuses faults a device cannot take', () => {
    const { lab: l } = lab();
    const range = l.device('soil_moisture').plan.channels[0]!.channel.range;
    const span = range[1] - range[0];
    const drift = faultRequest(l, { device: 'soil_moisture', type: 'drift' });
    expect(drift.rate).toBeCloseTo(span * 0.1, 6);
    expect(drift.device).toBe(l.device('soil_moisture').plan.id);
    expect(faultRequest(l, { device: 'soil_moisture', type: 'noise' }).amplitude).toBeCloseTo(
      span * 0.05,
      6,
    );
    expect(faultRequest(l, { device: 'rs485', type: 'slow' }).delayMs).toBe(2000);
    expect(faultRequest(l, { device: 'soil_moisture', type: 'drift', rate: -3 }).rate).toBe(-3);
    expect(() => faultRequest(l, { device: 'fan', type: 'stuck' })).toThrow(
      /fan \(actuator\) does not take "stuck"/,
    );
    expect(() => faultRequest(l, { device: 'rs485', type: 'spike' })).toThrow(/does not take/);
    expect(() => faultRequest(l, { device: 'nope', type: 'offline' })).toThrow(/no device "nope"/);
    // The broker's TLS faults target the broker; a lab without its own TLS listener (no TLS)
    // refuses them with E5130, so the route answers 409.
    const tls = faultRequest(l, { device: 'soil_moisture', type: 'tls-expired' });
    expect(tls.device).toBe('broker');
    expect(() => l.injectFault(tls)).toThrow(/own MQTT TLS listener/);
  });

  it('reset ends every active fault and returns actuators to their initial state, as evidence', () => {
    const { lab: l, clock, events } = lab();
    const fan = l.device('fan').plan;
    const initial = fan.spec.kind === 'actuator' && fan.spec.initial;
    l.command('fan', { on: !initial }, 'test');
    const a = l.injectFault(faultRequest(l, { device: 'soil_moisture', type: 'stuck' }));
    const b = l.injectFault(
      faultRequest(l, { device: 'modem', type: 'no-response', duration: 60 }),
    );
    clock.advance(1000);
    events.length = 0;
    const out = resetLab(l);
    expect(out.cleared).toEqual([a.id, b.id]);
    expect(out.actuators).toEqual([{ id: fan.id, on: initial }]);
    expect(liveState(l).faults).toEqual([]);
    expect(l.truth('fan').values.on).toBe(initial);
    expect(events.map((e) => e.kind)).toEqual(['fault', 'fault', 'device.state']);
    expect(events[2]).toMatchObject({ device: fan.id, source: 'trainer' });
    // The planned end of the cleared 60 s fault is not logged a second time.
    clock.advance(120_000);
    expect(events.filter((e) => e.kind === 'fault')).toHaveLength(2);
    // Nothing left to reset.
    expect(resetLab(l)).toEqual({ cleared: [], actuators: [] });
  });
});
