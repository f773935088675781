/**
 * Bridges from device models to what protocol servers consume: a Modbus data model per unit and
 * a CoAP resource per device. They translate, nothing more; the lab passes in how to apply a
 * command (so state changes are recorded in one place) and how to read the current time.
 */
import type { DeviceModel, Command, CommandOutcome } from '../index.js';
import { parseCommand } from '../index.js';
import type { CoapResource } from '../../../protocols/coap/types.js';
import type { ModbusUnit } from '../../../protocols/modbus/types.js';
import type { RegisterEntry, RegisterTable } from '../../../protocols/modbus/types.js';

/** Modbus Application Protocol v1.1b3 §7: exception 02, ILLEGAL DATA ADDRESS. */
const ILLEGAL_DATA_ADDRESS = { exception: 2 };

export function modbusUnitFor(
  model: DeviceModel,
  now: () => number,
  apply: (cmd: Command, source: string) => CommandOutcome,
): ModbusUnit {
  const registers = model.plan.modbus?.registers ?? [];
  const entryAt = (table: RegisterTable, address: number): RegisterEntry | undefined =>
    registers.find(
      (r) => r.table === table && address >= r.address && address < r.address + r.count,
    );
  return {
    read(table, address, count) {
      const t = now();
      const out: (number | boolean)[] = [];
      for (let a = address; a < address + count; a++) {
        const entry = entryAt(table, a);
        if (!entry) return ILLEGAL_DATA_ADDRESS;
        const raw = model.readRegister(entry, t);
        out.push(table === 'coil' || table === 'discrete' ? Boolean(raw) : Number(raw));
      }
      return out;
    },
    write(table, address, values) {
      for (let i = 0; i < values.length; i++)
        if (!entryAt(table, address + i)) return ILLEGAL_DATA_ADDRESS;
      for (const v of values) apply({ on: Boolean(v) }, 'modbus');
      return undefined;
    },
  };
}

export interface CoapBridge {
  resource: CoapResource;
  /** Fire observers (on change, and at the observe period). */
  notify(): void;
}

export function coapResourceFor(
  model: DeviceModel,
  now: () => number,
  wall: () => number,
  availability: () => { respond: boolean; delayMs: number },
  apply: (cmd: Command, source: string) => CommandOutcome,
): CoapBridge {
  const plan = model.plan;
  const listeners = new Set<() => void>();
  const isActuator = plan.spec.kind === 'actuator';
  const representation = (): { json: unknown; text: string } => {
    const truth = model.truth(now());
    const entries = Object.entries(truth.values);
    const text =
      entries.length === 1
        ? String(
            entries[0]?.[1] === true ? 'on' : entries[0]?.[1] === false ? 'off' : entries[0]?.[1],
          )
        : entries.map(([k, v]) => `${k}=${String(v)}`).join(' ');
    return { json: { id: plan.id, ts: wall(), ...truth.values }, text };
  };
  const resource: CoapResource = {
    path: plan.coap?.path ?? `/${plan.id}`,
    rt: `iotlab.${plan.spec.kind === 'actuator' ? plan.spec.actuatorType : (plan.channels[0]?.channel.quantity ?? (plan.spec.kind === 'switch' ? plan.spec.switchType : plan.spec.kind))}`,
    if: isActuator ? 'actuator' : 'sensor',
    observable: true,
    read: representation,
    onNotify(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    availability,
  };
  if (isActuator) {
    resource.write = (input) => {
      const cmd = parseCommand(input.json !== undefined ? input.json : input.text);
      if (!cmd) return { ok: false, message: 'expected {"on": true|false} or on/off/1/0' };
      const outcome = apply(cmd, 'coap');
      return outcome.ok ? { ok: true } : { ok: false, message: outcome.message };
    };
  }
  return {
    resource,
    notify() {
      for (const l of listeners) l();
    },
  };
}
