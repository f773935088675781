/**
 * Instantiation of the field devices: their seeded ids, topics, CoAP paths, Modbus units and
 * register addresses, and each channel's seeded base and phase. Pure and deterministic; the lab's
 * plan (simulator/plan.ts) calls it first, so these devices draw their ids before any other family.
 */
import { Rng } from '../../core/rng.js';
import type { RegisterEntry } from '../../protocols/modbus/types.js';
import type { CipherAlg } from '../../protocols/codecs/cipher.js';
import { KEY_BYTES } from '../../protocols/codecs/cipher.js';
import type { Channel, DeviceSpec } from './scenario.js';
import type { FirmwarePlan } from './firmware-plan.js';
import { planFirmware } from './firmware-plan.js';

export interface ChannelPlan {
  channel: Channel;
  /** The seeded base value (profile.base ± vary). */
  base: number;
  /** The seeded phase of the cycle, radians. */
  phase: number;
}

export interface DevicePlan {
  name: string;
  id: string;
  spec: DeviceSpec;
  channels: ChannelPlan[];
  mqtt?: {
    telemetryTopic: string;
    statusTopic: string;
    commandTopic?: string;
    stateTopic?: string;
    period: number;
    qos: 0 | 1 | 2;
    retain: boolean;
    /** Encrypted payloads: the algorithm and the key (hex), on the card (docs/protocols/cipher.md). */
    cipher?: { alg: CipherAlg; key: string };
  };
  coap?: { path: string; observePeriod: number };
  modbus?: { unit: number; transport: 'tcp' | 'rtu'; registers: RegisterEntry[] };
  /** Its firmware service (devices with a `firmware` section and an MQTT binding). */
  firmware?: FirmwarePlan;
}

/** Plans `scenario.devices`; ids taken here are added to `usedIds` (one namespace per lab). */
export function planDevices(
  scenario: { name: string; devices: readonly DeviceSpec[] },
  seed: number,
  topicPrefix: string,
  usedIds: Set<string>,
): DevicePlan[] {
  const unitRng = new Rng(seed, scenario.name, 'modbus-units');
  const usedUnits = new Set(
    scenario.devices.flatMap((d) => (d.modbus?.unit !== undefined ? [d.modbus.unit] : [])),
  );

  return scenario.devices.map((spec): DevicePlan => {
    const drng = new Rng(seed, scenario.name, 'device', spec.name);
    let id = `${spec.name.replaceAll('_', '-')}-${drng.hex(4)}`;
    while (usedIds.has(id)) id = `${spec.name.replaceAll('_', '-')}-${drng.hex(4)}`;
    usedIds.add(id);
    const channels = channelsOf(spec).map((channel) => ({
      channel,
      base: channel.profile.base + drng.range(-channel.profile.vary, channel.profile.vary),
      phase: drng.range(0, 2 * Math.PI),
    }));
    const plan: DevicePlan = { name: spec.name, id, spec, channels };
    if (spec.mqtt) {
      const base = `${topicPrefix}/${id}`;
      plan.mqtt = {
        telemetryTopic: `${base}/telemetry`,
        statusTopic: `${base}/status`,
        ...(spec.kind === 'actuator'
          ? { commandTopic: `${base}/set`, stateTopic: `${base}/state` }
          : {}),
        period: spec.mqtt.period,
        qos: spec.mqtt.qos,
        retain: spec.mqtt.retain,
        // Drawn from its own stream, so adding a cipher changes no other seeded value.
        ...(spec.mqtt.cipher
          ? {
              cipher: {
                alg: spec.mqtt.cipher,
                key: new Rng(seed, scenario.name, 'cipher-key', spec.name).hex(
                  KEY_BYTES[spec.mqtt.cipher] * 2,
                ),
              },
            }
          : {}),
      };
      if (spec.firmware)
        plan.firmware = planFirmware(spec.firmware, {
          seed,
          scenario: scenario.name,
          baseTopic: base,
        });
    }
    if (spec.coap) {
      plan.coap = {
        path: `/${spec.kind === 'actuator' ? 'actuators' : 'sensors'}/${id}`,
        observePeriod: spec.coap.observePeriod,
      };
    }
    if (spec.modbus) {
      let unit = spec.modbus.unit;
      while (unit === undefined || (spec.modbus.unit === undefined && usedUnits.has(unit)))
        unit = unitRng.int(1, 247);
      usedUnits.add(unit);
      const address = spec.modbus.address ?? 10 * drng.int(0, 99);
      plan.modbus = {
        unit,
        transport: spec.modbus.transport,
        registers: registerMap(spec, channels, address),
      };
    }
    return plan;
  });
}

export function channelsOf(spec: DeviceSpec): Channel[] {
  if (spec.kind === 'analog') return [spec.channel];
  if (spec.kind === 'digital') return spec.channels;
  return [];
}

/** Raw representation of an analog signal: span of raw values and their unit. */
export const SIGNAL_RAW: Record<string, { lo: number; hi: number; rawUnit: string; max: number }> =
  {
    adc12: { lo: 0, hi: 4095, rawUnit: 'counts', max: 4095 },
    '4-20mA': { lo: 4000, hi: 20000, rawUnit: 'µA', max: 22000 },
    '0-10V': { lo: 0, hi: 10000, rawUnit: 'mV', max: 11000 },
  };

function registerMap(spec: DeviceSpec, channels: ChannelPlan[], address: number): RegisterEntry[] {
  switch (spec.kind) {
    case 'analog': {
      const c = spec.channel;
      const raw = SIGNAL_RAW[spec.signal]!;
      const scale = (c.range[1] - c.range[0]) / (raw.hi - raw.lo);
      return [
        {
          table: 'input',
          address,
          count: 1,
          type: 'uint16',
          scale,
          offset: c.range[0] - raw.lo * scale,
          quantity: c.quantity,
          unit: c.unit,
          access: 'r',
          signal: spec.signal,
          rawUnit: raw.rawUnit,
        },
      ];
    }
    case 'digital':
      return channels.map((cp, i) => ({
        table: 'input' as const,
        address: address + i,
        count: 1,
        type: 'int16' as const,
        scale: cp.channel.resolution,
        offset: 0,
        quantity: cp.channel.quantity,
        unit: cp.channel.unit,
        access: 'r' as const,
      }));
    case 'switch':
      return [
        {
          table: 'discrete',
          address,
          count: 1,
          type: 'bool',
          scale: 1,
          offset: 0,
          quantity: switchQuantity(spec.switchType),
          unit: '',
          access: 'r',
        },
      ];
    case 'actuator':
      return [
        {
          table: 'coil',
          address,
          count: 1,
          type: 'bool',
          scale: 1,
          offset: 0,
          quantity: 'on',
          unit: '',
          access: 'rw',
        },
      ];
  }
}

export function switchQuantity(type: 'door' | 'pir' | 'button'): string {
  return type === 'door' ? 'open' : type === 'pir' ? 'motion' : 'pressed';
}
