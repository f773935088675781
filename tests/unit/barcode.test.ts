/**
 * Barcode scanner: the codec (EAN-13 check digits and bars per GS1 General Specifications
 * §7.9.1 / §5.2.1.2, scan lines, host commands) with golden bytes both ways, malformed input
 * with exact errors and seeded properties; the device model (seeded catalogue, Poisson
 * schedule, commands, truth); and the PNG images.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The default export's raw() is the symbol encoder; the named `raw` export is bwip-js's `raw`
// symbology renderer (its typings say otherwise).
import bwipjs from 'bwip-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkEan13,
  decodeScanLine,
  ean13,
  ean13CheckDigit,
  ean13Modules,
  encodeHostCommand,
  encodeMenuReply,
  encodeScan,
  isValidEan13,
  parseHostCommands,
  runLengths,
  splitScanLines,
} from '../../protocols/codecs/barcode.js';
import type { HostCommand, Suffix } from '../../protocols/codecs/barcode.js';
import { renderCodePng } from '../../devices/serial/barcode-scanner/images.js';
import {
  BarcodeScanner,
  DECODE_MS,
  codeCatalogue,
} from '../../devices/serial/barcode-scanner/model.js';
import type { Scan } from '../../devices/serial/barcode-scanner/model.js';
import { LabError } from '../../core/errors.js';
import { FaultBook } from '../../core/faults.js';
import type { SerialDevicePlan } from '../../devices/serial/plan.js';
import { BarcodeScannerDevice } from '../../devices/serial/barcode-scanner/scenario.js';
import { requireTools } from '../support/debian.js';

const PROPS = { seed: 42, numRuns: 300 };
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const HOUR = 3_600_000;

function planOf(over: Record<string, unknown> = {}): SerialDevicePlan {
  const spec = BarcodeScannerDevice.parse({ name: 'scanner', kind: 'barcode_scanner', ...over });
  return { name: 'scanner', id: 'scanner-3f2a', spec, settings: spec.serial };
}
function scanner(over: Record<string, unknown> = {}, seed = 7, faults = new FaultBook()) {
  const ctx = {
    seed,
    faults,
    truthOf: () => ({ values: {}, physical: {}, units: {}, online: true, faults: [] }),
    modbusUnitOf: () => {
      throw new Error('no Modbus here');
    },
  };
  return new BarcodeScanner(planOf(over), ctx);
}
const sends = (intents: ReturnType<BarcodeScanner['emit']>): Buffer[] =>
  intents.flatMap((i) => ('send' in i ? [i.send] : []));

describe('EAN-13 check digit (GS1 §7.9.1)', () => {
  // Weights 1,3,1,3,… from the left over the 12 data digits; check = (10 − sum mod 10) mod 10.
  const golden: [string, number][] = [
    // 6·1+9·3+0·1+1·3+2·1+3·3+4·1+5·3+6·1+7·3+8·1+9·3 = 128 → 2
    ['690123456789', 2],
    // 4+0+0+18+3+24+1+9+3+9+9+9 = 89 → 1 (the GS1 example 4006381333931)
    ['400638133393', 1],
    // 6+27+7+15+3+3+0+24+6+12+2+0 = 105 → 5
    ['697531086420', 5],
    // 6+27+7 = 40 → 0 (sum already a multiple of 10)
    ['690000000070', 0],
    // 6+27+2 = 35 → 5
    ['692000000000', 5],
  ];
  it.each(golden)('%s → check digit %i', (base, check) => {
    expect(ean13CheckDigit(base)).toBe(check);
    expect(ean13(base)).toBe(base + String(check));
    expect(isValidEan13(base + String(check))).toBe(true);
    expect(isValidEan13(base + String((check + 1) % 10))).toBe(false);
  });

  it('reports prefix, printed and expected check digit', () => {
    expect(checkEan13('6901234567892')).toEqual({
      digits: '6901234567892',
      prefix: '690',
      check: 2,
      expected: 2,
      valid: true,
    });
    expect(checkEan13('6901234567895')).toMatchObject({ check: 5, expected: 2, valid: false });
  });

  const malformed: [string, string, string][] = [
    ['', 'length', 'an EAN-13 code has 13 digits, got 0 characters'],
    ['690123456789', 'length', 'an EAN-13 code has 13 digits, got 12 characters'],
    ['69012345678X2', 'not-digits', 'an EAN-13 code has only digits 0–9, got "69012345678X2"'],
    [' 690123456789', 'not-digits', 'an EAN-13 code has only digits 0–9, got " 690123456789"'],
    [
      '６９０１２３４５６７８９２',
      'not-digits',
      'an EAN-13 code has only digits 0–9, got "６９０１２３４５６７８９２"',
    ],
  ];
  it.each(malformed)('rejects %j: %s', (s, reason, message) => {
    const r = checkEan13(s);
    expect(r).toBeInstanceOf(LabError);
    expect((r as LabError).context.reason).toBe(reason);
    expect((r as LabError).message).toBe(message);
    expect(isValidEan13(s)).toBe(false);
  });

  it('refuses to compute a check digit of anything but 12 digits (our own bug)', () => {
    expect(() => ean13('69012345678')).toThrow('EAN-13 needs 12 data digits, got "69012345678"');
  });

  const digits = (n: number) =>
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((a) => a.join(''));

  it('makes any 12 digits a valid code', () => {
    fc.assert(
      fc.property(digits(12), (base) => isValidEan13(ean13(base))),
      PROPS,
    );
  });

  it('detects every single-digit error (weights 1 and 3 are units mod 10)', () => {
    fc.assert(
      fc.property(
        digits(12),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 1, max: 9 }),
        (base, at, delta) => {
          const code = ean13(base);
          const wrong =
            code.slice(0, at) + String((Number(code[at]) + delta) % 10) + code.slice(at + 1);
          return !isValidEan13(wrong);
        },
      ),
      PROPS,
    );
  });
});

describe('EAN-13 bars (GS1 §5.2.1.2)', () => {
  it('draws 6901234567892 module by module', () => {
    // prettier-ignore
    const golden =
      '101' +     // start guard
      '0001011' + // 9, set A (first digit 6 → parity A B B B A A)
      '0100111' + // 0, set B
      '0110011' + // 1, set B
      '0011011' + // 2, set B
      '0111101' + // 3, set A
      '0100011' + // 4, set A
      '01010' +   // centre guard
      '1001110' + // 5, set C
      '1010000' + // 6, set C
      '1000100' + // 7, set C
      '1001000' + // 8, set C
      '1110100' + // 9, set C
      '1101100' + // 2, set C (check digit)
      '101'; // end guard
    expect(ean13Modules('6901234567892')).toBe(golden);
    expect(runLengths(golden).slice(0, 7)).toEqual([1, 1, 1, 3, 1, 1, 2]);
  });

  it('matches the bars bwip-js draws for any valid code', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{12}$/), (base) => {
        const code = ean13(base);
        const [symbol] = bwipjs.raw({ bcid: 'ean13', text: code });
        expect(symbol && 'sbs' in symbol ? symbol.sbs : symbol).toEqual(
          runLengths(ean13Modules(code)),
        );
      }),
      { ...PROPS, numRuns: 50 },
    );
  });
});

describe('scan lines', () => {
  const golden: [Suffix, string][] = [
    ['CR', '53 4E 2D 31 0D'], // "SN-1" + CR
    ['LF', '53 4E 2D 31 0A'], // "SN-1" + LF
    ['CRLF', '53 4E 2D 31 0D 0A'], // "SN-1" + CR LF
    ['none', '53 4E 2D 31'], // "SN-1", nothing after it
  ];
  it.each(golden)('ends a scan with suffix %s', (suffix, bytes) => {
    expect(encodeScan('SN-1', suffix)).toEqual(hex(bytes));
    const { lines, rest } = splitScanLines(hex(bytes));
    if (suffix === 'none') expect(rest).toEqual(hex(bytes));
    else
      expect(lines.map((l) => decodeScanLine(l))).toEqual([
        { text: 'SN-1', aim: null, symbology: null },
      ]);
  });

  it('prefixes the AIM identifier when asked', () => {
    // ] E 0 = EAN-13 (ISO/IEC 15424), 13 digits, CR
    const bytes = hex('5D 45 30' + '36 39 30 31 32 33 34 35 36 37 38 39 32' + '0D');
    expect(encodeScan('6901234567892', 'CR', 'ean13')).toEqual(bytes);
    const [line] = splitScanLines(bytes).lines;
    expect(decodeScanLine(line!, { aim: true })).toEqual({
      text: '6901234567892',
      aim: ']E0',
      symbology: 'ean13',
    });
    expect(encodeScan('x', 'LF', 'qr')).toEqual(hex('5D 51 31 78 0A')); // ]Q1 x LF
    expect(encodeScan('x', 'LF', 'code128')).toEqual(hex('5D 43 30 78 0A')); // ]C0 x LF
  });

  it('refuses a text the line could not carry (our own bug)', () => {
    expect(() => encodeScan('', 'CR')).toThrow('a scan has at least one character');
    expect(() => encodeScan('a\rb', 'CR')).toThrow('a scan line cannot carry control characters');
  });

  const malformed: [string, Buffer, boolean, string, string][] = [
    ['empty', Buffer.alloc(0), false, 'empty', 'an empty scan line'],
    ['too long', Buffer.alloc(4097, 0x41), false, 'too-long', 'a scan line of at most 4096 bytes'],
    ['bad UTF-8', hex('41 FF 42'), false, 'not-utf8', 'a scan line is UTF-8 text'],
    [
      'control',
      hex('41 42 01 43'),
      false,
      'control-character',
      'control character 0x01 in a scan line',
    ],
    [
      'no AIM id',
      Buffer.from('ABC'),
      true,
      'no-aim-id',
      'expected an AIM identifier (`]` + letter + modifier) first',
    ],
    ['AIM id only', Buffer.from(']E0'), true, 'empty', 'an AIM identifier without data'],
  ];
  it.each(malformed)('rejects %s', (_name, line, aim, reason, message) => {
    const r = decodeScanLine(line, { aim });
    expect(r).toBeInstanceOf(LabError);
    expect((r as LabError).context.reason).toBe(reason);
    expect((r as LabError).message).toBe(message);
  });

  it('keeps GS (FNC1 of GS1 data) and unknown AIM ids', () => {
    expect(decodeScanLine(Buffer.from('01\x1d10AB'))).toMatchObject({ text: '01\x1d10AB' });
    expect(decodeScanLine(Buffer.from(']d2X'), { aim: true })).toEqual({
      text: 'X',
      aim: ']d2',
      symbology: null,
    });
  });

  const text = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
    .filter((s) => [...s].every((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f));
  it('decodes what it encodes, however the bytes are chunked', () => {
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 6 }),
        fc.constantFrom<Suffix>('CR', 'LF', 'CRLF'),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }),
        (texts, suffix, cuts) => {
          const stream = Buffer.concat(texts.map((t) => encodeScan(t, suffix)));
          const got: string[] = [];
          let pending: Buffer = Buffer.alloc(0);
          for (let at = 0, k = 0; at < stream.length; k++) {
            const n = cuts[k % cuts.length]!;
            const r = splitScanLines(Buffer.concat([pending, stream.subarray(at, at + n)]));
            for (const l of r.lines) got.push((decodeScanLine(l) as { text: string }).text);
            pending = r.rest;
            at += n;
          }
          expect(got).toEqual(texts);
          expect(pending.length).toBe(0);
        },
      ),
      PROPS,
    );
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (bytes, aim) => {
        for (const l of splitScanLines(Buffer.from(bytes)).lines) {
          const r = decodeScanLine(l, { aim });
          if (!(r instanceof LabError)) expect(typeof r.text).toBe('string');
        }
      }),
      PROPS,
    );
  });
});

describe('host commands', () => {
  const golden: [string, HostCommand, string][] = [
    ['trigger', { type: 'trigger' }, '16 54 0D'], // SYN 'T' CR
    ['untrigger', { type: 'untrigger' }, '16 55 0D'], // SYN 'U' CR
    // SYN 'M' CR, then "AIMID1" and '!' (running settings only)
    ['menu', { type: 'menu', body: 'AIMID1', terminator: '!' }, '16 4D 0D 41 49 4D 49 44 31 21'],
    // SYN 'M' CR, "AIMID?" and '.' (store)
    [
      'menu query',
      { type: 'menu', body: 'AIMID?', terminator: '.' },
      '16 4D 0D 41 49 4D 49 44 3F 2E',
    ],
  ];
  it.each(golden)('%s both ways', (_n, cmd, bytes) => {
    expect(encodeHostCommand(cmd)).toEqual(hex(bytes));
    expect(parseHostCommands(hex(bytes))).toEqual({
      items: [cmd],
      rest: Buffer.alloc(0),
      skipped: 0,
    });
  });

  it('encodes menu replies: echo, status byte, terminator', () => {
    expect(encodeMenuReply('AIMID1', 'ack', '!')).toEqual(hex('41 49 4D 49 44 31 06 21')); // … ACK !
    expect(encodeMenuReply('FOO1', 'enq', '!')).toEqual(hex('46 4F 4F 31 05 21')); // … ENQ !
    expect(encodeMenuReply('AIMID7', 'nak', '.')).toEqual(hex('41 49 4D 49 44 37 15 2E')); // … NAK .
  });

  const malformed: [string, string, (HostCommand | [string, string])[], number][] = [
    [
      'unknown letter',
      '16 58 0D',
      [['unknown-command', 'unknown command SYN 0x58 CR (T, U and M are)']],
      0,
    ],
    ['no CR', '16 54 41', [['bad-frame', 'expected CR (0x0D) after SYN 0x54']], 2],
    ['empty menu', '16 4D 0D 21', [['empty', 'an empty menu command']], 0],
    ['control in menu', '16 4D 0D 41 01 21', [['bad-frame', 'byte 0x01 inside a menu command']], 1],
    [
      'menu too long',
      '16 4D 0D' + '41'.repeat(65) + '21', // the 66th byte is cut: the '!' after it is noise
      [['too-long', 'a menu body of at most 64 characters']],
      1,
    ],
    [
      'menu cut by SYN',
      '16 4D 0D 41 16 54 0D',
      [['bad-frame', 'byte 0x16 inside a menu command'], { type: 'trigger' }],
      0,
    ],
    ['noise around', '41 42 16 54 0D 43', [{ type: 'trigger' }], 3],
  ];
  it.each(malformed)('%s', (_n, bytes, want, skipped) => {
    const r = parseHostCommands(hex(bytes));
    expect(r.skipped).toBe(skipped);
    expect(r.rest.length).toBe(0);
    expect(r.items.map((i) => (i instanceof LabError ? [i.context.reason, i.message] : i))).toEqual(
      want,
    );
  });

  it('keeps an unfinished command for the next chunk', () => {
    expect(parseHostCommands(hex('16 4D 0D 41 49'))).toEqual({
      items: [],
      rest: hex('16 4D 0D 41 49'),
      skipped: 0,
    });
    expect(parseHostCommands(hex('16 54'))).toMatchObject({ items: [], rest: hex('16 54') });
  });

  it('never throws on random bytes and never holds more than one command', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = parseHostCommands(Buffer.from(bytes));
        for (const i of r.items)
          if (!(i instanceof LabError)) expect(i.type).toMatch(/trigger|menu/);
        expect(r.rest.length).toBeLessThanOrEqual(3 + 65);
      }),
      PROPS,
    );
  });
});

describe('scanner catalogue', () => {
  it('holds Chinese EAN-13 products, misprints, Code 128 labels and three kinds of QR', () => {
    const codes = codeCatalogue(planOf(), 7);
    const ean = codes.filter((c) => c.symbology === 'ean13');
    expect(ean).toHaveLength(8);
    for (const c of ean) {
      expect(c.text).toMatch(/^69\d{11}$/);
      expect(isValidEan13(c.text)).toBe(c.valid);
      expect(c.valid).toBe(c.kind === 'product');
    }
    expect(new Set(codes.map((c) => c.text)).size).toBe(codes.length);
    for (const c of codes.filter((x) => x.symbology === 'code128'))
      expect(c.text).toMatch(/^(SN|AS)-2026-\d{6}$/);
    const qr = codes.filter((c) => c.symbology === 'qr');
    expect(qr.map((c) => c.kind)).toEqual(['text', 'url', 'json']);
    expect(qr[1]!.text).toMatch(/^https:\/\/trace\.example\.com\/p\/[0-9a-f]{10}$/);
    expect(Object.keys(JSON.parse(qr[2]!.text) as object)).toEqual(['sku', 'qty', 'lot']);
    expect(codes.map((c) => c.index)).toEqual(codes.map((_, i) => i));
  });

  it('has only the enabled symbologies and no misprints when invalidRatio is 0', () => {
    const codes = codeCatalogue(planOf({ symbologies: ['ean13'], invalidRatio: 0 }), 7);
    expect(codes.every((c) => c.symbology === 'ean13' && c.valid)).toBe(true);
  });

  it('is the same per seed and differs across seeds', () => {
    expect(codeCatalogue(planOf(), 7)).toEqual(codeCatalogue(planOf(), 7));
    expect(codeCatalogue(planOf(), 8)).not.toEqual(codeCatalogue(planOf(), 7));
  });
});

describe('scanner schedule and output', () => {
  /** Drives the device as the runtime does: nextEmission, then emit at that time. */
  function run(dev: BarcodeScanner, until: number): { t: number; bytes: Buffer }[] {
    const out: { t: number; bytes: Buffer }[] = [];
    for (let t = dev.nextEmission(0); t !== undefined && t <= until; t = dev.nextEmission(t))
      for (const b of sends(dev.emit(t))) out.push({ t, bytes: b });
    return out;
  }

  it('prints every scheduled scan as text + suffix, as truth lists them', () => {
    for (const suffix of ['CR', 'LF', 'CRLF', 'none'] as const) {
      const dev = scanner({ suffix, meanIntervalS: 20 });
      const lines = run(dev, HOUR);
      const scans = dev.truth(HOUR).scans as Scan[];
      expect(lines.length).toBeGreaterThan(100);
      expect(lines.map((l) => l.t)).toEqual(scans.map((s) => s.t));
      const tail = { CR: '\r', LF: '\n', CRLF: '\r\n', none: '' }[suffix];
      expect(lines.map((l) => l.bytes.toString('utf8'))).toEqual(scans.map((s) => s.text + tail));
    }
  });

  it('is the same for the same seed and differs across seeds', () => {
    const texts = (seed: number) =>
      (scanner({}, seed).truth(HOUR).scans as Scan[]).map((s) => `${s.t} ${s.text}`);
    expect(texts(7)).toEqual(texts(7));
    expect(texts(8)).not.toEqual(texts(7));
    // and truth does not depend on the order of questions
    const a = scanner();
    a.truth(3 * HOUR);
    expect(a.truth(HOUR)).toEqual(scanner().truth(HOUR));
  });

  it('spaces scans by meanIntervalS on average and draws misprints at invalidRatio', () => {
    const dev = scanner({ meanIntervalS: 2, invalidRatio: 0.2 });
    const scans = dev.truth(10 * HOUR).scans as Scan[];
    expect(scans.length / (10 * 3600)).toBeCloseTo(1 / 2, 1);
    const ean = scans.filter((s) => s.symbology === 'ean13');
    expect(ean.length / scans.length).toBeCloseTo(1 / 3, 1);
    const share = ean.filter((s) => !s.valid).length / ean.length;
    expect(Math.abs(share - 0.2)).toBeLessThan(0.02);
    for (const s of scans) expect(isValidEan13(s.text) || s.symbology !== 'ean13').toBe(s.valid);
    for (const ratio of [0, 1]) {
      const e = (
        scanner({ meanIntervalS: 5, invalidRatio: ratio }).truth(HOUR).scans as Scan[]
      ).filter((s) => s.symbology === 'ean13');
      expect(e.every((s) => s.valid === (ratio === 0))).toBe(true);
    }
  });

  it('answers a trigger with ACK, then a read DECODE_MS later, recorded as state', () => {
    const dev = scanner({ suffix: 'CRLF' });
    const intents = dev.receive(hex('16 54 0D'), 5000);
    expect(intents[0]).toEqual({ send: hex('06') });
    const line = intents[1] as { send: Buffer; delayMs: number };
    expect(line.delayMs).toBe(DECODE_MS);
    const state = intents[2] as { state: { trigger: number; scan: Scan } };
    expect(state.state.trigger).toBe(0);
    expect(line.send.toString()).toBe(`${state.state.scan.text}\r\n`);
    const last = dev.truth(5000 + DECODE_MS).last as Scan;
    expect(last).toMatchObject({ source: 'trigger', t: 5000 + DECODE_MS, delivered: true });
    expect(dev.receive(hex('16 55 0D'), 6000)).toEqual([{ send: hex('06') }]);
  });

  it('switches the AIM prefix by menu command, and answers queries and bad tags', () => {
    const dev = scanner({ suffix: 'CR' });
    // the command arrives in three chunks
    expect(dev.receive(hex('16 4D'), 1000)).toEqual([]);
    expect(dev.receive(Buffer.from('\rAIMI'), 1001)).toEqual([]);
    expect(dev.receive(Buffer.from('D1!'), 1002)).toEqual([
      { send: hex('41 49 4D 49 44 31 06 21') }, // AIMID1 ACK !
      { state: { aimId: true } },
    ]);
    const t = dev.nextEmission(1002)!;
    const scan = (dev.truth(t).scans as Scan[]).at(-1)!;
    const prefix = { ean13: ']E0', code128: ']C0', qr: ']Q1' }[scan.symbology];
    expect(sends(dev.emit(t))[0]!.toString()).toBe(`${prefix}${scan.text}\r`);
    expect(dev.receive(Buffer.from('\x16M\rAIMID?!'), t)).toEqual([
      { send: Buffer.from('AIMID1\x06!') },
    ]);
    expect(dev.receive(Buffer.from('\x16M\rAIMID7!'), t)).toEqual([
      { send: Buffer.from('AIMID7\x15!') },
    ]);
    expect(dev.receive(Buffer.from('\x16M\rBEEP1!'), t)).toEqual([
      { send: Buffer.from('BEEP1\x05!') },
    ]);
    expect(dev.receive(hex('16 58 0D'), t)).toEqual([{ send: hex('15') }]); // unknown: NAK
  });

  it('ignores any other bytes without throwing', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 10 }), (chunks) => {
        const dev = scanner();
        chunks.forEach((c, i) => dev.receive(Buffer.from(c), i * 10));
      }),
      { ...PROPS, numRuns: 100 },
    );
  });

  it('marks scans swallowed by an offline fault as not delivered', () => {
    const faults = new FaultBook();
    faults.add({
      id: 'f1',
      deviceId: 'scanner-3f2a',
      type: 'offline',
      start: 600_000,
      end: 1_200_000,
    });
    const truth = scanner({}, 7, faults).truth(HOUR);
    const scans = truth.scans as Scan[];
    for (const s of scans) expect(s.delivered).toBe(s.t < 600_000 || s.t >= 1_200_000);
    expect(truth.count).toBe(scans.filter((s) => s.delivered).length);
    expect(scanner({}, 7, faults).truth(900_000)).toMatchObject({
      online: false,
      faults: ['offline'],
    });
  });

  it('publishes suffix, symbologies, commands and codes with image paths on the card', () => {
    const info = scanner({ suffix: 'CRLF' }).cardInfo();
    expect(info).toMatchObject({
      suffix: 'CRLF',
      suffixHex: '0D0A',
      symbologies: ['ean13', 'code128', 'qr'],
    });
    const codes = info.codes as { index: number; image: string }[];
    expect(codes).toHaveLength(15);
    expect(codes[3]!.image).toBe('codes/3.png');
  });
});

