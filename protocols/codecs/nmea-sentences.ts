/**
 * NMEA 0183 typed sentences: GGA, GSA, GSV, RMC and VTG, decoded from and built into lines with
 * the frame-level codec of `nmea.ts`. Pure: text in, typed values out, no sockets.
 *
 * References:
 *   [NMEA] NMEA 0183 v4.11, the sentence tables for GGA, GSA, GSV, RMC and VTG.
 *
 * Untrusted text never throws: `decodeSentence` returns a `LabError` (PROTOCOL_MALFORMED, with
 * `context.reason`). The builders throw, and only when our own code asks for a sentence the
 * standard forbids (see `encodeSentence`).
 *
 * Decoding accepts every field layout receivers still send (RMC of v2.1/v2.3/v4.1, GSA and GSV
 * with or without the v4.1 system/signal id, VTG with or without the mode); encoding always
 * writes the v4.11 layout with fixed decimals, so `decode(encode(x))` equals `x` for values on
 * that grid.
 */
import { LabError } from '../../core/errors.js';
import {
  NmeaFieldReader,
  decodeFrame,
  encodeSentence,
  fmtDate,
  fmtHex,
  fmtInt,
  fmtNum,
  fmtPosition,
  fmtTime,
  nmeaMalformed,
} from './nmea.js';
import type { Position, UtcDate, UtcTime } from './nmea.js';
export type NmeaType = 'GGA' | 'GSA' | 'GSV' | 'RMC' | 'VTG';
/** [NMEA] RMC/VTG mode: Autonomous, Differential, Estimated, Float RTK, Manual, No fix, Precise, RTK, Simulator. */
export type ModeIndicator = 'A' | 'D' | 'E' | 'F' | 'M' | 'N' | 'P' | 'R' | 'S';
const MODES = 'ADEFMNPRS';

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

// ---------------------------------------------------------------------------------------------
// Typed sentences

/** A checked line interpreted as GGA, GSA, GSV, RMC or VTG. */
export function decodeSentence(input: string | Uint8Array): NmeaSentence | LabError {
  const frame = decodeFrame(input);
  if (frame instanceof LabError) return frame;
  try {
    const f = new NmeaFieldReader(frame);
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
        return nmeaMalformed(`unsupported sentence '${frame.address}'`, 'unsupported');
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
// Sentence parsers: they throw LabError, which decodeSentence turns into its return value.

function parseGga(f: NmeaFieldReader): GgaSentence {
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

function parseGsa(f: NmeaFieldReader): GsaSentence {
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

function parseGsv(f: NmeaFieldReader): GsvSentence {
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

function parseRmc(f: NmeaFieldReader): RmcSentence {
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

function parseVtg(f: NmeaFieldReader): VtgSentence {
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
