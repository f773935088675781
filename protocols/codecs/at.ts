/**
 * AT command codec, command lines host → modem; responses modem → host are in at-response.ts.
 * Pure: text in, typed values out, no line, no modem state.
 *
 * References:
 *   [V250]  ITU-T V.250 (07/2003) Serial asynchronous automatic dialling and control
 *   [27007] 3GPP TS 27.007 AT command set for User Equipment (UE)
 *
 * Untrusted bytes never throw: the splitter and the decoders report a `LabError`. Only the
 * encoders throw, and only when our own code asks for something the grammar cannot carry.
 */
import { LabError } from '../../core/errors.js';

const CR = 0x0d; // [V250] §6.2.1 S3, command line termination character (default 13)
const LF = 0x0a; // [V250] §6.2.2 S4, response formatting character (default 10)

/** Longest command line we buffer. [V250] §5.2.1 asks for at least 40; modules take 256–560. */
export const MAX_LINE_LENGTH = 512;

// ---------------------------------------------------------------------------------------------
// Command lines: splitting ([V250] §5.2.1)

/** One terminated line of a byte stream; `start`/`end` index the buffer (end after the terminator). */
export interface LineSpan {
  text: string;
  start: number;
  end: number;
}

export interface SplitLinesResult {
  lines: LineSpan[];
  /** Bytes after the last terminator (an unfinished line). Empty after an overflow. */
  rest: Buffer;
  /** The unfinished line exceeds `maxLength`: it was dropped; its tail up to the next terminator is garbage. */
  error?: LabError;
}

/**
 * Cuts terminated lines off a byte stream. CR ends a line as [V250] §5.2.1 says; a LF right after
 * it belongs to the same terminator (terminal programs send CRLF), and a lone LF also ends a line
 * (Unix tools send LF). Text is latin1 so every byte maps to one character.
 */
export function splitLines(buffer: Buffer, maxLength = MAX_LINE_LENGTH): SplitLinesResult {
  const lines: LineSpan[] = [];
  let start = 0;
  for (let i = 0; i < buffer.length; i++) {
    const b = buffer[i];
    if (b !== CR && b !== LF) continue;
    const end = b === CR && buffer[i + 1] === LF ? i + 2 : i + 1;
    lines.push({ text: buffer.toString('latin1', start, i), start, end });
    start = end;
    i = end - 1;
  }
  const rest = buffer.subarray(start);
  if (rest.length <= maxLength) return { lines, rest };
  const error = new LabError(
    'PROTOCOL_MALFORMED',
    `command line longer than ${maxLength} bytes without a CR`,
    { length: rest.length },
  );
  return { lines, rest: Buffer.alloc(0), error };
}

// ---------------------------------------------------------------------------------------------
// Command lines: parsing and encoding ([V250] §5.2–5.4)

/** A parameter of a set command: a decimal number, a "string", or omitted (empty between commas). */
export type AtParam = number | string | null;

export type AtCommand =
  /** [V250] §5.3: a letter (or & and a letter) with an optional decimal value, e.g. E0, I, &F. */
  | { type: 'basic'; name: string; value?: number }
  /** [V250] §5.4.3.1 `+X=?`: which values the command takes. */
  | { type: 'test'; name: string }
  /** [V250] §5.4.4.3 `+X?`: the current value. */
  | { type: 'read'; name: string }
  /** [V250] §5.4.3.1 / §5.4.4.2 `+X=a,b`. */
  | { type: 'set'; name: string; params: AtParam[] }
  /** [V250] §5.4.3.1 `+X` without parameters. */
  | { type: 'exec'; name: string };

export type ParseResult =
  /** `blank`: nothing but spaces and control characters, which the modem ignores. */
  { ok: true; commands: AtCommand[]; blank: boolean } | { ok: false; error: LabError };

/** [V250] §5.4.1: the characters an extended command name may hold after its first letter. */
const NAME_CHAR = /[A-Z0-9!%\-./:_]/i;
const MAX_DIGITS = 15; // keeps every number exact in a double

