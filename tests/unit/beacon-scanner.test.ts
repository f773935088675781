/**
 * BLE beacon scanner: the report/command codec golden both ways, malformed lines with exact
 * errors, seeded properties; then the scanner model — report cycles, commands, the seeded room,
 * and the candidate's arithmetic: inverting the log-distance model and trilaterating from the
 * mean RSSI of many reports lands within a metre of the truth.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeCommand,
  decodeReport,
  encodeCommand,
  encodeReply,
  encodeReport,
} from '../../protocols/codecs/beacon.js';
import type { BeaconReport, ScannerCommand } from '../../protocols/codecs/beacon.js';
import { createBeaconScanner } from '../../devices/serial/beacon-scanner/model.js';
import type { BeaconInfo } from '../../devices/serial/beacon-scanner/model.js';
import type { ByteDevice, ByteIntent } from '../../devices/serial/model.js';
import { LabError } from '../../core/errors.js';
import { FaultBook } from '../../core/faults.js';
import type { SerialDevicePlan } from '../../devices/serial/plan.js';
import { BeaconScannerDevice } from '../../devices/serial/beacon-scanner/scenario.js';

const PROPS = { seed: 42, numRuns: 300 };

function scanner(seed = 1, config: Record<string, unknown> = {}): ByteDevice {
  const spec = BeaconScannerDevice.parse({ name: 'scanner', kind: 'beacon_scanner', ...config });
  const plan: SerialDevicePlan = {
    name: 'scanner',
    id: 'scanner-5c1e',
    spec,
    settings: spec.serial,
  };
  return createBeaconScanner(plan, {
    seed,
    faults: new FaultBook(),
    truthOf: () => {
      throw new Error('a scanner reads no other device');
    },
    modbusUnitOf: () => {
      throw new Error('a scanner has no Modbus unit');
    },
  });
}

function text(intents: ByteIntent[]): string {
  return intents.map((i) => ('send' in i ? i.send.toString('latin1') : '')).join('');
}

/** The reports of one emission, decoded. */
function reportsOf(intents: ByteIntent[]): BeaconReport[] {
  return text(intents)
    .split('\r\n')
    .filter((l) => l !== '')
    .map((l) => {
      const r = decodeReport(l);
      if (!r.ok) throw r.error;
      return r.value;
    });
}

// prettier-ignore
const GOLDEN_LINE =
  '+SCAN:' +                                  // report prefix
  'C4:7D:2A:11:9E:03' + ',' +                 // advertiser address, MSB first
  '-67' + ',' +                               // RSSI, dBm
  'E2C56DB5-DFFB-48D2-B060-D0F5A71096E0' + ',' + // iBeacon proximity UUID
  '10086' + ',' +                             // major
  '3' + ',' +                                 // minor
  '-59' +                                     // measured power at 1 m, dBm
  '\r\n'; // CR LF
const GOLDEN_REPORT: BeaconReport = {
  mac: 'C4:7D:2A:11:9E:03',
  rssi: -67,
  uuid: 'E2C56DB5-DFFB-48D2-B060-D0F5A71096E0',
  major: 10086,
  minor: 3,
  txPower: -59,
};

