/**
 * GNSS receiver (kind `gnss`): a GPS-only receiver on a serial line that prints NMEA 0183 v4.11
 * sentences by itself, in the order real receivers use: GGA, GSA, GSV…, RMC, VTG (those the
 * scenario lists).
 *
 * Everything is a pure function of (spec, seed, t):
 * - Route and sky (`gnss-sky.ts`): a smooth seeded closed route around `origin`, traversed at
 *   `speedKmh` from a seeded start, so position, course and speed at t need no replay; 14 seeded
 *   GPS satellites, with HDOP/PDOP/VDOP from the geometry of those used.
 * - Ticks: tick k ≥ 1 is at lab time round(k·1000/rateHz) ms; nothing is sent at t = 0.
 * - UTC in the sentences = epoch + lab time of the tick, truncated to 10 ms; the epoch defaults
 *   to 2026-01-01T00:00:00Z (`DEFAULT_EPOCH_MS`) and is a factory option so that the lab can
 *   inject its real start time.
 * - noFix windows: GGA quality 0, GSA fix type 1, RMC status V, VTG/RMC mode N, empty position,
 *   DOPs 99.99 (as u-blox receivers print them); GSV still lists the sky, without SNR.
 * - badChecksumRatio / truncatedRatio: each sentence (tick k, place j) draws once from its own
 *   stream: u < bad → wrong checksum; bad ≤ u < bad + truncated → cut short before its `*`
 *   (CRLF kept). Truth marks them invalid.
 * - garbledGga: in every tick with a fix, the GGA is garbled: its position moved offsetM in a
 *   direction drawn from ('garble', k), its checksum wrong or (every missingEvery-th tick) cut
 *   off before the `*` — data a parser only rejects by the checksum. About GARBLE_IN_PLACE of
 *   the ticks (drawn from ('garble-in-place', k), never three running, so a right position is
 *   never more than 3 s old) send it instead of the GGA; the others send it right after the
 *   right GGA. Such GGAs are never corrupted by the ratios. Truth gives its position as
 *   `garbled`.
 * - A tick's sentences that do not fit the line (baud / bits per character × tick period) are
 *   dropped from the first one that does not fit, as a receiver whose UART buffer overflows.
 * - Input: lines `$PMTK000*32` (test) are answered `$PMTK001,0,3*30`; any other well-formed
 *   `$PMTKnnn` gets `$PMTK001,nnn,1` (unsupported: the rate is fixed by the scenario). All other
 *   bytes are ignored.
 */
import { LabError } from '../../../core/errors.js';
import type { SerialDevicePlan } from '../plan.js';
import { Rng } from '../../../core/rng.js';
import type { GnssSpec } from './scenario.js';
import { decodeFrame, encodeSentence, hex2, splitLines } from '../../../protocols/codecs/nmea.js';
import type { Position } from '../../../protocols/codecs/nmea.js';
import { buildGsvGroup, buildSentence } from '../../../protocols/codecs/nmea-sentences.js';
import type { NmeaSentence, NmeaType } from '../../../protocols/codecs/nmea-sentences.js';
import { Route, Sky, offsetToLatLon } from './sky.js';
import type { Dop, SatelliteState } from './sky.js';
import type { ByteDevice, ByteDeviceContext, ByteDeviceFactory, ByteIntent } from '../model.js';

/** 2026-01-01T00:00:00Z: the default UTC of lab time 0 until the lab passes its own. */
export const DEFAULT_EPOCH_MS = Date.UTC(2026, 0, 1);
const TALKER = 'GP';
const KMH_PER_KNOT = 1.852;
/** DOP printed when there is no fix. */
const NO_DOP = 99.99;
const MAX_INPUT_LINE = 256;
/** Share of ticks whose GGA is garbled in place rather than followed by a garbled copy. */
const GARBLE_IN_PLACE = 0.35;
/** The order receivers print a fix in (u-blox, MediaTek): whatever order the scenario lists. */
const EMIT_ORDER: readonly NmeaType[] = ['GGA', 'GSA', 'GSV', 'RMC', 'VTG'];

