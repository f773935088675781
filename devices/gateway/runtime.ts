/**
 * Runs one edge gateway: carries out the intents of its behaviour object (devices/gateway/model.ts)
 * on real sockets.
 *
 * Southbound, the gateway is a host on each serial line its poll table uses, through the line's
 * raw TCP port (as a gateway behind a serial device server). A line has one host at a time, so
 * while the gateway holds a line a candidate's connection to that port is refused, and while a
 * candidate holds it the gateway reports the line as busy on its status topic and retries. Its
 * requests and the devices' answers are evidence like any host's (`serial.rx` / `serial.tx`).
 *
 * Northbound, it is an MQTT client (gateway-northbound.ts) of the broker its `northbound`
 * config names, by default the lab's, where everything it publishes and subscribes is recorded
 * like any client's. It publishes point values, a retained status (with an offline last will),
 * and takes commands on `<topic>/set`; readings taken while the link is down are queued.
 *
 * Its configuration API (devices/gateway/runtime/api.ts) listens on its own HTTP port, and when the
 * lab has TLS also on an HTTPS port with the lab's server certificate; a new config replaces the
 * poll table live and is recorded as `device.state` of `gw:<name>`.
 */
import { GatewayCore } from './model.js';
import type { GatewayIntent } from './model.js';
import type { LineClient } from '../../protocols/serial/tcp-client.js';
import { openLineClient } from '../../protocols/serial/tcp-client.js';
import type { GatewayCardEntry } from './card.js';
import type { SerialCardEntry } from '../serial/card.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Problem } from '../../core/errors.js';
import { LabError } from '../../core/errors.js';
import type { RecordFn } from '../../core/evidence.js';
import type { GatewayControl, ReplaceResult } from './runtime/api.js';
import { buildGatewayApi } from './runtime/api.js';
import type { GatewayPoint } from './config.js';
import { resolveGateway, statusTopic } from './config.js';
import { PASSWORD_MASK, SECRET_FIELDS, maskPassword, unmaskPassword } from './link.js';
import type { NorthboundSettings } from './runtime/northbound.js';
import { NorthboundLink, resolveNorthbound } from './runtime/northbound.js';
import type { GatewayWorld, PlanView } from './world.js';
import { worldFromPlan } from './world.js';
import { charTimeMs } from '../../protocols/serial/line.js';
import type { Logger } from '../../core/logger.js';
import type { PeerGuard } from '../../protocols/listen.js';
import type { GatewaySpec } from './scenario.js';
import { GatewayNorthbound, asProblem, shapeProblems } from './scenario.js';

const NORTHBOUND_DEFAULTS = GatewayNorthbound.parse({});

export interface GatewayLineEndpoint {
  host: string;
  port: number;
  /** Milliseconds per character at the line's settings (the master's inter-frame silence). */
  charMs: number;
}

export interface GatewayRuntimeDeps {
  spec: GatewaySpec;
  world: GatewayWorld;
  /** Raw TCP endpoints of the lab's serial lines, by device name. */
  lines: ReadonlyMap<string, GatewayLineEndpoint>;
  mqtt: { url: string; username?: string; password?: string; ca?: string };
  clock: Clock;
  record: RecordFn;
  logger: Logger;
  /** Address the configuration API listens on. */
  host: string;
  /** Port of the configuration API when the spec gives none (0 = any free port). */
  apiPort: number;
  /** Port of the configuration API over HTTPS, when `tls` is given (default 0 = any free port). */
  apiTlsPort?: number;
  /**
   * The lab's server certificate and key: the API is served over HTTPS too, on `apiTlsPort` of
   * the same host. The key goes to that listener only.
   */
  tls?: { cert: string; key: string };
  /** Seat lock (exam sessions): who may use the configuration API (HTTP and HTTPS). */
  guard?: PeerGuard;
}

export interface GatewayRuntime {
  readonly name: string;
  card(): GatewayCardEntry;
  control: GatewayControl;
  close(): Promise<void>;
}

