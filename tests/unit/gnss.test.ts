/**
 * GNSS receiver model, driven in-process: the runtime's calls (nextEmission → emit, receive)
 * are made directly, and what goes on the line is read back with the NMEA codec.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { DEFAULT_EPOCH_MS, createGnss, gnssFactory } from '../../devices/serial/gnss/model.js';
import type { EmittedSentence, GnssReceiver } from '../../devices/serial/gnss/model.js';
import type { ByteDevice, ByteIntent } from '../../devices/serial/model.js';
import { decodeFrame } from '../../protocols/codecs/nmea.js';
import { decodeSentence } from '../../protocols/codecs/nmea-sentences.js';
import type {
  GgaSentence,
  NmeaSentence,
  RmcSentence,
  VtgSentence,
} from '../../protocols/codecs/nmea-sentences.js';
import { LabError } from '../../core/errors.js';
import { FaultBook } from '../../core/faults.js';
import { GnssDevice } from '../../devices/serial/gnss/scenario.js';

type SpecInput = Omit<z.input<typeof GnssDevice>, 'name' | 'kind'>;

function receiver(spec: SpecInput = {}, seed = 1, factory = createGnss): GnssReceiver {
  const parsed = GnssDevice.parse({ name: 'gps', kind: 'gnss', ...spec });
  const ctx = {
    seed,
    faults: new FaultBook(),
    truthOf: () => {
      throw new Error('not used');
    },
    modbusUnitOf: () => {
      throw new Error('not used');
    },
  };
  return factory(
    { name: 'gps', id: 'gps-0a1b', spec: parsed, settings: parsed.serial },
    ctx,
  ) as GnssReceiver;
}

const sent = (intents: ByteIntent[]) =>
  intents.flatMap((i) => ('send' in i ? [i.send.toString('latin1')] : []));

/** Runs the device as the runtime would, for n ticks: the lines of each tick. */
function run(dev: ByteDevice, n: number): { t: number; lines: string[]; intents: ByteIntent[] }[] {
  const out = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t = dev.nextEmission(t)!;
    const intents = dev.emit(t);
    out.push({ t, lines: sent(intents), intents });
  }
  return out;
}

function decoded(lines: string[]): NmeaSentence[] {
  return lines.map((l) => {
    const d = decodeSentence(l);
    if (d instanceof LabError) throw d;
    return d;
  });
}

function typed<T extends NmeaSentence['type']>(s: NmeaSentence[], type: T) {
  return s.find((x) => x.type === type) as Extract<NmeaSentence, { type: T }> | undefined;
}