describe('report lines: golden both ways', () => {
  it('encodes and decodes the documented example', () => {
    expect(encodeReport(GOLDEN_REPORT)).toEqual(Buffer.from(GOLDEN_LINE, 'latin1'));
    expect(decodeReport(GOLDEN_LINE)).toEqual({ ok: true, value: GOLDEN_REPORT });
    expect(decodeReport(Buffer.from(GOLDEN_LINE))).toEqual({ ok: true, value: GOLDEN_REPORT });
  });

  it('accepts lower-case hex, a bare LF or no terminator, and normalises to upper case', () => {
    for (const line of [GOLDEN_LINE.toLowerCase().replace('+scan:', '+SCAN:'), GOLDEN_LINE.trim()])
      expect(decodeReport(line)).toEqual({ ok: true, value: GOLDEN_REPORT });
    expect(decodeReport(GOLDEN_LINE.replace('\r\n', '\n')).ok).toBe(true);
    expect(decodeReport(GOLDEN_LINE.replace('-67', '+5')).ok).toBe(true);
  });

  const U = 'E2C56DB5-DFFB-48D2-B060-D0F5A71096E0';
  // prettier-ignore
  const MALFORMED: [string, string, RegExp][] = [
    ['empty line', '', /starts with "\+SCAN:"/],
    ['other prefix', `+SCAM:C4:7D:2A:11:9E:03,-67,${U},1,2,-59`, /starts with "\+SCAN:"/],
    ['five fields', `+SCAN:C4:7D:2A:11:9E:03,-67,${U},1,2`, /6 fields, got 5/],
    ['seven fields', `+SCAN:C4:7D:2A:11:9E:03,-67,${U},1,2,-59,0`, /6 fields, got 7/],
    ['MAC without colons', `+SCAN:C47D2A119E03,-67,${U},1,2,-59`, /MAC "C47D2A119E03" is not six hex bytes/],
    ['MAC with 5 bytes', `+SCAN:C4:7D:2A:11:9E,-67,${U},1,2,-59`, /MAC/],
    ['MAC with a non-hex digit', `+SCAN:G4:7D:2A:11:9E:03,-67,${U},1,2,-59`, /MAC/],
    ['RSSI not a number', `+SCAN:C4:7D:2A:11:9E:03,-6x,${U},1,2,-59`, /RSSI "-6x" is not an integer/],
    ['RSSI with decimals', `+SCAN:C4:7D:2A:11:9E:03,-67.5,${U},1,2,-59`, /RSSI "-67.5"/],
    ['RSSI below -127', `+SCAN:C4:7D:2A:11:9E:03,-128,${U},1,2,-59`, /RSSI -128 is outside -127\.\.20/],
    ['RSSI above 20', `+SCAN:C4:7D:2A:11:9E:03,21,${U},1,2,-59`, /RSSI 21 is outside/],
    ['UUID without dashes', '+SCAN:C4:7D:2A:11:9E:03,-67,E2C56DB5DFFB48D2B060D0F5A71096E0,1,2,-59', /UUID .* 8-4-4-4-12/],
    ['UUID too short', '+SCAN:C4:7D:2A:11:9E:03,-67,E2C56DB5-DFFB-48D2-B060-D0F5A71096E,1,2,-59', /UUID/],
    ['negative major', `+SCAN:C4:7D:2A:11:9E:03,-67,${U},-1,2,-59`, /major "-1" is not an unsigned integer/],
    ['major above 65535', `+SCAN:C4:7D:2A:11:9E:03,-67,${U},65536,2,-59`, /major 65536 is outside 0\.\.65535/],
    ['minor not a number', `+SCAN:C4:7D:2A:11:9E:03,-67,${U},1,x,-59`, /minor "x"/],
    ['txPower out of a byte', `+SCAN:C4:7D:2A:11:9E:03,-67,${U},1,2,-200`, /txPower -200 is outside -128\.\.127/],
    ['spaces after commas', `+SCAN:C4:7D:2A:11:9E:03, -67,${U},1,2,-59`, /RSSI " -67"/],
  ];

  it.each(MALFORMED)('rejects %s', (_name, line, message) => {
    const r = decodeReport(line);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(LabError);
    expect(r.error.codeName).toBe('PROTOCOL_MALFORMED');
    expect(r.error.message).toMatch(message);
  });

  it('refuses to encode an impossible report', () => {
    for (const bad of [
      { rssi: 30 },
      { major: 70000 },
      { mac: 'nope' },
      { uuid: 'x' },
      { txPower: 1.5 },
    ])
      expect(() => encodeReport({ ...GOLDEN_REPORT, ...bad })).toThrow(LabError);
  });
});

