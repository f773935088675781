/**
 * TypeScript client of the iotlab virtual MCU board (docs/board.md): one method per operation,
 * each one request/response. A non-OK status rejects with a BoardError carrying the status name
 * and the board's message (I2C NACKs: `status` 'ADDR_NACK' or 'DATA_NACK').
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Request, StatusName } from '../../protocols/codecs/board-frame.js';
import {
  FrameReader,
  PIN_MODES,
  Status,
  decodeResponse,
  encodeRequest,
} from '../../protocols/codecs/board-frame.js';
import type { PinMode } from '../../protocols/codecs/board-frame.js';

export type { PinMode };

export class BoardError extends Error {
  constructor(
    readonly status: StatusName | 'IO',
    message: string,
  ) {
    super(`${status}: ${message}`);
    this.name = 'BoardError';
  }
}

const STATUS_NAMES = new Map(
  Object.entries(Status).map(([k, v]) => [v as number, k as StatusName]),
);

export class BoardClient {
  private txid = 0;
  private readonly waiting: {
    resolve: (payload: Buffer) => void;
    reject: (err: BoardError) => void;
  }[] = [];

  private constructor(private readonly socket: Socket) {
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        if (!('body' in f)) continue;
        const r = decodeResponse(f.body);
        const w = this.waiting.shift();
        if (!w) continue;
        if (r.status === 0) w.resolve(r.payload);
        else
          w.reject(
            new BoardError(STATUS_NAMES.get(r.status) ?? 'INTERNAL', r.payload.toString('utf8')),
          );
      }
    });
    const fail = (why: string): void => {
      for (const w of this.waiting.splice(0)) w.reject(new BoardError('IO', why));
    };
    socket.on('error', (err) => fail(err.message));
    socket.on('close', () => fail('the board closed the connection'));
  }

  /** Connects to host:port, or to $IOTLAB_BOARD ("host:port") when no address is given. */
  static connect(host?: string, port?: number): Promise<BoardClient> {
    if (host === undefined) {
      const env = process.env.IOTLAB_BOARD ?? '';
      const i = env.lastIndexOf(':');
      if (i < 0) return Promise.reject(new BoardError('IO', 'set IOTLAB_BOARD=host:port'));
      host = env.slice(0, i);
      port = Number(env.slice(i + 1));
    }
    return new Promise((resolve, reject) => {
      const socket = connect(port ?? 0, host);
      socket.once('error', (err) => reject(new BoardError('IO', err.message)));
      socket.once('connect', () => {
        socket.setNoDelay(true);
        resolve(new BoardClient(socket));
      });
    });
  }

  /** Ends the session and resolves once the board has let go (so the next client is not busy). */
  close(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }

  call(req: Request): Promise<Buffer> {
    this.txid = (this.txid + 1) & 0xffff;
    const frame = encodeRequest(this.txid, req);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(frame);
    });
  }

  async info(): Promise<string> {
    return (await this.call({ op: 'INFO' })).toString('utf8');
  }

  async pinMode(pin: number, mode: PinMode): Promise<void> {
    await this.call({ op: 'PIN_MODE', pin, mode: PIN_MODES.indexOf(mode) });
  }

  async pinRead(pin: number): Promise<0 | 1> {
    return (await this.call({ op: 'PIN_READ', pin }))[0] === 1 ? 1 : 0;
  }

  async pinWrite(pin: number, level: 0 | 1 | boolean): Promise<void> {
    await this.call({ op: 'PIN_WRITE', pin, level: level ? 1 : 0 });
  }

  /** Waits for an edge on an input pin, as an external interrupt would. */
  async pinWait(
    pin: number,
    edge: 'falling' | 'rising' | 'either',
    timeoutMs: number,
  ): Promise<{ fired: boolean; level: 0 | 1; t: number }> {
    const code = edge === 'falling' ? 0 : edge === 'rising' ? 1 : 2;
    const r = await this.call({ op: 'PIN_WAIT', pin, edge: code, timeoutMs });
    return { fired: r[0] === 1, level: r[1] === 1 ? 1 : 0, t: r.readUInt32BE(2) };
  }

  async adcRead(pin: number): Promise<number> {
    return (await this.call({ op: 'ADC_READ', pin })).readUInt16BE(0);
  }

  /** duty in hundredths of a percent, 0–10000. */
  async pwmSet(pin: number, freqHz: number, duty: number): Promise<void> {
    await this.call({ op: 'PWM_SET', pin, freqHz, duty });
  }

  i2cTransfer(address: number, out: Uint8Array, inLen: number): Promise<Buffer> {
    return this.call({ op: 'I2C_XFER', address, out: Buffer.from(out), inLen });
  }

  async i2cWrite(address: number, out: Uint8Array): Promise<void> {
    await this.i2cTransfer(address, out, 0);
  }

  i2cRead(address: number, n: number): Promise<Buffer> {
    return this.i2cTransfer(address, new Uint8Array(0), n);
  }

  spiTransfer(cs: number, out: Uint8Array): Promise<Buffer> {
    return this.call({ op: 'SPI_XFER', cs, out: Buffer.from(out) });
  }

  async uartWrite(port: number, data: Uint8Array | string): Promise<void> {
    await this.call({ op: 'UART_WRITE', port, out: Buffer.from(data) });
  }

  uartRead(port: number, max: number, timeoutMs: number): Promise<Buffer> {
    return this.call({ op: 'UART_READ', port, max, timeoutMs });
  }

  async delay(ms: number): Promise<void> {
    await this.call({ op: 'DELAY', ms });
  }

  async millis(): Promise<number> {
    return (await this.call({ op: 'MILLIS' })).readUInt32BE(0);
  }
}
