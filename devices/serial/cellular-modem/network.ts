/**
 * The seeded LTE network a cellular modem (cellular-modem.ts) sees: a table of `cells` LTE cells
 * around a seeded spot in a Chinese city (the table the lab publishes for base-station
 * positioning), of which the nearest few can serve the modem. The modem registers a few seconds
 * after power-on and may hand over once per 10-minute window (same windowing as
 * devices/field/switch.ts), so the serving cell at t is a pure function of (seed, t). Signal levels
 * drift slowly (seeded knots every 20 s, interpolated).
 */
import { Rng } from '../../../core/rng.js';

const WINDOW_MS = 600_000;
const HANDOVER_PROBABILITY = 0.5;
const KNOT_MS = 20_000;

/** One row of the published cell table (decimal ids, as OpenCelliD publishes them). */
export interface CellEntry {
  radio: 'LTE';
  mcc: number;
  mnc: number;
  tac: number;
  cellId: number;
  lat: number;
  lon: number;
  rangeM: number;
}

export interface Cell extends CellEntry {
  pci: number;
  earfcn: number;
  band: number;
  duplex: 'FDD' | 'TDD';
  /** QENG bandwidth code: 3 = 10 MHz (50 RB), 5 = 20 MHz (100 RB). */
  bandwidth: 3 | 5;
  rssiDbm: number;
  rsrq: number;
  sinr: number;
}

/** Radio measurements at one instant, integers as the modem prints them. */
export interface Signal {
  cell: Cell;
  rssi: number;
  csq: number;
  rsrp: number;
  rsrq: number;
  sinr: number;
}

/** What the scenario says about the network: the PLMN and how many cells the table holds. */
export interface NetworkSpec {
  mcc: number;
  mnc: number;
  cells: number;
}

/** Beijing, Shanghai, Guangzhou, Shenzhen, Hangzhou, Chengdu, Wuhan, Xi'an: [lat, lon]. */
// prettier-ignore
const CITIES: readonly [number, number][] = [
  [39.9042, 116.4074], [31.2304, 121.4737], [23.1291, 113.2644], [22.5431, 114.0579],
  [30.2741, 120.1551], [30.5728, 104.0668], [30.5928, 114.3055], [34.3416, 108.9398],
];

/** E-UTRA bands of Chinese operators with their downlink EARFCN ranges (3GPP TS 36.101 §5.7.3). */
const BANDS = [
  { band: 1, lo: 0, hi: 599, duplex: 'FDD' },
  { band: 3, lo: 1200, hi: 1949, duplex: 'FDD' },
  { band: 8, lo: 3450, hi: 3799, duplex: 'FDD' },
  { band: 39, lo: 38250, hi: 38649, duplex: 'TDD' },
  { band: 40, lo: 38650, hi: 39649, duplex: 'TDD' },
  { band: 41, lo: 39650, hi: 41589, duplex: 'TDD' },
] as const;

/** +COPS long and short alphanumeric names of the Chinese PLMNs. */
const OPERATORS: [RegExp, string, string][] = [
  [/^460(00|02|04|07|08)$/, 'CHINA MOBILE', 'CMCC'],
  [/^460(01|06|09)$/, 'CHN-UNICOM', 'UNICOM'],
  [/^460(03|05|11)$/, 'CHN-CT', 'CT'],
  [/^46015$/, 'CHINA BROADNET', 'CBN'],
];

interface Window {
  /** Index into `campable` of the serving cell when the window starts. */
  start: number;
  handover: { at: number; to: number } | undefined;
}

export class CellularNetwork {
  readonly cells: Cell[];
  /** Indices into `cells` of the cells that can serve the modem. */
  readonly campable: number[];
  readonly location: { lat: number; lon: number };
  readonly registeredAt: number;
  readonly mcc: number;
  readonly mnc: number;
  /** Campable index at the start of each window, and the handover inside it. */
  private readonly windows: Window[] = [];
  private readonly firstCamp: number;

  /** `deviceId` keys the seeded streams, so two modems of one lab see different networks. */
  constructor(
    private readonly seed: number,
    private readonly deviceId: string,
    spec: NetworkSpec,
  ) {
    this.mcc = spec.mcc;
    this.mnc = spec.mnc;
    const rng = new Rng(seed, deviceId, 'network');
    const [lat, lon] = rng.pick(CITIES);
    this.location = {
      lat: round6(lat + rng.range(-0.03, 0.03)),
      lon: round6(lon + rng.range(-0.03, 0.03)),
    };
    const near = Math.min(3, spec.cells);
    const tacs = [rng.int(0x1000, 0xfffe), rng.int(0x1000, 0xfffe)];
    const used = new Set<number>();
    const cells: (Cell & { near: boolean })[] = [];
    for (let i = 0; i < spec.cells; i++) {
      const rangeM = 50 * rng.int(16, 60);
      // The cells that may serve sit well inside their range of the modem; the rest are farther.
      const d = i < near ? rng.range(150, 0.7 * rangeM) : rng.range(2000, 8000);
      const bearing = rng.range(0, 2 * Math.PI);
      let cellId: number;
      do
        cellId = rng.int(0x10000, 0xfffff) * 256 + rng.int(1, 3); // eNB id (20 bits), sector
      while (used.has(cellId));
      used.add(cellId);
      const b = rng.pick(BANDS);
      cells.push({
        radio: 'LTE',
        mcc: spec.mcc,
        mnc: spec.mnc,
        tac: rng.pick(tacs),
        cellId,
        ...offset(this.location, d * Math.sin(bearing), d * Math.cos(bearing)),
        rangeM,
        pci: rng.int(0, 503),
        earfcn: rng.int(b.lo, b.hi),
        band: b.band,
        duplex: b.duplex,
        bandwidth: rng.pick([3, 5] as const),
        rssiDbm: -50 - 30 * Math.log10(d / 100),
        rsrq: rng.range(-11, -7),
        sinr: rng.range(5, 20),
        near: i < near,
      });
    }
    for (let i = cells.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [cells[i], cells[j]] = [cells[j]!, cells[i]!];
    }
    this.campable = cells.flatMap((c, i) => (c.near ? [i] : []));
    this.cells = cells.map(({ near: _near, ...c }) => c);
    this.registeredAt = new Rng(seed, deviceId, 'attach').int(3000, 8000);
    this.firstCamp = new Rng(seed, deviceId, 'camp').int(0, near - 1);
  }

