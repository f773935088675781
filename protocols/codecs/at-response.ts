/**
 * AT command codec, responses modem → host: information text, final result codes and unsolicited
 * result codes ([V250] §5.7.1 with V1 verbose result codes; [27007] §9.1–9.2). Command lines
 * host → modem are in at.ts. Pure: text in, typed values out, no line, no modem state.
 *
 * References:
 *   [V250]  ITU-T V.250 (07/2003) Serial asynchronous automatic dialling and control
 *   [27007] 3GPP TS 27.007 AT command set for User Equipment (UE)
 *
 * Untrusted bytes never throw: the decoders report a `LabError`. Only the encoders throw, and
 * only when our own code asks for something the grammar cannot carry.
 */
import { LabError } from '../../core/errors.js';
import { splitOutsideQuotes, unescapeString } from './at.js';

export type FinalResult =
  | { kind: 'ok' }
  | { kind: 'error' }
  /** [27007] §9.2: `err` is numeric with +CMEE=1, the verbose text with +CMEE=2. */
  | { kind: 'cme'; err: number | string };

export interface AtResponse {
  /** Information text lines, in order (framing removed). */
  info: string[];
  final: FinalResult;
}

/** [27007] §9.2.1 general errors: the verbose texts of the codes this lab uses. */
export const CME_TEXT: Readonly<Record<number, string>> = {
  0: 'phone failure',
  3: 'operation not allowed',
  4: 'operation not supported',
  10: 'SIM not inserted',
  30: 'no network service',
  50: 'Incorrect parameters',
  100: 'unknown',
};

/** The final result a +CME error becomes under the +CMEE mode ([27007] §9.1). */
export function cmeResult(code: number, mode: number): FinalResult {
  if (mode === 0) return { kind: 'error' };
  if (mode === 1) return { kind: 'cme', err: code };
  return { kind: 'cme', err: CME_TEXT[code] ?? String(code) };
}

/** One block of information text: CR LF, the lines joined by CR LF, CR LF ([V250] §5.7.1). */
export function encodeInfo(lines: readonly string[]): Buffer {
  if (lines.length === 0) return Buffer.alloc(0);
  if (lines.some((l) => /[\r\n]/.test(l))) {
    const message = 'cannot encode CR or LF inside an info line as an AT command';
    throw new LabError('PROTOCOL_MALFORMED', message);
  }
  return Buffer.from(`\r\n${lines.join('\r\n')}\r\n`, 'latin1');
}

export function encodeFinal(final: FinalResult): Buffer {
  const text =
    final.kind === 'ok' ? 'OK' : final.kind === 'error' ? 'ERROR' : `+CME ERROR: ${final.err}`;
  return Buffer.from(`\r\n${text}\r\n`, 'latin1');
}

export function encodeResponse(response: AtResponse): Buffer {
  return Buffer.concat([encodeInfo(response.info), encodeFinal(response.final)]);
}

/** An unsolicited result code, framed like information text ([27007] §7.2 +CREG: <stat>). */
export function encodeUrc(line: string): Buffer {
  return encodeInfo([line]);
}

/** Final result code of one line of a response, or undefined when it is information text. */
export function finalOf(line: string): FinalResult | undefined {
  if (line === 'OK') return { kind: 'ok' };
  if (line === 'ERROR') return { kind: 'error' };
  const m = /^\+CME ERROR: *(\S.*)$/.exec(line);
  if (!m) return undefined;
  const err = m[1] ?? '';
  return { kind: 'cme', err: /^\d{1,6}$/.test(err) ? Number(err) : err };
}

/**
 * A complete response as the host reads it after the echo: information text then one final
 * result code, every line framed by CR LF. Blank lines between blocks are framing, not text.
 */
export function decodeResponse(
  bytes: Uint8Array | string,
): { ok: true; response: AtResponse } | { ok: false; error: LabError } {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
  if (!text.startsWith('\r\n'))
    return fail('a response starts with CR LF (V.250 §5.7.1)', { text });
  if (!text.endsWith('\r\n'))
    return fail('a response ends with CR LF after its final result code', { text });
  const lines = text.split('\r\n').filter((l) => l !== '');
  const bad = lines.find((l) => /[\r\n]/.test(l));
  if (bad !== undefined) return fail('a CR or LF that is not part of a CR LF pair', { line: bad });
  const last = lines.at(-1);
  const final = last === undefined ? undefined : finalOf(last);
  if (!final) return fail('no final result code (OK, ERROR or +CME ERROR) at the end', { text });
  const info = lines.slice(0, -1);
  const early = info.find((l) => finalOf(l) !== undefined);
  if (early !== undefined)
    return fail(`a final result code "${early}" before the last line`, { text });
  return { ok: true, response: { info, final } };
}

/**
 * Fields of an information line `+NAME: a,b,"c"`: quotes removed (\HH decoded), lists in
 * parentheses kept whole. Unquoted fields stay text: Quectel prints hex TAC and cell id unquoted,
 * so only the caller knows whether "1234" is decimal or hex.
 */
export function parseInfoLine(
  line: string,
): { ok: true; name: string; fields: string[] } | { ok: false; error: LabError } {
  const m = /^(\+[A-Z][A-Z0-9!%\-./:_]*): ?(.*)$/i.exec(line);
  if (!m) return fail('an information line starts with "+NAME:"', { line });
  const fields: string[] = [];
  for (const token of splitOutsideQuotes(m[2] ?? '', ',')) {
    if (!token.startsWith('"')) {
      fields.push(token);
      continue;
    }
    if (token.length < 2 || !token.endsWith('"'))
      return fail('unterminated or malformed "string" field', { line });
    const s = unescapeString(token.slice(1, -1));
    if (s instanceof LabError) return { ok: false, error: s };
    fields.push(s);
  }
  return { ok: true, name: (m[1] ?? '').toUpperCase(), fields };
}

function fail(message: string, context: Record<string, unknown>): { ok: false; error: LabError } {
  return { ok: false, error: new LabError('PROTOCOL_MALFORMED', message, context) };
}
