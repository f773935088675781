/**
 * RFID reader module (kind `rfid_reader`): a 13.56 MHz ISO 14443A reader for Mifare Classic 1K
 * cards on a serial line, speaking the frames of protocols/codecs/rfid-frame.ts and rfid.ts
 * (docs/protocols/rfid-reader.md is what candidates read).
 *
 * Cards. `cards` seeded cards (stream (seed, id, 'card', i)): a unique 4-byte UID, block 0 with
 * UID, BCC, SAK, ATQA and manufacturer bytes; sector 1 holds an ASCII record (an employee badge
 * or a product tag); one or two seeded sectors (2–15) hold more ASCII behind seeded keys A/B with
 * access bits 78 77 88 (data: read A|B, write B); every other sector has the transport keys
 * FFFFFFFFFFFF and access bits FF 07 80. `cardInfo()` lists all of it, keys included.
 *
 * Visits. At most one card is in the field. Lab time is cut into windows (10 min, longer when
 * holdS is long); each window draws its visits from its own stream (seed, id, 'visits', w), like
 * devices/switch.ts, so presence at t needs no replay: after a dead zone of the longest hold
 * (the previous window's last card leaves in it), the field stays empty Exp(meanIntervalS), then
 * a uniformly drawn card stays holdS × U(0.75, 1.25), and so on.
 *
 * Card state per visit ([14443-3] PICC states, [MF1S50] §9): a card enters IDLE. Request → READY;
 * anticollision (READY) → UID; select (READY, its UID) → ACTIVE; authenticate (ACTIVE) a sector;
 * read/write blocks of that sector as its access bits allow; halt → HALT (only a WUPA request
 * wakes it). A failed authentication drops the card to IDLE, as a real card does. Memory written
 * persists on the card across visits.
 *
 * Intents: every reply goes `RESPONSE_DELAY_MS` after the request. State: `{ autoReport }` when
 * the host changes it, `{ write: {...} }` for every block written, `{ cardPresent, uid, cardIndex }`
 * at every arrival and departure (emitted at the visit edges, with the auto-report frame).
 */
import { LabError } from '../../simulator/errors.js';
import type { SerialDevicePlan } from '../../simulator/plan.js';
import { Rng } from '../../simulator/rng.js';
import type { RfidReaderSpec } from '../../simulator/scenario-serial.js';
import {
  BLOCK_SIZE,
  ERROR_STATUS,
  MIFARE_1K,
  STATUS,
  bcc,
  decodeFrame,
} from '../../protocols/codecs/rfid-frame.js';
import type { ErrorStatus } from '../../protocols/codecs/rfid-frame.js';
import { encodeResponse, parseRequest } from '../../protocols/codecs/rfid.js';
import type { RfidReply, RfidRequest, RfidResponse } from '../../protocols/codecs/rfid.js';
import { RfidSplitter } from '../../protocols/codecs/rfid-splitter.js';
import type { SplitEvent } from '../../protocols/codecs/rfid-splitter.js';
import {
  dataAccess,
  decodeAccessBits,
  encodeAccessBits,
  trailerAccess,
} from '../../protocols/codecs/rfid-access.js';
import type { KeyType } from '../../protocols/codecs/rfid-access.js';
import type { ByteDevice, ByteDeviceContext, ByteDeviceFactory, ByteIntent } from './model.js';

/** Processing time of the module before it answers. */
export const RESPONSE_DELAY_MS = 5;
/** Bytes of one frame must follow each other within this time, or the frame is given up. */
export const FRAME_TIMEOUT_MS = 100;
export const READER_MODEL = 'IOTLAB-RC1356';
export const FIRMWARE = { major: 1, minor: 2 } as const;
export const DEFAULT_KEY = Buffer.alloc(6, 0xff);
/** [MF1S50] §8.7.3: transport configuration FF 07 80, general-purpose byte 69. */
const TRANSPORT_ACCESS = Buffer.from([0xff, 0x07, 0x80, 0x69]);
/** Data blocks read A|B / write B; trailer written with key B (condition 011). */
const KEYED_ACCESS = Buffer.concat([encodeAccessBits([4, 4, 4, 3]), Buffer.of(0x69)]);
const BASE_WINDOW_MS = 600_000;
/** How far nextEmission looks for a card edge before it settles for a wake-up with nothing to do. */
const HORIZON_MS = 86_400_000;

