/**
 * The cards of an RFID reader's lab (kind `rfid_reader`) as issued: seeded UIDs, Mifare Classic
 * 1K memory images, keys and access bits, and how `cardInfo()` lists a card's data blocks.
 * Separate from rfid-reader.ts because what a card holds is a pure function of (seed, device id,
 * index), while the reader is the stateful command handler that reads and writes it.
 *
 * `cards` seeded cards (stream (seed, id, 'card', i)): a unique 4-byte UID, block 0 with UID,
 * BCC, SAK, ATQA and manufacturer bytes; sector 1 holds an ASCII record (an employee badge or a
 * product tag); one or two seeded sectors (2–15) hold more ASCII behind seeded keys A/B with
 * access bits 78 77 88 (data: read A|B, write B); every other sector has the transport keys
 * FFFFFFFFFFFF and access bits FF 07 80.
 */
import { Rng } from '../../../core/rng.js';
import { BLOCK_SIZE, MIFARE_1K, bcc } from '../../../protocols/codecs/rfid-frame.js';
import { encodeAccessBits } from '../../../protocols/codecs/rfid-access.js';

export const DEFAULT_KEY = Buffer.alloc(6, 0xff);
/** [MF1S50] §8.7.3: transport configuration FF 07 80, general-purpose byte 69. */
const TRANSPORT_ACCESS = Buffer.from([0xff, 0x07, 0x80, 0x69]);
/** Data blocks read A|B / write B; trailer written with key B (condition 011). */
export const KEYED_ACCESS = Buffer.concat([encodeAccessBits([4, 4, 4, 3]), Buffer.of(0x69)]);

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

export function uidHex(card: SeededCard): string {
  return card.uid.toString('hex').toUpperCase();
}

/** Seeded data blocks that are not empty (trailers aside), as hex and as text when printable. */
export function dataBlocks(card: SeededCard): Record<string, unknown>[] {
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
