/**
 * How bytes flow to and from one broker client, whatever its transport: write coalescing, the
 * subscriber backlog and the slow-subscriber guard, and the small helpers the evidence needs.
 */
import type { Client } from 'aedes';
import type { Socket } from 'node:net';
import type { Logger } from '../../core/logger.js';

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
