/**
 * Modbus TCP server (MODBUS Messaging on TCP/IP Implementation Guide v1.0b): the byte pipe only.
 * Framing is `splitAdus`, answers come from `handleRequest`; this file moves bytes, applies the
 * per-unit silence and delay, and records every ADU that crosses the wire as evidence.
 *
 * Evidence, one event per ADU:
 *   modbus.request  { peer, transport, tid, unit, fc, raw, request, error?, dropped? }
 *   modbus.response { peer, transport, tid, unit, fc, raw, exception?, values? }
 * `fc` is always the request's function code; an exception response sets `exception` (its wire
 * function code is fc | 0x80, visible in `raw`). Bytes that never form an ADU (a bad header, or
 * a connection closed mid-frame) are recorded as a modbus.request with `error`, so the evidence
 * holds every byte we read.
 */
import { createServer } from 'node:net';
import { refusePeer } from '../listen.js';
import type { PeerGuard } from '../listen.js';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { LabError } from '../../core/errors.js';
import type { RecordFn } from '../../core/evidence.js';
import type { Logger } from '../../core/logger.js';
import { decodeRequest } from '../codecs/modbus.js';
import { encodeAdu, splitAdus } from '../codecs/modbus-tcp.js';
import type { Adu } from '../codecs/modbus-tcp.js';
import { handleRequest } from './slave.js';
import type { ResolveUnit } from './types.js';

export interface ModbusTcpServerOptions {
  host: string;
  /** 0 picks a free port; the real one is in the result. */
  port: number;
  resolveUnit: ResolveUnit;
  record: RecordFn;
  clock: Clock;
  logger: Logger;
  /** Refuses connections from addresses other than the candidate's seat (exam sessions). */
  guard?: PeerGuard;
}

export interface ModbusTcpServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

const TRANSPORT = 'tcp';

export async function createModbusTcpServer(
  opts: ModbusTcpServerOptions,
): Promise<ModbusTcpServer> {
  const connections = new Set<Connection>();
  const server = createServer((socket) => {
    if (refusePeer(opts.guard, socket.remoteAddress, socket.remotePort, 'modbus')) {
      socket.destroy();
      return;
    }
    const conn = new Connection(socket, opts);
    connections.add(conn);
    socket.once('close', () => connections.delete(conn));
  });
  await listen(server, opts.host, opts.port);
  // After listen, a server error (e.g. EMFILE on accept) must not crash the lab.
  server.on('error', (err) => opts.logger.error('modbus tcp server error', { err: String(err) }));
  const port = (server.address() as AddressInfo).port;
  opts.logger.debug('modbus tcp listening', { host: opts.host, port });

  let closing: Promise<void> | undefined;
  return {
    host: opts.host,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const conn of connections) conn.destroy();
      });
      return closing;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const message = `Modbus TCP server cannot listen on ${host}:${port}: ${err.message}`;
      reject(new LabError('PROTOCOL_LISTEN', message, { host, port, cause: err.code }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** One client connection: its unread bytes, its pending delayed answers, its evidence. */
class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly timers = new Set<TimerHandle>();
  private readonly peer: string;

  constructor(
    private readonly socket: Socket,
    private readonly opts: ModbusTcpServerOptions,
  ) {
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    // Answers are small and latency is what a Modbus master measures: no Nagle batching.
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // Node's default (no half-open) closes our side when the peer sends FIN, as most embedded
    // Modbus stacks do: answers already sent stand, delayed ones still pending are dropped.
    socket.on('end', () => this.recordLeftover());
    socket.on('error', (err) => opts.logger.debug('modbus tcp socket error', this.ctx(err)));
    socket.on('close', () => {
      this.recordLeftover();
      for (const t of this.timers) opts.clock.clear(t);
      this.timers.clear();
      opts.logger.debug('modbus tcp client left', { peer: this.peer });
    });
    opts.logger.debug('modbus tcp client connected', { peer: this.peer });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const { adus, rest, error } = splitAdus(this.buffer);
    this.buffer = rest;
    for (const adu of adus) {
      if (this.socket.destroyed) return;
      try {
        this.onAdu(adu);
      } catch (err) {
        // Only a bug in a data model or resolver gets here; one bad request must not kill the lab.
        this.opts.logger.error('modbus request handling failed', this.ctx(err));
      }
    }
    if (error) {
      this.record('modbus.request', {
        ...headerFields(error.context),
        raw: rest.toString('base64'),
        request: null,
        error: error.message,
      });
      this.buffer = Buffer.alloc(0);
      this.opts.logger.debug('modbus tcp framing error; closing', this.ctx(error));
      this.socket.destroy();
    }
  }

  private onAdu(adu: Adu): void {
    const base = { tid: adu.transactionId, unit: adu.unitId, fc: adu.pdu.readUInt8(0) };
    const binding = this.opts.resolveUnit(adu.unitId);
    // Record the request before the unit runs it, so that any state change a write causes
    // follows its cause in the evidence.
    const decoded = decodeRequest(adu.pdu);
    this.record('modbus.request', {
      ...base,
      raw: adu.raw.toString('base64'),
      request: decoded.ok ? decoded.request : null,
      ...(decoded.ok ? {} : { error: decoded.reason }),
      ...(!binding ? { dropped: 'unknown-unit' } : !binding.respond ? { dropped: 'offline' } : {}),
    });
    if (!binding?.respond) return;

    const result = handleRequest(adu.pdu, binding.unit);
    if (result.exception === 4) {
      this.opts.logger.warn('modbus data model failure', { ...base, reason: result.reason });
    }
    const raw = encodeAdu(adu.transactionId, adu.unitId, result.response);
    const send = (): void => {
      if (this.socket.destroyed || !this.socket.writable) return;
      this.record('modbus.response', {
        ...base,
        raw: raw.toString('base64'),
        ...(result.exception !== undefined ? { exception: result.exception } : {}),
        ...(result.values !== undefined ? { values: result.values } : {}),
      });
      this.socket.write(raw);
    };
    if (binding.delayMs > 0) {
      const handle = this.opts.clock.setTimeout(() => {
        this.timers.delete(handle);
        send();
      }, binding.delayMs);
      this.timers.add(handle);
    } else {
      send();
    }
  }

  /** Bytes of a frame the peer never finished: still evidence of what it sent. */
  private recordLeftover(): void {
    if (this.buffer.length === 0) return;
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    this.record('modbus.request', {
      ...(rest.length >= 2 ? { tid: rest.readUInt16BE(0) } : {}),
      raw: rest.toString('base64'),
      request: null,
      error: `connection ended inside an ADU (${rest.length} bytes of an incomplete frame)`,
    });
  }

  private record(
    kind: 'modbus.request' | 'modbus.response',
    fields: Record<string, unknown>,
  ): void {
    this.opts.record(kind, { peer: this.peer, transport: TRANSPORT, ...fields });
  }

  private ctx(err: unknown): Record<string, unknown> {
    return { peer: this.peer, err: String(err) };
  }
}

/** tid/unit from a rejected header, where enough of it arrived to read them. */
function headerFields(context: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof context.transactionId === 'number') out.tid = context.transactionId;
  if (typeof context.unitId === 'number') out.unit = context.unitId;
  return out;
}
