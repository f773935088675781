/**
 * Modbus TCP server end to end: a real modbus-serial client and raw sockets on 127.0.0.1, an
 * ephemeral port, a Map-backed data model and a ManualClock (so response delays are advanced,
 * never slept). Every exchange is also checked against the evidence: exact request and response
 * bytes, and no byte read from a socket missing from the record.
 */
import { isDeepStrictEqual } from 'node:util';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import modbusSerial from 'modbus-serial';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeException, encodeRequest, encodeResponse } from '../../protocols/codecs/modbus.js';
import type { ModbusRequest, ModbusResponse } from '../../protocols/codecs/modbus.js';
import { encodeAdu, splitAdus } from '../../protocols/codecs/modbus-tcp.js';
import type { Adu } from '../../protocols/codecs/modbus-tcp.js';
import { createModbusTcpServer } from '../../protocols/modbus/tcp-server.js';
import type { ModbusTcpServer } from '../../protocols/modbus/tcp-server.js';
import type { ModbusUnit, UnitBinding } from '../../protocols/modbus/types.js';
import { ManualClock } from '../../core/clock.js';
import type { EvidenceFields, EvidenceKind, RecordFn } from '../../core/evidence.js';
import { silentLogger } from '../../core/logger.js';
import type { RegisterTable } from '../../protocols/modbus/types.js';

// modbus-serial is CommonJS: the class is module.exports (and, at runtime, module.exports.default
// too), but under NodeNext its `export default` typing lands on `.default`.
const ModbusRTU = modbusSerial.default;
const HOST = '127.0.0.1';
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// --- evidence collector ------------------------------------------------------------------------

type Ev = EvidenceFields & { kind: EvidenceKind };
const events: Ev[] = [];
const waiters = new Set<{ match: (e: Ev) => boolean; resolve: (e: Ev) => void }>();
const record: RecordFn = (kind, fields) => {
  const e: Ev = { kind, ...fields };
  events.push(e);
  for (const w of waiters) {
    if (!w.match(e)) continue;
    waiters.delete(w);
    w.resolve(e);
  }
};
function waitForEvent(match: (e: Ev) => boolean): Promise<Ev> {
  const hit = events.find(match);
  return hit ? Promise.resolve(hit) : new Promise((resolve) => waiters.add({ match, resolve }));
}
const requestsFrom = (peer: string): Ev[] =>
  events.filter((e) => e.kind === 'modbus.request' && e.peer === peer);

// --- a Map-backed data model -------------------------------------------------------------------

type Bank = ModbusUnit & { data: Record<RegisterTable, Map<number, number | boolean>> };
function bank(init: Partial<Record<RegisterTable, [number, (number | boolean)[]]>>): Bank {
  const table = (): Map<number, number | boolean> => new Map();
  const data = { coil: table(), discrete: table(), input: table(), holding: table() };
  for (const [table, [start, values]] of Object.entries(init) as [
    RegisterTable,
    [number, (number | boolean)[]],
  ][])
    values.forEach((v, i) => data[table].set(start + i, v));
  const has = (table: RegisterTable, address: number, n: number): boolean =>
    Array.from({ length: n }, (_, i) => address + i).every((a) => data[table].has(a));
  return {
    data,
    read: (table, address, count) =>
      has(table, address, count)
        ? Array.from({ length: count }, (_, i) => data[table].get(address + i)!)
        : { exception: 2 },
    write(table, address, values) {
      if (!has(table, address, values.length)) return { exception: 2 };
      values.forEach((v, i) => data[table].set(address + i, v));
      return undefined;
    },
  };
}

const unit7 = bank({
  input: [100, [0x0102, 0xffff, 0, 42]],
  holding: [200, [0, 11, 22, 33, 44, 55, 66, 77, 88, 99]],
  coil: [10, [true, false, true, false, false, false, false, true]],
  discrete: [20, [true, true, false, true]],
});
const units = new Map<number, UnitBinding>([
  [7, { unit: unit7, respond: true, delayMs: 0 }],
  [8, { unit: bank({ holding: [0, [0xabcd, 0x1234]] }), respond: true, delayMs: 50 }],
  [9, { unit: bank({ holding: [0, [1]] }), respond: false, delayMs: 0 }],
]);

