/**
 * TCP transport of the board protocol: frames in, frames out, one client at a time (one board per
 * lab, one firmware driving it). A second client gets a BOARD_BUSY answer (txid 0) and is closed.
 * Requests of the client are handled strictly in order; untrusted bytes never throw out of here:
 * a bad frame gets an error status and the connection keeps serving.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { Logger } from '../../core/logger.js';
import { closeServer, listenAs, refusePeer } from '../listen.js';
import type { PeerGuard } from '../listen.js';
import type { Request, StatusCode } from '../codecs/board-frame.js';
import {
  FrameReader,
  MAX_FRAME,
  Status,
  decodeRequest,
  encodeResponse,
} from '../codecs/board-frame.js';

export interface BoardAnswer {
  status: StatusCode;
  payload: Buffer;
}

export interface BoardServerOptions {
  host: string;
  port: number;
  logger: Logger;
  handle(request: Request, peer: string): Promise<BoardAnswer>;
  /** A frame that could not be decoded (evidence of bad input). */
  onBadFrame?(peer: string, status: StatusCode, message: string): void;
  onClient?(peer: string, event: 'connect' | 'disconnect' | 'refused'): void;
  /** Refuses connections from addresses other than the candidate's seat (exam sessions). */
  guard?: PeerGuard;
}

export interface BoardServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Pause reading once this many requests wait (a client flooding the board). */
const HIGH_WATER = 64;

export async function createBoardServer(opts: BoardServerOptions): Promise<BoardServer> {
  let active: Socket | undefined;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    if (refusePeer(opts.guard, socket.remoteAddress, socket.remotePort, 'board')) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.on('error', (err) =>
      opts.logger.debug('board socket error', { peer, err: err.message }),
    );
    if (active) {
      opts.onClient?.(peer, 'refused');
      const msg = Buffer.from(
        `board busy: another client (${active.remoteAddress}:${active.remotePort}) holds it`,
      );
      socket.end(encodeResponse(0, Status.BOARD_BUSY, msg), () => socket.destroy());
      return;
    }
    active = socket;
    socket.setNoDelay(true);
    opts.onClient?.(peer, 'connect');
    const reader = new FrameReader();
    let chain: Promise<void> = Promise.resolve();
    let pending = 0;
    let closed = false;
    const send = (txid: number, a: BoardAnswer): void => {
      if (!closed && socket.writable) socket.write(encodeResponse(txid, a.status, a.payload));
    };
    const enqueue = (job: () => Promise<void>): void => {
      pending += 1;
      if (pending >= HIGH_WATER) socket.pause();
      chain = chain.then(job).finally(() => {
        pending -= 1;
        if (pending < HIGH_WATER / 2 && !closed) socket.resume();
      });
    };
    socket.on('data', (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        if ('tooLong' in f) {
          const message = `frame of ${f.tooLong} bytes exceeds ${MAX_FRAME}: skipped`;
          opts.onBadFrame?.(peer, Status.TOO_LONG, message);
          enqueue(() =>
            Promise.resolve(
              send(f.txid, { status: Status.TOO_LONG, payload: Buffer.from(message) }),
            ),
          );
          continue;
        }
        const d = decodeRequest(f.body);
        if ('error' in d) {
          opts.onBadFrame?.(peer, d.error.status, d.error.message);
          const answer = { status: d.error.status, payload: Buffer.from(d.error.message) };
          enqueue(() => Promise.resolve(send(d.txid, answer)));
          continue;
        }
        enqueue(async () => {
          let answer: BoardAnswer;
          try {
            answer = await opts.handle(d.request, peer);
          } catch (err) {
            opts.logger.error('board request failed', { peer, op: d.request.op, err: String(err) });
            answer = {
              status: Status.INTERNAL,
              payload: Buffer.from(`internal error: ${String(err)}`),
            };
          }
          send(d.txid, answer);
        });
      }
    });
    // A client that half-closes is done with the board: free it at once for the next one.
    socket.on('end', () => {
      if (active === socket) active = undefined;
    });
    socket.on('close', () => {
      closed = true;
      if (active === socket) active = undefined;
      opts.onClient?.(peer, 'disconnect');
    });
  });
  server.on('error', (err) => opts.logger.error('board server error', { err: err.message }));
  const port = await listenAs('the board', server, opts.port, opts.host);
  return {
    host: opts.host,
    port,
    async close() {
      for (const s of sockets) s.destroy();
      await closeServer(server);
    },
  };
}
