/**
 * RFID reader module (kind `rfid_reader`): a 13.56 MHz ISO 14443A reader for Mifare Classic 1K
 * cards on a serial line, speaking the frames of protocols/codecs/rfid-frame.ts and rfid.ts
 * (docs/protocols/rfid-reader.md is what candidates read). This file is the reader's command
 * handling and state; the cards as issued are in rfid-cards.ts (`cardInfo()` lists all of it,
 * keys included) and when they are in the field in rfid-visits.ts.
 *
 * Card state per visit ([14443-3] PICC states, [MF1S50] §9): a card enters IDLE. Request → READY;
 * anticollision (READY) → UID; select (READY, its UID) → ACTIVE; authenticate (ACTIVE) a sector;
 * read/write blocks of that sector as its access bits allow; halt → HALT (only a WUPA request
 * wakes it). A failed authentication drops the card to IDLE, as a real card does. Memory written
 * persists on the card across visits.
 *
 * With `slipAfterAuthMs`, the first successful authentication of the lab is followed by the card
 * slipping out of the field for that long, then back in IDLE (a card moved away and back): the
 * slip is announced like any departure and arrival.
 *
 * Intents: every reply goes `RESPONSE_DELAY_MS` after the request. State: `{ autoReport }` when
 * the host changes it, `{ write: {...} }` for every block written, `{ cardPresent, uid, cardIndex }`
 * at every arrival and departure (emitted at the visit edges, with the auto-report frame).
 */
import { LabError } from '../../../core/errors.js';
import type { SerialDevicePlan } from '../plan.js';
import { Rng } from '../../../core/rng.js';
import type { RfidReaderSpec } from './scenario.js';
import {
  BLOCK_SIZE,
  ERROR_STATUS,
  MIFARE_1K,
  STATUS,
  decodeFrame,
} from '../../../protocols/codecs/rfid-frame.js';
import type { ErrorStatus } from '../../../protocols/codecs/rfid-frame.js';
import { encodeResponse, parseRequest } from '../../../protocols/codecs/rfid.js';
import type { RfidReply, RfidRequest, RfidResponse } from '../../../protocols/codecs/rfid.js';
import { RfidSplitter } from '../../../protocols/codecs/rfid-splitter.js';
import type { SplitEvent } from '../../../protocols/codecs/rfid-splitter.js';
import {
  dataAccess,
  decodeAccessBits,
  trailerAccess,
} from '../../../protocols/codecs/rfid-access.js';
import type { KeyType } from '../../../protocols/codecs/rfid-access.js';
import type { ByteDevice, ByteDeviceContext, ByteDeviceFactory, ByteIntent } from '../model.js';
import { KEYED_ACCESS, dataBlocks, seedCards, uidHex } from './cards.js';
import type { SeededCard } from './cards.js';
import { VisitSchedule } from './visits.js';
import type { Visit } from './visits.js';
import { invertTrailingCrc16 } from '../../../protocols/codecs/crc16-fault.js';

/** Processing time of the module before it answers. */
export const RESPONSE_DELAY_MS = 5;
/** Bytes of one frame must follow each other within this time, or the frame is given up. */
export const FRAME_TIMEOUT_MS = 100;
export const READER_MODEL = 'IOTLAB-RC1356';
export const FIRMWARE = { major: 1, minor: 2 } as const;
/** How far nextEmission looks for a card edge before it settles for a wake-up with nothing to do. */
const HORIZON_MS = 86_400_000;

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
  /** The card's one slip out of the field (`slipAfterAuthMs`), once it has been set off. */
  private slip: { from: number; to: number; reset: boolean } | undefined;

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
    let edge = this.schedule.nextEdge(t, HORIZON_MS) ?? t + HORIZON_MS;
    for (const e of [this.slip?.from, this.slip?.to])
      if (e !== undefined && e > t) edge = Math.min(edge, e);
    return deadline === undefined ? edge : Math.min(edge, Math.max(deadline, t + 1));
  }

  emit(t: number): ByteIntent[] {
    const out = this.splitter.expire(t).flatMap((e) => this.onEvent(e, t));
    const visit = this.present(t);
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
    const visit = this.present(t);
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
  /** `crc-error` fault: each frame ends in a CRC-16, low byte first. */
  corruptCheck(frame: Buffer): Buffer {
    return invertTrailingCrc16(frame);
  }

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
        if (this.spec.slipAfterAuthMs > 0 && !this.slip) {
          // Gone as soon as the answer is out: the next command finds no card.
          const from = t + RESPONSE_DELAY_MS + 1;
          this.slip = { from, to: from + this.spec.slipAfterAuthMs, reset: false };
        }
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
    const visit = this.present(t);
    if (!visit) return undefined;
    if (this.session?.visit.start !== visit.start) this.session = { visit, state: 'idle' };
    return this.session;
  }

  /** The visit whose card is in the field at t: none while the card has slipped out. */
  private present(t: number): Visit | undefined {
    const slip = this.slip;
    if (slip && t >= slip.from) {
      if (!slip.reset) {
        // Back in the field, the card starts over in IDLE, as after any arrival.
        slip.reset = true;
        this.session = undefined;
      }
      if (t < slip.to) return undefined;
    }
    return this.schedule.at(t);
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
