/**
 * Cellular modem: the AT codec (ITU-T V.250 command lines, 3GPP TS 27.007 responses) golden both
 * ways, malformed input with exact errors, seeded properties; then the modem model — echo, every
 * command's answer, error codes and +CMEE modes, URCs, and the published cell table against truth.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCommandLine, parseCommandLine, splitLines } from '../../protocols/codecs/at.js';
import type { AtCommand } from '../../protocols/codecs/at.js';
import {
  decodeResponse,
  encodeResponse,
  parseInfoLine,
} from '../../protocols/codecs/at-response.js';
import type { AtResponse } from '../../protocols/codecs/at-response.js';
import { createCellularModem } from '../../devices/serial/cellular-modem/model.js';
import type { CellEntry } from '../../devices/serial/cellular-modem/network.js';
import type { ByteDevice, ByteIntent } from '../../devices/serial/model.js';
import { LabError } from '../../core/errors.js';
import { FaultBook } from '../../core/faults.js';
import type { SerialDevicePlan } from '../../devices/serial/plan.js';
import { CellularModemDevice } from '../../devices/serial/cellular-modem/scenario.js';

const PROPS = { seed: 42, numRuns: 300 };
const T = 60_000; // a lab time after registration (which happens within 3–8 s)

function modem(seed = 1, config: Record<string, unknown> = {}): ByteDevice {
  const spec = CellularModemDevice.parse({ name: 'modem', kind: 'cellular_modem', ...config });
  const plan: SerialDevicePlan = { name: 'modem', id: 'modem-7a3f', spec, settings: spec.serial };
  return createCellularModem(plan, {
    seed,
    faults: new FaultBook(),
    truthOf: () => {
      throw new Error('a modem reads no other device');
    },
    modbusUnitOf: () => {
      throw new Error('a modem has no Modbus unit');
    },
  });
}

/** Everything the modem sends for `input` at t, in order, as text. */
function talk(m: ByteDevice, input: string, t = T): string {
  return sent(m.receive(Buffer.from(input, 'latin1'), t));
}

function sent(intents: ByteIntent[]): string {
  return intents.map((i) => ('send' in i ? i.send.toString('latin1') : '')).join('');
}

/** The info lines of a response to `command` sent with echo off. */
function ask(m: ByteDevice, command: string, t = T): string[] {
  const r = decodeResponse(talk(m, command + '\r', t));
  if (!r.ok) throw r.error;
  expect(r.response.final).toEqual({ kind: 'ok' });
  return r.response.info;
}

function quiet(seed = 1, config: Record<string, unknown> = {}): ByteDevice {
  const m = modem(seed, config);
  talk(m, 'ATE0\r');
  return m;
}