/**
 * Parses one command line (without its terminator) into commands, or says what is wrong.
 * Columns in errors are 1-based, counted after spaces are dropped ("AT" is columns 1–2).
 */
export function parseCommandLine(line: string): ParseResult {
  if (line.length > MAX_LINE_LENGTH)
    return fail(`command line is ${line.length} characters; at most ${MAX_LINE_LENGTH}`, { line });
  const stripped = stripLine(applyEditing(line));
  if (typeof stripped !== 'string') return stripped;
  if (stripped === '') return { ok: true, commands: [], blank: true };
  if (!/^AT/i.test(stripped))
    return fail('a command line must start with AT (V.250 §5.2.1)', { line });
  const body = stripped.slice(2);
  const commands: AtCommand[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body.charAt(i);
    if (c === ';') {
      i += 1; // a separator after a basic command is harmless
    } else if (c === '+') {
      const parsed = parseExtended(body, i);
      if ('error' in parsed) return { ok: false, error: parsed.error };
      commands.push(parsed.command);
      i = parsed.next;
      if (i < body.length && body.charAt(i) !== ';')
        return fail(`expected ";" after ${parsed.command.name} (V.250 §5.4.2)`, { column: i + 3 });
    } else {
      const m = /^(&?[A-Z])(\d*)/i.exec(body.slice(i));
      if (!m) return fail(`unexpected "${printable(c)}" at column ${i + 3}`, { column: i + 3 });
      const digits = m[2] ?? '';
      if (digits.length > MAX_DIGITS)
        return fail(`value of ${m[1]} is too long`, { column: i + 3 });
      const name = (m[1] ?? '').toUpperCase();
      commands.push(
        digits === '' ? { type: 'basic', name } : { type: 'basic', name, value: +digits },
      );
      i += m[0].length;
    }
  }
  return { ok: true, commands, blank: false };
}

function parseExtended(
  body: string,
  from: number,
): { command: AtCommand; next: number } | { error: LabError } {
  let i = from + 1;
  if (!/[A-Z]/i.test(body.charAt(i)))
    return { error: malformed('"+" must be followed by a command name (V.250 §5.4.1)', from) };
  while (i < body.length && NAME_CHAR.test(body.charAt(i))) i += 1;
  const name = body.slice(from, i).toUpperCase();
  if (body.startsWith('=?', i)) return { command: { type: 'test', name }, next: i + 2 };
  if (body.charAt(i) === '?') return { command: { type: 'read', name }, next: i + 1 };
  if (body.charAt(i) !== '=') return { command: { type: 'exec', name }, next: i };
  const end = endOfCommand(body, i + 1);
  const params: AtParam[] = [];
  for (const token of splitOutsideQuotes(body.slice(i + 1, end), ',')) {
    const param = parseParam(token);
    if (param instanceof LabError) {
      return { error: malformed(`parameter ${params.length + 1} of ${name}: ${param.message}`, i) };
    }
    params.push(param);
  }
  return { command: { type: 'set', name, params }, next: end };
}

function parseParam(token: string): AtParam | LabError {
  if (token === '') return null;
  if (token.startsWith('"')) {
    if (token.length < 2 || !token.endsWith('"'))
      return new LabError('PROTOCOL_MALFORMED', 'text after the closing quote');
    return unescapeString(token.slice(1, -1));
  }
  if (/^\d+$/.test(token) && token.length <= MAX_DIGITS) return Number(token);
  return new LabError(
    'PROTOCOL_MALFORMED',
    `"${printable(token)}" is neither a number nor a "string"`,
  );
}

/** [V250] §5.4.2.2: inside a string, \HH is the character with hex code HH. */
export function unescapeString(s: string): string | LabError {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const hh = s.slice(i + 1, i + 3);
    if (!/^[0-9A-F]{2}$/i.test(hh))
      return new LabError(
        'PROTOCOL_MALFORMED',
        'a "\\" in a string must be followed by two hex digits',
      );
    out += String.fromCharCode(parseInt(hh, 16));
    i += 2;
  }
  return out;
}

