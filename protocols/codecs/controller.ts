/**
 * IOTLAB-FC200 field-controller protocol: the lab's own vendor-style binary command protocol on
 * a serial line. Pure: bytes in, typed values out, no ports and no timers. The protocol is
 * described as data in `controller-spec.ts` and rendered to docs/protocols/controller.md; this
 * file and controller-frame.ts are its only implementation (device side and host side alike).
 *
 * This file holds the messages: what the payload of a frame means. The frame itself
 * (5A A5 | address | command | length | payload | CRC) is in controller-frame.ts. Every
 * multi-byte field of a payload is big-endian.
 *
 * Replies: command | 0x40, payload starting with a status byte (0x00 = OK); an error reply
 * carries the status byte alone. 0x80 is the device's unsolicited report.
 *
 * Untrusted bytes never throw: `decodeRequest` returns the status the device answers with,
 * `decodeReply` a typed error. Only encoders throw, and only when our own code asks for a frame
 * the protocol forbids.
 */
import type { LabError } from '../../simulator/errors.js';
import type { Frame } from './controller-frame.js';
import { checkByte, encodeFrame, malformed } from './controller-frame.js';

// ---------------------------------------------------------------------------------------------
// Constants

export const BROADCAST = 0xff;
/** Reply command = request command | 0x40, so a line sniffer tells requests from replies. */
export const REPLY_FLAG = 0x40;
export const REPORT_COMMAND = 0x80;

export const Command = {
  ReadInfo: 0x01,
  ReadSensors: 0x02,
  ReadActuators: 0x03,
  WriteActuator: 0x04,
  WriteActuators: 0x05,
  Config: 0x06,
} as const;

export const Status = {
  Ok: 0x00,
  BadCrc: 0x01,
  UnknownCommand: 0x02,
  BadLength: 0x03,
  OutOfRange: 0x04,
  BadValue: 0x05,
  ActuatorFault: 0x06,
} as const;
export type Status = (typeof Status)[keyof typeof Status];

/** Per-channel status byte in sensor and actuator readings. */
export const ChannelStatus = { Ok: 0x00, Offline: 0x01 } as const;
export const ReportReason = { SwitchChange: 0x01, Periodic: 0x02 } as const;

/** Measured values travel as int32 = round(value × 100); switch states as 0/1. */
export const VALUE_SCALE = 100;
/** 3 + 5 × 50 = 253 bytes: the most channel records a 255-byte payload holds. */
export const MAX_SENSOR_READ = 50;
export const MAX_ACTUATOR_COUNT = 64;

export interface RegisterDef {
  register: number;
  key: 'address' | 'eventReports' | 'reportIntervalS';
  access: 'r' | 'rw';
  min: number;
  max: number;
}
export const CONFIG_REGISTERS: readonly RegisterDef[] = [
  { register: 0x00, key: 'address', access: 'r', min: 1, max: 254 },
  { register: 0x01, key: 'eventReports', access: 'rw', min: 0, max: 1 },
  { register: 0x02, key: 'reportIntervalS', access: 'rw', min: 0, max: 3600 },
];

export const DEVICE_MODEL = 'IOTLAB-FC200';
export const FIRMWARE = { major: 1, minor: 2 } as const;
/** A gap longer than this between bytes discards a partial frame (the next byte starts anew). */
export const FRAME_GAP_MS = 500;
/** The device's turnaround: time from the last request byte to the first reply byte. */
export const RESPONSE_DELAY_MS = 10;

// ---------------------------------------------------------------------------------------------
// Typed messages

export type ControllerRequest =
  | { command: typeof Command.ReadInfo }
  | { command: typeof Command.ReadSensors; start: number; count: number }
  | { command: typeof Command.ReadActuators; start: number; count: number }
  | { command: typeof Command.WriteActuator; channel: number; on: boolean }
  | { command: typeof Command.WriteActuators; start: number; values: boolean[] }
  | { command: typeof Command.Config; op: 'read'; register: number }
  | { command: typeof Command.Config; op: 'write'; register: number; value: number };

export interface DeviceInfo {
  model: string;
  serial: string;
  firmwareMajor: number;
  firmwareMinor: number;
  sensorChannels: number;
  actuatorChannels: number;
}
/** `raw` is the int32 on the wire; engineering value = raw × the channel's scale. */
export interface SensorReading {
  status: number;
  raw: number;
}
export interface ActuatorReading {
  status: number;
  on: boolean;
}

