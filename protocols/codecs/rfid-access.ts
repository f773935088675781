/**
 * Mifare Classic access conditions ([MF1S50] NXP MF1S50yyX/V1 product data sheet, §8.7): the
 * access bits a sector trailer stores and what each condition lets key A or key B do. Separate
 * from the frame codec because this is card memory semantics, not wire format: the reader model
 * checks reads and writes with it, and tests build trailers with it.
 */
import type { KEY_TYPES } from './rfid-frame.js';

// Access bits ([MF1S50] §8.7): bytes 6–8 of a sector trailer; C1 C2 C3 of each block, each
// stored twice (once inverted). A condition here is the number C1·4 + C2·2 + C3.

export type KeyType = keyof typeof KEY_TYPES;
/** Who may: a key, either, or nobody. */
type Who = 'A' | 'B' | 'AB' | '';

/** [MF1S50] §8.7.3, data blocks: [read, write] by condition. */
const DATA_ACCESS: readonly (readonly [Who, Who])[] = [
  ['AB', 'AB'], // 000 transport configuration
  ['AB', ''], // 001 value block, decrement only
  ['AB', ''], // 010 read-only
  ['B', 'B'], // 011
  ['AB', 'B'], // 100
  ['B', ''], // 101
  ['AB', 'B'], // 110 value block
  ['', ''], // 111
];
/** [MF1S50] §8.7.2, sector trailer: [write key A, read access bits, write access bits, read key B, write key B]. */
const TRAILER_ACCESS: readonly (readonly [Who, Who, Who, Who, Who])[] = [
  ['A', 'A', '', 'A', 'A'], // 000
  ['A', 'A', 'A', 'A', 'A'], // 001 transport configuration
  ['', 'A', '', 'A', ''], // 010
  ['B', 'AB', 'B', '', 'B'], // 011
  ['B', 'AB', '', '', 'B'], // 100
  ['', 'AB', 'B', '', ''], // 101
  ['', 'AB', '', '', ''], // 110
  ['', 'AB', '', '', ''], // 111
];

/** Conditions of blocks 0–3 of a sector, or undefined when the inverted copies disagree. */
export function decodeAccessBits(b: Uint8Array): number[] | undefined {
  const [b6, b7, b8] = [b[0] ?? 0, b[1] ?? 0, b[2] ?? 0];
  const c1 = b7 >> 4;
  const c2 = b8 & 0x0f;
  const c3 = b8 >> 4;
  if ((~b6 & 0x0f) !== c1 || ((~b6 >> 4) & 0x0f) !== c2 || (~b7 & 0x0f) !== c3) return undefined;
  return [0, 1, 2, 3].map((i) => (((c1 >> i) & 1) << 2) | (((c2 >> i) & 1) << 1) | ((c3 >> i) & 1));
}

/** Bytes 6–8 of a trailer for the conditions of blocks 0–3. */
export function encodeAccessBits(conditions: readonly number[]): Buffer {
  let c1 = 0;
  let c2 = 0;
  let c3 = 0;
  conditions.forEach((c, i) => {
    c1 |= ((c >> 2) & 1) << i;
    c2 |= ((c >> 1) & 1) << i;
    c3 |= (c & 1) << i;
  });
  return Buffer.from([
    ((~c2 & 0x0f) << 4) | (~c1 & 0x0f),
    (c1 << 4) | (~c3 & 0x0f),
    (c3 << 4) | c2,
  ]);
}

const may = (who: Who, key: KeyType): boolean => who.includes(key);

export function dataAccess(condition: number, key: KeyType): { read: boolean; write: boolean } {
  const [read, write] = DATA_ACCESS[condition & 7]!;
  return { read: may(read, key), write: may(write, key) };
}

export function trailerAccess(
  condition: number,
  key: KeyType,
): { readAccess: boolean; readKeyB: boolean; writeAll: boolean } {
  const [wA, rAc, wAc, rB, wB] = TRAILER_ACCESS[condition & 7]!;
  return {
    readAccess: may(rAc, key),
    readKeyB: may(rB, key),
    // This reader writes a trailer only as a whole: key A, access bits and key B together.
    writeAll: may(wA, key) && may(wAc, key) && may(wB, key),
  };
}
