/**
 * One MQTT broker for many candidates (exam sessions): aedes on TCP and WebSocket where every
 * client logs in as a tenant (a candidate) and is confined to that tenant's topic prefix.
 *
 * Isolation rules, each enforced by an aedes hook:
 * - CONNECT: the username names the tenant, the password is checked by the tenant's own
 *   `checkPassword` (scrypt in the session store). Wrong passwords are counted per username and
 *   address (core/login-limit.ts): after a run of them that pair gets CONNACK 5 at once, without
 *   the scrypt, so guessing costs neither CPU nor other candidates behind the same NAT anything.
 *   A client id belongs to the tenant using it while one of its connections is open, or while it
 *   holds a persistent session (clean = false) there, so nobody can take over another
 *   candidate's connection or queued messages; once released, any tenant may use the id.
 * - SUBSCRIBE: a filter is granted only if it is the prefix itself or lies under `prefix/`
 *   (wildcards after it are fine), or lies under a root of the tenant's simulated-platform
 *   devices (`/sys/<productKey>/<deviceName>`), whose signed logins also belong to the tenant.
 *   `#`, `+/…`, `$SYS/…` and other prefixes get SUBACK 0x80 (MQTT 3.1.1 §3.9.3, MQTT 5 §3.9.3
 *   reason 0x87).
 * - PUBLISH (and wills): only under the prefix; otherwise the client is disconnected, as MQTT
 *   3.1.1 has no negative PUBACK (§3.3.5).
 * - Delivery: `authorizeForward` drops any message outside the receiving tenant's prefix, so even
 *   a retained or queued message can never cross tenants (defence in depth behind SUBSCRIBE).
 *
 * Evidence: every event of an authenticated client goes to its tenant's recorder with the peer
 * address; events that belong to nobody (failed logins, protocol errors before CONNECT) go to
 * `recordUnrouted`, so one candidate's attempts never change another candidate's evidence.
 */
import { Aedes } from 'aedes';
import type { AedesPublishPacket, Client } from 'aedes';
import type { IncomingMessage } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { MQTT_LIMITS, publishGate, rateCause, tooLargeCause, watchPacketSize } from './limits.js';
import type { MqttLimits } from './limits.js';
import { LabError } from '../../core/errors.js';
import { LOGIN_LIMITS, LoginLimiter } from '../../core/login-limit.js';
import type { LoginLimits } from '../../core/login-limit.js';
import type { RecordFn } from '../../core/evidence.js';
import { payloadView } from '../../core/evidence.js';
import type { Logger } from '../../core/logger.js';
import { checkLogin } from '../codecs/platform-sign.js';
import type { PlatformDevice } from '../codecs/platform-sign.js';
import { closeServer, listen } from '../listen.js';
import type { InboundMessage, MqttBroker } from './broker.js';
import {
  SUBSCRIBER_BACKLOG,
  coalesceWrites,
  slowSubscriberGuard,
  socketPeer,
  toBuffer,
} from './broker.js';

export interface TenantSpec {
  /** Candidate id; also what `recordUnrouted` names when a login as this tenant fails. */
  id: string;
  username: string;
  checkPassword(password: Buffer): Promise<boolean>;
  /** Topic prefix without a trailing slash and without wildcards, e.g. `iotlab/c001`. */
  topicPrefix: string;
  record: RecordFn;
  /**
   * Which peer IPs may log in as this tenant (exam seats locked to the roster's IP); a login from
   * elsewhere gets CONNACK 5 (not authorized), recorded in the tenant's evidence. Absent = any.
   */
  allowPeer?: (ip: string) => boolean;
  /**
   * The devices of the tenant's simulated IoT platform (protocols/codecs/platform-sign.ts): they
   * log in as `deviceName&productKey` with a signed password, and are confined to the tenant.
   */
  platformDevices?: readonly PlatformDevice[];
}