export type ControllerResponse =
  | { command: typeof Command.ReadInfo; info: DeviceInfo }
  | { command: typeof Command.ReadSensors; start: number; readings: SensorReading[] }
  | { command: typeof Command.ReadActuators; start: number; states: ActuatorReading[] }
  | { command: typeof Command.WriteActuator; channel: number; on: boolean }
  | { command: typeof Command.WriteActuators; start: number; values: boolean[] }
  | { command: typeof Command.Config; op: 'read' | 'write'; register: number; value: number };

export interface ControllerReport {
  reason: number;
  start: number;
  readings: SensorReading[];
}

export type Reply =
  | { kind: 'response'; address: number; response: ControllerResponse }
  | { kind: 'error'; address: number; command: number; status: number }
  | { kind: 'report'; address: number; report: ControllerReport };

// ---------------------------------------------------------------------------------------------
// Requests (host → device)

export type RequestResult =
  | { ok: true; request: ControllerRequest }
  | { ok: false; command: number; status: Status; reason: string };

/** The request a frame carries, or the status the device answers it with (and why). */
export function decodeRequest(frame: Frame): RequestResult {
  const p = frame.payload;
  const cmd = frame.command;
  const len = (n: number): RequestResult | undefined =>
    p.length === n ? undefined : reject(cmd, Status.BadLength, lengthReason(cmd, n, p.length));
  switch (cmd) {
    case Command.ReadInfo:
      return len(0) ?? { ok: true, request: { command: Command.ReadInfo } };
    case Command.ReadSensors:
    case Command.ReadActuators: {
      const bad = len(2);
      if (bad) return bad;
      const max = cmd === Command.ReadSensors ? MAX_SENSOR_READ : MAX_ACTUATOR_COUNT;
      const count = p[1]!;
      if (count < 1 || count > max) {
        return reject(cmd, Status.OutOfRange, `count must be 1..${max}, got ${count}`);
      }
      const command = cmd === Command.ReadSensors ? Command.ReadSensors : Command.ReadActuators;
      return { ok: true, request: { command, start: p[0]!, count } };
    }
    case Command.WriteActuator: {
      const bad = len(2);
      if (bad) return bad;
      const state = p[1]!;
      if (state > 1)
        return reject(cmd, Status.BadValue, `state must be 00 or 01, got ${hex2(state)}`);
      return {
        ok: true,
        request: { command: Command.WriteActuator, channel: p[0]!, on: state === 1 },
      };
    }
    case Command.WriteActuators: {
      if (p.length < 2) return reject(cmd, Status.BadLength, lengthReason(cmd, 3, p.length));
      const count = p[1]!;
      if (count < 1 || count > MAX_ACTUATOR_COUNT) {
        return reject(
          cmd,
          Status.OutOfRange,
          `count must be 1..${MAX_ACTUATOR_COUNT}, got ${count}`,
        );
      }
      const bad = len(2 + Math.ceil(count / 8));
      if (bad) return bad;
      const values = unpackBits(p.subarray(2), count);
      return { ok: true, request: { command: Command.WriteActuators, start: p[0]!, values } };
    }
    case Command.Config: {
      if (p.length < 1) return reject(cmd, Status.BadLength, lengthReason(cmd, 2, 0));
      const op = p[0]!;
      if (op > 1)
        return reject(cmd, Status.BadValue, `op must be 00 (read) or 01 (write), got ${hex2(op)}`);
      const bad = len(op === 0 ? 2 : 4);
      if (bad) return bad;
      const request: ControllerRequest =
        op === 0
          ? { command: Command.Config, op: 'read', register: p[1]! }
          : { command: Command.Config, op: 'write', register: p[1]!, value: p.readUInt16BE(2) };
      return { ok: true, request };
    }
    default:
      return reject(cmd, Status.UnknownCommand, `command ${hex2(cmd)} is not supported`);
  }
}

