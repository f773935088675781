/**
 * Readers for what the tools print, and the card's register arithmetic. Each reader is strict:
 * output it does not understand is an error, not an empty result, so a tool whose format
 * changed fails the suite instead of passing it vacuously.
 */
import type { CardDevice } from '../../../devices/field/card.js';
import type { RegisterEntry, RegisterTable } from '../../../protocols/modbus/types.js';

/**
 * mbpoll 1.4 prints one `[ref]: \tvalue` line per value; a 16-bit register with its top bit set
 * is shown as `65336 (-200)` (unsigned, then signed). Returns ref → the first (unsigned) number.
 */
export function parseMbpoll(stdout: string): Map<number, number> {
  const values = new Map<number, number>();
  for (const line of stdout.split('\n')) {
    const m = /^\[(\d+)\]:\s+(-?\d+)/.exec(line);
    if (m) values.set(Number(m[1]), Number(m[2]));
  }
  if (values.size === 0) throw new Error(`no [ref]: value lines in mbpoll output:\n${stdout}`);
  return values;
}

/**
 * coap-client (libcoap 4.3) writes each response payload to stdout as is, with no separator:
 * an observation prints `{...}{...}{...}`. Splits such a stream into JSON values.
 */
export function splitJsonStream(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      if (depth === 0) throw new Error(`string outside a JSON value at ${i}: ${text}`);
      inString = true;
    } else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth += 1;
    } else if (c === '}' || c === ']') {
      depth -= 1;
      if (depth < 0) throw new Error(`unbalanced ${c} at ${i}: ${text}`);
      if (depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
    } else if (depth === 0 && c !== undefined && !/\s/.test(c)) {
      throw new Error(`unexpected ${JSON.stringify(c)} between JSON values at ${i}: ${text}`);
    }
  }
  if (depth !== 0 || inString) throw new Error(`truncated JSON value in: ${text}`);
  return out;
}

export interface Link {
  href: string;
  /** Attribute values; a bare attribute such as `obs` is `true`. */
  attrs: Record<string, string | true>;
}

/** RFC 6690 §2 CoRE Link Format: `<href>;name="value";flag,<href>;...`. */
export function parseLinkFormat(text: string): Link[] {
  const links: Link[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`link format: expected ${what} at ${i} in ${text}`);
  };
  const s = text.trim();
  while (i < s.length) {
    if (s[i] !== '<') fail('<');
    const close = s.indexOf('>', i);
    if (close < 0) fail('>');
    const link: Link = { href: s.slice(i + 1, close), attrs: {} };
    i = close + 1;
    while (s[i] === ';') {
      const m = /^;([A-Za-z0-9!#$&+\-.^_`|~]+)(=("([^"\\]|\\.)*"|[^;,]*))?/.exec(s.slice(i));
      if (!m?.[1]) return fail('an attribute');
      const raw = m[3];
      link.attrs[m[1]] =
        raw === undefined ? true : raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
      i += m[0].length;
    }
    links.push(link);
    if (i < s.length && s[i++] !== ',') fail(',');
  }
  return links;
}

/** Modbus Application Protocol v1.1b3 §6: the read function code of each table. */
export const READ_FC: Record<RegisterTable, number> = {
  coil: 1,
  discrete: 2,
  holding: 3,
  input: 4,
};

/** mbpoll's -t value for each table. */
export const MBPOLL_TYPE: Record<RegisterTable, string> = {
  coil: '0',
  discrete: '1',
  input: '3',
  holding: '4',
};

/** The wire's 16 bits, read as the card's register type says. */
export function registerNumber(entry: RegisterEntry, raw: number): number {
  const u = raw & 0xffff;
  return entry.type === 'int16' ? (u ^ 0x8000) - 0x8000 : u;
}

/** Engineering value = raw × scale + offset (the card's rule). */
export function engineering(entry: RegisterEntry, raw: number): number {
  return registerNumber(entry, raw) * entry.scale + entry.offset;
}

/** The register entry of a device for one quantity. */
export function registerOf(device: CardDevice, quantity: string): RegisterEntry {
  const entry = device.modbus?.registers.find((r) => r.quantity === quantity);
  if (!entry) throw new Error(`${device.id} has no Modbus register for ${quantity}`);
  return entry;
}

/** The resolution of a device's channel, from the card. */
export function resolutionOf(device: CardDevice, quantity: string): number {
  const channel = device.channels?.find((c) => c.quantity === quantity);
  if (!channel) throw new Error(`${device.id} has no channel ${quantity}`);
  return channel.resolution;
}