describe('commands and replies: golden both ways', () => {
  // prettier-ignore
  const GOLDEN: [string, ScannerCommand][] = [
    ['AT' + '\r\n', { type: 'ping' }],                       // attention, CR LF
    ['AT+SCAN=1' + '\r\n', { type: 'scan', on: true }],      // start reports
    ['AT+SCAN=0' + '\r\n', { type: 'scan', on: false }],     // stop reports
    ['AT+RATE=2.5' + '\r\n', { type: 'set-rate', hz: 2.5 }], // 2.5 report cycles per second
    ['AT+RATE?' + '\r\n', { type: 'get-rate' }],             // ask the rate
  ];

  it.each(GOLDEN)('%j', (line, command) => {
    expect(encodeCommand(command)).toEqual(Buffer.from(line, 'latin1'));
    expect(decodeCommand(line)).toEqual({ ok: true, value: command });
  });

  it('takes lower case, CR alone and surrounding spaces', () => {
    expect(decodeCommand(' at+scan=0\r')).toEqual({ ok: true, value: { type: 'scan', on: false } });
  });

  it('encodes replies as bare CR LF lines', () => {
    expect(encodeReply({ type: 'ok' }).toString()).toBe('OK\r\n');
    expect(encodeReply({ type: 'error' }).toString()).toBe('ERROR\r\n');
    expect(encodeReply({ type: 'rate', hz: 0.5 }).toString()).toBe('+RATE:0.5\r\n');
  });

  // prettier-ignore
  const MALFORMED: [string, RegExp][] = [
    ['', /unknown command ""/],
    ['ATZ', /unknown command "ATZ"/],
    ['AT+SCAN=2', /AT\+SCAN takes 0 or 1, got "2"/],
    ['AT+SCAN=', /AT\+SCAN takes 0 or 1, got ""/],
    ['AT+RATE=0', /AT\+RATE takes a rate of 0\.1\.\.10 Hz, got "0"/],
    ['AT+RATE=11', /got "11"/],
    ['AT+RATE=-1', /got "-1"/],
    ['AT+RATE=1e1', /got "1E1"/],
  ];

  it.each(MALFORMED)('rejects %j', (line, message) => {
    const r = decodeCommand(line);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(message);
  });
});

describe('codec properties (seeded)', () => {
  const hexByte = fc
    .integer({ min: 0, max: 255 })
    .map((b) => b.toString(16).toUpperCase().padStart(2, '0'));
  const report: fc.Arbitrary<BeaconReport> = fc.record({
    mac: fc.array(hexByte, { minLength: 6, maxLength: 6 }).map((b) => b.join(':')),
    rssi: fc.integer({ min: -127, max: 20 }),
    uuid: fc.uuid().map((u) => u.toUpperCase()),
    major: fc.integer({ min: 0, max: 0xffff }),
    minor: fc.integer({ min: 0, max: 0xffff }),
    txPower: fc.integer({ min: -128, max: 127 }),
  });

  it('decode(encode(report)) equals the report', () => {
    fc.assert(
      fc.property(report, (r) => {
        expect(decodeReport(encodeReport(r))).toEqual({ ok: true, value: r });
      }),
      PROPS,
    );
  });

  it('decode(encode(command)) equals the command', () => {
    const command: fc.Arbitrary<ScannerCommand> = fc.oneof(
      fc.constant({ type: 'ping' as const }),
      fc.constant({ type: 'get-rate' as const }),
      fc.record({ type: fc.constant('scan' as const), on: fc.boolean() }),
      fc.record({
        type: fc.constant('set-rate' as const),
        hz: fc.integer({ min: 100, max: 10_000 }).map((m) => m / 1000),
      }),
    );
    fc.assert(
      fc.property(command, (c) => {
        expect(decodeCommand(encodeCommand(c))).toEqual({ ok: true, value: c });
      }),
      PROPS,
    );
  });

  it('random bytes decode to a value or a LabError, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        for (const r of [decodeReport(bytes), decodeCommand(bytes)])
          if (!r.ok) expect(r.error).toBeInstanceOf(LabError);
      }),
      PROPS,
    );
  });

  it('a corrupted byte in a report decodes to a LabError or to a well-formed report', () => {
    fc.assert(
      fc.property(report, fc.nat(), fc.integer({ min: 0, max: 255 }), (r, at, byte) => {
        const line = encodeReport(r);
        line[at % (line.length - 2)] = byte;
        const d = decodeReport(line);
        if (d.ok) expect(encodeReport(d.value).length).toBeGreaterThan(0);
        else expect(d.error).toBeInstanceOf(LabError);
      }),
      PROPS,
    );
  });
});

describe('scanner: report cycles', () => {
  it('reports every beacon once per cycle, on a 1/rateHz grid', () => {
    const s = scanner(1, { rateHz: 2 });
    expect(s.nextEmission(0)).toBe(500);
    expect(s.nextEmission(500)).toBe(1000);
    expect(s.nextEmission(740)).toBe(1000);
    const info = s.cardInfo().beacons as BeaconInfo[];
    const reports = reportsOf(s.emit(1000));
    expect(reports.map((r) => r.mac).sort()).toEqual(info.map((b) => b.mac).sort());
    for (const r of reports) {
      const b = info.find((x) => x.mac === r.mac)!;
      expect([r.uuid, r.major, r.minor, r.txPower]).toEqual([b.uuid, b.major, b.minor, b.txPower]);
    }
  });

  it('gives the same cycle the same lines, and different cycles different noise', () => {
    const a = scanner(4);
    expect(text(a.emit(3000))).toBe(text(scanner(4).emit(3000)));
    expect(text(a.emit(3000))).not.toBe(text(a.emit(4000)));
  });

  it('drops what the line cannot carry in one cycle (16 beacons at 10 Hz, 9600 baud)', () => {
    const s = scanner(1, { beacons: 16, rateHz: 10 });
    const bytes = text(s.emit(100)).length;
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(96); // 100 ms at ~1.04 ms a character
    const fast = scanner(1, { beacons: 16, rateHz: 1, serial: { baudRate: 115200 } });
    expect(reportsOf(fast.emit(1000))).toHaveLength(16);
  });
});

