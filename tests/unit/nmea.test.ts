/**
 * NMEA 0183 codec: golden sentences both ways (the classic NMEA FAQ lines, the u-blox receiver
 * description examples and our own v4.11 layout; every checksum was also computed outside this
 * codebase, with a Python XOR one-liner), a table of malformed lines with their exact errors,
 * and seeded properties over random input.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeSentence,
  nmeaChecksum,
  splitLines,
} from '../../protocols/codecs/nmea.js';
import {
  buildFields,
  buildGsvGroup,
  buildSentence,
  decodeSentence,
} from '../../protocols/codecs/nmea-sentences.js';
import type {
  GgaSentence,
  GsaSentence,
  GsvSentence,
  NmeaSentence,
  RmcSentence,
  VtgSentence,
} from '../../protocols/codecs/nmea-sentences.js';
import { LabError } from '../../core/errors.js';

const PROPS = { seed: 42, numRuns: 500 };
const dm = (deg: number, min: number, negative = false) => (negative ? -1 : 1) * (deg + min / 60);

describe('checksum (NMEA 0183 §5.2.1: XOR of the characters between $ and *)', () => {
  it('matches a hand computation', () => {
    // P 0x50 ^ M 0x4D = 0x1D; ^ T 0x54 = 0x49; ^ K 0x4B = 0x02; ^ '0' 0x30 = 0x32;
    // ^ '0' = 0x02; ^ '0' = 0x32  →  $PMTK000*32
    expect(nmeaChecksum('PMTK000')).toBe(0x32);
    expect(nmeaChecksum('')).toBe(0);
  });

  it('matches the classic GGA of the NMEA FAQ', () => {
    expect(nmeaChecksum('GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,')).toBe(
      0x47,
    );
  });
});

/** [line, address, fields] — lines as receivers print them. */
// prettier-ignore
const FRAMES: [string, string, string[]][] = [
  // NMEA FAQ (v2.1 layouts): GGA *47, RMC *6A, GSA *39, GSV *75, VTG *48
  ['$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47', 'GPGGA',
    ['123519', '4807.038', 'N', '01131.000', 'E', '1', '08', '0.9', '545.4', 'M', '46.9', 'M', '', '']],
  ['$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A', 'GPRMC',
    ['123519', 'A', '4807.038', 'N', '01131.000', 'E', '022.4', '084.4', '230394', '003.1', 'W']],
  ['$GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1*39', 'GPGSA',
    ['A', '3', '04', '05', '', '09', '12', '', '', '24', '', '', '', '', '2.5', '1.3', '2.1']],
  ['$GPGSV,2,1,08,01,40,083,46,02,17,308,41,12,07,344,39,14,22,228,45*75', 'GPGSV',
    ['2', '1', '08', '01', '40', '083', '46', '02', '17', '308', '41', '12', '07', '344', '39', '14', '22', '228', '45']],
  ['$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*48', 'GPVTG',
    ['054.7', 'T', '034.4', 'M', '005.5', 'N', '010.2', 'K']],
  // MediaTek test command and its acknowledgement (flag 3 = done)
  ['$PMTK000*32', 'PMTK000', []],
  ['$PMTK001,0,3*30', 'PMTK001', ['0', '3']],
];

