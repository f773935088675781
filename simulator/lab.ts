/**
 * The lab runtime: scenario + seed → devices on real MQTT, CoAP and Modbus TCP servers, with
 * every exchange and state change in the evidence log. Built by `createLab` so tests and the
 * later issues (tasks, exam sessions) run labs in-process.
 */
import { createModel } from '../devices/field/index.js';
import type { Command, CommandOutcome, DeviceModel, Truth } from '../devices/field/index.js';
import { createCoapServer } from '../protocols/coap/server.js';
import type { CoapServerHandle } from '../protocols/coap/types.js';
import { createModbusTcpServer } from '../protocols/modbus/tcp-server.js';
import type { PeerGuard } from '../protocols/listen.js';
import type { MqttBroker } from '../protocols/mqtt/broker.js';
import { createMqttBroker } from '../protocols/mqtt/broker.js';
import type { CoapBridge } from '../devices/field/runtime/adapters.js';
import { answerRecorder } from './answers.js';
import { coapResourceFor, modbusUnitFor } from '../devices/field/runtime/adapters.js';
import type { LabCard } from './card.js';
import { buildCard } from './card.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { RealClock } from '../core/clock.js';
import { createDeviceActivity, deviceResponsiveness } from '../devices/field/runtime/activity.js';
import { createFirmwareActivity } from '../devices/field/runtime/firmware.js';
import { createDeviceDirectory } from './device-directory.js';
import { LabError } from '../core/errors.js';
import { EvidenceRecorder } from '../core/evidence.js';
import { createFaultSchedule } from './fault-schedule.js';
import { FaultBook } from '../core/faults.js';
import type { Fault } from '../core/faults.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import type { LabPlan } from './plan.js';
import { planLab } from './plan.js';
import type { FaultType } from '../core/faults.js';
import type { Scenario } from './scenario.js';
import type { ByteDevice, ByteDeviceFactory } from '../devices/serial/model.js';
import { serialFactoriesFor } from '../devices/serial/index.js';
import type { SerialOptions, SerialRuntime } from '../devices/serial/runtime.js';
import { createByteDevices, startSerialDevices } from '../devices/serial/runtime.js';
import type { GatewayRuntime } from '../devices/gateway/runtime.js';
import { startScenarioGateways } from '../devices/gateway/runtime.js';
import type { RecordFn } from '../core/evidence.js';

/**
 * Gives a lab an MQTT broker it does not own (exam sessions: one broker, one tenant per
 * candidate). The lab calls it once in start() with its recorder and topic prefix, publishes
 * through the result and calls its close() on stop, which must detach the lab only.
 */
export type BrokerProvider = (ctx: {
  record: RecordFn;
  topicPrefix: string;
  logger: Logger;
}) => Promise<MqttBroker>;
import { BoardModel } from '../devices/board/board.js';
import type { BoardRuntime } from '../devices/board/runtime.js';
import { startBoard } from '../devices/board/runtime.js';

export interface LabPorts {
  mqtt?: number;
  /** null = no WebSocket listener. */
  ws?: number | null;
  coap?: number;
  modbus?: number;
  /** First configuration API port of the scenario's gateways (gateway i on port+i; 0 = any). */
  gateway?: number;
  /** The MCU board's protocol port (docs/board.md). */
  board?: number;
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
  /** Append to an existing evidence file, continuing its hash chain (server restarts). */
  resumeEvidence?: boolean;
  /**
   * This start resumes a run a server restart interrupted: `lab.start` is recorded with
   * `resumed: true`, and the clock (deps.clock) should go on from the run's lab time.
   */
  resumed?: boolean;
  candidate?: string;
  /** Transports of serial devices: TCP base port, PTY directory, real ports. */
  serial?: SerialOptions;
  /** Models of serial device kinds (default: every built-in kind). */
  serialFactories?: Partial<Record<string, ByteDeviceFactory>>;
  /**
   * false: do not start the scenario's edge gateways, leaving every serial line free for the
   * candidate's own host (a gateway holds the TCP port of each line it polls). Default true.
   */
  gateways?: boolean;
  /** An external (shared) broker; without it the lab runs its own on `ports.mqtt`. */
  broker?: BrokerProvider;
  /** Overrides the scenario's topic prefix (exam sessions give each candidate their own). */
  topicPrefix?: string;
  /**
   * Which peer IPs may use the lab's CoAP, Modbus, serial-over-TCP and board endpoints (exam
   * sessions locked to the roster's seat IPs); others are refused and recorded as `net.refused`.
   * Absent = everyone.
   */
  allowPeer?: (ip: string) => boolean;
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
  /** The virtual MCU board's model, when the scenario has one (pins, parts). */
  readonly board: BoardModel | undefined;
  /**
   * Presses (true) or releases (false) a board button by name or pin, or hands it back to the lab
   * switch it follows (undefined); recorded as `device.state` (trainer API, tests).
   */
  pressButton(nameOrPin: string | number, pressed: boolean | undefined, source?: string): void;
}