/** [V250] §5.2.2: S5 (BS) deletes the character before it; terminals also send DEL for it. */
function applyEditing(line: string): string {
  const out: string[] = [];
  for (const c of line) {
    if (c === '\b' || c === '\x7f') out.pop();
    else out.push(c);
  }
  return out.join('');
}

/** [V250] §5.2.1: spaces and control characters outside strings are ignored. */
function stripLine(line: string): string | { ok: false; error: LabError } {
  let out = '';
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    if (quoted || c === '"' || c > ' ') out += c;
  }
  return quoted ? fail('unterminated "string"', { line }) : out;
}

function endOfCommand(body: string, from: number): number {
  let quoted = false;
  for (let i = from; i < body.length; i++) {
    const c = body.charAt(i);
    if (c === '"') quoted = !quoted;
    else if (c === ';' && !quoted) return i;
  }
  return body.length;
}

/** Splits on `sep` outside "strings" and (parenthesised lists), as info lines need too. */
export function splitOutsideQuotes(s: string, sep: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '(') depth += 1;
    else if (!quoted && c === ')') depth = Math.max(0, depth - 1);
    else if (!quoted && depth === 0 && c === sep) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/** The command line for `commands`, terminated by CR. Throws on a command the grammar cannot carry. */
export function encodeCommandLine(commands: readonly AtCommand[]): Buffer {
  let s = 'AT';
  let needSeparator = false;
  for (const c of commands) {
    if (needSeparator) s += ';';
    if (c.type === 'basic') {
      if (!/^&?[A-Z]$/.test(c.name)) throw encodeError(`basic command name "${c.name}"`);
      if (c.value !== undefined && !(Number.isInteger(c.value) && c.value >= 0))
        throw encodeError(`value ${c.value} of ${c.name}`);
      s += c.name + (c.value ?? '');
      needSeparator = false;
      continue;
    }
    if (!/^\+[A-Z][A-Z0-9!%\-./:_]*$/.test(c.name)) throw encodeError(`command name "${c.name}"`);
    s += c.name;
    if (c.type === 'test') s += '=?';
    else if (c.type === 'read') s += '?';
    else if (c.type === 'set') {
      if (c.params.length === 0) throw encodeError(`${c.name}= with no parameters`);
      s += '=' + c.params.map(encodeParam).join(',');
    }
    needSeparator = true;
  }
  return Buffer.from(s + '\r', 'latin1');
}

function encodeParam(p: AtParam): string {
  if (p === null) return '';
  if (typeof p === 'number') {
    if (!Number.isSafeInteger(p) || p < 0 || String(p).length > MAX_DIGITS)
      throw encodeError(`parameter ${p}`);
    return String(p);
  }
  return `"${escapeString(p)}"`;
}

/** Quotes, backslashes and anything but printable ASCII travel as \HH ([V250] §5.4.2.2). */
function escapeString(s: string): string {
  let out = '';
  for (const c of s) {
    const code = c.codePointAt(0) ?? 0;
    if (code > 0xff) throw encodeError(`character U+${code.toString(16)} in a string`);
    const plain = code >= 0x20 && code <= 0x7e && c !== '"' && c !== '\\';
    out += plain ? c : `\\${code.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

function fail(message: string, context: Record<string, unknown>): { ok: false; error: LabError } {
  return { ok: false, error: new LabError('PROTOCOL_MALFORMED', message, context) };
}

function malformed(message: string, index: number): LabError {
  return new LabError('PROTOCOL_MALFORMED', message, { column: index + 3 });
}

function encodeError(what: string): LabError {
  return new LabError('PROTOCOL_MALFORMED', `cannot encode ${what} as an AT command`);
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
