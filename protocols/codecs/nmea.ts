/**
 * NMEA 0183 codec, frame level: sentence framing and checksum, and the field formats every
 * sentence shares (numbers, hhmmss.ss, ddmmyy, ddmm.mmmm). Pure: text in, typed values out, no
 * sockets. The typed sentences (GGA, GSA, GSV, RMC, VTG) are in `nmea-sentences.ts`.
 *
 * References:
 *   [NMEA] NMEA 0183 v4.11, §5 (sentence structure: `$`, address, fields, `*hh`, CRLF, at most
 *          82 characters).
 *
 * Untrusted text never throws: `decodeFrame` returns a `LabError` (PROTOCOL_MALFORMED, with
 * `context.reason`). `encodeSentence` throws, and only when our own code asks for a sentence the
 * standard forbids (reserved characters, longer than 82 characters). The field readers of
 * `NmeaFieldReader` throw a `LabError` for the sentence parsers to return.
 */
import { LabError } from '../../core/errors.js';

/** [NMEA] §5.3: `$` + address + fields + `*hh` + CRLF is at most 82 characters. */
export const MAX_SENTENCE_LENGTH = 82;

/** Standard address: 2-letter talker + 3-letter formatter; proprietary: `P` + maker + anything. */
const STANDARD_ADDRESS = /^[A-Z]{5}$/;
const PROPRIETARY_ADDRESS = /^P[A-Z0-9]{3,9}$/;
/** [NMEA] §5.1.3: reserved characters may not appear inside a field; nor may controls. */
const RESERVED = /[^\x20-\x7e]|[$*,!\\^~]/;

export interface UtcTime {
  hours: number;
  minutes: number;
  /** With fraction: 19.5 = 19 s 500 ms. */
  seconds: number;
}
export interface UtcDate {
  year: number;
  month: number;
  day: number;
}
/** Decimal degrees, north and east positive. */
export interface Position {
  lat: number;
  lon: number;
}

/** A checked sentence before its fields are interpreted. */
export interface NmeaFrame {
  /** `GPGGA`, `PMTK001`. */
  address: string;
  /** `GP`; `P` for proprietary sentences. */
  talker: string;
  /** `GGA`; for proprietary sentences the rest of the address (`MTK001`). */
  type: string;
  fields: string[];
  checksum: number;
}

// ---------------------------------------------------------------------------------------------
// Framing ([NMEA] §5)

/** XOR of every character between `$` and `*`, both excluded ([NMEA] §5.2.1). */
export function nmeaChecksum(body: string): number {
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i) & 0xff;
  return x;
}

export function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** `$` + address + `,` fields + `*HH` + CRLF. */
export function encodeSentence(address: string, fields: readonly string[]): string {
  if (!STANDARD_ADDRESS.test(address) && !PROPRIETARY_ADDRESS.test(address))
    throw nmeaMalformed(`bad NMEA address '${address}'`, 'address');
  const bad = fields.findIndex((f) => RESERVED.test(f));
  if (bad >= 0) throw nmeaMalformed(`field ${bad + 1} holds a reserved character`, 'char');
  const body = [address, ...fields].join(',');
  const line = `$${body}*${hex2(nmeaChecksum(body))}\r\n`;
  if (line.length > MAX_SENTENCE_LENGTH)
    throw nmeaMalformed(`sentence of ${line.length} characters exceeds 82`, 'length');
  return line;
}

