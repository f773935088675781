/**
 * Barcode scanner codec: EAN-13 check digits and bar patterns, the scan lines a serial scanner
 * prints, and the host commands it accepts. Pure: text and bytes in, typed values out.
 *
 * References:
 *   [GS1]  GS1 General Specifications (Release 24), §7.9.1 (standard check digit calculation:
 *          mod 10, weights 3 and 1 from the right), §5.2.1.2 (EAN-13 symbol: number sets A, B,
 *          C and the parity of the left half chosen by the first digit), §1.4.3 (GS1 prefixes;
 *          690–699 are GS1 China).
 *   [AIM]  ISO/IEC 15424:2008, symbology identifiers `]cm`: `]E0` EAN-13, `]C0` Code 128,
 *          `]Q1` QR Code (model 2, no ECI, no FNC1).
 *   [HSM]  Honeywell scanner serial commands, as modelled here: `SYN T CR` triggers a read,
 *          `SYN U CR` releases the trigger, `SYN M CR <tag><value>!` is a menu command that the
 *          scanner echoes with ACK (done), ENQ (unknown tag) or NAK (bad value) before the `!`.
 *
 * Untrusted input never throws: `checkEan13`, `decodeScanLine` and `parseHostCommands` return
 * a `LabError` (PROTOCOL_MALFORMED, with `context.reason`). The encoders throw, and only when
 * our own code asks for something the format cannot carry.
 */
import { LabError } from '../../core/errors.js';

export type Symbology = 'ean13' | 'code128' | 'qr';
export type Suffix = 'CR' | 'LF' | 'CRLF' | 'none';

export const SUFFIX_BYTES: Readonly<Record<Suffix, Buffer>> = {
  CR: Buffer.from([0x0d]),
  LF: Buffer.from([0x0a]),
  CRLF: Buffer.from([0x0d, 0x0a]),
  none: Buffer.alloc(0),
};

/** [AIM] identifier of each symbology as the scanner transmits it. */
export const AIM_IDS: Readonly<Record<Symbology, string>> = {
  ean13: ']E0',
  code128: ']C0',
  qr: ']Q1',
};

/** Control bytes of the host command set. */
export const SYN = 0x16;
export const CR = 0x0d;
export const ACK = 0x06;
export const ENQ = 0x05;
export const NAK = 0x15;

/** Longest scan line we decode: a QR Code 40-L holds 2,953 bytes; leave room for prefixes. */
export const MAX_SCAN_BYTES = 4096;
/** Longest menu command body before its terminator (the real ones are a dozen characters). */
export const MAX_MENU_BODY = 64;

function malformed(reason: string, message: string, context: Record<string, unknown> = {}) {
  return new LabError('PROTOCOL_MALFORMED', message, { reason, ...context });
}

// ---------------------------------------------------------------------------------------------
// EAN-13 ([GS1] §7.9.1, §5.2.1.2)

/**
 * Check digit of 12 data digits. [GS1] §7.9.1 weights digits from the right, 3 first: for
 * EAN-13 that is weight 1 on the 1st, 3rd, … digit and 3 on the 2nd, 4th, … from the left.
 */