describe('scanner: commands', () => {
  const say = (s: ByteDevice, line: string, t = 0): ByteIntent[] =>
    s.receive(Buffer.from(line, 'latin1'), t);

  it('answers AT with OK, a little later', () => {
    expect(say(scanner(), 'AT\r\n')).toEqual([{ send: Buffer.from('OK\r\n'), delayMs: 10 }]);
  });

  it('stops and restarts reports (AT+SCAN)', () => {
    const s = scanner();
    expect(say(s, 'AT+SCAN=0\r', 1200)).toEqual([
      { state: { scanning: false, rateHz: 1 } },
      { send: Buffer.from('OK\r\n'), delayMs: 10 },
    ]);
    expect(s.nextEmission(1200)).toBe(2000); // still asked, so a restart needs no re-arm
    expect(s.emit(2000)).toEqual([]);
    expect(text(say(s, 'AT+SCAN=1\r', 2300))).toBe('OK\r\n');
    expect(s.nextEmission(2300)).toBe(3300);
    expect(reportsOf(s.emit(3300))).toHaveLength(4);
  });

  it('changes and reports the rate (AT+RATE)', () => {
    const s = scanner();
    expect(text(say(s, 'AT+RATE=4\r\n', 10_050))).toBe('OK\r\n');
    expect(s.nextEmission(10_050)).toBe(10_300);
    expect(text(say(s, 'AT+RATE?\r\n'))).toBe('+RATE:4\r\nOK\r\n');
  });

  it('answers ERROR to what it does not know, once per line, including over-long lines', () => {
    const s = scanner();
    expect(text(say(s, 'AT+FOO\rAT+RATE=99\rhello\n\r\n'))).toBe('ERROR\r\nERROR\r\nERROR\r\n');
    expect(say(s, 'A'.repeat(300))).toEqual([]);
    expect(text(say(s, 'AAA\r'))).toBe('ERROR\r\n');
    expect(text(say(s, 'AT\r'))).toBe('OK\r\n');
  });

  it('survives random bytes in random chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), (chunks) => {
        const s = scanner(2);
        for (const c of chunks)
          for (const i of s.receive(Buffer.from(c), 0))
            expect('send' in i ? Buffer.isBuffer(i.send) : 'state' in i).toBe(true);
        expect(s.nextEmission(0)).toBeGreaterThan(0);
      }),
      PROPS,
    );
  });
});