describe('command lines (V.250 §5.2–5.4): golden both ways', () => {
  // prettier-ignore
  const GOLDEN: [string, string, AtCommand[]][] = [
    ['attention only',
      'AT' + '\r', // prefix (§5.2.1), S3 terminator
      []],
    ['basic command with a value',
      'AT' + 'E0' + '\r', // prefix, E (echo) value 0, CR
      [{ type: 'basic', name: 'E', value: 0 }]],
    ['basic command without a value',
      'AT' + 'I' + '\r', // prefix, I (identification), CR
      [{ type: 'basic', name: 'I' }]],
    ['& basic command',
      'AT' + '&F' + '\r', // prefix, &F (factory defaults), CR
      [{ type: 'basic', name: '&F' }]],
    ['extended execute',
      'AT' + '+CSQ' + '\r', // prefix, + and name, CR
      [{ type: 'exec', name: '+CSQ' }]],
    ['extended test',
      'AT' + '+CSQ' + '=?' + '\r', // prefix, name, "=?" (§5.4.3.1), CR
      [{ type: 'test', name: '+CSQ' }]],
    ['extended read',
      'AT' + '+CREG' + '?' + '\r', // prefix, name, "?" (§5.4.4.3), CR
      [{ type: 'read', name: '+CREG' }]],
    ['extended set, numeric',
      'AT' + '+CREG' + '=' + '2' + '\r', // prefix, name, "=", decimal 2, CR
      [{ type: 'set', name: '+CREG', params: [2] }]],
    ['extended set, string',
      'AT' + '+QENG' + '=' + '"servingcell"' + '\r', // prefix, name, "=", quoted string, CR
      [{ type: 'set', name: '+QENG', params: ['servingcell'] }]],
    ['omitted parameter',
      'AT' + '+COPS=' + '1' + ',' + ',' + '"46000"' + '\r', // mode 1, <format> omitted, <oper>
      [{ type: 'set', name: '+COPS', params: [1, null, '46000'] }]],
    ['escaped quote in a string',
      'AT' + '+X=' + '"a' + '\\22' + 'b"' + '\r', // \22 is '"' (§5.4.2.2)
      [{ type: 'set', name: '+X', params: ['a"b'] }]],
    ['concatenated basic and extended commands',
      'AT' + 'E0' + '+CMEE=2' + ';' + '+CSQ' + '\r', // E0, +CMEE=2, ";" separator, +CSQ
      [{ type: 'basic', name: 'E', value: 0 },
        { type: 'set', name: '+CMEE', params: [2] },
        { type: 'exec', name: '+CSQ' }]],
  ];

  it.each(GOLDEN)('%s', (_name, line, commands) => {
    expect(encodeCommandLine(commands)).toEqual(Buffer.from(line, 'latin1'));
    expect(parseCommandLine(line.slice(0, -1))).toEqual({ ok: true, commands, blank: false });
  });

  it.each([
    ['lower case', 'at+csq', [{ type: 'exec', name: '+CSQ' }]],
    [
      'spaces outside strings (§5.2.1)',
      ' AT + CREG = 2 ',
      [{ type: 'set', name: '+CREG', params: [2] }],
    ],
    ['backspace edits (§5.2.2)', 'AT+CSX\bQ', [{ type: 'exec', name: '+CSQ' }]],
    ['DEL edits like backspace', 'ATE1\x7f0', [{ type: 'basic', name: 'E', value: 0 }]],
    ['trailing separator', 'AT+CSQ;', [{ type: 'exec', name: '+CSQ' }]],
    [
      'string keeps case and spaces',
      'at+x=" A b"',
      [{ type: 'set', name: '+X', params: [' A b'] }],
    ],
  ] as [string, string, AtCommand[]][])('accepts %s', (_name, line, commands) => {
    expect(parseCommandLine(line)).toEqual({ ok: true, commands, blank: false });
  });

  it('calls an empty or blank line blank', () => {
    for (const line of ['', '  ', '\t'])
      expect(parseCommandLine(line)).toEqual({ ok: true, commands: [], blank: true });
  });

  // prettier-ignore
  const MALFORMED: [string, string, RegExp][] = [
    ['no prefix', 'hello', /must start with AT/],
    ['+ without a name', 'AT+', /must be followed by a command name/],
    ['name starting with a digit', 'AT+1X', /must be followed by a command name/],
    ['no ; after an extended command', 'AT+CSQ?E0', /expected ";" after \+CSQ/],
    ['unquoted text parameter', 'AT+X=abc', /parameter 1 of \+X: "abc" is neither a number nor a "string"/],
    ['negative number', 'AT+X=1,-1', /parameter 2 of \+X: "-1" is neither/],
    ['unterminated string', 'AT+X="abc', /unterminated "string"/],
    ['text after a string', 'AT+X="a"b', /text after the closing quote/],
    ['bad escape', 'AT+X="\\4"', /followed by two hex digits/],
    ['stray character', 'AT#', /unexpected "#" at column 3/],
    ['& without a letter', 'AT&1', /unexpected "&"/],
    ['number too long', 'ATE1234567890123456', /value of E is too long/],
    ['line too long', 'AT' + 'E'.repeat(600), /602 characters; at most 512/],
  ];

  it.each(MALFORMED)('rejects %s', (_name, line, message) => {
    const r = parseCommandLine(line);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(LabError);
    expect(r.error.codeName).toBe('PROTOCOL_MALFORMED');
    expect(r.error.message).toMatch(message);
  });

  it('refuses to encode what the grammar cannot carry', () => {
    const bad: AtCommand[] = [
      { type: 'basic', name: 'EE' },
      { type: 'basic', name: 'E', value: -1 },
      { type: 'exec', name: 'CSQ' },
      { type: 'set', name: '+X', params: [] },
      { type: 'set', name: '+X', params: [1.5] },
      { type: 'set', name: '+X', params: ['\u4e2d'] },
    ];
    for (const c of bad) expect(() => encodeCommandLine([c])).toThrow(LabError);
  });
});