// --- a raw socket that speaks MBAP -------------------------------------------------------------

class RawPeer {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly adus: Adu[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  readonly closed: Promise<void>;
  /** How the server names us in evidence (read now: a closed socket forgets its address). */
  readonly peer: string;

  private constructor(readonly socket: Socket) {
    this.peer = `${socket.localAddress}:${socket.localPort}`;
    socket.on('data', (chunk: Buffer) => {
      const { adus, rest } = splitAdus(Buffer.concat([this.buffer, chunk]));
      this.buffer = rest;
      this.adus.push(...adus);
      this.wake?.();
    });
    socket.on('error', () => undefined); // the server may reset us; that is what we test
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.ended = true;
        this.wake?.();
        resolve();
      }),
    );
  }

  static open(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: HOST, port }, () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  async nextAdu(): Promise<Adu> {
    while (this.adus.length === 0) {
      if (this.ended) throw new Error('connection closed before an answer');
      await new Promise<void>((r) => (this.wake = r));
    }
    return this.adus.shift()!;
  }

  /** Sends one request PDU and returns the answer's PDU, checking tid and unit are echoed. */
  async ask(tid: number, unit: number, pdu: Buffer): Promise<Buffer> {
    this.send(encodeAdu(tid, unit, pdu));
    const answer = await this.nextAdu();
    expect([answer.transactionId, answer.unitId]).toEqual([tid, unit]);
    return answer.pdu;
  }
}

// --- the fixture -------------------------------------------------------------------------------

const clock = new ManualClock();
let server: ModbusTcpServer;
const client = new ModbusRTU();

beforeAll(async () => {
  server = await createModbusTcpServer({
    host: HOST,
    port: 0,
    resolveUnit: (id) => units.get(id),
    record,
    clock,
    logger: silentLogger,
  });
  await client.connectTCP(HOST, { port: server.port });
  client.setID(7);
  client.setTimeout(500);
});

afterAll(async () => {
  await new Promise<void>((resolve) => client.close(() => resolve()));
  await server.close();
  expect(clock.pending()).toBe(0); // no delayed answer outlives its connection
});

beforeEach(() => {
  events.length = 0;
});

/** The exchange for `req` is in the evidence with exactly the bytes that crossed the wire. */
function expectRecorded(
  req: ModbusRequest,
  answer: ModbusResponse | { exception: number },
  unit = 7,
): void {
  const rq = events.find((e) => e.kind === 'modbus.request' && isDeepStrictEqual(e.request, req));
  expect(rq, `request ${JSON.stringify(req)} recorded`).toMatchObject({
    peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) as unknown,
    transport: 'tcp',
    unit,
    fc: req.fc,
  });
  const tid = rq!.tid as number;
  expect(rq!.raw).toBe(encodeAdu(tid, unit, encodeRequest(req)).toString('base64'));
  const rs = events.find(
    (e) => e.kind === 'modbus.response' && e.peer === rq!.peer && e.tid === tid,
  );
  const pdu =
    'exception' in answer ? encodeException(req.fc, answer.exception) : encodeResponse(answer);
  expect(rs).toMatchObject({
    transport: 'tcp',
    unit,
    fc: req.fc,
    raw: encodeAdu(tid, unit, pdu).toString('base64'),
  });
  if ('exception' in answer) expect(rs!.exception).toBe(answer.exception);
}