const NAMES = [
  'ZHANG WEI',
  'LI NA',
  'WANG FANG',
  'LIU YANG',
  'CHEN JIE',
  'ZHAO LEI',
  'HUANG MIN',
  'ZHOU TAO',
];
const DEPTS = ['R&D', 'QA LAB', 'WAREHOUSE', 'ASSEMBLY', 'IT OPS', 'LOGISTICS'];
const ITEMS = ['TEMP SENSOR', 'LORA MODULE', 'RELAY BOARD', 'GATEWAY', 'SMART METER', 'CAMERA'];

export interface KeyedSector {
  sector: number;
  keyA: Buffer;
  keyB: Buffer;
}

export interface SeededCard {
  index: number;
  uid: Buffer;
  kind: 'employee' | 'product';
  keyed: KeyedSector[];
  /** 64 blocks × 16 bytes as issued, before any write. */
  memory: Buffer;
}

export interface Visit {
  start: number;
  end: number;
  cardIndex: number;
}

/** The cards a reader's lab has: a pure function of (seed, device id, count). */
export function seedCards(seed: number, deviceId: string, count: number): SeededCard[] {
  const uids = new Set<string>();
  return Array.from({ length: count }, (_, index): SeededCard => {
    const rng = new Rng(seed, deviceId, 'card', index);
    let uid: Buffer;
    do {
      uid = bytes(rng, 4);
      // [14443-3] UID contents: 0x88 is the cascade tag, 0x08 marks random UIDs.
    } while (uid[0] === 0x88 || uid[0] === 0x08 || uids.has(uid.toString('hex')));
    uids.add(uid.toString('hex'));
    const memory = Buffer.alloc(64 * BLOCK_SIZE);
    Buffer.concat([uid, Buffer.of(bcc(uid), MIFARE_1K.sak, 0x04, 0x00), bytes(rng, 8)]).copy(
      memory,
      0,
    );
    const kind = rng.int(0, 1) === 0 ? 'employee' : 'product';
    const record =
      kind === 'employee'
        ? [`ID:E${rng.int(10000, 99999)}`, `NAME:${rng.pick(NAMES)}`, `DEPT:${rng.pick(DEPTS)}`]
        : [
            `SKU:P${rng.int(10000, 99999)}`,
            `ITEM:${rng.pick(ITEMS)}`,
            `QTY:${rng.int(1, 500)} LOT:${rng.hex(2).toUpperCase()}`,
          ];
    record.forEach((text, i) => memory.write(text, (4 + i) * BLOCK_SIZE, 'latin1'));
    const sectors = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
    const keyed: KeyedSector[] = [];
    for (let k = rng.int(1, 2); k > 0; k--) {
      const sector = sectors.splice(rng.int(0, sectors.length - 1), 1)[0]!;
      const keyA = key(rng, []);
      keyed.push({ sector, keyA, keyB: key(rng, [keyA]) });
    }
    keyed.sort((a, b) => a.sector - b.sector);
    keyed.forEach(({ sector }, i) => {
      const texts =
        i === 0
          ? [
              `BALANCE:${(rng.int(0, 99999) / 100).toFixed(2)}`,
              `VALID:20${rng.int(27, 30)}-${pad2(rng.int(1, 12))}-28`,
            ]
          : [`PIN:${rng.int(100000, 999999)}`, `LEVEL:${rng.int(1, 5)}`];
      texts.forEach((text, j) => memory.write(text, (sector * 4 + j) * BLOCK_SIZE, 'latin1'));
    });
    for (let s = 0; s < 16; s++) {
      const k = keyed.find((x) => x.sector === s);
      const trailer = k
        ? Buffer.concat([k.keyA, KEYED_ACCESS, k.keyB])
        : Buffer.concat([DEFAULT_KEY, TRANSPORT_ACCESS, DEFAULT_KEY]);
      trailer.copy(memory, (s * 4 + 3) * BLOCK_SIZE);
    }
    return { index, uid, kind, keyed, memory };
  });
}

