/**
 * Barcode/QR scanner (kind `barcode_scanner`): a scanner module in serial mode that prints each
 * code it reads as one line, text + suffix (CR, LF, CRLF or none), optionally behind an AIM
 * symbology identifier. Protocol details: protocols/codecs/barcode.ts and
 * docs/protocols/barcode-scanner.md.
 *
 * Everything scheduled is a pure function of (spec, seed, t):
 * - Catalogue: per enabled symbology a few seeded codes (`codeCatalogue`): EAN-13 products of
 *   one GS1 China company (prefix 690–699), plus — when invalidRatio > 0 — two misprinted
 *   labels whose check digit is wrong; Code 128 serial/asset labels; QR codes holding plain
 *   text, a URL and a JSON object. The card lists them with an image path for each.
 * - Scans: a Poisson process of mean interval meanIntervalS. As in devices/field/switch.ts each
 *   10-minute window draws its own scans from its own stream, so the scans up to t need no
 *   replay. Scan i of window w picks, from stream (w, i): a symbology (uniform over the enabled
 *   ones), then for EAN-13 a misprint with probability invalidRatio, then a code of that group.
 * - Faults: scans that fall while the device is offline or unresponsive are not sent (the
 *   runtime drops them); truth marks them `delivered: false`.
 * - Noise (`noise`): at each listed time a line that is not a code: `cut`, the tail (5–11
 *   digits) of an EAN-13 product code; `garbled`, a product code with one digit replaced by a
 *   non-digit. Drawn from ('noise', i); never an AIM prefix. Truth lists them as `noise`, apart
 *   from the scans.
 *
 * What depends on the host (and is therefore recorded as `device.state` evidence):
 * - `SYN T CR` (trigger): ACK at once, and a read DECODE_MS later. Trigger n (0-based, per lab
 *   run) picks its code from stream ('trigger', n) the same way; truth lists it with source
 *   'trigger'.
 * - `SYN M CR AIMID1!` / `AIMID0!` / `AIMID?!`: AIM identifier prefix on, off, query.
 * - `SYN U CR`: ACK (a triggered read completes at once, so there is nothing to release).
 * Everything else is ignored; framing errors inside a `SYN` command are answered NAK.
 */
import { isOnline, responsiveness } from '../../../core/faults.js';
import { LabError } from '../../../core/errors.js';
import type { SerialDevicePlan } from '../plan.js';
import { Rng } from '../../../core/rng.js';
import type { BarcodeScannerSpec } from './scenario.js';
import {
  ACK,
  AIM_IDS,
  NAK,
  SUFFIX_BYTES,
  ean13,
  ean13CheckDigit,
  encodeMenuReply,
  encodeScan,
  parseHostCommands,
} from '../../../protocols/codecs/barcode.js';
import type { HostCommand, MenuStatus, Symbology } from '../../../protocols/codecs/barcode.js';
import type { ByteDevice, ByteDeviceContext, ByteDeviceFactory, ByteIntent } from '../model.js';

const WINDOW_MS = 600_000;
/** How far nextEmission looks ahead: one day of windows. */
const LOOKAHEAD_WINDOWS = 145;
/** Time from a trigger command to the scan line: a typical imager's decode time. */
export const DECODE_MS = 100;
const ORDER: readonly Symbology[] = ['ean13', 'code128', 'qr'];
const PRODUCTS = 6;
const MISPRINTS = 2;
const LABELS = 4;

export type CodeKind = 'product' | 'misprint' | 'serial' | 'asset' | 'text' | 'url' | 'json';

export interface CatalogueCode {
  index: number;
  symbology: Symbology;
  kind: CodeKind;
  text: string;
  /** False only for EAN-13 misprints (wrong check digit). */
  valid: boolean;
}

export interface NoiseLine {
  t: number;
  kind: 'cut' | 'garbled';
  text: string;
  delivered: boolean;
}

export interface Scan {
  /** Lab time (ms) the line starts on the wire (before any `slow` fault delay). */
  t: number;
  source: 'schedule' | 'trigger';
  index: number;
  symbology: Symbology;
  text: string;
  valid: boolean;
  /** False when an offline / no-response fault swallowed it. */
  delivered: boolean;
}

type ScanDraw = Omit<Scan, 'delivered'>;

