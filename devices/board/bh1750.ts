/**
 * BH1750FVI-like ambient light sensor (ROHM datasheet, 2011.11, rev.D):
 * opcodes 0x00 power down, 0x01 power on, 0x07 reset (data register to 0, power on only),
 * continuous 0x10 H-res (1 lx), 0x11 H-res2 (0.5 lx), 0x13 L-res (4 lx); one-time 0x20/0x21/0x23
 * (then power down). Max measurement time 180 ms (H) and 24 ms (L). A read returns the data
 * register (2 bytes, big-endian): lux = count / 1.2 (H-res), count / 2.4 (H-res2). Before the
 * first conversion completes, the register holds what it held (0 after power-up or reset).
 * MTreg (0x40–0x47, 0x60–0x7F) is acknowledged but left at its default 69.
 */
import type { I2cPart, I2cResult, Reading } from './parts.js';
import { nack } from './parts.js';

type Mode = { res: 'h' | 'h2' | 'l'; once: boolean };
const MODES: Record<number, Mode> = {
  0x10: { res: 'h', once: false },
  0x11: { res: 'h2', once: false },
  0x13: { res: 'l', once: false },
  0x20: { res: 'h', once: true },
  0x21: { res: 'h2', once: true },
  0x23: { res: 'l', once: true },
};
const CONVERSION_MS = { h: 180, h2: 180, l: 24 };

export function luxToCount(lux: number, res: 'h' | 'h2' | 'l'): number {
  const steps = res === 'l' ? Math.floor(lux / 4) * 4 : lux;
  const count = Math.round(steps * 1.2 * (res === 'h2' ? 2 : 1));
  return Math.max(0, Math.min(65535, count));
}

export class Bh1750 implements I2cPart {
  readonly kind = 'bh1750';
  private powered = false;
  private mode: (Mode & { since: number }) | undefined;
  private register = 0;

  constructor(
    readonly address: number,
    private readonly reading: Reading,
    private readonly quantity: string,
  ) {}

  transfer(out: Buffer, inLen: number, t: number): I2cResult {
    if (!this.reading(t).online) return nack('addr_nack');
    this.settle(t);
    for (const op of out) {
      const mode = MODES[op];
      if (mode) {
        this.powered = true;
        this.mode = { ...mode, since: t };
      } else if (op === 0x00) {
        this.powered = false;
        this.mode = undefined;
      } else if (op === 0x01) this.powered = true;
      else if (op === 0x07) {
        if (this.powered) this.register = 0;
      } else if (!((op >= 0x40 && op <= 0x47) || (op >= 0x60 && op <= 0x7f)))
        return nack('data_nack');
    }
    // The data register, then the bus floating high for any further bytes.
    const data = Buffer.alloc(Math.max(2, inLen), 0xff);
    data.writeUInt16BE(this.register, 0);
    return { status: 'ok', in: data.subarray(0, inLen) };
  }

  /** Latches the last conversion completed by t (continuous: one every conversion time). */
  private settle(t: number): void {
    const m = this.mode;
    if (!m) return;
    const ms = CONVERSION_MS[m.res];
    if (t < m.since + ms) return;
    const done = m.once ? m.since + ms : m.since + Math.floor((t - m.since) / ms) * ms;
    this.register = luxToCount(Number(this.reading(done).values[this.quantity] ?? 0), m.res);
    if (m.once) {
      this.mode = undefined;
      this.powered = false;
    }
  }
}