/** `gw-<name>`: the device id under which the gateway's config changes are evidence. */
export function gatewayDeviceId(name: string): string {
  return `gw:${name}`;
}

export async function startGateway(deps: GatewayRuntimeDeps): Promise<GatewayRuntime> {
  const { clock, logger, world } = deps;
  let spec = deps.spec;
  const name = spec.name;
  let status = statusTopic(world, spec);
  const defaultClientId = `iotlab-gw-${name}-${world.labId}`;
  const settingsOf = (s: GatewaySpec): NorthboundSettings =>
    resolveNorthbound(
      s.northbound ?? NORTHBOUND_DEFAULTS,
      { ...deps.mqtt, clientId: defaultClientId },
      statusTopic(world, s),
    );
  const first = resolveGateway(spec, world);
  const blocking = first.problems.filter((p) => p.severity === 'error');
  if (blocking.length > 0)
    throw new LabError(
      'SCENARIO_INVALID',
      `gateway ${name}: ${blocking.length} problem(s) in its config`,
      { gateway: name },
      blocking.map(asProblem),
    );
  for (const p of first.problems)
    logger.warn(`gateway ${name}: poll table does not match the lab`, { ...asProblem(p) });

  const gapMs: Record<string, number> = {};
  for (const [line, ep] of deps.lines) gapMs[line] = Math.max(2, 3.5 * ep.charMs);
  const core = new GatewayCore(
    {
      name,
      statusTopic: status,
      payload: spec.payload,
      qos: spec.qos,
      retain: spec.retain,
      timeoutMs: spec.timeoutMs,
      gapMs,
    },
    first.points,
    clock.now(),
  );
  let closed = false;
  let timer: TimerHandle | undefined;
  const clients = new Map<string, LineClient>();
  let subscribed = new Set<string>();

  const run = (intents: GatewayIntent[]): void => {
    for (const intent of intents) {
      if ('send' in intent) clients.get(intent.send.line)?.write(intent.send.bytes);
      else if ('publish' in intent)
        // While the link is down readings are queued; the status is published again on connect.
        link.publish(intent.publish, intent.publish.topic !== status);
      else logger[intent.log.level](`gateway ${name}: ${intent.log.message}`, intent.log.context);
    }
    if (!closed) wake();
  };
  const wake = (): void => {
    const at = core.nextWake();
    clock.clear(timer);
    timer = undefined;
    if (at === undefined) return;
    timer = clock.setTimeout(
      () => {
        timer = undefined;
        run(core.tick(clock.now(), clock.wall()));
      },
      Math.max(0, at - clock.now()),
    );
  };
  const safely =
    <A extends unknown[]>(what: string, fn: (...a: A) => void) =>
    (...a: A): void => {
      if (closed) return;
      try {
        fn(...a);
      } catch (err) {
        logger.error(`gateway ${name}: ${what} failed`, { err: String(err) });
      }
    };

  /** Opens clients for the lines the poll table uses and closes the others. */
  const syncLines = (): void => {
    const wanted = new Set(core.lineNames());
    for (const [line, c] of clients)
      if (!wanted.has(line)) {
        clients.delete(line);
        void c.close();
      }
    for (const line of wanted) {
      if (clients.has(line)) continue;
      const ep = deps.lines.get(line);
      if (!ep) continue; // resolveGateway only lets lines of the world through
      clients.set(
        line,
        openLineClient({
          host: ep.host,
          port: ep.port,
          label: `${name}/${line}`,
          clock,
          logger,
          onData: safely('reply', (bytes: Buffer) =>
            run(core.receive(line, bytes, clock.now(), clock.wall())),
          ),
          onState: safely('line state', (up: boolean, reason?: string) => {
            if (clients.has(line)) run(core.lineState(line, up, reason, clock.now(), clock.wall()));
          }),
        }),
      );
    }
  };

  const syncSubscriptions = (): void => {
    const client = link.connected();
    if (!client) return;
    const wanted = new Set(core.commandTopics());
    const gone = [...subscribed].filter((t) => !wanted.has(t));
    const added = [...wanted].filter((t) => !subscribed.has(t));
    if (gone.length > 0) client.unsubscribe(gone);
    if (added.length > 0)
      client.subscribe(added, { qos: 1 }, (err) => {
        if (err) logger.warn(`gateway ${name}: subscribe failed`, { err: String(err) });
      });
    subscribed = wanted;
  };

  const link = new NorthboundLink(settingsOf(spec), {
    gateway: name,
    device: gatewayDeviceId(name),
    clock,
    logger,
    record: deps.record,
    will: JSON.stringify({ gateway: name, online: false }),
    onConnect: (client) => {
      subscribed = new Set();
      client.publish(status, core.statusMessage(clock.wall()), { qos: 1, retain: true });
      syncSubscriptions();
    },
    onMessage: (topic, payload) =>
      safely('command', () =>
        run(core.command(topic, payload.toString('utf8'), clock.now(), clock.wall())),
      )(),
  });

  const replace = (
    sent: GatewaySpec,
    o: { force: boolean; peer?: string; tls?: boolean },
  ): ReplaceResult => {
    const problems: Problem[] = [];
    const next = unmaskPassword(sent, spec);
    for (const f of SECRET_FIELDS)
      if (next.northbound?.[f] === PASSWORD_MASK)
        problems.push({
          path: `northbound.${f}`,
          message: `${PASSWORD_MASK} stands for the ${f} in force, and none is set: give the ${f}`,
        });
    if (next.name !== name)
      problems.push({
        path: 'name',
        message: `the gateway's name is "${name}" (its status topic follows it); it cannot be renamed through its API`,
      });
    const port = spec.apiPort ?? 0;
    if (next.apiPort !== undefined && next.apiPort !== port && next.apiPort !== api.port)
      problems.push({
        path: 'apiPort',
        message: `the API listens on ${api.port}; its port cannot change while it runs (leave apiPort out)`,
      });
    problems.push(...shapeProblems(next).map(asProblem));
    const resolved = resolveGateway(next, world);
    const errors = resolved.problems.filter((p) => p.severity === 'error').map(asProblem);
    const inventory = resolved.problems.filter((p) => p.severity === 'inventory').map(asProblem);
    problems.push(...errors);
    if (!o.force)
      problems.push(
        ...inventory.map((p) => ({
          ...p,
          message: `${p.message} (to save anyway: PUT /config?force=true)`,
        })),
      );
    if (problems.length > 0) return { ok: false, problems };
    spec = { ...next, ...(spec.apiPort !== undefined ? { apiPort: spec.apiPort } : {}) };
    status = statusTopic(world, spec);
    core.configure({
      statusTopic: status,
      payload: spec.payload,
      qos: spec.qos,
      retain: spec.retain,
      timeoutMs: spec.timeoutMs,
    });
    deps.record('device.state', {
      ...(o.peer ? { peer: o.peer } : {}),
      device: gatewayDeviceId(name),
      source: 'gateway-api',
      ...(o.tls ? { tls: true } : {}),
      values: { config: maskPassword(spec) },
    });
    link.reconfigure(settingsOf(spec));
    run(core.replace(resolved.points, clock.now(), clock.wall()));
    syncLines();
    syncSubscriptions();
    logger.info(`gateway ${name}: new config`, { points: resolved.points.length, peer: o.peer });
    return { ok: true, config: maskPassword(spec), warnings: inventory };
  };

  const control: GatewayControl = {
    config: () => maskPassword(spec),
    replace,
    points: (): readonly GatewayPoint[] => core.table(),
    status: () => ({
      gateway: name,
      mqtt: { connected: link.connected() !== undefined, clientId: link.report().clientId },
      northbound: link.report(),
      ...core.report(),
    }),
  };

  const guarded = deps.guard ? { guard: deps.guard } : {};
  const app = buildGatewayApi({ control, logger, ...guarded });
  const tlsApp = deps.tls
    ? buildGatewayApi({ control, logger, https: deps.tls, ...guarded })
    : undefined;
  const h = deps.host.includes(':') ? `[${deps.host}]` : deps.host;
  const api = { port: 0, url: '', tlsUrl: '' };
  const listenOn = async (what: string, port: number): Promise<number> => {
    try {
      const server = what === 'HTTPS' ? tlsApp! : app;
      await server.listen({ host: deps.host, port });
      const addr = server.server.address();
      return typeof addr === 'object' && addr ? addr.port : 0;
    } catch (err) {
      closed = true;
      await link.close();
      await Promise.allSettled([app.close(), tlsApp?.close()]);
      throw new LabError(
        'PROTOCOL_LISTEN',
        `gateway ${name} cannot listen${what === 'HTTPS' ? ' (HTTPS)' : ''} on ${deps.host}:${port}: ${String(err)}`,
        { gateway: name },
      );
    }
  };
  api.port = await listenOn('HTTP', spec.apiPort ?? deps.apiPort);
  api.url = `http://${h}:${api.port}`;
  // HTTPS beside it: the card gives it (`apiTls`).
  if (tlsApp) api.tlsUrl = `https://${h}:${await listenOn('HTTPS', deps.apiTlsPort ?? 0)}`;
  link.start();
  syncLines();
  run(core.tick(clock.now(), clock.wall()));

  return {
    name,
    control,
    card: () => ({
      name,
      ...(spec.title ? { title: spec.title } : {}),
      api: api.url,
      ...(api.tlsUrl ? { apiTls: api.tlsUrl } : {}),
      statusTopic: status,
      clientId: link.report().clientId,
      lines: core.lineNames(),
    }),
    async close() {
      if (closed) return;
      closed = true;
      clock.clear(timer);
      // Bounded in real time: a broker that is gone must not hold up the lab's stop.
      await link.close({
        topic: status,
        payload: core.statusMessage(clock.wall(), false),
        qos: 1,
        retain: true,
      });
      await Promise.allSettled([...clients.values()].map((l) => l.close()));
      clients.clear();
      await Promise.all([app.close(), tlsApp?.close()]);
    },
  };
}

