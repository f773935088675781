/**
 * The board protocol (docs/board.md, generated from the tables below): length-prefixed binary
 * frames over TCP, big-endian. Chosen over JSON lines because a C99 client then needs no parser:
 * it writes a fixed header and reads `length` bytes, and every field has one fixed width.
 *
 *   request : u16 length | u16 txid | u8 op     | args…     (length counts txid … end)
 *   response: u16 length | u16 txid | u8 status | payload…  (non-zero status: payload = UTF-8 message)
 *
 * Pure: bytes in, typed requests or typed errors out; no sockets (STYLE.md rule 1).
 */

export const MAX_FRAME = 4096;
export const MAX_DATA = 1024;

export const Status = {
  OK: 0,
  ADDR_NACK: 1,
  DATA_NACK: 2,
  MALFORMED: 16,
  UNKNOWN_OP: 17,
  BAD_ARG: 18,
  WRONG_MODE: 19,
  NOT_WIRED: 20,
  TOO_LONG: 21,
  BOARD_BUSY: 22,
  INTERNAL: 23,
} as const;
export type StatusName = keyof typeof Status;
export type StatusCode = (typeof Status)[StatusName];

export const STATUS_DOC: Record<StatusName, string> = {
  OK: 'done; payload as the operation says',
  ADDR_NACK: 'I2C: no part acknowledged the address (absent, busy measuring, write cycle)',
  DATA_NACK: 'I2C: the part acknowledged its address but refused a data byte (unknown command)',
  MALFORMED: 'arguments truncated, too long, or a length that does not match',
  UNKNOWN_OP: 'no such operation',
  BAD_ARG: 'an argument out of range (pin, mode, level, duty, length, timeout)',
  WRONG_MODE: 'the pin is not in a mode that allows this (e.g. write to an input)',
  NOT_WIRED: 'nothing is wired to that UART port',
  TOO_LONG: 'frame longer than 4096 bytes: skipped, the connection keeps going',
  BOARD_BUSY: 'another client holds the board; sent with txid 0, then the connection is closed',
  INTERNAL: 'the simulator failed; the board keeps serving',
};

export const PIN_MODES = [
  'input',
  'output',
  'input_pullup',
  'input_pulldown',
  'analog',
  'pwm',
] as const;
export type PinMode = (typeof PIN_MODES)[number];

export type Request =
  | { op: 'INFO' }
  | { op: 'PIN_MODE'; pin: number; mode: number }
  | { op: 'PIN_READ'; pin: number }
  | { op: 'PIN_WRITE'; pin: number; level: number }
  | { op: 'ADC_READ'; pin: number }
  | { op: 'PWM_SET'; pin: number; freqHz: number; duty: number }
  | { op: 'PIN_WAIT'; pin: number; edge: number; timeoutMs: number }
  | { op: 'I2C_XFER'; address: number; out: Buffer; inLen: number }
  | { op: 'SPI_XFER'; cs: number; out: Buffer }
  | { op: 'UART_WRITE'; port: number; out: Buffer }
  | { op: 'UART_READ'; port: number; max: number; timeoutMs: number }
  | { op: 'DELAY'; ms: number }
  | { op: 'MILLIS' };
export type OpName = Request['op'];

type Field = { name: string; type: 'u8' | 'u16' | 'u32' | 'bytes'; doc: string };

