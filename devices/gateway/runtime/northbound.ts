/**
 * The gateway's northbound (platform) link: one mqtt.js client to the broker its config names
 * (default the lab's), reconnecting with backoff on the lab clock, with a bounded
 * store-and-forward queue for readings taken while it is down (gateway-link.ts).
 *
 * mqtt.js's own reconnect is off (`reconnectPeriod: 0`) so that every attempt and its outcome
 * can be told apart: each is recorded as `device.state` of `gw:<name>` (source
 * `gateway-northbound`) and logged, with the failure in words (a CONNACK refusal, a refused
 * port, an unknown host name). What reaches the lab's broker is recorded by the broker too; an
 * external broker's side is not, so these events are the evidence of the gateway's own side.
 */
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import type { Clock, TimerHandle } from '../../../core/clock.js';
import type { RecordFn } from '../../../core/evidence.js';
import type { QueuedMessage } from '../link.js';
import { StoreAndForward, backoffMs, describeLinkError, parseBrokerUrl } from '../link.js';
import type { Logger } from '../../../core/logger.js';

/** The link's settings, resolved from `northbound` and the lab's broker. */
export interface NorthboundSettings {
  url: string;
  host: string;
  port: number;
  /** mqtts://: MQTT over TLS, the broker's certificate verified against `ca`. */
  tls: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  clientId: string;
  username?: string;
  password?: string;
  keepaliveS: number;
  cleanSession: boolean;
  statusTopic: string;
  /** Capacity of the store-and-forward queue. */
  queue: number;
  /** The lab's own broker (no url in the config). */
  labBroker: boolean;
}

export type LinkState = 'connecting' | 'connected' | 'down' | 'closed';

export interface NorthboundReport {
  state: LinkState;
  url: string;
  clientId: string;
  username?: string;
  labBroker: boolean;
  /** Epoch ms of the last change of state. */
  since: number;
  attempts: number;
  /** Failed attempts since the last success. */
  failures: number;
  lastError?: { message: string; code: string; at: number };
  /** Lab ms until the next attempt, while down. */
  retryInMs?: number;
  queue: { length: number; max: number; dropped: number; forwarded: number };
}

export interface NorthboundDeps {
  gateway: string;
  device: string;
  clock: Clock;
  logger: Logger;
  record: RecordFn;
  /** Payload of the last will (the status topic's "offline"). */
  will: string;
  /** Connected (CONNACK 0): publish the status, subscribe; queued readings follow. */
  onConnect(client: MqttClient): void;
  onMessage(topic: string, payload: Buffer): void;
}

/** Connection fields whose change needs a new connection. */
const CONNECTION_KEYS = [
  'url',
  'ca',
  'cert',
  'key',
  'clientId',
  'username',
  'password',
  'keepaliveS',
  'cleanSession',
  'statusTopic',
] as const;

export function sameConnection(a: NorthboundSettings, b: NorthboundSettings): boolean {
  return CONNECTION_KEYS.every((k) => a[k] === b[k]);
}

export function resolveNorthbound(
  n: {
    url?: string | undefined;
    ca?: string | undefined;
    cert?: string | undefined;
    key?: string | undefined;
    clientId?: string | undefined;
    username?: string | undefined;
    password?: string | undefined;
    keepaliveS: number;
    cleanSession: boolean;
    queue: number;
  },
  /** The lab's broker: its URL (mqtts:// in a TLS-only lab, with the CA to trust) and login. */
  defaults: { url: string; clientId: string; username?: string; password?: string; ca?: string },
  statusTopic: string,
): NorthboundSettings {
  const labBroker = n.url === undefined;
  const url = n.url ?? defaults.url;
  const parsed = parseBrokerUrl(url);
  // The schema has checked a configured url; the lab's is built by the lab.
  const { host, port, tls } = parsed.ok ? parsed : { host: '127.0.0.1', port: 1883, tls: false };
  const username = n.username ?? (labBroker ? defaults.username : undefined);
  const password =
    n.username !== undefined ? n.password : labBroker ? defaults.password : undefined;
  return {
    url,
    host,
    port,
    tls,
    ...(tls && (n.ca ?? (labBroker ? defaults.ca : undefined)) !== undefined
      ? { ca: n.ca ?? defaults.ca }
      : {}),
    ...(tls && n.cert !== undefined ? { cert: n.cert } : {}),
    ...(tls && n.key !== undefined ? { key: n.key } : {}),
    clientId: n.clientId ?? defaults.clientId,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    keepaliveS: n.keepaliveS,
    cleanSession: n.cleanSession,
    statusTopic,
    queue: n.queue,
    labBroker,
  };
}

