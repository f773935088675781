/**
 * What a client sends an endpoint that only listens (the lab's impostor,
 * protocols/tls/impostor.ts), and the answer that keeps it going. The bytes are read by
 * mqtt-packet, the codec aedes and MQTT.js use (MQTT 3.1, 3.1.1 and 5; its parser switches to
 * MQTT 5 after a CONNECT of level 5); this module only picks out the fields worth recording —
 * CONNECT's client id and username (§3.1.3), PUBLISH's topic and payload (§3.3) — and never keeps
 * a password, only whether one was sent. Pure: no sockets.
 */
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';

export interface SniffedPacket {
  type: Packet['cmd'];
  /** CONNECT: the protocol level (4 = 3.1.1, 5 = MQTT 5). */
  level?: number;
  clientId?: string;
  username?: string;
  /** CONNECT: whether a password was sent (its value is never kept). */
  password?: boolean;
  topic?: string;
  qos?: number;
  /** PUBLISH QoS > 0, SUBSCRIBE, UNSUBSCRIBE: the packet identifier. */
  packetId?: number;
  /** SUBSCRIBE, UNSUBSCRIBE: how many filters it asks for. */
  filters?: number;
  payload?: Buffer;
}

/** The recordable fields of one parsed packet. */
export function sniffed(p: Packet): SniffedPacket {
  switch (p.cmd) {
    case 'connect':
      return {
        type: 'connect',
        level: p.protocolVersion ?? 4,
        clientId: p.clientId,
        ...(p.username !== undefined ? { username: p.username } : {}),
        password: p.password !== undefined,
      };
    case 'publish':
      return {
        type: 'publish',
        topic: p.topic,
        qos: p.qos,
        ...(p.qos > 0 && p.messageId !== undefined ? { packetId: p.messageId } : {}),
        payload: Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload),
      };
    case 'subscribe':
      return { type: 'subscribe', packetId: p.messageId ?? 0, filters: p.subscriptions.length };
    case 'unsubscribe':
      return { type: 'unsubscribe', packetId: p.messageId ?? 0, filters: p.unsubscriptions.length };
    default:
      return { type: p.cmd };
  }
}

export interface Sniffer {
  /** Feeds the next bytes of the stream; packets and a parse failure are reported as they come. */
  push(chunk: Buffer): void;
  /** The protocol level of the stream's CONNECT (4 until one arrives). */
  readonly level: number;
}

/**
 * Splits a byte stream into control packets. `onBad` is called once, on the first bytes that
 * are not MQTT (after which nothing more is parsed: the caller should close the connection).
 */
export function sniffer(
  onPacket: (p: SniffedPacket) => void,
  onBad: (why: string) => void,
): Sniffer {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  let level = 4;
  let bad = false;
  parser.on('packet', (p: Packet) => {
    if (bad) return;
    const s = sniffed(p);
    if (s.type === 'connect' && s.level !== undefined) level = s.level;
    onPacket(s);
  });
  parser.on('error', (err: Error) => {
    if (bad) return;
    bad = true;
    onBad(err.message);
  });
  return {
    push(chunk) {
      if (!bad) parser.parse(chunk);
    },
    get level() {
      return level;
    },
  };
}

/** What a broker that accepts everything answers (§3.2 CONNACK 0, §3.4, §3.9, §3.11, §3.13). */
export function answerFor(p: SniffedPacket, level: number): Buffer | undefined {
  const opts = { protocolVersion: level === 5 ? 5 : 4 };
  const packetId = p.packetId ?? 0;
  switch (p.type) {
    case 'connect':
      return mqttPacket.generate(
        { cmd: 'connack', returnCode: 0, reasonCode: 0, sessionPresent: false },
        { protocolVersion: p.level === 5 ? 5 : 4 },
      );
    case 'publish':
      return p.qos === 1
        ? mqttPacket.generate({ cmd: 'puback', messageId: packetId }, opts)
        : undefined;
    case 'subscribe':
      return mqttPacket.generate(
        {
          cmd: 'suback',
          messageId: packetId,
          granted: new Array<number>(p.filters ?? 1).fill(0),
        },
        opts,
      );
    case 'unsubscribe':
      return mqttPacket.generate(
        {
          cmd: 'unsuback',
          messageId: packetId,
          // reason codes, written for MQTT 5 only
          granted: new Array<number>(p.filters ?? 1).fill(0),
        },
        opts,
      );
    case 'pingreq':
      return mqttPacket.generate({ cmd: 'pingresp' }, opts);
    default:
      return undefined;
  }
}