/** Card visits to a reader: seeded windows, as in the header of this file. */
export class VisitSchedule {
  private readonly cache = new Map<number, Visit[]>();
  private readonly maxHold: number;
  readonly windowMs: number;

  constructor(
    private readonly seed: number,
    private readonly deviceId: string,
    private readonly spec: Pick<RfidReaderSpec, 'cards' | 'meanIntervalS' | 'holdS'>,
  ) {
    this.maxHold = spec.holdS * 1250;
    this.windowMs = Math.max(BASE_WINDOW_MS, Math.ceil(this.maxHold * 20));
  }

  visitsInWindow(w: number): Visit[] {
    const hit = this.cache.get(w);
    if (hit) return hit;
    const rng = new Rng(this.seed, this.deviceId, 'visits', w);
    const visits: Visit[] = [];
    const end = (w + 1) * this.windowMs;
    for (let t = w * this.windowMs + this.maxHold; ;) {
      t += rng.exponential(this.spec.meanIntervalS * 1000);
      if (t >= end) break;
      const hold = this.spec.holdS * 1000 * rng.range(0.75, 1.25);
      const cardIndex = rng.int(0, this.spec.cards - 1);
      visits.push({ start: Math.round(t), end: Math.round(t + hold), cardIndex });
      t += hold;
    }
    if (this.cache.size > 64) this.cache.clear();
    this.cache.set(w, visits);
    return visits;
  }

  /** The visit in progress at t (start ≤ t < end). */
  at(t: number): Visit | undefined {
    const w = Math.floor(t / this.windowMs);
    for (const ww of [w, w - 1]) {
      if (ww < 0) continue;
      const v = this.visitsInWindow(ww).find((x) => x.start <= t && t < x.end);
      if (v) return v;
    }
    return undefined;
  }

  /** The first arrival or departure after t, within `horizonMs`. */
  nextEdge(t: number, horizonMs: number): number | undefined {
    for (
      let w = Math.max(0, Math.floor(t / this.windowMs) - 1);
      w * this.windowMs <= t + horizonMs;
      w++
    ) {
      for (const v of this.visitsInWindow(w)) {
        if (v.start > t) return v.start;
        if (v.end > t) return v.end;
      }
    }
    return undefined;
  }
}

type CardState = 'idle' | 'ready' | 'active' | 'halt';
interface Session {
  visit: Visit;
  state: CardState;
  auth?: { sector: number; key: KeyType };
}
interface Write {
  t: number;
  cardIndex: number;
  block: number;
  data: Buffer;
}

export const createRfidReader: ByteDeviceFactory = (plan, ctx) => new RfidReader(plan, ctx);

class RfidReader implements ByteDevice {
  readonly plan: SerialDevicePlan;
  private readonly spec: RfidReaderSpec;
  private readonly cards: SeededCard[];
  private readonly schedule: VisitSchedule;
  private readonly splitter = new RfidSplitter({
    direction: 'request',
    timeoutMs: FRAME_TIMEOUT_MS,
  });
  private readonly serial: number;
  /** Current memory of the cards written to (the rest are as seeded). */
  private readonly memory = new Map<number, Buffer>();
  private readonly writes: Write[] = [];
  private readonly autoReports: { t: number; enabled: boolean }[] = [];
  private session: Session | undefined;
  /** Start of the visit last announced by emit (null: an empty field was). */
  private announced: number | null = null;

  constructor(plan: SerialDevicePlan, ctx: ByteDeviceContext) {
    if (plan.spec.kind !== 'rfid_reader')
      throw new LabError('DEVICE_UNKNOWN', `createRfidReader got a ${plan.spec.kind} device`, {
        device: plan.name,
      });
    this.plan = plan;
    this.spec = plan.spec;
    this.cards = seedCards(ctx.seed, plan.id, this.spec.cards);
    this.schedule = new VisitSchedule(ctx.seed, plan.id, this.spec);
    this.serial = new Rng(ctx.seed, plan.id, 'serial').int(0, 0xffffffff);
  }

