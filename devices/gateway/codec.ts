/**
 * What the edge gateway puts on a line for one point and what it makes of the answer: the
 * request (a Modbus RTU frame or an IOTLAB-FC200 controller frame), the reply decoded against
 * that request and scaled to an engineering value or a point error, a command from MQTT mapped
 * to a write, and the payload template. Pure: bytes and values in, bytes and values out.
 */
import type { GatewayPoint } from './config.js';
import type { ModbusRequest } from '../../protocols/codecs/modbus.js';
import { encodeRequest as encodePdu } from '../../protocols/codecs/modbus.js';
import { encodeRtu } from '../../protocols/codecs/modbus-rtu.js';
import { RtuResponseReader, decodeRtuResponse } from '../../protocols/codecs/modbus-response.js';
import type { ControllerRequest } from '../../protocols/codecs/controller.js';
import {
  ChannelStatus,
  Command,
  Status,
  encodeRequest as encodeControllerRequest,
} from '../../protocols/codecs/controller.js';
import { decodeReply } from '../../protocols/codecs/controller-reply.js';
import { decodeFrame, scanFrames } from '../../protocols/codecs/controller-frame.js';
import { parseCommand } from '../field/model.js';

export type PointValue = number | boolean;

export type PointErrorCode =
  'timeout' | 'exception' | 'crc' | 'malformed' | 'line-down' | 'offline' | 'device-status';

export interface PointError {
  code: PointErrorCode;
  message: string;
}

export type PointReading =
  { ok: true; value: PointValue; raw: number } | { ok: false; error: PointError };

/** A request the gateway sends, with what it asks (to match and decode the answer). */
export type LineRequest =
  | { lineKind: 'modbus_rtu'; request: ModbusRequest; bytes: Buffer }
  | { lineKind: 'controller'; request: ControllerRequest; bytes: Buffer };

const READ_FC = { coil: 1, discrete: 2, holding: 3, input: 4 } as const;

/** The read request of a point. */
export function pollRequest(point: GatewayPoint): LineRequest {
  if (point.lineKind === 'modbus_rtu') {
    const request: ModbusRequest = {
      fc: READ_FC[point.table],
      address: point.address,
      quantity: 1,
    };
    return { lineKind: 'modbus_rtu', request, bytes: encodeRtu(point.slave, encodePdu(request)) };
  }
  const command = point.table === 'actuator' ? Command.ReadActuators : Command.ReadSensors;
  const request: ControllerRequest = { command, start: point.channel, count: 1 };
  return { lineKind: 'controller', request, bytes: encodeControllerRequest(point.slave, request) };
}

/** The write request that sets a writable point to `value` (a value from `commandValue`). */
export function writeRequest(point: GatewayPoint, value: PointValue): LineRequest {
  if (point.lineKind === 'controller') {
    const request: ControllerRequest = {
      command: Command.WriteActuator,
      channel: point.channel,
      on: value === true,
    };
    return {
      lineKind: 'controller',
      request,
      bytes: encodeControllerRequest(point.slave, request),
    };
  }
  // [APP] §6.5 Write Single Coil, §6.6 Write Single Register
  const request: ModbusRequest =
    point.table === 'coil'
      ? { fc: 5, address: point.address, value: value === true }
      : { fc: 6, address: point.address, value: toRaw(point, Number(value)) };
  return { lineKind: 'modbus_rtu', request, bytes: encodeRtu(point.slave, encodePdu(request)) };
}

/** Cuts whole replies out of what the line sends back. */
export interface ReplyReader {
  push(bytes: Buffer): Buffer[];
  /** Bytes held that make no reply yet. */
  pending(): number;
  reset(): void;
}

export function replyReader(lineKind: GatewayPoint['lineKind']): ReplyReader {
  if (lineKind === 'modbus_rtu') return new RtuResponseReader();
  let rest = Buffer.alloc(0);
  return {
    push(bytes) {
      const scan = scanFrames(Buffer.concat([rest, bytes]));
      rest = Buffer.from(scan.rest);
      // Garbage between frames is dropped; a frame with a bad CRC still ends the wait.
      return scan.items
        .filter((i) => i.ok || i.reason === 'bad-crc')
        .map((i) => Buffer.from(i.raw));
    },
    pending: () => rest.length,
    reset() {
      rest = Buffer.alloc(0);
    },
  };
}

/**
 * The answer `frame` to `req` for `point`: a reading (for a write, the value written) or a point
 * error. Undefined when the frame is no answer at all (a controller's unsolicited report).
 */
