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
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { RealClock } from '../core/clock.js';
import { LabError } from '../core/errors.js';
import type { Quota, RecordFn } from '../core/evidence.js';
import { EvidenceRecorder } from '../core/evidence.js';
import type { Fault, FaultType } from '../core/faults.js';
import { BROKER_TARGET, FaultBook, SECURITY_FAULTS, isTlsFault, tlsTruth } from '../core/faults.js';
import type { TlsTruth } from '../core/faults.js';
import { readFileSync } from 'node:fs';
import { prepareTlsFaults } from './tls-faults.js';
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
import { urlHost } from '../protocols/listen.js';
import type { MqttBroker, TenantAuth } from '../protocols/mqtt/broker.js';
import { createMqttBroker } from '../protocols/mqtt/broker.js';
import { createLabTls } from '../protocols/tls/ca.js';
import type { LabTls } from '../protocols/tls/ca.js';
import { startImpostor } from '../protocols/tls/impostor.js';
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
import type { AccessPolicy } from '../core/acl.js';
import type { AuditEntry, SecuritySpec } from './security.js';
import { LabAccess, actorTopicProblems, initialPolicy } from './security.js';
import { buildSecurityApi } from './security-api.js';
import { startActors } from './actors.js';
import { randomBytes } from 'node:crypto';

/**
 * Gives a lab an MQTT broker it does not own (exam sessions: one broker, one tenant per
 * candidate). The lab calls it once in start() with its recorder and topic prefix, publishes
 * through the result and calls its close() on stop, which must detach the lab only.
 */
