/**
 * Instantiation: scenario + seed → LabPlan. Pure and deterministic: the plan fixes every seeded
 * identifier (lab id, device ids, topics, CoAP paths, Modbus units and register addresses) and
 * every seeded trajectory parameter. The lab card is the plan plus the listening addresses, and
 * the grader (a later issue) rebuilds the same plan to recompute truth.
 */
import { Rng } from '../core/rng.js';
import type { BoardPlan } from '../devices/board/plan.js';
import { planBoard } from '../devices/board/plan.js';
import type { DevicePlan } from '../devices/field/plan.js';
import { planDevices } from '../devices/field/plan.js';
import type { SerialDevicePlan } from '../devices/serial/plan.js';
import { planSerial } from '../devices/serial/plan.js';
import type { Scenario } from './scenario.js';

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
  const usedIds = new Set<string>();
  const devices = planDevices(scenario, seed, topicPrefix, usedIds);
  const serial = planSerial(scenario, seed, usedIds);
  const board = planBoard(scenario, seed, usedIds);
  return { scenario, seed, labId, topicPrefix, devices, serial, ...(board ? { board } : {}) };
}