export function decodeAnswer(
  point: GatewayPoint,
  req: LineRequest,
  frame: Buffer,
): PointReading | undefined {
  const who = describeSource(point);
  if (req.lineKind === 'modbus_rtu') {
    const r = decodeRtuResponse(frame, point.slave, req.request);
    if (!r.ok) {
      if (r.kind === 'exception')
        return fail('exception', `${who} answered ${r.error.message} (${describeRegister(point)})`);
      const crc = r.error.context.kind === 'crc';
      return fail(crc ? 'crc' : 'malformed', `${who}: ${r.error.message}`);
    }
    const res = r.response;
    if (res.fc === 1 || res.fc === 2) return reading(point, res.values[0] ? 1 : 0);
    if (res.fc === 3 || res.fc === 4) return reading(point, res.values[0]!);
    if (res.fc === 5) return reading(point, res.value ? 1 : 0);
    if (res.fc === 6) return reading(point, res.value);
    return fail('malformed', `${who}: unexpected FC${res.fc} response`);
  }
  const decoded = decodeFrame(frame);
  if (!decoded.ok) {
    const crc = decoded.error.message.includes('CRC');
    return fail(crc ? 'crc' : 'malformed', `${who}: ${decoded.error.message}`);
  }
  const reply = decodeReply(decoded.frame);
  if (!reply.ok) return fail('malformed', `${who}: ${reply.error.message}`);
  const r = reply.reply;
  if (r.kind === 'report') return undefined;
  if (r.address !== point.slave)
    return fail('malformed', `${who}: answer from address ${r.address}`);
  if (r.kind === 'error')
    return fail(
      'device-status',
      `${who} answered status ${hex2(r.status)} ${statusName(r.status)} to command ${hex2(r.command)}`,
    );
  const res = r.response;
  if (res.command !== req.request.command)
    return fail(
      'malformed',
      `${who}: reply to command ${hex2(res.command)}, expected ${hex2(req.request.command)}`,
    );
  if (res.command === Command.ReadSensors || res.command === Command.ReadActuators) {
    const one = res.command === Command.ReadSensors ? res.readings[0] : res.states[0];
    if (!one) return fail('malformed', `${who}: reply without the channel`);
    if (one.status === ChannelStatus.Offline)
      return fail(
        'offline',
        `${who}: ${describeRegister(point)}${point.device ? ` (${point.device})` : ''} is offline`,
      );
    return reading(point, 'raw' in one ? one.raw : one.on ? 1 : 0);
  }
  if (res.command === Command.WriteActuator) return reading(point, res.on ? 1 : 0);
  return fail('malformed', `${who}: unexpected reply to command ${hex2(res.command)}`);
}

/** Engineering value of a raw register or channel value: raw × scale + offset, or on/off. */
export function scaleRaw(point: GatewayPoint, raw: number): PointValue {
  if (point.type === 'bool') return raw !== 0;
  const signed = point.type === 'int16' && raw >= 0x8000 ? raw - 0x10000 : raw;
  return tidy(signed * point.scale + point.offset);
}

/** Removes binary floating-point dust (0.1 × 3 = 0.30000000000000004). */
export function tidy(x: number): number {
  return Number(x.toPrecision(12));
}

function reading(point: GatewayPoint, raw: number): PointReading {
  return { ok: true, value: scaleRaw(point, raw), raw };
}

function fail(code: PointErrorCode, message: string): PointReading {
  return { ok: false, error: { code, message } };
}

/** Raw register value for an engineering value: (value − offset) / scale, rounded. */
function toRaw(point: GatewayPoint, value: number): number {
  const raw = Math.round((value - point.offset) / point.scale);
  return point.type === 'int16' ? raw & 0xffff : raw;
}

export type CommandResult = { ok: true; value: PointValue } | { ok: false; message: string };

/**
 * The value an MQTT command (`<topic>/set`) asks for: on/off/1/0/true/false or JSON (`true`,
 * `{"on":true}`, `{"state":"ON"}`, `{"value":1}`) for coils and actuators; a number or
 * `{"value":n}` in engineering units for holding registers.
 */
export function commandValue(point: GatewayPoint, payload: string): CommandResult {
  if (!point.writable) return { ok: false, message: `point "${point.point}" is not writable` };
  let input: unknown = payload.trim();
  try {
    input = JSON.parse(payload) as unknown;
  } catch {
    // plain text: on, OFF, 1, 21.5
  }
  if (typeof input === 'object' && input !== null && 'value' in input) input = input.value;
  if (point.type === 'bool') {
    const cmd = parseCommand(input);
    return cmd
      ? { ok: true, value: cmd.on }
      : {
          ok: false,
          message: `point "${point.point}" takes on/off, 1/0 or true/false, got ${show(payload)}`,
        };
  }
  const n =
    typeof input === 'number'
      ? input
      : typeof input === 'string' && input !== ''
        ? Number(input)
        : NaN;
  if (!Number.isFinite(n))
    return { ok: false, message: `point "${point.point}" takes a number, got ${show(payload)}` };
  const raw = Math.round((n - point.offset) / point.scale);
  const [lo, hi] = point.type === 'int16' ? [-32768, 32767] : [0, 65535];
  if (raw < lo || raw > hi)
    return {
      ok: false,
      message: `${n} is raw ${raw}, outside ${lo}..${hi} of a ${point.type} register (point "${point.point}")`,
    };
  return { ok: true, value: n };
}

/** `unit 17 on rs485` / `controller 7 on irrigation`. */
export function describeSource(point: GatewayPoint): string {
  return point.lineKind === 'modbus_rtu'
    ? `unit ${point.slave} on ${point.line}`
    : `controller ${point.slave} on ${point.line}`;
}

function describeRegister(point: GatewayPoint): string {
  return point.lineKind === 'modbus_rtu'
    ? `${point.table} ${point.address}`
    : `${point.table} channel ${point.channel}`;
}

/**
 * A payload template with its placeholders filled: numbers and booleans as JSON literals, text
 * JSON-escaped without quotes (scenario-gateway.ts lists the placeholders).
 */
export function renderPayload(
  template: string,
  vars: Record<string, string | number | boolean | null>,
): string {
  return template.replace(/\{([a-z]+)\}/g, (all, key: string) => {
    if (!(key in vars)) return all;
    const v = vars[key];
    if (typeof v === 'string') return JSON.stringify(v).slice(1, -1);
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
    return String(v);
  });
}

const STATUS_NAMES = new Map<number, string>(
  Object.entries(Status).map(([k, v]) => [
    v,
    k.replace(/[A-Z]/g, (c, i: number) => (i ? '_' : '') + c).toUpperCase(),
  ]),
);

function statusName(status: number): string {
  return STATUS_NAMES.get(status) ?? 'UNKNOWN';
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

function show(payload: string): string {
  return JSON.stringify(payload.length > 40 ? payload.slice(0, 40) + '…' : payload);
}
