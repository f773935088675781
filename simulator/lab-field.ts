/**
 * The field devices of a lab (devices/field/): their models, their activity on the lab's MQTT
 * broker (telemetry, status, commands, firmware), the fault timeline, and the lab's own CoAP and
 * Modbus TCP servers that serve them. They are the ground of every lab: the other families reach
 * them through `access` (by scenario name).
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { LabError } from '../core/errors.js';
import type { EvidenceRecorder, RecordFn } from '../core/evidence.js';
import type { Fault, FaultBook } from '../core/faults.js';
import type { Logger } from '../core/logger.js';
import type { FieldAccess } from '../devices/family.js';
import { createModel } from '../devices/field/index.js';
import type { DeviceModel } from '../devices/field/index.js';
import type { CoapBridge } from '../devices/field/runtime/adapters.js';
import { coapResourceFor, modbusUnitFor } from '../devices/field/runtime/adapters.js';
import type { DeviceActivity } from '../devices/field/runtime/activity.js';
import { createDeviceActivity, deviceResponsiveness } from '../devices/field/runtime/activity.js';
import { createFirmwareActivity } from '../devices/field/runtime/firmware.js';
import type { ByteDevice } from '../devices/serial/model.js';
import { createCoapServer } from '../protocols/coap/server.js';
import type { PeerGuard } from '../protocols/listen.js';
import { createModbusTcpServer } from '../protocols/modbus/tcp-server.js';
import type { ModbusUnit } from '../protocols/modbus/types.js';
import type { MqttBroker } from '../protocols/mqtt/broker.js';
import type { DeviceDirectory } from './device-directory.js';
import { createDeviceDirectory } from './device-directory.js';
import type { FaultSchedule } from './fault-schedule.js';
import { createFaultSchedule } from './fault-schedule.js';
import { isTlsFault } from '../core/faults.js';
import type { LabAccess } from './security.js';
import type { LabPlan } from './plan.js';

/** What every step of a lab shares: made once in createLab, from the scenario and the deps. */
export interface LabGround {
  plan: LabPlan;
  seed: number;
  clock: Clock;
  logger: Logger;
  host: string;
  faults: FaultBook;
  recorder: EvidenceRecorder;
  record: RecordFn;
  /** Lab-clock timers cleared on stop. */
  timers: TimerHandle[];
  /** The lab's access policy and records (simulator/security.ts); `acl-deny` faults edit it. */
  access: LabAccess;
  /** Called after each fault start or end beside the field devices' own handling (security faults). */
  onFaultEdge?: (f: Fault) => void;
}

export interface FieldDevices {
  models: Map<string, DeviceModel>;
  /** Serial devices are filled in by their family; the directory finds either kind. */
  byteDevices: Map<string, ByteDevice>;
  directory: DeviceDirectory;
  activity: DeviceActivity;
  faultSchedule: FaultSchedule;
  /** For the other families: field devices by scenario name. */
  access: FieldAccess;
  /** CoAP resources by device id, made when the CoAP server starts (Observe notifications). */
  coapBridges: Map<string, CoapBridge>;
  /** A device's Modbus data model; writes are applied and recorded as commands. */
  unitOf: (m: DeviceModel) => ModbusUnit;
  /** Routes broker messages to the devices (commands, firmware requests). */
  attach(broker: MqttBroker): void;
  /** Called at each start and end of a broker TLS fault (simulator/tls-faults.ts applies it). */
  onTlsEdge(fn: () => void): void;
}