  receive(bytes: Buffer, t: number): ByteIntent[] {
    return this.splitter.push(bytes, t).flatMap((e) => this.onEvent(e, t));
  }

  nextEmission(t: number): number | undefined {
    const deadline = this.splitter.deadline();
    const edge = this.schedule.nextEdge(t, HORIZON_MS) ?? t + HORIZON_MS;
    return deadline === undefined ? edge : Math.min(edge, Math.max(deadline, t + 1));
  }

  emit(t: number): ByteIntent[] {
    const out = this.splitter.expire(t).flatMap((e) => this.onEvent(e, t));
    const visit = this.schedule.at(t);
    if ((visit?.start ?? null) === this.announced) return out;
    this.announced = visit?.start ?? null;
    const card = visit && this.cards[visit.cardIndex]!;
    out.push({
      state: {
        cardPresent: !!card,
        uid: card ? uidHex(card) : null,
        cardIndex: card?.index ?? null,
      },
    });
    if (visit && card && this.autoReportAt(t)) {
      // The module ran Request and Anticollision itself: the card is READY for Select.
      if (this.session?.visit.start !== visit.start) this.session = { visit, state: 'ready' };
      out.push(
        this.reply({ status: 0, command: 'cardEvent', atqa: MIFARE_1K.atqa, uid: card.uid }, 0),
      );
    }
    return out;
  }

  truth(t: number): Record<string, unknown> {
    const visit = this.schedule.at(t);
    const latest = new Map<string, Write>();
    for (const w of this.writes) if (w.t <= t) latest.set(`${w.cardIndex}:${w.block}`, w);
    return {
      cardPresent: visit !== undefined,
      uid: visit ? uidHex(this.cards[visit.cardIndex]!) : null,
      cardIndex: visit?.cardIndex ?? null,
      visit: visit ? { start: visit.start, end: visit.end } : null,
      autoReport: this.autoReportAt(t),
      changedBlocks: [...latest.values()].map((w) => ({
        cardIndex: w.cardIndex,
        uid: uidHex(this.cards[w.cardIndex]!),
        block: w.block,
        data: w.data.toString('hex').toUpperCase(),
        t: w.t,
      })),
    };
  }

  /** Everything about the cards, keys included: the runtime decides what candidates see. */
  cardInfo(): Record<string, unknown> {
    return {
      address: this.spec.address,
      model: READER_MODEL,
      firmware: `${FIRMWARE.major}.${FIRMWARE.minor}`,
      serial: this.serial.toString(16).toUpperCase().padStart(8, '0'),
      defaultKey: 'FFFFFFFFFFFF',
      cards: this.cards.map((c) => ({
        index: c.index,
        uid: uidHex(c),
        atqa: '0004',
        sak: '08',
        kind: c.kind,
        keyedSectors: c.keyed.map((k) => ({
          sector: k.sector,
          keyA: k.keyA.toString('hex').toUpperCase(),
          keyB: k.keyB.toString('hex').toUpperCase(),
          accessBits: KEYED_ACCESS.toString('hex').toUpperCase(),
        })),
        blocks: dataBlocks(c),
      })),
    };
  }

  // -------------------------------------------------------------------------------------------

  private onEvent(e: SplitEvent, t: number): ByteIntent[] {
    if (e.kind === 'junk') return [];
    // The address byte, once in, decides whether the frame is ours even when broken: on a
    // shared RS-485 line another reader's frame must not draw our error answer.
    if (e.raw.length >= 4 && !this.isOurs(e.raw[3]!)) return [];
    const code = e.kind === 'length' && e.reason === 'range' ? 0 : (e.raw[4] ?? 0);
    if (e.kind !== 'frame')
      return [this.fail(e.kind === 'checksum' ? STATUS.checksum : STATUS.length, code)];
    const framed = decodeFrame(e.raw, 'request');
    if (!framed.ok) return [this.fail(ERROR_STATUS[framed.kind] ?? STATUS.length, code)];
    const parsed = parseRequest(framed.frame);
    if (!parsed.ok) return [this.fail(ERROR_STATUS[parsed.kind] ?? STATUS.badParameter, code)];
    return this.handle(parsed.request, code, t);
  }

