/**
 * Custom-protocol field controller (scenario kind `controller`): an IOTLAB-FC200 on a serial line
 * that reads sensors and drives actuators of the lab over the protocol of
 * protocols/codecs/controller.ts and controller-reply.ts (docs/protocols/controller.md).
 *
 * Channels: every value of each listed sensor, in scenario order (an analog sensor gives one
 * channel, a digital sensor one per quantity, a switch one 0/1 channel); actuators one channel
 * each. Readings come from the lab's truth of those devices, so a correct read at t returns
 * exactly `truth(t)`; writes return `command` intents and the lab applies them.
 *
 * Unsolicited output (0x80 reports) is off until the host enables it through config registers;
 * the device still asks for a tick (1 s idle, 100 ms while watching switches) because the runtime
 * re-arms emissions only after one, and a register write can enable reports at any time.
 */
import type { Truth, Value } from '../../field/model.js';
import type { SerialDevicePlan } from '../plan.js';
import type { ControllerSpec } from './scenario.js';
import type {
  ControllerRequest,
  ControllerResponse,
  RegisterDef,
  SensorReading,
} from '../../../protocols/codecs/controller.js';
import type { ScanItem } from '../../../protocols/codecs/controller-frame.js';
import {
  BROADCAST,
  CONFIG_REGISTERS,
  ChannelStatus,
  Command,
  DEVICE_MODEL,
  FIRMWARE,
  FRAME_GAP_MS,
  MAX_SENSOR_READ,
  RESPONSE_DELAY_MS,
  ReportReason,
  Status,
  VALUE_SCALE,
  decodeRequest,
} from '../../../protocols/codecs/controller.js';
import {
  encodeError,
  encodeReport,
  encodeResponse,
} from '../../../protocols/codecs/controller-reply.js';
import { scanFrames } from '../../../protocols/codecs/controller-frame.js';
import type { ByteDevice, ByteDeviceContext, ByteDeviceFactory, ByteIntent } from '../model.js';
import { invertTrailingCrc16 } from '../../../protocols/codecs/crc16-fault.js';

/** One sensor channel as the lab card lists it: engineering value = raw × scale. */
export interface SensorChannel {
  channel: number;
  device: string;
  quantity: string;
  unit: string;
  scale: number;
  /** `switch`: a 0/1 state (reported on change when event reports are on). */
  type: 'measure' | 'switch';
}

export interface ActuatorChannel {
  channel: number;
  device: string;
}

export interface ControllerConfig {
  eventReports: boolean;
  reportIntervalS: number;
}

/** Channel indices and counts are one byte. */
const MAX_CHANNELS = 255;
const POLL_MS = 100;
const IDLE_MS = 1000;

type Outcome =
  { status: Exclude<Status, 0> } | { response: ControllerResponse; intents?: ByteIntent[] };

export const createController: ByteDeviceFactory = (plan, ctx) => new ControllerDevice(plan, ctx);

/** The channel map, from the first truth of each sensor (its quantities and units). */
export function sensorChannels(names: readonly string[], ctx: ByteDeviceContext): SensorChannel[] {
  const out: SensorChannel[] = [];
  for (const device of names) {
    const truth = ctx.truthOf(device, 0);
    for (const [quantity, value] of Object.entries(truth.values)) {
      const isSwitch = typeof value === 'boolean';
      out.push({
        channel: out.length,
        device,
        quantity,
        unit: truth.units[quantity] ?? '',
        scale: isSwitch ? 1 : 1 / VALUE_SCALE,
        type: isSwitch ? 'switch' : 'measure',
      });
    }
  }
  return out.slice(0, MAX_CHANNELS);
}

class ControllerDevice implements ByteDevice {
  private readonly spec: ControllerSpec;
  private readonly sensors: SensorChannel[];
  private readonly actuators: ActuatorChannel[];
  private readonly configLog: ({ t: number } & ControllerConfig)[] = [
    { t: 0, eventReports: false, reportIntervalS: 0 },
  ];
  private pending: Buffer = Buffer.alloc(0);
  private lastRx = 0;
  private nextReportAt: number | undefined;
  /** Last reported reading of each switch channel (status and raw), while event reports are on. */
  private readonly lastSwitch = new Map<number, string>();

  constructor(
    readonly plan: SerialDevicePlan,
    private readonly ctx: ByteDeviceContext,
  ) {
    if (plan.spec.kind !== 'controller') throw new TypeError('createController needs a controller');
    this.spec = plan.spec;
    this.sensors = sensorChannels(this.spec.sensors, ctx);
    this.actuators = this.spec.actuators
      .slice(0, MAX_CHANNELS)
      .map((device, channel) => ({ channel, device }));
  }