describe('splitting the byte stream into lines', () => {
  it('ends lines at CR, CRLF or LF and keeps the unfinished rest', () => {
    // "AT" CR LF | "ATI" LF | "AT+C" (no terminator yet)
    const { lines, rest, error } = splitLines(Buffer.from('AT\r\nATI\nAT+C', 'latin1'));
    expect(error).toBeUndefined();
    expect(lines).toEqual([
      { text: 'AT', start: 0, end: 4 },
      { text: 'ATI', start: 4, end: 8 },
    ]);
    expect(rest.toString()).toBe('AT+C');
  });

  it('reports an over-long unfinished line and drops it', () => {
    const { lines, rest, error } = splitLines(Buffer.alloc(513, 0x41));
    expect([lines, rest.length]).toEqual([[], 0]);
    expect(error?.message).toMatch(/longer than 512 bytes without a CR/);
  });
});

describe('responses (V.250 §5.7.1, TS 27.007 §9.2): golden both ways', () => {
  // prettier-ignore
  const GOLDEN: [string, string, AtResponse][] = [
    ['OK', '\r\n' + 'OK' + '\r\n', // CR LF, final result code, CR LF
      { info: [], final: { kind: 'ok' } }],
    ['information text then OK',
      '\r\n' + '+CSQ: 20,99' + '\r\n' + // CR LF, info text, CR LF
      '\r\n' + 'OK' + '\r\n', // CR LF, final result code, CR LF
      { info: ['+CSQ: 20,99'], final: { kind: 'ok' } }],
    ['several lines of text in one block',
      '\r\n' + 'IOTLAB' + '\r\n' + 'LC20' + '\r\n' + 'Revision: X' + '\r\n' + '\r\n' + 'OK' + '\r\n',
      { info: ['IOTLAB', 'LC20', 'Revision: X'], final: { kind: 'ok' } }],
    ['ERROR', '\r\n' + 'ERROR' + '\r\n', { info: [], final: { kind: 'error' } }],
    ['numeric +CME ERROR (+CMEE=1)', '\r\n' + '+CME ERROR: 50' + '\r\n',
      { info: [], final: { kind: 'cme', err: 50 } }],
    ['verbose +CME ERROR (+CMEE=2)', '\r\n' + '+CME ERROR: Incorrect parameters' + '\r\n',
      { info: [], final: { kind: 'cme', err: 'Incorrect parameters' } }],
  ];

  it.each(GOLDEN)('%s', (_name, text, response) => {
    expect(encodeResponse(response)).toEqual(Buffer.from(text, 'latin1'));
    expect(decodeResponse(text)).toEqual({ ok: true, response });
  });

  // prettier-ignore
  const MALFORMED: [string, string, RegExp][] = [
    ['empty', '', /starts with CR LF/],
    ['no leading CR LF', 'OK\r\n', /starts with CR LF/],
    ['no trailing CR LF', '\r\nOK', /ends with CR LF/],
    ['no final result code', '\r\n+CSQ: 1,99\r\n', /no final result code/],
    ['+CME ERROR without a code', '\r\n+CME ERROR: \r\n', /no final result code/],
    ['two final result codes', '\r\nOK\r\n\r\nOK\r\n', /final result code "OK" before the last line/],
    ['a bare CR inside a line', '\r\nO\rK\r\n', /not part of a CR LF pair/],
  ];

  it.each(MALFORMED)('rejects %s', (_name, text, message) => {
    const r = decodeResponse(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(message);
  });

  it('splits information lines into fields', () => {
    expect(parseInfoLine('+CEREG: 2,1,"5A1A","01A2D001",7')).toEqual({
      ok: true,
      name: '+CEREG',
      fields: ['2', '1', '5A1A', '01A2D001', '7'],
    });
    expect(parseInfoLine('+COPS: (2,"CHINA MOBILE","CMCC","46000",7),,(0-4),(0-2)')).toEqual({
      ok: true,
      name: '+COPS',
      fields: ['(2,"CHINA MOBILE","CMCC","46000",7)', '', '(0-4)', '(0-2)'],
    });
    expect(parseInfoLine('CSQ: 1').ok).toBe(false);
    expect(parseInfoLine('+X: "abc').ok).toBe(false);
  });
});

describe('codec properties (seeded)', () => {
  const name = fc.stringMatching(/^\+[A-Z][A-Z0-9]{0,7}$/);
  const param = fc.oneof(
    fc.constant(null),
    fc.nat({ max: 1e9 }),
    fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)) }),
  );
  const command: fc.Arbitrary<AtCommand> = fc.oneof(
    fc.record({ type: fc.constant('basic' as const), name: fc.stringMatching(/^&?[A-Z]$/) }),
    fc.record({
      type: fc.constant('basic' as const),
      name: fc.stringMatching(/^&?[A-Z]$/),
      value: fc.nat({ max: 999 }),
    }),
    fc.record({ type: fc.constantFrom('test' as const, 'read' as const, 'exec' as const), name }),
    fc.record({
      type: fc.constant('set' as const),
      name,
      params: fc.array(param, { minLength: 1, maxLength: 4 }),
    }),
  );

  it('parse(encode(commands)) equals the commands', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 5 }), (commands) => {
        const line = encodeCommandLine(commands).toString('latin1');
        fc.pre(line.length <= 513);
        expect(parseCommandLine(line.slice(0, -1))).toEqual({ ok: true, commands, blank: false });
      }),
      PROPS,
    );
  });

  it('decode(encode(response)) equals the response', () => {
    const line = fc
      .stringMatching(/^[\x20-\x7e]{1,40}$/)
      .filter((l) => !/^(OK|ERROR|\+CME ERROR)/.test(l));
    const final = fc.oneof(
      fc.constant({ kind: 'ok' as const }),
      fc.constant({ kind: 'error' as const }),
      fc.record({ kind: fc.constant('cme' as const), err: fc.nat({ max: 999 }) }),
      fc.record({
        kind: fc.constant('cme' as const),
        err: fc.stringMatching(/^[a-zA-Z][a-zA-Z ]{0,30}$/),
      }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 4 }), final, (info, fin) => {
        const response = { info, final: fin };
        expect(decodeResponse(encodeResponse(response))).toEqual({ ok: true, response });
      }),
      PROPS,
    );
  });

  it('random input gives a typed result, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (bytes) => {
        const buf = Buffer.from(bytes);
        const { lines, rest, error } = splitLines(buf);
        if (error) expect(error).toBeInstanceOf(LabError);
        else expect((lines.at(-1)?.end ?? 0) + rest.length).toBe(buf.length);
        const text = buf.toString('latin1');
        for (const r of [parseCommandLine(text), decodeResponse(buf), parseInfoLine(text)])
          if (!r.ok) expect(r.error).toBeInstanceOf(LabError);
      }),
      PROPS,
    );
  });
});