describe('framing, golden both ways', () => {
  it.each(FRAMES)('%s', (line, address, fields) => {
    expect(encodeSentence(address, fields)).toBe(`${line}\r\n`);
    const frame = decodeFrame(`${line}\r\n`);
    expect(frame).toMatchObject({ address, fields });
    expect(decodeFrame(line)).toEqual(frame); // the CRLF is optional on input
    expect(decodeFrame(Buffer.from(`${line}\n`, 'latin1'))).toEqual(frame);
  });

  it('names the talker and type; P addresses are proprietary', () => {
    expect(decodeFrame(FRAMES[0]![0])).toMatchObject({ talker: 'GP', type: 'GGA', checksum: 0x47 });
    expect(decodeFrame('$PMTK001,0,3*30')).toMatchObject({ talker: 'P', type: 'MTK001' });
  });

  it('agrees with every example line of the candidate documentation', () => {
    const doc = readFileSync(new URL('../../docs/protocols/gnss.md', import.meta.url), 'utf8');
    const lines = doc.match(/\$(?:GP|PMTK)[^\s`]*\*[0-9A-F]{2}/g) ?? [];
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(decodeFrame(line)).not.toBeInstanceOf(LabError);
  });

  it('splits a stream into lines', () => {
    expect(splitLines('$A*00\r\n$B*00\n$C')).toEqual({ lines: ['$A*00', '$B*00'], rest: '$C' });
  });
});

/** [line, typed] — the decoded view; lines in our own v4.11 layout also encode back exactly. */
// prettier-ignore
const TYPED: [string, NmeaSentence, boolean][] = [
  ['$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47', {
    type: 'GGA', talker: 'GP',
    time: { hours: 12, minutes: 35, seconds: 19 },         // 123519 = 12:35:19 UTC
    position: { lat: dm(48, 7.038), lon: dm(11, 31) },     // 48°07.038′ N, 11°31.000′ E
    quality: 1, satellitesUsed: 8, hdop: 0.9,              // GPS fix, 8 satellites, HDOP 0.9
    altitudeM: 545.4, geoidSeparationM: 46.9,              // 545.4 m MSL, geoid 46.9 m above WGS-84
    dgpsAgeS: null, dgpsStation: null } satisfies GgaSentence, false],
  ['$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A', {
    type: 'RMC', talker: 'GP', time: { hours: 12, minutes: 35, seconds: 19 },
    status: 'A', position: { lat: dm(48, 7.038), lon: dm(11, 31) },
    speedKnots: 22.4, courseDeg: 84.4,                     // 22.4 kn, 84.4° true
    date: { year: 1994, month: 3, day: 23 },               // 230394 = 23 March 1994
    magneticVariationDeg: -3.1,                            // 3.1° W
    mode: null, navStatus: null } satisfies RmcSentence, false],   // v2.1: 11 fields
  ['$GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1*39', {
    type: 'GSA', talker: 'GP', selection: 'A', fixType: 3, prns: [4, 5, 9, 12, 24],
    pdop: 2.5, hdop: 1.3, vdop: 2.1, systemId: null } satisfies GsaSentence, false],
  ['$GPGSV,2,1,08,01,40,083,46,02,17,308,41,12,07,344,39,14,22,228,45*75', {
    type: 'GSV', talker: 'GP', totalMessages: 2, messageNumber: 1, satellitesInView: 8,
    satellites: [
      { prn: 1, elevationDeg: 40, azimuthDeg: 83, snrDb: 46 },
      { prn: 2, elevationDeg: 17, azimuthDeg: 308, snrDb: 41 },
      { prn: 12, elevationDeg: 7, azimuthDeg: 344, snrDb: 39 },
      { prn: 14, elevationDeg: 22, azimuthDeg: 228, snrDb: 45 },
    ], signalId: null } satisfies GsvSentence, false],
  ['$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*48', {
    type: 'VTG', talker: 'GP', courseTrueDeg: 54.7, courseMagneticDeg: 34.4,
    speedKnots: 5.5, speedKmh: 10.2, mode: null } satisfies VtgSentence, false],
  // u-blox receiver description examples (NMEA 4.0)
  ['$GPGGA,092725.00,4717.11399,N,00833.91590,E,1,08,1.01,499.6,M,48.0,M,,*5B', {
    type: 'GGA', talker: 'GP', time: { hours: 9, minutes: 27, seconds: 25 },
    position: { lat: dm(47, 17.11399), lon: dm(8, 33.9159) }, quality: 1, satellitesUsed: 8,
    hdop: 1.01, altitudeM: 499.6, geoidSeparationM: 48, dgpsAgeS: null, dgpsStation: null }, false],
  ['$GPRMC,083559.00,A,4717.11437,N,00833.91522,E,0.004,77.52,091202,,,A*57', {
    type: 'RMC', talker: 'GP', time: { hours: 8, minutes: 35, seconds: 59 }, status: 'A',
    position: { lat: dm(47, 17.11437), lon: dm(8, 33.91522) }, speedKnots: 0.004, courseDeg: 77.52,
    date: { year: 2002, month: 12, day: 9 }, magneticVariationDeg: null, mode: 'A',
    navStatus: null }, false],
  ['$GPGSV,3,3,10,26,82,187,47,28,43,056,46*77', {
    type: 'GSV', talker: 'GP', totalMessages: 3, messageNumber: 3, satellitesInView: 10,
    satellites: [
      { prn: 26, elevationDeg: 82, azimuthDeg: 187, snrDb: 47 },
      { prn: 28, elevationDeg: 43, azimuthDeg: 56, snrDb: 46 },
    ], signalId: null }, false],
  // Our v4.11 layout (what the lab's receiver prints), both ways.
  ['$GPGGA,083015.50,3113.8240,N,12128.4220,E,1,09,0.95,12.3,M,9.8,M,,*50', {
    type: 'GGA', talker: 'GP',
    time: { hours: 8, minutes: 30, seconds: 15.5 },        // 083015.50: centiseconds
    position: { lat: dm(31, 13.824), lon: dm(121, 28.422) }, // ddmm.mmmm / dddmm.mmmm
    quality: 1, satellitesUsed: 9, hdop: 0.95, altitudeM: 12.3, geoidSeparationM: 9.8,
    dgpsAgeS: null, dgpsStation: null }, true],
  ['$GPGGA,083015.50,,,,,0,00,99.99,,M,,M,,*6C', {       // no fix: quality 0, empty position
    type: 'GGA', talker: 'GP', time: { hours: 8, minutes: 30, seconds: 15.5 }, position: null,
    quality: 0, satellitesUsed: 0, hdop: 99.99, altitudeM: null, geoidSeparationM: null,
    dgpsAgeS: null, dgpsStation: null }, true],
  ['$GPRMC,083015.50,A,3113.8240,N,12128.4220,E,9.719,184.40,010126,,,A,V*17', {
    type: 'RMC', talker: 'GP', time: { hours: 8, minutes: 30, seconds: 15.5 }, status: 'A',
    position: { lat: dm(31, 13.824), lon: dm(121, 28.422) },
    speedKnots: 9.719, courseDeg: 184.4,                   // 18 km/h = 9.719 kn, heading S
    date: { year: 2026, month: 1, day: 1 }, magneticVariationDeg: null,
    mode: 'A', navStatus: 'V' }, true],                    // v4.1: mode A, nav status V
  ['$GPRMC,083015.50,V,,,,,,,010126,,,N,V*09', {
    type: 'RMC', talker: 'GP', time: { hours: 8, minutes: 30, seconds: 15.5 }, status: 'V',
    position: null, speedKnots: null, courseDeg: null, date: { year: 2026, month: 1, day: 1 },
    magneticVariationDeg: null, mode: 'N', navStatus: 'V' }, true],
  ['$GPGSA,A,3,02,05,12,15,18,24,25,29,,,,,1.62,0.95,1.31,1*16', {
    type: 'GSA', talker: 'GP', selection: 'A', fixType: 3,
    prns: [2, 5, 12, 15, 18, 24, 25, 29], pdop: 1.62, hdop: 0.95, vdop: 1.31,
    systemId: 1 }, true],                                  // v4.1 system id 1 = GPS
  ['$GPGSV,3,3,09,29,12,045,28,1*5E', {
    type: 'GSV', talker: 'GP', totalMessages: 3, messageNumber: 3, satellitesInView: 9,
    satellites: [{ prn: 29, elevationDeg: 12, azimuthDeg: 45, snrDb: 28 }],
    signalId: 1 }, true],                                  // v4.1 signal id 1 = L1 C/A
  ['$GPGSV,1,1,00,1*64', {
    type: 'GSV', talker: 'GP', totalMessages: 1, messageNumber: 1, satellitesInView: 0,
    satellites: [], signalId: 1 }, true],
  ['$GPVTG,184.40,T,,M,9.719,N,18.000,K,A*0B', {
    type: 'VTG', talker: 'GP', courseTrueDeg: 184.4, courseMagneticDeg: null,
    speedKnots: 9.719, speedKmh: 18, mode: 'A' }, true],
];

describe('typed sentences, golden', () => {
  it.each(TYPED)('%s', (line, typed, ours) => {
    const decoded = decodeSentence(`${line}\r\n`);
    expect(decoded).not.toBeInstanceOf(LabError);
    const d = decoded as NmeaSentence;
    if ('position' in typed && typed.position && 'position' in d) {
      expect(d.position?.lat).toBeCloseTo(typed.position.lat, 12);
      expect(d.position?.lon).toBeCloseTo(typed.position.lon, 12);
      expect({ ...d, position: null }).toEqual({ ...typed, position: null });
    } else expect(d).toEqual(typed);
    if (ours) expect(buildSentence(d)).toBe(`${line}\r\n`);
  });

  it('groups satellites four to a GSV sentence', () => {
    const sats = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((prn) => ({
      prn,
      elevationDeg: 10,
      azimuthDeg: 20,
      snrDb: 30,
    }));
    const group = buildGsvGroup('GP', sats, 1);
    expect(group.map((g) => [g.messageNumber, g.totalMessages, g.satellites.length])).toEqual([
      [1, 3, 4],
      [2, 3, 4],
      [3, 3, 1],
    ]);
    expect(buildGsvGroup('GP', [], 1)).toHaveLength(1);
  });
});

/** A line with a correct checksum around a body, for errors past the framing. */
const withSum = (body: string) =>
  `$${body}*${nmeaChecksum(body).toString(16).toUpperCase().padStart(2, '0')}`;
const GGA = 'GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,';

// prettier-ignore
const MALFORMED: [string, string, string, string][] = [
  ['empty', '', 'start', 'empty line'],
  ['no $', `${GGA}*47`, 'start', `a sentence starts with '$', got "G"`],
  ['! (AIS encapsulation)', `!${GGA}*47`, 'start', `a sentence starts with '$', got "!"`],
  ['no *', `$${GGA}`, 'no-checksum', "no '*' before a checksum (truncated sentence?)"],
  ['cut short', '$GPGGA,1235', 'no-checksum', "no '*' before a checksum (truncated sentence?)"],
  ['bad hex', `$${GGA}*4G`, 'hex', "the checksum must be two hex digits, got '4G'"],
  ['one hex digit', `$${GGA}*4`, 'hex', "the checksum must be two hex digits, got '4'"],
  ['three hex digits', `$${GGA}*477`, 'hex', "the checksum must be two hex digits, got '477'"],
  ['bad checksum', `$${GGA}*48`, 'checksum', 'checksum mismatch: sentence says 48, characters XOR to 47'],
  ['a corrupted digit', '$GPGGA,123519,4807.038,N,01131.000,E,1,09,0.9,545.4,M,46.9,M,,*47',
    'checksum', 'checksum mismatch: sentence says 47, characters XOR to 46'],
  ['two sentences run together', `$GPGGA,12$${GGA}*47`, 'start',
    "'$' inside a sentence (a truncated sentence, then another?)"],
  ['control character', '$GPGGA,1\u00002*00', 'char', 'non-printable character at 8'],
  ['non-ASCII', '$GPGGA,1\u00e92*00', 'char', 'non-printable character at 8'],
  ['83 characters', withSum(`GPTXT,${'x'.repeat(71)}`), 'length', 'sentence of 83 characters exceeds 82'],
  ['4-letter address', withSum('GPGG,1'), 'address', "bad NMEA address 'GPGG'"],
  ['lowercase address', withSum('gpgga,1'), 'address', "bad NMEA address 'gpgga'"],
  ['GGA with 13 fields', withSum(GGA.slice(0, -1)), 'fields', 'GGA: expected 14 fields, got 13'],
  ['RMC with 10 fields', withSum('GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1'),
    'fields', 'GGA: expected 11 or 12 or 13 fields, got 10'.replace('GGA', 'RMC')],
  ['VTG with 4 fields (pre-v2 layout)', withSum('GPVTG,054.7,034.4,005.5,010.2'), 'fields',
    'VTG: expected 8 or 9 fields, got 4'],
  ['GSV with 5 fields', withSum('GPGSV,1,1,01,05,40'), 'fields',
    'GSV: expected 3 + 4 per satellite (+1 signal id) fields, got 5'],
  ['GSV message 3 of 2', withSum('GPGSV,2,3,08'), 'value', 'GSV: message 3 of 2'],
  ['HDOP not a number', withSum(GGA.replace('0.9', 'x')), 'value',
    "GGA: field 8 (HDOP) is not a number: 'x'"],
  ['fix quality 9', withSum(GGA.replace(',E,1,', ',E,9,')), 'value',
    "GGA: field 6 (fix quality) must be an integer 0..8: '9'"],
  ['fix quality empty', withSum(GGA.replace(',E,1,', ',E,,')), 'value',
    'GGA: field 6 (fix quality) is required'],
  ['hemisphere X', withSum(GGA.replace(',N,', ',X,')), 'value',
    "GGA: field 3 (hemisphere) must be one of N/S: 'X'"],
  ['60 minutes', withSum(GGA.replace('4807.038', '4860.000')), 'value',
    "GGA: fields 2-3 must be ddmm.mmmm,N/S: '4860.000,N'"],
  ['latitude without hemisphere', withSum(GGA.replace(',N,', ',,')), 'value',
    "GGA: fields 2-3 must be ddmm.mmmm,N/S: '4807.038,'"],
  ['longitude with 2 degree digits', withSum(GGA.replace('01131.000', '1131.000')), 'value',
    "GGA: fields 4-5 must be dddmm.mmmm,E/W: '1131.000,E'"],
  ['time 25h', withSum(GGA.replace('123519', '253519')), 'value',
    "GGA: field 1 (UTC time) must be hhmmss.ss: '253519'"],
  ['date month 13', withSum('GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,231394,003.1,W'),
    'value', "RMC: field 9 (date) must be ddmmyy: '231394'"],
  ['RMC status X', withSum('GPRMC,123519,X,,,,,,,230394,,'), 'value',
    "RMC: field 2 (status) must be one of A/V: 'X'"],
  ['VTG unit K replaced', withSum('GPVTG,054.7,T,034.4,M,005.5,N,010.2,X'), 'value',
    "VTG: field 8 (unit) must be one of K: 'X'"],
  ['GSV signal id G', withSum('GPGSV,1,1,00,G'), 'value',
    "GSV: field 4 (signal id) must be one hex digit: 'G'"],
  ['unsupported ZDA', withSum('GPZDA,123519,01,01,2026,,'), 'unsupported',
    "unsupported sentence 'GPZDA'"],
  ['proprietary', '$PMTK001,0,3*30', 'unsupported', "unsupported sentence 'PMTK001'"],
];

describe('malformed lines', () => {
  it.each(MALFORMED)('rejects %s', (_name, line, reason, message) => {
    const result = decodeSentence(line);
    expect(result).toBeInstanceOf(LabError);
    const err = result as LabError;
    expect(err.codeName).toBe('PROTOCOL_MALFORMED');
    expect(err.context).toMatchObject({ protocol: 'nmea', reason });
    expect(err.message).toBe(message);
  });

  it('refuses to encode what the standard forbids', () => {
    expect(() => encodeSentence('GPGGA', ['a*b'])).toThrow(/field 1 holds a reserved character/);
    expect(() => encodeSentence('GPGGA', ['a,b'])).toThrow(/reserved/);
    expect(() => encodeSentence('GPGG', [])).toThrow(/bad NMEA address 'GPGG'/);
    expect(() => encodeSentence('GPTXT', ['x'.repeat(71)])).toThrow(/83 characters exceeds 82/);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

/** Values on the grid the encoder prints, computed the way the decoder computes them. */
const fixed = (max: number, decimals: number) =>
  fc.integer({ min: 0, max: max * 10 ** decimals }).map((k) => k / 10 ** decimals);
const signedFixed = (max: number, decimals: number) =>
  fc
    .integer({ min: -max * 10 ** decimals, max: max * 10 ** decimals })
    .map((k) => (k === 0 ? 0 : k / 10 ** decimals));
const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
const angle = (maxDeg: number) =>
  fc
    .record({
      deg: fc.integer({ min: 0, max: maxDeg - 1 }),
      k: fc.integer({ min: 0, max: 599_999 }),
      neg: fc.boolean(),
    })
    .map(({ deg, k, neg }) => {
      const v = deg + k / 10_000 / 60;
      return neg && v !== 0 ? -v : v;
    });
const position = nullable(fc.record({ lat: angle(90), lon: angle(180) }));
const time = nullable(
  fc.record({
    hours: fc.integer({ min: 0, max: 23 }),
    minutes: fc.integer({ min: 0, max: 59 }),
    seconds: fixed(59.99, 2),
  }),
);
const date = nullable(
  fc.record({
    year: fc.integer({ min: 1980, max: 2079 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
  }),
);
const mode = nullable(fc.constantFrom('A', 'D', 'E', 'F', 'M', 'N', 'P', 'R', 'S' as const));
const talker = fc.constantFrom('GP', 'GN', 'GL', 'GA', 'GB', 'BD');

const gga: fc.Arbitrary<GgaSentence> = fc.record({
  type: fc.constant('GGA' as const),
  talker,
  time,
  position,
  quality: fc.integer({ min: 0, max: 8 }),
  satellitesUsed: nullable(fc.integer({ min: 0, max: 99 })),
  hdop: nullable(fixed(99.99, 2)),
  altitudeM: nullable(signedFixed(9999, 1)),
  geoidSeparationM: nullable(signedFixed(999, 1)),
  dgpsAgeS: nullable(fixed(99, 1)),
  dgpsStation: nullable(fc.integer({ min: 0, max: 1023 }).map((n) => String(n).padStart(4, '0'))),
});
const rmc: fc.Arbitrary<RmcSentence> = fc.record({
  type: fc.constant('RMC' as const),
  talker,
  time,
  status: fc.constantFrom('A', 'V' as const),
  position,
  speedKnots: nullable(fixed(999, 3)),
  courseDeg: nullable(fixed(359.99, 2)),
  date,
  magneticVariationDeg: nullable(signedFixed(99, 1)),
  mode,
  navStatus: nullable(fc.constantFrom('S', 'C', 'U', 'V')),
});
const gsa: fc.Arbitrary<GsaSentence> = fc.record({
  type: fc.constant('GSA' as const),
  talker,
  selection: fc.constantFrom('M', 'A' as const),
  fixType: fc.constantFrom(1, 2, 3 as const),
  prns: fc.array(fc.integer({ min: 1, max: 99 }), { maxLength: 12 }),
  pdop: nullable(fixed(99.99, 2)),
  hdop: nullable(fixed(99.99, 2)),
  vdop: nullable(fixed(99.99, 2)),
  systemId: nullable(fc.integer({ min: 0, max: 15 })),
});
const gsv: fc.Arbitrary<GsvSentence> = fc
  .record({
    talker,
    total: fc.integer({ min: 1, max: 9 }),
    inView: fc.integer({ min: 0, max: 99 }),
    satellites: fc.array(
      fc.record({
        prn: fc.integer({ min: 1, max: 99 }),
        elevationDeg: nullable(fc.integer({ min: 0, max: 90 })),
        azimuthDeg: nullable(fc.integer({ min: 0, max: 359 })),
        snrDb: nullable(fc.integer({ min: 0, max: 99 })),
      }),
      { maxLength: 4 },
    ),
    signalId: nullable(fc.integer({ min: 0, max: 15 })),
  })
  .chain(({ total, ...rest }) =>
    fc.integer({ min: 1, max: total }).map((messageNumber) => ({
      type: 'GSV' as const,
      talker: rest.talker,
      totalMessages: total,
      messageNumber,
      satellitesInView: rest.inView,
      satellites: rest.satellites,
      signalId: rest.signalId,
    })),
  );
const vtg: fc.Arbitrary<VtgSentence> = fc.record({
  type: fc.constant('VTG' as const),
  talker,
  courseTrueDeg: nullable(fixed(359.99, 2)),
  courseMagneticDeg: nullable(fixed(359.99, 2)),
  speedKnots: nullable(fixed(999, 3)),
  speedKmh: nullable(fixed(1999, 3)),
  mode,
});
/** Extreme values of every field at once can pass 82 characters; the encoder refuses those. */
const fits = (s: NmeaSentence) => [s.talker + s.type, ...buildFields(s)].join(',').length <= 76;
const sentence: fc.Arbitrary<NmeaSentence> = fc.oneof(gga, rmc, gsa, gsv, vtg).filter(fits);

/** Printable ASCII that NMEA allows in a field. */
const FIELD_CHARS = [
  ...' "#%&\'()+-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]_`abcdefghijklmnopqrstuvwxyz{|}',
];
const fieldText = fc.string({ unit: fc.constantFrom(...FIELD_CHARS), maxLength: 8 });

describe('properties', () => {
  it('random bytes decode to a sentence or a LabError, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const r = decodeSentence(bytes);
        expect(r instanceof LabError || typeof r.type === 'string').toBe(true);
      }),
      PROPS,
    );
  });

  it('random text with a $ and a correct checksum reaches the field parsers without throwing', () => {
    const address = fc.constantFrom('GPGGA', 'GPRMC', 'GPGSA', 'GPGSV', 'GPVTG', 'GNRMC');
    const field = fc.oneof(
      fieldText,
      fc.stringMatching(/^-?\d{0,6}(\.\d{0,5})?$/),
      fc.constantFrom('N', 'S', 'E', 'W', 'A', 'V', 'M', 'T', 'K'),
    );
    fc.assert(
      fc.property(address, fc.array(field, { maxLength: 20 }), (a, fields) => {
        const body = [a, ...fields].join(',');
        fc.pre(body.length <= 77);
        const r = decodeSentence(withSum(body));
        expect(r instanceof LabError || r.type === a.slice(2)).toBe(true);
      }),
      PROPS,
    );
  });

  it('decode(encode(x)) = x for every typed sentence', () => {
    fc.assert(
      fc.property(sentence, (s) => {
        expect(decodeSentence(buildSentence(s))).toEqual(s);
      }),
      PROPS,
    );
  });

  it('decodeFrame(encodeSentence(address, fields)) gives them back', () => {
    const address = fc.stringMatching(/^[A-OQ-Z][A-Z]{4}$/);
    fc.assert(
      fc.property(address, fc.array(fieldText, { maxLength: 10 }), (a, fields) => {
        fc.pre([a, ...fields].join(',').length <= 77);
        expect(decodeFrame(encodeSentence(a, fields))).toMatchObject({ address: a, fields });
      }),
      PROPS,
    );
  });

  it('the checksum catches every single-character change of the body', () => {
    // XOR folds each character in once, so changing one character by d ≠ 0 changes the XOR by d.
    const printable = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(sentence, fc.nat(), printable, (s, at, c) => {
        const line = buildSentence(s);
        const i = 1 + (at % (line.indexOf('*') - 1));
        fc.pre(line[i] !== c);
        const bad = line.slice(0, i) + c + line.slice(i + 1);
        expect(decodeFrame(bad)).toBeInstanceOf(LabError);
      }),
      PROPS,
    );
  });
});