  receive(bytes: Buffer, t: number): ByteIntent[] {
    // Like a real controller's inter-byte timeout: a stalled partial frame is dropped.
    if (this.pending.length > 0 && t - this.lastRx > FRAME_GAP_MS) this.pending = Buffer.alloc(0);
    this.lastRx = t;
    const { items, rest } = scanFrames(Buffer.concat([this.pending, bytes]));
    this.pending = Buffer.from(rest);
    return items.flatMap((item) => this.handle(item, t));
  }

  private handle(item: ScanItem, t: number): ByteIntent[] {
    const address = this.spec.address;
    if (!item.ok) {
      // Garbage gets no answer; a bad CRC does when the address byte names us (doc §1, rule 6).
      if (item.reason === 'garbage' || !this.isForUs(item.address)) return [];
      return [reply(encodeError(address, item.command, Status.BadCrc))];
    }
    if (!this.isForUs(item.frame.address)) return [];
    const decoded = decodeRequest(item.frame);
    if (!decoded.ok) return [reply(encodeError(address, decoded.command, decoded.status))];
    const outcome = this.execute(decoded.request, t);
    if ('status' in outcome)
      return [reply(encodeError(address, item.frame.command, outcome.status))];
    return [...(outcome.intents ?? []), reply(encodeResponse(address, outcome.response))];
  }

  private isForUs(address: number): boolean {
    return address === this.spec.address || address === BROADCAST;
  }

  private execute(req: ControllerRequest, t: number): Outcome {
    switch (req.command) {
      case Command.ReadInfo:
        return {
          response: {
            command: req.command,
            info: {
              model: DEVICE_MODEL,
              serial: this.plan.id.slice(0, 32),
              firmwareMajor: FIRMWARE.major,
              firmwareMinor: FIRMWARE.minor,
              sensorChannels: this.sensors.length,
              actuatorChannels: this.actuators.length,
            },
          },
        };
      case Command.ReadSensors: {
        const chans = this.sensors.slice(req.start, req.start + req.count);
        if (chans.length !== req.count) return { status: Status.OutOfRange };
        const readings = chans.map((c) => this.readSensor(c, t));
        return { response: { command: req.command, start: req.start, readings } };
      }
      case Command.ReadActuators: {
        const chans = this.actuators.slice(req.start, req.start + req.count);
        if (chans.length !== req.count) return { status: Status.OutOfRange };
        const states = chans.map((c) => {
          const truth = this.ctx.truthOf(c.device, t);
          if (!reachable(truth)) return { status: ChannelStatus.Offline, on: false };
          return { status: ChannelStatus.Ok, on: truth.values.on === true };
        });
        return { response: { command: req.command, start: req.start, states } };
      }
      case Command.WriteActuator:
      case Command.WriteActuators: {
        const start = req.command === Command.WriteActuator ? req.channel : req.start;
        const values = req.command === Command.WriteActuator ? [req.on] : req.values;
        const chans = this.actuators.slice(start, start + values.length);
        if (chans.length !== values.length) return { status: Status.OutOfRange };
        // All or nothing: a write that cannot reach every actuator switches none.
        if (chans.some((c) => !reachable(this.ctx.truthOf(c.device, t)))) {
          return { status: Status.ActuatorFault };
        }
        const intents: ByteIntent[] = chans.map((c, i) => ({
          command: { device: c.device, cmd: { on: values[i] === true } },
        }));
        return { response: { ...req }, intents };
      }
      case Command.Config:
        return this.config(req, t);
    }
  }

  private config(
    req: Extract<ControllerRequest, { command: typeof Command.Config }>,
    t: number,
  ): Outcome {
    const def = CONFIG_REGISTERS.find((r) => r.register === req.register);
    if (!def) return { status: Status.OutOfRange };
    if (req.op === 'read') {
      return { response: { ...req, value: this.registerValue(def, t) } };
    }
    if (def.access !== 'rw' || req.value < def.min || req.value > def.max) {
      return { status: Status.BadValue };
    }
    const before = this.configAt(t);
    const next: ControllerConfig =
      def.key === 'eventReports'
        ? { ...before, eventReports: req.value === 1 }
        : { ...before, reportIntervalS: req.value };
    this.configLog.push({ t, ...next });
    if (next.eventReports && !before.eventReports) this.snapshotSwitches(t);
    if (!next.eventReports) this.lastSwitch.clear();
    if (def.key === 'reportIntervalS') {
      this.nextReportAt = req.value > 0 ? t + req.value * 1000 : undefined;
    }
    return { response: { ...req }, intents: [{ state: { ...next } }] };
  }

  private registerValue(def: RegisterDef, t: number): number {
    const cfg = this.configAt(t);
    if (def.key === 'address') return this.spec.address;
    return def.key === 'eventReports' ? Number(cfg.eventReports) : cfg.reportIntervalS;
  }

  private configAt(t: number): ControllerConfig {
    let cfg: ControllerConfig = this.configLog[0]!;
    for (const c of this.configLog) if (c.t <= t) cfg = c;
    return { eventReports: cfg.eventReports, reportIntervalS: cfg.reportIntervalS };
  }