describe('modem: echo (V.250 §6.2.4)', () => {
  it('echoes the command line by default, then answers after a short delay', () => {
    const intents = modem().receive(Buffer.from('AT\r'), T);
    expect(intents).toEqual([
      { send: Buffer.from('AT\r') },
      { send: Buffer.from('\r\nOK\r\n'), delayMs: 10 },
    ]);
  });

  it('echoes characters as they are typed', () => {
    const m = modem();
    expect(['A', 'T', '\r'].map((c) => talk(m, c))).toEqual(['A', 'T', '\r\r\nOK\r\n']);
  });

  it('echoes CRLF and LF terminators as received; a blank line gets no answer', () => {
    expect(talk(modem(), 'AT\r\n')).toBe('AT\r\n\r\nOK\r\n');
    expect(talk(modem(), 'AT\n')).toBe('AT\n\r\nOK\r\n');
    expect(talk(modem(), '\r\n')).toBe('\r\n');
  });

  it('ATE0 is itself echoed, then echo stops; ATE1 brings it back', () => {
    const m = modem();
    const intents = m.receive(Buffer.from('ATE0\r'), T);
    expect(intents[0]).toEqual({ state: { echo: false } });
    expect(sent(intents)).toBe('ATE0\r\r\nOK\r\n');
    expect(talk(m, 'AT\r')).toBe('\r\nOK\r\n');
    expect(talk(m, 'ATE1\r')).toBe('\r\nOK\r\n');
    expect(talk(m, 'AT\r')).toBe('AT\r\r\nOK\r\n');
  });

  it('answers each line of a chunk in order, later lines after earlier answers', () => {
    const intents = modem().receive(Buffer.from('AT\rAT\r'), T);
    expect(intents.map((i) => ('send' in i ? [i.send.toString(), i.delayMs ?? 0] : []))).toEqual([
      ['AT\r', 0],
      ['\r\nOK\r\nAT\r', 10],
      ['\r\nOK\r\n', 20],
    ]);
  });
});

