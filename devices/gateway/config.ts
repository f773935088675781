/**
 * A gateway config against the lab it runs in: `resolveGateway` checks a poll table against the
 * world (gateway-world.ts) and turns each row into a concrete point (slave, table, address or
 * channel, type, scaling, topic). Modbus rows are resolved in gateway-modbus-row.ts, controller
 * rows here. Problems carry a severity: `error` (the config cannot work as written) or
 * `inventory` (it does not match what is on the lab's lines; a real gateway would poll and fail).
 */
import type { RegisterTable } from '../../protocols/modbus/types.js';
import type { GatewayPoll, GatewayProblem, GatewaySpec } from './scenario.js';
import { DEFAULT_STATUS_TOPIC } from './scenario.js';
import { resolveModbus } from './modbus-row.js';
import type { GatewayWorld, PlanView, WorldLine } from './world.js';
import { ranges, worldFromPlan } from './world.js';

interface PointBase {
  point: string;
  line: string;
  /** Modbus slave address or controller address. */
  slave: number;
  /** The device behind the point, when the lab's inventory knows it. */
  device?: string;
  scale: number;
  offset: number;
  /** Engineering unit text, from the register map or channel map. */
  unit: string;
  quantity: string;
  periodS: number;
  writable: boolean;
  topic: string;
}

/** One resolved row of the poll table. */
export type GatewayPoint =
  | (PointBase & {
      lineKind: 'modbus_rtu';
      table: RegisterTable;
      address: number;
      type: 'uint16' | 'int16' | 'bool';
    })
  | (PointBase & {
      lineKind: 'controller';
      table: 'sensor' | 'actuator';
      channel: number;
      type: 'int32' | 'bool';
    });

export interface ResolvedGateway {
  points: GatewayPoint[];
  problems: GatewayProblem[];
}

/**
 * Checks of a scenario's gateways against its lines (scenario.ts adds name checks). `planOf` plans
 * the scenario (the lab's planner, with any seed: what the seed draws is treated as unknown).
 */
export function gatewayScenarioProblemsOf(
  planOf: () => PlanView,
  gateways: readonly GatewaySpec[],
): GatewayProblem[] {
  if (gateways.length === 0) return [];
  let world: GatewayWorld;
  try {
    world = worldFromPlan(planOf(), { seeded: 'unknown' });
  } catch {
    return []; // the scenario's own problems are reported by its own checks
  }
  return gateways.flatMap((g, i) =>
    resolveGateway(g, world).problems.map((p) => ({ ...p, path: ['gateways', i, ...p.path] })),
  );
}

// ---------------------------------------------------------------------------------------------
// Resolution

/** The gateway's status (and last will) topic: `northbound.statusTopic`, filled in. */
export function statusTopic(
  world: Pick<GatewayWorld, 'topicPrefix' | 'labId'>,
  spec: Pick<GatewaySpec, 'name' | 'northbound'>,
): string {
  return renderTopic(spec.northbound?.statusTopic ?? DEFAULT_STATUS_TOPIC, {
    prefix: world.topicPrefix,
    lab: world.labId,
    name: spec.name,
  });
}

/**
 * Every row of the poll table against the world. Rows with an `error` problem give no point;
 * rows with only `inventory` problems give a point that will poll what it says (and fail).
 */
export function resolveGateway(spec: GatewaySpec, world: GatewayWorld): ResolvedGateway {
  const problems: GatewayProblem[] = [];
  const points: GatewayPoint[] = [];
  const topics = new Map<string, number>();
  const status = statusTopic(world, spec);
  spec.poll.forEach((row, i) => {
    const errorsBefore = problems.filter((p) => p.severity === 'error').length;
    const report = (field: string, message: string, severity: GatewayProblem['severity']): void => {
      problems.push({ path: ['poll', i, field], message, severity });
    };
    const point = resolveRow(row, world, report);
    const topic = renderTopic(spec.topic, {
      prefix: world.topicPrefix,
      lab: world.labId,
      name: spec.name,
      point: row.point,
      line: row.line,
      quantity: point?.quantity ?? row.quantity ?? row.point,
    });
    const other = topics.get(topic);
    if (topic === status)
      report(
        'point',
        `its topic ${topic} is the gateway's status topic; rename the point`,
        'error',
      );
    else if (other !== undefined)
      report('point', `its topic ${topic} is already the topic of poll[${other}]`, 'error');
    else topics.set(topic, i);
    const errors = problems.filter((p) => p.severity === 'error').length;
    if (point && errors === errorsBefore) points.push({ ...point, topic });
  });
  return { points, problems };
}