export function encodeRequest(address: number, req: ControllerRequest): Buffer {
  let payload: Buffer;
  switch (req.command) {
    case Command.ReadInfo:
      payload = Buffer.alloc(0);
      break;
    case Command.ReadSensors:
    case Command.ReadActuators:
      checkCount(req.command, req.count);
      payload = Buffer.of(checkByte('start', req.start), req.count);
      break;
    case Command.WriteActuator:
      payload = Buffer.of(checkByte('channel', req.channel), req.on ? 1 : 0);
      break;
    case Command.WriteActuators:
      checkCount(req.command, req.values.length);
      payload = Buffer.concat([
        Buffer.of(checkByte('start', req.start), req.values.length),
        packBits(req.values),
      ]);
      break;
    case Command.Config:
      payload =
        req.op === 'read'
          ? Buffer.of(0, checkByte('register', req.register))
          : Buffer.of(1, checkByte('register', req.register), ...u16(req.value));
      break;
  }
  return encodeFrame({ address, command: req.command, payload });
}

// ---------------------------------------------------------------------------------------------
// Replies (device → host)

export function encodeResponse(address: number, res: ControllerResponse): Buffer {
  const body: number[] = [Status.Ok];
  switch (res.command) {
    case Command.ReadInfo: {
      const i = res.info;
      body.push(i.firmwareMajor, i.firmwareMinor, i.sensorChannels, i.actuatorChannels);
      body.push(...ascii('model', i.model), ...ascii('serial', i.serial));
      break;
    }
    case Command.ReadSensors:
      body.push(checkByte('start', res.start), checkCount(res.command, res.readings.length));
      for (const r of res.readings) body.push(checkByte('status', r.status), ...i32(r.raw));
      break;
    case Command.ReadActuators:
      body.push(checkByte('start', res.start), checkCount(res.command, res.states.length));
      for (const s of res.states) body.push(checkByte('status', s.status), s.on ? 1 : 0);
      break;
    case Command.WriteActuator:
      body.push(checkByte('channel', res.channel), res.on ? 1 : 0);
      break;
    case Command.WriteActuators:
      body.push(checkByte('start', res.start), checkCount(res.command, res.values.length));
      body.push(...packBits(res.values));
      break;
    case Command.Config:
      body.push(res.op === 'read' ? 0 : 1, checkByte('register', res.register), ...u16(res.value));
      break;
  }
  return encodeFrame({ address, command: res.command | REPLY_FLAG, payload: Buffer.from(body) });
}

/** An error reply: the request's command | 0x40 and the status byte alone. */
export function encodeError(address: number, command: number, status: Status): Buffer {
  if (status === Status.Ok) throw malformed('an error reply needs a non-zero status');
  return encodeFrame({
    address,
    command: (command | REPLY_FLAG) & 0xff,
    payload: Buffer.of(status),
  });
}

export function encodeReport(address: number, report: ControllerReport): Buffer {
  checkCount(Command.ReadSensors, report.readings.length);
  const body = [checkByte('reason', report.reason), checkByte('start', report.start)];
  body.push(report.readings.length);
  for (const r of report.readings) body.push(checkByte('status', r.status), ...i32(r.raw));
  return encodeFrame({ address, command: REPORT_COMMAND, payload: Buffer.from(body) });
}

/** Host side: what a device frame says. */
export function decodeReply(
  frame: Frame,
): { ok: true; reply: Reply } | { ok: false; error: LabError } {
  const { address, payload: p } = frame;
  const where = `reply ${hex2(frame.command)}`;
  if (frame.command === REPORT_COMMAND) {
    const readings = p.length >= 3 ? sensorRecords(p.subarray(3), p[2]!) : undefined;
    if (!readings) return fail(`${where}: payload must be 3 + 5 × count bytes, got ${p.length}`);
    return {
      ok: true,
      reply: { kind: 'report', address, report: { reason: p[0]!, start: p[1]!, readings } },
    };
  }
  if ((frame.command & REPLY_FLAG) === 0) return fail(`${where}: not a reply (bit 0x40 clear)`);
  const command = frame.command & ~REPLY_FLAG;
  if (p.length < 1) return fail(`${where}: no status byte`);
  if (p[0] !== Status.Ok) {
    if (p.length !== 1) return fail(`${where}: an error reply carries the status byte alone`);
    return { ok: true, reply: { kind: 'error', address, command, status: p[0]! } };
  }
  const response = decodeResponse(command, p.subarray(1));
  if (!response) return fail(`${where}: payload of ${p.length} bytes does not fit the layout`);
  return { ok: true, reply: { kind: 'response', address, response } };
}

