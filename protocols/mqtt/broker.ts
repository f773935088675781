/**
 * The embedded MQTT broker: aedes on TCP and on WebSocket, with every client's connect,
 * subscribe, publish and disconnect recorded as evidence. Device publishes go through
 * `publish()` and are recorded with the device id, so the evidence tells a device's telemetry
 * from a candidate's messages.
 */
import { Aedes } from 'aedes';
import type { Client, AedesPublishPacket } from 'aedes';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { MQTT_LIMITS, publishGate, rateCause, tooLargeCause, watchPacketSize } from './limits.js';
import type { MqttLimits } from './limits.js';
import { LabError } from '../../simulator/errors.js';
import type { RecordFn } from '../../simulator/evidence.js';
import { payloadView } from '../../simulator/evidence.js';
import type { Logger } from '../../simulator/logger.js';
import { listen, closeServer } from '../listen.js';
import type { PlatformDevice } from '../codecs/platform-sign.js';
import { checkLogin } from '../codecs/platform-sign.js';

export interface MqttBrokerOptions {
  /** What one client may cost (default MQTT_LIMITS; the throughput bench lifts the rate). */
  limits?: Partial<MqttLimits>;
  host: string;
  port: number;
  /** WebSocket port; undefined = no WebSocket listener. */
  wsPort?: number;
  record: RecordFn;
  logger: Logger;
  /** When set, clients must log in with these. */
  credentials?: { username: string; password: string };
  /**
   * Devices of a simulated IoT platform: a client whose username is `<deviceName>&<productKey>`
   * of one of them must log in with a signed password (protocols/codecs/platform-sign.ts), and
   * then needs no `credentials`.
   */
  platformDevices?: readonly PlatformDevice[];
}

export interface InboundMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  clientId: string;
}

export interface MqttBroker {
  host: string;
  port: number;
  wsPort: number | undefined;
  /** Publishes as a device; recorded as `mqtt.publish` with origin "device". */
  publish(
    topic: string,
    payload: string | Buffer,
    opts: { qos: 0 | 1 | 2; retain: boolean; device: string },
  ): Promise<void>;
  /** Called for every message a client publishes (after the broker accepted it). */
  onClientMessage(handler: (msg: InboundMessage) => void): void;
  connectedClients(): number;
  close(): Promise<void>;
}