export interface TenantBrokerOptions {
  /** What one client may cost (default MQTT_LIMITS; the throughput bench lifts the rate). */
  limits?: Partial<MqttLimits>;
  /** Wrong passwords per username and address before that pair is refused (default LOGIN_LIMITS). */
  loginLimits?: LoginLimits;
  host: string;
  port: number;
  wsPort?: number;
  logger: Logger;
  /** Events that belong to no tenant: failed logins, protocol errors before CONNECT. */
  recordUnrouted: RecordFn;
  /**
   * For a username that is no tenant now: whether it is a known account whose password this is
   * (a candidate between tasks). A reason refuses the login with CONNACK 5 and that reason,
   * instead of CONNACK 4 "bad username or password" to a right password; undefined = wrong.
   */
  idleAccount?: (username: string, password: Buffer) => Promise<string | undefined>;
}

export interface TenantBroker {
  readonly host: string;
  readonly port: number;
  readonly wsPort: number | undefined;
  /** Registers a tenant and returns the broker as its lab sees it. */
  addTenant(spec: TenantSpec): MqttBroker;
  close(): Promise<void>;
}

interface Tenant {
  spec: TenantSpec;
  /** Where the tenant may publish and subscribe: its prefix, and its platform devices' roots. */
  roots: string[];
  handlers: ((msg: InboundMessage) => void)[];
  clients: Set<Client>;
}

/** True when `filter` (or topic) is the prefix itself or lies below it. */
export function underPrefix(filter: string, prefix: string): boolean {
  return filter === prefix || filter.startsWith(`${prefix}/`);
}

/** True when a topic or filter lies within one of the tenant's roots. */
function tenantOwns(tenant: Tenant, filter: string): boolean {
  return tenant.roots.some((root) => underPrefix(filter, root));
}

