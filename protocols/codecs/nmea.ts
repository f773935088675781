/**
 * NMEA 0183 codec: sentence framing and checksum, and typed GGA, GSA, GSV, RMC and VTG. Pure:
 * text in, typed values out, no sockets.
 *
 * References:
 *   [NMEA] NMEA 0183 v4.11, §5 (sentence structure: `$`, address, fields, `*hh`, CRLF, at most
 *          82 characters) and the sentence tables for GGA, GSA, GSV, RMC and VTG.
 *
 * Untrusted text never throws: `decodeFrame` and `decodeSentence` return a `LabError`
 * (PROTOCOL_MALFORMED, with `context.reason`). The encoders throw, and only when our own code
 * asks for a sentence the standard forbids (reserved characters, longer than 82 characters).
 *
 * Decoding accepts every field layout receivers still send (RMC of v2.1/v2.3/v4.1, GSA and GSV
 * with or without the v4.1 system/signal id, VTG with or without the mode); encoding always
 * writes the v4.11 layout with fixed decimals, so `decode(encode(x))` equals `x` for values on
 * that grid.
 */
import { LabError } from '../../simulator/errors.js';

/** [NMEA] §5.3: `$` + address + fields + `*hh` + CRLF is at most 82 characters. */
export const MAX_SENTENCE_LENGTH = 82;

/** Standard address: 2-letter talker + 3-letter formatter; proprietary: `P` + maker + anything. */
const STANDARD_ADDRESS = /^[A-Z]{5}$/;
const PROPRIETARY_ADDRESS = /^P[A-Z0-9]{3,9}$/;
/** [NMEA] §5.1.3: reserved characters may not appear inside a field; nor may controls. */
const RESERVED = /[^\x20-\x7e]|[$*,!\\^~]/;

export type NmeaType = 'GGA' | 'GSA' | 'GSV' | 'RMC' | 'VTG';
/** [NMEA] RMC/VTG mode: Autonomous, Differential, Estimated, Float RTK, Manual, No fix, Precise, RTK, Simulator. */
export type ModeIndicator = 'A' | 'D' | 'E' | 'F' | 'M' | 'N' | 'P' | 'R' | 'S';
const MODES = 'ADEFMNPRS';

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

export interface GgaSentence {
  type: 'GGA';
  talker: string;
  time: UtcTime | null;
  position: Position | null;
  /** 0 no fix, 1 GPS, 2 DGPS, 4 RTK fixed, 5 RTK float, 6 dead reckoning, … */
  quality: number;
  satellitesUsed: number | null;
  hdop: number | null;
  /** Above mean sea level (geoid). */
  altitudeM: number | null;
  /** Geoid above the WGS-84 ellipsoid. */
  geoidSeparationM: number | null;
  dgpsAgeS: number | null;
  dgpsStation: string | null;
}
export interface GsaSentence {
  type: 'GSA';
  talker: string;
  selection: 'M' | 'A';
  /** 1 no fix, 2 2D, 3 3D. */
  fixType: 1 | 2 | 3;
  /** PRNs of the satellites used, in field order (empty slots dropped). */
  prns: number[];
  pdop: number | null;
  hdop: number | null;
  vdop: number | null;
  systemId: number | null;
}
export interface GsvSatellite {
  prn: number;
  elevationDeg: number | null;
  azimuthDeg: number | null;
  /** C/N0 in dB-Hz; null when the satellite is not tracked. */
  snrDb: number | null;
}
export interface GsvSentence {
  type: 'GSV';
  talker: string;
  totalMessages: number;
  messageNumber: number;
  satellitesInView: number;
  satellites: GsvSatellite[];
  signalId: number | null;
}
export interface RmcSentence {
  type: 'RMC';
  talker: string;
  time: UtcTime | null;
  /** A = data valid, V = warning (no fix). */
  status: 'A' | 'V';
  position: Position | null;
  speedKnots: number | null;
  courseDeg: number | null;
  date: UtcDate | null;
  /** East positive. */
  magneticVariationDeg: number | null;
  mode: ModeIndicator | null;
  navStatus: string | null;
}
export interface VtgSentence {
  type: 'VTG';
  talker: string;
  courseTrueDeg: number | null;
  courseMagneticDeg: number | null;
  speedKnots: number | null;
  speedKmh: number | null;
  mode: ModeIndicator | null;
}
export type NmeaSentence = GgaSentence | GsaSentence | GsvSentence | RmcSentence | VtgSentence;

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
    throw malformed(`bad NMEA address '${address}'`, 'address');
  const bad = fields.findIndex((f) => RESERVED.test(f));
  if (bad >= 0) throw malformed(`field ${bad + 1} holds a reserved character`, 'char');
  const body = [address, ...fields].join(',');
  const line = `$${body}*${hex2(nmeaChecksum(body))}\r\n`;
  if (line.length > MAX_SENTENCE_LENGTH)
    throw malformed(`sentence of ${line.length} characters exceeds 82`, 'length');
  return line;
}

