/**
 * Just enough MQTT (3.1.1 and 5) to see what a client sends an endpoint that only listens (the
 * lab's impostor, protocols/tls/impostor.ts), and to answer it so the client goes on: split a
 * byte stream into control packets (MQTT 3.1.1 §2.2: fixed header, remaining length §2.2.3),
 * name each, and read CONNECT's client id and username (§3.1.3) and PUBLISH's topic and payload
 * (§3.3). A password is never returned, only whether one was sent. Pure: no sockets.
 */

export const PACKET_NAMES = [
  'reserved',
  'connect',
  'connack',
  'publish',
  'puback',
  'pubrec',
  'pubrel',
  'pubcomp',
  'subscribe',
  'suback',
  'unsubscribe',
  'unsuback',
  'pingreq',
  'pingresp',
  'disconnect',
  'auth',
] as const;

export interface SniffedPacket {
  type: (typeof PACKET_NAMES)[number];
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
  /** SUBSCRIBE: how many filters it asks for. */
  filters?: number;
  payload?: Buffer;
}

/** Splits off the complete packets at the head of `buf`; `rest` is what is still incomplete. */
export function splitPackets(buf: Buffer): {
  packets: SniffedPacket[];
  rest: Buffer;
  bad: boolean;
} {
  const packets: SniffedPacket[] = [];
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) break;
    let len = 0;
    let mult = 1;
    let i = at + 1;
    let done = false;
    for (; i < buf.length && i < at + 5; i++) {
      const b = buf[i]!;
      len += (b & 0x7f) * mult;
      mult *= 128;
      if ((b & 0x80) === 0) {
        done = true;
        i++;
        break;
      }
    }
    if (!done) {
      if (i >= at + 5) return { packets, rest: Buffer.alloc(0), bad: true };
      break;
    }
    if (buf.length - i < len) break;
    packets.push(readPacket(buf[at]!, buf.subarray(i, i + len)));
    at = i + len;
  }
  return { packets, rest: buf.subarray(at), bad: false };
}

function readPacket(first: number, body: Buffer): SniffedPacket {
  const type = PACKET_NAMES[first >> 4]!;
  try {
    if (type === 'connect') return readConnect(body);
    if (type === 'publish') {
      const qos = (first >> 1) & 3;
      const tlen = body.readUInt16BE(0);
      const topic = body.subarray(2, 2 + tlen).toString('utf8');
      let at = 2 + tlen;
      const packetId = qos > 0 ? body.readUInt16BE(at) : undefined;
      if (qos > 0) at += 2;
      return {
        type,
        topic,
        qos,
        ...(packetId !== undefined ? { packetId } : {}),
        payload: body.subarray(at),
      };
    }
    if (type === 'subscribe' || type === 'unsubscribe') {
      // Filters are counted on a 3.1.1 body; MQTT 5's properties make the count a guess, and
      // the answer (SUBACK) only needs the identifier and one code per filter asked for.
      const packetId = body.readUInt16BE(0);
      let at = 2;
      let filters = 0;
      while (at + 2 <= body.length) {
        at += 2 + body.readUInt16BE(at) + (type === 'subscribe' ? 1 : 0);
        filters++;
      }
      return { type, packetId, filters: Math.max(1, filters) };
    }
  } catch {
    // a short or malformed body: named by its type, nothing more
  }
  return { type };
}

function readConnect(body: Buffer): SniffedPacket {
  const nameLen = body.readUInt16BE(0);
  let at = 2 + nameLen;
  const level = body[at]!;
  const flags = body[at + 1]!;
  at += 4; // level, flags, keep-alive
  if (level === 5) {
    const props = varint(body, at);
    at += props.bytes + props.value;
  }
  const str = () => {
    const n = body.readUInt16BE(at);
    const s = body.subarray(at + 2, at + 2 + n).toString('utf8');
    at += 2 + n;
    return s;
  };
  const clientId = str();
  if (flags & 0x04) {
    if (level === 5) {
      const props = varint(body, at); // will properties
      at += props.bytes + props.value;
    }
    str(); // will topic
    at += 2 + body.readUInt16BE(at); // will payload
  }
  const username = flags & 0x80 ? str() : undefined;
  return {
    type: 'connect',
    level,
    clientId,
    ...(username !== undefined ? { username } : {}),
    password: (flags & 0x40) !== 0,
  };
}

function varint(buf: Buffer, at: number): { value: number; bytes: number } {
  let value = 0;
  let mult = 1;
  for (let i = 0; i < 4; i++) {
    const b = buf[at + i]!;
    value += (b & 0x7f) * mult;
    mult *= 128;
    if ((b & 0x80) === 0) return { value, bytes: i + 1 };
  }
  return { value, bytes: 4 };
}

/** What a broker that accepts everything answers (§3.2 CONNACK 0, §3.4, §3.9, §3.11, §3.13). */
export function answerFor(p: SniffedPacket, level: number): Buffer | undefined {
  const id = (n: number | undefined) => [((n ?? 0) >> 8) & 0xff, (n ?? 0) & 0xff];
  const v5 = level === 5;
  switch (p.type) {
    case 'connect':
      return Buffer.from(p.level === 5 ? [0x20, 3, 0, 0, 0] : [0x20, 2, 0, 0]);
    case 'publish':
      return p.qos === 1 ? Buffer.from([0x40, 2, ...id(p.packetId)]) : undefined;
    case 'subscribe': {
      const codes = new Array<number>(p.filters ?? 1).fill(0);
      const body = [...id(p.packetId), ...(v5 ? [0] : []), ...codes];
      return Buffer.from([0x90, body.length, ...body]);
    }
    case 'unsubscribe':
      return Buffer.from(v5 ? [0xb0, 4, ...id(p.packetId), 0, 0] : [0xb0, 2, ...id(p.packetId)]);
    case 'pingreq':
      return Buffer.from([0xd0, 0]);
    default:
      return undefined;
  }
}