export function createLab(scenario: Scenario, deps: LabDeps = {}): Lab {
  const seed = deps.seed ?? 1;
  const clock = deps.clock ?? new RealClock();
  const logger = deps.logger ?? silentLogger;
  const host = deps.host ?? '127.0.0.1';
  const plan = planLab(
    deps.topicPrefix === undefined ? scenario : { ...scenario, topicPrefix: deps.topicPrefix },
    seed,
  );
  const faults = new FaultBook();
  const recorder = new EvidenceRecorder({
    clock,
    path: deps.evidencePath,
    candidate: deps.candidate,
    ...(deps.resumeEvidence ? { resume: true } : {}),
    logger,
  });
  const record = recorder.record;
  const models = new Map<string, DeviceModel>();
  for (const p of plan.devices) models.set(p.id, createModel(p, { seed, faults }));
  // Filled below: byte devices' context looks socket devices up through the directory.
  const byteDevices = new Map<string, ByteDevice>();
  const directory = createDeviceDirectory(plan, models, byteDevices);
  const find = directory.model;
  const coapBridges = new Map<string, CoapBridge>();
  const timers: TimerHandle[] = [];
  const closers: (() => Promise<void>)[] = [];
  // Closed before the servers, so a gateway's offline status still reaches the broker.
  const gatewayClosers: (() => Promise<void>)[] = [];
  let broker: MqttBroker | undefined;
  let state: LabState = 'new';
  let card: LabCard | undefined;
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
    },
  });
  const unitOf = (m: DeviceModel) =>
    modbusUnitFor(
      m,
      () => clock.now(),
      (cmd, src) => applyCommand(m, cmd, src),
    );
  const modbusUnitOf = (name: string) => {
    const m = find(name);
    if (!m.plan.modbus)
      throw new LabError('DEVICE_UNKNOWN', `device "${name}" has no Modbus binding`);
    return { unitId: m.plan.modbus.unit, unit: unitOf(m) };
  };
  // Byte devices exist from the start (truth needs no sockets); their lines open in start().
  const serialDeps = {
    plans: plan.serial,
    factories: deps.serialFactories ?? serialFactoriesFor({ epochMs: clock.wall() - clock.now() }),
    context: { truthOf: (name: string, t: number) => find(name).truth(t), modbusUnitOf },
    seed,
    faults,
  };
  if (plan.serial.length > 0)
    for (const [id, d] of createByteDevices(serialDeps)) byteDevices.set(id, d);
  let serialRuntime: SerialRuntime | undefined;
  const board = plan.board ? new BoardModel(plan.board, { seed, device: find }) : undefined;
  let boardRuntime: BoardRuntime | undefined;

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
        broker = deps.broker
          ? await deps.broker({ record, topicPrefix: plan.topicPrefix, logger })
          : await createMqttBroker({
              host,
              port: ports.mqtt ?? 0,
              ...(ports.ws === null ? {} : { wsPort: ports.ws ?? 0 }),
              record,
              logger,
              ...(scenario.mqtt ? { credentials: scenario.mqtt } : {}),
              ...(scenario.platform ? { platformDevices: scenario.platform.devices } : {}),
            });
        closers.push(() => broker!.close());
        broker.onClientMessage(activity.onClientMessage);
        broker.onClientMessage(firmware.onClientMessage);
        broker.onClientMessage(answerRecorder(plan.topicPrefix, record));

        for (const m of models.values()) {
          if (!m.plan.coap) continue;
          const id = m.plan.id;
          coapBridges.set(
            id,
            coapResourceFor(
              m,
              () => clock.now(),
              () => clock.wall(),
              () => deviceResponsiveness(m, faults, clock.now()),
              (cmd, source) => applyCommand(m, cmd, source),
            ),
          );
        }
        const guard: PeerGuard | undefined = deps.allowPeer
          ? { allow: deps.allowPeer, record }
          : undefined;
        const coap: CoapServerHandle = await createCoapServer({
          ...(guard ? { guard } : {}),
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
          ...(guard ? { guard } : {}),
          host,
          port: ports.modbus ?? 0,
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

        if (plan.serial.length > 0) {
          serialRuntime = await startSerialDevices({
            ...serialDeps,
            ...(guard ? { guard } : {}),
            devices: byteDevices,
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

        if (board) {
          boardRuntime = await startBoard({
            ...(guard ? { guard } : {}),
            plan,
            model: board,
            clock,
            record,
            logger,
            host,
            port: ports.board ?? 0,
            lines: serialRuntime?.lines ?? new Map(),
            command: (name, on, source) => {
              applyCommand(find(name), { on }, source);
            },
          });
          const br = boardRuntime;
          closers.push(() => br.close());
        }

        let gateways: GatewayRuntime[] = [];
        if (deps.gateways !== false && scenario.gateways.length > 0) {
          gateways = await startScenarioGateways({
            plan,
            serial: serialRuntime?.card ?? [],
            mqtt: {
              url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${broker.port}`,
              ...(scenario.mqtt ?? {}),
            },
            clock,
            record,
            logger,
            host,
            basePort: ports.gateway ?? 0,
          });
          const gws = gateways;
          gatewayClosers.push(() => Promise.all(gws.map((g) => g.close())).then(() => undefined));
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
            gateways: gateways.map((g) => g.card()),
            ...(boardRuntime ? { board: boardRuntime.card } : {}),
          },
        );
        record('lab.start', {
          ...(deps.resumed ? { resumed: true } : {}),
          scenario: scenario.name,
          seed,
          labId: plan.labId,
          card: {
            mqtt: card.mqtt,
            coap: card.coap,
            modbus: card.modbus,
            ...(card.gateways ? { gateways: card.gateways } : {}),
          },
        });
        faultSchedule.scheduleScenario(scenario.faults, directory.idOf);
        activity.start();
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
      const results = [
        ...(await Promise.allSettled(gatewayClosers.map((c) => c()))),
        ...(await Promise.allSettled(closers.reverse().map((c) => c()))),
      ];
      for (const r of results)
        if (r.status === 'rejected')
          logger.warn('closing a server failed', { err: String(r.reason) });
      // Last, so the disconnects that closing the servers causes are in the log before it.
      record('lab.stop', { reason });
      recorder.close();
      state = 'stopped';
    },

    device: find,
    byteDevice: directory.byteDevice,
    truth: (idOrName, t) => find(idOrName).truth(t ?? clock.now()),
    command: (idOrName, cmd, source = 'api') => applyCommand(find(idOrName), cmd, source),

    injectFault: (req) => faultSchedule.inject(directory.idOf(req.device), req),
    clearFault: (id) => faultSchedule.clear(id),
    board,
    pressButton(nameOrPin, pressed, source = 'api') {
      const pin = board?.pins.buttonPin(nameOrPin);
      if (!board || pin === undefined)
        throw new LabError('DEVICE_UNKNOWN', `no board button "${String(nameOrPin)}" in this lab`);
      board.pins.press(pin, pressed);
      record('device.state', { device: board.plan.id, pin, pressed: pressed ?? null, source });
    },
  };
  return lab;
}
