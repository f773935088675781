/**
 * 24C02-like EEPROM, 256 × 8 bits (Microchip 24AA02/24LC02B datasheet):
 * - byte/page write: word address then up to 8 bytes; bytes past the page end wrap to the page
 *   start (§6.2); the write cycle starts at STOP and lasts up to 5 ms (tWC), during which the part
 *   NACKs its address (acknowledge polling, §7.0);
 * - a repeated START instead of STOP aborts the write (the data is not written);
 * - random read (write word address, repeated START, read) and sequential read roll over from 0xFF
 *   to 0x00 (§8.3); a read alone continues from the internal address counter (current address read).
 * Delivered erased (0xFF).
 */
import type { I2cPart, I2cResult } from './parts.js';
import { nack } from './parts.js';

export const EEPROM_SIZE = 256;
export const EEPROM_PAGE = 8;
export const WRITE_CYCLE_MS = 5;

export class Eeprom24c02 implements I2cPart {
  readonly kind = 'eeprom_24c02';
  readonly memory = Buffer.alloc(EEPROM_SIZE, 0xff);
  private pointer = 0;
  private busyUntil = 0;

  constructor(readonly address: number) {}

  transfer(out: Buffer, inLen: number, t: number): I2cResult {
    if (t < this.busyUntil) return nack('addr_nack');
    if (out.length > 0) this.pointer = out[0]!;
    if (out.length > 1 && inLen === 0) {
      const page = this.pointer & ~(EEPROM_PAGE - 1);
      let offset = this.pointer & (EEPROM_PAGE - 1);
      for (const b of out.subarray(1)) {
        this.memory[page | offset] = b;
        offset = (offset + 1) & (EEPROM_PAGE - 1);
      }
      this.pointer = page | offset;
      this.busyUntil = t + WRITE_CYCLE_MS;
      return { status: 'ok', in: Buffer.alloc(0) };
    }
    const data = Buffer.alloc(inLen);
    for (let i = 0; i < inLen; i++) {
      data[i] = this.memory[this.pointer]!;
      this.pointer = (this.pointer + 1) % EEPROM_SIZE;
    }
    return { status: 'ok', in: data };
  }
}