  /** The first registration or handover after t: when the serving cell next changes. */
  nextChange(t: number): number | undefined {
    let best = this.registeredAt > t ? this.registeredAt : undefined;
    const w0 = Math.max(0, Math.floor(t / WINDOW_MS));
    for (let w = w0; w <= w0 + 144 && (best === undefined || w * WINDOW_MS < best); w++) {
      const at = this.window(w).handover?.at;
      if (at !== undefined && at > t) {
        best = best === undefined ? at : Math.min(best, at);
        break;
      }
    }
    return best;
  }

  /** The serving cell at t; undefined before registration. */
  servingCell(t: number): Cell | undefined {
    if (!(t >= this.registeredAt)) return undefined;
    const win = this.window(Math.floor(t / WINDOW_MS));
    const k = win.handover && t >= win.handover.at ? win.handover.to : win.start;
    return this.cells[this.campable[k]!];
  }

  /** Radio measurements at t, integers as the modem prints them; undefined when unregistered. */
  signal(t: number): Signal | undefined {
    const c = this.servingCell(t);
    if (!c) return undefined;
    const rssi = Math.round(c.rssiDbm + 3 * this.drift('rssi', t));
    return {
      cell: c,
      rssi,
      // [27007] §8.5: 0 ≤ −113 dBm, 2 dB steps, 31 ≥ −51 dBm
      csq: clamp(Math.floor((rssi + 113) / 2), 0, 31),
      // RSSI sums 12 subcarriers per resource block: RSRP = RSSI − 10·log10(12·N_RB)
      rsrp: Math.round(rssi - 10 * Math.log10(12 * (c.bandwidth === 5 ? 100 : 50))),
      rsrq: clamp(Math.round(c.rsrq + this.drift('rsrq', t)), -20, -3),
      sinr: clamp(Math.round(c.sinr + 2 * this.drift('sinr', t)), -20, 30),
    };
  }

  /** The PLMN as MCC and 2-digit MNC, e.g. "46000". */
  numeric(): string {
    return String(this.mcc).padStart(3, '0') + String(this.mnc).padStart(2, '0');
  }

  /** +COPS <oper> in <format> 0 (long), 1 (short) or 2 (numeric). */
  operatorName(format: number): string {
    const plmn = this.numeric();
    const known = OPERATORS.find(([re]) => re.test(plmn));
    if (format === 2 || !known) return plmn;
    return format === 0 ? known[1] : known[2];
  }

  /** The PLMN in all three +COPS formats. */
  operator(): { numeric: string; long: string; short: string } {
    return { numeric: this.numeric(), long: this.operatorName(0), short: this.operatorName(1) };
  }

  /** The published cell table: what the lab card lists for cell-ID positioning. */
  cellTable(): CellEntry[] {
    return this.cells.map((c) => tableEntry(c));
  }

  private window(w: number): Window {
    while (this.windows.length <= w) {
      const prev = this.windows.at(-1);
      const start = prev ? (prev.handover?.to ?? prev.start) : this.firstCamp;
      this.windows.push({ start, handover: this.drawHandover(this.windows.length, start) });
    }
    return this.windows[w]!;
  }

  /** The handover of window w, if any: to another campable cell than `from`. */
  private drawHandover(w: number, from: number): Window['handover'] {
    const k = this.campable.length;
    const rng = new Rng(this.seed, this.deviceId, 'handover', w);
    const happens = rng.float() < HANDOVER_PROBABILITY;
    const at = w * WINDOW_MS + Math.floor(rng.float() * WINDOW_MS);
    const pick = rng.int(0, Math.max(0, k - 2));
    if (k < 2 || !happens || at <= this.registeredAt) return undefined;
    return { at, to: pick >= from ? pick + 1 : pick };
  }

  /** Slow seeded fading: standard-normal knots every 20 s, linearly interpolated. */
  private drift(kind: string, t: number): number {
    const k = Math.floor(t / KNOT_MS);
    const f = t / KNOT_MS - k;
    const a = new Rng(this.seed, this.deviceId, kind, k).normal();
    const b = new Rng(this.seed, this.deviceId, kind, k + 1).normal();
    return a + (b - a) * f;
  }
}

/** The identity fields of a cell that truth reports for the serving cell. */
export function cellIdentity({ mcc, mnc, tac, cellId, pci, earfcn, band }: Cell) {
  return { mcc, mnc, tac, cellId, pci, earfcn, band };
}

function tableEntry(c: Cell): CellEntry {
  const { radio, mcc, mnc, tac, cellId, lat, lon, rangeM } = c;
  return { radio, mcc, mnc, tac, cellId, lat, lon, rangeM };
}

function offset(o: { lat: number; lon: number }, eastM: number, northM: number) {
  const m = 111_320; // metres per degree of latitude (and of longitude at the equator)
  return {
    lat: round6(o.lat + northM / m),
    lon: round6(o.lon + eastM / (m * Math.cos((o.lat * Math.PI) / 180))),
  };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