export async function createTenantBroker(opts: TenantBrokerOptions): Promise<TenantBroker> {
  const { logger, recordUnrouted } = opts;
  const tenantsByUser = new Map<string, Tenant>();
  /** `deviceName&productKey` of a tenant's platform devices (signed logins) → the tenant. */
  const tenantsByDevice = new Map<string, Tenant>();
  const tenantOf = new WeakMap<Client, Tenant>();
  /** Who holds a client id: open connections, and whether a persistent session is kept. */
  const clientIdOwner = new Map<string, { tenant: Tenant; open: number; persistent: boolean }>();
  const logins = new LoginLimiter(opts.loginLimits ?? LOGIN_LIMITS);
  const peers = new WeakMap<Client, string>();
  const connectPackets = new WeakMap<Client, Record<string, unknown>>();
  const peerOf = (c: Client | null | undefined) =>
    c ? (peers.get(c) ?? socketPeer(c)) : undefined;
  const recordFor = (c: Client | null | undefined): RecordFn =>
    (c && tenantOf.get(c)?.spec.record) ?? recordUnrouted;

  const slow = slowSubscriberGuard(logger);
  const limits: MqttLimits = { ...MQTT_LIMITS, ...opts.limits };
  const gate = publishGate(limits);
  const broker = await Aedes.createBroker({
    heartbeatInterval: 60_000,
    preConnect: (client, packet, done) => {
      connectPackets.set(client, {
        clientId: packet.clientId,
        protocolVersion: packet.protocolVersion,
        clean: packet.clean,
        keepalive: packet.keepalive,
        username: packet.username,
        ...(packet.will ? { will: { topic: packet.will.topic, qos: packet.will.qos } } : {}),
      });
      done(null, true);
    },
    authenticate: (client, username, password, done) => {
      const refuse = (returnCode: 2 | 4 | 5, why: string) => {
        recordUnrouted('mqtt.connect', {
          peer: peerOf(client),
          ...connectPackets.get(client),
          accepted: false,
          returnCode,
          error: why,
        });
        done(Object.assign(new Error(why), { returnCode }), false);
      };
      const peer = peerOf(client) ?? '';
      const ip = peer.slice(0, Math.max(0, peer.lastIndexOf(':')));
      const account = username ?? '';
      const wait = logins.blockedFor(account, ip);
      if (wait > 0) return refuse(5, `too many wrong passwords; try again in ${wait} s`);
      // A device of the tenant's simulated platform logs in with a signed password instead.
      const byDevice = username === undefined ? undefined : tenantsByDevice.get(username);
      if (byDevice) {
        const signed = checkLogin(
          byDevice.spec.platformDevices ?? [],
          client.id,
          username,
          password ? Buffer.from(password) : undefined,
        );
        if (signed.device === undefined || !signed.ok) {
          logins.fail(account, ip);
          return refuse(4, signed.device ? signed.reason : 'bad username or password');
        }
        logins.succeed(account, ip);
        return admit(byDevice);
      }
      const tenant = username === undefined ? undefined : tenantsByUser.get(username);
      if (!tenant && username !== undefined && password !== undefined && opts.idleAccount) {
        // A known account with nothing running: a right password is told why, not "wrong".
        opts.idleAccount(username, Buffer.from(password)).then(
          (why) => {
            if (why === undefined) {
              logins.fail(account, ip);
              return refuse(4, 'bad username or password');
            }
            logins.succeed(account, ip);
            refuse(5, why);
          },
          (err: unknown) => {
            logger.error('password check failed', { err: String(err) });
            refuse(5, 'password check failed');
          },
        );
        return;
      }
      if (!tenant || password === undefined) {
        logins.fail(account, ip);
        return refuse(4, 'bad username or password');
      }
      tenant.spec.checkPassword(Buffer.from(password)).then(
        (ok) => {
          if (!ok) {
            logins.fail(account, ip);
            return refuse(4, 'bad username or password');
          }
          logins.succeed(account, ip);
          admit(tenant);
        },
        (err: unknown) => {
          logger.error('password check failed', { err: String(err) });
          refuse(5, 'password check failed');
        },
      );
      /** A login that is right: the seat lock and the client id decide the rest. */
      function admit(tenant: Tenant): void {
        if (tenant.spec.allowPeer && !tenant.spec.allowPeer(ip)) {
          const why = 'not from the seat address';
          tenant.spec.record('mqtt.connect', {
            peer,
            ...connectPackets.get(client),
            accepted: false,
            returnCode: 5,
            error: why,
          });
          return done(Object.assign(new Error(why), { returnCode: 5 }), false);
        }
        const owner = clientIdOwner.get(client.id);
        if (owner && owner.tenant !== tenant)
          return refuse(2, 'client id in use by another candidate');
        const clean = connectPackets.get(client)?.['clean'] !== false;
        if (owner) {
          owner.open += 1;
          owner.persistent = !clean;
        } else clientIdOwner.set(client.id, { tenant, open: 1, persistent: !clean });
        owned.add(client);
        tenantOf.set(client, tenant);
        tenant.clients.add(client);
        done(null, true);
      }
    },
    authorizeSubscribe: (client, sub, done) => {
      const tenant = client ? tenantOf.get(client) : undefined;
      if (tenant && tenantOwns(tenant, sub.topic)) return done(null, sub);
      recordFor(client)('mqtt.subscribe', {
        peer: peerOf(client),
        clientId: client?.id,
        action: 'subscribe',
        subscriptions: [{ topic: sub.topic, qos: sub.qos }],
        denied: true,
      });
      done(null, null); // SUBACK 0x80
    },
    authorizePublish: (client, packet, done) => {
      if (client && !gate.allows(client)) {
        // Over its rate: refused and disconnected; its mqtt.disconnect says why.
        causes.set(client, rateCause(limits));
        return done(new Error(rateCause(limits).error));
      }
      const tenant = client ? tenantOf.get(client) : undefined;
      if (tenant && tenantOwns(tenant, packet.topic)) return done(null);
      recordFor(client)('mqtt.publish', {
        peer: peerOf(client),
        origin: 'client',
        clientId: client?.id,
        topic: packet.topic,
        qos: packet.qos,
        retain: packet.retain,
        payload: payloadView(toBuffer(packet.payload)),
        denied: true,
      });
      done(new Error(`publishing to ${packet.topic} is not allowed`));
    },
    authorizeForward: (client, packet) => {
      const tenant = tenantOf.get(client);
      if (!tenant || !tenantOwns(tenant, packet.topic)) return null;
      return slow.allows(client, packet) ? packet : null;
    },
  });

  broker.on('clientReady', (client) => {
    recordFor(client)('mqtt.connect', {
      peer: peerOf(client),
      ...connectPackets.get(client),
      clientId: client.id,
      accepted: true,
    });
  });
  const gone = new WeakSet<Client>();
  /** Connections counted in clientIdOwner, released once when they close. */
  const owned = new WeakSet<Client>();
  const releaseId = (client: Client) => {
    if (!owned.has(client)) return;
    owned.delete(client);
    const owner = clientIdOwner.get(client.id);
    if (!owner) return;
    owner.open -= 1;
    if (owner.open <= 0 && !owner.persistent) clientIdOwner.delete(client.id);
  };
  const causes = new WeakMap<Client, { reason: string; error?: string }>();
  broker.on('clientError', (client, err) => {
    logger.debug('mqtt client error', { clientId: client.id, err: err.message });
    if (!causes.has(client)) causes.set(client, { reason: 'error', error: err.message });
  });
  broker.on('keepaliveTimeout', (client) => causes.set(client, { reason: 'keepalive-timeout' }));
  broker.on('clientDisconnect', (client) => {
    gone.add(client);
    const clean = (client as Client & { _disconnected?: boolean })._disconnected === true;
    const cause = causes.get(client) ?? { reason: clean ? 'client' : 'closed' };
    const dropped = slow.dropped(client);
    recordFor(client)('mqtt.disconnect', {
      peer: peerOf(client),
      clientId: client.id,
      ...cause,
      ...(dropped ? { droppedQos0: dropped } : {}),
    });
    tenantOf.get(client)?.clients.delete(client);
    releaseId(client);
  });
  broker.on('connectionError', (client, err) => {
    logger.debug('mqtt connection error', { err: err.message });
    recordFor(client)('mqtt.disconnect', {
      peer: peerOf(client),
      clientId: client.id ?? null,
      reason: 'protocol-error',
      error: err.message,
    });
  });
  broker.on('subscribe', (subs, client) => {
    recordFor(client)('mqtt.subscribe', {
      peer: peerOf(client),
      clientId: client.id,
      action: 'subscribe',
      subscriptions: subs.map((s) => ({ topic: s.topic, qos: s.qos })),
    });
  });
  broker.on('unsubscribe', (topics, client) => {
    if (gone.has(client)) return;
    recordFor(client)('mqtt.subscribe', {
      peer: peerOf(client),
      clientId: client.id,
      action: 'unsubscribe',
      topics,
    });
  });
  broker.on('publish', (packet: AedesPublishPacket, client: Client | null) => {
    if (!client) return; // device publishes are recorded by the tenant's publish()
    const tenant = tenantOf.get(client);
    if (!tenant) return;
    const payload = toBuffer(packet.payload);
    tenant.spec.record('mqtt.publish', {
      peer: peerOf(client),
      origin: 'client',
      clientId: client.id,
      topic: packet.topic,
      qos: packet.qos,
      retain: packet.retain,
      payload: payloadView(payload),
    });
    const msg = { topic: packet.topic, payload, qos: packet.qos, retain: packet.retain };
    for (const h of tenant.handlers) {
      try {
        h({ ...msg, clientId: client.id });
      } catch (err) {
        logger.error('mqtt message handler failed', { topic: packet.topic, err: String(err) });
      }
    }
  });

  const sockets = new Set<Socket>();
  const tcp: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (err) => logger.debug('mqtt socket error', { err: err.message }));
    coalesceWrites(socket);
    const client = broker.handle(socket);
    peers.set(client, `${socket.remoteAddress}:${socket.remotePort}`);
    watchPacketSize(socket, limits.maxPacketBytes, (n) => {
      causes.set(client, tooLargeCause(n, limits.maxPacketBytes));
      socket.destroy();
    });
  });
  const http = createHttpServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
  });
  const wss = new WebSocketServer({
    server: http,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
    // A WebSocket message carries MQTT packets: one over the limit closes it (1009).
    maxPayload: limits.maxPacketBytes + 5,
  });
  wss.on('connection', (ws, req: IncomingMessage) => {
    const stream = createWebSocketStream(ws, { writableHighWaterMark: SUBSCRIBER_BACKLOG });
    stream.on('error', (err) => logger.debug('mqtt ws stream error', { err: err.message }));
    peers.set(broker.handle(stream, req), `${req.socket.remoteAddress}:${req.socket.remotePort}`);
  });
  let port: number;
  let wsPort: number | undefined;
  try {
    port = await listen(tcp, opts.port, opts.host);
    if (opts.wsPort !== undefined) wsPort = await listen(http, opts.wsPort, opts.host);
  } catch (err) {
    if (tcp.listening) await closeServer(tcp);
    broker.close();
    throw new LabError('PROTOCOL_LISTEN', `MQTT cannot listen on ${opts.host}: ${String(err)}`);
  }

  return {
    host: opts.host,
    port,
    wsPort,
    addTenant(spec) {
      if (tenantsByUser.has(spec.username))
        throw new LabError('LAB_STATE', `MQTT user ${spec.username} is already registered`);
      if (/[+#]/.test(spec.topicPrefix) || spec.topicPrefix.endsWith('/'))
        throw new LabError('LAB_STATE', `bad topic prefix ${spec.topicPrefix}`);
      const tenant: Tenant = {
        spec,
        roots: [
          spec.topicPrefix,
          // A platform device's own topics (`/sys/<productKey>/<deviceName>/…`, as the
          // simulated platform names them) belong to the tenant whose lab holds the device.
          ...(spec.platformDevices ?? []).map((d) => `/sys/${d.productKey}/${d.deviceName}`),
        ],
        handlers: [],
        clients: new Set(),
      };
      tenantsByUser.set(spec.username, tenant);
      const deviceLogins = (spec.platformDevices ?? []).map(
        (d) => `${d.deviceName}&${d.productKey}`,
      );
      for (const login of deviceLogins) {
        if (tenantsByUser.has(login) || tenantsByDevice.has(login))
          throw new LabError('LAB_STATE', `MQTT user ${login} is already registered`);
      }
      for (const login of deviceLogins) tenantsByDevice.set(login, tenant);
      return {
        host: opts.host,
        port,
        wsPort,
        publish(topic, payload, o) {
          const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
          spec.record('mqtt.publish', {
            origin: 'device',
            device: o.device,
            topic,
            qos: o.qos,
            retain: o.retain,
            payload: payloadView(buf),
          });
          return new Promise<void>((resolve) => {
            broker.publish(
              { cmd: 'publish', topic, payload: buf, qos: o.qos, retain: o.retain, dup: false },
              (err) => {
                if (err) logger.warn('mqtt publish failed', { topic, err: err.message });
                resolve();
              },
            );
          });
        },
        onClientMessage(handler) {
          tenant.handlers.push(handler);
        },
        connectedClients: () => tenant.clients.size,
        // Detaches the tenant: its clients are disconnected and it can no longer log in.
        async close() {
          tenantsByUser.delete(spec.username);
          for (const login of deviceLogins) tenantsByDevice.delete(login);
          await Promise.all(
            [...tenant.clients].map((c) => new Promise<void>((r) => c.close(() => r()))),
          );
        },
      };
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      for (const s of sockets) s.destroy();
      await Promise.all([closeServer(tcp), wsPort !== undefined ? closeServer(http) : undefined]);
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}