export function createFieldDevices(ground: LabGround): FieldDevices {
  const { plan, seed, clock, faults, record, timers, logger } = ground;
  const models = new Map<string, DeviceModel>();
  for (const p of plan.devices) models.set(p.id, createModel(p, { seed, faults }));
  const byteDevices = new Map<string, ByteDevice>();
  const directory = createDeviceDirectory(plan, models, byteDevices);
  const find = directory.model;
  const coapBridges = new Map<string, CoapBridge>();
  let broker: MqttBroker | undefined;
  let tlsEdge: (() => void) | undefined;
  const activity = createDeviceActivity({
    plan,
    models,
    clock,
    record,
    faults,
    timers,
    coapBridges,
    broker: () => broker,
    logger,
  });
  const applyCommand = activity.applyCommand;
  const firmware = createFirmwareActivity({
    models,
    clock,
    record,
    faults,
    timers,
    broker: () => broker,
    publishStatus: activity.publishStatus,
    notify: (id) => coapBridges.get(id)?.notify(),
  });
  const faultSchedule = createFaultSchedule({
    clock,
    record,
    faults,
    timers,
    // An offline fault's start and end flip the device's retained status.
    onEdge: (f) => {
      if (f.type === 'offline') activity.publishStatus(f.deviceId);
      if (isTlsFault(f.type)) tlsEdge?.();
      if (f.type === 'acl-deny') {
        if (f.end !== undefined && f.end <= clock.now()) ground.access.faultEnded(f);
        else ground.access.faultStarted(f, f.deviceId);
      }
      ground.onFaultEdge?.(f);
    },
  });
  const unitOf = (m: DeviceModel) =>
    modbusUnitFor(
      m,
      () => clock.now(),
      (cmd, src) => applyCommand(m, cmd, src),
    );
  const access: FieldAccess = {
    model: find,
    truthOf: (name, t) => find(name).truth(t),
    modbusUnitOf(name) {
      const m = find(name);
      if (!m.plan.modbus)
        throw new LabError('DEVICE_UNKNOWN', `device "${name}" has no Modbus binding`);
      return { unitId: m.plan.modbus.unit, unit: unitOf(m) };
    },
    command: (name, cmd, source) => applyCommand(find(name), cmd, source),
  };
  return {
    models,
    byteDevices,
    directory,
    activity,
    faultSchedule,
    access,
    attach(b) {
      broker = b;
      b.onClientMessage(activity.onClientMessage);
      b.onClientMessage(firmware.onClientMessage);
    },
    coapBridges,
    unitOf,
    onTlsEdge(fn) {
      tlsEdge = fn;
    },
  };
}

export interface FieldServers {
  coapPort: number;
  modbusPort: number;
  closers: (() => Promise<void>)[];
}

/** The lab's CoAP server (a resource per CoAP device) and Modbus TCP server (a unit per device). */
export async function startFieldServers(
  ground: LabGround,
  field: FieldDevices,
  opts: { guard: PeerGuard | undefined; coapPort: number; modbusPort: number },
): Promise<FieldServers> {
  const { clock, faults, record, logger, host } = ground;
  const { coapBridges, unitOf } = field;
  const applyCommand = field.activity.applyCommand;
  const guard = opts.guard ? { guard: opts.guard } : {};
  const closers: (() => Promise<void>)[] = [];
  for (const m of field.models.values()) {
    if (!m.plan.coap) continue;
    coapBridges.set(
      m.plan.id,
      coapResourceFor(
        m,
        () => clock.now(),
        () => clock.wall(),
        () => deviceResponsiveness(m, faults, clock.now()),
        (cmd, source) => applyCommand(m, cmd, source),
      ),
    );
  }
  const coap = await createCoapServer({
    ...guard,
    host,
    port: opts.coapPort,
    resources: [...coapBridges.values()].map((b) => b.resource),
    record,
    clock,
    logger,
  });
  closers.push(() => coap.close());

  const units = new Map<number, DeviceModel>();
  for (const m of field.models.values())
    if (m.plan.modbus?.transport === 'tcp') units.set(m.plan.modbus.unit, m);
  const modbus = await createModbusTcpServer({
    ...guard,
    host,
    port: opts.modbusPort,
    record,
    clock,
    logger,
    resolveUnit: (unitId) => {
      const m = units.get(unitId);
      if (!m) return undefined;
      const r = deviceResponsiveness(m, faults, clock.now());
      return { unit: unitOf(m), ...r };
    },
  });
  closers.push(() => modbus.close());
  return { coapPort: coap.port, modbusPort: modbus.port, closers };
}