/** Checks one line (with or without its CRLF) and splits it into address and fields. */
export function decodeFrame(input: string | Uint8Array): NmeaFrame | LabError {
  const raw = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const line = raw.replace(/\r?\n$/, '');
  if (line.length === 0) return malformed('empty line', 'start');
  if (line[0] !== '$')
    return malformed(`a sentence starts with '$', got ${JSON.stringify(line[0])}`, 'start');
  if (line.length + 2 > MAX_SENTENCE_LENGTH)
    return malformed(`sentence of ${line.length + 2} characters exceeds 82`, 'length');
  let ctl = -1;
  for (let i = 0; i < line.length && ctl < 0; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) ctl = i;
  }
  if (ctl >= 0) return malformed(`non-printable character at ${ctl}`, 'char', { offset: ctl });
  const star = line.indexOf('*');
  if (star < 0) return malformed("no '*' before a checksum (truncated sentence?)", 'no-checksum');
  const body = line.slice(1, star);
  if (body.includes('$'))
    return malformed("'$' inside a sentence (a truncated sentence, then another?)", 'start');
  const hex = line.slice(star + 1);
  if (!/^[0-9A-Fa-f]{2}$/.test(hex))
    return malformed(`the checksum must be two hex digits, got '${hex}'`, 'hex');
  const given = parseInt(hex, 16);
  const expected = nmeaChecksum(body);
  if (given !== expected)
    return malformed(
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
  return malformed(`bad NMEA address '${address}'`, 'address');
}

/** Cuts complete lines (LF-terminated; a CR before it is dropped) off the front of a text. */
export function splitLines(text: string): { lines: string[]; rest: string } {
  const parts = text.split('\n');
  const rest = parts.pop() ?? '';
  return { lines: parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)), rest };
}

// ---------------------------------------------------------------------------------------------
// Typed sentences

/** A checked line interpreted as GGA, GSA, GSV, RMC or VTG. */
export function decodeSentence(input: string | Uint8Array): NmeaSentence | LabError {
  const frame = decodeFrame(input);
  if (frame instanceof LabError) return frame;
  try {
    const f = new Fields(frame);
    switch (frame.type) {
      case 'GGA':
        return parseGga(f);
      case 'GSA':
        return parseGsa(f);
      case 'GSV':
        return parseGsv(f);
      case 'RMC':
        return parseRmc(f);
      case 'VTG':
        return parseVtg(f);
      default:
        return malformed(`unsupported sentence '${frame.address}'`, 'unsupported');
    }
  } catch (e) {
    if (e instanceof LabError) return e;
    throw e;
  }
}

/** The whole line of a typed sentence, in the v4.11 layout. */
export function buildSentence(s: NmeaSentence): string {
  return encodeSentence(s.talker + s.type, buildFields(s));
}

