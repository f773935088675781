/**
 * The lab: scenario + seed → devices on real MQTT, CoAP, Modbus TCP, serial and board servers,
 * with every exchange and state change in the evidence log. Built by `createLab` so tests, tasks
 * and exam sessions run labs in-process. It is the composition root, and reads as its steps:
 *
 *   plan       scenario + seed → LabPlan (simulator/plan.ts): ids, topics, registers, trajectories
 *   ground     clock, logger, fault book and evidence recorder every later step shares
 *   field      the field devices' models, their activity and fault timeline (lab-field.ts)
 *   families   each registered family's models (simulator/families.ts)
 *   start()    broker → CoAP and Modbus TCP servers → each family's runtime, in registry order
 *              → card → `lab.start` evidence → scheduled faults and device timers
 *   stop()     timers → families that close first → servers, in reverse → `lab.stop` evidence
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { RealClock } from '../core/clock.js';
import { LabError } from '../core/errors.js';
import type { Quota, RecordFn } from '../core/evidence.js';
import { EvidenceRecorder } from '../core/evidence.js';
import type { Fault, FaultType } from '../core/faults.js';
import { FaultBook, SECURITY_FAULTS } from '../core/faults.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import type { BoardModel } from '../devices/board/board.js';
import type {
  FamilyInstance,
  FamilyRuntime,
  FamilyStartContext,
  LabServices,
} from '../devices/family.js';
import type { Command, CommandOutcome, DeviceModel, Truth } from '../devices/field/index.js';
import type { ByteDevice } from '../devices/serial/model.js';
import type { PeerGuard } from '../protocols/listen.js';
import type { MqttBroker, TenantAuth } from '../protocols/mqtt/broker.js';
import { createMqttBroker } from '../protocols/mqtt/broker.js';
import { createLabTls } from '../protocols/tls/ca.js';
import { answerRecorder } from './answers.js';
import type { LabAuth } from './lab-auth.js';
import { createLabAuth } from './lab-auth.js';
import { securityTarget } from './scenario-checks.js';
import type { LabCard } from './card.js';
import { buildCard } from './card.js';
import type { FamilyCards, FamilyDeps, FamilyInstances } from './families.js';
import { FAMILIES } from './families.js';
import type { FieldDevices, LabGround } from './lab-field.js';
import { createFieldDevices, startFieldServers } from './lab-field.js';
import type { LabPlan } from './plan.js';
import { planLab } from './plan.js';
import type { Scenario } from './scenario.js';

/**
 * Gives a lab an MQTT broker it does not own (exam sessions: one broker, one tenant per
 * candidate). The lab calls it once in start() with its recorder and topic prefix, publishes
 * through the result and calls its close() on stop, which must detach the lab only.
 */
export type BrokerProvider = (ctx: {
  record: RecordFn;
  topicPrefix: string;
  logger: Logger;
  /** The lab's token and timed signed logins, for the tenant (`TenantSpec.auth`). */
  auth?: TenantAuth;
}) => Promise<MqttBroker>;

export interface LabPorts {
  mqtt?: number;
  /** null = no WebSocket listener. */
  ws?: number | null;
  /** MQTT over TLS, when `tls` is given (default 0: any free port). */
  mqtts?: number;
  /** MQTT over secure WebSocket, when `tls` is given; null = none. */
  wss?: number | null;
  coap?: number;
  modbus?: number;
  /** First configuration API port of the scenario's gateways (gateway i on port+i; 0 = any). */
  gateway?: number;
  /** The MCU board's protocol port (docs/board.md). */
  board?: number;
}

