/**
 * The broker's transports: MQTT over TCP (MQTT 3.1.1 §4.2), over TLS (§5, port 8883), over
 * WebSocket with the `mqtt` subprotocol (§6) and over secure WebSocket. Each hands the broker a
 * duplex stream and the peer's address; none knows MQTT.
 */
import type { IncomingMessage } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Logger } from '../../core/logger.js';
import { closeServer, listenAs } from '../listen.js';
import { SUBSCRIBER_BACKLOG, coalesceWrites } from './flow.js';

export interface Accept {
  /** A new TCP connection (its socket is also what the packet-size watch reads). */
  socket(socket: Socket): void;
  /** A new WebSocket connection, as a stream of MQTT bytes. */
  stream(stream: Duplex, req: IncomingMessage): void;
}

/** The server side of the TLS listeners. */
export interface TlsServerConfig {
  key: string;
  cert: string;
  /** CAs a client certificate may come from (mutual TLS); default the server's own CA. */
  ca?: string;
  /** The CA's revocation list: a client certificate on it is not authorized (CERT_REVOKED). */
  crl?: string;
  /** A handshake not done by then is dropped (a client stopping halfway); default 10 s. */
  handshakeTimeoutMs?: number;
}

export interface Listener {
  port: number;
  close(): Promise<void>;
  /**
   * TLS listeners: new handshakes use this certificate, key and CRL from now on; connections
   * already open keep theirs and the listener keeps listening (Node's `setSecureContext`).
   */
  setSecureContext?(tls: TlsServerConfig): void;
}

/** A plain TCP listener. */
export async function listenTcp(
  host: string,
  port: number,
  accept: Accept,
  logger: Logger,
): Promise<Listener> {
  const sockets = new Set<Socket>();
  const tcp: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (err) => logger.debug('mqtt socket error', { err: err.message }));
    coalesceWrites(socket);
    accept.socket(socket);
  });
  port = await listenAs('MQTT', tcp, port, host);
  return {
    port,
    async close() {
      for (const s of sockets) s.destroy();
      await closeServer(tcp);
    },
  };
}

/**
 * A WebSocket endpoint on `server` (plain HTTP here; HTTPS for secure WebSocket): every request
 * without the `mqtt` subprotocol gets 426.
 */
export function serveWebSocket(
  server: HttpServer,
  maxPacketBytes: number,
  accept: Accept,
  logger: Logger,
): () => void {
  server.on('request', (_req, res) => {
    res
      .writeHead(426, { 'content-type': 'text/plain' })
      .end('MQTT over WebSocket: connect with the mqtt subprotocol\n');
  });
  const wss = new WebSocketServer({
    server,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
    // A WebSocket message carries MQTT packets: one over the limit closes it (1009).
    maxPayload: maxPacketBytes + 5,
  });
  wss.on('connection', (ws, req: IncomingMessage) => {
    const stream = createWebSocketStream(ws, { writableHighWaterMark: SUBSCRIBER_BACKLOG });
    stream.on('error', (err) => logger.debug('mqtt ws stream error', { err: err.message }));
    accept.stream(stream, req);
  });
  return () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
  };
}

/** A plain WebSocket listener. */
export async function listenWebSocket(
  host: string,
  port: number,
  maxPacketBytes: number,
  accept: Accept,
  logger: Logger,
): Promise<Listener> {
  const http = createHttpServer();
  const stop = serveWebSocket(http, maxPacketBytes, accept, logger);
  try {
    port = await listenAs('MQTT WebSocket', http, port, host);
  } catch (err) {
    stop();
    throw err;
  }
  return {
    port,
    async close() {
      stop();
      await closeServer(http);
    },
  };
}

/**
 * TLS 1.2 and 1.3 only. A client certificate is asked for but not required: whether one was given
 * and is from the CA is recorded, and a tenant decides what it means. ALPN: `preferred` when the
 * client offers it, else the client's first (a broker that does not enforce ALPN; refusing would
 * fail clients that offer, say, AWS IoT's `x-amzn-mqtt-ca`).
 */
function secureContext(tls: TlsServerConfig) {
  return {
    key: tls.key,
    cert: tls.cert,
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.crl !== undefined ? { crl: tls.crl } : {}),
    minVersion: 'TLSv1.2' as const,
    maxVersion: 'TLSv1.3' as const,
  };
}

function tlsOptions(tls: TlsServerConfig, preferred: string) {
  return {
    ...secureContext(tls),
    requestCert: true,
    rejectUnauthorized: false,
    handshakeTimeout: tls.handshakeTimeoutMs ?? 10_000,
    ALPNCallback: ({ protocols }: { protocols: string[] }) =>
      protocols.includes(preferred) ? preferred : protocols[0],
  };
}

/**
 * A failed handshake is reported, and its socket ended: Node does not end it after a handshake
 * timeout (a client that stopped halfway would hold it open for ever).
 */
function failed(onFailure: (err: Error, socket: TLSSocket | undefined) => void) {
  return (err: Error, socket: TLSSocket | undefined) => {
    onFailure(err, socket);
    socket?.destroy();
  };
}

/** MQTT over TLS. `onFailure` hears every handshake that did not complete. */
export async function listenTls(
  host: string,
  port: number,
  tls: TlsServerConfig,
  accept: Accept,
  onFailure: (err: Error, socket: TLSSocket | undefined) => void,
  logger: Logger,
  /** Whether a new connection is refused before its handshake (a seat lock): it is destroyed. */
  refuse?: (raw: Socket) => boolean,
): Promise<Listener> {
  const sockets = new Set<Socket>();
  const server = createTlsServer(tlsOptions(tls, 'mqtt'), (socket) => {
    socket.on('error', (err: Error) => logger.debug('mqtt tls socket error', { err: err.message }));
    coalesceWrites(socket);
    accept.socket(socket);
  });
  // Raw sockets, so close() also ends handshakes still under way.
  server.on('connection', (raw: Socket) => {
    if (refuse?.(raw)) {
      raw.destroy();
      return;
    }
    // The handshake is several small flights each way: with Nagle on, a flight waits for the
    // peer's delayed ACK (about 40 ms on Linux) and a TLS login takes tens of ms longer.
    raw.setNoDelay(true);
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
  });
  server.on('tlsClientError', failed(onFailure));
  port = await listenAs('MQTT over TLS', server, port, host);
  return {
    port,
    async close() {
      for (const s of sockets) s.destroy();
      await closeServer(server);
    },
    setSecureContext: (t) => server.setSecureContext(secureContext(t)),
  };
}

/** MQTT over secure WebSocket (HTTPS). */
export async function listenSecureWebSocket(
  host: string,
  port: number,
  tls: TlsServerConfig,
  maxPacketBytes: number,
  accept: Accept,
  onFailure: (err: Error, socket: TLSSocket | undefined) => void,
  logger: Logger,
): Promise<Listener> {
  const https = createHttpsServer(tlsOptions(tls, 'http/1.1'));
  const sockets = new Set<Socket>();
  https.on('connection', (raw: Socket) => {
    raw.setNoDelay(true); // as listenTls
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
  });
  https.on('tlsClientError', failed(onFailure));
  const stop = serveWebSocket(https, maxPacketBytes, accept, logger);
  try {
    port = await listenAs('MQTT secure WebSocket', https, port, host);
  } catch (err) {
    stop();
    throw err;
  }
  return {
    port,
    async close() {
      stop();
      for (const s of sockets) s.destroy();
      await closeServer(https);
    },
    setSecureContext: (t) => https.setSecureContext(secureContext(t)),
  };
}
