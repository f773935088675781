/**
 * IOTLAB-FC200 field-controller protocol, replies (device → host): encoding responses, error
 * replies and unsolicited reports on the device side, and decoding any of them on the host side.
 * The constants, typed messages and requests (host → device) are in controller.ts, the frame in
 * controller-frame.ts; the replies are separate because they are the other direction of the
 * line, used by the device model to answer and by a host (the gateway) to read. Pure: bytes in,
 * typed values out, no ports and no timers.
 *
 * Replies: command | 0x40, payload starting with a status byte (0x00 = OK); an error reply
 * carries the status byte alone. 0x80 is the device's unsolicited report. Every multi-byte field
 * of a payload is big-endian.
 *
 * Untrusted bytes never throw: `decodeReply` returns a typed error. Only encoders throw, and only
 * when our own code asks for a frame the protocol forbids.
 */
import type { LabError } from '../../core/errors.js';
import type {
  ActuatorReading,
  ControllerReport,
  ControllerResponse,
  Reply,
  SensorReading,
} from './controller.js';
import {
  Command,
  REPLY_FLAG,
  REPORT_COMMAND,
  Status,
  checkCount,
  packBits,
  u16,
  unpackBits,
} from './controller.js';
import type { Frame } from './controller-frame.js';
import { checkByte, encodeFrame, hex2, malformed } from './controller-frame.js';

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

function fail(message: string): { ok: false; error: LabError } {
  return { ok: false, error: malformed(message) };
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
