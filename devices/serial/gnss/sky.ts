/**
 * The world of the GNSS receiver (`gnss.ts`): where it drives, which GPS satellites it sees and
 * how well they fix it. Pure functions of (seed, t), so nothing needs replaying:
 * - Route: a smooth seeded closed curve around the origin (a polar curve r(θ) = R·(0.65 +
 *   a₂cos 2θ + a₃cos 3θ), at most 0.95·radiusM from the origin), sampled at 720 points; metres
 *   east/north become WGS-84 latitude/longitude on the ellipsoid at the origin.
 * - Sky: 14 seeded GPS PRNs; six always high (spread in azimuth, so a fix always has geometry),
 *   eight rising and setting over hours. Satellites below the mask are not in view; a fix uses
 *   up to 12 high, strong ones.
 * - Accuracy: HDOP/PDOP/VDOP come from the real geometry matrix of the satellites used.
 */
import type { Position } from '../../../protocols/codecs/nmea.js';
import type { Rng } from '../../../core/rng.js';

/** WGS-84 semi-major axis and first eccentricity squared. */
const WGS84_A = 6_378_137;
const WGS84_E2 = 6.69437999014e-3;
const ROUTE_POINTS = 720;
/** Below the mask satellites are not listed in GSV; a fix uses high, strong ones only (≤ 12). */
const ELEVATION_MASK_DEG = 5;
const USE_MIN_ELEVATION_DEG = 10;
const USE_MIN_SNR_DB = 20;
const TWO_PI = 2 * Math.PI;

export interface SatelliteState {
  prn: number;
  elevationDeg: number;
  azimuthDeg: number;
  snrDb: number | null;
  used: boolean;
}

export interface Dop {
  pdop: number;
  hdop: number;
  vdop: number;
}

/** The sky at one instant. */
export interface SkyView {
  /** In view (above the mask), by PRN; `used` is false, for the receiver to set. */
  satellites: SatelliteState[];
  /** Those fit for a fix: high and strong, the 12 strongest at most. */
  candidates: SatelliteState[];
  /** The geometry of the candidates; null with fewer than 4 or when degenerate. */
  dop: Dop | null;
}

/** A point `eastM`/`northM` metres from `origin`, on the WGS-84 ellipsoid's local radii there. */
export function offsetToLatLon(origin: Position, eastM: number, northM: number): Position {
  const { lat: lat0, lon: lon0 } = origin;
  const phi = (lat0 * Math.PI) / 180;
  const w = 1 - WGS84_E2 * Math.sin(phi) ** 2;
  const meridian = (WGS84_A * (1 - WGS84_E2)) / w ** 1.5;
  const primeVertical = WGS84_A / Math.sqrt(w);
  return {
    lat: lat0 + ((northM / meridian) * 180) / Math.PI,
    lon: wrapLon(lon0 + ((eastM / (primeVertical * Math.cos(phi))) * 180) / Math.PI),
  };
}

/** Into [-180, 180): a route near the antimeridian crosses it. */
function wrapLon(lon: number): number {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}

/** The seeded closed route, sampled, in metres east/north of the origin. */
export class Route {
  private readonly east: number[] = [];
  private readonly north: number[] = [];
  private readonly cum: number[] = [0];
  private readonly length: number;
  private readonly start: number;

  constructor(rng: Rng, radiusM: number) {
    const [a2, p2] = [rng.range(0.05, 0.2), rng.range(0, TWO_PI)];
    const [a3, p3] = [rng.range(0, 0.1), rng.range(0, TWO_PI)];
    const sense = rng.float() < 0.5 ? -1 : 1; // clockwise or not
    for (let i = 0; i <= ROUTE_POINTS; i++) {
      const th = (sense * TWO_PI * i) / ROUTE_POINTS;
      const r = radiusM * (0.65 + a2 * Math.cos(2 * th + p2) + a3 * Math.cos(3 * th + p3));
      this.east.push(r * Math.cos(th));
      this.north.push(r * Math.sin(th));
      if (i > 0)
        this.cum.push(
          this.cum[i - 1]! +
            Math.hypot(this.east[i]! - this.east[i - 1]!, this.north[i]! - this.north[i - 1]!),
        );
    }
    this.length = this.cum[ROUTE_POINTS]!;
    this.start = rng.range(0, this.length);
  }

  /** The point `distanceM` along the route from the seeded start. */
  at(distanceM: number): { eastM: number; northM: number; courseDeg: number } {
    const s = (((this.start + distanceM) % this.length) + this.length) % this.length;
    let [lo, hi] = [0, ROUTE_POINTS - 1];
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.cum[mid]! <= s) lo = mid;
      else hi = mid - 1;
    }
    const de = this.east[lo + 1]! - this.east[lo]!;
    const dn = this.north[lo + 1]! - this.north[lo]!;
    const f = (s - this.cum[lo]!) / (this.cum[lo + 1]! - this.cum[lo]!);
    return {
      eastM: this.east[lo]! + f * de,
      northM: this.north[lo]! + f * dn,
      courseDeg: ((Math.atan2(de, dn) * 180) / Math.PI + 360) % 360, // from north, clockwise
    };
  }
}