/** Great-circle distance on a sphere of mean Earth radius, m. */
function haversine(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const r = Math.PI / 180;
  const h =
    Math.sin(((b.lat - a.lat) * r) / 2) ** 2 +
    Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(((b.lon - a.lon) * r) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
}

describe('what goes on the line', () => {
  it('emits the configured sentences every 1/rateHz s, GGA, GSA, GSV…, RMC, VTG', () => {
    const dev = receiver();
    const ticks = run(dev, 5);
    expect(ticks.map((x) => x.t)).toEqual([1000, 2000, 3000, 4000, 5000]);
    for (const { lines } of ticks) {
      for (const l of lines) {
        expect(l.endsWith('\r\n')).toBe(true);
        expect(l.length).toBeLessThanOrEqual(82);
        expect(decodeFrame(l)).not.toBeInstanceOf(LabError);
      }
      const types = decoded(lines).map((s) => s.type);
      const gsv = types.filter((t) => t === 'GSV').length;
      expect(types).toEqual(['GGA', 'GSA', ...Array<string>(gsv).fill('GSV'), 'RMC', 'VTG']);
    }
  });

  it('keeps its own order whatever the scenario lists, and only those', () => {
    const dev = receiver({ sentences: ['VTG', 'RMC', 'GGA'] });
    expect(decoded(run(dev, 1)[0]!.lines).map((s) => s.type)).toEqual(['GGA', 'RMC', 'VTG']);
    expect(dev.cardInfo()).toEqual({
      rateHz: 1,
      sentences: ['GGA', 'RMC', 'VTG'],
      talker: 'GP',
      datum: 'WGS-84',
      nmeaVersion: '4.11',
    });
  });

  it('ticks at round(k·1000/rateHz) ms and says nothing before the first tick', () => {
    const dev = receiver({ rateHz: 0.3 });
    expect([0, 3333, 3334, 6667].map((t) => dev.nextEmission(t))).toEqual([
      3333, 6667, 6667, 10000,
    ]);
    expect(dev.emit(0)).toEqual([]);
    expect(dev.truth(100)).toMatchObject({ tick: 0, fix: false, sentences: [], utc: null });
    expect(receiver({ rateHz: 5 }).nextEmission(999)).toBe(1000);
  });

  it('stamps UTC = epoch + lab time (default 2026-01-01T00:00:00Z; the lab can inject its own)', () => {
    expect(DEFAULT_EPOCH_MS).toBe(Date.parse('2026-01-01T00:00:00Z'));
    const first = decoded(run(receiver({ rateHz: 4, serial: { baudRate: 38400 } }), 1)[0]!.lines);
    expect(typed(first, 'GGA')!.time).toEqual({ hours: 0, minutes: 0, seconds: 0.25 });
    expect(typed(first, 'RMC')!.date).toEqual({ year: 2026, month: 1, day: 1 });
    const epochMs = Date.parse('2026-03-15T23:59:59.500Z');
    const dev = receiver({}, 1, gnssFactory({ epochMs }));
    const s = decoded(run(dev, 1)[0]!.lines);
    expect(typed(s, 'RMC')).toMatchObject({
      time: { hours: 0, minutes: 0, seconds: 0.5 },
      date: { year: 2026, month: 3, day: 16 }, // past midnight: the date rolls over too
    });
    expect(dev.truth(1000).utc).toBe('2026-03-16T00:00:00.500Z');
  });
});

describe('truth', () => {
  it('is what the sentences say, quantised the same way', () => {
    const dev = receiver({}, 5);
    for (const { t, lines } of run(dev, 30)) {
      const s = decoded(lines);
      const truth = dev.truth(t);
      const gga = typed(s, 'GGA') as GgaSentence;
      const rmc = typed(s, 'RMC') as RmcSentence;
      const vtg = typed(s, 'VTG') as VtgSentence;
      expect(truth).toMatchObject({
        fix: true,
        lat: gga.position!.lat,
        lon: gga.position!.lon,
        altitudeM: gga.altitudeM,
        satellitesUsed: gga.satellitesUsed,
        hdop: gga.hdop,
        speedKmh: vtg.speedKmh,
        speedKnots: rmc.speedKnots,
        courseDeg: rmc.courseDeg,
      });
      expect(rmc.position).toEqual(gga.position);
      const gsv = s.filter((x) => x.type === 'GSV');
      expect(truth.satellitesInView).toBe(gsv[0]!.satellitesInView);
      expect(gsv.flatMap((x) => x.satellites)).toHaveLength(truth.satellitesInView as number);
      expect(typed(s, 'GSA')!.prns).toHaveLength(truth.satellitesUsed as number);
      expect((truth.sentences as EmittedSentence[]).map((x) => x.line)).toEqual(lines);
    }
  });

  it('has a plausible sky: 4–12 satellites used, HDOP from their geometry', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const dev = receiver({}, seed);
      for (let k = 1; k < 20_000; k += 997) {
        const tr = dev.truth(k * 1000);
        expect(tr.fix).toBe(true);
        expect(tr.satellitesUsed).toBeGreaterThanOrEqual(4);
        expect(tr.satellitesUsed).toBeLessThanOrEqual(12);
        expect(tr.hdop).toBeGreaterThan(0.4);
        expect(tr.hdop).toBeLessThan(5);
      }
    }
  });
});