export async function createMqttBroker(opts: MqttBrokerOptions): Promise<MqttBroker> {
  const { record, logger } = opts;
  const connectPackets = new WeakMap<Client, Record<string, unknown>>();
  // The peer is taken when the connection is accepted: aedes may destroy the socket before an
  // error event, and a destroyed socket no longer knows its remote address.
  const peers = new WeakMap<Client, string>();
  const peerOf = (client: Client | null | undefined): string | undefined =>
    client ? (peers.get(client) ?? socketPeer(client)) : undefined;
  const handlers: ((msg: InboundMessage) => void)[] = [];
  const creds = opts.credentials;
  const slow = slowSubscriberGuard(logger);

  const limits: MqttLimits = { ...MQTT_LIMITS, ...opts.limits };
  const gate = publishGate(limits);
  const broker = await Aedes.createBroker({
    heartbeatInterval: 60_000,
    authorizePublish: (client, _packet, done) => {
      if (!client || gate.allows(client)) return done(null);
      // Over its rate: the publish is refused and the client disconnected (MQTT 3.1.1 has no
      // other answer), which its mqtt.disconnect records with the reason.
      causes.set(client, rateCause(limits));
      done(new Error(rateCause(limits).error));
    },
    authorizeForward: (client, packet) => (slow.allows(client, packet) ? packet : null),
    preConnect: (client, packet, done) => {
      connectPackets.set(client, {
        clientId: packet.clientId,
        protocolVersion: packet.protocolVersion,
        clean: packet.clean,
        keepalive: packet.keepalive,
        username: packet.username,
        will: packet.will
          ? {
              topic: packet.will.topic,
              qos: packet.will.qos,
              retain: packet.will.retain,
              payload: payloadView(toBuffer(packet.will.payload)),
            }
          : undefined,
      });
      done(null, true);
    },
    authenticate: (client, username, password, done) => {
      const signed = checkLogin(opts.platformDevices ?? [], client.id, username, password);
      if (signed.device === undefined && !creds) return done(null, true);
      const ok = signed.device
        ? signed.ok
        : username === creds!.username &&
          password !== undefined &&
          password.toString() === creds!.password;
      if (!ok) {
        record('mqtt.connect', {
          peer: peerOf(client),
          ...connectPackets.get(client),
          accepted: false,
          returnCode: 4,
          ...(signed.device && !signed.ok ? { error: signed.reason } : {}),
        });
        const err = Object.assign(new Error('bad username or password'), {
          returnCode: 4 as const,
        });
        return done(err, false);
      }
      done(null, true);
    },
  });

  broker.on('clientReady', (client) => {
    record('mqtt.connect', {
      peer: peerOf(client),
      ...connectPackets.get(client),
      clientId: client.id,
      accepted: true,
    });
  });
  // aedes drops a clean session's subscriptions after the client is gone and emits
  // 'unsubscribe' for it; that is housekeeping, not something the client sent.
  const gone = new WeakSet<Client>();
  // aedes 1.x emits clientError (and keepaliveTimeout) *and then* clientDisconnect for the same
  // connection: keep the cause and record one mqtt.disconnect when the client is gone.
  const causes = new WeakMap<Client, { reason: string; error?: string }>();
  broker.on('clientError', (client, err) => {
    logger.debug('mqtt client error', { clientId: client.id, err: err.message });
    if (!causes.has(client)) causes.set(client, { reason: 'error', error: err.message });
  });
  broker.on('keepaliveTimeout', (client) => {
    causes.set(client, { reason: 'keepalive-timeout' });
  });
  broker.on('clientDisconnect', (client) => {
    gone.add(client);
    // _disconnected is set by aedes only when a DISCONNECT packet arrived (MQTT-3.14.4-3).
    const clean = (client as Client & { _disconnected?: boolean })._disconnected === true;
    const cause = causes.get(client) ?? { reason: clean ? 'client' : 'closed' };
    const n = slow.dropped(client);
    record('mqtt.disconnect', {
      peer: peerOf(client),
      clientId: client.id,
      ...cause,
      ...(n ? { droppedQos0: n } : {}),
    });
  });
  broker.on('connectionError', (client, err) => {
    // A connection that never completed CONNECT: a rejected CONNECT is a refused mqtt.connect
    // (with what the client sent), anything else a protocol error.
    logger.debug('mqtt connection error', { err: err.message });
    const returnCode = (err as Error & { errorCode?: number }).errorCode;
    if (returnCode !== undefined)
      record('mqtt.connect', {
        peer: peerOf(client),
        ...connectPackets.get(client),
        accepted: false,
        returnCode,
        error: err.message,
      });
    record('mqtt.disconnect', {
      peer: peerOf(client),
      clientId: client.id ?? null,
      reason: 'protocol-error',
      error: err.message,
    });
  });
  broker.on('subscribe', (subs, client) => {
    record('mqtt.subscribe', {
      peer: peerOf(client),
      clientId: client.id,
      action: 'subscribe',
      subscriptions: subs.map((s) => ({ topic: s.topic, qos: s.qos })),
    });
  });
  broker.on('unsubscribe', (topics, client) => {
    if (gone.has(client)) return;
    record('mqtt.subscribe', {
      peer: peerOf(client),
      clientId: client.id,
      action: 'unsubscribe',
      topics,
    });
  });
  broker.on('publish', (packet: AedesPublishPacket, client: Client | null) => {
    if (!client) return; // device publishes are recorded by publish(); $SYS is not evidence
    const payload = toBuffer(packet.payload);
    record('mqtt.publish', {
      peer: peerOf(client),
      origin: 'client',
      clientId: client.id,
      topic: packet.topic,
      qos: packet.qos,
      retain: packet.retain,
      payload: payloadView(payload),
    });
    for (const h of handlers) {
      try {
        h({
          topic: packet.topic,
          payload,
          qos: packet.qos,
          retain: packet.retain,
          clientId: client.id,
        });
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
  let port: number;
  try {
    port = await listen(tcp, opts.port, opts.host);
  } catch (err) {
    broker.close();
    throw new LabError(
      'PROTOCOL_LISTEN',
      `MQTT cannot listen on ${opts.host}:${opts.port}: ${String(err)}`,
    );
  }

  let wsPort: number | undefined;
  const http = createHttpServer((_req, res) => {
    res
      .writeHead(426, { 'content-type': 'text/plain' })
      .end('MQTT over WebSocket: connect with the mqtt subprotocol\n');
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
  if (opts.wsPort !== undefined) {
    try {
      wsPort = await listen(http, opts.wsPort, opts.host);
    } catch (err) {
      await closeServer(tcp);
      broker.close();
      throw new LabError(
        'PROTOCOL_LISTEN',
        `MQTT WebSocket cannot listen on ${opts.host}:${opts.wsPort}: ${String(err)}`,
      );
    }
  }

  return {
    host: opts.host,
    port,
    wsPort,
    publish(topic, payload, o) {
      const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
      record('mqtt.publish', {
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
      handlers.push(handler);
    },
    connectedClients: () => broker.connectedClients,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      for (const s of sockets) s.destroy();
      await Promise.all([
        closeServer(tcp),
        wsPort !== undefined ? closeServer(http) : Promise.resolve(),
      ]);
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

export function toBuffer(p: unknown): Buffer {
  if (Buffer.isBuffer(p)) return p;
  if (typeof p === 'string') return Buffer.from(p);
  return Buffer.alloc(0);
}

/** `ip:port` of a client, over TCP or WebSocket. */
export function socketPeer(client: Client): string | undefined {
  const sock = (client.req?.socket ?? client.conn) as Partial<Socket> | undefined;
  if (!sock || sock.remoteAddress === undefined) return undefined;
  return `${sock.remoteAddress}:${sock.remotePort}`;
}

/**
 * mqtt-packet writes one packet as several `write` calls (header, topic, payload), and a net
 * socket sends each at once: a system call per piece. Corking the socket at the first write of a
 * tick and uncorking on the next tick hands the whole tick's output to the kernel in one writev.
 *
 * `write` also reports a full buffer only past SUBSCRIBER_BACKLOG instead of the socket's 16 KB
 * high-water mark: aedes waits for 'drain' whenever a write reports full, and a server socket's
 * writable mark cannot be raised alone (net.createServer's `highWaterMark` also raises the
 * readable one, and aedes then parses megabyte batches into one long queue). Node still emits
 * 'drain' once the buffer empties, so a wait that does begin ends as before.
 */
export function coalesceWrites(socket: Socket): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  socket.write = (...args: unknown[]): boolean => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return write(...args) || socket.writableLength < SUBSCRIBER_BACKLOG;
  };
}

/**
 * Bytes a subscriber may fall behind (beyond what the kernel buffers) before QoS 0 messages to
 * it are dropped: about 1000 telemetry messages, as mosquitto's max_queued_messages.
 */
export const SUBSCRIBER_BACKLOG = 1 << 20;

/**
 * A subscriber that does not read. aedes hands a publisher's next packet only after its message
 * went out to every subscriber, and waits for a socket to drain when a write overflows it: one
 * stalled subscriber would stop every publisher whose messages it subscribes to (and buffer
 * without limit meanwhile). So, as mosquitto drops QoS 0 messages beyond max_queued_messages, a
 * QoS 0 message that would fill a subscriber's socket buffer past half of SUBSCRIBER_BACKLOG is
 * dropped for that subscriber and counted (`droppedQos0` on its mqtt.disconnect): the write never
 * overflows, so nobody waits. Half, because deliveries already scheduled for this tick are not
 * in `writableLength` yet. QoS 1 is never dropped.
 */
export interface SlowSubscriberGuard {
  /** false: drop this message for this client (QoS 0 only, socket backed up). */
  allows(client: Client, packet: { qos: number; payload: unknown; topic: string }): boolean;
  /** QoS 0 messages dropped for this client so far. */
  dropped(client: Client): number | undefined;
}

export function slowSubscriberGuard(logger: Logger): SlowSubscriberGuard {
  const dropped = new WeakMap<Client, number>();
  return {
    allows(client, packet) {
      if (packet.qos !== 0 || !isBackedUp(client, packet)) return true;
      const n = (dropped.get(client) ?? 0) + 1;
      dropped.set(client, n);
      if (n === 1 || n % 1000 === 0)
        logger.warn('mqtt subscriber too slow: QoS 0 messages to it are dropped', {
          clientId: client.id,
          dropped: n,
        });
      return false;
    },
    dropped: (client) => dropped.get(client),
  };
}

function isBackedUp(client: Client, packet: { payload: unknown; topic: string }): boolean {
  const conn = client.conn as { writableLength?: number } | undefined;
  const size =
    (typeof packet.payload === 'string' ? packet.payload.length * 3 : packetBytes(packet.payload)) +
    packet.topic.length * 3 +
    8;
  return (conn?.writableLength ?? 0) + size > SUBSCRIBER_BACKLOG / 2;
}

function packetBytes(payload: unknown): number {
  return payload instanceof Uint8Array ? payload.byteLength : 0;
}
