/**
 * The board over real sockets: the TypeScript client against an in-process lab, evidence of every
 * bus transaction, UARTs wired to serial devices, one client at a time, and bad input (fast-check)
 * that gets error statuses while the board keeps serving.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoardClient, BoardError } from '../../clients/ts/board.js';
import {
  FrameReader,
  Status,
  decodeResponse,
  encodeRequest,
} from '../../protocols/codecs/board-frame.js';
import { sendRaw } from '../support/net.js';
import type { BoardLab } from '../support/board-lab.js';
import { startBoardLab } from '../support/board-lab.js';

let b: BoardLab;
beforeAll(async () => {
  b = await startBoardLab(1);
});
afterAll(async () => {
  await b.lab.stop();
});

/** Sends frames on one connection and collects one answer per frame. */
function exchange(port: number, bytes: Buffer, answers: number) {
  return new Promise<{ txid: number; status: number; payload: Buffer }[]>((resolve, reject) => {
    const out: { txid: number; status: number; payload: Buffer }[] = [];
    const reader = new FrameReader();
    const sock = connect(port, '127.0.0.1', () => sock.write(bytes));
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`got ${out.length} of ${answers} answers`));
    }, 5000);
    sock.on('data', (d) => {
      for (const f of reader.push(d)) if ('body' in f) out.push(decodeResponse(f.body));
      if (out.length >= answers) {
        clearTimeout(timer);
        // Resolve once the board has let go, so the next exchange does not find it busy.
        sock.once('close', () => resolve(out));
        sock.end();
      }
    });
    sock.on('error', reject);
  });
}