/** The lab's own options; the families' (serial transports, gateways on/off) are FamilyDeps. */
export interface LabOwnDeps {
  seed?: number;
  clock?: Clock;
  logger?: Logger;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral) for every port. */
  ports?: LabPorts;
  /**
   * TLS on the lab's own broker: its CA and server certificate are made in `dir` (the lab's own
   * folder; keys mode 0600) for the bind host, `publicHost`, localhost and 127.0.0.1, and the
   * card gives `mqtt.tlsUrl`, `mqtt.wssUrl` and `mqtt.ca`. Absent = no TLS listener.
   */
  tls?: { dir: string; publicHost?: string; handshakeTimeoutMs?: number };
  /** JSONL evidence file; without it evidence is kept for subscribers only. */
  evidencePath?: string;
  /** Append to an existing evidence file, continuing its hash chain (server restarts). */
  resumeEvidence?: boolean;
  /** The evidence file's size quota (default EVIDENCE_QUOTA; `false` for none). */
  evidenceQuota?: Quota | false;
  /**
   * This start resumes a run a server restart interrupted: `lab.start` is recorded with
   * `resumed: true`, and the clock (deps.clock) should go on from the run's lab time.
   */
  resumed?: boolean;
  candidate?: string;
  /** An external (shared) broker; without it the lab runs its own on `ports.mqtt`. */
  broker?: BrokerProvider;
  /** Overrides the scenario's topic prefix (exam sessions give each candidate their own). */
  topicPrefix?: string;
  /**
   * The MQTT login the lab's own clients (a gateway's northbound link) use on the broker when it
   * is not the scenario's: an exam session's broker admits only the candidate's login.
   */
  mqttLogin?: { username: string; password: string };
  /**
   * Which peer IPs may use the lab's CoAP, Modbus, serial-over-TCP and board endpoints (exam
   * sessions locked to the roster's seat IPs); others are refused and recorded as `net.refused`.
   * Absent = everyone.
   */
  allowPeer?: (ip: string) => boolean;
}

export type LabDeps = LabOwnDeps & FamilyDeps;

export interface FaultRequest {
  device: string;
  type: FaultType;
  /** Seconds; absent = until cleared. */
  duration?: number;
  rate?: number;
  amplitude?: number;
  value?: number;
  delayMs?: number;
  /** password-changed: the new password (default: a random one, in the returned fault). */
  password?: string;
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
  /** Truth of a login (security faults): its password changed, its token key generation. */
  loginTruth(
    login: string,
    t?: number,
  ): { passwordChanged: boolean; keyGeneration: number; faults: string[] };
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
  const ground = createGround(scenario, deps);
  const auth = createLabAuth({ ...ground, scenario: ground.plan.scenario });
  ground.onFaultEdge = (f) => auth.onFaultEdge(f);
  const field = createFieldDevices(ground);
  /** A fault's target: a device, or for a security fault a login. */
  const targetOf = (idOrName: string, type: FaultType): string => {
    if (!SECURITY_FAULTS.includes(type)) return field.directory.idOf(idOrName);
    const t = securityTarget(ground.plan.scenario, idOrName, type);
    if ('problem' in t) throw new LabError('DEVICE_UNKNOWN', t.problem);
    return t.login;
  };
  const families = instantiateFamilies(ground, field, deps);
  const { clock, recorder, faults, record, logger } = ground;
  const board = families.board.model;
  const closers: (() => Promise<void>)[] = [];
  // Closed before the servers, so a gateway's offline status still reaches the broker.
  const earlyClosers: (() => Promise<void>)[] = [];
  let state: LabState = 'new';
  let card: LabCard | undefined;

