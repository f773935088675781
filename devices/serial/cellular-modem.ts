/**
 * Cellular modem: an LTE Cat-1 IoT module (Quectel EC20 class) on a UART, driven by AT commands
 * (ITU-T V.250, 3GPP TS 27.007) plus Quectel's serving-cell query AT+QENG="servingcell".
 *
 * The network is seeded: a table of `cells` LTE cells around a seeded spot in a Chinese city (the
 * table the lab publishes for base-station positioning), of which the nearest few can serve the
 * modem. It registers a few seconds after power-on and may hand over once per 10-minute window
 * (same windowing as devices/switch.ts), so the serving cell at t is a pure function of (seed, t).
 * Signal levels drift slowly (seeded knots every 20 s, interpolated). What the host can change
 * (echo, +CMEE, +CREG/+CEREG report modes, +COPS format) is line state, not truth.
 */
import {
  cmeResult,
  encodeFinal,
  encodeInfo,
  encodeUrc,
  parseCommandLine,
  splitLines,
} from '../../protocols/codecs/at.js';
import type { AtCommand, AtParam } from '../../protocols/codecs/at.js';
import type { SerialDevicePlan } from '../../simulator/plan.js';
import { Rng } from '../../simulator/rng.js';
import type { ByteDevice, ByteDeviceContext, ByteDeviceFactory, ByteIntent } from './model.js';

export const MANUFACTURER = 'IOTLAB';
export const MODEL = 'LC20';
export const REVISION = 'LC20CNR01A03';
/** Modules take a few ms to answer; the echo goes out at once. */
export const RESPONSE_DELAY_MS = 10;
const WINDOW_MS = 600_000;
const HANDOVER_PROBABILITY = 0.5;
const KNOT_MS = 20_000;
const CFUN_RANGES: [number, number][] = [
  [0, 4],
  [0, 1],
]; // <fun>, <rst>
const ACT_EUTRAN = 7; // [27007] §7.3 <AcT> 7 = E-UTRAN

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

interface Cell extends CellEntry {
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

interface Settings {
  echo: boolean;
  cmee: number;
  creg: number;
  cereg: number;
  copsFormat: number;
}
/** Power-on values; ATZ and AT&F restore them. Quectel modules default to +CMEE=1. */
const DEFAULTS: Settings = { echo: true, cmee: 1, creg: 0, cereg: 0, copsFormat: 0 };

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

type Outcome = { info: string[] } | { fail: 'ERROR' | number };
const ok = (...info: string[]): Outcome => ({ info });
const ERROR: Outcome = { fail: 'ERROR' };
const cme = (code: number): Outcome => ({ fail: code });

interface Window {
  /** Index into `campable` of the serving cell when the window starts. */
  start: number;
  handover: { at: number; to: number } | undefined;
}

interface Handler {
  test?: () => Outcome;
  read?: (t: number) => Outcome;
  set?: (params: AtParam[], t: number) => Outcome;
  exec?: (t: number) => Outcome;
}

export class CellularModem implements ByteDevice {
  readonly cells: Cell[];
  /** Indices into `cells` of the cells that can serve the modem. */
  readonly campable: number[];
  readonly location: { lat: number; lon: number };
  readonly imei: string;
  readonly imsi: string;
  readonly registeredAt: number;
  private readonly mcc: number;
  private readonly mnc: number;
  private readonly seed: number;
  private settings: Settings = { ...DEFAULTS };
  private pending: Buffer = Buffer.alloc(0);
  private overflow = false;
  /** Campable index at the start of each window, and the handover inside it. */
  private readonly windows: Window[] = [];
  private readonly firstCamp: number;
  private readonly handlers: Record<string, Handler>;

