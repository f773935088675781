/** The bus check family's CRC test over SHT3x words (datasheet example CRC(BE EF) = 0x92). */
import { describe, expect, it } from 'vitest';
import { crcWordsValid } from '../../grader/checks/bus.js';

describe('crcWordsValid', () => {
  it('accepts words followed by their CRC-8 and rejects anything else', () => {
    expect(crcWordsValid(Buffer.from('beef92', 'hex'))).toBe(true);
    // docs/board.md worked example: 23.50 °C, 45.20 %RH
    expect(crcWordsValid(Buffer.from('643456' + '73b68e', 'hex'))).toBe(true);
    expect(crcWordsValid(Buffer.from('643457' + '73b68e', 'hex'))).toBe(false);
    expect(crcWordsValid(Buffer.from('6434', 'hex'))).toBe(false);
    expect(crcWordsValid(Buffer.alloc(0))).toBe(false);
  });
});