export function buildFields(s: NmeaSentence): string[] {
  switch (s.type) {
    case 'GGA': // [NMEA] GGA: time, lat, N/S, lon, E/W, quality, used, HDOP, alt, M, sep, M, age, station
      return [
        fmtTime(s.time),
        ...fmtPosition(s.position),
        String(s.quality),
        fmtInt(s.satellitesUsed, 2),
        fmtNum(s.hdop, 2),
        fmtNum(s.altitudeM, 1),
        'M',
        fmtNum(s.geoidSeparationM, 1),
        'M',
        fmtNum(s.dgpsAgeS, 1),
        s.dgpsStation ?? '',
      ];
    case 'GSA': // [NMEA] GSA: mode, fix type, 12 PRN slots, PDOP, HDOP, VDOP, system id
      return [
        s.selection,
        String(s.fixType),
        ...Array.from({ length: 12 }, (_, i) => fmtInt(s.prns[i] ?? null, 2)),
        fmtNum(s.pdop, 2),
        fmtNum(s.hdop, 2),
        fmtNum(s.vdop, 2),
        fmtHex(s.systemId),
      ];
    case 'GSV': // [NMEA] GSV: total, number, in view, 1–4 × (PRN, elevation, azimuth, SNR), signal id
      return [
        String(s.totalMessages),
        String(s.messageNumber),
        fmtInt(s.satellitesInView, 2),
        ...s.satellites.flatMap((v) => [
          fmtInt(v.prn, 2),
          fmtInt(v.elevationDeg, 2),
          fmtInt(v.azimuthDeg, 3),
          fmtInt(v.snrDb, 2),
        ]),
        ...(s.signalId === null ? [] : [fmtHex(s.signalId)]),
      ];
    case 'RMC': // [NMEA] RMC: time, status, lat, N/S, lon, E/W, knots, course, date, var, E/W, mode, nav
      return [
        fmtTime(s.time),
        s.status,
        ...fmtPosition(s.position),
        fmtNum(s.speedKnots, 3),
        fmtNum(s.courseDeg, 2),
        fmtDate(s.date),
        fmtNum(s.magneticVariationDeg === null ? null : Math.abs(s.magneticVariationDeg), 1),
        s.magneticVariationDeg === null ? '' : s.magneticVariationDeg < 0 ? 'W' : 'E',
        s.mode ?? '',
        s.navStatus ?? '',
      ];
    case 'VTG': // [NMEA] VTG: course true, T, course magnetic, M, knots, N, km/h, K, mode
      return [
        fmtNum(s.courseTrueDeg, 2),
        'T',
        fmtNum(s.courseMagneticDeg, 2),
        'M',
        fmtNum(s.speedKnots, 3),
        'N',
        fmtNum(s.speedKmh, 3),
        'K',
        s.mode ?? '',
      ];
  }
}

/** The GSV group for a list of satellites in view: ⌈n/4⌉ sentences (one when none). */
export function buildGsvGroup(
  talker: string,
  satellites: readonly GsvSatellite[],
  signalId: number | null,
): GsvSentence[] {
  const total = Math.max(1, Math.ceil(satellites.length / 4));
  return Array.from({ length: total }, (_, i) => ({
    type: 'GSV' as const,
    talker,
    totalMessages: total,
    messageNumber: i + 1,
    satellitesInView: satellites.length,
    satellites: satellites.slice(4 * i, 4 * i + 4),
    signalId,
  }));
}

// ---------------------------------------------------------------------------------------------
// Field parsers: they throw LabError, which decodeSentence turns into its return value.

function parseGga(f: Fields): GgaSentence {
  f.count([14]);
  f.unit(9, 'M'); // altitude unit
  f.unit(11, 'M'); // geoid separation unit
  return {
    type: 'GGA',
    talker: f.talker,
    time: f.time(0),
    position: f.position(1),
    quality: f.required(f.int(5, 'fix quality', 0, 8), 5, 'fix quality'),
    satellitesUsed: f.int(6, 'satellites used', 0, 99),
    hdop: f.num(7, 'HDOP'),
    altitudeM: f.num(8, 'altitude'),
    geoidSeparationM: f.num(10, 'geoid separation'),
    dgpsAgeS: f.num(12, 'DGPS age'),
    dgpsStation: f.str(13),
  };
}

function parseGsa(f: Fields): GsaSentence {
  f.count([17, 18]);
  const selection = f.required(f.oneOf(0, 'selection mode', 'MA'), 0, 'selection mode');
  const fixType = f.required(f.int(1, 'fix type', 1, 3), 1, 'fix type');
  const prns: number[] = [];
  for (let i = 2; i < 14; i++) {
    const prn = f.int(i, 'PRN', 1, 999);
    if (prn !== null) prns.push(prn);
  }
  return {
    type: 'GSA',
    talker: f.talker,
    selection: selection as 'M' | 'A',
    fixType: fixType as 1 | 2 | 3,
    prns,
    pdop: f.num(14, 'PDOP'),
    hdop: f.num(15, 'HDOP'),
    vdop: f.num(16, 'VDOP'),
    systemId: f.hexDigit(17, 'system id'),
  };
}

