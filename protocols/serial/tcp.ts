/**
 * Raw TCP access to one serial line, one port per device, like ser2net: bytes in, bytes out, no
 * framing. One host at a time, as on a real UART; a second connection is refused (closed) while
 * the first is attached, and the refusal is logged.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { Logger } from '../../core/logger.js';
import { closeServer, listenAs, refusePeer } from '../listen.js';
import type { PeerGuard } from '../listen.js';
import type { SerialLine } from './line.js';

export interface SerialTcpOptions {
  host: string;
  port: number;
  line: SerialLine;
  logger: Logger;
  /** 'tcp' for the public port; 'pty' for the loopback port a socat PTY bridge uses. */
  transport?: string;
  /** Refuses connections from addresses other than the candidate's seat (public port only). */
  guard?: PeerGuard;
}

export interface SerialTcpServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function createSerialTcpServer(opts: SerialTcpOptions): Promise<SerialTcpServer> {
  const transport = opts.transport ?? 'tcp';
  let active: Socket | undefined;
  const server: Server = createServer((socket) => {
    if (refusePeer(opts.guard, socket.remoteAddress, socket.remotePort, 'serial')) {
      socket.destroy();
      return;
    }
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.on('error', (err) =>
      opts.logger.debug('serial tcp socket error', {
        device: opts.line.deviceId,
        err: err.message,
      }),
    );
    if (active) {
      opts.logger.warn('serial line busy: refused a second connection', {
        device: opts.line.deviceId,
        peer,
        transport,
      });
      socket.destroy();
      return;
    }
    active = socket;
    socket.setNoDelay(true);
    const detach = opts.line.attach({
      transport,
      peer,
      write: (b) => socket.writable && socket.write(b),
    });
    const end = { transport, peer, write: () => undefined };
    socket.on('data', (chunk: Buffer) => opts.line.fromHost(chunk, end));
    socket.on('close', () => {
      detach();
      if (active === socket) active = undefined;
    });
  });
  server.on('error', (err) =>
    opts.logger.error('serial tcp server error', { device: opts.line.deviceId, err: err.message }),
  );
  const port = await listenAs(`serial device ${opts.line.deviceId}`, server, opts.port, opts.host, {
    device: opts.line.deviceId,
  });
  return {
    host: opts.host,
    port,
    async close() {
      active?.destroy();
      await closeServer(server);
    },
  };
}
