/**
 * What a gateway can reach in a lab (its "world"): the serial lines it can poll, the units on
 * each Modbus RTU line with their register maps, and each controller's channels. Built from a
 * lab card (what a technician has; validated, since the card is JSON from outside) or from a
 * plan. From a scenario without its seed (`worldFromPlan(plan, { seeded: 'unknown' })`) unit
 * ids and register addresses the scenario leaves to the seed are unknown.
 */
import { z } from 'zod';
import { LabError } from '../../core/errors.js';
import type { CardDevice } from '../field/card.js';
import type { DevicePlan } from '../field/plan.js';
import type { SerialCardEntry } from '../serial/card.js';
import type { SerialDevicePlan } from '../serial/plan.js';
import type { RegisterEntry } from '../../protocols/modbus/types.js';
import { switchQuantity } from '../field/plan.js';

export interface WorldUnit {
  name: string;
  /** Slave address; undefined when the seed draws it and the seed is not known. */
  unit: number | undefined;
  /** False when the register addresses are drawn from an unknown seed. */
  fixedAddress: boolean;
  registers: readonly RegisterEntry[];
}

export interface WorldChannel {
  channel: number;
  device: string;
  quantity: string;
  unit: string;
  scale: number;
  /** switch and actuator channels carry on/off. */
  type: 'measure' | 'switch' | 'actuator';
}

export type WorldLine =
  | { kind: 'modbus_rtu'; name: string; units: WorldUnit[] }
  | {
      kind: 'controller';
      name: string;
      address: number;
      sensors: WorldChannel[];
      actuators: WorldChannel[];
    }
  | { kind: 'other'; name: string; deviceKind: string };

export interface GatewayWorld {
  topicPrefix: string;
  labId: string;
  lines: ReadonlyMap<string, WorldLine>;
}

/** What a gateway reads from a lab's plan: the lab's id and prefix, its devices and lines. */
export interface PlanView {
  labId: string;
  topicPrefix: string;
  devices: readonly DevicePlan[];
  serial: readonly SerialDevicePlan[];
}

/** What a gateway reads from a lab card. */
export interface CardView {
  lab: { labId: string };
  mqtt: { topicPrefix: string };
  devices: readonly CardDevice[];
  serial?: readonly SerialCardEntry[] | undefined;
}

export function worldFromPlan(
  plan: PlanView,
  opts: { seeded: 'known' | 'unknown' } = { seeded: 'known' },
): GatewayWorld {
  const known = opts.seeded === 'known';
  const byName = new Map(plan.devices.map((d) => [d.name, d]));
  const lines = new Map<string, WorldLine>();
  for (const s of plan.serial) {
    const spec = s.spec;
    if (spec.kind === 'modbus_rtu') {
      const units = spec.units.flatMap((n): WorldUnit[] => {
        const d = byName.get(n);
        if (!d?.modbus) return [];
        const fixed = d.spec.modbus;
        return [
          {
            name: n,
            unit: known || fixed?.unit !== undefined ? d.modbus.unit : undefined,
            fixedAddress: known || fixed?.address !== undefined,
            registers: d.modbus.registers,
          },
        ];
      });
      lines.set(s.name, { kind: 'modbus_rtu', name: s.name, units });
    } else if (spec.kind === 'controller') {
      // The channel order of devices/serial/controller/model.ts: each sensor's values in plan order.
      const sensors: WorldChannel[] = [];
      for (const n of spec.sensors) {
        const d = byName.get(n);
        if (!d) continue;
        const push = (quantity: string, unit: string, type: 'measure' | 'switch'): void => {
          const scale = type === 'switch' ? 1 : 0.01;
          sensors.push({ channel: sensors.length, device: n, quantity, unit, scale, type });
        };
        if (d.spec.kind === 'switch') push(switchQuantity(d.spec.switchType), '', 'switch');
        else for (const c of d.channels) push(c.channel.quantity, c.channel.unit, 'measure');
      }
      const actuators = spec.actuators.map((device, channel) => actuator(channel, device));
      lines.set(s.name, {
        kind: 'controller',
        name: s.name,
        address: spec.address,
        sensors,
        actuators,
      });
    } else lines.set(s.name, { kind: 'other', name: s.name, deviceKind: spec.kind });
  }
  return { topicPrefix: plan.topicPrefix, labId: plan.labId, lines };
}

const RtuInfo = z.object({ units: z.array(z.object({ name: z.string(), unitId: z.number() })) });
const ControllerInfo = z.object({
  address: z.number(),
  sensorChannels: z.array(
    z.object({
      channel: z.number(),
      device: z.string(),
      quantity: z.string(),
      unit: z.string(),
      scale: z.number(),
      type: z.enum(['measure', 'switch']),
    }),
  ),
  actuatorChannels: z.array(z.object({ channel: z.number(), device: z.string() })),
});

/** The world as the lab card describes it (validated: the card is JSON from outside). */
export function worldFromCard(card: CardView): GatewayWorld {
  const byName = new Map(card.devices.map((d) => [d.name, d]));
  const lines = new Map<string, WorldLine>();
  for (const s of card.serial ?? []) {
    const unreadable = (err: z.ZodError): never => {
      throw new LabError(
        'SCENARIO_INVALID',
        `lab card: info of serial device "${s.name}" is not what a ${s.kind} has`,
        {
          device: s.name,
          issues: err.issues.map((i) => i.message),
        },
      );
    };
    if (s.kind === 'modbus_rtu') {
      const info = RtuInfo.safeParse(s.info);
      if (!info.success) return unreadable(info.error);
      const units = info.data.units.map((u) => ({
        name: u.name,
        unit: u.unitId,
        fixedAddress: true,
        registers: byName.get(u.name)?.modbus?.registers ?? [],
      }));
      lines.set(s.name, { kind: 'modbus_rtu', name: s.name, units });
    } else if (s.kind === 'controller') {
      const info = ControllerInfo.safeParse(s.info);
      if (!info.success) return unreadable(info.error);
      lines.set(s.name, {
        kind: 'controller',
        name: s.name,
        address: info.data.address,
        sensors: info.data.sensorChannels.map((c) => ({ ...c })),
        actuators: info.data.actuatorChannels.map((c) => actuator(c.channel, c.device)),
      });
    } else lines.set(s.name, { kind: 'other', name: s.name, deviceKind: s.kind });
  }
  return { topicPrefix: card.mqtt.topicPrefix, labId: card.lab.labId, lines };
}

function actuator(channel: number, device: string): WorldChannel {
  return { channel, device, quantity: 'on', unit: '', scale: 1, type: 'actuator' };
}

/** `[300, 301, 305]` → `300–301, 305`. */
export function ranges(values: readonly number[]): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}