function parseGsv(f: Fields): GsvSentence {
  const n = f.fields.length;
  const withSignal = n >= 4 && (n - 4) % 4 === 0;
  if (n < 3 || n > 20 || ((n - 3) % 4 !== 0 && !withSignal))
    throw f.error(`expected 3 + 4 per satellite (+1 signal id) fields, got ${n}`, 'fields');
  const totalMessages = f.required(f.int(0, 'total messages', 1, 9), 0, 'total messages');
  const messageNumber = f.required(f.int(1, 'message number', 1, 9), 1, 'message number');
  const inView = f.required(f.int(2, 'satellites in view', 0, 99), 2, 'satellites in view');
  if (messageNumber > totalMessages)
    throw f.error(`message ${messageNumber} of ${totalMessages}`, 'value');
  const satellites: GsvSatellite[] = [];
  for (let i = 3; i + 4 <= (withSignal ? n - 1 : n); i += 4) {
    const prn = f.int(i, 'PRN', 1, 999);
    if (prn === null) continue; // an empty slot, as some receivers pad the last sentence
    satellites.push({
      prn,
      elevationDeg: f.int(i + 1, 'elevation', -90, 90),
      azimuthDeg: f.int(i + 2, 'azimuth', 0, 359),
      snrDb: f.int(i + 3, 'SNR', 0, 99),
    });
  }
  return {
    type: 'GSV',
    talker: f.talker,
    totalMessages,
    messageNumber,
    satellitesInView: inView,
    satellites,
    signalId: withSignal ? f.hexDigit(n - 1, 'signal id') : null,
  };
}

function parseRmc(f: Fields): RmcSentence {
  f.count([11, 12, 13]);
  const status = f.required(f.oneOf(1, 'status', 'AV'), 1, 'status');
  const variation = f.num(9, 'magnetic variation');
  const side = f.oneOf(10, 'variation E/W', 'EW');
  return {
    type: 'RMC',
    talker: f.talker,
    time: f.time(0),
    status: status as 'A' | 'V',
    position: f.position(2),
    speedKnots: f.num(6, 'speed'),
    courseDeg: f.num(7, 'course'),
    date: f.date(8),
    magneticVariationDeg: variation === null ? null : side === 'W' ? -variation : variation,
    mode: f.oneOf(11, 'mode', MODES) as ModeIndicator | null,
    navStatus: f.str(12),
  };
}

function parseVtg(f: Fields): VtgSentence {
  f.count([8, 9]);
  f.unit(1, 'T');
  f.unit(3, 'M');
  f.unit(5, 'N');
  f.unit(7, 'K');
  return {
    type: 'VTG',
    talker: f.talker,
    courseTrueDeg: f.num(0, 'course true'),
    courseMagneticDeg: f.num(2, 'course magnetic'),
    speedKnots: f.num(4, 'speed knots'),
    speedKmh: f.num(6, 'speed km/h'),
    mode: f.oneOf(8, 'mode', MODES) as ModeIndicator | null,
  };
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** Readers of one frame's fields; an empty field is null, a bad one throws a LabError. */
class Fields {
  readonly talker: string;
  readonly fields: string[];
  private readonly type: string;

  constructor(frame: NmeaFrame) {
    this.talker = frame.talker;
    this.type = frame.type;
    this.fields = frame.fields;
  }

  error(message: string, reason = 'value'): LabError {
    return malformed(`${this.type}: ${message}`, reason);
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
// Field formatters

function fmtNum(n: number | null, decimals: number): string {
  return n === null ? '' : n.toFixed(decimals);
}

function fmtInt(n: number | null, width: number): string {
  return n === null ? '' : String(Math.round(n)).padStart(width, '0');
}

function fmtHex(n: number | null): string {
  return n === null ? '' : n.toString(16).toUpperCase();
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function fmtTime(t: UtcTime | null): string {
  return t === null
    ? ''
    : `${pad2(t.hours)}${pad2(t.minutes)}${t.seconds.toFixed(2).padStart(5, '0')}`;
}

function fmtDate(d: UtcDate | null): string {
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

function fmtPosition(p: Position | null): string[] {
  return p === null ? ['', '', '', ''] : [...fmtAngle(p.lat, 2, 'NS'), ...fmtAngle(p.lon, 3, 'EW')];
}

function malformed(message: string, reason: string, context: Record<string, unknown> = {}) {
  return new LabError('PROTOCOL_MALFORMED', message, { protocol: 'nmea', reason, ...context });
}
