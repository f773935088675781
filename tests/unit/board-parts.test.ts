/** Datasheet behaviours of the board's bus parts (devices/board/), at explicit lab times. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Bh1750, luxToCount } from '../../devices/board/bh1750.js';
import { crc8Sensirion } from '../../devices/board/crc8.js';
import { Eeprom24c02, WRITE_CYCLE_MS } from '../../devices/board/eeprom.js';
import { Mcp3008 } from '../../devices/board/mcp3008.js';
import type { Reading } from '../../devices/board/parts.js';
import { Sht3x, encodeSht3x } from '../../devices/board/sht3x.js';
import { W25q32 } from '../../devices/board/w25q.js';

const none = Buffer.alloc(0);
const air: Reading = (t) => ({
  values: { temperature: 20 + t / 1000, humidity: 50 },
  online: true,
});

describe('CRC-8 (SHT3x §4.12)', () => {
  it('gives the datasheet check value 0x92 for 0xBEEF', () => {
    expect(crc8Sensirion(Uint8Array.of(0xbe, 0xef))).toBe(0x92);
  });
  it('gives 0x81 for 0x0000 and leaves no remainder over data + its CRC', () => {
    expect(crc8Sensirion(Uint8Array.of(0x00, 0x00))).toBe(0x81);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 8 }), (data) => {
        const crc = crc8Sensirion(data);
        return crc8Sensirion(Uint8Array.of(...data, crc)) === 0;
      }),
    );
  });
});

describe('SHT3x', () => {
  it('encodes T and RH with the datasheet formulas and a CRC per word', () => {
    // 25 °C → (25+45)/175·65535 = 26214 = 0x6666; 50 %RH → 32768 = 0x8000 (rounded).
    const d = encodeSht3x(25, 50);
    expect(d.readUInt16BE(0)).toBe(0x6666);
    expect(d[2]).toBe(crc8Sensirion(d.subarray(0, 2)));
    expect(d.readUInt16BE(3)).toBe(0x8000);
    expect(d[5]).toBe(crc8Sensirion(d.subarray(3, 5)));
  });

  it('NACKs a read before a no-stretch measurement ends, answers after, once', () => {
    const s = new Sht3x(0x44, air);
    expect(s.transfer(Buffer.from([0x24, 0x00]), 0, 0).status).toBe('ok');
    expect(s.transfer(none, 6, 10).status).toBe('addr_nack');
    const r = s.transfer(none, 6, 16);
    expect(r.status).toBe('ok');
    // Sampled at the end of the measurement (t = 15 ms): 20.015 °C.
    expect(-45 + (175 * r.in.readUInt16BE(0)) / 65535).toBeCloseTo(20.015, 2);
    expect(s.transfer(none, 6, 20).status).toBe('addr_nack');
  });

  it('corruptEvery n: every n-th measurement read flips bit 11 of each word behind the true CRCs', () => {
    const s = new Sht3x(0x44, air, 3);
    const reads = [0, 1, 2, 3, 4, 5].map((i) => {
      const t = i * 100;
      s.transfer(Buffer.from([0x24, 0x00]), 0, t);
      return s.transfer(none, 6, t + 20).in;
    });
    const crcOk = (d: Buffer) =>
      crc8Sensirion(d.subarray(0, 2)) === d[2] && crc8Sensirion(d.subarray(3, 5)) === d[5];
    expect(reads.map(crcOk)).toEqual([true, true, false, true, true, false]);
    const bad = reads[2]!;
    const right = encodeSht3x(20 + 0.215, 50);
    expect(bad.readUInt16BE(0) ^ right.readUInt16BE(0)).toBe(0x0800);
    expect(bad.readUInt16BE(3) ^ right.readUInt16BE(3)).toBe(0x0800);
    expect([bad[2], bad[5]]).toEqual([right[2], right[5]]);
  });

  it('acknowledges nothing while measuring', () => {
    const s = new Sht3x(0x44, air);
    s.transfer(Buffer.from([0x24, 0x16]), 0, 0);
    expect(s.transfer(Buffer.from([0x24, 0x16]), 0, 2).status).toBe('addr_nack');
    expect(s.transfer(Buffer.from([0x24, 0x16]), 0, 4).status).toBe('ok');
  });

  it('does not acknowledge a bare address probe while measuring', () => {
    const s = new Sht3x(0x44, air);
    s.transfer(Buffer.from([0x24, 0x00]), 0, 0);
    expect(s.transfer(none, 0, 1).status).toBe('addr_nack');
    expect(s.transfer(none, 0, 15).status).toBe('ok');
  });

  it('stretches the clock when the command asks for it', () => {
    const s = new Sht3x(0x44, air);
    s.transfer(Buffer.from([0x2c, 0x06]), 0, 0);
    const r = s.transfer(none, 6, 5);
    expect(r.status).toBe('ok');
    expect(r.stretchMs).toBe(10);
  });

  it('NACKs an unknown command and flags it in the status register (with CRC)', () => {
    const s = new Sht3x(0x44, air);
    expect(s.transfer(Buffer.from([0x12, 0x34]), 0, 0).status).toBe('data_nack');
    const st = s.transfer(Buffer.from([0xf3, 0x2d]), 3, 1);
    expect(st.status).toBe('ok');
    expect(st.in.readUInt16BE(0) & 0x0002).toBe(0x0002);
    expect(st.in[2]).toBe(crc8Sensirion(st.in.subarray(0, 2)));
  });

  it('does not answer when its sensor is offline', () => {
    const s = new Sht3x(0x44, () => ({ values: {}, online: false }));
    expect(s.transfer(Buffer.from([0x24, 0x00]), 0, 0).status).toBe('addr_nack');
  });
});

describe('BH1750', () => {
  const light: Reading = () => ({ values: { illuminance: 1000 }, online: true });
  it('converts lux to counts per mode (count = lux × 1.2, ×2 in H-res2, 4 lx steps in L-res)', () => {
    expect(luxToCount(1000, 'h')).toBe(1200);
    expect(luxToCount(1000, 'h2')).toBe(2400);
    expect(luxToCount(1003, 'l')).toBe(1200);
    expect(luxToCount(1e6, 'h')).toBe(65535);
  });
  it('holds 0 until the first conversion (180 ms in H-res), then the value', () => {
    const b = new Bh1750(0x23, light, 'illuminance');
    b.transfer(Buffer.from([0x01]), 0, 0);
    b.transfer(Buffer.from([0x10]), 0, 0);
    expect(b.transfer(none, 2, 100).in.readUInt16BE(0)).toBe(0);
    expect(b.transfer(none, 2, 181).in.readUInt16BE(0)).toBe(1200);
  });
  it('one-time mode measures once then powers down (register kept)', () => {
    const b = new Bh1750(0x23, light, 'illuminance');
    b.transfer(Buffer.from([0x23]), 0, 0);
    expect(b.transfer(none, 2, 30).in.readUInt16BE(0)).toBe(1200);
    expect(b.transfer(none, 2, 500).in.readUInt16BE(0)).toBe(1200);
  });
  it('reads one byte (the MSB) or more than two (then 0xFF) without trouble', () => {
    const b = new Bh1750(0x23, light, 'illuminance');
    b.transfer(Buffer.from([0x23]), 0, 0);
    expect([...b.transfer(none, 1, 30).in]).toEqual([1200 >> 8]);
    expect([...b.transfer(none, 3, 30).in]).toEqual([1200 >> 8, 1200 & 0xff, 0xff]);
  });

  it('NACKs a byte that is no opcode', () => {
    expect(new Bh1750(0x23, light, 'illuminance').transfer(Buffer.from([0x99]), 0, 0).status).toBe(
      'data_nack',
    );
  });
});

describe('24C02 EEPROM', () => {
  it('wraps a page write at the 8-byte page boundary', () => {
    const e = new Eeprom24c02(0x50);
    e.transfer(Buffer.from([0x06, 1, 2, 3, 4]), 0, 0);
    expect([...e.memory.subarray(0, 8)]).toEqual([3, 4, 0xff, 0xff, 0xff, 0xff, 1, 2]);
  });
  it('NACKs its address during the write cycle (acknowledge polling)', () => {
    const e = new Eeprom24c02(0x50);
    e.transfer(Buffer.from([0x10, 0xaa]), 0, 0);
    expect(e.transfer(Buffer.from([0x10]), 1, WRITE_CYCLE_MS - 1).status).toBe('addr_nack');
    const r = e.transfer(Buffer.from([0x10]), 1, WRITE_CYCLE_MS);
    expect(r.status).toBe('ok');
    expect(r.in[0]).toBe(0xaa);
  });
  it('rolls a sequential read over from 0xFF to 0x00 and continues with current-address reads', () => {
    const e = new Eeprom24c02(0x50);
    e.memory[0xff] = 0x11;
    e.memory[0x00] = 0x22;
    e.memory[0x01] = 0x33;
    expect([...e.transfer(Buffer.from([0xff]), 2, 0).in]).toEqual([0x11, 0x22]);
    expect([...e.transfer(none, 1, 0).in]).toEqual([0x33]);
  });
  it('does not write when a repeated START replaces the STOP', () => {
    const e = new Eeprom24c02(0x50);
    const r = e.transfer(Buffer.from([0x20, 0x55]), 1, 0);
    expect(r.in[0]).toBe(0xff);
    expect(e.memory[0x20]).toBe(0xff);
  });
});

describe('MCP3008', () => {
  const adc = new Mcp3008(0, 3.3, (ch) => [1.65, 0.5, 3.3, 0][ch] ?? 0);
  it('answers the usual 3-byte single-ended exchange', () => {
    const r = adc.transfer(Buffer.from([0x01, 0x80, 0x00]), 0);
    expect(((r[1]! & 0x03) << 8) | r[2]!).toBe(512);
    const full = adc.transfer(Buffer.from([0x01, 0xa0, 0x00]), 0);
    expect(((full[1]! & 0x03) << 8) | full[2]!).toBe(1023);
  });
  it('gives the same code whatever the start bit alignment (datasheet Figure 6-1)', () => {
    // Start bit at bit 4 of 24: 0000 1 1 000 → SGL, CH0; null bit at 10, B9…B0 at bits 11–20.
    const r = adc.transfer(Buffer.from([0x0c, 0x00, 0x00]), 0);
    const bits = r.readUIntBE(0, 3);
    expect((bits >> 3) & 0x3ff).toBe(512);
    expect((bits >> 13) & 1).toBe(0);
  });
  it('differential: CH0−CH1 positive, CH1−CH0 negative reads 0', () => {
    const r = adc.transfer(Buffer.from([0x01, 0x00, 0x00]), 0);
    expect(((r[1]! & 3) << 8) | r[2]!).toBe(Math.round(((1.65 - 0.5) / 3.3) * 1024));
    const n = adc.transfer(Buffer.from([0x01, 0x10, 0x00]), 0);
    expect(((n[1]! & 3) << 8) | n[2]!).toBe(0);
  });
});

describe('W25Q32 flash', () => {
  const addr = (a: number) => [(a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff];
  it('reports its JEDEC id', () => {
    expect([...new W25q32(1).transfer(Buffer.from([0x9f, 0, 0, 0]), 0)].slice(1)).toEqual([
      0xef, 0x40, 0x16,
    ]);
  });
  it('ignores program without write enable; programs with it and is busy for tPP', () => {
    const f = new W25q32(1);
    f.transfer(Buffer.from([0x02, ...addr(0x100), 0x12]), 0);
    expect(f.readByte(0x100)).toBe(0xff);
    f.transfer(Buffer.from([0x06]), 0);
    expect(f.status1(0) & 0x02).toBe(0x02);
    f.transfer(Buffer.from([0x02, ...addr(0x100), 0x12, 0x34]), 1);
    expect(f.transfer(Buffer.from([0x05, 0]), 1.1)[1]! & 0x03).toBe(0x01);
    expect(f.transfer(Buffer.from([0x05, 0]), 2)[1]!).toBe(0x00);
    const r = f.transfer(Buffer.from([0x03, ...addr(0x100), 0, 0]), 2);
    expect([...r.subarray(4)]).toEqual([0x12, 0x34]);
  });
  it('can only clear bits, wraps within a page, and erases a sector to 0xFF (busy 45 ms)', () => {
    const f = new W25q32(1);
    f.transfer(Buffer.from([0x06]), 0);
    f.transfer(Buffer.from([0x02, ...addr(0x1ff), 0xf0, 0x0f]), 0);
    expect(f.readByte(0x1ff)).toBe(0xf0);
    expect(f.readByte(0x100)).toBe(0x0f);
    f.transfer(Buffer.from([0x06]), 1);
    f.transfer(Buffer.from([0x02, ...addr(0x1ff), 0x3c]), 1);
    expect(f.readByte(0x1ff)).toBe(0x30);
    f.transfer(Buffer.from([0x06]), 2);
    f.transfer(Buffer.from([0x20, ...addr(0x0123)]), 2);
    // While busy: reads are ignored (MISO floats high), status shows BUSY.
    expect(f.transfer(Buffer.from([0x9f, 0, 0, 0]), 20)[1]).toBe(0xff);
    expect(f.status1(46.9) & 1).toBe(1);
    expect(f.status1(47) & 1).toBe(0);
    expect(f.readByte(0x1ff)).toBe(0xff);
  });
});