export type BrokerProvider = (ctx: {
  record: RecordFn;
  topicPrefix: string;
  logger: Logger;
  /** The lab's access policy: the broker enforces it on the lab's clients (TenantSpec.acl). */
  acl: AccessPolicy;
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
  /** First HTTPS configuration API port of the gateways, with TLS (gateway i on port+i; 0 = any). */
  gatewayTls?: number;
  /** The MCU board's protocol port (docs/board.md). */
  board?: number;
  /** The impostor endpoint of a scenario with `tls.impostor` (default 0: any free port). */
  impostor?: number;
  /** The security API's port, when the scenario has a `security:` section (docs/acl.md). */
  security?: number;
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
  /**
   * The TLS server certificate and key (PEM) of the shared broker's server, for a lab on one
   * (`broker`): the lab's own TLS endpoints (a gateway's HTTPS API) present it, so a client
   * trusting the CA its card names in `mqtt.ca` reaches them. A lab with its own broker uses its
   * own certificate (`tls`) instead. Never recorded.
   */
  sharedTls?: { cert: string; key: string };
  /**
   * A lab on a shared broker that gives it its own TLS listener (an exam session's): the shared
   * server's CA, which issues the certificates the lab's TLS faults serve there, and the
   * candidate's client certificate (PEM), which `cert-revoked` puts on that listener's CRL.
   */
  sharedCa?: { tls: LabTls; clientCertPem(): Promise<string | undefined> };
  /**
   * The host that addresses the lab announces on the broker name (an impostor's URL), when it is
   * not the bind host: an exam server bound to 0.0.0.0 names its public host.
   */
  publicHost?: string;
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
  /** A TLS fault (core/faults.ts TLS_FAULT_TYPES) targets `device: "broker"`. */
  injectFault(req: FaultRequest): Fault;
  /** The access policy in force, its audit trail and the broker's access records. */
  readonly access: LabAccess;
  /**
   * Replaces the access policy (validated; in force at once on live connections), recorded as
   * `acl.change` evidence with the actor, before and after.
   */
  setAcl(policy: unknown, actor: string): AuditEntry;
  clearFault(id: string): Fault;
  /** What a correct client sees of the broker's TLS at t (its security faults). */
  tlsTruth(t?: number): TlsTruth;
  /** Whether the broker's TLS faults can be injected: the lab has its own TLS listener. */
  readonly tlsFaults: boolean;
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
    // The broker takes the TLS faults (scenario-checks.ts holds each kind to its target).
    if (isTlsFault(type) || idOrName === BROKER_TARGET) return BROKER_TARGET;
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
  /**
   * A TLS fault needs the lab's own TLS listener: its own broker's, or the one an exam server's
   * shared broker gives each lab (a shared listener serves every tenant).
   */
  const needTlsFaults = (type: string) => {
    if (!tlsFaultsReady.value)
      throw new LabError(
        'TLS_FAULT_UNAVAILABLE',
        `"${type}" needs the lab's own MQTT TLS listener; this lab has none (${deps.broker ? 'its server runs without TLS' : '--no-tls'})`,
      );
  };
  const tlsFaultsReady = { value: false };

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
    get tlsFaults() {
      return tlsFaultsReady.value;
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
          () => {
            tlsFaultsReady.value = true;
          },
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
    injectFault: (req) => {
      if (isTlsFault(req.type)) needTlsFaults(req.type);
      return field.faultSchedule.inject(targetOf(req.device, req.type), {
        ...req,
        ...(req.type === 'password-changed' && req.password === undefined
          ? { password: randomBytes(8).toString('hex') }
          : {}),
      });
    },
    tlsTruth: (t) => tlsTruth(faults.activeAt(BROKER_TARGET, t ?? clock.now())),
    clearFault: (id) => field.faultSchedule.clear(id),
    access: ground.access,
    setAcl: (policy, actor) => ground.access.set(policy, actor, clock),
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
  const access = new LabAccess(
    initialPolicy(plan.scenario.security, plan.topicPrefix, plan.labId),
    recorder.record,
    plan.topicPrefix,
  );
  // The access records are served by the security API only: a lab without one keeps none (in
  // a soak of 50 labs under a publish flood, the records grew the server by 125 MB a minute).
  if (plan.scenario.security) recorder.subscribe((e) => access.log.add(e));
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
    access,
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
  tlsFaultsReady: () => void,
): Promise<LabCard> {
  const { plan, clock, record, logger, host, recorder } = ground;
  const scenario = plan.scenario;
  const ports = deps.ports ?? {};
  const instances: FamilyInstance<object>[] = FAMILIES.map((f) => families[f.name]);
  await Promise.all(instances.flatMap((i) => (i.loading ? [i.loading] : [])));
  const { broker, clientCert, clientCertPem, tls } = await startBroker(ground, deps, auth);
  close.closers.push(() => broker.close());
  if (tls && broker.tlsControl) {
    // A lab's own CA keeps the CRL file its card names up to date; a shared CA's file is not
    // this lab's to rewrite.
    const tlsFaults = await prepareTlsFaults(
      tls,
      broker.tlsControl,
      clientCertPem,
      deps.broker ? undefined : tls.crlPath,
    );
    field.onTlsEdge(() =>
      tlsFaults.apply(tlsTruth(ground.faults.activeAt(BROKER_TARGET, clock.now()))),
    );
    tlsFaultsReady();
  } else if (scenario.faults.some((f) => isTlsFault(f.type)))
    throw new LabError(
      'TLS_FAULT_UNAVAILABLE',
      "the scenario's TLS faults need the lab's own MQTT TLS listener (not --no-tls, not a shared broker without TLS)",
    );
  const impostor = scenario.tls?.impostor;
  const announce = impostor
    ? await startImpostorOf(ground, deps, (c) => close.closers.push(c))
    : undefined;
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
    ...(tls
      ? { tls: { cert: tls.serverCertPem, key: tls.serverKey } }
      : deps.broker && deps.sharedTls
        ? { tls: deps.sharedTls }
        : {}),
    // The lab's own clients (a gateway's link, simulated clients) go in as a candidate must:
    // over TLS, trusting the CA, when TLS is the only way in.
    mqtt: {
      ...(scenario.tls?.only && broker.tls && tls
        ? {
            url: `mqtts://${urlHost(reachable(host))}:${broker.tls.clientsPort ?? broker.tls.port}`,
            ca: tls.caPem,
          }
        : { url: `mqtt://${urlHost(host)}:${broker.port}` }),
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

  const security = scenario.security
    ? await startSecurity(ground, scenario.security, ports.security ?? 0, ctx.mqtt, guard)
    : undefined;
  if (security) {
    close.earlyClosers.push(security.closeActors);
    close.closers.push(security.closeApi);
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
      ...(security ? { security: security.card } : {}),
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
  if (impostor && announce) {
    record('impostor.listen', announce.listen);
    // Retained, so a client that subscribes after the notice still learns of the "backup".
    const notice = () =>
      void broker.publish(`${plan.topicPrefix}/${impostor.notice}`, announce.notice, {
        qos: 1,
        retain: true,
        device: 'lab',
      });
    // `at` counts from lab.start (what the grader measures from); a resumed run goes on from
    // lab time 0 of its first start.
    const due = deps.resumed ? impostor.at * 1000 - clock.now() : impostor.at * 1000;
    ground.timers.push(clock.setTimeout(notice, Math.max(0, due)));
  }
  return card;
}

/** The impostor endpoint (protocols/tls/impostor.ts); returns the notice that announces it. */
async function startImpostorOf(
  ground: LabGround,
  deps: LabDeps,
  onClose: (c: () => Promise<void>) => void,
): Promise<{ notice: string; listen: Record<string, unknown> }> {
  const { plan, record, logger, host } = ground;
  const imp = await startImpostor({
    host,
    port: deps.ports?.impostor ?? 0,
    urlHost: deps.publicHost ?? deps.tls?.publicHost ?? host,
    caName: plan.labId,
    record,
    logger,
    ...(deps.allowPeer ? { guard: { allow: deps.allowPeer, record } } : {}),
  });
  onClose(() => imp.close());
  return {
    notice: JSON.stringify({
      backup: imp.url,
      reason: 'primary broker maintenance: move to the backup / 主服务器维护，请切换到备用服务器',
    }),
    listen: { url: imp.url, port: imp.port, caSha256: imp.caSha256, listener: 'impostor' },
  };
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
): Promise<{
  broker: MqttBroker;
  clientCert?: { cert: string; key: string; cn: string };
  /** The client certificate `cert-revoked` revokes. */
  clientCertPem?: string;
  tls?: LabTls;
}> {
  const { plan, record, logger, host } = ground;
  const scenario = plan.scenario;
  const ports = deps.ports ?? {};
  if (deps.broker) {
    // Issued (and written) before the tenant exists, so a failure here leaves nothing open.
    const pem = deps.sharedCa ? await deps.sharedCa.clientCertPem() : undefined;
    const broker = await deps.broker({
      record,
      topicPrefix: plan.topicPrefix,
      logger,
      acl: ground.access.policy,
      ...(auth.tenant ? { auth: auth.tenant } : {}),
    });
    // Its own TLS listener on the shared broker takes the TLS faults, from the shared CA.
    if (!broker.tlsControl || !deps.sharedCa) return { broker };
    return { broker, tls: deps.sharedCa.tls, ...(pem ? { clientCertPem: pem } : {}) };
  }
  // A scenario that needs TLS has it wherever it runs: its folder beside the evidence.
  const tlsDir = deps.tls?.dir ?? (scenario.tls ? recorderDir(ground) : undefined);
  const tls = tlsDir
    ? await createLabTls({
        dir: tlsDir,
        name: plan.labId,
        hosts: [host, ...(deps.tls?.publicHost ? [deps.tls.publicHost] : [])],
      })
    : undefined;
  const clientCert = await tls?.issueClientFiles(scenario.mqtt?.username ?? 'iotlab-client');
  const broker = await createMqttBroker({
    ...(scenario.tls?.only ? { tlsOnly: true } : {}),
    host,
    port: ports.mqtt ?? 0,
    ...(ports.ws === null ? {} : { wsPort: ports.ws ?? 0 }),
    ...(tls
      ? {
          tls: {
            key: tls.serverKey,
            cert: tls.serverCertPem,
            ca: tls.caPem,
            crl: readFileSync(tls.crlPath, 'utf8'),
            port: ports.mqtts ?? 0,
            ...(ports.wss === null ? {} : { wssPort: ports.wss ?? 0 }),
            ...(deps.tls?.handshakeTimeoutMs !== undefined
              ? { handshakeTimeoutMs: deps.tls.handshakeTimeoutMs }
              : {}),
            caFile: { path: tls.caPath, sha256: tls.caSha256, crl: tls.crlPath },
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
    acl: ground.access.policy,
    ...(auth.tenant ? { auth: auth.tenant } : {}),
  });
  return {
    broker,
    ...(clientCert ? { clientCert, clientCertPem: readFileSync(clientCert.cert, 'utf8') } : {}),
    ...(tls ? { tls } : {}),
  };
}

/** An address a local client reaches a listener bound to `host` by (not the wildcard). */
function reachable(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

/** `<evidence>.tls/` beside the evidence file, or a new temporary folder without one. */
function recorderDir(ground: LabGround): string {
  const path = ground.recorder.path;
  return path ? path.replace(/\.jsonl$/, '') + '.tls' : mkdtempSync(join(tmpdir(), 'iotlab-tls-'));
}

/**
 * The scenario's `security:` section running: the security API (bearer token on the card) and
 * the simulated clients. The clients stop before the servers, so their disconnects are evidence.
 */
async function startSecurity(
  ground: LabGround,
  spec: SecuritySpec,
  port: number,
  mqttLogin: { url: string; username?: string; password?: string; ca?: string },
  guard: PeerGuard | undefined,
): Promise<{
  card: { api: string; token: string; accessLog: string };
  closeActors: () => Promise<void>;
  closeApi: () => Promise<void>;
}> {
  const { plan, clock, logger, host } = ground;
  const problems = actorTopicProblems(spec, plan.topicPrefix);
  if (problems.length > 0)
    throw new LabError('SCENARIO_INVALID', `security.clients: ${problems.join('; ')}`);
  const token = randomBytes(18).toString('base64url');
  const app = buildSecurityApi({
    access: ground.access,
    token,
    clock,
    logger,
    ...(guard ? { guard } : {}),
  });
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const base = `http://${urlHost(host)}:${bound}`;
  let actors: Awaited<ReturnType<typeof startActors>> | undefined;
  try {
    actors = await startActors(spec.clients, {
      clock,
      logger,
      mqtt: mqttLogin,
      prefix: plan.topicPrefix,
      labId: plan.labId,
    });
  } catch (err) {
    await app.close();
    throw err;
  }
  const running = actors;
  return {
    card: { api: base, token, accessLog: `${base}/access-log` },
    closeActors: () => running.close(),
    closeApi: () => app.close(),
  };
}
