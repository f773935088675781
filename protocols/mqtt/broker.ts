/**
 * The embedded MQTT broker: aedes on TCP, WebSocket, TLS and secure WebSocket
 * (protocols/mqtt/listeners.ts), with every client's connect,
 * subscribe, publish and disconnect recorded as evidence. Tenancy is configuration
 * (protocols/mqtt/tenancy.ts): a lab's own broker has one open tenant (`createMqttBroker`), an
 * exam session's broker a tenant per running lab (`createBroker` + `addTenant`), so logins,
 * limits and evidence are written once for both.
 *
 * Rules, each enforced by an aedes hook:
 * - CONNECT: protocols/mqtt/login.ts (client certificate, signed device login, the tenant's
 *   password, login limits, seat lock, client id ownership).
 * - SUBSCRIBE: a filter is granted only within the tenant's topics: its prefix itself or under
 *   `prefix/` (wildcards after it are fine), or under a root of its simulated-platform devices
 *   (`/sys/<productKey>/<deviceName>`). `#`, `+/…`, `$SYS/…` and other prefixes get SUBACK 0x80
 *   (MQTT 3.1.1 §3.9.3, MQTT 5 §3.9.3 reason 0x87). A tenant without a prefix owns every topic.
 * - PUBLISH (and wills): only within the tenant's topics; otherwise the client is disconnected, as
 *   MQTT 3.1.1 has no negative PUBACK (§3.3.5).
 * - Delivery: `authorizeForward` drops any message outside the receiving tenant's topics, so even
 *   a retained or queued message can never cross tenants (defence in depth behind SUBSCRIBE).
 * - Access policy (core/acl.ts), when the tenant has one: inside its topics, each SUBSCRIBE,
 *   PUBLISH and delivery is decided by the policy for the client's identity (username, client id,
 *   certificate CN). A denied SUBSCRIBE gets 0x80, a denied PUBLISH disconnects (as above), a
 *   denied delivery is dropped; each denial is recorded with `acl: { rule }`. When the policy
 *   changes, every live subscription it now denies is revoked at once (`mqtt.subscribe` with
 *   action `revoke`), and deliveries follow the new policy from the next message.
 *
 * Evidence: every event of an authenticated client goes to its tenant's recorder with the peer
 * address; events that belong to nobody (failed logins, protocol errors before CONNECT) go to
 * `recordUnrouted` (a lab's own recorder when the lab is alone), so one candidate's attempts never
 * change another candidate's evidence. Device publishes go through the tenant's `publish()` and
 * are recorded with the device id, so the evidence tells a device's telemetry from a client's.
 */
import { Aedes } from 'aedes';
import type { AedesPublishPacket, Client } from 'aedes';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { MQTT_LIMITS, publishGate, rateCause, tooLargeCause, watchPacketSize } from './limits.js';
import type { MqttLimits } from './limits.js';
import { LOGIN_LIMITS, LoginLimiter } from '../../core/login-limit.js';
import type { LoginLimits } from '../../core/login-limit.js';
import type { RecordFn } from '../../core/evidence.js';
import { payloadView } from '../../core/evidence.js';
import type { Logger } from '../../core/logger.js';
import type { PlatformDevice } from '../codecs/platform-sign.js';
import { slowSubscriberGuard, socketPeer, toBuffer } from './flow.js';
import { listenSecureWebSocket, listenTcp, listenTls, listenWebSocket } from './listeners.js';
import type { Accept, Listener, TlsServerConfig } from './listeners.js';
import { certificateIdentity, handshakeFailure, handshakeOf } from '../tls/handshake.js';
import type { HandshakeFields } from '../tls/handshake.js';
import { Tenants, tenantOwns } from './tenancy.js';
import type { SessionInfo, Tenant, TenantAuth, TenantLogin, TenantSpec } from './tenancy.js';
import { authenticator } from './login.js';
import type { AccessPolicy, AclIdentity } from '../../core/acl.js';
import { refusePeer } from '../listen.js';
import type { PeerGuard } from '../listen.js';

export { underPrefix } from './tenancy.js';
export type { SessionInfo, TenantAuth, TenantSpec } from './tenancy.js';

