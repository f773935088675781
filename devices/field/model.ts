/**
 * What every device model offers. A model is pure simulation: given the plan, the seed and the
 * fault timeline, `truth(t)` is a function of t alone (actuators add the commands they were
 * given, which are evidence too). Models never touch sockets or the recorder; the lab runtime
 * turns their answers into protocol traffic and evidence (STYLE.md rule 2).
 */
import type { FaultBook } from '../../core/faults.js';
import type { DevicePlan } from './plan.js';
import type { RegisterEntry } from '../../protocols/modbus/types.js';
import type { FirmwareModel } from './firmware.js';

export type Value = number | boolean;

export interface Truth {
  /** What a correct client reading the device at t gets (faults applied, quantised). */
  values: Record<string, Value>;
  /** The physical quantity without faults or quantisation (for fault diagnosis). */
  physical: Record<string, Value>;
  units: Record<string, string>;
  online: boolean;
  /** Types of the faults active at t. */
  faults: string[];
  /** Devices with firmware: the version at t, and whether it is restarting after an upgrade. */
  firmware?: { version: string; rebooting: boolean };
}

/** A request to change an actuator, from any protocol. */
export interface Command {
  on: boolean;
}

/** What a model answers to a command: the runtime records and publishes it. */
export type CommandOutcome =
  { ok: true; changed: boolean; state: Record<string, Value> } | { ok: false; message: string };

export interface DeviceModel {
  readonly plan: DevicePlan;
  truth(t: number): Truth;
  /** Raw register/coil value of one map entry at t (uint16 or boolean). */
  readRegister(entry: RegisterEntry, t: number): number | boolean;
  /** Actuators: apply a command at t. Sensors answer ok:false. */
  command(cmd: Command, t: number): CommandOutcome;
  /** Switch sensors: the next time after t at which the state changes (within a day). */
  nextChange(t: number): number | undefined;
  /** Its firmware service, when the plan gives it one (devices/field/firmware.ts). */
  readonly firmware?: FirmwareModel;
}

export interface ModelContext {
  seed: number;
  faults: FaultBook;
}

/** Parses a command from JSON (`{"on":true}`, `{"state":"ON"}`, `true`, `1`) or text (`on`, `OFF`, `1`, `true`). */
export function parseCommand(input: unknown): Command | undefined {
  if (typeof input === 'boolean') return { on: input };
  if (typeof input === 'number')
    return input === 1 ? { on: true } : input === 0 ? { on: false } : undefined;
  if (typeof input === 'string') {
    const s = input.trim().toLowerCase();
    if (['on', '1', 'true'].includes(s)) return { on: true };
    if (['off', '0', 'false'].includes(s)) return { on: false };
    if (s.startsWith('{')) {
      try {
        return parseCommand(JSON.parse(s) as unknown);
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
  if (typeof input === 'object' && input !== null) {
    const o = input as Record<string, unknown>;
    if ('on' in o) return parseCommand(o.on);
    if ('state' in o) return parseCommand(o.state);
  }
  return undefined;
}
