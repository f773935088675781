/**
 * The broker's transports: MQTT over TCP (MQTT 3.1.1 §4.2) and over WebSocket with the `mqtt`
 * subprotocol (§6). Each hands the broker a duplex stream and the peer's address; none knows MQTT.
 */
import type { IncomingMessage } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { LabError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { closeServer, listen } from '../listen.js';
import { SUBSCRIBER_BACKLOG, coalesceWrites } from './flow.js';

export interface Accept {
  /** A new TCP connection (its socket is also what the packet-size watch reads). */
  socket(socket: Socket): void;
  /** A new WebSocket connection, as a stream of MQTT bytes. */
  stream(stream: Duplex, req: IncomingMessage): void;
}

export interface Listener {
  port: number;
  close(): Promise<void>;
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
  try {
    port = await listen(tcp, port, host);
  } catch (err) {
    throw new LabError('PROTOCOL_LISTEN', `MQTT cannot listen on ${host}:${port}: ${String(err)}`);
  }
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
    port = await listen(http, port, host);
  } catch (err) {
    stop();
    throw new LabError(
      'PROTOCOL_LISTEN',
      `MQTT WebSocket cannot listen on ${host}:${port}: ${String(err)}`,
    );
  }
  return {
    port,
    async close() {
      stop();
      await closeServer(http);
    },
  };
}
