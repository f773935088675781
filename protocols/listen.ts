/** Promise wrappers for listening and closing net/http servers, reporting the real port. */
import type { Server } from 'node:net';
import { LabError } from '../core/errors.js';

export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/**
 * `listen`, failing with the lab's error (`PROTOCOL_LISTEN`) that names what could not listen,
 * e.g. "MQTT over TLS cannot listen on 127.0.0.1:8883: Error: listen EADDRINUSE …".
 */
export async function listenAs(
  what: string,
  server: Server,
  port: number,
  host: string,
  context?: Record<string, unknown>,
): Promise<number> {
  try {
    return await listen(server, port, host);
  } catch (err) {
    throw new LabError(
      'PROTOCOL_LISTEN',
      `${what} cannot listen on ${host}:${port}: ${String(err)}`,
      context,
    );
  }
}

/** A host as it goes into a URL: an IPv6 address in brackets. */
export const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

/**
 * Which peer addresses may use a lab's endpoints (exam sessions with seats locked to the roster's
 * IPs), and where a refusal is recorded. `allow` gets the IP as the socket reports it (it may be
 * `::ffff:`-mapped).
 */
export interface PeerGuard {
  allow(ip: string): boolean;
  record(kind: 'net.refused', fields: Record<string, unknown>): void;
}

/**
 * Whether a new connection or datagram from `ip` is refused by the guard; if so it is recorded as
 * `net.refused` (with the protocol) and the caller drops it.
 */
export function refusePeer(
  guard: PeerGuard | undefined,
  ip: string | undefined,
  port: number | undefined,
  protocol: string,
): boolean {
  if (!guard || guard.allow(ip ?? '')) return false;
  guard.record('net.refused', {
    peer: `${ip}:${port}`,
    protocol,
    reason: 'not from the seat address',
  });
  return true;
}
