/**
 * Cross-reference checks of a scenario that a per-field schema cannot express: unique names and
 * unit ids, bindings, fault targets and parameters, and the links between serial devices and the
 * devices they read, drive or carry.
 */
import { BROKER_TARGET, TLS_FAULT_TYPES, isTlsFault } from '../core/faults.js';
import type { z } from 'zod';
import type { BoardSpec } from '../devices/board/scenario.js';
import { CRC_FRAMED_KINDS, isSerialKind } from '../devices/serial/scenario.js';

interface CheckedDevice {
  name: string;
  kind: string;
  mqtt?: unknown;
  coap?: unknown;
  modbus?: { unit?: number | undefined; transport: 'tcp' | 'rtu' } | undefined;
  firmware?: unknown;
  sensors?: string[];
  actuators?: string[];
  units?: string[];
}

interface CheckedScenario {
  devices: CheckedDevice[];
  serial: CheckedDevice[];
  faults: {
    device: string;
    type: string;
    rate?: number | undefined;
    amplitude?: number | undefined;
    delayMs?: number | undefined;
    password?: string | undefined;
  }[];
  board?: BoardSpec | undefined;
  mqtt?: { username: string } | undefined;
  platform?:
    | { devices: { deviceName: string; productKey: string; logins?: string[] | undefined }[] }
    | undefined;
}

/**
 * The login a security fault (password-changed, key-rotated) names: a platform device by its
 * deviceName or `deviceName&productKey`, or (password-changed) the scenario's MQTT username.
 */
export function securityTarget(
  s: Pick<CheckedScenario, 'mqtt' | 'platform'>,
  device: string,
  type: string,
): { login: string } | { problem: string } {
  const d = s.platform?.devices.find(
    (x) => x.deviceName === device || `${x.deviceName}&${x.productKey}` === device,
  );
  if (d) {
    const login = `${d.deviceName}&${d.productKey}`;
    if (type === 'key-rotated' && !(d.logins ?? ['hmac']).some((m) => m.startsWith('jwt')))
      return {
        problem: `"key-rotated" needs a device that logs in by token; ${login} takes ${(d.logins ?? ['hmac']).join(', ')}`,
      };
    return { login };
  }
  if (type === 'password-changed' && s.mqtt?.username === device) return { login: device };
  const known = [
    ...(s.platform?.devices.map((x) => x.deviceName) ?? []),
    ...(type === 'password-changed' && s.mqtt ? [s.mqtt.username] : []),
  ];
  return {
    problem: `"${type}" names a login: no platform device${type === 'password-changed' ? ' or MQTT user' : ''} "${device}" (known: ${known.join(', ') || 'none'})`,
  };
}

/** Lab devices the board reads or drives: the board is their binding (a sensor behind an I2C part). */
function boardWired(board: BoardSpec | undefined): Set<string> {
  if (!board) return new Set();
  return new Set(
    [
      ...board.pins.flatMap((p) => (p.device ? [p.device] : [])),
      ...board.i2c.devices.flatMap((d) => ('device' in d ? [d.device] : [])),
      ...board.spi.devices.flatMap((d) => (d.kind === 'mcp3008' ? d.channels : [])),
      ...board.uart.map((u) => u.device),
    ].filter((n): n is string => typeof n === 'string'),
  );
}

