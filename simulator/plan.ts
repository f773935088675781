/**
 * Instantiation: scenario + seed → LabPlan. Pure and deterministic: the plan fixes every seeded
 * identifier (lab id, device ids, topics, CoAP paths, Modbus units and register addresses) and
 * every seeded trajectory parameter. The lab card is the plan plus the listening addresses, and
 * the grader (a later issue) rebuilds the same plan to recompute truth.
 */
import { Rng } from '../core/rng.js';
import type { Channel, DeviceSpec, Scenario, SerialDeviceSpec } from './scenario.js';
import type { LineSettings } from '../devices/serial/scenario.js';
import type { BoardPlan } from '../devices/board/plan.js';
import { planBoard } from '../devices/board/plan.js';
import type { FirmwarePlan } from '../devices/field/firmware-plan.js';
import { planFirmware } from '../devices/field/firmware-plan.js';

export type RegisterTable = 'coil' | 'discrete' | 'input' | 'holding';

/** One entry of a device's Modbus register map, as the lab card lists it. */
export interface RegisterEntry {
  table: RegisterTable;
  address: number;
  count: number;
  type: 'uint16' | 'int16' | 'bool';
  /** Engineering value = raw × scale + offset. */
  scale: number;
  offset: number;
  quantity: string;
  unit: string;
  access: 'r' | 'rw';
  /** For analog sensors: the raw representation (adc12 counts, 4–20 mA in µA, 0–10 V in mV). */
  signal?: string;
  rawUnit?: string;
}

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
  };
  coap?: { path: string; observePeriod: number };
  modbus?: { unit: number; transport: 'tcp' | 'rtu'; registers: RegisterEntry[] };
  /** Its firmware service (devices with a `firmware` section and an MQTT binding). */
  firmware?: FirmwarePlan;
}

/** A byte-level device: one serial line, reached as raw TCP, a PTY or a real port. */
export interface SerialDevicePlan {
  name: string;
  id: string;
  spec: SerialDeviceSpec;
  settings: LineSettings;
}

export interface LabPlan {
  scenario: Scenario;
  seed: number;
  labId: string;
  topicPrefix: string;
  devices: DevicePlan[];
  serial: SerialDevicePlan[];
  /** The virtual MCU board, when the scenario has one. */
  board?: BoardPlan;
}

export function planLab(scenario: Scenario, seed: number): LabPlan {
  const rng = new Rng(seed, scenario.name, 'lab');
  const labId = rng.hex(6);
  const topicPrefix = scenario.topicPrefix.replaceAll('{lab}', labId);
  const unitRng = new Rng(seed, scenario.name, 'modbus-units');
  const usedUnits = new Set(
    scenario.devices.flatMap((d) => (d.modbus?.unit !== undefined ? [d.modbus.unit] : [])),
  );
  const usedIds = new Set<string>();

  const devices = scenario.devices.map((spec): DevicePlan => {
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
  const serial = scenario.serial.map((spec): SerialDevicePlan => {
    const drng = new Rng(seed, scenario.name, 'device', spec.name);
    let id = `${spec.name.replaceAll('_', '-')}-${drng.hex(4)}`;
    while (usedIds.has(id)) id = `${spec.name.replaceAll('_', '-')}-${drng.hex(4)}`;
    usedIds.add(id);
    return { name: spec.name, id, spec, settings: spec.serial };
  });
  const board = planBoard(scenario, seed, usedIds);
  return { scenario, seed, labId, topicPrefix, devices, serial, ...(board ? { board } : {}) };
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