describe('modem: commands', () => {
  it('identifies itself (ATI, +CGMI/+CGMM/+CGMR, +GMx)', () => {
    const m = quiet();
    expect(ask(m, 'ATI')).toEqual(['IOTLAB', 'LC20', 'Revision: LC20CNR01A03']);
    expect(ask(m, 'AT+CGMI')).toEqual(['IOTLAB']);
    expect(ask(m, 'AT+CGMM')).toEqual(['LC20']);
    expect(ask(m, 'AT+CGMR')).toEqual(['LC20CNR01A03']);
    expect(ask(m, 'AT+GMI')).toEqual(['IOTLAB']);
    expect(ask(m, 'AT+CGMI=?')).toEqual([]);
  });

  it('gives a seeded IMEI with a valid Luhn check digit (TS 23.003 §6.2.1)', () => {
    const imeis = [1, 2, 3, 4, 5].map((seed) => ask(quiet(seed), 'AT+CGSN')[0]!);
    for (const imei of imeis) {
      expect(imei).toMatch(/^86\d{13}$/);
      expect(luhnValid(imei)).toBe(true);
    }
    expect(new Set(imeis).size).toBe(5);
    const m = quiet(1);
    expect(ask(m, 'AT+GSN')).toEqual([imeis[0]]);
    expect(m.truth(T).imei).toBe(imeis[0]);
  });

  it('gives an IMSI of its PLMN (+CIMI)', () => {
    expect(ask(quiet(1), 'AT+CIMI')[0]).toMatch(/^46000\d{10}$/);
    expect(ask(quiet(1, { mcc: 310, mnc: 260 }), 'AT+CIMI')[0]).toMatch(/^310260\d{9}$/);
  });

  it('has its SIM ready and refuses a PIN (+CPIN)', () => {
    const m = quiet();
    expect(ask(m, 'AT+CPIN?')).toEqual(['+CPIN: READY']);
    expect(talk(m, 'AT+CPIN="1234"\r')).toBe('\r\n+CME ERROR: 3\r\n');
    expect(talk(m, 'AT+CPIN=1234\r')).toBe('\r\n+CME ERROR: 50\r\n');
  });

  it('keeps the radio on (+CFUN)', () => {
    const m = quiet();
    expect(ask(m, 'AT+CFUN?')).toEqual(['+CFUN: 1']);
    expect(ask(m, 'AT+CFUN=1')).toEqual([]);
    expect(ask(m, 'AT+CFUN=1,1')).toEqual([]);
    expect(talk(m, 'AT+CFUN=0\r')).toBe('\r\n+CME ERROR: 3\r\n');
    expect(talk(m, 'AT+CFUN=2\r')).toBe('\r\n+CME ERROR: 50\r\n');
  });

  it('reports signal quality: 99 before registration, then the truth (+CSQ)', () => {
    const m = quiet();
    expect(ask(m, 'AT+CSQ', 0)).toEqual(['+CSQ: 99,99']);
    expect(m.truth(0).rssi).toBe(99);
    expect(ask(m, 'AT+CSQ=?')).toEqual(['+CSQ: (0-31,99),(0-7,99)']);
    const series: number[] = [];
    for (let t = T; t < T + 600_000; t += 1000) {
      const [line] = ask(m, 'AT+CSQ', t);
      const rssi = Number(/^\+CSQ: (\d+),99$/.exec(line!)![1]);
      expect(rssi).toBe(m.truth(t).rssi);
      expect(rssi).toBeGreaterThanOrEqual(0);
      expect(rssi).toBeLessThanOrEqual(31);
      series.push(rssi);
    }
    const steps = series.slice(1).map((v, i) => Math.abs(v - series[i]!));
    expect(Math.max(...steps)).toBeLessThanOrEqual(6); // a handover may jump; fading does not
    expect(steps.filter((s) => s > 1).length).toBeLessThan(5); // slowly varying
    expect(new Set(series).size).toBeGreaterThan(1);
  });

  it('reports registration with and without location (+CREG, +CEREG)', () => {
    const m = quiet();
    const cell = m.truth(T).servingCell as { tac: number; cellId: number };
    const tac = cell.tac.toString(16).toUpperCase().padStart(4, '0');
    const ci = cell.cellId.toString(16).toUpperCase().padStart(8, '0');
    for (const cmd of ['+CREG', '+CEREG']) {
      expect(ask(m, `AT${cmd}?`)).toEqual([`${cmd}: 0,1`]);
      expect(ask(m, `AT${cmd}?`, 0)).toEqual([`${cmd}: 0,2`]);
      expect(ask(m, `AT${cmd}=?`)).toEqual([`${cmd}: (0-2)`]);
      expect(ask(m, `AT${cmd}=2`)).toEqual([]);
      expect(ask(m, `AT${cmd}?`)).toEqual([`${cmd}: 2,1,"${tac}","${ci}",7`]);
      expect(ask(m, `AT${cmd}?`, 0)).toEqual([`${cmd}: 2,2`]);
      expect(talk(m, `AT${cmd}=3\r`)).toBe('\r\n+CME ERROR: 50\r\n');
    }
  });

  it('is attached once registered (+CGATT)', () => {
    const m = quiet();
    expect(ask(m, 'AT+CGATT?', 0)).toEqual(['+CGATT: 0']);
    expect(ask(m, 'AT+CGATT?')).toEqual(['+CGATT: 1']);
    expect(ask(m, 'AT+CGATT=1')).toEqual([]);
    expect(talk(m, 'AT+CGATT=0\r')).toBe('\r\n+CME ERROR: 3\r\n');
  });

  it('names its operator in the three formats (+COPS)', () => {
    const m = quiet();
    expect(ask(m, 'AT+COPS?')).toEqual(['+COPS: 0,0,"CHINA MOBILE",7']);
    expect(ask(m, 'AT+COPS?', 0)).toEqual(['+COPS: 0']);
    expect(ask(m, 'AT+COPS=3,2')).toEqual([]);
    expect(ask(m, 'AT+COPS?')).toEqual(['+COPS: 0,2,"46000",7']);
    expect(ask(m, 'AT+COPS=0,1')).toEqual([]);
    expect(ask(m, 'AT+COPS?')).toEqual(['+COPS: 0,1,"CMCC",7']);
    expect(ask(m, 'AT+COPS=?')).toEqual([
      '+COPS: (2,"CHINA MOBILE","CMCC","46000",7),,(0-4),(0-2)',
    ]);
    expect(talk(m, 'AT+COPS=1,2,"46001"\r')).toBe('\r\n+CME ERROR: 3\r\n');
    expect(talk(m, 'AT+COPS=3\r')).toBe('\r\n+CME ERROR: 50\r\n');
    expect(talk(m, 'AT+COPS=0,3\r')).toBe('\r\n+CME ERROR: 50\r\n');
    expect(ask(quiet(1, { mnc: 1 }), 'AT+COPS?')).toEqual(['+COPS: 0,0,"CHN-UNICOM",7']);
    expect(ask(quiet(1, { mcc: 310, mnc: 260 }), 'AT+COPS?')).toEqual(['+COPS: 0,0,"310260",7']);
  });

  it('describes the serving cell like Quectel (AT+QENG="servingcell")', () => {
    const m = quiet();
    const [line] = ask(m, 'AT+QENG="servingcell"');
    const r = parseInfoLine(line!);
    if (!r.ok) throw r.error;
    const f = r.fields;
    const truth = m.truth(T);
    const cell = truth.servingCell as Record<string, number>;
    expect(f.slice(0, 3)).toEqual(['servingcell', 'NOCONN', 'LTE']);
    expect(['FDD', 'TDD']).toContain(f[3]);
    expect([Number(f[4]), Number(f[5]), parseInt(f[6]!, 16), Number(f[7])]).toEqual([
      460,
      0,
      cell.cellId,
      cell.pci,
    ]);
    expect(f[5]).toBe('00'); // MNC printed with two digits
    expect([Number(f[8]), Number(f[9]), parseInt(f[12]!, 16)]).toEqual([
      cell.earfcn,
      cell.band,
      cell.tac,
    ]);
    expect(f.slice(13, 17).map(Number)).toEqual([
      truth.rsrp,
      truth.rsrq,
      truth.rssiDbm,
      truth.sinr,
    ]);
    expect(f).toHaveLength(18);
    expect(ask(m, 'AT+QENG="servingcell"', 0)).toEqual(['+QENG: "servingcell","SEARCH"']);
    expect(ask(m, 'AT+QENG=?')).toEqual(['+QENG: ("servingcell")']);
  });

  it('answers several commands of one line, then one OK (V.250 §5.2.1)', () => {
    const m = quiet();
    expect(ask(m, 'AT+CSQ;+CREG?')).toEqual([`+CSQ: ${Number(m.truth(T).rssi)},99`, '+CREG: 0,1']);
    expect(talk(m, 'AT+CPIN?;+CREG=9;+CSQ\r')).toBe('\r\n+CPIN: READY\r\n\r\n+CME ERROR: 50\r\n');
  });

  it('resets line settings with ATZ and AT&F', () => {
    const m = quiet();
    talk(m, 'AT+CMEE=2;+CREG=2\r');
    expect(talk(m, 'ATZ\r')).toBe('\r\nOK\r\n');
    expect(talk(m, 'AT+CMEE?\r')).toBe('AT+CMEE?\r\r\n+CMEE: 1\r\n\r\nOK\r\n');
  });
});

