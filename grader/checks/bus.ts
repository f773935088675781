/**
 * MCU bus checks, from the board's `bus.transfer` evidence (docs/board.md, "Evidence"): commands
 * written to an I2C address, and reads from it that returned data whose CRC-8 words check out
 * (Sensirion CRC-8, poly 0x31, init 0xFF: a read made too early is NACKed and returns none).
 */
import { crc8Sensirion } from '../../devices/board/crc8.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import type { CheckOutcome, GradeContext, TaskParams } from '../types.js';
import { someRefs } from './mqtt.js';

export interface I2cTransfer extends EvidenceEvent {
  bus: 'i2c';
  address: number;
  out: string;
  in: string;
  status: string;
}

const hex2 = (a: number): string => `0x${a.toString(16).padStart(2, '0')}`;

/** I2C transfers to `address` on the lab's board within [start, end]. */
export function i2cTransfers(ctx: GradeContext, address: number): I2cTransfer[] {
  const board = ctx.plan.board?.id;
  return ctx.events.filter(
    (e): e is I2cTransfer =>
      e.kind === 'bus.transfer' &&
      e.bus === 'i2c' &&
      e.device === board &&
      e.address === address &&
      typeof e.out === 'string' &&
      typeof e.in === 'string' &&
      e.t >= ctx.start &&
      e.t <= ctx.end,
  );
}

/** At least `minCount` acknowledged writes to `address` starting with one of `commands` (hex). */
export function i2cCommandCheck<P extends TaskParams>(opts: {
  address: (ctx: GradeContext<P>) => number;
  commands: readonly string[];
  minCount: number;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const address = opts.address(ctx);
    const all = i2cTransfers(ctx, address);
    const got = all.filter(
      (e) => e.status === 'ok' && opts.commands.some((c) => e.out.toLowerCase().startsWith(c)),
    );
    const elsewhere = ctx.events.filter(
      (e) => e.kind === 'bus.transfer' && e.bus === 'i2c' && e.address !== address,
    );
    return {
      score: Math.min(1, got.length / opts.minCount),
      expected: `≥ ${opts.minCount} acknowledged writes of ${opts.commands.join(' or ')} to I2C ${hex2(address)}`,
      seen: `${got.length} such write(s); ${all.length} transfer(s) to ${hex2(address)} in all`,
      evidence: someRefs(got),
      ...(got.length < opts.minCount
        ? {
            hint:
              all.length === 0 && elsewhere.length > 0
                ? {
                    zh: `没有访问地址 ${hex2(address)} 的 I2C 传输：请按实验卡上的地址访问传感器（7 位地址）。`,
                    en: `No I2C transfer to ${hex2(address)}: use the sensor's 7-bit address from the lab card.`,
                  }
                : {
                    zh: `向 ${hex2(address)} 写入测量命令（${opts.commands.join(' / ')}）的次数不够。`,
                    en: `Too few measurement commands (${opts.commands.join(' / ')}) written to ${hex2(address)}.`,
                  },
          }
        : {}),
    };
  };
}

/** True when `bytes` is whole words of `wordBytes` data bytes each followed by its CRC-8. */
export function crcWordsValid(bytes: Buffer, wordBytes = 2): boolean {
  const step = wordBytes + 1;
  if (bytes.length === 0 || bytes.length % step !== 0) return false;
  for (let i = 0; i < bytes.length; i += step)
    if (crc8Sensirion(bytes.subarray(i, i + wordBytes)) !== bytes[i + wordBytes]) return false;
  return true;
}

/** At least `minCount` reads of `length` bytes from `address` that returned CRC-valid words. */
export function i2cReadCheck<P extends TaskParams>(opts: {
  address: (ctx: GradeContext<P>) => number;
  length: number;
  minCount: number;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const address = opts.address(ctx);
    const reads = i2cTransfers(ctx, address).filter((e) => e.out === '');
    const good = reads.filter(
      (e) =>
        e.status === 'ok' &&
        e.in.length === opts.length * 2 &&
        crcWordsValid(Buffer.from(e.in, 'hex')),
    );
    const nacked = reads.filter((e) => e.status === 'addr_nack');
    return {
      score: Math.min(1, good.length / opts.minCount),
      expected: `≥ ${opts.minCount} reads of ${opts.length} bytes from I2C ${hex2(address)} with valid CRCs`,
      seen: `${good.length} good read(s) of ${reads.length}; ${nacked.length} NACKed`,
      evidence: someRefs(good.length > 0 ? good : nacked),
      ...(good.length < opts.minCount
        ? {
            hint:
              nacked.length > 0
                ? {
                    zh: '读取被 NACK：测量需要时间（单次测量高重复性最长 15 ms），发送命令后先等待再读取。',
                    en: 'Reads were NACKed: a measurement takes time (up to 15 ms at high repeatability); wait after the command before reading.',
                  }
                : {
                    zh: `从 ${hex2(address)} 读取 ${opts.length} 字节（含 CRC）的次数不够。`,
                    en: `Too few ${opts.length}-byte reads (with CRCs) from ${hex2(address)}.`,
                  },
          }
        : {}),
    };
  };
}