/** The seeded constellation, seen from the receiver. */
export class Sky {
  private readonly orbits: Orbit[];

  constructor(rng: Rng) {
    this.orbits = constellation(rng);
  }

  /** The sky at lab time t; when `blocked` (no fix window) nothing is tracked: no SNR. */
  at(t: number, blocked: boolean): SkyView {
    const satellites = this.orbits
      .map((o) => satelliteAt(o, t, blocked))
      .filter((v) => v.elevationDeg >= ELEVATION_MASK_DEG)
      .sort((a, b) => a.prn - b.prn);
    const candidates = satellites
      .filter((v) => v.elevationDeg >= USE_MIN_ELEVATION_DEG && (v.snrDb ?? 0) >= USE_MIN_SNR_DB)
      .sort((a, b) => (b.snrDb ?? 0) - (a.snrDb ?? 0) || a.prn - b.prn)
      .slice(0, 12);
    return { satellites, candidates, dop: candidates.length >= 4 ? dop(candidates) : null };
  }
}

interface Orbit {
  prn: number;
  el0: number;
  elAmp: number;
  periodMs: number;
  phase: number;
  az0: number;
  /** Degrees per ms. */
  azRate: number;
  snrOffset: number;
  snrPhase: number;
}

/** 14 distinct PRNs: six high ones spread 60° apart in azimuth, eight rising and setting. */
function constellation(rng: Rng): Orbit[] {
  const prns = Array.from({ length: 32 }, (_, i) => i + 1);
  for (let i = prns.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [prns[i], prns[j]] = [prns[j]!, prns[i]!];
  }
  return prns.slice(0, 14).map((prn, i) => {
    const high = i < 6;
    return {
      prn,
      el0: high ? rng.range(35, 65) : 0,
      elAmp: high ? rng.range(5, 20) : rng.range(30, 85),
      periodMs: rng.range(high ? 2 : 3, high ? 6 : 8) * 3_600_000,
      phase: rng.range(0, TWO_PI),
      az0: high ? i * 60 + rng.range(-20, 20) : rng.range(0, 360),
      azRate: (rng.range(0.2, 0.6) / 60_000) * (rng.float() < 0.5 ? -1 : 1),
      snrOffset: rng.range(-3, 3),
      snrPhase: rng.range(0, TWO_PI),
    };
  });
}

function satelliteAt(o: Orbit, t: number, blocked: boolean): SatelliteState {
  const elevationDeg = o.el0 + o.elAmp * Math.sin((TWO_PI * t) / o.periodMs + o.phase);
  const azimuthDeg = (((o.az0 + o.azRate * t) % 360) + 360) % 360;
  // C/N0 grows with elevation (less atmosphere), wobbles a little; nothing when blocked.
  const snr =
    26 + 0.25 * elevationDeg + o.snrOffset + 2 * Math.sin((TWO_PI * t) / 90_000 + o.snrPhase);
  const snrDb = blocked ? null : Math.min(55, Math.max(10, Math.round(snr)));
  return { prn: o.prn, elevationDeg, azimuthDeg, snrDb, used: false };
}

/**
 * Dilution of precision from the geometry matrix G (one row [cos e·sin a, cos e·cos a, sin e, 1]
 * per satellite): Q = (GᵀG)⁻¹, HDOP = √(Qee + Qnn), VDOP = √Quu, PDOP = √(Qee + Qnn + Quu).
 */
function dop(sats: readonly SatelliteState[]): Dop | null {
  const m = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
  for (const v of sats) {
    const [e, a] = [(v.elevationDeg * Math.PI) / 180, (v.azimuthDeg * Math.PI) / 180];
    const row = [Math.cos(e) * Math.sin(a), Math.cos(e) * Math.cos(a), Math.sin(e), 1];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) m[i]![j]! += row[i]! * row[j]!;
  }
  const q = invert(m);
  if (q === null) return null;
  const [qe, qn, qu] = [q[0]![0]!, q[1]![1]!, q[2]![2]!];
  const pdop = Math.sqrt(qe + qn + qu);
  if (!(pdop < 50)) return null;
  return {
    pdop: round(pdop, 2),
    hdop: round(Math.sqrt(qe + qn), 2),
    vdop: round(Math.sqrt(qu), 2),
  };
}

/** Gauss–Jordan with partial pivoting; null when singular. */
function invert(a: number[][]): number[][] | null {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (Math.abs(m[p]![c]!) < 1e-12) return null;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const pivot = m[c]![c]!;
    m[c] = m[c]!.map((x) => x / pivot);
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      m[r] = m[r]!.map((x, j) => x - f * m[c]![j]!);
    }
  }
  return m.map((row) => row.slice(n));
}

function round(v: number, decimals: number): number {
  return Number(v.toFixed(decimals));
}