describe('scanner: room, truth and the candidate’s arithmetic', () => {
  it('puts beacons on the corners and walls, the scanner inside, as the card says', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const count = 3 + (seed % 14);
      const s = scanner(seed, { beacons: count, room: { width: 12, depth: 8 } });
      const card = s.cardInfo() as {
        beacons: BeaconInfo[];
        room: object;
        pathLossExponent: number;
      };
      expect(card.room).toEqual({ width: 12, depth: 8 });
      expect(card.pathLossExponent).toBe(2.2);
      expect(card.beacons).toHaveLength(count);
      expect(new Set(card.beacons.map((b) => b.mac)).size).toBe(count);
      expect(new Set(card.beacons.map((b) => b.minor)).size).toBe(count);
      for (const b of card.beacons) {
        expect(b.x === 0 || b.x === 12 || b.y === 0 || b.y === 8).toBe(true);
        expect(b.mac).toMatch(/^[C-F][0-9A-F](:[0-9A-F]{2}){5}$/);
        expect(b.uuid).toMatch(
          /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/,
        );
      }
      expect(
        card.beacons.filter((b) => (b.x === 0 || b.x === 12) && (b.y === 0 || b.y === 8)).length,
      ).toBe(Math.min(4, count));
      const { position } = s.truth(0) as { position: { x: number; y: number } };
      expect(position.x).toBeGreaterThanOrEqual(1.5);
      expect(position.x).toBeLessThanOrEqual(10.5);
      expect(position.y).toBeGreaterThanOrEqual(1.5);
      expect(position.y).toBeLessThanOrEqual(6.5);
    }
  });

  it('is deterministic per seed, differs across seeds, and stands still', () => {
    const a = scanner(8);
    expect(a.cardInfo()).toEqual(scanner(8).cardInfo());
    expect(a.truth(0)).toEqual(scanner(8).truth(0));
    expect(a.truth(3_600_000)).toEqual(a.truth(0));
    expect(scanner(9).cardInfo()).not.toEqual(a.cardInfo());
    expect(scanner(9).truth(0)).not.toEqual(a.truth(0));
  });

  it('inverting the model on noise-free RSSI recovers the distances', () => {
    const s = scanner(3, { noiseDb: 0 });
    const card = s.cardInfo() as { beacons: BeaconInfo[]; pathLossExponent: number };
    const truth = s.truth(0) as {
      beacons: { mac: string; distance: number; rssiExpected: number }[];
    };
    const n = card.pathLossExponent;
    for (const b of truth.beacons) {
      const tx = card.beacons.find((x) => x.mac === b.mac)!.txPower;
      // d = 10^((txPower − RSSI) / (10·n))
      expect(10 ** ((tx - b.rssiExpected) / (10 * n))).toBeCloseTo(b.distance, 9);
    }
    // The wire carries whole dBm: within half a dB, the distance is within 10^(0.5/22) − 1 ≈ 5.4 %.
    for (const r of reportsOf(s.emit(1000))) {
      const b = truth.beacons.find((x) => x.mac === r.mac)!;
      const d = 10 ** ((r.txPower - r.rssi) / (10 * n));
      expect(Math.abs(d - b.distance) / b.distance).toBeLessThanOrEqual(
        10 ** (0.5 / (10 * n)) - 1 + 1e-9,
      );
    }
  });

  it.each([
    [1, 4],
    [2, 4],
    [3, 3],
    [4, 6],
    [5, 8],
    [6, 16],
  ])(
    'trilaterates within 1 m from the mean of 300 reports (seed %i, %i beacons)',
    (seed, count) => {
      const s = scanner(seed, { beacons: count, serial: { baudRate: 115200 } });
      const card = s.cardInfo() as { beacons: BeaconInfo[]; pathLossExponent: number };
      const sums = new Map<string, { sum: number; k: number }>();
      for (let t = 1000; t <= 300_000; t += 1000)
        for (const r of reportsOf(s.emit(t))) {
          const acc = sums.get(r.mac) ?? { sum: 0, k: 0 };
          sums.set(r.mac, { sum: acc.sum + r.rssi, k: acc.k + 1 });
        }
      const circles = card.beacons.map((b) => {
        const { sum, k } = sums.get(b.mac)!;
        return { x: b.x, y: b.y, d: 10 ** ((b.txPower - sum / k) / (10 * card.pathLossExponent)) };
      });
      const got = trilaterate(circles);
      const { position } = s.truth(0) as { position: { x: number; y: number } };
      expect(Math.hypot(got.x - position.x, got.y - position.y)).toBeLessThan(1);
    },
  );
});

/**
 * Linear least squares: subtracting the first circle from the others leaves
 * 2(xi − x0)·x + 2(yi − y0)·y = d0² − di² + xi² − x0² + yi² − y0², solved by normal equations.
 */
function trilaterate(c: { x: number; y: number; d: number }[]): { x: number; y: number } {
  const [o, ...rest] = c;
  let a11 = 0;
  let a12 = 0;
  let a22 = 0;
  let b1 = 0;
  let b2 = 0;
  for (const p of rest) {
    const ax = 2 * (p.x - o!.x);
    const ay = 2 * (p.y - o!.y);
    const rhs = o!.d ** 2 - p.d ** 2 + p.x ** 2 - o!.x ** 2 + p.y ** 2 - o!.y ** 2;
    a11 += ax * ax;
    a12 += ax * ay;
    a22 += ay * ay;
    b1 += ax * rhs;
    b2 += ay * rhs;
  }
  const det = a11 * a22 - a12 * a12;
  return { x: (a22 * b1 - a12 * b2) / det, y: (a11 * b2 - a12 * b1) / det };
}
