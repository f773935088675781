/**
 * One poll-table row on a Modbus RTU line, against the units and register maps of the line:
 * which slave, table and address it reads, with what type and scaling, and what is wrong with
 * it in words a technician can act on ("unit 17 has no input register 305 (its input
 * registers: 300–301)").
 */
import type { RegisterEntry, RegisterTable } from '../../protocols/modbus/types.js';
import type { GatewayPoll } from './scenario.js';
import type { Report, Unplaced } from './config.js';
import type { GatewayPoint } from './config.js';
import type { WorldLine, WorldUnit } from './world.js';
import { ranges } from './world.js';

export const TABLE_WORDS: Record<RegisterTable, [string, string]> = {
  coil: ['coil', 'coils'],
  discrete: ['discrete input', 'discrete inputs'],
  input: ['input register', 'input registers'],
  holding: ['holding register', 'holding registers'],
};

export function resolveModbus(
  row: GatewayPoll,
  line: Extract<WorldLine, { kind: 'modbus_rtu' }>,
  report: Report,
): Unplaced<GatewayPoint> | undefined {
  if (row.channel !== undefined)
    report(
      'channel',
      `channel is for controllers; on the Modbus line "${line.name}" a point has table and address`,
      'error',
    );
  if (row.table === 'sensor' || row.table === 'actuator') {
    report(
      'table',
      `"${row.table}" is a controller table; on a Modbus line use coil, discrete, input or holding`,
      'error',
    );
    return undefined;
  }
  const unitList = line.units
    .map((u) => (u.unit === undefined ? u.name : `${u.unit} ${u.name}`))
    .join(', ');
  let u: WorldUnit | undefined;
  let slave: number | undefined;
  if (typeof row.unit === 'string') {
    u = line.units.find((x) => x.name === row.unit);
    if (!u) {
      report(
        'unit',
        `"${row.unit}" is not on the line ${line.name} (its units: ${unitList})`,
        'error',
      );
      return undefined;
    }
    slave = u.unit;
  } else if (typeof row.unit === 'number') {
    slave = row.unit;
    u = line.units.find((x) => x.unit === row.unit);
    if (!u && line.units.some((x) => x.unit === undefined)) {
      report(
        'unit',
        `the unit ids on the line ${line.name} are drawn from the seed; name the device instead (unit: ${line.units[0]?.name ?? 'name'}) or fix its modbus.unit`,
        'error',
      );
      return undefined;
    }
    if (!u)
      report(
        'unit',
        `no unit ${row.unit} on the line ${line.name} (its units: ${unitList})`,
        'inventory',
      );
  } else if (line.units.length === 1) {
    u = line.units[0]!;
    slave = u.unit;
  } else {
    report(
      'unit',
      `the line ${line.name} carries ${line.units.length} units (${unitList}): say which with unit`,
      'error',
    );
    return undefined;
  }
  const who = u ? `unit ${u.unit ?? u.name}` : `unit ${slave}`;

  let entry: RegisterEntry | undefined;
  let table: RegisterTable | undefined = row.table;
  let address = row.address;
  if (u && address !== undefined && !u.fixedAddress) {
    report(
      'address',
      `the register addresses of ${u.name} are drawn from the seed; leave address out (the gateway then reads its register of quantity, or its first) or fix modbus.address on ${u.name}`,
      'error',
    );
    return undefined;
  }
  if (u) {
    const inTable = u.registers.filter((r) => table === undefined || r.table === table);
    if (address !== undefined) {
      const at = inTable.filter((r) => address! >= r.address && address! < r.address + r.count);
      if (table === undefined && at.length > 1) {
        report(
          'table',
          `say which table address ${address} is in (${at.map((r) => r.table).join(' or ')})`,
          'error',
        );
        return undefined;
      }
      entry = at[0];
      if (!entry) {
        if (table === undefined) {
          report(
            'table',
            `${who} has no register at address ${address} (its registers: ${describeMap(u.registers)}); say which table`,
            'error',
          );
          return undefined;
        }
        report('address', missing(who, table, address, u.registers), 'inventory');
      } else if (row.quantity !== undefined && entry.quantity !== row.quantity)
        report(
          'quantity',
          `${TABLE_WORDS[entry.table][0]} ${address} of ${who} holds ${entry.quantity}, not ${row.quantity}`,
          'inventory',
        );
    } else if (row.quantity !== undefined) {
      entry = inTable.find((r) => r.quantity === row.quantity);
      if (!entry) {
        report(
          'quantity',
          `${who} has no ${table ? TABLE_WORDS[table][0] + ' of ' : ''}quantity "${row.quantity}" (its quantities: ${[...new Set(u.registers.map((r) => r.quantity))].join(', ')})`,
          'error',
        );
        return undefined;
      }
    } else {
      entry = inTable[0];
      if (!entry) {
        report(
          'table',
          `${who} has no ${TABLE_WORDS[table!][1]} (its registers: ${describeMap(u.registers)})`,
          'error',
        );
        return undefined;
      }
    }
    table ??= entry?.table;
    address ??= entry?.address;
  }
  if (table === undefined || address === undefined) {
    report(
      table === undefined ? 'table' : 'address',
      `unit ${slave} is not on the line ${line.name}, so give table and address`,
      'error',
    );
    return undefined;
  }
  if (row.table === undefined && row.writable && (table === 'input' || table === 'discrete'))
    report(
      'writable',
      `${TABLE_WORDS[table][1]} are read-only; a writable point is a coil or holding register`,
      'error',
    );
  else if (row.writable && entry?.access === 'r')
    report('writable', `${TABLE_WORDS[table][0]} ${address} of ${who} is read-only`, 'inventory');
  const bits = table === 'coil' || table === 'discrete';
  const type =
    row.type ?? (entry && entry.address === address ? entry.type : bits ? 'bool' : 'uint16');
  if (row.table === undefined && (type === 'bool') !== bits)
    report(
      'type',
      `${TABLE_WORDS[table][1]} are ${bits ? 'bool' : 'uint16 or int16'}, not ${type}`,
      'error',
    );
  return {
    lineKind: 'modbus_rtu',
    point: row.point,
    line: line.name,
    slave: slave ?? 0,
    ...(u ? { device: u.name } : {}),
    table,
    address,
    type,
    scale: row.scale ?? entry?.scale ?? 1,
    offset: row.offset ?? entry?.offset ?? 0,
    unit: entry?.unit ?? '',
    quantity: entry?.quantity ?? row.quantity ?? row.point,
    periodS: row.periodS,
    writable: row.writable,
  };
}

function missing(
  who: string,
  table: RegisterTable,
  address: number,
  map: readonly RegisterEntry[],
): string {
  const [one, many] = TABLE_WORDS[table];
  const own = map.filter((r) => r.table === table);
  if (own.length === 0)
    return `${who} has no ${many} (its registers: ${describeMap(map) || 'none'})`;
  const addrs = own.flatMap((r) => Array.from({ length: r.count }, (_, k) => r.address + k));
  return `${who} has no ${one} ${address} (its ${many}: ${ranges(addrs)})`;
}

/** `input 300–301, coil 40`. */
function describeMap(map: readonly RegisterEntry[]): string {
  const by = new Map<RegisterTable, number[]>();
  for (const r of map)
    for (let k = 0; k < r.count; k++) by.set(r.table, [...(by.get(r.table) ?? []), r.address + k]);
  return [...by].map(([t, a]) => `${t} ${ranges(a)}`).join(', ');
}
