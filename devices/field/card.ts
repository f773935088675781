/**
 * The field devices' section of the lab card: per device its id, kind, channels and how to reach
 * it (topics, CoAP path, Modbus unit and register map with scaling, firmware service).
 */
import type { RegisterEntry } from '../../protocols/modbus/types.js';
import type { FirmwareRelease } from './firmware-plan.js';
import type { DevicePlan } from './plan.js';

export interface CardDevice {
  id: string;
  name: string;
  kind: string;
  /** analog: signal; switch: switchType; actuator: actuatorType; digital: "digital". */
  type: string;
  title?: { zh: string; en: string };
  /** Where it is installed (WGS-84 degrees), when the scenario says. */
  location?: { lat: number; lon: number };
  channels?: { quantity: string; unit: string; range: [number, number]; resolution: number }[];
  mqtt?: {
    telemetryTopic: string;
    statusTopic: string;
    commandTopic?: string;
    stateTopic?: string;
    period: number;
    qos: number;
    retain: boolean;
    /** Encrypted payloads: algorithm and key (hex); docs/protocols/cipher.md. */
    cipher?: { alg: string; key: string };
  };
  coap?: { path: string; observable: boolean; observePeriod: number };
  /** transport 'rtu': only on the modbus_rtu serial line that lists it, not on Modbus TCP. */
  modbus?: { unit: number; transport: 'tcp' | 'rtu'; registers: RegisterEntry[] };
  /**
   * Its firmware service (docs/firmware.md): where to ask, the release offered, the restart
   * time. Not the version it runs: that is what a version query is for.
   */
  firmware?: {
    commandTopic: string;
    replyTopic: string;
    release?: FirmwareRelease;
    rebootS: number;
  };
}

export function cardDevice(d: DevicePlan): CardDevice {
  const spec = d.spec;
  const type =
    spec.kind === 'analog'
      ? spec.signal
      : spec.kind === 'switch'
        ? spec.switchType
        : spec.kind === 'actuator'
          ? spec.actuatorType
          : 'digital';
  const out: CardDevice = { id: d.id, name: d.name, kind: spec.kind, type };
  if (spec.title) out.title = spec.title;
  if (spec.location) out.location = { ...spec.location };
  if (d.channels.length > 0)
    out.channels = d.channels.map((c) => ({
      quantity: c.channel.quantity,
      unit: c.channel.unit,
      range: c.channel.range,
      resolution: c.channel.resolution,
    }));
  if (d.mqtt) out.mqtt = { ...d.mqtt };
  if (d.coap)
    out.coap = { path: d.coap.path, observable: true, observePeriod: d.coap.observePeriod };
  if (d.modbus)
    out.modbus = {
      unit: d.modbus.unit,
      transport: d.modbus.transport,
      registers: d.modbus.registers,
    };
  const fw = d.firmware;
  if (fw)
    out.firmware = {
      commandTopic: fw.commandTopic,
      replyTopic: fw.replyTopic,
      ...(fw.release ? { release: { ...fw.release } } : {}),
      rebootS: fw.rebootMs / 1000,
    };
  return out;
}