describe('board over TCP', () => {
  it('reads the SHT3x and records each bus transaction', async () => {
    // A lab at 1/20 speed: the 15 ms measurement lasts 300 ms of real time, so the read right
    // after the command meets it even on a loaded machine (at full speed it may not).
    const slow = await startBoardLab(1, 0.05);
    const c = await BoardClient.connect('127.0.0.1', slow.port);
    const since = slow.events.length;
    const addr = slow.address('sht3x');
    await c.i2cWrite(addr, Uint8Array.of(0x24, 0x00));
    await expect(c.i2cRead(addr, 6)).rejects.toMatchObject({ status: 'ADDR_NACK' });
    await c.delay(16);
    const data = await c.i2cRead(addr, 6);
    await expect(c.i2cRead(0x31, 1)).rejects.toBeInstanceOf(BoardError);
    await c.close();
    await slow.lab.stop();
    const bus = slow.events.slice(since).filter((e) => e.kind === 'bus.transfer');
    expect(bus.map((e) => [e.address, e.out, e.status])).toEqual([
      [addr, '2400', 'ok'],
      [addr, '', 'addr_nack'],
      [addr, '', 'ok'],
      [0x31, '', 'addr_nack'],
    ]);
    expect(bus[2]!.in).toBe(data.toString('hex'));
  });

  it('refuses a second client with BOARD_BUSY and keeps serving the first', async () => {
    const first = await BoardClient.connect('127.0.0.1', b.port);
    expect(await first.info()).toMatch(/^iotlab-board 1 mcu-/);
    const second = await sendRaw(b.port, Buffer.alloc(0), 2000);
    expect(second.closedByServer).toBe(true);
    const r = decodeResponse(second.received.subarray(2));
    expect(r.status).toBe(Status.BOARD_BUSY);
    expect(r.payload.toString()).toMatch(/board busy/);
    expect(await first.millis()).toBeGreaterThan(0);
    await first.close();
    const third = await BoardClient.connect('127.0.0.1', b.port);
    expect(await third.info()).toMatch(/^iotlab-board/);
    await third.close();
  });

  it('reads NMEA from the GNSS receiver wired to UART 1 and talks AT to the modem on UART 2', async () => {
    const c = await BoardClient.connect('127.0.0.1', b.port);
    const nmea = (await c.uartRead(1, 512, 1500)).toString('latin1');
    expect(nmea).toMatch(/\$G[PN][A-Z]{3},/);
    await c.uartWrite(2, 'AT\r');
    const reply = (await c.uartRead(2, 64, 500)).toString('latin1');
    expect(reply).toContain('OK');
    await expect(c.uartRead(3, 1, 0)).rejects.toMatchObject({ status: 'NOT_WIRED' });
    await c.close();
    const uart = b.events.filter((e) => e.kind === 'bus.transfer' && e.bus === 'uart');
    expect(uart.some((e) => e.port === 2 && e.out === Buffer.from('AT\r').toString('hex'))).toBe(
      true,
    );
    expect(b.events.some((e) => e.kind === 'serial.rx' && e.transport === 'board')).toBe(true);
  });

  it('answers every well-framed random request with a status and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 10 }),
        async (bodies) => {
          const frames = bodies.map((body) => {
            const b2 = Buffer.from(body);
            // Waiting operations (PIN_WAIT, DELAY, UART_READ) would only slow the test: make them unknown.
            if (b2.length > 2 && [0x06, 0x40, 0x31].includes(b2[2]!)) b2[2] = 0x7f;
            const head = Buffer.alloc(2);
            head.writeUInt16BE(b2.length);
            return Buffer.concat([head, b2]);
          });
          const info = encodeRequest(0xbeef, { op: 'INFO' });
          const answers = await exchange(
            b.port,
            Buffer.concat([...frames, info]),
            frames.length + 1,
          );
          expect(answers).toHaveLength(frames.length + 1);
          expect(answers.filter((a) => a.status === Status.INTERNAL)).toEqual([]);
          expect(answers.at(-1)).toMatchObject({ txid: 0xbeef, status: Status.OK });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('skips a frame of 65535 bytes, answers TOO_LONG, then serves the next frame', async () => {
    const huge = Buffer.alloc(2 + 0xffff, 0x41);
    huge.writeUInt16BE(0xffff, 0);
    huge.writeUInt16BE(0x0009, 2);
    const answers = await exchange(
      b.port,
      Buffer.concat([huge, encodeRequest(3, { op: 'MILLIS' })]),
      2,
    );
    expect(answers.map((a) => a.status)).toEqual([Status.TOO_LONG, Status.OK]);
  });

  it('serves the next client after random bytes and an abrupt close', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        await sendRaw(b.port, Buffer.from(bytes), 30);
        // The abrupt close reaches the board a moment later: until then it is rightly busy.
        let a = (await exchange(b.port, encodeRequest(1, { op: 'INFO' }), 1))[0]!;
        for (let i = 0; i < 50 && a.status === Status.BOARD_BUSY; i++) {
          await new Promise((r) => setTimeout(r, 10));
          a = (await exchange(b.port, encodeRequest(1, { op: 'INFO' }), 1))[0]!;
        }
        expect(a.status).toBe(Status.OK);
      }),
      { numRuns: 25 },
    );
  });

  it("does not keep the next client waiting for a departed client's DELAY", async () => {
    const first = await BoardClient.connect('127.0.0.1', b.port);
    void first.delay(30_000).catch(() => undefined); // 30 s of lab time, then it leaves
    await new Promise((r) => setTimeout(r, 50));
    await first.close();
    let next: BoardClient | undefined;
    for (let i = 0; i < 50 && !next; i++) {
      next = await BoardClient.connect('127.0.0.1', b.port).catch(() => undefined);
      if (!next) await new Promise((r) => setTimeout(r, 20));
    }
    const started = Date.now();
    await next!.millis();
    expect(Date.now() - started).toBeLessThan(2000);
    await next!.close();
  });

  it('answers out-of-range arguments with BAD_ARG or WRONG_MODE', async () => {
    const c = await BoardClient.connect('127.0.0.1', b.port);
    await expect(c.pinMode(99, 'output')).rejects.toMatchObject({ status: 'BAD_ARG' });
    await expect(c.pinWrite(8, 1)).rejects.toMatchObject({ status: 'WRONG_MODE' });
    await expect(c.delay(120_000)).rejects.toMatchObject({ status: 'BAD_ARG' });
    await expect(c.i2cTransfer(0x90, Uint8Array.of(), 1)).rejects.toMatchObject({
      status: 'BAD_ARG',
    });
    await expect(c.spiTransfer(0, Uint8Array.of())).rejects.toMatchObject({ status: 'BAD_ARG' });
    await c.close();
  });
});