export function checkScenario(s: CheckedScenario, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string): void =>
    ctx.addIssue({ code: 'custom', path, message });
  if (s.devices.length + s.serial.length === 0)
    issue(['devices'], 'a scenario needs at least one device (in devices or serial)');
  // One namespace for socket and serial devices: faults and links name either.
  const names = new Map<
    string,
    { list: 'devices' | 'serial'; index: number; device: CheckedDevice }
  >();
  const wired = boardWired(s.board);
  for (const list of ['devices', 'serial'] as const) {
    s[list].forEach((d, i) => {
      const first = names.get(d.name);
      if (first)
        issue(
          [list, i, 'name'],
          `duplicate device name "${d.name}" (first at ${first.list}[${first.index}])`,
        );
      else names.set(d.name, { list, index: i, device: d });
      if (!isSerialKind(d.kind) && !d.mqtt && !d.coap && !d.modbus && !wired.has(d.name))
        issue(
          [list, i],
          'a device needs at least one binding: mqtt, coap, modbus or a wire to the board',
        );
      if (d.firmware !== undefined && !d.mqtt)
        issue(
          [list, i, 'firmware'],
          'firmware is queried and upgraded over MQTT: the device needs an mqtt binding',
        );
    });
  }
  const deviceNamed = (n: string): CheckedDevice | undefined => names.get(n)?.device;
  const known = (): string => [...names.keys()].join(', ');

  const units = new Map<number, number>();
  s.devices.forEach((d, i) => {
    const u = d.modbus?.unit;
    if (u === undefined) return;
    if (units.has(u))
      issue(
        ['devices', i, 'modbus', 'unit'],
        `modbus unit ${u} already used by devices[${units.get(u)}]`,
      );
    units.set(u, i);
  });

  const onLine = new Map<string, string>();
  s.serial.forEach((d, i) => {
    d.sensors?.forEach((n, j) => {
      const target = deviceNamed(n);
      if (!target) issue(['serial', i, 'sensors', j], `no device named "${n}" (known: ${known()})`);
      else if (!['analog', 'digital', 'switch'].includes(target.kind))
        issue(
          ['serial', i, 'sensors', j],
          `"${n}" is a ${target.kind}, not an analog, digital or switch sensor`,
        );
    });
    d.actuators?.forEach((n, j) => {
      const target = deviceNamed(n);
      if (!target)
        issue(['serial', i, 'actuators', j], `no device named "${n}" (known: ${known()})`);
      else if (target.kind !== 'actuator')
        issue(['serial', i, 'actuators', j], `"${n}" is a ${target.kind}, not an actuator`);
    });
    if (d.kind !== 'modbus_rtu') return;
    d.units?.forEach((n, j) => {
      const target = deviceNamed(n);
      if (!target) issue(['serial', i, 'units', j], `no device named "${n}" (known: ${known()})`);
      else if (target.modbus?.transport !== 'rtu')
        issue(
          ['serial', i, 'units', j],
          `"${n}" needs a binding modbus: { transport: rtu } to answer on an RTU line`,
        );
      else if (onLine.has(n))
        issue(['serial', i, 'units', j], `"${n}" is already on the RTU line "${onLine.get(n)}"`);
      else onLine.set(n, d.name);
    });
  });
  s.devices.forEach((d, i) => {
    if (d.modbus?.transport === 'rtu' && !onLine.has(d.name))
      issue(
        ['devices', i, 'modbus', 'transport'],
        `"${d.name}" uses transport rtu but no modbus_rtu line lists it in units`,
      );
  });

  s.faults.forEach((f, i) => {
    if (isTlsFault(f.type) || f.device === BROKER_TARGET) {
      if (!isTlsFault(f.type) || f.device !== BROKER_TARGET)
        issue(
          ['faults', i, 'device'],
          `the broker takes the TLS faults (${TLS_FAULT_TYPES.join(', ')}), with device: ${BROKER_TARGET}; devices take the others`,
        );
      return;
    }
    if (f.type === 'password-changed' || f.type === 'key-rotated') {
      const t = securityTarget(s, f.device, f.type);
      if ('problem' in t) issue(['faults', i, 'device'], t.problem);
      if (f.type === 'password-changed' && f.password === undefined)
        issue(['faults', i, 'password'], 'a password-changed fault needs password (the new one)');
      return;
    }
    const d = deviceNamed(f.device);
    if (!d) {
      issue(['faults', i, 'device'], `no device named "${f.device}" (known: ${known()})`);
      return;
    }
    const valueFault =
      f.type === 'stuck' || f.type === 'drift' || f.type === 'noise' || f.type === 'spike';
    if (valueFault && d.kind !== 'analog' && d.kind !== 'digital')
      issue(
        ['faults', i, 'type'],
        `"${f.type}" applies to analog and digital sensors, not to a ${d.kind}`,
      );
    if (f.type === 'crc-error' && !CRC_FRAMED_KINDS.some((k) => k === d.kind))
      issue(
        ['faults', i, 'type'],
        `"crc-error" applies to serial devices with CRC frames (${CRC_FRAMED_KINDS.join(', ')}), not to a ${d.kind}`,
      );
    if (f.type === 'drift' && f.rate === undefined)
      issue(['faults', i, 'rate'], 'a drift fault needs rate (units per minute)');
    if (f.type === 'noise' && f.amplitude === undefined)
      issue(['faults', i, 'amplitude'], 'a noise fault needs amplitude (extra standard deviation)');
    if (f.type === 'slow' && f.delayMs === undefined)
      issue(['faults', i, 'delayMs'], 'a slow fault needs delayMs');
  });
}