function specOf(plan: SerialDevicePlan): BarcodeScannerSpec {
  if (plan.spec.kind !== 'barcode_scanner')
    throw new LabError(
      'SCENARIO_INVALID',
      `${plan.id} is a ${plan.spec.kind}, not a barcode_scanner`,
      { device: plan.id },
    );
  return plan.spec;
}

/** The seeded codes of a scanner, in card order (EAN-13, Code 128, QR; enabled ones only). */
export function codeCatalogue(plan: SerialDevicePlan, seed: number): CatalogueCode[] {
  const spec = specOf(plan);
  const rng = new Rng(seed, plan.id, 'catalogue');
  const out: Omit<CatalogueCode, 'index'>[] = [];
  for (const symbology of ORDER.filter((s) => spec.symbologies.includes(s))) {
    if (symbology === 'ean13') {
      // One company of GS1 China: 69x + 4-digit company number + 5-digit item reference.
      const company = `69${rng.int(0, 9)}${String(rng.int(0, 9999)).padStart(4, '0')}`;
      const items = distinct(PRODUCTS + MISPRINTS, () => String(rng.int(0, 99_999)));
      items.slice(0, PRODUCTS).forEach((item) => {
        const text = ean13(company + item.padStart(5, '0'));
        out.push({ symbology, kind: 'product', text, valid: true });
      });
      if (spec.invalidRatio > 0)
        items.slice(PRODUCTS).forEach((item) => {
          const base = company + item.padStart(5, '0');
          const wrong = (ean13CheckDigit(base) + rng.int(1, 9)) % 10;
          out.push({ symbology, kind: 'misprint', text: base + String(wrong), valid: false });
        });
    } else if (symbology === 'code128') {
      const numbers = distinct(LABELS, () => String(rng.int(1, 999_999)).padStart(6, '0'));
      numbers.forEach((n, i) => {
        const kind = i % 2 === 0 ? 'serial' : 'asset';
        out.push({
          symbology,
          kind,
          text: `${kind === 'serial' ? 'SN' : 'AS'}-2026-${n}`,
          valid: true,
        });
      });
    } else {
      for (const kind of ['text', 'url', 'json'] as const)
        out.push({ symbology, kind, text: qrText(kind, rng), valid: true });
    }
  }
  return out.map((c, index) => ({ index, ...c }));
}

function qrText(kind: 'text' | 'url' | 'json', rng: Rng): string {
  const digits = (n: number): string => String(rng.int(0, 10 ** n - 1)).padStart(n, '0');
  switch (kind) {
    case 'text':
      return rng.pick([
        () => `Pallet P-${digits(4)} checked at dock ${rng.int(1, 9)}`,
        () => `Work order WO-2026-${digits(4)} ready for pickup`,
        () => `Cold chain box ${rng.hex(4).toUpperCase()} sealed at 4 C`,
      ])();
    case 'url':
      // example.com is reserved for documentation (RFC 2606 §3): no real site is named.
      return `https://trace.example.com/p/${rng.hex(10)}`;
    case 'json': {
      const month = String(rng.int(1, 12)).padStart(2, '0');
      const day = String(rng.int(1, 28)).padStart(2, '0');
      return JSON.stringify({
        sku: `SKU-${rng.hex(4).toUpperCase()}`,
        qty: rng.int(1, 24),
        lot: `L2026${month}${day}-${digits(2)}`,
      });
    }
  }
}

function distinct(n: number, draw: () => string): string[] {
  const seen = new Set<string>();
  while (seen.size < n) seen.add(draw());
  return [...seen];
}

/** Relative path of a code's PNG; the runtime serves it under the device's file base URL. */
export function codeImagePath(index: number): string {
  return `codes/${index}.png`;
}

export class BarcodeScanner implements ByteDevice {
  private readonly spec: BarcodeScannerSpec;
  private readonly seed: number;
  private readonly ctx: ByteDeviceContext;
  readonly catalogue: readonly CatalogueCode[];
  private readonly groups = new Map<string, CatalogueCode[]>();
  private readonly windows = new Map<number, ScanDraw[]>();
  private readonly triggered: ScanDraw[] = [];
  private input: Buffer = Buffer.alloc(0);
  private aim = false;
  private readonly noise: Omit<NoiseLine, 'delivered'>[];