describe('modem: errors (TS 27.007 §9)', () => {
  // prettier-ignore
  const ERRORS: [string, string, string][] = [
    ['unknown extended command', 'AT+FOO', 'ERROR'],
    ['unknown basic command', 'ATD123', 'ERROR'],
    ['a form the command lacks', 'AT+CSQ?', 'ERROR'],
    ['set on an execute-only command', 'AT+CGMI=1', 'ERROR'],
    ['no AT prefix', 'hello', 'ERROR'],
    ['syntax error', 'AT+CREG=x', 'ERROR'],
    ['E with a bad value', 'ATE2', 'ERROR'],
    ['I with a bad value', 'ATI5', 'ERROR'],
    ['value out of range', 'AT+CREG=3', '+CME ERROR: 50'],
    ['string for a number', 'AT+CMEE="1"', '+CME ERROR: 50'],
    ['too many parameters', 'AT+CGATT=1,1', '+CME ERROR: 50'],
    ['omitted parameter', 'AT+CEREG=', '+CME ERROR: 50'],
    ['unknown QENG type', 'AT+QENG="neighbourcell"', '+CME ERROR: 50'],
  ];

  it.each(ERRORS)('%s: %s ⇒ %s', (_name, command, result) => {
    expect(talk(quiet(), command + '\r')).toBe(`\r\n${result}\r\n`);
  });

  it('follows +CMEE: 1 numeric (default), 2 verbose, 0 plain ERROR', () => {
    const m = quiet();
    expect(ask(m, 'AT+CMEE?')).toEqual(['+CMEE: 1']);
    expect(ask(m, 'AT+CMEE=?')).toEqual(['+CMEE: (0-2)']);
    expect(ask(m, 'AT+CMEE=2')).toEqual([]);
    expect(talk(m, 'AT+CREG=9\r')).toBe('\r\n+CME ERROR: Incorrect parameters\r\n');
    expect(talk(m, 'AT+CGATT=0\r')).toBe('\r\n+CME ERROR: operation not allowed\r\n');
    expect(talk(m, 'AT+FOO\r')).toBe('\r\nERROR\r\n');
    expect(ask(m, 'AT+CMEE=0')).toEqual([]);
    expect(talk(m, 'AT+CREG=9\r')).toBe('\r\nERROR\r\n');
    expect(talk(m, 'AT+CMEE=3\r')).toBe('\r\nERROR\r\n');
  });

  it('answers one ERROR for an over-long line and recovers', () => {
    const m = quiet();
    expect(talk(m, 'AT' + 'E'.repeat(600))).toBe('');
    expect(talk(m, 'EEE\r')).toBe('\r\nERROR\r\n');
    expect(talk(m, 'AT\r')).toBe('\r\nOK\r\n');
  });

  it('survives random bytes in random chunks, answering only with bytes and state', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }), (chunks) => {
        const m = modem(7);
        for (const c of chunks)
          for (const i of m.receive(Buffer.from(c), T))
            expect('send' in i ? Buffer.isBuffer(i.send) : 'state' in i).toBe(true);
      }),
      PROPS,
    );
  });

  // With echo on, a LF cut off its CR is echoed when it arrives, after the answer (as on a real
  // module), so the echo script uses CR alone.
  it.each([
    [
      'echo off, mixed terminators',
      'AT+CSQ\rAT+CREG=2;+CREG?\nAT+FOO\rATI\r\nAT+QENG="servingcell"\r',
    ],
    ['echo on, CR terminators', 'AT+CSQ\rAT+CREG=2;+CREG?\rAT+FOO\rATI\rAT+QENG="servingcell"\r'],
  ])('answers the same however the input is cut (%s)', (name, script) => {
    const fresh = (): ByteDevice => (name.startsWith('echo off') ? quiet(3) : modem(3));
    const whole = talk(fresh(), script);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: script.length }), { maxLength: 10 }), (cuts) => {
        const m = fresh();
        const points = [...new Set([0, ...cuts, script.length])].sort((a, b) => a - b);
        const got = points.slice(1).map((to, i) => talk(m, script.slice(points[i], to)));
        expect(got.join('')).toBe(whole);
      }),
      PROPS,
    );
  });
});

