/**
 * Sensors on an RS-485 line behind the lab's edge gateway, as the gateway tasks
 * (l1-app-gateway, l2-app-gateway-tls) build them: one digital device per quantity with a Modbus
 * RTU register, the `rs485` line holding them, the poll-table facts the instructions print
 * (unit id, table, address, type, scale, unit) and the "enough messages on every topic" check.
 */
import type { CheckOutcome, GradeContext, TaskParams } from '../grader/types.js';
import { publishedCheck } from '../grader/checks/mqtt.js';
import type { LabPlan } from '../simulator/plan.js';
import type { ScenarioInput } from '../simulator/scenario.js';

export interface Rs485Sensor {
  unit: string;
  range: readonly [number, number];
  resolution: number;
  profile: {
    base: number;
    vary: number;
    amplitude: number;
    periodS: number;
    noise: number;
  };
  /** How far a published value may be from the truth. */
  tolerance: number;
  zh: string;
  en: string;
}

type Devices = NonNullable<ScenarioInput['devices']>;
type Serial = NonNullable<ScenarioInput['serial']>;

/** The device of quantity `q`: named after it, one channel, a Modbus RTU slave. */
export function rs485Device(q: string, s: Rs485Sensor): Devices[number] {
  return {
    name: q,
    kind: 'digital' as const,
    title: { zh: `${s.zh}传感器 (RS-485)`, en: `${s.en} sensor (RS-485)` },
    channels: [
      {
        quantity: q,
        unit: s.unit,
        range: [s.range[0], s.range[1]] as [number, number],
        resolution: s.resolution,
        profile: { ...s.profile },
      },
    ],
    modbus: { transport: 'rtu' as const },
  };
}

/** The line `rs485` (Modbus RTU, 9600 baud) holding these devices. */
export function rs485Line(units: string[]): Serial[number] {
  return {
    name: 'rs485',
    kind: 'modbus_rtu',
    title: { zh: 'RS-485 总线 (Modbus RTU)', en: 'RS-485 bus (Modbus RTU)' },
    serial: { baudRate: 9600 },
    units,
  };
}

/** What a poll row of device `q` needs, as the instructions print it, keyed `<name><n>`. */
export function pollFacts(plan: LabPlan, q: string, n: number): Record<string, unknown> {
  const d = plan.devices.find((x) => x.name === q)!;
  const r = d.modbus!.registers.find((x) => x.quantity === q)!;
  return {
    [`unit${n}`]: d.modbus!.unit,
    [`table${n}`]: r.table,
    [`address${n}`]: r.address,
    [`type${n}`]: r.type,
    [`scale${n}`]: r.scale,
    [`eng${n}`]: r.unit,
  };
}

/** At least `minCount` messages on each topic: the mean of each topic's share. */
export function publishedOnEach<P extends TaskParams>(
  topics: (ctx: GradeContext<P>) => string[],
  minCount: number,
) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const each = topics(ctx).map((topic) =>
      publishedCheck<P>({ topic: () => topic, minCount })(ctx),
    );
    return {
      ...each[0]!,
      score: each.reduce((sum, r) => sum + r.score, 0) / each.length,
      expected: each.map((r) => r.expected).join('; '),
      seen: each.map((r) => r.seen).join('; '),
      evidence: each.flatMap((r) => r.evidence.slice(0, 2)),
      ...(each.find((r) => r.hint) ? { hint: each.find((r) => r.hint)!.hint! } : {}),
    };
  };
}