export interface BrokerOptions {
  /** What one client may cost (default MQTT_LIMITS; the throughput bench lifts the rate). */
  limits?: Partial<MqttLimits>;
  /**
   * Wrong passwords per username and address before that pair is refused (default
   * LOGIN_LIMITS); false = not counted.
   */
  loginLimits?: LoginLimits | false;
  host: string;
  port: number;
  /** WebSocket port; undefined = no WebSocket listener. */
  wsPort?: number;
  logger: Logger;
  /**
   * MQTT over TLS on `port` and, with `wssPort`, over secure WebSocket (protocols/tls/ca.ts makes
   * the certificates). Each TLS connection is recorded as `tls.handshake`: a failed one at once
   * (unrouted), a completed one in the evidence of the tenant its login belongs to, just before
   * its mqtt.connect (unrouted if it never logs in).
   */
  tls?: BrokerTls;
  /** Events that belong to no tenant: failed logins, protocol errors before CONNECT. */
  recordUnrouted: RecordFn;
  /**
   * For a username that is no tenant now: whether it is a known account whose password this is
   * (a candidate between tasks). A reason refuses the login with CONNACK 5 and that reason,
   * instead of CONNACK 4 "bad username or password" to a right password; undefined = wrong.
   */
  idleAccount?: (username: string, password: Buffer) => Promise<string | undefined>;
}

export interface BrokerTls extends TlsServerConfig {
  port: number;
  /** Secure WebSocket port; undefined = none. */
  wssPort?: number;
  /** The CA clients trust, as the card names it (never its key), and its CRL file. */
  caFile: { path: string; sha256: string; crl?: string };
}

export interface InboundMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  clientId: string;
  /** The login the publishing client authenticated as (username, device login or CN). */
  identity?: string;
  /** How it logged in. */
  auth?: SessionInfo['auth'];
}

/** The broker as one lab (one tenant) sees it. */
export interface MqttBroker {
  host: string;
  port: number;
  wsPort: number | undefined;
  /** MQTT over TLS (and over secure WebSocket), when it runs, with the CA to trust. */
  tls?: {
    port: number;
    wssPort?: number;
    caFile: { path: string; sha256: string; crl?: string };
    /**
     * Where the lab's own clients go in over TLS when it is not `port`: a shared port its TLS
     * faults do not touch (an exam server's), so a fault meant for the candidate leaves the
     * lab's own devices running.
     */
    clientsPort?: number;
  };
  /** Publishes as a device; recorded as `mqtt.publish` with origin "device". */
  publish(
    topic: string,
    payload: string | Buffer,
    opts: { qos: 0 | 1 | 2; retain: boolean; device: string },
  ): Promise<void>;
  /** Called for every message a client publishes (after the broker accepted it). */
  onClientMessage(handler: (msg: InboundMessage) => void): void;
  connectedClients(): number;
  /**
   * Disconnects the lab's clients whose login `which` picks (a token that expired, a key that
   * was rotated); each is recorded as `mqtt.disconnect` with reason `auth` and `error: why`.
   * Returns how many.
   */
  cutOff(which: (s: SessionInfo) => boolean, why: string): number;
  close(): Promise<void>;
  /**
   * The TLS listeners' certificate and CRL, changeable while they run (security faults): only a
   * lab's own broker has it; a shared broker's listeners serve every tenant.
   */
  tlsControl?: TlsControl;
}

export interface TlsControl {
  /**
   * Serve this certificate from now on (`fault` names what is wrong with it, and is in every
   * `tls.handshake` while it is served); undefined = the broker's own again.
   */
  setServerCert(cert: { key: string; cert: string; fault: string } | undefined): void;
  setCrl(crl: string): void;
  /**
   * A tenant's own listener (openFront): the SHA-256 fingerprints of its client certificates
   * revoked now. Its CRL holds only for its own port; this refuses them on every listener.
   */
  setRevoked?(fingerprints: readonly string[]): void;
}