export function ean13CheckDigit(base12: string): number {
  if (!/^\d{12}$/.test(base12))
    throw malformed('not-12-digits', `EAN-13 needs 12 data digits, got "${base12}"`);
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(base12[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10;
}

/** The 13 digits of a code: 12 data digits + their check digit. */
export function ean13(base12: string): string {
  return base12 + String(ean13CheckDigit(base12));
}

export interface Ean13Check {
  digits: string;
  /** First three digits: the GS1 prefix (690–699 = China). */
  prefix: string;
  /** The check digit printed on the code. */
  check: number;
  /** The check digit [GS1] §7.9.1 gives for its 12 data digits. */
  expected: number;
  valid: boolean;
}

/** Checks untrusted text as an EAN-13 code. */
export function checkEan13(s: string): Ean13Check | LabError {
  if (s.length !== 13)
    return malformed('length', `an EAN-13 code has 13 digits, got ${s.length} characters`, { s });
  if (!/^\d{13}$/.test(s))
    return malformed('not-digits', `an EAN-13 code has only digits 0–9, got "${s}"`, { s });
  const expected = ean13CheckDigit(s.slice(0, 12));
  const check = Number(s[12]);
  return { digits: s, prefix: s.slice(0, 3), check, expected, valid: check === expected };
}

export function isValidEan13(s: string): boolean {
  const r = checkEan13(s);
  return !(r instanceof LabError) && r.valid;
}

/** [GS1] §5.2.1.2 number set A (odd parity); set C is its complement, set B its C reversed. */
const SET_A = [
  '0001101',
  '0011001',
  '0010011',
  '0111101',
  '0100011',
  '0110001',
  '0101111',
  '0111011',
  '0110111',
  '0001011',
];
const complement = (m: string): string => m.replace(/./g, (b) => (b === '1' ? '0' : '1'));
const SET_C = SET_A.map(complement);
const SET_B = SET_C.map((m) => [...m].reverse().join(''));
/** Sets of the six left digits, by the first digit (which is encoded only by this choice). */
const LEFT_PARITY = [
  'AAAAAA',
  'AABABB',
  'AABBAB',
  'AABBBA',
  'ABAABB',
  'ABBAAB',
  'ABBBAA',
  'ABABAB',
  'ABABBA',
  'ABBABA',
];

/**
 * The 95 modules of an EAN-13 symbol ('1' = bar): guard 101, six left digits, guard 01010, six
 * right digits, guard 101. Any 13 digits are drawn, also with a wrong check digit — a misprinted
 * label is exactly that.
 */
export function ean13Modules(digits: string): string {
  if (!/^\d{13}$/.test(digits))
    throw malformed('not-13-digits', `EAN-13 bars need 13 digits, got "${digits}"`);
  const d = [...digits].map(Number);
  const parity = LEFT_PARITY[d[0]!]!;
  let m = '101';
  for (let i = 0; i < 6; i++) m += (parity[i] === 'A' ? SET_A : SET_B)[d[i + 1]!]!;
  m += '01010';
  for (let i = 7; i < 13; i++) m += SET_C[d[i]!]!;
  return m + '101';
}

/** Widths of alternating bars and spaces, starting with a bar (what barcode renderers take). */
export function runLengths(modules: string): number[] {
  const out: number[] = [];
  let run = 0;
  for (let i = 0; i < modules.length; i++) {
    run += 1;
    if (modules[i] !== modules[i + 1]) {
      out.push(run);
      run = 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Scan lines (device → host)

/**
 * Index of the first C0 control or DEL in s, or -1. GS (0x1D) is allowed: it is how scanners
 * send the FNC1 separator of GS1 data.
 */
function controlAt(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x1d) || c === 0x7f) return i;
  }
  return -1;
}

/**
 * One scan as the scanner prints it: [AIM id] + text + suffix. The text is UTF-8; a scan that
 * contained CR or LF could not be told from the next line, so the encoder refuses it.
 */
export function encodeScan(text: string, suffix: Suffix, aim?: Symbology): Buffer {
  if (text.length === 0) throw malformed('empty', 'a scan has at least one character');
  if (controlAt(text) >= 0)
    throw malformed('control-character', `a scan line cannot carry control characters`, { text });
  const prefix = aim === undefined ? '' : AIM_IDS[aim];
  return Buffer.concat([Buffer.from(prefix + text, 'utf8'), SUFFIX_BYTES[suffix]]);
}

export interface ScanLine {
  text: string;
  /** `]E0` etc. when decoded with `aim: true`, else null. */
  aim: string | null;
  /** The symbology the AIM id names, when it is one we know. */
  symbology: Symbology | null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One line from the scanner, its suffix already removed (see `splitScanLines`). With
 * `aim: true` the line must start with an [AIM] identifier `]` + letter + modifier.
 */
export function decodeScanLine(line: Buffer, opts: { aim?: boolean } = {}): ScanLine | LabError {
  if (line.length === 0) return malformed('empty', 'an empty scan line');
  if (line.length > MAX_SCAN_BYTES)
    return malformed('too-long', `a scan line of at most ${MAX_SCAN_BYTES} bytes`, {
      length: line.length,
    });
  let s: string;
  try {
    s = utf8.decode(line);
  } catch {
    return malformed('not-utf8', 'a scan line is UTF-8 text');
  }
  const at = controlAt(s);
  if (at >= 0)
    return malformed(
      'control-character',
      `control character 0x${hex2(s.charCodeAt(at))} in a scan line`,
      { at },
    );
  if (opts.aim !== true) return { text: s, aim: null, symbology: null };
  const id = /^\][A-Za-z][0-9A-Za-z]/.exec(s)?.[0];
  if (id === undefined)
    return malformed('no-aim-id', 'expected an AIM identifier (`]` + letter + modifier) first');
  if (s.length === 3) return malformed('empty', 'an AIM identifier without data');
  const symbology = (Object.keys(AIM_IDS) as Symbology[]).find((k) => AIM_IDS[k] === id) ?? null;
  return { text: s.slice(3), aim: id, symbology };
}

/**
 * Host side: cuts a byte stream into lines at CR, LF or CRLF (whichever suffix the scanner
 * uses; a CRLF split across two reads gives no empty line, empty lines are dropped). Returns
 * the complete lines without terminators and the unfinished rest to prepend to the next read.
 * With suffix `none` there is nothing to cut at: a host ends a scan after an idle gap instead.
 */
export function splitScanLines(pending: Buffer): { lines: Buffer[]; rest: Buffer } {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < pending.length; i++) {
    const b = pending[i];
    if (b !== CR && b !== 0x0a) continue;
    if (i > start) lines.push(pending.subarray(start, i));
    start = i + 1;
  }
  return { lines, rest: pending.subarray(start) };
}

// ---------------------------------------------------------------------------------------------
// Host commands (host → device, [HSM])

export type HostCommand =
  | { type: 'trigger' }
  | { type: 'untrigger' }
  /** `!` applies to the running settings, `.` also stores them. */
  | { type: 'menu'; body: string; terminator: '!' | '.' };

export function encodeHostCommand(cmd: HostCommand): Buffer {
  switch (cmd.type) {
    case 'trigger':
      return Buffer.from([SYN, 0x54, CR]);
    case 'untrigger':
      return Buffer.from([SYN, 0x55, CR]);
    case 'menu':
      if (!/^[\x20-\x7e]+$/.test(cmd.body) || /[!.]/.test(cmd.body))
        throw malformed('bad-menu', 'a menu body is printable ASCII without `!` or `.`', {
          body: cmd.body,
        });
      if (cmd.body.length > MAX_MENU_BODY)
        throw malformed('too-long', `a menu body of at most ${MAX_MENU_BODY} characters`);
      return Buffer.concat([Buffer.from([SYN, 0x4d, CR]), Buffer.from(cmd.body + cmd.terminator)]);
  }
}

export type MenuStatus = 'ack' | 'enq' | 'nak';
const STATUS_BYTE: Record<MenuStatus, number> = { ack: ACK, enq: ENQ, nak: NAK };

/** [HSM] reply to a menu command: the body echoed, the status byte, the terminator. */
export function encodeMenuReply(body: string, status: MenuStatus, terminator: '!' | '.'): Buffer {
  return Buffer.concat([
    Buffer.from(body, 'latin1'),
    Buffer.from([STATUS_BYTE[status]]),
    Buffer.from(terminator),
  ]);
}

export interface ParsedHostInput {
  /** Commands and framing errors, in stream order. */
  items: (HostCommand | LabError)[];
  /** An unfinished command to prepend to the next chunk. */
  rest: Buffer;
  /** Bytes outside any `SYN` frame, dropped (a scanner ignores them). */
  skipped: number;
}

/** Cuts host input into commands; never throws, whatever the bytes. */
export function parseHostCommands(pending: Buffer): ParsedHostInput {
  const items: (HostCommand | LabError)[] = [];
  let skipped = 0;
  let i = 0;
  for (;;) {
    const at = pending.indexOf(SYN, i);
    if (at < 0) return { items, rest: Buffer.alloc(0), skipped: skipped + pending.length - i };
    skipped += at - i;
    if (pending.length - at < 3) return { items, rest: pending.subarray(at), skipped };
    const letter = pending[at + 1]!;
    const name = `SYN 0x${hex2(letter)}`;
    if (pending[at + 2] !== CR) {
      items.push(malformed('bad-frame', `expected CR (0x0D) after ${name}`, { at }));
      i = at + 1;
      continue;
    }
    if (letter === 0x54 || letter === 0x55) {
      items.push({ type: letter === 0x54 ? 'trigger' : 'untrigger' });
      i = at + 3;
      continue;
    }
    if (letter !== 0x4d) {
      items.push(malformed('unknown-command', `unknown command ${name} CR (T, U and M are)`));
      i = at + 3;
      continue;
    }
    const m = scanMenuBody(pending, at + 3);
    if (m.kind === 'incomplete') return { items, rest: pending.subarray(at), skipped };
    if (m.kind === 'error') items.push(m.error);
    else items.push({ type: 'menu', body: m.body, terminator: m.terminator });
    i = m.next;
  }
}

type MenuScan =
  | { kind: 'incomplete' }
  | { kind: 'error'; error: LabError; next: number }
  | { kind: 'ok'; body: string; terminator: '!' | '.'; next: number };

function scanMenuBody(buf: Buffer, from: number): MenuScan {
  for (let j = from; j < buf.length; j++) {
    const b = buf[j]!;
    if (j - from > MAX_MENU_BODY)
      return {
        kind: 'error',
        error: malformed('too-long', `a menu body of at most ${MAX_MENU_BODY} characters`),
        next: j,
      };
    if (b === 0x21 || b === 0x2e) {
      if (j === from)
        return { kind: 'error', error: malformed('empty', 'an empty menu command'), next: j + 1 };
      const body = buf.toString('latin1', from, j);
      return { kind: 'ok', body, terminator: b === 0x21 ? '!' : '.', next: j + 1 };
    }
    if (b < 0x20 || b > 0x7e)
      // A SYN here starts the next command: resynchronise on it rather than swallow it.
      return {
        kind: 'error',
        error: malformed('bad-frame', `byte 0x${hex2(b)} inside a menu command`),
        next: b === SYN ? j : j + 1,
      };
  }
  return { kind: 'incomplete' };
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}