  private handle(req: RfidRequest, code: number, t: number): ByteIntent[] {
    if (req.command === 'info')
      return [this.ok({ command: 'info', ...FIRMWARE, serial: this.serial, model: READER_MODEL })];
    if (req.command === 'autoReport') {
      this.autoReports.push({ t, enabled: req.enabled });
      return [
        { state: { autoReport: req.enabled } },
        this.ok({ command: 'autoReport', enabled: req.enabled }),
      ];
    }
    const s = this.sessionAt(t);
    if (!s) return [this.fail(STATUS.noCard, code)];
    const card = this.cards[s.visit.cardIndex]!;
    const need = (state: CardState): ByteIntent | undefined =>
      s.state === state ? undefined : this.fail(STATUS.sequence, code);
    switch (req.command) {
      case 'request':
        if (s.state === 'halt' && req.mode === 'idle') return [this.fail(STATUS.noCard, code)];
        this.session = { visit: s.visit, state: 'ready' };
        return [this.ok({ command: 'request', atqa: MIFARE_1K.atqa })];
      case 'anticoll':
        return [need('ready') ?? this.ok({ command: 'anticoll', uid: card.uid })];
      case 'select': {
        if (!req.uid.equals(card.uid)) return [this.fail(STATUS.noCard, code)];
        const wrong = need('ready');
        if (wrong) return [wrong];
        this.session = { visit: s.visit, state: 'active' };
        return [this.ok({ command: 'select', sak: MIFARE_1K.sak })];
      }
      case 'halt': {
        const wrong = need('active');
        if (wrong) return [wrong];
        this.session = { visit: s.visit, state: 'halt' };
        return [this.ok({ command: 'halt' })];
      }
      case 'auth': {
        const wrong = need('active');
        if (wrong) return [wrong];
        const trailer = this.block(card.index, req.sector * 4 + 3);
        const stored = req.keyType === 'A' ? trailer.subarray(0, 6) : trailer.subarray(10, 16);
        if (!stored.equals(req.key)) {
          this.session = { visit: s.visit, state: 'idle' };
          return [this.fail(STATUS.authFailed, code)];
        }
        this.session = {
          visit: s.visit,
          state: 'active',
          auth: { sector: req.sector, key: req.keyType },
        };
        return [this.ok({ command: 'auth' })];
      }
      case 'read':
      case 'write':
        return this.access(s, card, req, code, t);
    }
  }

  /** Read or write a block of the authenticated sector, as its access bits allow ([MF1S50] §8.7). */
  private access(
    s: Session,
    card: SeededCard,
    req: Extract<RfidRequest, { command: 'read' | 'write' }>,
    code: number,
    t: number,
  ): ByteIntent[] {
    if (s.state !== 'active') return [this.fail(STATUS.sequence, code)];
    const sector = req.block >> 2;
    if (s.auth?.sector !== sector) return [this.fail(STATUS.notAuthenticated, code)];
    const key = s.auth.key;
    const trailer = this.block(card.index, sector * 4 + 3);
    const conditions = decodeAccessBits(trailer.subarray(6, 9));
    const condition = conditions?.[req.block & 3] ?? 7;
    if (req.command === 'read') {
      if ((req.block & 3) !== 3) {
        if (!dataAccess(condition, key).read) return [this.fail(STATUS.accessDenied, code)];
        return [this.ok({ command: 'read', data: Buffer.from(this.block(card.index, req.block)) })];
      }
      // [MF1S50] §8.6.3: key A never reads back; the rest as the trailer's condition allows.
      const rights = trailerAccess(condition, key);
      const data = Buffer.alloc(BLOCK_SIZE);
      if (rights.readAccess) trailer.copy(data, 6, 6, 10);
      if (rights.readKeyB) trailer.copy(data, 10, 10, 16);
      return [this.ok({ command: 'read', data })];
    }
    if (req.block === 0) return [this.fail(STATUS.accessDenied, code)]; // manufacturer block
    if ((req.block & 3) === 3) {
      if (!trailerAccess(condition, key).writeAll) return [this.fail(STATUS.accessDenied, code)];
      // Refuse access bits whose copies disagree: a real card would lock the sector for good.
      if (!decodeAccessBits(req.data.subarray(6, 9))) return [this.fail(STATUS.badParameter, code)];
    } else if (!dataAccess(condition, key).write) return [this.fail(STATUS.accessDenied, code)];
    this.writeBlock(card.index, req.block, req.data, t);
    return [
      {
        state: {
          write: {
            cardIndex: card.index,
            uid: uidHex(card),
            block: req.block,
            data: req.data.toString('hex').toUpperCase(),
          },
        },
      },
      this.ok({ command: 'write' }),
    ];
  }