describe('code images', () => {
  const codes = codeCatalogue(planOf(), 7);

  it('renders a PNG of every code of the catalogue, misprints included', async () => {
    for (const c of codes) {
      const png = await renderCodePng(c);
      expect(png.subarray(0, 8)).toEqual(hex('89 50 4E 47 0D 0A 1A 0A'));
      expect(png.length).toBeGreaterThan(1000);
      const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)]; // IHDR width, height
      expect(w).toBeGreaterThan(c.symbology === 'qr' ? 100 : 3 * 95);
      expect(h).toBeGreaterThan(50);
    }
    await expect(renderCodePng({ symbology: 'ean13', text: '123' })).rejects.toThrow(
      'an EAN-13 image needs 13 digits, got "123"',
    );
  });

  // An independent decoder reads our images back: zbarimg, from Debian's zbar-tools.
  it('zbarimg decodes every valid code image back to its text', async () => {
    requireTools('zbarimg');
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-barcode-'));
    try {
      for (const c of codes.filter((x) => x.valid)) {
        const file = join(dir, `${c.index}.png`);
        writeFileSync(file, await renderCodePng(c));
        const r = spawnSync('zbarimg', ['--quiet', '--raw', file], { encoding: 'utf8' });
        expect(r.stdout.trim()).toBe(c.text);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('noise lines', () => {
  it('sends at each listed time a line that is not a 13-digit code, listed apart from the scans', () => {
    const s = scanner({
      symbologies: ['ean13'],
      suffix: 'LF',
      noise: [
        { at: 2, kind: 'cut' },
        { at: 5, kind: 'garbled' },
      ],
    });
    const got: string[] = [];
    let t = 0;
    for (;;) {
      const next = s.nextEmission(t);
      if (next === undefined || next > 6000) break;
      t = next;
      got.push(...sends(s.emit(t)).map((b) => b.toString('latin1')));
      if (t === 2000 || t === 5000) expect(got.at(-1)).not.toMatch(/^[0-9]{13}\n$/);
    }
    const noise = s.truth(6000).noise as { t: number; kind: string; text: string }[];
    expect(noise.map((n) => [n.t, n.kind])).toEqual([
      [2000, 'cut'],
      [5000, 'garbled'],
    ]);
    expect(noise[0]!.text).toMatch(/^[0-9]{5,11}$/);
    expect(noise[1]!.text).toHaveLength(13);
    expect(noise[1]!.text).toMatch(/[^0-9]/);
    for (const n of noise) expect(got).toContain(`${n.text}\n`);
    const scans = s.truth(6000).scans as Scan[];
    expect(scans.map((x) => x.text)).not.toContain(noise[0]!.text);
  });
});