/** The operations: code, arguments in order, and the payload of an OK answer. */
export const OPS: Record<OpName, { code: number; args: Field[]; reply: string; doc: string }> = {
  INFO: {
    code: 0x00,
    args: [],
    reply: 'UTF-8 text `iotlab-board 1 <board id>`',
    doc: 'who is there',
  },
  PIN_MODE: {
    code: 0x01,
    args: [
      { name: 'pin', type: 'u8', doc: '0–31' },
      { name: 'mode', type: 'u8', doc: PIN_MODES.map((m, i) => `${i} ${m}`).join(', ') },
    ],
    reply: 'empty',
    doc: 'set a pin mode (pins start as floating inputs)',
  },
  PIN_READ: {
    code: 0x02,
    args: [{ name: 'pin', type: 'u8', doc: '0–31' }],
    reply: 'u8 level 0/1',
    doc: 'read a digital input (or an output latch)',
  },
  PIN_WRITE: {
    code: 0x03,
    args: [
      { name: 'pin', type: 'u8', doc: '0–31, in output mode' },
      { name: 'level', type: 'u8', doc: '0 or 1' },
    ],
    reply: 'empty',
    doc: 'drive an output',
  },
  ADC_READ: {
    code: 0x04,
    args: [{ name: 'pin', type: 'u8', doc: 'a pin in analog mode' }],
    reply: 'u16 counts 0–4095 (12-bit, volts = counts × Vref / 4095)',
    doc: 'one ADC conversion',
  },
  PWM_SET: {
    code: 0x05,
    args: [
      { name: 'pin', type: 'u8', doc: 'a pin in pwm mode' },
      { name: 'freq_hz', type: 'u32', doc: '1–1000000' },
      { name: 'duty', type: 'u16', doc: '0–10000 (hundredths of a percent)' },
    ],
    reply: 'empty',
    doc: 'set PWM frequency and duty cycle',
  },
  PIN_WAIT: {
    code: 0x06,
    args: [
      { name: 'pin', type: 'u8', doc: 'a pin in an input mode' },
      { name: 'edge', type: 'u8', doc: '0 falling, 1 rising, 2 either' },
      { name: 'timeout_ms', type: 'u16', doc: '0–60000 (lab time)' },
    ],
    reply: 'u8 fired (0 = timed out), u8 level now, u32 board time of the edge in ms',
    doc: 'wait for an edge after the request, like an external interrupt (sampled every 1 ms; earlier edges are not latched)',
  },
  I2C_XFER: {
    code: 0x10,
    args: [
      { name: 'address', type: 'u8', doc: '7-bit address 0x00–0x7F' },
      { name: 'out_len', type: 'u16', doc: `bytes to write, 0–${MAX_DATA}` },
      { name: 'out', type: 'bytes', doc: 'out_len bytes' },
      { name: 'in_len', type: 'u16', doc: `bytes to read after a repeated start, 0–${MAX_DATA}` },
    ],
    reply: 'in_len bytes',
    doc: 'START, write, (repeated START, read,) STOP; out_len = in_len = 0 probes the address',
  },
  SPI_XFER: {
    code: 0x20,
    args: [
      { name: 'cs', type: 'u8', doc: 'chip select 0–3' },
      { name: 'len', type: 'u16', doc: `1–${MAX_DATA}` },
      { name: 'out', type: 'bytes', doc: 'len bytes clocked out on MOSI' },
    ],
    reply: 'len bytes clocked in on MISO (0xFF where nothing drives it)',
    doc: 'one full-duplex transfer with CS held low throughout (mode 0, MSB first)',
  },
  UART_WRITE: {
    code: 0x30,
    args: [
      { name: 'port', type: 'u8', doc: '1–3' },
      { name: 'len', type: 'u16', doc: `1–${MAX_DATA}` },
      { name: 'out', type: 'bytes', doc: 'len bytes' },
    ],
    reply: 'empty (answers once the bytes are on the line, at its baud rate)',
    doc: 'send bytes to the device wired to the UART',
  },
  UART_READ: {
    code: 0x31,
    args: [
      { name: 'port', type: 'u8', doc: '1–3' },
      { name: 'max', type: 'u16', doc: `1–${MAX_DATA}` },
      { name: 'timeout_ms', type: 'u16', doc: '0–60000 (lab time)' },
    ],
    reply: 'up to max bytes; fewer (even none) when the timeout ran out',
    doc: 'read received bytes (4096-byte receive buffer; overflow drops new bytes)',
  },
  DELAY: {
    code: 0x40,
    args: [{ name: 'ms', type: 'u32', doc: '0–60000' }],
    reply: 'empty, after ms of lab time',
    doc: 'wait',
  },
  MILLIS: { code: 0x41, args: [], reply: 'u32 lab time in ms (wraps)', doc: 'board time' },
};

const BY_CODE = new Map(Object.entries(OPS).map(([name, o]) => [o.code, name as OpName]));

export interface FrameError {
  status: StatusCode;
  message: string;
}

export type Decoded = { txid: number; request: Request } | { txid: number; error: FrameError };