export interface Broker {
  readonly host: string;
  readonly port: number;
  readonly wsPort: number | undefined;
  readonly tlsPort: number | undefined;
  readonly wssPort: number | undefined;
  /**
   * Registers a tenant and returns the broker as its lab sees it; its `close()` detaches the
   * tenant (its clients are disconnected and it can no longer log in).
   */
  addTenant(spec: TenantSpec): MqttBroker;
  /**
   * A tenant's own MQTT-over-TLS listener beside the shared ones (an exam session's lab): the
   * same broker behind it, but its certificate and CRL are the tenant's to change (security
   * faults hit one candidate, not the room), and what happens on it before a login (a failed
   * handshake, a refused login) is the tenant's evidence, not unrouted. Its `close()` stops it.
   */
  openFront(spec: TenantSpec, front: FrontOptions): Promise<TenantFront>;
  close(): Promise<void>;
  /** With TLS: changes what the TLS listeners serve to new handshakes. */
  tlsControl?: TlsControl;
}

export interface FrontOptions {
  port: number;
  tls: TlsServerConfig;
  /** Seat lock: connections from elsewhere are refused before the handshake (`net.refused`). */
  guard?: PeerGuard;
}

export interface TenantFront {
  port: number;
  control: TlsControl;
  close(): Promise<void>;
}