/** Checks one line (with or without its CRLF) and splits it into address and fields. */
export function decodeFrame(input: string | Uint8Array): NmeaFrame | LabError {
  const raw = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const line = raw.replace(/\r?\n$/, '');
  if (line.length === 0) return nmeaMalformed('empty line', 'start');
  if (line[0] !== '$')
    return nmeaMalformed(`a sentence starts with '$', got ${JSON.stringify(line[0])}`, 'start');
  if (line.length + 2 > MAX_SENTENCE_LENGTH)
    return nmeaMalformed(`sentence of ${line.length + 2} characters exceeds 82`, 'length');
  let ctl = -1;
  for (let i = 0; i < line.length && ctl < 0; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) ctl = i;
  }
  if (ctl >= 0) return nmeaMalformed(`non-printable character at ${ctl}`, 'char', { offset: ctl });
  const star = line.indexOf('*');
  if (star < 0)
    return nmeaMalformed("no '*' before a checksum (truncated sentence?)", 'no-checksum');
  const body = line.slice(1, star);
  if (body.includes('$'))
    return nmeaMalformed("'$' inside a sentence (a truncated sentence, then another?)", 'start');
  const hex = line.slice(star + 1);
  if (!/^[0-9A-Fa-f]{2}$/.test(hex))
    return nmeaMalformed(`the checksum must be two hex digits, got '${hex}'`, 'hex');
  const given = parseInt(hex, 16);
  const expected = nmeaChecksum(body);
  if (given !== expected)
    return nmeaMalformed(
      `checksum mismatch: sentence says ${hex2(given)}, characters XOR to ${hex2(expected)}`,
      'checksum',
      { given, expected },
    );
  const [address = '', ...fields] = body.split(',');
  // Talker ids never start with P: a P address is proprietary whatever its length.
  if (PROPRIETARY_ADDRESS.test(address))
    return { address, talker: 'P', type: address.slice(1), fields, checksum: given };
  if (STANDARD_ADDRESS.test(address)) {
    const [talker, type] = [address.slice(0, 2), address.slice(2)];
    return { address, talker, type, fields, checksum: given };
  }
  return nmeaMalformed(`bad NMEA address '${address}'`, 'address');
}

/** Cuts complete lines (LF-terminated; a CR before it is dropped) off the front of a text. */
export function splitLines(text: string): { lines: string[]; rest: string } {
  const parts = text.split('\n');
  const rest = parts.pop() ?? '';
  return { lines: parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)), rest };
}

// ---------------------------------------------------------------------------------------------
// Field readers ([NMEA] field formats): they throw LabError, which `decodeSentence`
// (nmea-sentences.ts) turns into its return value.

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** Readers of one frame's fields; an empty field is null, a bad one throws a LabError. */
export class NmeaFieldReader {
  readonly talker: string;
  readonly fields: string[];
  private readonly type: string;

  constructor(frame: NmeaFrame) {
    this.talker = frame.talker;
    this.type = frame.type;
    this.fields = frame.fields;
  }

  error(message: string, reason = 'value'): LabError {
    return nmeaMalformed(`${this.type}: ${message}`, reason);
  }

  count(allowed: number[]): void {
    const n = this.fields.length;
    if (!allowed.includes(n))
      throw this.error(`expected ${allowed.join(' or ')} fields, got ${n}`, 'fields');
  }

  str(i: number): string | null {
    const s = this.fields[i];
    return s === undefined || s === '' ? null : s;
  }

  num(i: number, name: string): number | null {
    const s = this.str(i);
    if (s === null) return null;
    if (!NUMBER.test(s)) throw this.error(`field ${i + 1} (${name}) is not a number: '${s}'`);
    return Number(s);
  }

  int(i: number, name: string, min: number, max: number): number | null {
    const s = this.str(i);
    if (s === null) return null;
    const n = /^-?\d+$/.test(s) ? Number(s) : NaN;
    if (!(n >= min && n <= max))
      throw this.error(`field ${i + 1} (${name}) must be an integer ${min}..${max}: '${s}'`);
    return n;
  }

  required<T>(v: T | null, i: number, name: string): T {
    if (v === null) throw this.error(`field ${i + 1} (${name}) is required`);
    return v;
  }

  /** One hex digit (GSA system id, GSV signal id, [NMEA] v4.11). */
  hexDigit(i: number, name: string): number | null {
    const s = this.str(i);
    if (s !== null && !/^[0-9A-F]$/.test(s))
      throw this.error(`field ${i + 1} (${name}) must be one hex digit: '${s}'`);
    return s === null ? null : parseInt(s, 16);
  }

  oneOf(i: number, name: string, letters: string): string | null {
    const s = this.str(i);
    if (s !== null && (s.length !== 1 || !letters.includes(s)))
      throw this.error(`field ${i + 1} (${name}) must be one of ${[...letters].join('/')}: '${s}'`);
    return s;
  }

  /** A unit letter: fixed by the standard, left empty by some receivers when there is no data. */
  unit(i: number, letter: string): void {
    this.oneOf(i, 'unit', letter);
  }