export interface GnssOptions {
  /** UTC (ms since 1970) of lab time 0. */
  epochMs?: number;
}

/** What the receiver knows at one tick, as it prints it (quantised to the sentence fields). */
export interface GnssTick {
  tick: number;
  t: number;
  utcMs: number;
  fix: boolean;
  lat: number | null;
  lon: number | null;
  altitudeM: number | null;
  speedKmh: number | null;
  speedKnots: number | null;
  courseDeg: number | null;
  satellites: SatelliteState[];
  used: number[];
  dop: Dop | null;
}

export interface EmittedSentence {
  type: NmeaType;
  line: string;
  valid: boolean;
  fault?: 'checksum' | 'truncated';
}

export class GnssReceiver implements ByteDevice {
  private readonly spec: GnssSpec;
  private readonly seed: number;
  private readonly epochMs: number;
  private readonly periodMs: number;
  private readonly route: Route;
  private readonly sky: Sky;
  private readonly altitudeBase: number;
  private readonly altitudePhase: number;
  private readonly geoidSeparationM: number;
  private readonly order: NmeaType[];
  private readonly bytesPerTick: number;
  private input = '';
  private cache?: {
    k: number;
    tick: GnssTick;
    sentences: EmittedSentence[];
    dropped: NmeaType[];
    garbled: Position | null;
  };

  constructor(
    readonly plan: SerialDevicePlan,
    ctx: ByteDeviceContext,
    options: GnssOptions = {},
  ) {
    if (plan.spec.kind !== 'gnss') throw new TypeError('GnssReceiver needs a gnss device');
    this.spec = plan.spec;
    this.seed = ctx.seed;
    this.epochMs = options.epochMs ?? DEFAULT_EPOCH_MS;
    this.periodMs = 1000 / this.spec.rateHz;
    const rng = new Rng(ctx.seed, plan.id, 'gnss');
    this.route = new Route(rng, this.spec.radiusM);
    this.sky = new Sky(rng);
    this.altitudeBase = rng.range(4, 40);
    this.altitudePhase = rng.range(0, 2 * Math.PI);
    this.geoidSeparationM = Math.round(rng.range(-30, 50) * 10) / 10;
    this.order = EMIT_ORDER.filter((type) => this.spec.sentences.includes(type));
    const s = plan.settings;
    const bitsPerChar = 1 + s.dataBits + (s.parity === 'none' ? 0 : 1) + s.stopBits;
    this.bytesPerTick = Math.floor((s.baudRate / bitsPerChar) * (this.periodMs / 1000));
  }

  /** Lab time of tick k. */
  tickTime(k: number): number {
    return Math.round(k * this.periodMs);
  }

  /** The last tick at or before t (0 = none yet). */
  tickIndexAt(t: number): number {
    let k = Math.max(0, Math.floor(t / this.periodMs));
    while (this.tickTime(k + 1) <= t) k++;
    while (k > 0 && this.tickTime(k) > t) k--;
    return k;
  }

  inNoFix(t: number): boolean {
    return this.spec.noFix.some((w) => w.at * 1000 <= t && t < (w.at + w.duration) * 1000);
  }

  /** Where the receiver really is at lab time t (not quantised). */
  positionAt(t: number): Position & { courseDeg: number; eastM: number; northM: number } {
    const s = (this.spec.speedKmh / 3.6) * (t / 1000);
    const p = this.route.at(s);
    return {
      ...offsetToLatLon(this.spec.origin, p.eastM, p.northM),
      courseDeg: p.courseDeg,
      eastM: p.eastM,
      northM: p.northM,
    };
  }