/** Decodes one frame body (txid, op, args). Never throws on any input. */
export function decodeRequest(body: Buffer): Decoded {
  if (body.length < 3)
    return {
      txid: 0,
      error: { status: Status.MALFORMED, message: 'frame shorter than txid + op' },
    };
  const txid = body.readUInt16BE(0);
  const code = body[2]!;
  const op = BY_CODE.get(code);
  if (!op)
    return {
      txid,
      error: { status: Status.UNKNOWN_OP, message: `unknown operation 0x${code.toString(16)}` },
    };
  const args = body.subarray(3);
  const values: Record<string, number | Buffer> = {};
  let at = 0;
  let lastLen = 0;
  for (const f of OPS[op].args) {
    if (f.type === 'bytes') {
      if (lastLen > MAX_DATA)
        return {
          txid,
          error: { status: Status.BAD_ARG, message: `${op}: length ${lastLen} > ${MAX_DATA}` },
        };
      if (at + lastLen > args.length)
        return { txid, error: malformed(op, `${f.name} needs ${lastLen} bytes`) };
      values[f.name] = Buffer.from(args.subarray(at, at + lastLen));
      at += lastLen;
      continue;
    }
    const size = f.type === 'u8' ? 1 : f.type === 'u16' ? 2 : 4;
    if (at + size > args.length) return { txid, error: malformed(op, `missing ${f.name}`) };
    const v =
      f.type === 'u8'
        ? args[at]!
        : f.type === 'u16'
          ? args.readUInt16BE(at)
          : args.readUInt32BE(at);
    values[f.name] = v;
    lastLen = v;
    at += size;
  }
  if (at !== args.length)
    return { txid, error: malformed(op, `${args.length - at} byte(s) after the arguments`) };
  const n = (k: string): number => values[k] as number;
  const b = (k: string): Buffer => values[k] as Buffer;
  switch (op) {
    case 'INFO':
    case 'MILLIS':
      return { txid, request: { op } };
    case 'PIN_MODE':
      return { txid, request: { op, pin: n('pin'), mode: n('mode') } };
    case 'PIN_READ':
    case 'ADC_READ':
      return { txid, request: { op, pin: n('pin') } };
    case 'PIN_WRITE':
      return { txid, request: { op, pin: n('pin'), level: n('level') } };
    case 'PWM_SET':
      return { txid, request: { op, pin: n('pin'), freqHz: n('freq_hz'), duty: n('duty') } };
    case 'PIN_WAIT':
      return {
        txid,
        request: { op, pin: n('pin'), edge: n('edge'), timeoutMs: n('timeout_ms') },
      };
    case 'I2C_XFER':
      return { txid, request: { op, address: n('address'), out: b('out'), inLen: n('in_len') } };
    case 'SPI_XFER':
      return { txid, request: { op, cs: n('cs'), out: b('out') } };
    case 'UART_WRITE':
      return { txid, request: { op, port: n('port'), out: b('out') } };
    case 'UART_READ':
      return {
        txid,
        request: { op, port: n('port'), max: n('max'), timeoutMs: n('timeout_ms') },
      };
    case 'DELAY':
      return { txid, request: { op, ms: n('ms') } };
  }
}

function malformed(op: string, what: string): FrameError {
  return { status: Status.MALFORMED, message: `${op}: ${what}` };
}

/** Encodes a request (clients and tests); lengths are taken from the buffers. */
export function encodeRequest(txid: number, req: Request): Buffer {
  const spec = OPS[req.op];
  const parts: Buffer[] = [];
  const r = req as unknown as Record<string, number | Buffer>;
  const source: Record<string, string> = {
    out_len: 'out',
    len: 'out',
    freq_hz: 'freqHz',
    in_len: 'inLen',
    timeout_ms: 'timeoutMs',
  };
  for (const f of spec.args) {
    const v = f.name in source ? r[source[f.name]!] : r[f.name];
    if (f.type === 'bytes') {
      parts.push(v as Buffer);
      continue;
    }
    const num = Buffer.isBuffer(v) ? v.length : (v as number);
    const size = f.type === 'u8' ? 1 : f.type === 'u16' ? 2 : 4;
    const buf = Buffer.alloc(size);
    if (size === 1) buf.writeUInt8(num & 0xff);
    else if (size === 2) buf.writeUInt16BE(num & 0xffff);
    else buf.writeUInt32BE(num >>> 0);
    parts.push(buf);
  }
  return frame(txid, spec.code, Buffer.concat(parts));
}

export function encodeResponse(txid: number, status: StatusCode, payload: Buffer): Buffer {
  return frame(txid, status, payload);
}

function frame(txid: number, code: number, payload: Buffer): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out.writeUInt16BE(3 + payload.length, 0);
  out.writeUInt16BE(txid & 0xffff, 2);
  out.writeUInt8(code, 4);
  payload.copy(out, 5);
  return out;
}

/**
 * Splits a byte stream into frame bodies. A frame longer than MAX_FRAME is skipped byte by byte
 * (reported once as `tooLong`), so the stream stays in step and the connection keeps serving.
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  private skip = 0;

  push(chunk: Buffer): ({ body: Buffer } | { tooLong: number; txid: number })[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: ({ body: Buffer } | { tooLong: number; txid: number })[] = [];
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.buf.length);
        this.buf = this.buf.subarray(n);
        this.skip -= n;
        if (this.skip > 0) break;
      }
      if (this.buf.length < 2) break;
      const len = this.buf.readUInt16BE(0);
      if (len > MAX_FRAME) {
        const txid = this.buf.length >= 4 ? this.buf.readUInt16BE(2) : 0;
        out.push({ tooLong: len, txid });
        this.buf = this.buf.subarray(2);
        this.skip = len;
        continue;
      }
      if (this.buf.length < 2 + len) break;
      out.push({ body: Buffer.from(this.buf.subarray(2, 2 + len)) });
      this.buf = this.buf.subarray(2 + len);
    }
    return out;
  }
}

/** Decodes a response frame body (clients and tests). */
export function decodeResponse(body: Buffer): { txid: number; status: number; payload: Buffer } {
  if (body.length < 3) throw new RangeError('response shorter than txid + status');
  return { txid: body.readUInt16BE(0), status: body[2]!, payload: body.subarray(3) };
}