export async function createBroker(opts: BrokerOptions): Promise<Broker> {
  const { logger, recordUnrouted } = opts;
  const tenants = new Tenants();
  const logins =
    opts.loginLimits === false ? undefined : new LoginLimiter(opts.loginLimits ?? LOGIN_LIMITS);
  // The peer is taken when the connection is accepted: aedes may destroy the socket before an
  // error event, and a destroyed socket no longer knows its remote address.
  const peers = new WeakMap<Client, string>();
  const connectPackets = new WeakMap<Client, Record<string, unknown>>();
  const peerOf = (c: Client | null | undefined) =>
    c ? (peers.get(c) ?? socketPeer(c)) : undefined;
  /** Clients whose connection is TLS (MQTT over TLS, secure WebSocket). */
  const encrypted = new WeakSet<Client>();
  /** Clients that came in on a tenant's own TLS listener (openFront), and that front. */
  const fronts = new WeakMap<Client, Front>();
  /**
   * Where what belongs to no login goes: the tenant whose front the client came in on (unless it
   * named another login: someone else's attempts are not that candidate's evidence), or unrouted.
   */
  const unroutedFor = (c: Client | null | undefined): RecordFn => {
    const front = c ? fronts.get(c) : undefined;
    if (!front || !c) return recordUnrouted;
    const username = connectPackets.get(c)?.['username'];
    return username === undefined || username === front.username ? front.record : recordUnrouted;
  };
  const recordFor = (c: Client | null | undefined): RecordFn =>
    tenants.tenantOf(c)?.spec.record ?? unroutedFor(c);
  /** Completed TLS handshakes not recorded yet: they go to the tenant the login names. */
  const handshakes = new WeakMap<Client, HandshakeFields>();
  /** The CN of a client certificate the CA signed (mutual TLS): the client's identity. */
  const certIdentity = new WeakMap<Client, string>();
  /** Why a client certificate is refused outright (on the CA's CRL): CONNACK 5. */
  const certRefusal = new WeakMap<Client, string>();
  /** The SHA-256 fingerprint of a client's certificate, when it gave one. */
  const certSha = new WeakMap<Client, string>();
  /** Client certificates a tenant's lab has revoked now (setRevoked), by fingerprint. */
  const revokedOf = new WeakMap<TenantSpec, ReadonlySet<string>>();
  /** Why the client's certificate is refused: on the CA's CRL, or revoked by its tenant's lab. */
  const refusalOf = (c: Client): string | undefined => {
    const why = certRefusal.get(c);
    if (why !== undefined) return why;
    const cn = certIdentity.get(c);
    const sha = certSha.get(c);
    if (cn === undefined || sha === undefined) return undefined;
    const t = tenants.byDeviceLogin(cn) ?? tenants.byUsername(cn);
    return t && revokedOf.get(t.spec)?.has(sha)
      ? `client certificate revoked (CN=${cn}, on the lab's CRL)`
      : undefined;
  };
  /** What is wrong with the server certificate served now (a security fault), if anything. */
  let serverCertFault: string | undefined;
  const noteCertificate = (client: Client, hs: HandshakeFields) => {
    const front = fronts.get(client);
    const fault = front ? front.fault : serverCertFault;
    if (fault !== undefined) hs.serverCertFault = fault;
    handshakes.set(client, hs);
    const id = certificateIdentity(hs);
    if (id !== undefined) certIdentity.set(client, id);
    if (hs.clientCert?.sha256) certSha.set(client, hs.clientCert.sha256);
    if (hs.clientCert?.error === 'CERT_REVOKED')
      certRefusal.set(
        client,
        `client certificate revoked (CN=${hs.clientCert.cn ?? '?'}, on the CA's CRL)`,
      );
  };
  /** Who a client is, for the access policy. */
  const identityOf = (c: Client): AclIdentity => ({
    username: connectPackets.get(c)?.['username'] as string | undefined,
    clientId: c.id,
    cn: certIdentity.get(c),
  });
  const sessions = new WeakMap<Client, SessionInfo>();
  const recordHandshake = (client: Client, record: RecordFn) => {
    const fields = handshakes.get(client);
    if (!fields) return;
    handshakes.delete(client);
    record('tls.handshake', fields);
  };

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
    authenticate: authenticator({
      tenants,
      logins,
      ...(opts.idleAccount ? { idleAccount: opts.idleAccount } : {}),
      logger,
      unroutedFor,
      connectPacket: (c) => connectPackets.get(c),
      peerOf,
      certIdentity: (c) => certIdentity.get(c),
      certRefusal: refusalOf,
      recordHandshake,
      encrypted: (c) => encrypted.has(c),
      noteSession: (c, info) => sessions.set(c, info),
    }),
    authorizeSubscribe: (client, sub, done) => {
      const tenant = tenants.tenantOf(client);
      const owns = tenant !== undefined && tenantOwns(tenant, sub.topic);
      const d =
        owns && client
          ? tenant.spec.acl?.decide(identityOf(client), 'subscribe', sub.topic)
          : undefined;
      if (owns && (d === undefined || d.allow)) return done(null, sub);
      recordFor(client)('mqtt.subscribe', {
        peer: peerOf(client),
        clientId: client?.id,
        action: 'subscribe',
        subscriptions: [{ topic: sub.topic, qos: sub.qos }],
        denied: true,
        ...(d ? { acl: { rule: d.rule ?? 'default' } } : {}),
      });
      done(null, null); // SUBACK 0x80
    },
    authorizePublish: (client, packet, done) => {
      if (client && !gate.allows(client)) {
        // Over its rate: the publish is refused and the client disconnected (MQTT 3.1.1 has no
        // other answer), which its mqtt.disconnect records with the reason.
        causes.set(client, rateCause(limits));
        return done(new Error(rateCause(limits).error));
      }
      const tenant = tenants.tenantOf(client);
      const owns = tenant !== undefined && tenantOwns(tenant, packet.topic);
      const d =
        owns && client
          ? tenant.spec.acl?.decide(identityOf(client), 'publish', packet.topic)
          : undefined;
      if (owns && (d === undefined || d.allow)) return done(null);
      recordFor(client)('mqtt.publish', {
        peer: peerOf(client),
        origin: 'client',
        clientId: client?.id,
        topic: packet.topic,
        qos: packet.qos,
        retain: packet.retain,
        payload: payloadView(toBuffer(packet.payload)),
        denied: true,
        ...(d ? { acl: { rule: d.rule ?? 'default' } } : {}),
      });
      done(
        new Error(
          d
            ? `publishing to ${packet.topic} is denied by the access policy`
            : `publishing to ${packet.topic} is not allowed`,
        ),
      );
    },
    authorizeForward: (client, packet) => {
      const tenant = tenants.tenantOf(client);
      if (!tenant || !tenantOwns(tenant, packet.topic)) return null;
      const acl = tenant.spec.acl;
      if (acl && !acl.decide(identityOf(client), 'subscribe', packet.topic).allow) return null;
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
  broker.on('keepaliveTimeout', (client) => causes.set(client, { reason: 'keepalive-timeout' }));
  broker.on('clientDisconnect', (client) => {
    gone.add(client);
    // _disconnected is set by aedes only when a DISCONNECT packet arrived (MQTT-3.14.4-3).
    const clean = (client as Client & { _disconnected?: boolean })._disconnected === true;
    const cause = causes.get(client) ?? { reason: clean ? 'client' : 'closed' };
    const dropped = slow.dropped(client);
    recordFor(client)('mqtt.disconnect', {
      peer: peerOf(client),
      clientId: client.id,
      ...cause,
      ...(dropped ? { droppedQos0: dropped } : {}),
    });
    tenants.unseat(client);
  });
  broker.on('connectionError', (client, err) => {
    // A connection that never completed CONNECT: a CONNECT rejected by aedes itself (say, an
    // unknown protocol version) is a refused mqtt.connect with what the client sent, anything
    // else a protocol error.
    logger.debug('mqtt connection error', { err: err.message });
    recordHandshake(client, recordFor(client));
    const returnCode = (err as Error & { errorCode?: number }).errorCode;
    if (returnCode !== undefined)
      recordFor(client)('mqtt.connect', {
        peer: peerOf(client),
        ...connectPackets.get(client),
        accepted: false,
        returnCode,
        error: err.message,
      });
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
    if (revoking.has(client)) return; // recorded by revoke() with the rule that revoked it
    recordFor(client)('mqtt.subscribe', {
      peer: peerOf(client),
      clientId: client.id,
      action: 'unsubscribe',
      topics,
    });
  });
  broker.on('publish', (packet: AedesPublishPacket, client: Client | null) => {
    if (!client) return; // device publishes are recorded by the tenant's publish(); $SYS is not evidence
    const tenant = tenants.tenantOf(client);
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
    const who = sessions.get(client);
    const msg = {
      topic: packet.topic,
      payload,
      qos: packet.qos,
      retain: packet.retain,
      ...(who ? { identity: who.identity, auth: who.auth } : {}),
    };
    for (const h of tenant.handlers) {
      try {
        h({ ...msg, clientId: client.id });
      } catch (err) {
        logger.error('mqtt message handler failed', { topic: packet.topic, err: String(err) });
      }
    }
  });

  /** Clients whose subscriptions the policy is revoking now (their unsubscribe is not theirs). */
  const revoking = new WeakSet<Client>();
  /** Revokes every live subscription of a tenant's clients that its policy now denies. */
  const revokeDenied = (tenant: Tenant) => {
    const acl = tenant.spec.acl;
    if (!acl) return;
    for (const client of tenant.clients) {
      const who = identityOf(client);
      const subs = (client as Client & { subscriptions: Record<string, unknown> }).subscriptions;
      const denied: { topic: string; rule: string }[] = [];
      for (const topic of Object.keys(subs)) {
        const d = acl.decide(who, 'subscribe', topic);
        if (!d.allow) denied.push({ topic, rule: d.rule ?? 'default' });
      }
      if (denied.length === 0) continue;
      revoking.add(client);
      client.unsubscribe(
        // No messageId: aedes removes them without an UNSUBACK the client never asked for.
        { cmd: 'unsubscribe', unsubscriptions: denied.map((x) => x.topic) } as never,
        // aedes emits 'unsubscribe' after this callback: forget the revocation a turn later.
        () => setImmediate(() => revoking.delete(client)),
      );
      // Without a messageId aedes leaves a persistent session's stored subscriptions alone: drop
      // them too, or a reconnect would restore what was revoked (deliveries stay denied anyway).
      const persistence = (
        broker as unknown as {
          persistence: { removeSubscriptions(c: Client, topics: string[]): Promise<void> };
        }
      ).persistence;
      if (!client.clean)
        persistence
          .removeSubscriptions(
            client,
            denied.map((x) => x.topic),
          )
          .catch((err: unknown) =>
            logger.warn('revoking stored subscriptions failed', { err: String(err) }),
          );
      tenant.spec.record('mqtt.subscribe', {
        peer: peerOf(client),
        clientId: client.id,
        action: 'revoke',
        topics: denied.map((x) => x.topic),
        acl: { rules: [...new Set(denied.map((x) => x.rule))] },
      });
    }
  };

  /** How connections reach the broker: on a shared listener, or on a tenant's front. */
  const acceptOn = (front?: Front): Accept => ({
    socket(socket: Socket) {
      const client = broker.handle(socket);
      peers.set(client, `${socket.remoteAddress}:${socket.remotePort}`);
      if (front) fronts.set(client, front);
      if ((socket as TLSSocket).encrypted) {
        encrypted.add(client);
        noteCertificate(client, handshakeOf(socket as TLSSocket, 'mqtts'));
        // A connection that ends without logging in still has its handshake recorded.
        socket.once('close', () => recordHandshake(client, recordFor(client)));
      }
      watchPacketSize(socket, limits.maxPacketBytes, (n) => {
        causes.set(client, tooLargeCause(n, limits.maxPacketBytes));
        socket.destroy();
      });
    },
    stream(stream, req) {
      const client = broker.handle(stream, req);
      peers.set(client, `${req.socket.remoteAddress}:${req.socket.remotePort}`);
      if (front) fronts.set(client, front);
      if ((req.socket as TLSSocket).encrypted) {
        encrypted.add(client);
        noteCertificate(client, handshakeOf(req.socket as TLSSocket, 'wss'));
        stream.once('close', () => recordHandshake(client, recordFor(client)));
      }
    },
  });
  const accept = acceptOn();
  const tlsFailed =
    (transport: HandshakeFields['transport'], front?: Front) =>
    (err: Error, socket: TLSSocket | undefined) => {
      const peer = socket?.remoteAddress
        ? `${socket.remoteAddress}:${socket.remotePort}`
        : undefined;
      const fault = front ? front.fault : serverCertFault;
      (front?.record ?? recordUnrouted)('tls.handshake', {
        ...handshakeFailure(err, socket, transport, peer),
        ...(fault !== undefined ? { serverCertFault: fault } : {}),
      });
    };
  const listeners: Listener[] = [];
  const closeAll = async () => {
    await Promise.all(listeners.map((l) => l.close()));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  };
  const tlsListeners: Listener[] = [];
  let tlsNow: TlsServerConfig | undefined = opts.tls ? { ...opts.tls } : undefined;
  const applyTls = (patch: Partial<TlsServerConfig>) => {
    if (!tlsNow) return;
    tlsNow = { ...tlsNow, ...patch };
    for (const l of tlsListeners) l.setSecureContext?.(tlsNow);
  };
  const ownTls = opts.tls;
  const tlsControl: TlsControl | undefined = ownTls
    ? {
        setServerCert: (c) => {
          serverCertFault = c?.fault;
          applyTls(c ? { key: c.key, cert: c.cert } : { key: ownTls.key, cert: ownTls.cert });
        },
        setCrl: (crl) => applyTls({ crl }),
      }
    : undefined;
  let port: number;
  let wsPort: number | undefined;
  let tlsPort: number | undefined;
  let wssPort: number | undefined;
  try {
    const tcp = await listenTcp(opts.host, opts.port, accept, logger);
    listeners.push(tcp);
    port = tcp.port;
    if (opts.wsPort !== undefined) {
      const ws = await listenWebSocket(
        opts.host,
        opts.wsPort,
        limits.maxPacketBytes,
        accept,
        logger,
      );
      listeners.push(ws);
      wsPort = ws.port;
    }
    if (opts.tls) {
      const t = opts.tls;
      const l = await listenTls(opts.host, t.port, t, accept, tlsFailed('mqtts'), logger);
      listeners.push(l);
      tlsListeners.push(l);
      tlsPort = l.port;
      if (t.wssPort !== undefined) {
        const w = await listenSecureWebSocket(
          opts.host,
          t.wssPort,
          t,
          limits.maxPacketBytes,
          accept,
          tlsFailed('wss'),
          logger,
        );
        listeners.push(w);
        tlsListeners.push(w);
        wssPort = w.port;
      }
    }
  } catch (err) {
    await closeAll();
    throw err;
  }

  return {
    host: opts.host,
    port,
    wsPort,
    tlsPort,
    wssPort,
    ...(tlsControl ? { tlsControl } : {}),
    addTenant(spec) {
      const tenant = tenants.add(spec);
      spec.acl?.onChange(() => revokeDenied(tenant));
      return {
        host: opts.host,
        port,
        wsPort,
        ...(opts.tls && tlsPort !== undefined
          ? {
              tls: {
                port: tlsPort,
                ...(wssPort !== undefined ? { wssPort } : {}),
                caFile: opts.tls.caFile,
              },
            }
          : {}),
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
        cutOff(which, why) {
          let n = 0;
          for (const c of tenant.clients) {
            const info = sessions.get(c);
            if (!info || !which(info)) continue;
            causes.set(c, { reason: 'auth', error: why });
            c.close();
            n++;
          }
          return n;
        },
        async close() {
          tenants.remove(tenant);
          await Promise.all(
            [...tenant.clients].map((c) => new Promise<void>((r) => c.close(() => r()))),
          );
        },
      };
    },
    async openFront(spec, o) {
      const front: Front = {
        record: spec.record,
        ...(spec.username !== undefined ? { username: spec.username } : {}),
        fault: undefined,
      };
      let config: TlsServerConfig = { ...o.tls };
      const l = await listenTls(
        opts.host,
        o.port,
        config,
        acceptOn(front),
        tlsFailed('mqtts', front),
        logger,
        o.guard ? (s) => refusePeer(o.guard, s.remoteAddress, s.remotePort, 'mqtts') : undefined,
      );
      listeners.push(l);
      const apply = (patch: Partial<TlsServerConfig>) => {
        config = { ...config, ...patch };
        l.setSecureContext?.(config);
      };
      return {
        port: l.port,
        control: {
          setServerCert: (c) => {
            front.fault = c?.fault;
            apply(c ? { key: c.key, cert: c.cert } : { key: o.tls.key, cert: o.tls.cert });
          },
          setCrl: (crl) => apply({ crl }),
          setRevoked: (fingerprints) => revokedOf.set(spec, new Set(fingerprints)),
        },
        async close() {
          const i = listeners.indexOf(l);
          if (i >= 0) listeners.splice(i, 1);
          await l.close();
        },
      };
    },
    close: closeAll,
  };
}

/** A tenant's own TLS listener: whose evidence it is, and the fault its certificate has now. */
interface Front {
  record: RecordFn;
  /** The tenant's login. */
  username?: string;
  fault: string | undefined;
}

export interface MqttBrokerOptions {
  /** What one client may cost (default MQTT_LIMITS; the throughput bench lifts the rate). */
  limits?: Partial<MqttLimits>;
  host: string;
  port: number;
  /** WebSocket port; undefined = no WebSocket listener. */
  wsPort?: number;
  /** MQTT over TLS (and secure WebSocket); undefined = none. */
  tls?: BrokerOptions['tls'];
  record: RecordFn;
  logger: Logger;
  /** When set, clients must log in with these. */
  credentials?: { username: string; password: string };
  /** The password now, when a fault may change it (default: `credentials.password`). */
  passwordNow?: () => string;
  /** Token and timed signed logins of the platform devices (scenario `platform.auth`). */
  auth?: TenantAuth;
  /**
   * Devices of a simulated IoT platform: a client whose username is `<deviceName>&<productKey>`
   * of one of them must log in with a signed password (protocols/codecs/platform-sign.ts), and
   * then needs no `credentials`.
   */
  platformDevices?: readonly PlatformDevice[];
  /** The lab's access policy (core/acl.ts); absent = every client may use every topic. */
  acl?: AccessPolicy;
  /** MQTT over TLS is the only way in: a right login over plain MQTT gets CONNACK 5. */
  tlsOnly?: boolean;
}

/** A lab's own broker: one tenant that owns every topic and all the evidence. */
export async function createMqttBroker(opts: MqttBrokerOptions): Promise<MqttBroker> {
  const { credentials } = opts;
  const shared = await createBroker({
    host: opts.host,
    port: opts.port,
    ...(opts.wsPort !== undefined ? { wsPort: opts.wsPort } : {}),
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.tls ? { tls: opts.tls } : {}),
    loginLimits: false,
    logger: opts.logger,
    recordUnrouted: opts.record,
  });
  const login: TenantLogin = credentials
    ? {
        username: credentials.username,
        checkPassword: (p) =>
          Promise.resolve(p.toString() === (opts.passwordNow?.() ?? credentials.password)),
      }
    : {};
  const lab = shared.addTenant({
    id: 'lab',
    record: opts.record,
    ...login,
    ...(opts.platformDevices ? { platformDevices: opts.platformDevices } : {}),
    ...(opts.acl ? { acl: opts.acl } : {}),
    ...(opts.auth ? { auth: opts.auth } : {}),
    ...(opts.tlsOnly ? { tlsOnly: true } : {}),
  });
  return {
    ...lab,
    ...(shared.tlsControl ? { tlsControl: shared.tlsControl } : {}),
    close: () => shared.close(),
  };
}
