/**
 * W25Q32-like serial NOR flash, 4 MiB (Winbond W25Q32JV datasheet, rev. F): instructions
 * 0x9F JEDEC id (EF 40 16), 0x90 manufacturer/device id (EF 15), 0x05/0x35 status registers 1/2
 * (SR1 bit 0 BUSY, bit 1 WEL), 0x06/0x04 write enable/disable, 0x03 read, 0x0B fast read (one dummy
 * byte), 0x02 page program (≤ 256 bytes, wraps within the page, can only clear bits), 0x20 sector
 * erase 4 KiB, 0xD8 block erase 64 KiB, 0xC7/0x60 chip erase. Program and erase need WEL and clear
 * it; while BUSY every instruction but the status reads is ignored (§8.1). Times are the typical
 * values of §9.6: tPP 0.4 ms, tSE 45 ms, tBE 150 ms, tCE 10 s. Memory starts erased (0xFF).
 */
import type { SpiPart } from './parts.js';

export const FLASH_SIZE = 4 * 1024 * 1024;
const SECTOR = 4096;
const PAGE = 256;
const T_PP = 0.4;
const T_SE = 45;
const T_BE = 150;
const T_CE = 10_000;

export class W25q32 implements SpiPart {
  readonly kind = 'w25q32';
  private readonly sectors = new Map<number, Buffer>();
  private busyUntil = 0;
  private wel = false;

  constructor(readonly cs: number) {}

  status1(t: number): number {
    return (t < this.busyUntil ? 0x01 : 0) | (this.wel ? 0x02 : 0);
  }

  readByte(addr: number): number {
    const s = this.sectors.get(Math.floor(addr / SECTOR));
    return s ? s[addr % SECTOR]! : 0xff;
  }

  transfer(out: Buffer, t: number): Buffer {
    const miso = Buffer.alloc(out.length, 0xff);
    if (out.length === 0) return miso;
    const op = out[0]!;
    const busy = t < this.busyUntil;
    if (op === 0x05 || op === 0x35) {
      miso.fill(op === 0x05 ? this.status1(t) : 0x00, 1);
      return miso;
    }
    if (busy) return miso;
    const addr = out.length >= 4 ? ((out[1]! << 16) | (out[2]! << 8) | out[3]!) % FLASH_SIZE : -1;
    switch (op) {
      case 0x9f:
        Buffer.from([0xef, 0x40, 0x16]).copy(miso, 1);
        break;
      case 0x90:
        if (out.length > 4) miso[4] = 0xef;
        if (out.length > 5) miso[5] = 0x15;
        break;
      case 0x06:
        this.wel = true;
        break;
      case 0x04:
        this.wel = false;
        break;
      case 0x03:
      case 0x0b: {
        const first = op === 0x03 ? 4 : 5;
        if (addr < 0) break;
        for (let i = first; i < out.length; i++)
          miso[i] = this.readByte((addr + i - first) % FLASH_SIZE);
        break;
      }
      case 0x02:
        if (!this.wel || addr < 0 || out.length <= 4) break;
        this.program(addr, out.subarray(4));
        this.finish(t, T_PP);
        break;
      case 0x20:
      case 0xd8:
        if (!this.wel || addr < 0) break;
        this.erase(
          op === 0x20 ? addr - (addr % SECTOR) : addr - (addr % 65536),
          op === 0x20 ? SECTOR : 65536,
        );
        this.finish(t, op === 0x20 ? T_SE : T_BE);
        break;
      case 0xc7:
      case 0x60:
        if (!this.wel) break;
        this.sectors.clear();
        this.finish(t, T_CE);
        break;
    }
    return miso;
  }

  private finish(t: number, ms: number): void {
    this.busyUntil = t + ms;
    this.wel = false;
  }

  private program(addr: number, data: Buffer): void {
    const page = addr - (addr % PAGE);
    let offset = addr % PAGE;
    // More than 256 bytes: only the last 256 are kept (§8.2.13); they wrap within the page.
    const bytes = data.length > PAGE ? data.subarray(data.length - PAGE) : data;
    for (const b of bytes) {
      const a = page + offset;
      const index = Math.floor(a / SECTOR);
      let s = this.sectors.get(index);
      if (!s) {
        s = Buffer.alloc(SECTOR, 0xff);
        this.sectors.set(index, s);
      }
      s[a % SECTOR]! &= b;
      offset = (offset + 1) % PAGE;
    }
  }

  private erase(start: number, size: number): void {
    for (let a = start; a < start + size; a += SECTOR) this.sectors.delete(Math.floor(a / SECTOR));
  }
}