  /** The receiver's state at tick k, as printed. */
  tick(k: number): GnssTick {
    const t = this.tickTime(k);
    const blocked = this.inNoFix(t);
    const { satellites, candidates, dop: geometry } = this.sky.at(t, blocked);
    const fix = k > 0 && !blocked && geometry !== null;
    const used = fix ? candidates.map((v) => v.prn).sort((a, b) => a - b) : [];
    for (const v of satellites) v.used = used.includes(v.prn);
    const base = { tick: k, t, utcMs: this.epochMs + t, satellites, used };
    if (!fix) {
      const none = { lat: null, lon: null, altitudeM: null, courseDeg: null, dop: null };
      return { ...base, ...none, fix, speedKmh: null, speedKnots: null };
    }
    const p = this.positionAt(t);
    const altitude =
      this.altitudeBase + 3 * Math.sin((2 * Math.PI * t) / 600_000 + this.altitudePhase);
    return {
      ...base,
      fix,
      lat: quantiseAngle(p.lat),
      lon: quantiseAngle(p.lon),
      altitudeM: round(altitude, 1),
      speedKmh: round(this.spec.speedKmh, 3),
      speedKnots: round(this.spec.speedKmh / KMH_PER_KNOT, 3),
      courseDeg: round(p.courseDeg, 2) % 360,
      dop: geometry,
    };
  }

  /** The typed sentences of tick k, in emission order, before line faults. */
  sentences(k: number, g = this.tick(k)): NmeaSentence[] {
    const time = utcTime(g.utcMs);
    const position = g.lat === null || g.lon === null ? null : { lat: g.lat, lon: g.lon };
    const mode = g.fix ? 'A' : 'N';
    const out: NmeaSentence[] = [];
    for (const type of this.order) {
      if (type === 'GGA')
        out.push({
          type,
          talker: TALKER,
          time,
          position,
          quality: g.fix ? 1 : 0, // 1 = GPS SPS fix
          satellitesUsed: g.used.length,
          hdop: g.dop?.hdop ?? NO_DOP,
          altitudeM: g.altitudeM,
          geoidSeparationM: g.fix ? this.geoidSeparationM : null,
          dgpsAgeS: null,
          dgpsStation: null,
        });
      else if (type === 'GSA')
        out.push({
          type,
          talker: TALKER,
          selection: 'A',
          fixType: g.fix ? 3 : 1,
          prns: g.used,
          pdop: g.dop?.pdop ?? NO_DOP,
          hdop: g.dop?.hdop ?? NO_DOP,
          vdop: g.dop?.vdop ?? NO_DOP,
          systemId: 1, // GPS
        });
      else if (type === 'GSV')
        out.push(...buildGsvGroup(TALKER, g.satellites.map(gsvView), 1)); // signal 1 = L1 C/A
      else if (type === 'RMC')
        out.push({
          type,
          talker: TALKER,
          time,
          status: g.fix ? 'A' : 'V',
          position,
          speedKnots: g.speedKnots,
          courseDeg: g.courseDeg,
          date: utcDate(g.utcMs),
          magneticVariationDeg: null,
          mode,
          navStatus: 'V', // the receiver gives no navigational status
        });
      else
        out.push({
          type,
          talker: TALKER,
          courseTrueDeg: g.courseDeg,
          courseMagneticDeg: null,
          speedKnots: g.speedKnots,
          speedKmh: g.speedKmh,
          mode,
        });
    }
    return out;
  }

