/**
 * The lab runtime: scenario + seed → devices on real MQTT, CoAP and Modbus TCP servers, with
 * every exchange and state change in the evidence log. Built by `createLab` so tests and the
 * later issues (tasks, exam sessions) run labs in-process.
 */
import { createModel, parseCommand } from '../devices/index.js';
import type { Command, CommandOutcome, DeviceModel, Truth } from '../devices/index.js';
import { createCoapServer } from '../protocols/coap/server.js';
import type { CoapServerHandle } from '../protocols/coap/types.js';
import { createModbusTcpServer } from '../protocols/modbus/tcp-server.js';
import type { MqttBroker } from '../protocols/mqtt/broker.js';
import { createMqttBroker } from '../protocols/mqtt/broker.js';
import type { CoapBridge } from './adapters.js';
import { coapResourceFor, modbusUnitFor } from './adapters.js';
import type { LabCard } from './card.js';
import { buildCard } from './card.js';
import type { Clock, TimerHandle } from './clock.js';
import { RealClock } from './clock.js';
import { LabError } from './errors.js';
import { EvidenceRecorder } from './evidence.js';
import type { Fault } from './faults.js';
import { FaultBook, isOnline, responsiveness } from './faults.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import type { DevicePlan, LabPlan } from './plan.js';
import { planLab } from './plan.js';
import type { FaultType, Scenario } from './scenario.js';
import type { ByteDevice, ByteDeviceFactory } from '../devices/serial/model.js';
import { serialFactoriesFor } from '../devices/serial/index.js';
import type { SerialOptions, SerialRuntime } from './serial-runtime.js';
import { createByteDevices, startSerialDevices } from './serial-runtime.js';

export interface LabPorts {
  mqtt?: number;
  /** null = no WebSocket listener. */
  ws?: number | null;
  coap?: number;
  modbus?: number;
}

export interface LabDeps {
  seed?: number;
  clock?: Clock;
  logger?: Logger;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral) for every port. */
  ports?: LabPorts;
  /** JSONL evidence file; without it evidence is kept for subscribers only. */
  evidencePath?: string;
  candidate?: string;
  /** Transports of serial devices: TCP base port, PTY directory, real ports. */
  serial?: SerialOptions;
  /** Models of serial device kinds (default: every built-in kind). */
  serialFactories?: Partial<Record<string, ByteDeviceFactory>>;
}

export interface FaultRequest {
  device: string;
  type: FaultType;
  /** Seconds; absent = until cleared. */
  duration?: number;
  rate?: number;
  amplitude?: number;
  value?: number;
  delayMs?: number;
}

export type LabState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface Lab {
  readonly plan: LabPlan;
  readonly clock: Clock;
  readonly recorder: EvidenceRecorder;
  readonly faults: FaultBook;
  readonly state: LabState;
  readonly card: LabCard | undefined;
  start(): Promise<LabCard>;
  stop(reason?: string): Promise<void>;
  device(idOrName: string): DeviceModel;
  /** A byte-level (serial) device's model. */
  byteDevice(idOrName: string): ByteDevice;
  truth(idOrName: string, t?: number): Truth;
  command(idOrName: string, cmd: Command, source?: string): CommandOutcome;
  injectFault(req: FaultRequest): Fault;
  clearFault(id: string): Fault;
}