  private readSensor(c: SensorChannel, t: number): SensorReading {
    const truth = this.ctx.truthOf(c.device, t);
    const v: Value | undefined = truth.values[c.quantity];
    if (!reachable(truth) || v === undefined) return { status: ChannelStatus.Offline, raw: 0 };
    return { status: ChannelStatus.Ok, raw: toRaw(v) };
  }

  private snapshotSwitches(t: number): void {
    for (const c of this.sensors) {
      if (c.type === 'switch') this.lastSwitch.set(c.channel, key(this.readSensor(c, t)));
    }
  }

  nextEmission(t: number): number | undefined {
    if (this.sensors.length === 0) return undefined;
    const watching = this.configAt(t).eventReports && this.sensors.some((c) => c.type === 'switch');
    const tick = watching ? POLL_MS : IDLE_MS;
    const next = (Math.floor(t / tick) + 1) * tick;
    return this.nextReportAt !== undefined && this.nextReportAt > t
      ? Math.min(next, this.nextReportAt)
      : next;
  }

  emit(t: number): ByteIntent[] {
    const address = this.spec.address;
    const out: ByteIntent[] = [];
    if (this.configAt(t).eventReports) {
      for (const c of this.sensors) {
        if (c.type !== 'switch') continue;
        const reading = this.readSensor(c, t);
        if (this.lastSwitch.get(c.channel) === key(reading)) continue;
        this.lastSwitch.set(c.channel, key(reading));
        const report = { reason: ReportReason.SwitchChange, start: c.channel, readings: [reading] };
        out.push({ send: encodeReport(address, report) });
      }
    }
    if (this.nextReportAt !== undefined && t >= this.nextReportAt) {
      // One report per interval even when ticks were missed; more than 50 channels span frames.
      for (let start = 0; start < this.sensors.length; start += MAX_SENSOR_READ) {
        const chans = this.sensors.slice(start, start + MAX_SENSOR_READ);
        const readings = chans.map((c) => this.readSensor(c, t));
        out.push({
          send: encodeReport(address, { reason: ReportReason.Periodic, start, readings }),
        });
      }
      const period = this.configAt(t).reportIntervalS * 1000;
      while (this.nextReportAt <= t) this.nextReportAt += period;
    }
    return out;
  }

  truth(t: number): Record<string, unknown> {
    return {
      address: this.spec.address,
      sensors: this.sensors.map((c) => {
        const r = this.readSensor(c, t);
        const ok = r.status === ChannelStatus.Ok;
        const value = c.type === 'switch' ? r.raw === 1 : r.raw / VALUE_SCALE;
        return {
          ...channelInfo(c),
          status: ok ? 'ok' : 'offline',
          raw: ok ? r.raw : null,
          value: ok ? value : null,
        };
      }),
      actuators: this.actuators.map((c) => {
        const truth = this.ctx.truthOf(c.device, t);
        const ok = reachable(truth);
        return { ...c, status: ok ? 'ok' : 'offline', on: ok ? truth.values.on === true : null };
      }),
      config: this.configAt(t),
    };
  }

  /** `crc-error` fault: each frame ends in a CRC-16, low byte first. */
  corruptCheck(frame: Buffer): Buffer {
    return invertTrailingCrc16(frame);
  }

  cardInfo(): Record<string, unknown> {
    return {
      protocol: `${DEVICE_MODEL} controller protocol v${FIRMWARE.major}.${FIRMWARE.minor}`,
      doc: 'docs/protocols/controller.md',
      address: this.spec.address,
      broadcast: BROADCAST,
      frame:
        '5A A5 | address | command | length | payload | CRC16/MODBUS of address..payload, low byte first',
      values: 'int32 big-endian; engineering value = raw × scale',
      sensorChannels: this.sensors.map(channelInfo),
      actuatorChannels: this.actuators.map((c) => ({ ...c })),
      registers: CONFIG_REGISTERS.map((r) => ({ ...r })),
    };
  }
}

function channelInfo(c: SensorChannel): Record<string, unknown> {
  return {
    channel: c.channel,
    device: c.device,
    quantity: c.quantity,
    unit: c.unit,
    scale: c.scale,
    type: c.type,
  };
}

/** An unreachable device (offline, not answering) reads as an offline channel. */
function reachable(truth: Truth): boolean {
  return truth.online && !truth.faults.includes('no-response');
}

function toRaw(v: Value): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  const raw = Math.round(v * VALUE_SCALE) || 0; // `|| 0`: no -0, no NaN on the wire
  return Math.max(-0x80000000, Math.min(0x7fffffff, raw));
}

function key(r: SensorReading): string {
  return `${r.status}:${r.raw}`;
}

function reply(send: Buffer): ByteIntent {
  return { send, delayMs: RESPONSE_DELAY_MS };
}
