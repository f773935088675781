/**
 * BLE beacon scanner: a UART scanner module that hears the iBeacons of one room and reports each
 * advertisement as a text line (protocols/codecs/beacon.ts). The candidate turns RSSI into
 * distance with the log-distance path-loss model and trilaterates the scanner's position.
 *
 * Seeded: the beacons' MACs, UUID, major and minor; their places (the room's corners first, then
 * evenly along the walls from a seeded start); and the scanner's place, at least 1.5 m from the
 * walls, which does not move. Every report cycle (1/rateHz) gives one line per beacon, in a
 * seeded order, with RSSI = txPower − 10·n·log10(d) + N(0, noiseDb²), rounded to whole dBm; the
 * noise of a cycle is keyed by its lab time, so the same cycle always reads the same.
 */
import {
  decodeCommand,
  encodeReply,
  encodeReport,
  RATE_MAX_HZ,
  RATE_MIN_HZ,
} from '../../../protocols/codecs/beacon.js';
import type { BeaconReport } from '../../../protocols/codecs/beacon.js';
import { splitLines } from '../../../protocols/codecs/at.js';
import type { SerialDevicePlan } from '../plan.js';
import { Rng } from '../../../core/rng.js';
import type { ByteDevice, ByteDeviceContext, ByteDeviceFactory, ByteIntent } from '../model.js';

/** A module answers a command after a few ms. */
export const RESPONSE_DELAY_MS = 10;
/** Nearest the scanner gets to a wall, m (less in rooms under 6 m). */
const INSET_M = 1.5;
/** Distances below this are treated as this (the model has no meaning at d → 0). */
const MIN_DISTANCE_M = 0.1;
const LINE_MAX = 256;

/** A beacon as the lab card publishes it; x, y in metres from the room's corner (0, 0). */
export interface BeaconInfo {
  mac: string;
  uuid: string;
  major: number;
  minor: number;
  x: number;
  y: number;
  txPower: number;
}

export class BeaconScanner implements ByteDevice {
  readonly beacons: BeaconInfo[];
  /** Where the scanner is, m. */
  readonly position: { x: number; y: number };
  private readonly seed: number;
  private readonly n: number;
  private readonly noiseDb: number;
  private readonly room: { width: number; depth: number };
  /** Milliseconds one character takes on the line: a cycle sends no more than fits. */
  private readonly charMs: number;
  private scanning = true;
  private rateHz: number;
  /** Report cycles fall at anchor + k/rateHz; a rate change or scan start moves the anchor. */
  private anchor = 0;
  private pending: Buffer = Buffer.alloc(0);
  private overflow = false;

  constructor(
    readonly plan: SerialDevicePlan,
    ctx: ByteDeviceContext,
  ) {
    const spec = plan.spec;
    if (spec.kind !== 'beacon_scanner') throw new TypeError('BeaconScanner needs a beacon_scanner');
    this.seed = ctx.seed;
    this.n = spec.pathLossExponent;
    this.noiseDb = spec.noiseDb;
    this.room = { width: spec.room.width, depth: spec.room.depth };
    this.rateHz = spec.rateHz;
    const s = plan.settings;
    this.charMs =
      ((1 + s.dataBits + (s.parity === 'none' ? 0 : 1) + s.stopBits) * 1000) / s.baudRate;

    const rng = new Rng(ctx.seed, plan.id, 'beacons');
    const places = beaconPlaces(this.room, spec.beacons, rng);
    const uuid = uuidV4(rng);
    const major = rng.int(1, 0xfffe); // one major for the room, a minor per beacon
    const macs = new Set<string>();
    const minors = new Set<number>();
    const txPower = Math.round(spec.txPower); // measured power travels as a whole dBm
    this.beacons = places.map(({ x, y }) => {
      let mac: string;
      do mac = staticMac(rng);
      while (macs.has(mac));
      macs.add(mac);
      let minor: number;
      do minor = rng.int(1, 0xfffe);
      while (minors.has(minor));
      minors.add(minor);
      return { mac, uuid, major, minor, x, y, txPower };
    });
    const p = new Rng(ctx.seed, plan.id, 'position');
    const { width: w, depth: d } = this.room;
    const inset = Math.min(INSET_M, w / 4, d / 4);
    this.position = { x: round2(p.range(inset, w - inset)), y: round2(p.range(inset, d - inset)) };
  }

