/**
 * CoAP datagrams as data (RFC 7252 §3): the format check run before coap-packet's lenient
 * parser, option decoding into the view that evidence and routing use, and the few frames the
 * server builds itself. Pure: no sockets, no state.
 */
import { generate as generatePacket, parse as parsePacket } from 'coap-packet';
import type { ParsedPacket } from 'coap-packet';

/** Request method codes 0.01-0.07 (RFC 7252 §12.1.1, RFC 8132 §6). */
const METHODS = ['', 'GET', 'POST', 'PUT', 'DELETE', 'FETCH', 'PATCH', 'iPATCH'];

type MessageType = 'CON' | 'NON' | 'ACK' | 'RST';

/**
 * One decoded CoAP message, as evidence and routing see it. It lives here, beside `viewOf` that
 * builds it, so the decoder does not depend on the reply logic; reply.ts re-exports it.
 */
export interface CoapMessageView {
  peer: string;
  type: MessageType;
  code: string;
  /** GET/POST/... for request codes, otherwise the code itself ('0.00' for an empty message). */
  method: string;
  mid: number;
  token: string;
  path: string;
  query?: string;
  accept?: number;
  contentFormat?: number;
  observe?: number;
  payload: Buffer;
}

/**
 * RFC 7252 §3 message format: why `buf` is malformed, or undefined when it is well formed.
 * Runs before coap-packet's parser, which is more lenient than the RFC.
 */
export function checkMessageFormat(buf: Uint8Array): string | undefined {
  if (buf.length < 4) return `datagram of ${buf.length} bytes is shorter than the 4-byte header`;
  const first = buf[0] ?? 0;
  if (first >> 6 !== 1) return `unknown CoAP version ${first >> 6} (expected 1)`;
  const tkl = first & 0x0f;
  if (tkl > 8) return `token length ${tkl} is reserved (0-8 allowed)`;
  if (buf.length < 4 + tkl) return `token of ${tkl} bytes is truncated`;
  // §4.1: an Empty message is exactly the 4-byte header.
  if (buf[1] === 0 && buf.length !== 4)
    return 'empty message (code 0.00) carries bytes after the header';
  let i = 4 + tkl;
  while (i < buf.length) {
    const byte = buf[i++] ?? 0;
    if (byte === 0xff)
      return i === buf.length ? 'payload marker followed by an empty payload' : undefined;
    let delta = byte >> 4;
    let length = byte & 0x0f;
    if (delta === 15 || length === 15) return 'option delta or length nibble 15 is reserved';
    for (const which of ['delta', 'length'] as const) {
      const nibble = which === 'delta' ? delta : length;
      const extra = nibble === 13 ? 1 : nibble === 14 ? 2 : 0;
      if (i + extra > buf.length) return `option ${which} extension is truncated`;
      const ext =
        extra === 1
          ? (buf[i] ?? 0) + 13
          : extra === 2
            ? ((buf[i] ?? 0) << 8) + (buf[i + 1] ?? 0) + 269
            : nibble;
      if (which === 'delta') delta = ext;
      else length = ext;
      i += extra;
    }
    if (i + length > buf.length) return `option value of ${length} bytes runs past the end`;
    i += length;
  }
  return undefined;
}

/**
 * A datagram from the wire: the parsed packet, or why it is malformed (`checkMessageFormat`
 * first, then whatever coap-packet's parser throws).
 */
export function parseDatagram(buf: Buffer): { packet: ParsedPacket } | { error: string } {
  const error = checkMessageFormat(buf);
  if (error !== undefined) return { error };
  try {
    return { packet: parsePacket(buf) };
  } catch (err) {
    return { error: String(err) };
  }
}

/** RFC 7252 §3.2 uint option values, shortest encoding (0 is zero bytes). */
function uintOf(value: Buffer): number {
  return value.reduce((n, byte) => n * 256 + byte, 0);
}
export function uintBytes(n: number): Buffer {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from(bytes);
}

/** Decodes the options a parsed packet carries (RFC 7252 §5.10) into a `CoapMessageView`. */
export function viewOf(packet: ParsedPacket, peer: string): CoapMessageView {
  const values = (name: string): Buffer[] =>
    packet.options.filter((o) => o.name === name).map((o) => o.value);
  const uint = (name: string): number | undefined => {
    const v = values(name)[0];
    return v === undefined ? undefined : uintOf(v);
  };
  const strings = (name: string): string[] => values(name).map((b) => b.toString('utf8'));
  const query = strings('Uri-Query').join('&');
  const type = packet.ack ? 'ACK' : packet.reset ? 'RST' : packet.confirmable ? 'CON' : 'NON';
  return {
    peer,
    type,
    code: packet.code,
    method: (packet.code.startsWith('0.') && METHODS[Number(packet.code.slice(2))]) || packet.code,
    mid: packet.messageId,
    token: packet.token.toString('hex'),
    path: '/' + strings('Uri-Path').join('/'),
    ...(query !== '' ? { query } : {}),
    accept: uint('Accept'),
    contentFormat: uint('Content-Format'),
    observe: uint('Observe'),
    payload: packet.payload,
  };
}

/** An RST (empty message, type 3) echoing `mid`: RFC 7252 §4.2 rejection, §4.3 ping reply. */
export function resetMessage(mid: number): Buffer {
  return generatePacket({
    code: '0.00',
    reset: true,
    confirmable: false,
    ack: false,
    messageId: mid,
  });
}

/**
 * The answer to a request from an address that may not use the lab (RFC 7252 §5.9.2.4, 4.03
 * Forbidden): piggybacked on an ACK for a CON request, a NON response for a NON request, with the
 * request's token. Anything that is not a well-formed request gets no answer (undefined).
 */
export function forbidden(buf: Buffer): Buffer | undefined {
  const parsed = parseDatagram(buf);
  if ('error' in parsed) return undefined;
  const p = parsed.packet;
  const [cls, detail] = p.code.split('.').map(Number);
  if (cls !== 0 || detail === 0 || p.ack || p.reset) return undefined;
  return generatePacket({
    code: '4.03',
    messageId: p.messageId,
    token: p.token,
    confirmable: false,
    ack: p.confirmable,
    reset: false,
    payload: Buffer.from('not from the seat address'),
  });
}