describe('Modbus TCP server: every function code through modbus-serial', () => {
  it('FC4 reads input registers', async () => {
    const res = await client.readInputRegisters(100, 4);
    expect(res.data).toEqual([0x0102, 0xffff, 0, 42]);
    expectRecorded(
      { fc: 4, address: 100, quantity: 4 },
      { fc: 4, values: [0x0102, 0xffff, 0, 42] },
    );
    expect(events.find((e) => e.kind === 'modbus.response')!.values).toEqual([
      0x0102, 0xffff, 0, 42,
    ]);
  });

  it('FC3 reads holding registers', async () => {
    const res = await client.readHoldingRegisters(200, 10);
    expect(res.data).toEqual([0, 11, 22, 33, 44, 55, 66, 77, 88, 99]);
    expectRecorded({ fc: 3, address: 200, quantity: 10 }, { fc: 3, values: res.data });
  });

  it('FC1 reads coils (the client pads to whole bytes)', async () => {
    const all = await client.readCoils(10, 8);
    expect(all.data).toEqual([true, false, true, false, false, false, false, true]);
    const three = await client.readCoils(10, 3);
    expect(three.data.slice(0, 3)).toEqual([true, false, true]);
    expect(three.data).toHaveLength(8); // modbus-serial unpacks every bit of the last byte
    expectRecorded({ fc: 1, address: 10, quantity: 3 }, { fc: 1, values: [true, false, true] });
  });

  it('FC2 reads discrete inputs', async () => {
    const res = await client.readDiscreteInputs(20, 4);
    expect(res.data.slice(0, 4)).toEqual([true, true, false, true]);
    expectRecorded(
      { fc: 2, address: 20, quantity: 4 },
      { fc: 2, values: [true, true, false, true] },
    );
  });

  it('FC5 writes a single coil', async () => {
    expect(await client.writeCoil(11, true)).toEqual({ address: 11, state: true });
    expect(unit7.data.coil.get(11)).toBe(true);
    expectRecorded({ fc: 5, address: 11, value: true }, { fc: 5, address: 11, value: true });
  });

  it('FC6 writes a single register', async () => {
    expect(await client.writeRegister(201, 0xbeef)).toEqual({ address: 201, value: 0xbeef });
    expect((await client.readHoldingRegisters(201, 1)).data).toEqual([0xbeef]);
    expectRecorded({ fc: 6, address: 201, value: 0xbeef }, { fc: 6, address: 201, value: 0xbeef });
  });

  it('FC15 writes multiple coils', async () => {
    const states = [false, true, true, false, true, false, true, false];
    expect(await client.writeCoils(10, states)).toEqual({ address: 10, length: 8 });
    expect((await client.readCoils(10, 8)).data).toEqual(states);
    expectRecorded({ fc: 15, address: 10, values: states }, { fc: 15, address: 10, quantity: 8 });
  });

  it('FC16 writes multiple registers', async () => {
    expect(await client.writeRegisters(205, [1, 2, 0xffff])).toEqual({ address: 205, length: 3 });
    expect((await client.readHoldingRegisters(205, 3)).data).toEqual([1, 2, 0xffff]);
    expectRecorded(
      { fc: 16, address: 205, values: [1, 2, 0xffff] },
      { fc: 16, address: 205, quantity: 3 },
    );
  });
});

describe('Modbus TCP server: exceptions', () => {
  it('02 for addresses the unit does not have, reads and writes', async () => {
    await expect(client.readHoldingRegisters(300, 1)).rejects.toMatchObject({ modbusCode: 2 });
    // 102..104 runs off the end of the input registers.
    await expect(client.readInputRegisters(102, 3)).rejects.toMatchObject({ modbusCode: 2 });
    await expect(client.writeRegister(99, 1)).rejects.toMatchObject({ modbusCode: 2 });
    await expect(client.writeCoils(16, [true, true, true])).rejects.toMatchObject({
      modbusCode: 2,
    });
    expectRecorded({ fc: 3, address: 300, quantity: 1 }, { exception: 2 });
    expectRecorded({ fc: 15, address: 16, values: [true, true, true] }, { exception: 2 });
  });

  it('03 for a quantity out of range, from the client', async () => {
    await expect(client.readHoldingRegisters(200, 126)).rejects.toMatchObject({ modbusCode: 3 });
  });

  it('01 and 03 for PDUs only a raw socket sends', async () => {
    const raw = await RawPeer.open(server.port);
    // FC7 is serial-line only and FC43 is not offered: 01.
    expect(await raw.ask(1, 7, hex('07'))).toEqual(hex('87 01'));
    expect(await raw.ask(2, 7, hex('2B 0E 01 00'))).toEqual(hex('AB 01'));
    // FC5 value not FF00/0000, a truncated FC3, an FC16 byte count off by one, quantity 0: 03.
    expect(await raw.ask(3, 7, hex('05 00 0A 12 34'))).toEqual(hex('85 03'));
    expect(await raw.ask(4, 7, hex('03 00 C8 00'))).toEqual(hex('83 03'));
    expect(await raw.ask(5, 7, hex('10 00 C8 00 02 03 00 01 00'))).toEqual(hex('90 03'));
    expect(await raw.ask(6, 7, hex('01 00 0A 00 00'))).toEqual(hex('81 03'));
    expect(requestsFrom(raw.peer).map((e) => [e.tid, e.request, typeof e.error])).toEqual([
      [1, null, 'string'],
      [2, null, 'string'],
      [3, null, 'string'],
      [4, null, 'string'],
      [5, null, 'string'],
      [6, null, 'string'],
    ]);
    raw.socket.destroy();
  });
});