export interface ScenarioGatewaysDeps {
  plan: PlanView & { scenario: { gateways: readonly GatewaySpec[] } };
  /** The serial lines as the card gives them (their TCP ports and line settings). */
  serial: readonly SerialCardEntry[];
  mqtt: GatewayRuntimeDeps['mqtt'];
  clock: Clock;
  record: RecordFn;
  logger: Logger;
  host: string;
  /** Gateway i listens on basePort + i unless its spec names apiPort; 0 = any free port. */
  basePort: number;
  /** Gateway i serves HTTPS (with `tls`) on tlsBasePort + i; 0 or absent = any free port. */
  tlsBasePort?: number;
  /** The lab's server certificate and key: each API is served over HTTPS too. */
  tls?: { cert: string; key: string };
  guard?: PeerGuard;
}

/** Starts every gateway of the plan's scenario; on a failure the ones started are closed. */
export async function startScenarioGateways(deps: ScenarioGatewaysDeps): Promise<GatewayRuntime[]> {
  const world = worldFromPlan(deps.plan);
  const lines = new Map<string, GatewayLineEndpoint>(
    deps.serial.map((s) => [s.name, { ...s.tcp, charMs: charTimeMs(s.settings) }]),
  );
  const started: GatewayRuntime[] = [];
  try {
    for (const [i, spec] of deps.plan.scenario.gateways.entries())
      started.push(
        await startGateway({
          spec,
          world,
          lines,
          mqtt: deps.mqtt,
          clock: deps.clock,
          record: deps.record,
          logger: deps.logger,
          host: deps.host,
          apiPort: deps.basePort === 0 ? 0 : deps.basePort + i,
          apiTlsPort: deps.tlsBasePort ? deps.tlsBasePort + i : 0,
          ...(deps.tls ? { tls: deps.tls } : {}),
          ...(deps.guard ? { guard: deps.guard } : {}),
        }),
      );
  } catch (err) {
    await Promise.allSettled(started.map((g) => g.close()));
    throw err;
  }
  return started;
}