  constructor(
    readonly plan: SerialDevicePlan,
    ctx: ByteDeviceContext,
  ) {
    this.spec = specOf(plan);
    this.seed = ctx.seed;
    this.ctx = ctx;
    this.catalogue = codeCatalogue(plan, ctx.seed);
    for (const c of this.catalogue) {
      const key = `${c.symbology}:${c.valid}`;
      this.groups.set(key, [...(this.groups.get(key) ?? []), c]);
    }
    this.noise = this.noiseLines();
  }

  /** The scenario's noise lines, in time order (see the header). */
  private noiseLines(): Omit<NoiseLine, 'delivered'>[] {
    const products = this.catalogue.filter((c) => c.kind === 'product');
    const out = this.spec.noise.map(({ at, kind }, i) => {
      const rng = new Rng(this.seed, this.plan.id, 'noise', i);
      const code = products.length > 0 ? rng.pick(products).text : '6901234567892';
      let text: string;
      if (kind === 'cut') text = code.slice(rng.int(2, 8));
      else {
        const pos = rng.int(0, code.length - 1);
        text = code.slice(0, pos) + rng.pick(['?', '#', '*', 'O']) + code.slice(pos + 1);
      }
      return { t: Math.round(at * 1000), kind, text };
    });
    return out.sort((a, b) => a.t - b.t);
  }

  /** One read: symbology, then (EAN-13) misprint or not, then the code — all from one stream. */
  private draw(rng: Rng): CatalogueCode {
    const symbology = rng.pick(this.spec.symbologies);
    const misprint = symbology === 'ean13' && rng.float() < this.spec.invalidRatio;
    return rng.pick(this.groups.get(`${symbology}:${!misprint}`) ?? []);
  }

  /** Scheduled scans starting in window w (lab time [w·10 min, (w+1)·10 min)). */
  scansInWindow(w: number): ScanDraw[] {
    const hit = this.windows.get(w);
    if (hit) return hit;
    const rng = new Rng(this.seed, this.plan.id, 'scans', w);
    const scans: ScanDraw[] = [];
    let t = w * WINDOW_MS;
    for (let i = 0; ; i++) {
      t += rng.exponential(this.spec.meanIntervalS * 1000);
      if (t >= (w + 1) * WINDOW_MS) break;
      const at = Math.floor(t);
      if (at === 0) continue; // the runtime asks for emissions after t = 0
      const code = this.draw(new Rng(this.seed, this.plan.id, 'scan', w, i));
      scans.push({ t: at, source: 'schedule', ...pickCode(code) });
    }
    if (this.windows.size > 1024) this.windows.clear();
    this.windows.set(w, scans);
    return scans;
  }

  receive(bytes: Buffer, t: number): ByteIntent[] {
    const { items, rest } = parseHostCommands(Buffer.concat([this.input, bytes]));
    this.input = Buffer.from(rest);
    const out: ByteIntent[] = [];
    for (const item of items) {
      if (item instanceof LabError) out.push({ send: Buffer.from([NAK]) });
      else out.push(...this.command(item, t));
    }
    return out;
  }

  private command(cmd: HostCommand, t: number): ByteIntent[] {
    if (cmd.type === 'untrigger') return [{ send: Buffer.from([ACK]) }];
    if (cmd.type === 'trigger') {
      const n = this.triggered.length;
      const code = this.draw(new Rng(this.seed, this.plan.id, 'trigger', n));
      const scan: ScanDraw = { t: t + DECODE_MS, source: 'trigger', ...pickCode(code) };
      this.triggered.push(scan);
      return [
        { send: Buffer.from([ACK]) },
        { send: this.line(scan), delayMs: DECODE_MS },
        { state: { trigger: n, scan } },
      ];
    }
    const { status, reply } = this.menu(cmd.body);
    const out: ByteIntent[] = [{ send: encodeMenuReply(reply, status, cmd.terminator) }];
    if (status === 'ack' && !cmd.body.endsWith('?')) out.push({ state: { aimId: this.aim } });
    return out;
  }

