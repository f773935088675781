/**
 * Cellular modem: an LTE Cat-1 IoT module (Quectel EC20 class) on a UART, driven by AT commands
 * (ITU-T V.250, 3GPP TS 27.007) plus Quectel's serving-cell query AT+QENG="servingcell".
 *
 * The network it sees (cell table, registration, handovers, signal levels) is seeded and lives in
 * cellular-network.ts. What the host can change (echo, +CMEE, +CREG/+CEREG report modes, +COPS
 * format) is line state, not truth.
 */
import { parseCommandLine, splitLines } from '../../../protocols/codecs/at.js';
import type { AtCommand, AtParam } from '../../../protocols/codecs/at.js';
import {
  cmeResult,
  encodeFinal,
  encodeInfo,
  encodeUrc,
} from '../../../protocols/codecs/at-response.js';
import type { SerialDevicePlan } from '../plan.js';
import { Rng } from '../../../core/rng.js';
import { CellularNetwork, cellIdentity } from './network.js';
import type { ByteDevice, ByteDeviceContext, ByteDeviceFactory, ByteIntent } from '../model.js';

export const MANUFACTURER = 'IOTLAB';
export const MODEL = 'LC20';
export const REVISION = 'LC20CNR01A03';
/** Modules take a few ms to answer; the echo goes out at once. */
export const RESPONSE_DELAY_MS = 10;
const CFUN_RANGES: [number, number][] = [
  [0, 4],
  [0, 1],
]; // <fun>, <rst>
const ACT_EUTRAN = 7; // [27007] §7.3 <AcT> 7 = E-UTRAN

interface Settings {
  echo: boolean;
  cmee: number;
  creg: number;
  cereg: number;
  copsFormat: number;
}
/** Power-on values; ATZ and AT&F restore them. Quectel modules default to +CMEE=1. */
const DEFAULTS: Settings = { echo: true, cmee: 1, creg: 0, cereg: 0, copsFormat: 0 };

type Outcome = { info: string[] } | { fail: 'ERROR' | number };
const ok = (...info: string[]): Outcome => ({ info });
const ERROR: Outcome = { fail: 'ERROR' };
const cme = (code: number): Outcome => ({ fail: code });

interface Handler {
  test?: () => Outcome;
  read?: (t: number) => Outcome;
  set?: (params: AtParam[], t: number) => Outcome;
  exec?: (t: number) => Outcome;
}

export class CellularModem implements ByteDevice {
  readonly network: CellularNetwork;
  readonly imei: string;
  readonly imsi: string;
  private settings: Settings = { ...DEFAULTS };
  private pending: Buffer = Buffer.alloc(0);
  private overflow = false;
  private readonly handlers: Record<string, Handler>;

  constructor(
    readonly plan: SerialDevicePlan,
    ctx: ByteDeviceContext,
  ) {
    const spec = plan.spec;
    if (spec.kind !== 'cellular_modem') throw new TypeError('CellularModem needs a cellular_modem');
    this.network = new CellularNetwork(ctx.seed, plan.id, spec);
    const ids = new Rng(ctx.seed, plan.id, 'identity');
    const body = '86' + digits(ids, 12); // 86: reporting body of China (GSMA TAC allocation)
    this.imei = body + luhnDigit(body); // 3GPP TS 23.003 §6.2.1, check digit per Annex B
    const plmn = this.network.numeric();
    this.imsi = plmn + digits(ids, 15 - plmn.length);
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
    return this.network.nextChange(t);
  }

  /** [27007] §7.2 / §10.1.22: +CREG: <stat>[,<lac>,<ci>,<AcT>] when registration or cell changes. */
  emit(t: number): ByteIntent[] {
    const was = this.network.servingCell(t - 1);
    const is = this.network.servingCell(t);
    if (was === is) return [];
    const registered = is !== undefined;
    const intents: ByteIntent[] = [{ state: { registered, servingCell: is?.cellId ?? null } }];
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
    const net = this.network;
    const cell = net.servingCell(t);
    const s = net.signal(t);
    return {
      registered: cell !== undefined,
      imei: this.imei,
      imsi: this.imsi,
      operator: net.operator(),
      servingCell: cell ? cellIdentity(cell) : null,
      /** Where the published table puts the serving cell: the answer of cell-id positioning. */
      position: cell ? { lat: cell.lat, lon: cell.lon, rangeM: cell.rangeM } : null,
      modemPosition: net.location,
      rssi: s?.csq ?? 99,
      rssiDbm: s?.rssi ?? null,
      rsrp: s?.rsrp ?? null,
      rsrq: s?.rsrq ?? null,
      sinr: s?.sinr ?? null,
    };
  }

  cardInfo(): Record<string, unknown> {
    return { cellTable: this.network.cellTable() };
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
    const net = this.network;
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
        exec: (t) => ok(`+CSQ: ${net.signal(t)?.csq ?? 99},99`),
        test: () => ok('+CSQ: (0-31,99),(0-7,99)'),
      },
      '+CREG': reportMode('+CREG', 'creg'), // [27007] §7.2
      '+CEREG': reportMode('+CEREG', 'cereg'), // [27007] §10.1.22
      '+CGATT': {
        // [27007] §10.1.9: attached once registered; the lab does not let you detach
        read: (t) => ok(`+CGATT: ${net.servingCell(t) ? 1 : 0}`),
        test: () => ok('+CGATT: (0,1)'),
        set: (p) => {
          const v = ints(p, [[0, 1]]);
          return !v ? cme(50) : v[0] === 1 ? ok() : cme(3);
        },
      },
      '+COPS': {
        // [27007] §7.3: automatic selection only; mode 3 sets the <format> of the read answer
        read: (t) => {
          if (!net.servingCell(t)) return ok('+COPS: 0');
          const f = this.settings.copsFormat;
          return ok(`+COPS: 0,${f},"${net.operatorName(f)}",${ACT_EUTRAN}`);
        },
        test: () =>
          ok(
            `+COPS: (2,"${net.operatorName(0)}","${net.operatorName(1)}","${net.numeric()}",${ACT_EUTRAN}),,(0-4),(0-2)`,
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
    const c = this.network.servingCell(t);
    if (!c) return '2'; // not registered, searching
    if (n !== 2) return '1';
    return `1,"${hex(c.tac, 4)}","${hex(c.cellId, 8)}",${ACT_EUTRAN}`;
  }

  private servingCellLine(t: number): string {
    const s = this.network.signal(t);
    if (!s) return '+QENG: "servingcell","SEARCH"';
    const c = s.cell;
    const { mcc } = this.network;
    const mnc = String(this.network.mnc).padStart(2, '0');
    // state, RAT, duplex, MCC, MNC, cellID (hex), PCI, EARFCN, band, UL/DL bandwidth, TAC (hex),
    // RSRP, RSRQ, RSSI, SINR (dB), srxlev (RSRP − Qrxlevmin, Qrxlevmin = −128 dBm)
    return (
      `+QENG: "servingcell","NOCONN","LTE","${c.duplex}",${mcc},${mnc},${hex(c.cellId)},` +
      `${c.pci},${c.earfcn},${c.band},${c.bandwidth},${c.bandwidth},${hex(c.tac)},` +
      `${s.rsrp},${s.rsrq},${s.rssi},${s.sinr},${Math.max(0, s.rsrp + 128)}`
    );
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

function hex(n: number, width = 1): string {
  return n.toString(16).toUpperCase().padStart(width, '0');
}