export type Report = (field: string, message: string, severity: GatewayProblem['severity']) => void;
export type Unplaced<T> = T extends unknown ? Omit<T, 'topic'> : never;

function resolveRow(
  row: GatewayPoll,
  world: GatewayWorld,
  report: Report,
): Unplaced<GatewayPoint> | undefined {
  const line = world.lines.get(row.line);
  if (!line) {
    const usable = [...world.lines.values()]
      .filter((l) => l.kind !== 'other')
      .map((l) => `${l.name} (${l.kind})`);
    report(
      'line',
      `no serial line named "${row.line}" (lines a gateway can poll: ${usable.join(', ') || 'none'})`,
      'error',
    );
    return undefined;
  }
  if (line.kind === 'other') {
    report(
      'line',
      `"${line.name}" is a ${line.deviceKind}; a gateway polls modbus_rtu lines and controllers`,
      'error',
    );
    return undefined;
  }
  return line.kind === 'modbus_rtu'
    ? resolveModbus(row, line, report)
    : resolveController(row, line, report);
}

function resolveController(
  row: GatewayPoll,
  line: Extract<WorldLine, { kind: 'controller' }>,
  report: Report,
): Unplaced<GatewayPoint> | undefined {
  let ok = true;
  const err = (field: string, message: string): void => {
    report(field, message, 'error');
    ok = false;
  };
  if (row.address !== undefined)
    err('address', `a controller has channels, not register addresses: use channel`);
  if (row.table !== undefined && row.table !== 'sensor' && row.table !== 'actuator')
    err(
      'table',
      `"${row.table}" is a Modbus table; a controller point is a sensor or actuator channel`,
    );
  if (row.type !== undefined)
    err('type', 'type is for Modbus registers; controller values are int32 × scale, or on/off');
  if (typeof row.unit === 'string')
    err(
      'unit',
      `a controller is addressed by number (the controller ${line.name} is at ${line.address})`,
    );
  else if (row.unit !== undefined && row.unit !== line.address)
    report(
      'unit',
      `the controller ${line.name} answers at address ${line.address}, not ${row.unit}`,
      'inventory',
    );
  const table = row.table === 'actuator' ? 'actuator' : 'sensor';
  const channels = table === 'actuator' ? line.actuators : line.sensors;
  const listed = `its ${table} channels: ${ranges(channels.map((c) => c.channel)) || 'none'}`;
  if (row.channel === undefined) {
    err('channel', `a controller point needs channel (${listed})`);
    return undefined;
  }
  if (!ok) return undefined;
  const ch = channels.find((c) => c.channel === row.channel);
  if (!ch)
    report(
      'channel',
      `the controller ${line.name} has no ${table} channel ${row.channel} (${listed})`,
      'inventory',
    );
  if (row.writable && table === 'sensor' && row.table === undefined)
    err(
      'writable',
      'sensor channels are read-only; a writable controller point is an actuator channel (table: actuator)',
    );
  if (!ok) return undefined;
  const onOff = table === 'actuator' || ch?.type === 'switch';
  return {
    lineKind: 'controller',
    point: row.point,
    line: line.name,
    slave: typeof row.unit === 'number' ? row.unit : line.address,
    ...(ch ? { device: ch.device } : {}),
    table,
    channel: row.channel,
    type: onOff ? 'bool' : 'int32',
    scale: row.scale ?? ch?.scale ?? (onOff ? 1 : 0.01),
    offset: row.offset ?? 0,
    unit: ch?.unit ?? '',
    quantity: ch?.quantity ?? row.quantity ?? row.point,
    periodS: row.periodS,
    writable: row.writable,
  };
}

/** A topic template with its placeholders filled (no escaping: topics are plain text). */
export function renderTopic(template: string, vars: Record<string, string>): string {
  return template.replace(/\{([a-z]+)\}/g, (all, key: string) => vars[key] ?? all);
}
