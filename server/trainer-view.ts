/**
 * What the trainer page shows of a running lab and what its buttons do, apart from HTTP: the
 * lab's devices (socket and serial), their live values read from truth at lab time (so exactly
 * what a device reports, faults included), the faults active now, injecting a fault with
 * defaults sized to the device's range, and resetting the lab.
 *
 * The faults map onto the lab's fault types: device offline = `offline`, sensor stuck =
 * `stuck`, drift, noise burst = `noise` (with a duration), out-of-range spike = `spike`, Modbus
 * slave timeout = `no-response` on a Modbus device (TCP or on an RTU line; `slow` delays answers
 * instead), serial CRC errors = `crc-error` on a serial device with CRC-16 frames.
 *
 * Reset, defined: every fault active now ends (injected or from the scenario; each end is `fault`
 * evidence) and every actuator returns to its scenario's initial state (`device.state` evidence
 * with source `trainer`). Scenario faults not due yet stay scheduled, the lab keeps its clock,
 * seed and evidence file, and the candidate's attempt goes on: restarting the lab would restart
 * the task's time and grading window, which is the candidate's, not the trainer's.
 *
 * The virtual MCU board (tasks with a `board`) is not listed: its pins and bus parts are driven by
 * the candidate's firmware and have no fault model here.
 */
import type { Value } from '../devices/field/index.js';
import { LabError } from '../core/errors.js';
import type { Fault } from '../core/faults.js';
import { BROKER_TARGET, SECURITY_FAULTS, isOnline, isTlsFault } from '../core/faults.js';
import type { FaultRequest, Lab } from '../simulator/lab.js';
import type { FaultType } from '../core/faults.js';
import { CRC_FRAMED_KINDS } from '../devices/serial/scenario.js';

/** Faults that bend a sensor's values; the others act on how a device answers. */
const VALUE_FAULTS: readonly FaultType[] = ['stuck', 'drift', 'noise', 'spike'];
const LINK_FAULTS: readonly FaultType[] = ['offline', 'slow', 'no-response'];

export interface DeviceInfo {
  id: string;
  name: string;
  kind: string;
  title?: { zh: string; en: string };
  /** How the device is reached: mqtt, coap, modbus-tcp, modbus-rtu, serial. */
  bindings: string[];
  /** Sensor channels (charted); empty for actuators, switches and serial devices. */
  channels: { quantity: string; unit: string; range: [number, number] }[];
  actuator: boolean;
  /** Fault types the device takes. */
  faultTypes: FaultType[];
}

export interface DeviceLive {
  id: string;
  online: boolean;
  /** Types of the faults active now. */
  faults: string[];
  /** Socket devices: the values a client reads now (actuators: `on`). */
  values?: Record<string, Value>;
  /** Serial devices: what a correct client should have seen by now (the model's truth). */
  state?: Record<string, unknown>;
}

export interface ActiveFault extends Fault {
  device: string;
}

export interface LiveState {
  /** Lab time, ms since the lab started. */
  t: number;
  devices: DeviceLive[];
  faults: ActiveFault[];
}

export function describeDevices(lab: Lab): DeviceInfo[] {
  const socket = lab.plan.devices.map((p): DeviceInfo => {
    const bindings = [
      ...(p.mqtt ? ['mqtt'] : []),
      ...(p.coap ? ['coap'] : []),
      ...(p.modbus ? [`modbus-${p.modbus.transport}`] : []),
    ];
    const sensor = p.spec.kind === 'analog' || p.spec.kind === 'digital';
    return {
      id: p.id,
      name: p.name,
      kind: p.spec.kind,
      ...(p.spec.title ? { title: p.spec.title } : {}),
      bindings,
      channels: p.channels.map((c) => ({
        quantity: c.channel.quantity,
        unit: c.channel.unit,
        range: c.channel.range,
      })),
      actuator: p.spec.kind === 'actuator',
      faultTypes: sensor ? [...LINK_FAULTS, ...VALUE_FAULTS] : [...LINK_FAULTS],
    };
  });
  const serial = lab.plan.serial.map((p): DeviceInfo => ({
    id: p.id,
    name: p.name,
    kind: p.spec.kind,
    ...(p.spec.title ? { title: p.spec.title } : {}),
    bindings: ['serial'],
    channels: [],
    actuator: false,
    faultTypes: CRC_FRAMED_KINDS.includes(p.spec.kind)
      ? [...LINK_FAULTS, 'crc-error']
      : [...LINK_FAULTS],
  }));
  return [...socket, ...serial];
}