describe('the route', () => {
  it('stays within radiusM of the origin, at speedKmh, consistent tick to tick', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.double({ min: 50, max: 50_000, noNaN: true }),
        fc.double({ min: 1, max: 300, noNaN: true }),
        fc.constantFrom(0.5, 1, 2),
        fc.record({
          lat: fc.double({ min: -60, max: 60, noNaN: true }),
          lon: fc.double({ min: -179, max: 179, noNaN: true }),
        }),
        (seed, radiusM, speedKmh, rateHz, origin) => {
          const dev = receiver({ radiusM, speedKmh, rateHz, origin, sentences: ['GGA'] }, seed);
          const step = (speedKmh / 3.6) * (1 / rateHz);
          fc.pre(step <= radiusM / 10); // else the chord of a bend is much shorter than the arc
          const quantum = 0.5; // ddmm.mmmm: 0.0001′ ≈ 0.19 m per axis
          let prev: { lat: number; lon: number } | undefined;
          for (let k = 1; k <= 400; k += 1) {
            const t = dev.tickTime(k);
            const tr = dev.truth(t) as {
              lat: number;
              lon: number;
              speedKmh: number;
              courseDeg: number;
            };
            expect(haversine(origin, tr)).toBeLessThanOrEqual(radiusM * 1.01 + quantum);
            expect(tr.speedKmh).toBeCloseTo(speedKmh, 2);
            if (prev) {
              const d = haversine(prev, tr);
              expect(d).toBeLessThanOrEqual(step * 1.01 + quantum);
              expect(d).toBeGreaterThanOrEqual(step * 0.9 - quantum);
            }
            prev = tr;
          }
        },
      ),
      { seed: 42, numRuns: 40 },
    );
  });

  it('heads where it goes: course ≈ bearing of the next metre', () => {
    const dev = receiver({ radiusM: 800, speedKmh: 36 }, 9);
    for (let t = 0; t < 600_000; t += 10_000) {
      const a = dev.positionAt(t);
      const b = dev.positionAt(t + 100); // 1 m further along
      const bearing = (Math.atan2(b.eastM - a.eastM, b.northM - a.northM) * 180) / Math.PI;
      const diff = Math.abs(((a.courseDeg - bearing + 540) % 360) - 180);
      expect(diff).toBeLessThan(2);
    }
  });

  it('is the same for the same seed and differs across seeds', () => {
    const lines = (seed: number) =>
      run(receiver({ badChecksumRatio: 0.1, truncatedRatio: 0.1 }, seed), 60).flatMap(
        (x) => x.lines,
      );
    expect(lines(3)).toEqual(lines(3));
    expect(lines(4)).not.toEqual(lines(3));
  });
});

describe('no-fix windows', () => {
  it('print quality 0, status V and empty positions inside, a fix outside', () => {
    const dev = receiver({ noFix: [{ at: 10, duration: 5 }] }, 2);
    const ticks = run(dev, 20);
    for (const { t, lines, intents } of ticks) {
      const s = decoded(lines);
      const gga = typed(s, 'GGA')!;
      const rmc = typed(s, 'RMC')!;
      const blocked = t >= 10_000 && t < 15_000;
      expect(gga.quality).toBe(blocked ? 0 : 1);
      expect(rmc.status).toBe(blocked ? 'V' : 'A');
      expect(rmc.mode).toBe(blocked ? 'N' : 'A');
      expect(typed(s, 'GSA')!.fixType).toBe(blocked ? 1 : 3);
      expect(typed(s, 'VTG')!.mode).toBe(blocked ? 'N' : 'A');
      if (blocked) {
        expect(lines[0]).toMatch(/^\$GPGGA,\d{6}\.\d\d,,,,,0,00,99\.99,/);
        expect(rmc.position).toBeNull();
        expect(rmc.time).not.toBeNull(); // the clock keeps running without a fix
        expect(dev.truth(t)).toMatchObject({ fix: false, lat: null, lon: null, satellitesUsed: 0 });
      } else expect(gga.position).not.toBeNull();
      // device.state at the edges: fix at the first tick, lost at 10 s, back at 15 s
      const state = intents.filter((i) => 'state' in i);
      expect(state).toEqual(
        [1000, 10_000, 15_000].includes(t) ? [{ state: { fix: !blocked } }] : [],
      );
    }
  });
});

describe('line faults', () => {
  const count = (ratio: Partial<SpecInput>, ticks: number) => {
    const dev = receiver(ratio, 11);
    const all = run(dev, ticks).flatMap(({ t }) => dev.truth(t).sentences as EmittedSentence[]);
    for (const s of all) {
      const frame = decodeFrame(s.line);
      expect(frame instanceof LabError).toBe(!s.valid);
      if (frame instanceof LabError)
        expect(frame.context.reason).toBe(s.fault === 'checksum' ? 'checksum' : 'no-checksum');
    }
    return {
      all,
      share: (fault: string) => all.filter((s) => s.fault === fault).length / all.length,
    };
  };

  it('corrupts checksums in about badChecksumRatio of the sentences', () => {
    const { all, share } = count({ badChecksumRatio: 0.2 }, 800);
    expect(all.length).toBeGreaterThan(5000);
    expect(share('checksum')).toBeGreaterThan(0.17);
    expect(share('checksum')).toBeLessThan(0.23);
    expect(share('truncated')).toBe(0);
  });

  it('cuts short about truncatedRatio of the sentences, CRLF kept', () => {
    const { share, all } = count({ badChecksumRatio: 0.05, truncatedRatio: 0.1 }, 800);
    expect(share('truncated')).toBeGreaterThan(0.08);
    expect(share('truncated')).toBeLessThan(0.12);
    expect(share('checksum')).toBeGreaterThan(0.035);
    expect(share('checksum')).toBeLessThan(0.065);
    for (const s of all.filter((x) => x.fault === 'truncated'))
      expect(s.line).toMatch(/^\$[^*]*\r\n$/);
  });

  it('drops what does not fit the line at its baud rate, as a receiver whose buffer overflows', () => {
    const fast = receiver({ rateHz: 10 }); // 9600 8N1 = 960 B/s = 96 B per tick
    for (const { t, lines } of run(fast, 20)) {
      expect(lines.join('').length).toBeLessThanOrEqual(96);
      expect(decoded(lines).map((s) => s.type)).toEqual(['GGA']);
      expect(fast.truth(t).dropped).toEqual(expect.arrayContaining(['GSA', 'RMC', 'VTG']));
    }
    const wide = receiver({ rateHz: 10, serial: { baudRate: 115200 } });
    for (const { t } of run(wide, 20)) expect(wide.truth(t).dropped).toEqual([]);
  });
});