  /** Menu tags: only AIMID (0 off, 1 on, ? query). */
  private menu(body: string): { status: MenuStatus; reply: string } {
    const m = /^([A-Z]+)([0-9?]*)$/.exec(body);
    if (m?.[1] !== 'AIMID') return { status: 'enq', reply: body };
    if (m[2] === '?') return { status: 'ack', reply: `AIMID${this.aim ? 1 : 0}` };
    if (m[2] !== '0' && m[2] !== '1') return { status: 'nak', reply: body };
    this.aim = m[2] === '1';
    return { status: 'ack', reply: body };
  }

  private line(scan: ScanDraw): Buffer {
    return encodeScan(scan.text, this.spec.suffix, this.aim ? scan.symbology : undefined);
  }

  nextEmission(t: number): number | undefined {
    const noise = this.noise.find((n) => n.t > t)?.t;
    const w = Math.max(0, Math.floor(t / WINDOW_MS));
    for (let ww = w; ww < w + LOOKAHEAD_WINDOWS; ww++) {
      const next = this.scansInWindow(ww).find((s) => s.t > t);
      if (next) return noise === undefined ? next.t : Math.min(noise, next.t);
    }
    return noise;
  }

  emit(t: number): ByteIntent[] {
    if (t < 0) return [];
    return [
      ...this.scansInWindow(Math.floor(t / WINDOW_MS))
        .filter((s) => s.t === t)
        .map((s) => ({ send: this.line(s) })),
      ...this.noise
        .filter((n) => n.t === t)
        .map((n) => ({ send: encodeScan(n.text, this.spec.suffix) })),
    ];
  }

  /** Every scan up to t, scheduled and triggered, in time order. */
  scansUpTo(t: number): Scan[] {
    const scheduled: ScanDraw[] = [];
    for (let w = 0; w <= Math.floor(t / WINDOW_MS); w++)
      scheduled.push(...this.scansInWindow(w).filter((s) => s.t <= t));
    const all = [...scheduled, ...this.triggered.filter((s) => s.t <= t)];
    all.sort((a, b) => a.t - b.t);
    return all.map((s) => ({
      ...s,
      // Triggers only reach the device while it answers; scheduled reads may fall in a fault.
      delivered: responsiveness(this.ctx.faults.activeAt(this.plan.id, s.t)).respond,
    }));
  }

  truth(t: number): Record<string, unknown> {
    const scans = t < 0 ? [] : this.scansUpTo(t);
    const delivered = scans.filter((s) => s.delivered);
    const active = this.ctx.faults.activeAt(this.plan.id, t);
    return {
      suffix: this.spec.suffix,
      aimId: this.aim,
      count: delivered.length,
      invalidCount: delivered.filter((s) => !s.valid).length,
      last: delivered.at(-1) ?? null,
      scans,
      noise: this.noise
        .filter((n) => n.t <= t)
        .map((n) => ({
          ...n,
          delivered: responsiveness(this.ctx.faults.activeAt(this.plan.id, n.t)).respond,
        })),
      online: isOnline(active),
      faults: active.map((f) => f.type),
    };
  }

  cardInfo(): Record<string, unknown> {
    return {
      suffix: this.spec.suffix,
      suffixHex: SUFFIX_BYTES[this.spec.suffix].toString('hex').toUpperCase(),
      symbologies: this.spec.symbologies,
      meanIntervalS: this.spec.meanIntervalS,
      aimIds: Object.fromEntries(this.spec.symbologies.map((s) => [s, AIM_IDS[s]])),
      commands: {
        trigger: '16 54 0D',
        untrigger: '16 55 0D',
        aimOn: '16 4D 0D "AIMID1!"',
        aimOff: '16 4D 0D "AIMID0!"',
        aimQuery: '16 4D 0D "AIMID?!"',
      },
      // Only what a candidate may know: reading the text and judging the check digit is the
      // task, so the contents and their validity stay in truth, not on the card.
      codes: this.catalogue.map((c) => ({
        index: c.index,
        symbology: c.symbology,
        image: codeImagePath(c.index),
      })),
    };
  }
}

function pickCode(c: CatalogueCode): Omit<ScanDraw, 't' | 'source'> {
  return { index: c.index, symbology: c.symbology, text: c.text, valid: c.valid };
}

export const createBarcodeScanner: ByteDeviceFactory = (plan, ctx) => new BarcodeScanner(plan, ctx);