export function createLab(scenario: Scenario, deps: LabDeps = {}): Lab {
  const seed = deps.seed ?? 1;
  const clock = deps.clock ?? new RealClock();
  const logger = deps.logger ?? silentLogger;
  const host = deps.host ?? '127.0.0.1';
  const plan = planLab(scenario, seed);
  const faults = new FaultBook();
  const recorder = new EvidenceRecorder({
    clock,
    path: deps.evidencePath,
    candidate: deps.candidate,
    logger,
  });
  const record = recorder.record;
  const models = new Map<string, DeviceModel>();
  const byName = new Map<string, DeviceModel>();
  for (const p of plan.devices) {
    const m = createModel(p, { seed, faults });
    models.set(p.id, m);
    byName.set(p.name, m);
  }
  const coapBridges = new Map<string, CoapBridge>();
  const timers: TimerHandle[] = [];
  const closers: (() => Promise<void>)[] = [];
  let broker: MqttBroker | undefined;
  let state: LabState = 'new';
  let card: LabCard | undefined;
  let injected = 0;

  const find = (idOrName: string): DeviceModel => {
    const m = models.get(idOrName) ?? byName.get(idOrName);
    if (!m)
      throw new LabError('DEVICE_UNKNOWN', `no device "${idOrName}" in this lab`, {
        known: [...models.keys()],
      });
    return m;
  };
  const modbusUnitOf = (name: string) => {
    const m = find(name);
    if (!m.plan.modbus)
      throw new LabError('DEVICE_UNKNOWN', `device "${name}" has no Modbus binding`);
    return {
      unitId: m.plan.modbus.unit,
      unit: modbusUnitFor(
        m,
        () => clock.now(),
        (cmd, src) => applyCommand(m, cmd, src),
      ),
    };
  };
  // Byte devices exist from the start (truth needs no sockets); their lines open in start().
  const serialDeps = {
    plans: plan.serial,
    factories: deps.serialFactories ?? serialFactoriesFor({ epochMs: clock.wall() - clock.now() }),
    context: { truthOf: (name: string, t: number) => find(name).truth(t), modbusUnitOf },
    seed,
    faults,
  };
  const byteDevices =
    plan.serial.length > 0 ? createByteDevices(serialDeps) : new Map<string, ByteDevice>();
  let serialRuntime: SerialRuntime | undefined;
  const findByte = (idOrName: string): ByteDevice => {
    const d =
      byteDevices.get(idOrName) ?? [...byteDevices.values()].find((x) => x.plan.name === idOrName);
    if (!d)
      throw new LabError('DEVICE_UNKNOWN', `no serial device "${idOrName}" in this lab`, {
        known: [...byteDevices.keys()],
      });
    return d;
  };
  /** Device id of any device, socket or serial, by id or scenario name. */
  const deviceIdOf = (idOrName: string): string => {
    if (models.has(idOrName) || byteDevices.has(idOrName)) return idOrName;
    const id = byName.get(idOrName)?.plan.id ?? plan.serial.find((p) => p.name === idOrName)?.id;
    if (!id)
      throw new LabError('DEVICE_UNKNOWN', `no device "${idOrName}" in this lab`, {
        known: [...models.keys(), ...byteDevices.keys()],
      });
    return id;
  };

  const publishJson = (
    p: DevicePlan,
    topic: string,
    body: Record<string, unknown>,
    retain: boolean,
  ): void => {
    if (!broker || !p.mqtt) return;
    void broker.publish(topic, JSON.stringify(body), { qos: p.mqtt.qos, retain, device: p.id });
  };

  const publishTelemetry = (m: DeviceModel, seq: { n: number }): void => {
    const p = m.plan;
    if (!p.mqtt) return;
    const truth = m.truth(clock.now());
    if (!truth.online) return;
    publishJson(
      p,
      p.mqtt.telemetryTopic,
      { id: p.id, ts: clock.wall(), seq: seq.n++, ...truth.values },
      p.mqtt.retain,
    );
  };

  const publishStatus = (m: DeviceModel): void => {
    const p = m.plan;
    if (!broker || !p.mqtt) return;
    const online = isOnline(faults.activeAt(p.id, clock.now()));
    void broker.publish(p.mqtt.statusTopic, online ? 'online' : 'offline', {
      qos: 1,
      retain: true,
      device: p.id,
    });
  };

  const applyCommand = (m: DeviceModel, cmd: Command, source: string): CommandOutcome => {
    const t = clock.now();
    const outcome = m.command(cmd, t);
    if (outcome.ok && outcome.changed) {
      record('device.state', { device: m.plan.id, values: outcome.state, source });
      const p = m.plan;
      if (p.mqtt?.stateTopic)
        publishJson(p, p.mqtt.stateTopic, { id: p.id, ts: clock.wall(), ...outcome.state }, true);
      coapBridges.get(p.id)?.notify();
    }
    return outcome;
  };

  /** Commands over MQTT: honour faults (offline/no response: ignored; slow: applied late). */
  const onMqttCommand = (m: DeviceModel, payload: Buffer): void => {
    const { respond, delayMs } = responsiveness(faults.activeAt(m.plan.id, clock.now()));
    if (!respond) return;
    const cmd = parseCommand(payload.toString('utf8'));
    if (!cmd) {
      logger.warn('ignored an MQTT command that is not on/off', { device: m.plan.id });
      return;
    }
    if (delayMs > 0) timers.push(clock.setTimeout(() => applyCommand(m, cmd, 'mqtt'), delayMs));
    else applyCommand(m, cmd, 'mqtt');
  };

  const faultEvidence = (f: Fault, action: 'start' | 'end', origin: string): void => {
    record('fault', { action, origin, fault: { ...f } });
    const m = models.get(f.deviceId);
    if (m && f.type === 'offline') publishStatus(m);
  };

  const scheduleFault = (f: Fault, origin: string): void => {
    const now = clock.now();
    const startIn = f.start - now;
    if (startIn <= 0) faultEvidence(f, 'start', origin);
    else timers.push(clock.setTimeout(() => faultEvidence(f, 'start', origin), startIn));
    if (f.end !== undefined)
      timers.push(
        clock.setTimeout(() => faultEvidence(f, 'end', origin), Math.max(0, f.end - now)),
      );
  };

  const startDevices = (): void => {
    plan.devices.forEach((p, i) => {
      const m = models.get(p.id)!;
      if (p.mqtt) {
        const seq = { n: 0 };
        publishStatus(m);
        if (p.mqtt.stateTopic)
          publishJson(
            p,
            p.mqtt.stateTopic,
            { id: p.id, ts: clock.wall(), ...m.truth(0).values },
            true,
          );
        const period = p.mqtt.period * 1000;
        // Stagger first publishes across the period so a lab's devices do not fire in one burst.
        const offset = Math.round((period * i) / plan.devices.length);
        timers.push(
          clock.setTimeout(() => {
            publishTelemetry(m, seq);
            timers.push(clock.setInterval(() => publishTelemetry(m, seq), period));
          }, offset),
        );
        if (p.spec.kind === 'switch') watchSwitch(m, () => publishTelemetry(m, seq));
      } else if (p.spec.kind === 'switch') watchSwitch(m, () => undefined);
      const bridge = coapBridges.get(p.id);
      if (bridge && p.coap)
        timers.push(clock.setInterval(() => bridge.notify(), p.coap.observePeriod * 1000));
    });
  };

  /** Switch sensors: record each transition and publish/notify at once (event-driven devices). */
  const watchSwitch = (m: DeviceModel, publish: () => void): void => {
    const arm = (): void => {
      const next = m.nextChange(clock.now());
      if (next === undefined) return;
      timers.push(
        clock.setTimeout(
          () => {
            const truth = m.truth(clock.now());
            record('device.state', { device: m.plan.id, values: truth.values, source: 'schedule' });
            if (truth.online) publish();
            coapBridges.get(m.plan.id)?.notify();
            arm();
          },
          Math.max(0, next - clock.now()),
        ),
      );
    };
    arm();
  };

  const lab: Lab = {
    plan,
    clock,
    recorder,
    faults,
    get state() {
      return state;
    },
    get card() {
      return card;
    },

    async start() {
      if (state !== 'new') throw new LabError('LAB_STATE', `cannot start a lab that is ${state}`);
      state = 'starting';
      const ports = deps.ports ?? {};
      try {
        broker = await createMqttBroker({
          host,
          port: ports.mqtt ?? 0,
          ...(ports.ws === null ? {} : { wsPort: ports.ws ?? 0 }),
          record,
          logger,
          ...(scenario.mqtt ? { credentials: scenario.mqtt } : {}),
        });
        closers.push(() => broker!.close());
        const commandTopics = new Map<string, DeviceModel>();
        for (const m of models.values())
          if (m.plan.mqtt?.commandTopic) commandTopics.set(m.plan.mqtt.commandTopic, m);
        broker.onClientMessage((msg) => {
          const m = commandTopics.get(msg.topic);
          if (m) onMqttCommand(m, msg.payload);
        });

        for (const m of models.values()) {
          if (!m.plan.coap) continue;
          const id = m.plan.id;
          coapBridges.set(
            id,
            coapResourceFor(
              m,
              () => clock.now(),
              () => clock.wall(),
              () => responsiveness(faults.activeAt(id, clock.now())),
              (cmd, source) => applyCommand(m, cmd, source),
            ),
          );
        }
        const coap: CoapServerHandle = await createCoapServer({
          host,
          port: ports.coap ?? 0,
          resources: [...coapBridges.values()].map((b) => b.resource),
          record,
          clock,
          logger,
        });
        closers.push(() => coap.close());

        const units = new Map<number, DeviceModel>();
        for (const m of models.values())
          if (m.plan.modbus?.transport === 'tcp') units.set(m.plan.modbus.unit, m);
        const modbus = await createModbusTcpServer({
          host,
          port: ports.modbus ?? 0,
          record,
          clock,
          logger,
          resolveUnit: (unitId) => {
            const m = units.get(unitId);
            if (!m) return undefined;
            const r = responsiveness(faults.activeAt(m.plan.id, clock.now()));
            return {
              unit: modbusUnitFor(
                m,
                () => clock.now(),
                (cmd, src) => applyCommand(m, cmd, src),
              ),
              ...r,
            };
          },
        });
        closers.push(() => modbus.close());

        if (plan.serial.length > 0) {
          serialRuntime = await startSerialDevices({
            ...serialDeps,
            clock,
            record,
            logger,
            host,
            options: deps.serial ?? {},
            applyCommand: (name, cmd, source) => applyCommand(find(name), cmd, source),
          });
          const sr = serialRuntime;
          closers.push(() => sr.close());
        }

        card = buildCard(
          plan,
          {
            host,
            mqttPort: broker.port,
            wsPort: broker.wsPort,
            coapPort: coap.port,
            modbusPort: modbus.port,
          },
          {
            startedAt: new Date(clock.wall()).toISOString(),
            ...(recorder.path ? { evidencePath: recorder.path } : {}),
            ...(serialRuntime ? { serial: serialRuntime.card } : {}),
          },
        );
        record('lab.start', {
          scenario: scenario.name,
          seed,
          labId: plan.labId,
          card: { mqtt: card.mqtt, coap: card.coap, modbus: card.modbus },
        });
        scenario.faults.forEach((f, i) => {
          const fault: Fault = {
            id: `s${i}`,
            deviceId: deviceIdOf(f.device),
            type: f.type,
            start: f.at * 1000,
            ...(f.duration !== undefined ? { end: (f.at + f.duration) * 1000 } : {}),
            ...faultParams(f),
          };
          faults.add(fault);
          scheduleFault(fault, 'scenario');
        });
        startDevices();
        state = 'running';
        return card;
      } catch (err) {
        state = 'running';
        await lab.stop('start failed');
        throw err;
      }
    },

    async stop(reason = 'stopped') {
      if (state === 'stopping' || state === 'stopped') return;
      state = 'stopping';
      for (const t of timers) clock.clear(t);
      timers.length = 0;
      const results = await Promise.allSettled(closers.reverse().map((c) => c()));
      for (const r of results)
        if (r.status === 'rejected')
          logger.warn('closing a server failed', { err: String(r.reason) });
      // Last, so the disconnects that closing the servers causes are in the log before it.
      record('lab.stop', { reason });
      recorder.close();
      state = 'stopped';
    },

    device: find,
    byteDevice: findByte,
    truth: (idOrName, t) => find(idOrName).truth(t ?? clock.now()),
    command: (idOrName, cmd, source = 'api') => applyCommand(find(idOrName), cmd, source),

    injectFault(req) {
      const deviceId = deviceIdOf(req.device);
      const now = clock.now();
      const fault: Fault = {
        id: `f${++injected}`,
        deviceId,
        type: req.type,
        start: now,
        ...(req.duration !== undefined ? { end: now + req.duration * 1000 } : {}),
        ...faultParams(req),
      };
      faults.add(fault);
      scheduleFault(fault, 'api');
      return fault;
    },

    clearFault(id) {
      const f = faults.end(id, clock.now());
      if (!f)
        throw new LabError('FAULT_UNKNOWN', `no active fault "${id}"`, {
          known: faults.all().map((x) => x.id),
        });
      faultEvidence(f, 'end', 'api');
      return f;
    },
  };
  return lab;
}

function faultParams(f: {
  rate?: number | undefined;
  amplitude?: number | undefined;
  value?: number | undefined;
  delayMs?: number | undefined;
}): Partial<Fault> {
  const out: Partial<Fault> = {};
  if (f.rate !== undefined) out.rate = f.rate;
  if (f.amplitude !== undefined) out.amplitude = f.amplitude;
  if (f.value !== undefined) out.value = f.value;
  if (f.delayMs !== undefined) out.delayMs = f.delayMs;
  return out;
}