  /** Tick k as it goes on the line: corrupted per the ratios, cut to what the line carries. */
  private output(k: number) {
    if (this.cache?.k === k) return this.cache;
    const { badChecksumRatio: bad, truncatedRatio: cut } = this.spec;
    const sentences: EmittedSentence[] = [];
    const dropped: NmeaType[] = [];
    let bytes = 0;
    const tick = this.tick(k);
    const garble = this.garble(k, tick);
    const put = (type: NmeaType, line: string, fault?: EmittedSentence['fault']) => {
      if (dropped.length > 0 || bytes + line.length > this.bytesPerTick) dropped.push(type);
      else {
        bytes += line.length;
        sentences.push({ type, line, valid: fault === undefined, ...(fault && { fault }) });
      }
    };
    this.sentences(k, tick).forEach((s, j) => {
      let line = buildSentence(s);
      let fault: EmittedSentence['fault'];
      if (s.type === 'GGA' && garble?.replaces) [line, fault] = [garble.line, garble.fault];
      else if (bad + cut > 0 && !(s.type === 'GGA' && this.spec.garbledGga)) {
        const rng = new Rng(this.seed, this.plan.id, 'corrupt', k, j);
        const u = rng.float();
        const star = line.lastIndexOf('*');
        if (u < bad) {
          const wrong = parseInt(line.slice(star + 1, star + 3), 16) ^ rng.int(1, 255);
          [line, fault] = [`${line.slice(0, star + 1)}${hex2(wrong)}\r\n`, 'checksum'];
        } else if (u < bad + cut) {
          [line, fault] = [`${line.slice(0, rng.int(3, star))}\r\n`, 'truncated'];
        }
      }
      put(s.type, line, fault);
      if (s.type === 'GGA' && garble && !garble.replaces) put('GGA', garble.line, garble.fault);
    });
    const sent = garble && sentences.some((s) => s.line === garble.line);
    const garbled = sent ? garble.position : null;
    this.cache = { k, tick, sentences, dropped, garbled };
    return this.cache;
  }

  /** Whether tick k's GGA is garbled in place (never three ticks running: see `garbledGga`). */
  private garbleReplaces(k: number): boolean {
    const raw = (i: number) =>
      i >= 1 && new Rng(this.seed, this.plan.id, 'garble-in-place', i).float() < GARBLE_IN_PLACE;
    return raw(k) && !(raw(k - 1) && raw(k - 2));
  }

  /**
   * Tick k's GGA garbled (`garbledGga`): its position moved offsetM in a seeded direction, its
   * checksum wrong or cut off; sent in place of the GGA or right after it.
   */
  private garble(
    k: number,
    tick: GnssTick,
  ):
    | { line: string; fault: 'checksum' | 'truncated'; position: Position; replaces: boolean }
    | undefined {
    const g = this.spec.garbledGga;
    if (!g || !tick.fix || tick.lat === null || tick.lon === null) return undefined;
    const gga = this.sentences(k, tick).find((s) => s.type === 'GGA');
    if (gga?.type !== 'GGA') return undefined;
    const rng = new Rng(this.seed, this.plan.id, 'garble', k);
    const bearing = rng.range(0, 2 * Math.PI);
    const moved = offsetToLatLon(
      { lat: tick.lat, lon: tick.lon },
      g.offsetM * Math.sin(bearing),
      g.offsetM * Math.cos(bearing),
    );
    const line = buildSentence({ ...gga, position: moved });
    const star = line.lastIndexOf('*');
    const missing = g.missingEvery > 0 && k % g.missingEvery === 0;
    const wrong = parseInt(line.slice(star + 1, star + 3), 16) ^ rng.int(1, 255);
    return {
      line: missing ? `${line.slice(0, star)}\r\n` : `${line.slice(0, star + 1)}${hex2(wrong)}\r\n`,
      fault: missing ? 'truncated' : 'checksum',
      position: { lat: quantiseAngle(moved.lat), lon: quantiseAngle(moved.lon) },
      replaces: this.garbleReplaces(k),
    };
  }