  /** hhmmss(.ss) */
  time(i: number): UtcTime | null {
    const s = this.str(i);
    if (s === null) return null;
    const m = /^(\d\d)(\d\d)(\d\d(?:\.\d+)?)$/.exec(s);
    const t = m && { hours: Number(m[1]), minutes: Number(m[2]), seconds: Number(m[3]) };
    if (!t || t.hours > 23 || t.minutes > 59 || t.seconds >= 61)
      throw this.error(`field ${i + 1} (UTC time) must be hhmmss.ss: '${s}'`);
    return t;
  }

  /** ddmmyy; two-digit years pivot at 80 (GPS began in 1980). */
  date(i: number): UtcDate | null {
    const s = this.str(i);
    if (s === null) return null;
    const m = /^(\d\d)(\d\d)(\d\d)$/.exec(s);
    const d = m && {
      year: Number(m[3]) + (Number(m[3]) < 80 ? 2000 : 1900),
      month: Number(m[2]),
      day: Number(m[1]),
    };
    if (!d || d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31)
      throw this.error(`field ${i + 1} (date) must be ddmmyy: '${s}'`);
    return d;
  }

  /** lat ddmm.mmmm, N/S, lon dddmm.mmmm, E/W at fields i..i+3 (all empty = no position). */
  position(i: number): Position | null {
    const parts = [0, 1, 2, 3].map((k) => this.str(i + k));
    if (parts.every((p) => p === null)) return null;
    const lat = this.angle(i, 2, 90, 'NS');
    const lon = this.angle(i + 2, 3, 180, 'EW');
    return { lat, lon };
  }

  private angle(i: number, degDigits: number, maxDeg: number, sides: string): number {
    const s = this.str(i) ?? '';
    const side = this.oneOf(i + 1, 'hemisphere', sides);
    const m = new RegExp(`^(\\d{${degDigits}})(\\d\\d(?:\\.\\d+)?)$`).exec(s);
    const deg = Number(m?.[1]);
    const min = Number(m?.[2]);
    if (!m || side === null || min >= 60 || deg + min / 60 > maxDeg)
      throw this.error(
        `fields ${i + 1}-${i + 2} must be ${'d'.repeat(degDigits)}mm.mmmm,${[...sides].join('/')}: '${s},${side ?? ''}'`,
      );
    const v = deg + min / 60;
    return side === sides[1] && v !== 0 ? -v : v;
  }
}

// ---------------------------------------------------------------------------------------------
// Field formatters: the readers' formats, written with fixed decimals

export function fmtNum(n: number | null, decimals: number): string {
  return n === null ? '' : n.toFixed(decimals);
}

export function fmtInt(n: number | null, width: number): string {
  return n === null ? '' : String(Math.round(n)).padStart(width, '0');
}

export function fmtHex(n: number | null): string {
  return n === null ? '' : n.toString(16).toUpperCase();
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

export function fmtTime(t: UtcTime | null): string {
  return t === null
    ? ''
    : `${pad2(t.hours)}${pad2(t.minutes)}${t.seconds.toFixed(2).padStart(5, '0')}`;
}

export function fmtDate(d: UtcDate | null): string {
  return d === null ? '' : `${pad2(d.day)}${pad2(d.month)}${pad2(d.year % 100)}`;
}

/** Degrees and minutes with 4 decimals (0.0001′ ≈ 0.19 m). */
function fmtAngle(v: number, degDigits: number, sides: string): [string, string] {
  const abs = Math.abs(v);
  let deg = Math.floor(abs);
  let min = ((abs - deg) * 60).toFixed(4);
  if (min === '60.0000') [deg, min] = [deg + 1, '0.0000'];
  return [
    String(deg).padStart(degDigits, '0') + min.padStart(7, '0'),
    v < 0 ? sides[1]! : sides[0]!,
  ];
}

export function fmtPosition(p: Position | null): string[] {
  return p === null ? ['', '', '', ''] : [...fmtAngle(p.lat, 2, 'NS'), ...fmtAngle(p.lon, 3, 'EW')];
}

/** The one error of the NMEA codec; `context.reason` names the check that failed. */
export function nmeaMalformed(
  message: string,
  reason: string,
  context: Record<string, unknown> = {},
): LabError {
  return new LabError('PROTOCOL_MALFORMED', message, { protocol: 'nmea', reason, ...context });
}