describe('Modbus TCP server: silence and delay', () => {
  it('an unknown unit times out, and the request is still evidence', async () => {
    client.setID(42);
    client.setTimeout(150);
    try {
      await expect(client.readHoldingRegisters(200, 1)).rejects.toMatchObject({
        errno: 'ETIMEDOUT',
      });
    } finally {
      client.setID(7);
      client.setTimeout(500);
    }
    expect(events).toEqual([
      expect.objectContaining({ kind: 'modbus.request', unit: 42, dropped: 'unknown-unit' }),
    ]);
  });

  it('an offline unit (respond=false) times out', async () => {
    client.setID(9);
    client.setTimeout(150);
    try {
      await expect(client.readHoldingRegisters(0, 1)).rejects.toMatchObject({ errno: 'ETIMEDOUT' });
    } finally {
      client.setID(7);
      client.setTimeout(500);
    }
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'modbus.request',
        unit: 9,
        dropped: 'offline',
        request: { fc: 3, address: 0, quantity: 1 },
      }),
    ]);
  });

  it('silent units send nothing at all (proved by ordering, without a timeout)', async () => {
    const raw = await RawPeer.open(server.port);
    const read = encodeRequest({ fc: 3, address: 0, quantity: 1 });
    raw.send(
      Buffer.concat([
        encodeAdu(1, 42, read),
        encodeAdu(2, 9, read),
        encodeAdu(3, 7, hex('03 00 C8 00 01')),
      ]),
    );
    // Requests are answered in order, so an answer to tid 1 or 2 would arrive before tid 3.
    expect((await raw.nextAdu()).transactionId).toBe(3);
    expect(requestsFrom(raw.peer).map((e) => e.dropped)).toEqual([
      'unknown-unit',
      'offline',
      undefined,
    ]);
    raw.socket.destroy();
  });

  it('a delayed unit answers when the lab clock has moved delayMs', async () => {
    client.setID(8);
    try {
      const pending = client.readHoldingRegisters(0, 2);
      await waitForEvent((e) => e.kind === 'modbus.request' && e.unit === 8);
      clock.advance(49);
      expect(events.filter((e) => e.kind === 'modbus.response')).toEqual([]);
      clock.advance(1);
      expect((await pending).data).toEqual([0xabcd, 0x1234]);
    } finally {
      client.setID(7);
    }
    expectRecorded({ fc: 3, address: 0, quantity: 2 }, { fc: 3, values: [0xabcd, 0x1234] }, 8);
  });
});

