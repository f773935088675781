/**
 * MCP3008-like 10-bit ADC, 8 channels (Microchip MCP3004/3008 datasheet DS21295, §5, §6.1): after
 * CS falls, the first 1 on MOSI is the start bit, then SGL/DIFF, D2, D1, D0. The part samples, then
 * drives a null bit and B9…B0 MSB first, then B1…B9 LSB first, then zeros (Figure 5-1). Before the
 * null bit MISO is high-impedance (reads 1 here, a pull-up). With the usual 3-byte exchange
 * [0x01, 0x80 | ch << 4, 0x00] the result is ((in[1] & 3) << 8) | in[2].
 * Differential pairs (Table 5-2): 0 = CH0−CH1, 1 = CH1−CH0, 2 = CH2−CH3, … ; a negative
 * difference reads 0.
 */
import type { SpiPart } from './parts.js';

export class Mcp3008 implements SpiPart {
  readonly kind = 'mcp3008';

  constructor(
    readonly cs: number,
    readonly vref: number,
    /** Volts on CH0…CH7 at t. */
    private readonly volts: (channel: number, t: number) => number,
  ) {}

  code(config: number, t: number): number {
    const single = (config & 0b1000) !== 0;
    const ch = config & 0b111;
    const v = single ? this.volts(ch, t) : this.volts(ch, t) - this.volts(ch ^ 1, t);
    return Math.max(0, Math.min(1023, Math.round((v / this.vref) * 1024)));
  }

  transfer(out: Buffer, t: number): Buffer {
    const bits = out.length * 8;
    const bit = (i: number): number => (out[i >> 3]! >> (7 - (i & 7))) & 1;
    let start = -1;
    for (let i = 0; i < bits; i++)
      if (bit(i) === 1) {
        start = i;
        break;
      }
    const miso = Buffer.alloc(out.length, 0xff);
    if (start < 0 || start + 4 >= bits) return miso;
    let config = 0;
    for (let i = 1; i <= 4; i++) config = (config << 1) | bit(start + i);
    const value = this.code(config, t);
    const set = (i: number, b: number): void => {
      if (b === 0) miso[i >> 3]! &= ~(0x80 >> (i & 7));
    };
    // Null bit at start+6, B9…B0 at start+7…start+16, B1…B9 at start+17…start+25, then zeros.
    for (let i = start + 6; i < bits; i++) {
      const k = i - (start + 7);
      let b = 0;
      if (k >= 0 && k < 10) b = (value >> (9 - k)) & 1;
      else if (k >= 10 && k < 19) b = (value >> (k - 9)) & 1;
      set(i, b);
    }
    return miso;
  }
}