describe('modem: network, cell table and truth', () => {
  it('camps on a cell of the published table, within that cell’s range', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const m = modem(seed, { cells: 1 + (seed % 10) });
      const table = m.cardInfo().cellTable as CellEntry[];
      expect(table).toHaveLength(1 + (seed % 10));
      expect(new Set(table.map((c) => c.cellId)).size).toBe(table.length);
      for (let t = 10_000; t < 86_400_000; t += 3_600_000) {
        const truth = m.truth(t);
        const cell = truth.servingCell as { tac: number; cellId: number };
        const row = table.find((c) => c.cellId === cell.cellId && c.tac === cell.tac);
        expect(row).toBeDefined();
        expect(truth.position).toEqual({ lat: row!.lat, lon: row!.lon, rangeM: row!.rangeM });
        const at = truth.modemPosition as { lat: number; lon: number };
        expect(haversineM(at, row!)).toBeLessThanOrEqual(row!.rangeM);
      }
    }
  });

  it('is unregistered until a seeded moment in the first seconds', () => {
    const m = modem(5);
    expect(m.truth(0)).toMatchObject({ registered: false, servingCell: null, position: null });
    const at = m.nextEmission(0)!;
    expect(at).toBeGreaterThanOrEqual(3000);
    expect(at).toBeLessThanOrEqual(8000);
    expect(m.truth(at - 1).registered).toBe(false);
    expect(m.truth(at).registered).toBe(true);
  });

  it('hands over on a seeded schedule and reports it with URCs', () => {
    const m = quiet(11);
    talk(m, 'AT+CREG=1;+CEREG=2\r');
    let t = m.nextEmission(0)!;
    const first = m.emit(t); // registration: both report modes speak
    expect(sent(first)).toMatch(
      /^\r\n\+CREG: 1\r\n\r\n\+CEREG: 1,"[0-9A-F]{4}","[0-9A-F]{8}",7\r\n$/,
    );
    const cells = new Set<unknown>();
    for (let n = 0; n < 20; n++) {
      const next = m.nextEmission(t)!;
      expect(next).toBeGreaterThan(t);
      const before = (m.truth(next - 1).servingCell as { cellId: number }).cellId;
      const after = (m.truth(next).servingCell as { cellId: number }).cellId;
      expect(after).not.toBe(before);
      // no other change between two emissions
      expect((m.truth(Math.floor((t + next) / 2)).servingCell as { cellId: number }).cellId).toBe(
        before,
      );
      const out = m.emit(next);
      expect(out[0]).toEqual({ state: { registered: true, servingCell: after } });
      const ci = after.toString(16).toUpperCase().padStart(8, '0');
      expect(sent(out)).toMatch(new RegExp(`^\\r\\n\\+CEREG: 1,"[0-9A-F]{4}","${ci}",7\\r\\n$`));
      cells.add(after);
      t = next;
    }
    expect(cells.size).toBeGreaterThan(1);
    expect(m.emit(t + 1)).toEqual([]);
  });

  it('never hands over with a single cell', () => {
    const m = modem(2, { cells: 1 });
    const reg = m.nextEmission(0)!;
    expect(m.nextEmission(reg)).toBeUndefined();
  });

  it('is deterministic per seed and differs across seeds', () => {
    const script = 'AT+CGSN;+CIMI;+CSQ;+CEREG=2;+CEREG?;+QENG="servingcell"\r';
    const a = modem(9);
    const b = modem(9);
    const c = modem(10);
    expect(talk(a, script)).toBe(talk(b, script));
    expect(a.cardInfo()).toEqual(b.cardInfo());
    expect(JSON.stringify(a.truth(1e7))).toBe(JSON.stringify(b.truth(1e7)));
    expect(c.cardInfo()).not.toEqual(a.cardInfo());
    // truth is a function of t alone, whatever was asked before
    const fresh = modem(9);
    expect(fresh.truth(5e6)).toEqual(a.truth(5e6));
  });
});

function luhnValid(digits: string): boolean {
  let sum = 0;
  [...digits].reverse().forEach((ch, i) => {
    const d = Number(ch) * (i % 2 === 1 ? 2 : 1);
    sum += d > 9 ? d - 9 : d;
  });
  return sum % 10 === 0;
}

function haversineM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
}