function decodeResponse(command: number, d: Buffer): ControllerResponse | undefined {
  switch (command) {
    case Command.ReadInfo: {
      if (d.length < 5) return undefined;
      const model = lengthPrefixed(d, 4);
      if (model === undefined) return undefined;
      const serial = lengthPrefixed(d, 5 + model.length);
      if (serial === undefined) return undefined;
      if (6 + model.length + serial.length !== d.length) return undefined;
      const [firmwareMajor, firmwareMinor, sensorChannels, actuatorChannels] = d;
      return {
        command: Command.ReadInfo,
        info: {
          model,
          serial,
          firmwareMajor: firmwareMajor!,
          firmwareMinor: firmwareMinor!,
          sensorChannels: sensorChannels!,
          actuatorChannels: actuatorChannels!,
        },
      };
    }
    case Command.ReadSensors: {
      const readings = d.length >= 2 ? sensorRecords(d.subarray(2), d[1]!) : undefined;
      return readings && { command: Command.ReadSensors, start: d[0]!, readings };
    }
    case Command.ReadActuators: {
      if (d.length < 2 || d.length !== 2 + 2 * d[1]!) return undefined;
      const states: ActuatorReading[] = [];
      for (let i = 2; i < d.length; i += 2) states.push({ status: d[i]!, on: d[i + 1] === 1 });
      return { command: Command.ReadActuators, start: d[0]!, states };
    }
    case Command.WriteActuator:
      return d.length === 2
        ? { command: Command.WriteActuator, channel: d[0]!, on: d[1] === 1 }
        : undefined;
    case Command.WriteActuators:
      if (d.length < 2 || d.length !== 2 + Math.ceil(d[1]! / 8)) return undefined;
      return {
        command: Command.WriteActuators,
        start: d[0]!,
        values: unpackBits(d.subarray(2), d[1]!),
      };
    case Command.Config:
      if (d.length !== 4 || d[0]! > 1) return undefined;
      return {
        command: Command.Config,
        op: d[0] === 0 ? 'read' : 'write',
        register: d[1]!,
        value: d.readUInt16BE(2),
      };
    default:
      return undefined;
  }
}

function sensorRecords(d: Buffer, count: number): SensorReading[] | undefined {
  if (d.length !== 5 * count) return undefined;
  const out: SensorReading[] = [];
  for (let i = 0; i < d.length; i += 5) out.push({ status: d[i]!, raw: d.readInt32BE(i + 1) });
  return out;
}

function lengthPrefixed(d: Buffer, at: number): string | undefined {
  if (at >= d.length || at + 1 + d[at]! > d.length) return undefined;
  return d.toString('latin1', at + 1, at + 1 + d[at]!);
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Bit i of the mask is channel start + i, least significant bit first (as Modbus FC15). */
export function packBits(values: readonly boolean[]): Buffer {
  const out = Buffer.alloc(Math.ceil(values.length / 8));
  values.forEach((on, i) => {
    if (on) out[i >> 3] = (out[i >> 3] ?? 0) | (1 << (i & 7));
  });
  return out;
}

export function unpackBits(bytes: Uint8Array, count: number): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < count; i++) out.push((((bytes[i >> 3] ?? 0) >> (i & 7)) & 1) === 1);
  return out;
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

function reject(command: number, status: Status, reason: string): RequestResult {
  return { ok: false, command, status, reason };
}

function lengthReason(cmd: number, expected: number, got: number): string {
  const tail = got < expected ? 'too short' : 'too long';
  return `command ${hex2(cmd)} needs a ${expected}-byte payload, got ${got} (${tail})`;
}

function fail(message: string): { ok: false; error: LabError } {
  return { ok: false, error: malformed(message) };
}

function checkCount(command: number, n: number): number {
  const max = command === Command.ReadSensors ? MAX_SENSOR_READ : MAX_ACTUATOR_COUNT;
  if (n < 1 || n > max)
    throw malformed(`command ${hex2(command)} carries 1..${max} channels, got ${n}`);
  return n;
}

function u16(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff)
    throw malformed(`value must be 0..65535, got ${n}`);
  return [n >> 8, n & 0xff];
}

function i32(n: number): Buffer {
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff) {
    throw malformed(`a channel value must be an int32, got ${n}`);
  }
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
}

function ascii(what: string, s: string): number[] {
  if (!/^[\x20-\x7e]{0,32}$/.test(s))
    throw malformed(`${what} must be 0..32 printable ASCII characters`);
  return [s.length, ...Buffer.from(s, 'latin1')];
}
