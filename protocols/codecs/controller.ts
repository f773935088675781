/**
 * IOTLAB-FC200 field-controller protocol: the lab's own vendor-style binary command protocol on
 * a serial line. Pure: bytes in, typed values out, no ports and no timers. The protocol is
 * described as data in `controller-spec.ts` and rendered to docs/protocols/controller.md; this
 * file, controller-reply.ts and controller-frame.ts are its only implementation (device side and
 * host side alike).
 *
 * This file holds the constants, the typed messages and the requests (host → device): what the
 * payload of a frame means. The frame itself (5A A5 | address | command | length | payload | CRC)
 * is in controller-frame.ts; the replies (device → host) are in controller-reply.ts. Every
 * multi-byte field of a payload is big-endian.
 *
 * Replies: command | 0x40, payload starting with a status byte (0x00 = OK); an error reply
 * carries the status byte alone. 0x80 is the device's unsolicited report.
 *
 * Untrusted bytes never throw: `decodeRequest` returns the status the device answers with,
 * `decodeReply` (controller-reply.ts) a typed error. Only encoders throw, and only when our own
 * code asks for a frame the protocol forbids.
 */
import type { Frame } from './controller-frame.js';
import { checkByte, encodeFrame, hex2, malformed } from './controller-frame.js';

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

function reject(command: number, status: Status, reason: string): RequestResult {
  return { ok: false, command, status, reason };
}

function lengthReason(cmd: number, expected: number, got: number): string {
  const tail = got < expected ? 'too short' : 'too long';
  return `command ${hex2(cmd)} needs a ${expected}-byte payload, got ${got} (${tail})`;
}

/** A channel count for an encoder; controller-reply.ts uses it too. */
export function checkCount(command: number, n: number): number {
  const max = command === Command.ReadSensors ? MAX_SENSOR_READ : MAX_ACTUATOR_COUNT;
  if (n < 1 || n > max)
    throw malformed(`command ${hex2(command)} carries 1..${max} channels, got ${n}`);
  return n;
}

/** A u16 field for an encoder, big-endian; controller-reply.ts uses it too. */
export function u16(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff)
    throw malformed(`value must be 0..65535, got ${n}`);
  return [n >> 8, n & 0xff];
}