  const lab: Lab = {
    plan: ground.plan,
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
      try {
        card = await startLab(
          ground,
          field,
          families,
          deps,
          { closers, earlyClosers },
          auth,
          targetOf,
        );
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
      for (const t of ground.timers) clock.clear(t);
      ground.timers.length = 0;
      const results = [
        ...(await Promise.allSettled(earlyClosers.map((c) => c()))),
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

    device: field.directory.model,
    byteDevice: field.directory.byteDevice,
    truth: (idOrName, t) => field.directory.model(idOrName).truth(t ?? clock.now()),
    loginTruth: (login, t) => auth.truth(login, t ?? clock.now()),
    command: (idOrName, cmd, source = 'api') =>
      field.activity.applyCommand(field.directory.model(idOrName), cmd, source),
    injectFault: (req) =>
      field.faultSchedule.inject(targetOf(req.device, req.type), {
        ...req,
        ...(req.type === 'password-changed' && req.password === undefined
          ? { password: randomBytes(8).toString('hex') }
          : {}),
      }),
    clearFault: (id) => field.faultSchedule.clear(id),
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

/** Step: the plan, and what every later step shares (clock, logger, fault book, recorder). */
function createGround(scenario: Scenario, deps: LabDeps): LabGround {
  const seed = deps.seed ?? 1;
  const clock = deps.clock ?? new RealClock();
  const logger = deps.logger ?? silentLogger;
  const plan = planLab(
    deps.topicPrefix === undefined ? scenario : { ...scenario, topicPrefix: deps.topicPrefix },
    seed,
  );
  const recorder = new EvidenceRecorder({
    clock,
    path: deps.evidencePath,
    candidate: deps.candidate,
    ...(deps.resumeEvidence ? { resume: true } : {}),
    ...(deps.evidenceQuota !== undefined ? { quota: deps.evidenceQuota } : {}),
    logger,
  });
  return {
    plan,
    seed,
    clock,
    logger,
    host: deps.host ?? '127.0.0.1',
    faults: new FaultBook(),
    recorder,
    record: recorder.record,
    timers: [],
  };
}

/** Step: each registered family's models, from the plan (no sockets yet: truth works now). */
function instantiateFamilies(
  ground: LabGround,
  field: FieldDevices,
  deps: LabDeps,
): FamilyInstances {
  const ctx = {
    seed: ground.seed,
    faults: ground.faults,
    clock: ground.clock,
    field: field.access,
  };
  const instances = Object.fromEntries(
    FAMILIES.map((f) => [f.name, f.instantiate(ground.plan, ctx, deps)]),
  ) as FamilyInstances;
  // The directory finds serial devices too (faults and the Lab API name them).
  for (const [id, d] of instances.serial.devices) field.byteDevices.set(id, d);
  return instances;
}

/**
 * Step: start(). Every family's runtime module loaded first, so nothing waits for a module
 * between two starts. Then the broker (every family may publish), the field devices' CoAP and
 * Modbus TCP servers, then each family in the registry's order; then the card, the `lab.start`
 * evidence, and last the scheduled faults and device timers, so no telemetry precedes lab.start.
 */
async function startLab(
  ground: LabGround,
  field: FieldDevices,
  families: FamilyInstances,
  deps: LabDeps,
  close: { closers: (() => Promise<void>)[]; earlyClosers: (() => Promise<void>)[] },
  auth: LabAuth,
  targetOf: (idOrName: string, type: FaultType) => string,
): Promise<LabCard> {
  const { plan, clock, record, logger, host, recorder } = ground;
  const scenario = plan.scenario;
  const ports = deps.ports ?? {};
  const instances: FamilyInstance<object>[] = FAMILIES.map((f) => families[f.name]);
  await Promise.all(instances.flatMap((i) => (i.loading ? [i.loading] : [])));
  const { broker, clientCert } = await startBroker(ground, deps, auth);
  close.closers.push(() => broker.close());
  field.attach(broker);
  await auth.attach(broker);
  broker.onClientMessage(answerRecorder(plan.topicPrefix, record));

  const guard: PeerGuard | undefined = deps.allowPeer
    ? { allow: deps.allowPeer, record }
    : undefined;
  const servers = await startFieldServers(ground, field, {
    guard,
    coapPort: ports.coap ?? 0,
    modbusPort: ports.modbus ?? 0,
  });
  close.closers.push(...servers.closers);

  const services: LabServices = {};
  const ctx: FamilyStartContext = {
    clock,
    record,
    logger,
    host,
    ...(guard ? { guard } : {}),
    mqtt: {
      url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${broker.port}`,
      ...(deps.mqttLogin ?? scenario.mqtt ?? {}),
    },
    field: field.access,
    services,
  };
  const sections: FamilyCards = {};
  for (const f of FAMILIES) {
    const runtime: FamilyRuntime<object> | undefined = await families[f.name].start(ctx);
    if (!runtime) continue;
    (runtime.closeBeforeServers ? close.earlyClosers : close.closers).push(() => runtime.close());
    Object.assign(services, runtime.provides);
    Object.assign(sections, runtime.card);
  }

  const card = buildCard(
    plan,
    {
      host,
      mqttPort: broker.port,
      wsPort: broker.wsPort,
      ...(broker.tls ? { tls: { ...broker.tls, ...(clientCert ? { clientCert } : {}) } } : {}),
      coapPort: servers.coapPort,
      modbusPort: servers.modbusPort,
    },
    {
      startedAt: new Date(clock.wall()).toISOString(),
      ...(recorder.path ? { evidencePath: recorder.path } : {}),
      sections,
    },
  );
  record('lab.start', {
    ...(deps.resumed ? { resumed: true } : {}),
    scenario: scenario.name,
    seed: ground.seed,
    labId: plan.labId,
    card: {
      mqtt: card.mqtt,
      coap: card.coap,
      modbus: card.modbus,
      ...(card.gateways ? { gateways: card.gateways } : {}),
    },
  });
  field.faultSchedule.scheduleScenario(scenario.faults, targetOf);
  field.activity.start();
  return card;
}

/**
 * The lab's own MQTT broker, or a tenant of a shared one (exam sessions). With TLS, the lab's CA
 * also issues one client certificate (mutual TLS) whose CN is the scenario's MQTT username, or
 * `iotlab-client`: a client presenting it logs in as that user without a password.
 */
async function startBroker(
  ground: LabGround,
  deps: LabDeps,
  auth: LabAuth,
): Promise<{ broker: MqttBroker; clientCert?: { cert: string; key: string; cn: string } }> {
  const { plan, record, logger, host } = ground;
  const scenario = plan.scenario;
  const ports = deps.ports ?? {};
  if (deps.broker)
    return {
      broker: await deps.broker({
        record,
        topicPrefix: plan.topicPrefix,
        logger,
        ...(auth.tenant ? { auth: auth.tenant } : {}),
      }),
    };
  const tls = deps.tls
    ? await createLabTls({
        dir: deps.tls.dir,
        name: plan.labId,
        hosts: [host, ...(deps.tls.publicHost ? [deps.tls.publicHost] : [])],
      })
    : undefined;
  const clientCert = await tls?.issueClientFiles(scenario.mqtt?.username ?? 'iotlab-client');
  const broker = await createMqttBroker({
    host,
    port: ports.mqtt ?? 0,
    ...(ports.ws === null ? {} : { wsPort: ports.ws ?? 0 }),
    ...(tls
      ? {
          tls: {
            key: tls.serverKey,
            cert: tls.serverCertPem,
            ca: tls.caPem,
            port: ports.mqtts ?? 0,
            ...(ports.wss === null ? {} : { wssPort: ports.wss ?? 0 }),
            ...(deps.tls?.handshakeTimeoutMs !== undefined
              ? { handshakeTimeoutMs: deps.tls.handshakeTimeoutMs }
              : {}),
            caFile: { path: tls.caPath, sha256: tls.caSha256 },
          },
        }
      : {}),
    record,
    logger,
    ...(scenario.mqtt ? { credentials: scenario.mqtt } : {}),
    ...(scenario.mqtt
      ? { passwordNow: () => auth.passwordNow(scenario.mqtt!.username, scenario.mqtt!.password) }
      : {}),
    ...(scenario.platform ? { platformDevices: scenario.platform.devices } : {}),
    ...(auth.tenant ? { auth: auth.tenant } : {}),
  });
  return { broker, ...(clientCert ? { clientCert } : {}) };
}