  constructor(
    readonly plan: SerialDevicePlan,
    ctx: ByteDeviceContext,
  ) {
    const spec = plan.spec;
    if (spec.kind !== 'cellular_modem') throw new TypeError('CellularModem needs a cellular_modem');
    this.seed = ctx.seed;
    this.mcc = spec.mcc;
    this.mnc = spec.mnc;
    const rng = new Rng(ctx.seed, plan.id, 'network');
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
    const ids = new Rng(ctx.seed, plan.id, 'identity');
    const body = '86' + digits(ids, 12); // 86: reporting body of China (GSMA TAC allocation)
    this.imei = body + luhnDigit(body); // 3GPP TS 23.003 §6.2.1, check digit per Annex B
    const plmn = this.numeric();
    this.imsi = plmn + digits(ids, 15 - plmn.length);
    this.registeredAt = new Rng(ctx.seed, plan.id, 'attach').int(3000, 8000);
    this.firstCamp = new Rng(ctx.seed, plan.id, 'camp').int(0, near - 1);
    this.handlers = this.commands();
  }

  receive(bytes: Buffer, t: number): ByteIntent[] {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, bytes]) : bytes;
    const seen = this.pending.length; // already echoed when it arrived
    const before = { ...this.settings };
    const out = new Output();
    const { lines, rest, error } = splitLines(buf);
    let tail = seen;
    for (const line of lines) {
      if (this.settings.echo) out.now(buf.subarray(Math.max(line.start, seen), line.end));
      tail = Math.max(seen, line.end);
      if (this.overflow) {
        this.overflow = false; // the end of an over-long line: one ERROR for all of it
        out.reply(encodeFinal({ kind: 'error' }));
      } else out.reply(this.execute(line.text, t));
    }
    if (this.settings.echo) out.now(buf.subarray(tail));
    this.overflow ||= error !== undefined;
    this.pending = Buffer.from(rest);
    const changed = Object.fromEntries(
      Object.entries(this.settings).filter(([k, v]) => before[k as keyof Settings] !== v),
    );
    const state: ByteIntent[] = Object.keys(changed).length > 0 ? [{ state: changed }] : [];
    return [...state, ...out.intents()];
  }

  /** Registration and handovers: the times the +CREG/+CEREG URCs may speak. */
  nextEmission(t: number): number | undefined {
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

  /** [27007] §7.2 / §10.1.22: +CREG: <stat>[,<lac>,<ci>,<AcT>] when registration or cell changes. */
  emit(t: number): ByteIntent[] {
    const was = this.servingIndex(t - 1);
    const is = this.servingIndex(t);
    if (was === is) return [];
    const registered = is !== undefined;
    const intents: ByteIntent[] = [
      { state: { registered, servingCell: registered ? this.cells[is]!.cellId : null } },
    ];
    const statChanged = (was === undefined) !== (is === undefined);
    for (const [name, n] of [
      ['+CREG', this.settings.creg],
      ['+CEREG', this.settings.cereg],
    ] as const)
      if (n === 2 || (n === 1 && statChanged))
        intents.push({ send: encodeUrc(`${name}: ${this.registration(n, t)}`) });
    return intents;
  }

  truth(t: number): Record<string, unknown> {
    const i = this.servingIndex(t);
    const cell = i === undefined ? undefined : this.cells[i];
    const s = this.signal(t);
    return {
      registered: cell !== undefined,
      imei: this.imei,
      imsi: this.imsi,
      operator: {
        numeric: this.numeric(),
        long: this.operatorName(0),
        short: this.operatorName(1),
      },
      servingCell: cell ? identity(cell) : null,
      /** Where the published table puts the serving cell: the answer of cell-id positioning. */
      position: cell ? { lat: cell.lat, lon: cell.lon, rangeM: cell.rangeM } : null,
      modemPosition: this.location,
      rssi: s?.csq ?? 99,
      rssiDbm: s?.rssi ?? null,
      rsrp: s?.rsrp ?? null,
      rsrq: s?.rsrq ?? null,
      sinr: s?.sinr ?? null,
    };
  }

  cardInfo(): Record<string, unknown> {
    return { cellTable: this.cells.map((c) => tableEntry(c)) };
  }

  /** Index into `cells` of the serving cell at t; undefined before registration. */
  servingIndex(t: number): number | undefined {
    if (!(t >= this.registeredAt)) return undefined;
    const w = Math.floor(t / WINDOW_MS);
    const win = this.window(w);
    const k = win.handover && t >= win.handover.at ? win.handover.to : win.start;
    return this.campable[k];
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
    const rng = new Rng(this.seed, this.plan.id, 'handover', w);
    const happens = rng.float() < HANDOVER_PROBABILITY;
    const at = w * WINDOW_MS + Math.floor(rng.float() * WINDOW_MS);
    const pick = rng.int(0, Math.max(0, k - 2));
    if (k < 2 || !happens || at <= this.registeredAt) return undefined;
    return { at, to: pick >= from ? pick + 1 : pick };
  }

  /** Radio measurements at t, integers as the modem prints them; undefined when unregistered. */
  private signal(t: number) {
    const i = this.servingIndex(t);
    if (i === undefined) return undefined;
    const c = this.cells[i]!;
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

  /** Slow seeded fading: standard-normal knots every 20 s, linearly interpolated. */
  private drift(kind: string, t: number): number {
    const k = Math.floor(t / KNOT_MS);
    const f = t / KNOT_MS - k;
    const a = new Rng(this.seed, this.plan.id, kind, k).normal();
    const b = new Rng(this.seed, this.plan.id, kind, k + 1).normal();
    return a + (b - a) * f;
  }

  private execute(text: string, t: number): Buffer {
    const parsed = parseCommandLine(text);
    if (!parsed.ok) return encodeFinal({ kind: 'error' });
    if (parsed.blank) return Buffer.alloc(0); // V.250 §5.2.1: no prefix, no answer
    const parts: Buffer[] = [];
    for (const cmd of parsed.commands) {
      const r = this.run(cmd, t);
      if ('fail' in r) {
        // [V250] §5.2.3 / [27007] §9.1: the first error ends the line; later commands do not run.
        const final =
          r.fail === 'ERROR' ? { kind: 'error' as const } : cmeResult(r.fail, this.settings.cmee);
        return Buffer.concat([...parts, encodeFinal(final)]);
      }
      parts.push(encodeInfo(r.info));
    }
    return Buffer.concat([...parts, encodeFinal({ kind: 'ok' })]);
  }

  private run(cmd: AtCommand, t: number): Outcome {
    if (cmd.type === 'basic') {
      const v = cmd.value ?? 0;
      switch (cmd.name) {
        case 'E': // [V250] §6.2.4 echo
          if (v > 1) return ERROR;
          this.settings.echo = v === 1;
          return ok();
        case 'I': // [V250] §6.1.3 identification
          return v === 0 ? ok(MANUFACTURER, MODEL, `Revision: ${REVISION}`) : ERROR;
        case 'Z': // [V250] §6.1.1 reset to the stored profile; &F §6.1.2 factory defaults
        case '&F':
          if (v !== 0) return ERROR;
          this.settings = { ...DEFAULTS };
          return ok();
        default:
          return ERROR;
      }
    }
    const h = this.handlers[cmd.name];
    // A command we do not know, or a form it does not have, is a plain ERROR (V.250 §5.4.1).
    if (!h) return ERROR;
    switch (cmd.type) {
      case 'test':
        return h.test ? h.test() : ERROR;
      case 'read':
        return h.read ? h.read(t) : ERROR;
      case 'exec':
        return h.exec ? h.exec(t) : ERROR;
      case 'set':
        return h.set ? h.set(cmd.params, t) : ERROR;
    }
  }

  private commands(): Record<string, Handler> {
    const ident = (value: () => string): Handler => ({ exec: () => ok(value()), test: () => ok() });
    const reportMode = (name: '+CREG' | '+CEREG', key: 'creg' | 'cereg'): Handler => ({
      test: () => ok(`${name}: (0-2)`),
      read: (t) => ok(`${name}: ${this.settings[key]},${this.registration(this.settings[key], t)}`),
      set: (p) => {
        const [n] = ints(p, [[0, 2]]) ?? [];
        if (n === undefined) return cme(50);
        this.settings[key] = n;
        return ok();
      },
    });
    return {
      '+CGMI': ident(() => MANUFACTURER), // [27007] §5.1
      '+GMI': ident(() => MANUFACTURER), // [V250] §6.1.4
      '+CGMM': ident(() => MODEL), // [27007] §5.2
      '+GMM': ident(() => MODEL),
      '+CGMR': ident(() => REVISION), // [27007] §5.3
      '+GMR': ident(() => REVISION),
      '+CGSN': ident(() => this.imei), // [27007] §5.4
      '+GSN': ident(() => this.imei),
      '+CIMI': ident(() => this.imsi), // [27007] §5.6
      '+CPIN': {
        // [27007] §8.3: the SIM needs no PIN, so entering one is not allowed
        read: () => ok('+CPIN: READY'),
        test: () => ok(),
        set: (p) => (p.length >= 1 && p.length <= 2 && p.every(isText) ? cme(3) : cme(50)),
      },
      '+CFUN': {
        // [27007] §8.2: the lab keeps the radio on (0 and 4 would deregister)
        read: () => ok('+CFUN: 1'),
        test: () => ok('+CFUN: (0,1,4),(0,1)'),
        set: (p) => {
          const v = ints(p, CFUN_RANGES, 1);
          if (!v || v[0] === 2 || v[0] === 3) return cme(50);
          return v[0] === 1 ? ok() : cme(3);
        },
      },
      '+CSQ': {
        // [27007] §8.5; <ber> is not measured on LTE, so 99
        exec: (t) => ok(`+CSQ: ${this.signal(t)?.csq ?? 99},99`),
        test: () => ok('+CSQ: (0-31,99),(0-7,99)'),
      },
      '+CREG': reportMode('+CREG', 'creg'), // [27007] §7.2
      '+CEREG': reportMode('+CEREG', 'cereg'), // [27007] §10.1.22
      '+CGATT': {
        // [27007] §10.1.9: attached once registered; the lab does not let you detach
        read: (t) => ok(`+CGATT: ${this.servingIndex(t) === undefined ? 0 : 1}`),
        test: () => ok('+CGATT: (0,1)'),
        set: (p) => {
          const v = ints(p, [[0, 1]]);
          return !v ? cme(50) : v[0] === 1 ? ok() : cme(3);
        },
      },
      '+COPS': {
        // [27007] §7.3: automatic selection only; mode 3 sets the <format> of the read answer
        read: (t) => {
          if (this.servingIndex(t) === undefined) return ok('+COPS: 0');
          const f = this.settings.copsFormat;
          return ok(`+COPS: 0,${f},"${this.operatorName(f)}",${ACT_EUTRAN}`);
        },
        test: () =>
          ok(
            `+COPS: (2,"${this.operatorName(0)}","${this.operatorName(1)}","${this.numeric()}",${ACT_EUTRAN}),,(0-4),(0-2)`,
          ),
        set: (p) => {
          const mode = p[0];
          const format = p[1] ?? null;
          if (typeof mode !== 'number' || mode > 4) return cme(50);
          if (format !== null && (typeof format !== 'number' || format > 2)) return cme(50);
          if (mode !== 0 && mode !== 3) return cme(3);
          if (p.length > 2 || (mode === 3 && format === null)) return cme(50);
          if (format !== null) this.settings.copsFormat = format;
          return ok();
        },
      },
      '+CMEE': {
        // [27007] §9.1
        read: () => ok(`+CMEE: ${this.settings.cmee}`),
        test: () => ok('+CMEE: (0-2)'),
        set: (p) => {
          const v = ints(p, [[0, 2]]);
          if (!v) return cme(50);
          this.settings.cmee = v[0]!;
          return ok();
        },
      },
      '+QENG': {
        // Quectel EC2x AT manual, AT+QENG="servingcell" (LTE layout)
        test: () => ok('+QENG: ("servingcell")'),
        set: (p, t) =>
          p.length === 1 && typeof p[0] === 'string' && p[0].toLowerCase() === 'servingcell'
            ? ok(this.servingCellLine(t))
            : cme(50),
      },
    };
  }

  /** <stat>[,"<tac>","<ci>",<AcT>]: the part of +CREG/+CEREG after <n>. */
  private registration(n: number, t: number): string {
    const i = this.servingIndex(t);
    if (i === undefined) return '2'; // not registered, searching
    if (n !== 2) return '1';
    const c = this.cells[i]!;
    return `1,"${hex(c.tac, 4)}","${hex(c.cellId, 8)}",${ACT_EUTRAN}`;
  }

  private servingCellLine(t: number): string {
    const s = this.signal(t);
    if (!s) return '+QENG: "servingcell","SEARCH"';
    const c = s.cell;
    const mnc = String(this.mnc).padStart(2, '0');
    // state, RAT, duplex, MCC, MNC, cellID (hex), PCI, EARFCN, band, UL/DL bandwidth, TAC (hex),
    // RSRP, RSRQ, RSSI, SINR (dB), srxlev (RSRP − Qrxlevmin, Qrxlevmin = −128 dBm)
    return (
      `+QENG: "servingcell","NOCONN","LTE","${c.duplex}",${this.mcc},${mnc},${hex(c.cellId)},` +
      `${c.pci},${c.earfcn},${c.band},${c.bandwidth},${c.bandwidth},${hex(c.tac)},` +
      `${s.rsrp},${s.rsrq},${s.rssi},${s.sinr},${Math.max(0, s.rsrp + 128)}`
    );
  }

  private numeric(): string {
    return String(this.mcc).padStart(3, '0') + String(this.mnc).padStart(2, '0');
  }

  /** +COPS <oper> in <format> 0 (long), 1 (short) or 2 (numeric). */
  private operatorName(format: number): string {
    const plmn = this.numeric();
    const known = OPERATORS.find(([re]) => re.test(plmn));
    if (format === 2 || !known) return plmn;
    return format === 0 ? known[1] : known[2];
  }
}

/** Output of one receive: echo at once, each answer RESPONSE_DELAY_MS after what came before. */
class Output {
  private readonly parts: { bytes: Buffer; delayMs: number }[] = [];
  private delayMs = 0;

  now(bytes: Buffer): void {
    this.push(bytes);
  }

  reply(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.delayMs += RESPONSE_DELAY_MS;
    this.push(bytes);
  }

  intents(): ByteIntent[] {
    return this.parts.map((p) =>
      p.delayMs > 0 ? { send: p.bytes, delayMs: p.delayMs } : { send: p.bytes },
    );
  }

  private push(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const last = this.parts.at(-1);
    if (last && last.delayMs === this.delayMs) last.bytes = Buffer.concat([last.bytes, bytes]);
    else this.parts.push({ bytes: Buffer.from(bytes), delayMs: this.delayMs });
  }
}

export const createCellularModem: ByteDeviceFactory = (plan, ctx) => new CellularModem(plan, ctx);

function identity({ mcc, mnc, tac, cellId, pci, earfcn, band }: Cell) {
  return { mcc, mnc, tac, cellId, pci, earfcn, band };
}

function tableEntry(c: Cell): CellEntry {
  const { radio, mcc, mnc, tac, cellId, lat, lon, rangeM } = c;
  return { radio, mcc, mnc, tac, cellId, lat, lon, rangeM };
}

/** Integer parameters within ranges; the first `required` must be present. Else undefined. */
function ints(
  params: AtParam[],
  ranges: [number, number][],
  required = ranges.length,
): number[] | undefined {
  if (params.length < required || params.length > ranges.length) return undefined;
  const out: number[] = [];
  for (const [i, p] of params.entries()) {
    const [lo, hi] = ranges[i]!;
    if (typeof p !== 'number' || p < lo || p > hi) return undefined;
    out.push(p);
  }
  return out;
}

function isText(p: AtParam): boolean {
  return typeof p === 'string';
}

function digits(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(rng.int(0, 9));
  return s;
}

/** Luhn check digit: double every second digit from the right, starting with the rightmost. */
export function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

function offset(o: { lat: number; lon: number }, eastM: number, northM: number) {
  const m = 111_320; // metres per degree of latitude (and of longitude at the equator)
  return {
    lat: round6(o.lat + northM / m),
    lon: round6(o.lon + eastM / (m * Math.cos((o.lat * Math.PI) / 180))),
  };
}

function hex(n: number, width = 1): string {
  return n.toString(16).toUpperCase().padStart(width, '0');
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