/** Faults active at t, with the device's scenario name beside its id. */
export function activeFaults(lab: Lab, t: number): ActiveFault[] {
  const names = new Map<string, string>();
  for (const p of [...lab.plan.devices, ...lab.plan.serial]) names.set(p.id, p.name);
  return lab.faults
    .all()
    .filter((f) => f.start <= t && (f.end === undefined || t < f.end))
    .map((f) => ({ ...f, device: names.get(f.deviceId) ?? f.deviceId }));
}

export function liveState(lab: Lab): LiveState {
  const t = lab.clock.now();
  const socket = lab.plan.devices.map((p): DeviceLive => {
    const truth = lab.truth(p.id, t);
    return { id: p.id, online: truth.online, faults: truth.faults, values: truth.values };
  });
  const serial = lab.plan.serial.map((p): DeviceLive => {
    const active = lab.faults.activeAt(p.id, t);
    return {
      id: p.id,
      online: isOnline(active),
      faults: active.map((f) => f.type),
      state: lab.byteDevice(p.id).truth(t),
    };
  });
  return { t, devices: [...socket, ...serial], faults: activeFaults(lab, t) };
}

/**
 * Checks that the device takes the fault and fills the parameters a trainer left out, sized to the
 * device: drift 10% of the first channel's span per minute, noise 5% of the span, slow 2 s. Spike
 * without a value keeps the model's default (10% of the span beyond the range's max).
 */
export function faultRequest(lab: Lab, req: FaultRequest): FaultRequest {
  // The broker's TLS faults: the lab refuses them when its TLS listener is shared (exam sessions).
  if (isTlsFault(req.type)) return { ...req, device: BROKER_TARGET };
  // A security fault names a login (a platform device or the MQTT user); the lab checks it.
  if (SECURITY_FAULTS.includes(req.type)) return req;
  const info = describeDevices(lab).find((d) => d.id === req.device || d.name === req.device);
  if (!info)
    throw new LabError('DEVICE_UNKNOWN', `no device "${req.device}" in this lab`, {
      known: describeDevices(lab).map((d) => d.name),
    });
  if (!info.faultTypes.includes(req.type))
    throw new LabError(
      'API_BAD_REQUEST',
      `${info.name} (${info.kind}) does not take "${req.type}"; it takes ${info.faultTypes.join(', ')}`,
    );
  const range = info.channels[0]?.range;
  const span = range ? range[1] - range[0] : 1;
  const out: FaultRequest = { ...req, device: info.id };
  if (req.type === 'drift' && req.rate === undefined) out.rate = round(span * 0.1);
  if (req.type === 'noise' && req.amplitude === undefined) out.amplitude = round(span * 0.05);
  if (req.type === 'slow' && req.delayMs === undefined) out.delayMs = 2000;
  return out;
}

const round = (v: number) => Number(v.toPrecision(3));

export interface ResetOutcome {
  /** Ids of the faults ended. */
  cleared: string[];
  /** Actuators put back to their initial state (only those that were not in it). */
  actuators: { id: string; on: boolean }[];
}

/** Ends every active fault and returns actuators to their initial state (see the file comment). */
export function resetLab(lab: Lab): ResetOutcome {
  const cleared = activeFaults(lab, lab.clock.now()).map((f) => lab.clearFault(f.id).id);
  const actuators: ResetOutcome['actuators'] = [];
  for (const p of lab.plan.devices) {
    if (p.spec.kind !== 'actuator') continue;
    const outcome = lab.command(p.id, { on: p.spec.initial }, 'trainer');
    if (outcome.ok && outcome.changed) actuators.push({ id: p.id, on: p.spec.initial });
  }
  return { cleared, actuators };
}