describe('input', () => {
  it('answers the MTK test command and refuses the others, across chunks', () => {
    const dev = receiver();
    expect(sent(dev.receive(Buffer.from('$PMTK0'), 0))).toEqual([]);
    expect(sent(dev.receive(Buffer.from('00*32\r\n'), 5))).toEqual(['$PMTK001,0,3*30\r\n']);
    // PMTK220 (fix interval): the rate belongs to the scenario, so flag 1 = unsupported
    expect(sent(dev.receive(Buffer.from('$PMTK220,200*2C\r\n'), 10))).toEqual([
      '$PMTK001,220,1*32\r\n',
    ]);
    expect(sent(dev.receive(Buffer.from('$PMTK000*33\r\nhello\r\n$GPGGA,1*00\r\n'), 20))).toEqual(
      [],
    );
  });

  it('takes any bytes without throwing and without changing what it prints', () => {
    const dev = receiver({}, 8);
    const quiet = receiver({}, 8);
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }), (chunks) => {
        for (const c of chunks)
          for (const i of dev.receive(Buffer.from(c), 0))
            expect(i).toEqual({ send: expect.any(Buffer) as Buffer });
      }),
      { seed: 42, numRuns: 200 },
    );
    expect(run(dev, 10)).toEqual(run(quiet, 10));
  });
});

describe('garbledGga', () => {
  const spec = { garbledGga: { offsetM: 3000, missingEvery: 4 }, badChecksumRatio: 0.1 };
  it('sends, in every tick with a fix, a GGA moved offsetM whose checksum is wrong or missing', () => {
    const dev = receiver(spec, 5);
    let inPlace = 0;
    let streak = 0;
    const ticks = run(dev, 200);
    for (const { t, lines } of ticks) {
      const truth = dev.truth(t);
      const ggas = lines.filter((l) => l.startsWith('$GPGGA'));
      const bad = ggas.filter((l) => decodeFrame(l.trimEnd()) instanceof LabError);
      const good = ggas.filter((l) => !(decodeFrame(l.trimEnd()) instanceof LabError));
      expect(bad).toHaveLength(1);
      expect(good.length).toBeLessThanOrEqual(1);
      if (good.length === 1) expect(ggas.indexOf(good[0]!)).toBe(0); // the copy follows it
      const garbled = truth.garbled as { lat: number; lon: number };
      const d = haversine(garbled, { lat: truth.lat as number, lon: truth.lon as number });
      expect(d).toBeGreaterThan(2990);
      expect(d).toBeLessThan(3010);
      expect(bad[0]!.includes('*')).toBe((truth.tick as number) % 4 !== 0);
      streak = good.length === 0 ? streak + 1 : 0;
      if (good.length === 0) inPlace++;
      expect(streak).toBeLessThanOrEqual(2);
    }
    expect(inPlace / ticks.length).toBeGreaterThan(0.2);
    expect(inPlace / ticks.length).toBeLessThan(0.5);
  });

  it('is absent without the option and off while there is no fix', () => {
    const plain = receiver({}, 5);
    for (const { t } of run(plain, 20)) expect(plain.truth(t).garbled).toBeNull();
    const dev = receiver({ ...spec, noFix: [{ at: 3, duration: 5 }] }, 5);
    for (const { t, lines } of run(dev, 12))
      if (!dev.truth(t).fix) {
        expect(dev.truth(t).garbled).toBeNull();
        expect(lines.filter((l) => l.startsWith('$GPGGA'))).toHaveLength(1);
      }
  });
});
