/**
 * Instantiation: scenario + seed → LabPlan. Pure and deterministic: the plan fixes every seeded
 * identifier (lab id, device ids, topics, CoAP paths, Modbus units and register addresses) and
 * every seeded trajectory parameter. The lab card is the plan plus the listening addresses, and
 * the grader rebuilds the same plan to recompute truth.
 *
 * The field devices are planned first, then each family of the registry in its order; all share
 * one namespace of device ids.
 */
import { Rng } from '../core/rng.js';
import type { DevicePlan } from '../devices/field/plan.js';
import { planDevices } from '../devices/field/plan.js';
import type { FamilyPlans } from './families.js';
import { FAMILIES } from './families.js';
import type { Scenario } from './scenario.js';

export type LabPlan = {
  scenario: Scenario;
  seed: number;
  labId: string;
  topicPrefix: string;
  devices: DevicePlan[];
} & FamilyPlans;

export function planLab(scenario: Scenario, seed: number): LabPlan {
  const rng = new Rng(seed, scenario.name, 'lab');
  const labId = rng.hex(6);
  const topicPrefix = scenario.topicPrefix.replaceAll('{lab}', labId);
  const usedIds = new Set<string>();
  const devices = planDevices(scenario, seed, topicPrefix, usedIds);
  const sections = FAMILIES.map((f) => f.plan(scenario, seed, usedIds));
  return Object.assign({ scenario, seed, labId, topicPrefix, devices }, ...sections) as LabPlan;
}