export class NorthboundLink {
  private client: MqttClient | undefined;
  private generation = 0;
  private state: LinkState = 'down';
  private since: number;
  private attempts = 0;
  private failures = 0;
  private lastError: NorthboundReport['lastError'];
  private retry: TimerHandle | undefined;
  private retryAt: number | undefined;
  private readonly queue: StoreAndForward;
  /** Serialises teardown and reconnect on a config change. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private settings: NorthboundSettings,
    private readonly deps: NorthboundDeps,
  ) {
    this.since = deps.clock.wall();
    this.queue = new StoreAndForward(settings.queue);
  }

  start(): void {
    this.connect();
  }

  /** The client while connected (for subscriptions), else undefined. */
  connected(): MqttClient | undefined {
    return this.state === 'connected' && this.client?.connected ? this.client : undefined;
  }

  /** Publishes now, or queues a reading while the link is down (status messages are not queued). */
  publish(m: QueuedMessage, telemetry: boolean): void {
    const c = this.connected();
    if (c) c.publish(m.topic, m.payload, { qos: m.qos, retain: m.retain });
    else if (telemetry && this.state !== 'closed') this.queue.push(m);
  }

  /** New settings from PUT /config: a changed connection reconnects at once, backoff reset. */
  reconfigure(next: NorthboundSettings): void {
    this.queue.resize(next.queue);
    const previous = this.settings;
    const changed = !sameConnection(previous, next);
    this.settings = next;
    if (!changed || this.state === 'closed') return;
    this.deps.logger.info(
      `gateway ${this.deps.gateway}: northbound settings changed, reconnecting`,
      {
        url: next.url,
        clientId: next.clientId,
      },
    );
    this.failures = 0;
    // The old connection says it goes offline, as its will would (a clean DISCONNECT drops it).
    const old = this.detach({
      topic: previous.statusTopic,
      payload: this.deps.will,
      qos: 1,
      retain: true,
    });
    this.chain = this.chain
      .then(() => old)
      .then(() => {
        if (this.state !== 'closed') this.connect();
      });
  }