describe('Modbus TCP server: framing', () => {
  it('answers pipelined ADUs in one write and an ADU split into single bytes', async () => {
    const raw = await RawPeer.open(server.port);
    const a = encodeAdu(0x1001, 7, hex('04 00 64 00 01'));
    const b = encodeAdu(0x1002, 7, hex('02 00 14 00 02'));
    raw.send(Buffer.concat([a, b]));
    expect((await raw.nextAdu()).raw).toEqual(hex('10 01 00 00 00 05 07 04 02 01 02'));
    expect((await raw.nextAdu()).raw).toEqual(hex('10 02 00 00 00 04 07 02 01 03'));
    const c = encodeAdu(0xfffe, 7, hex('03 00 C8 00 01'));
    for (const byte of c) raw.send(Buffer.of(byte));
    expect((await raw.nextAdu()).transactionId).toBe(0xfffe);
    expect(requestsFrom(raw.peer).map((e) => e.raw)).toEqual(
      [a, b, c].map((x) => x.toString('base64')),
    );
    raw.socket.destroy();
  });

  const badStreams: [string, string, RegExp][] = [
    ['protocol id 5', '00 01 00 05 00 06 07 03 00 C8 00 01', /protocol id must be 0, got 5/],
    ['length 1', '00 01 00 00 00 01 07', /length must be 2\.\.254, got 1/],
    ['length 255', '00 01 00 00 00 FF 07 03', /got 255/],
    [
      'an HTTP request',
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n').toString('hex'),
      /protocol id/,
    ],
  ];
  it.each(badStreams)('closes only the socket that sent %s', async (_name, bytes, message) => {
    const bad = await RawPeer.open(server.port);
    bad.send(hex(bytes));
    // The other client, connected all along, is served while and after the bad one is dropped.
    const [, during] = await Promise.all([bad.closed, client.readHoldingRegisters(200, 1)]);
    expect(during.data).toEqual([0]);
    expect((await client.readInputRegisters(103, 1)).data).toEqual([42]);
    const [ev] = requestsFrom(bad.peer);
    expect(ev).toMatchObject({
      transport: 'tcp',
      request: null,
      raw: hex(bytes).toString('base64'),
    });
    expect(ev!.error).toMatch(message);
  });

  it('answers the good frames before a bad header, then closes', async () => {
    const raw = await RawPeer.open(server.port);
    raw.send(Buffer.concat([encodeAdu(7, 7, hex('04 00 67 00 01')), hex('00 08 00 01 00 06 07')]));
    expect((await raw.nextAdu()).pdu).toEqual(hex('04 02 00 2A'));
    await raw.closed;
    expect(requestsFrom(raw.peer).map((e) => [e.tid, e.error === undefined])).toEqual([
      [7, true],
      [8, false],
    ]);
  });

  it('records the bytes of a frame cut short by the peer', async () => {
    const raw = await RawPeer.open(server.port);
    raw.socket.end(hex('00 09 00 00 00 06 07 03'));
    await raw.closed;
    expect(requestsFrom(raw.peer)).toEqual([
      expect.objectContaining({
        tid: 9,
        raw: hex('00 09 00 00 00 06 07 03').toString('base64'),
        request: null,
      }),
    ]);
  });

  it('survives random byte strings on fresh sockets, recording every byte it read', async () => {
    // Half random noise, half well-framed ADUs around random PDUs, so the slave is fuzzed too.
    const framed = fc
      .tuple(
        fc.integer({ min: 0, max: 0xffff }),
        fc.constantFrom(7, 8, 9, 42),
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.uint8Array({ maxLength: 12 }),
      )
      .map(([tid, unit, pdu, tail]) => Buffer.concat([encodeAdu(tid, unit, pdu), tail]));
    const bytes = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 80 }).map((b) => Buffer.from(b)),
      framed,
    );
    await fc.assert(
      fc.asyncProperty(bytes, async (sent) => {
        const raw = await RawPeer.open(server.port);
        raw.socket.end(sent);
        await raw.closed;
        const mine = requestsFrom(raw.peer);
        const seen = Buffer.concat(mine.map((e) => Buffer.from(e.raw as string, 'base64')));
        const framingError = mine.some((e) => /bad Modbus TCP frame/.test(String(e.error)));
        // After a bad header the server stops reading, so it may have seen only a prefix.
        if (framingError) expect(sent.subarray(0, seen.length)).toEqual(seen);
        else expect(seen).toEqual(sent);
        expect(isDeepStrictEqual((await client.readInputRegisters(100, 1)).data, [0x0102])).toBe(
          true,
        );
      }),
      { seed: 42, numRuns: 150 },
    );
    // Input registers: random ADUs may have written coils and holding registers, not these.
    expect((await client.readInputRegisters(101, 3)).data).toEqual([0xffff, 0, 42]);
  });
});