  /** The session of the card in the field at t, a fresh IDLE one when a new card came. */
  private sessionAt(t: number): Session | undefined {
    const visit = this.schedule.at(t);
    if (!visit) return undefined;
    if (this.session?.visit.start !== visit.start) this.session = { visit, state: 'idle' };
    return this.session;
  }

  private block(cardIndex: number, block: number): Buffer {
    const mem = this.memory.get(cardIndex) ?? this.cards[cardIndex]!.memory;
    return mem.subarray(block * BLOCK_SIZE, (block + 1) * BLOCK_SIZE);
  }

  private writeBlock(cardIndex: number, block: number, data: Buffer, t: number): void {
    let mem = this.memory.get(cardIndex);
    if (!mem) this.memory.set(cardIndex, (mem = Buffer.from(this.cards[cardIndex]!.memory)));
    data.copy(mem, block * BLOCK_SIZE);
    this.writes.push({ t, cardIndex, block, data: Buffer.from(data) });
  }

  private autoReportAt(t: number): boolean {
    let on = this.spec.autoReport;
    for (const a of this.autoReports) if (a.t <= t) on = a.enabled;
    return on;
  }

  private isOurs(address: number): boolean {
    return address === this.spec.address || address === 0;
  }

  private ok(reply: RfidReply): ByteIntent {
    return this.reply({ status: 0, ...reply }, RESPONSE_DELAY_MS);
  }

  private fail(status: ErrorStatus, code: number): ByteIntent {
    return this.reply({ status, code }, RESPONSE_DELAY_MS);
  }

  private reply(res: RfidResponse, delayMs: number): ByteIntent {
    return { send: encodeResponse(this.spec.address, res), ...(delayMs > 0 ? { delayMs } : {}) };
  }
}

function uidHex(card: SeededCard): string {
  return card.uid.toString('hex').toUpperCase();
}

/** Seeded data blocks that are not empty (trailers aside), as hex and as text when printable. */
function dataBlocks(card: SeededCard): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let b = 0; b < 64; b++) {
    const data = card.memory.subarray(b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE);
    if ((b & 3) === 3 || data.every((x) => x === 0)) continue;
    const text = data.toString('latin1').replace(/\0+$/, '');
    out.push({
      block: b,
      sector: b >> 2,
      hex: data.toString('hex').toUpperCase(),
      ...(b > 0 && /^[\x20-\x7e]+$/.test(text) ? { text } : {}),
    });
  }
  return out;
}

function bytes(rng: Rng, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => rng.int(0, 255)));
}

/** A seeded key: neither the transport key, nor all zeros, nor one already used. */
function key(rng: Rng, avoid: Buffer[]): Buffer {
  for (;;) {
    const k = bytes(rng, 6);
    if (k.every((b) => b === 0xff) || k.every((b) => b === 0) || avoid.some((a) => a.equals(k)))
      continue;
    return k;
  }
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