  report(): NorthboundReport {
    const s = this.settings;
    return {
      state: this.state,
      url: s.url,
      clientId: s.clientId,
      ...(s.username !== undefined ? { username: s.username } : {}),
      labBroker: s.labBroker,
      since: this.since,
      attempts: this.attempts,
      failures: this.failures,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.retryAt !== undefined
        ? { retryInMs: Math.max(0, this.retryAt - this.deps.clock.now()) }
        : {}),
      queue: this.queue.report(),
    };
  }

  /** Publishes `last` (the offline status) if connected, then disconnects; bounded in real time. */
  async close(last?: QueuedMessage): Promise<void> {
    if (this.state === 'closed') return;
    const c = this.connected();
    this.setState('closed');
    this.deps.clock.clear(this.retry);
    this.retryAt = undefined;
    this.generation += 1;
    this.client = undefined;
    if (!c) return;
    const done = (
      last
        ? c.publishAsync(last.topic, last.payload, { qos: last.qos, retain: last.retain })
        : Promise.resolve(undefined)
    ).then(() => c.endAsync());
    await withinMs(done, 1000).catch(() => undefined);
    if (!c.disconnected) await c.endAsync(true).catch(() => undefined);
  }

  private connect(): void {
    const { logger, gateway } = this.deps;
    const s = this.settings;
    const generation = ++this.generation;
    this.attempts += 1;
    this.retryAt = undefined;
    this.setState('connecting');
    // The attempt is recorded with its outcome, never synchronously here: the lab starts its
    // gateways before it records lab.start, which must stay the first event of the evidence.
    const attempt = this.attempts;
    let lastErr: unknown;
    let handled = false;
    let client: MqttClient;
    try {
      client = mqtt.connect({
        host: s.host,
        port: s.port,
        protocol: s.tls ? 'mqtts' : 'mqtt',
        // TLS: the broker's certificate must chain to `ca` (Node's own roots when none is given)
        // and name the host; no option turns the check off, as a gateway's manual would warn.
        ...(s.tls
          ? {
              rejectUnauthorized: true,
              ...(s.ca !== undefined ? { ca: s.ca } : {}),
              ...(s.cert !== undefined && s.key !== undefined ? { cert: s.cert, key: s.key } : {}),
              ...(isIP(s.host) === 0 ? { servername: s.host } : {}),
            }
          : {}),
        clientId: s.clientId,
        ...(s.username !== undefined ? { username: s.username, password: s.password ?? '' } : {}),
        keepalive: s.keepaliveS,
        clean: s.cleanSession,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        will: { topic: s.statusTopic, payload: Buffer.from(this.deps.will), qos: 1, retain: true },
      });
    } catch (err) {
      setImmediate(() => {
        if (generation === this.generation) this.failed(err, false, attempt);
      });
      return;
    }
    this.client = client;
    const mine = (): boolean => generation === this.generation;
    client.on('connect', () => {
      if (!mine()) return;
      this.failures = 0;
      this.setState('connected');
      // The link's own address, so the server can tell the lab's connection from a candidate's
      // when it looks for foreign access (server/integrity.ts).
      const sock = client.stream as Partial<Socket> | undefined;
      const local =
        sock?.localAddress !== undefined && sock.localPort !== undefined
          ? `${sock.localAddress}:${sock.localPort}`
          : undefined;
      this.note('connected', { attempt }, local);
      logger.info(`gateway ${gateway}: connected to the broker`, {
        url: s.url,
        clientId: s.clientId,
      });
      try {
        this.deps.onConnect(client);
      } catch (err) {
        logger.error(`gateway ${gateway}: on connect failed`, { err: String(err) });
      }
      const queued = this.queue.drain();
      for (const m of queued) client.publish(m.topic, m.payload, { qos: m.qos, retain: m.retain });
      if (queued.length > 0)
        logger.info(`gateway ${gateway}: sent ${queued.length} queued reading(s)`);
    });
    client.on('message', (topic, payload) => {
      if (mine()) this.deps.onMessage(topic, payload);
    });
    client.on('error', (err) => {
      lastErr = err;
    });
    client.on('close', () => {
      if (!mine() || handled) return;
      handled = true;
      const wasUp = this.state === 'connected';
      client.removeAllListeners('connect');
      client.end(true);
      this.client = undefined;
      this.failed(
        lastErr ?? { message: wasUp ? 'closed by the broker' : 'closed before CONNACK' },
        wasUp,
        attempt,
      );
    });
  }

  private failed(err: unknown, wasUp: boolean, attempt: number): void {
    const { clock, logger, gateway } = this.deps;
    const described = describeLinkError(err, this.settings);
    const message = wasUp ? `connection lost: ${described.message}` : described.message;
    this.lastError = { message, code: described.code, at: clock.wall() };
    this.failures += 1;
    this.setState('down');
    const delay = backoffMs(this.failures);
    this.note(wasUp ? 'lost' : 'failed', {
      attempt,
      error: message,
      code: described.code,
      retryInMs: delay,
    });
    logger.warn(`gateway ${gateway}: northbound ${wasUp ? 'lost' : 'failed'}: ${message}`, {
      url: this.settings.url,
      retryInMs: delay,
    });
    this.retryAt = clock.now() + delay;
    this.retry = clock.setTimeout(() => {
      this.retry = undefined;
      if (this.state === 'down') this.connect();
    }, delay);
  }

  /** Stops the current client and any pending retry; resolves when the client has ended. */
  private detach(last: QueuedMessage): Promise<void> {
    this.generation += 1;
    this.deps.clock.clear(this.retry);
    this.retry = undefined;
    this.retryAt = undefined;
    const c = this.client;
    this.client = undefined;
    this.setState('down');
    if (!c) return Promise.resolve();
    // A clean DISCONNECT when connected, so the broker drops the will instead of publishing it.
    const goodbye = c.connected
      ? c
          .publishAsync(last.topic, last.payload, { qos: last.qos, retain: last.retain })
          .then(() => c.endAsync())
      : c.endAsync(true);
    return withinMs(goodbye, 1000)
      .catch(() => undefined)
      .then(() => (c.disconnected ? undefined : c.endAsync(true).catch(() => undefined)))
      .then(() => undefined);
  }

  private setState(state: LinkState): void {
    if (state !== this.state) this.since = this.deps.clock.wall();
    this.state = state;
  }

  /** Evidence of the gateway's side of the link. */
  private note(event: string, extra: Record<string, unknown> = {}, local?: string): void {
    const s = this.settings;
    this.deps.record('device.state', {
      device: this.deps.device,
      source: 'gateway-northbound',
      ...(local !== undefined ? { local } : {}),
      values: {
        northbound: {
          event,
          url: s.url,
          clientId: s.clientId,
          ...(s.username !== undefined ? { username: s.username } : {}),
          ...extra,
        },
      },
    });
  }
}

function withinMs<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