  receive(bytes: Buffer, _t: number): ByteIntent[] {
    const { lines, rest } = splitLines(this.input + bytes.toString('latin1'));
    this.input = rest.length > MAX_INPUT_LINE ? '' : rest;
    const out: ByteIntent[] = [];
    for (const line of lines) {
      const frame = decodeFrame(line.slice(Math.max(0, line.lastIndexOf('$'))));
      if (frame instanceof LabError || frame.talker !== 'P') continue;
      const cmd = /^MTK(\d{3})$/.exec(frame.type)?.[1];
      if (cmd === undefined) continue;
      // PMTK001,<cmd>,<flag>: 3 = done, 1 = unsupported (MTK NMEA packet user manual).
      const ack = encodeSentence('PMTK001', [String(Number(cmd)), cmd === '000' ? '3' : '1']);
      out.push({ send: Buffer.from(ack, 'latin1') });
    }
    return out;
  }

  nextEmission(t: number): number {
    return this.tickTime(this.tickIndexAt(t) + 1);
  }

  emit(t: number): ByteIntent[] {
    const k = this.tickIndexAt(t);
    if (k < 1) return [];
    const { sentences, tick } = this.output(k);
    const out: ByteIntent[] = sentences.map((s) => ({ send: Buffer.from(s.line, 'latin1') }));
    if (tick.fix !== (k > 1 && this.tick(k - 1).fix)) out.push({ state: { fix: tick.fix } });
    return out;
  }

  truth(t: number): Record<string, unknown> {
    const k = this.tickIndexAt(t);
    const { tick: g, sentences, dropped, garbled } = this.output(k);
    return {
      fix: g.fix,
      lat: g.lat,
      lon: g.lon,
      altitudeM: g.altitudeM,
      speedKmh: g.speedKmh,
      speedKnots: g.speedKnots,
      courseDeg: g.courseDeg,
      utc: k > 0 ? new Date(Math.floor(g.utcMs / 10) * 10).toISOString() : null,
      satellitesUsed: g.used.length,
      satellitesInView: g.satellites.length,
      hdop: g.dop?.hdop ?? null,
      tick: k,
      tickT: g.t,
      sentences: k > 0 ? sentences : [],
      dropped: k > 0 ? dropped : [],
      /** Where the tick's garbled GGA copy (`garbledGga`) put the receiver, if one was sent. */
      garbled: k > 0 ? garbled : null,
    };
  }

  cardInfo(): Record<string, unknown> {
    return {
      rateHz: this.spec.rateHz,
      sentences: this.order,
      talker: TALKER,
      datum: 'WGS-84',
      nmeaVersion: '4.11',
    };
  }
}

/** A factory with options (the lab epoch); `createGnss` uses the defaults. */
export function gnssFactory(options: GnssOptions = {}): ByteDeviceFactory {
  return (plan, ctx) => new GnssReceiver(plan, ctx, options);
}
export const createGnss: ByteDeviceFactory = gnssFactory();

function gsvView(v: SatelliteState) {
  const elevationDeg = Math.round(v.elevationDeg);
  return { prn: v.prn, elevationDeg, azimuthDeg: Math.round(v.azimuthDeg) % 360, snrDb: v.snrDb };
}

function round(v: number, decimals: number): number {
  return Number(v.toFixed(decimals));
}

/** The angle as a reader of ddmm.mmmm gets it back (same arithmetic as the codec's decoder). */
function quantiseAngle(v: number): number {
  const abs = Math.abs(v);
  let deg = Math.floor(abs);
  let min = Number(((abs - deg) * 60).toFixed(4));
  if (min === 60) [deg, min] = [deg + 1, 0];
  const q = deg + min / 60;
  return v < 0 && q !== 0 ? -q : q;
}

/** Receivers truncate their time tag to the printed resolution (10 ms). */
function utcTime(utcMs: number) {
  const cs = Math.floor((((utcMs % 86_400_000) + 86_400_000) % 86_400_000) / 10);
  return {
    hours: Math.floor(cs / 360_000),
    minutes: Math.floor(cs / 6000) % 60,
    seconds: (cs % 6000) / 100,
  };
}

function utcDate(utcMs: number) {
  const d = new Date(utcMs);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