  receive(bytes: Buffer, t: number): ByteIntent[] {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, bytes]) : bytes;
    const { lines, rest, error } = splitLines(buf, LINE_MAX);
    const replies: Buffer[] = [];
    const before = { scanning: this.scanning, rateHz: this.rateHz };
    for (const line of lines) {
      if (this.overflow) {
        this.overflow = false; // the end of an over-long line
        replies.push(encodeReply({ type: 'error' }));
      } else if (line.text.trim() !== '') replies.push(...this.execute(line.text, t));
    }
    this.overflow ||= error !== undefined;
    this.pending = Buffer.from(rest);
    const intents: ByteIntent[] = [];
    if (before.scanning !== this.scanning || before.rateHz !== this.rateHz)
      intents.push({ state: { scanning: this.scanning, rateHz: this.rateHz } });
    if (replies.length > 0)
      intents.push({ send: Buffer.concat(replies), delayMs: RESPONSE_DELAY_MS });
    return intents;
  }

  /**
   * The next report cycle after t. Given even while scanning is off, so the runtime keeps asking
   * (it re-arms only after an emission) and AT+SCAN=1 takes effect without a new arm.
   */
  nextEmission(t: number): number {
    const period = 1000 / this.rateHz;
    const next = this.anchor + (Math.floor((t - this.anchor) / period) + 1) * period;
    return next > t ? next : next + period;
  }

  emit(t: number): ByteIntent[] {
    if (!this.scanning) return [];
    const reports = this.reportsAt(t);
    // A UART at a low baud rate cannot carry many beacons at a high rate: like a real module's
    // buffer, a cycle drops the lines that would not leave before the next cycle starts.
    const budget = Math.max(1, Math.floor(1000 / this.rateHz / this.charMs));
    const lines: Buffer[] = [];
    let size = 0;
    for (const r of reports) {
      const line = encodeReport(r);
      if (lines.length > 0 && size + line.length > budget) break;
      lines.push(line);
      size += line.length;
    }
    return [{ send: Buffer.concat(lines) }];
  }

  /** The reports of the cycle at t, in the order the scanner prints them (before any drop). */
  reportsAt(t: number): BeaconReport[] {
    const rng = new Rng(this.seed, this.plan.id, 'cycle', Math.round(t));
    const reports = this.beacons.map((b) => {
      const noisy = this.expectedRssi(b) + this.noiseDb * rng.normal();
      const rssi = Math.min(20, Math.max(-127, Math.round(noisy)));
      return { mac: b.mac, rssi, uuid: b.uuid, major: b.major, minor: b.minor, txPower: b.txPower };
    });
    for (let i = reports.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [reports[i], reports[j]] = [reports[j]!, reports[i]!];
    }
    return reports;
  }

  truth(_t: number): Record<string, unknown> {
    return {
      position: { ...this.position },
      beacons: this.beacons.map((b) => ({
        mac: b.mac,
        x: b.x,
        y: b.y,
        distance: this.distance(b),
        rssiExpected: this.expectedRssi(b),
      })),
    };
  }

  cardInfo(): Record<string, unknown> {
    return {
      beacons: this.beacons.map((b) => ({ ...b })),
      pathLossExponent: this.n,
      room: { ...this.room },
    };
  }

  private execute(text: string, t: number): Buffer[] {
    const parsed = decodeCommand(text);
    if (!parsed.ok) return [encodeReply({ type: 'error' })];
    const c = parsed.value;
    switch (c.type) {
      case 'ping':
        break;
      case 'scan':
        if (c.on && !this.scanning) this.anchor = t; // first report one period after the start
        this.scanning = c.on;
        break;
      case 'set-rate':
        this.rateHz = Math.min(RATE_MAX_HZ, Math.max(RATE_MIN_HZ, c.hz));
        this.anchor = t;
        break;
      case 'get-rate':
        return [encodeReply({ type: 'rate', hz: this.rateHz }), encodeReply({ type: 'ok' })];
    }
    return [encodeReply({ type: 'ok' })];
  }

  private distance(b: BeaconInfo): number {
    return Math.hypot(b.x - this.position.x, b.y - this.position.y);
  }

  /** Log-distance path loss: RSSI(d) = txPower − 10·n·log10(d / 1 m). */
  private expectedRssi(b: BeaconInfo): number {
    return b.txPower - 10 * this.n * Math.log10(Math.max(MIN_DISTANCE_M, this.distance(b)));
  }
}

export const createBeaconScanner: ByteDeviceFactory = (plan, ctx) => new BeaconScanner(plan, ctx);

/**
 * Corners first — (0,0), (W,0), (W,D), (0,D), a seeded one left out when there are 3 beacons —
 * then the rest evenly along the walls, counter-clockwise from a seeded start, kept 0.5 m clear
 * of the corners so no two beacons share a place; to 0.1 m.
 */
function beaconPlaces(
  room: { width: number; depth: number },
  count: number,
  rng: Rng,
): { x: number; y: number }[] {
  const { width: w, depth: d } = room;
  const corners = [
    { x: 0, y: 0 },
    { x: w, y: 0 },
    { x: w, y: d },
    { x: 0, y: d },
  ];
  if (count === 3) corners.splice(rng.int(0, 3), 1);
  const extra = Math.max(0, count - 4);
  const m = Math.min(0.5, w / 4, d / 4);
  const [sw, sd] = [w - 2 * m, d - 2 * m]; // usable length of each wall
  const length = 2 * (sw + sd);
  const start = rng.range(0, length);
  const walls = Array.from({ length: extra }, (_, i) => {
    const p = (start + (i * length) / extra) % length;
    const at =
      p < sw
        ? { x: m + p, y: 0 }
        : p < sw + sd
          ? { x: w, y: m + p - sw }
          : p < 2 * sw + sd
            ? { x: w - m - (p - sw - sd), y: d }
            : { x: 0, y: d - m - (p - 2 * sw - sd) };
    return { x: Math.round(at.x * 10) / 10, y: Math.round(at.y * 10) / 10 };
  });
  return [...corners, ...walls];
}

/** [CORE] Vol 6 Part B §1.3.2.1: a static random address has its two top bits set. */
function staticMac(rng: Rng): string {
  const bytes = Array.from({ length: 6 }, () => rng.int(0, 255));
  bytes[0] = bytes[0]! | 0xc0;
  return bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':');
}

/** RFC 9562 §5.4: random UUID, version 4, variant 10. */
function uuidV4(rng: Rng): string {
  const b = Array.from({ length: 16 }, () => rng.int(0, 255));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
