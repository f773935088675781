/**
 * End to end: the lab's CoAP server on a real UDP socket, exercised with node-coap's client and
 * with raw datagrams from node:dgram (for what a well-behaved client never sends). The format
 * check on its own is in tests/unit/coap-message.test.ts.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { Agent, request } from 'coap';
import type { CoapRequestParams, IncomingMessage, ObserveReadStream } from 'coap';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../../core/clock.js';
import type { EvidenceFields, EvidenceKind } from '../../core/evidence.js';
import { silentLogger } from '../../core/logger.js';
import { createCoapServer } from '../../protocols/coap/server.js';
import type { CoapResource, CoapServerHandle } from '../../protocols/coap/types.js';
import { malformed } from '../fixtures/coap-malformed.js';

interface Recorded extends EvidenceFields {
  kind: EvidenceKind;
}

/** Collected evidence, with an event-driven wait (the timeout only bounds a failing test). */
function evidenceLog(): {
  events: Recorded[];
  record: (kind: EvidenceKind, fields: EvidenceFields) => void;
  waitFor: (pred: (e: Recorded) => boolean, what: string, count?: number) => Promise<Recorded[]>;
} {
  const events: Recorded[] = [];
  const waiters = new Set<() => void>();
  return {
    events,
    record: (kind, fields) => {
      events.push({ kind, ...fields });
      for (const w of [...waiters]) w();
    },
    waitFor: (pred, what, count = 1) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const hits = events.filter(pred);
          if (hits.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hits);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no evidence of ${what} within 3 s`));
        }, 3000);
        waiters.add(check);
        check();
      }),
  };
}

/** A resource whose notify listeners the test can count and fire. */
function probe(base: Omit<CoapResource, 'onNotify'>): {
  resource: CoapResource;
  listeners: Set<() => void>;
  fire: () => void;
} {
  const listeners = new Set<() => void>();
  const resource: CoapResource = {
    ...base,
    onNotify: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { resource, listeners, fire: () => [...listeners].forEach((l) => l()) };
}

const always = (): { respond: boolean; delayMs: number } => ({ respond: true, delayMs: 0 });
let temp = 21.5;
const tempSensor = probe({
  path: '/sensors/temp',
  rt: 'iotlab.temperature',
  if: 'sensor',
  observable: true,
  read: () => ({ json: { value: temp, unit: 'C' }, text: temp.toFixed(1) }),
  availability: always,
});
let relayOn = false;
const relay = probe({
  path: '/actuators/relay',
  rt: 'iotlab.relay',
  if: 'actuator',
  observable: false,
  read: () => ({ json: { on: relayOn }, text: relayOn ? 'on' : 'off' }),
  write: ({ json, text }) => {
    const wanted =
      json !== undefined
        ? (json as { on?: unknown }).on
        : { on: true, off: false, '1': true, '0': false }[text?.trim() ?? ''];
    if (typeof wanted !== 'boolean') return { ok: false, message: 'expected on or off' };
    relayOn = wanted;
    return { ok: true };
  },
  availability: always,
});
const offline = probe({
  path: '/sensors/offline',
  rt: 'iotlab.humidity',
  if: 'sensor',
  observable: true,
  read: () => ({ json: { value: 40 }, text: '40' }),
  availability: () => ({ respond: false, delayMs: 0 }),
});
const slow = probe({
  path: '/sensors/slow',
  rt: 'iotlab.pressure',
  if: 'sensor',
  observable: false,
  read: () => ({ json: { value: 1013 }, text: '1013' }),
  availability: () => ({ respond: true, delayMs: 150 }),
});

const log = evidenceLog();
let server: CoapServerHandle;
let clientSock: Socket;
let agent: Agent;

interface Answer {
  code: string;
  format: unknown;
  text: string;
}

function ask(params: CoapRequestParams, payload?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ hostname: '127.0.0.1', port: server.port, agent, ...params });
    req.on('response', (res: IncomingMessage) =>
      resolve({
        code: res.code,
        format: res.headers['Content-Format'],
        text: res.payload.toString(),
      }),
    );
    req.on('error', reject);
    req.on('timeout', reject);
    req.end(payload);
  });
}

/** A raw UDP socket that queues what it receives. */
async function rawSocket(): Promise<{
  sock: Socket;
  received: Buffer[];
  next: () => Promise<Buffer>;
}> {
  const sock = createSocket('udp4');
  const received: Buffer[] = [];
  const waiters: ((b: Buffer) => void)[] = [];
  sock.on('message', (msg: Buffer) => {
    received.push(msg);
    waiters.shift()?.(msg);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return { sock, received, next: () => new Promise((resolve) => waiters.push(resolve)) };
}

const peerOf = (sock: Socket): string => `127.0.0.1:${sock.address().port}`;

beforeAll(async () => {
  server = await createCoapServer({
    host: '127.0.0.1',
    port: 0,
    resources: [tempSensor.resource, relay.resource, offline.resource, slow.resource],
    record: log.record,
    clock: new RealClock(),
    logger: silentLogger,
  });
  // An explicit socket keeps node-coap's agent from closing it when no request is outstanding.
  clientSock = createSocket('udp4');
  await new Promise<void>((resolve) => clientSock.bind(0, '127.0.0.1', resolve));
  agent = new Agent({ type: 'udp4', socket: clientSock });
});

afterAll(async () => {
  agent.close();
  clientSock.close();
  await server.close();
});

describe('CoAP server: requests and responses', () => {
  it('listens on the real port it reports', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
  });

  it('GETs JSON by default and text/plain on Accept: 0, recording both sides', async () => {
    expect(await ask({ pathname: '/sensors/temp' })).toEqual({
      code: '2.05',
      format: 'application/json',
      text: '{"value":21.5,"unit":"C"}',
    });
    expect(await ask({ pathname: '/sensors/temp', accept: 'text/plain' })).toEqual({
      code: '2.05',
      format: 'text/plain',
      text: '21.5',
    });
    const req = log.events.find((e) => e.kind === 'coap.request' && e['accept'] === 0);
    expect(req).toMatchObject({
      peer: peerOf(clientSock),
      method: 'GET',
      path: '/sensors/temp',
      type: 'CON',
    });
    const res = log.events.find((e) => e.kind === 'coap.response' && e['token'] === req?.['token']);
    expect(res).toMatchObject({
      path: '/sensors/temp',
      code: '2.05',
      type: 'ACK',
      mid: req?.['mid'],
    });
    expect(res).toMatchObject({ contentFormat: 0, payload: { text: '21.5' } });
  });

  it('answers a NON request with a NON response', async () => {
    expect(await ask({ pathname: '/sensors/temp', confirmable: false })).toMatchObject({
      code: '2.05',
    });
    expect(log.events.some((e) => e.kind === 'coap.response' && e['type'] === 'NON')).toBe(true);
  });

  it('rejects an unsupported Accept with 4.06, unknown paths with 4.04, writes to sensors with 4.05', async () => {
    expect(await ask({ pathname: '/sensors/temp', accept: 'application/xml' })).toMatchObject({
      code: '4.06',
    });
    expect(await ask({ pathname: '/no/such' })).toMatchObject({
      code: '4.04',
      text: 'no resource at /no/such; GET /.well-known/core lists them',
    });
    for (const method of ['PUT', 'POST', 'DELETE'] as const)
      expect(await ask({ pathname: '/sensors/temp', method }, '1')).toMatchObject({ code: '4.05' });
  });

  it('changes an actuator with PUT (JSON) and POST (text), answering 2.04 with the new state', async () => {
    expect(
      await ask(
        { pathname: '/actuators/relay', method: 'PUT', contentFormat: 'application/json' },
        '{"on":true}',
      ),
    ).toEqual({
      code: '2.04',
      format: 'application/json',
      text: '{"on":true}',
    });
    expect(relayOn).toBe(true);
    expect(
      await ask({ pathname: '/actuators/relay', method: 'POST', accept: 'text/plain' }, 'off'),
    ).toEqual({
      code: '2.04',
      format: 'text/plain',
      text: 'off',
    });
    expect(relayOn).toBe(false);
  });

  it('refuses bad writes: 4.15 for a Content-Format it cannot read, 4.00 for bad payloads', async () => {
    const put = (contentFormat: string | number, body: string): Promise<Answer> =>
      ask({ pathname: '/actuators/relay', method: 'PUT', contentFormat }, body);
    expect(await put('application/cbor', '\xf5')).toMatchObject({ code: '4.15' });
    expect(await put('application/json', '{oops')).toMatchObject({ code: '4.00' });
    expect(await put('text/plain', 'maybe')).toEqual({
      code: '4.00',
      format: undefined,
      text: 'expected on or off',
    });
    expect(relayOn).toBe(false);
  });

  it('lists every resource at /.well-known/core in CoRE Link Format', async () => {
    expect(await ask({ pathname: '/.well-known/core' })).toEqual({
      code: '2.05',
      format: 'application/link-format',
      text: [
        '</sensors/temp>;rt="iotlab.temperature";if="sensor";ct="0 50";obs',
        '</actuators/relay>;rt="iotlab.relay";if="actuator";ct="0 50"',
        '</sensors/offline>;rt="iotlab.humidity";if="sensor";ct="0 50";obs',
        '</sensors/slow>;rt="iotlab.pressure";if="sensor";ct="0 50"',
      ].join(','),
    });
    const filtered = await ask({ pathname: '/.well-known/core', query: 'rt=iotlab.t*' });
    expect(filtered.text).toBe('</sensors/temp>;rt="iotlab.temperature";if="sensor";ct="0 50";obs');
  });
});

describe('CoAP server: availability', () => {
  it('stays silent (no ACK, no RST, no response) for a resource that is offline', async () => {
    const raw = await rawSocket();
    // CON GET /sensors/offline: ver 1, CON, TKL 1 | code 0.01 | MID 0x1234 | token ab |
    // Uri-Path (delta 11, len 7) "sensors" | Uri-Path (delta 0, len 7) "offline"
    const get = Buffer.concat([
      Buffer.from([0x41, 0x01, 0x12, 0x34, 0xab, 0xb7]),
      Buffer.from('sensors'),
      Buffer.from([0x07]),
      Buffer.from('offline'),
    ]);
    raw.sock.send(get, server.port, '127.0.0.1');
    await log.waitFor(
      (e) => e.kind === 'coap.request' && e.peer === peerOf(raw.sock),
      'the offline request',
    );
    // Silence can only be shown by waiting: 300 ms is six times node-coap's 50 ms piggyback timer.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(raw.received).toEqual([]);
    expect(
      log.events.filter((e) => e.kind === 'coap.response' && e.peer === peerOf(raw.sock)),
    ).toEqual([]);
    expect(
      log.events.find((e) => e.kind === 'coap.request' && e.peer === peerOf(raw.sock)),
    ).toMatchObject({
      method: 'GET',
      path: '/sensors/offline',
      mid: 0x1234,
      token: 'ab',
    });
    raw.sock.close();
  });

  it('answers a slow resource late, as an empty ACK then a separate CON response', async () => {
    const started = performance.now();
    expect(await ask({ pathname: '/sensors/slow' })).toMatchObject({
      code: '2.05',
      text: '{"value":1013}',
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    const replies = log.events.filter(
      (e) => e.kind === 'coap.response' && e['path'] === '/sensors/slow',
    );
    expect(replies.map((e) => [e['type'], e['code']])).toEqual([
      ['ACK', '0.00'],
      ['CON', '2.05'],
    ]);
    // The client's ACK of the separate response is evidence too.
    await log.waitFor(
      (e) => e.kind === 'coap.request' && e['type'] === 'ACK' && e['mid'] === replies[1]?.['mid'],
      'the client ACK',
    );
  });
});

/** Queues an observe stream's payloads so a test can await them one by one. */
function payloads(stream: ObserveReadStream): () => Promise<string> {
  const queue: string[] = [];
  const waiters: ((s: string) => void)[] = [];
  stream.on('data', (chunk: Buffer) => {
    const waiter = waiters.shift();
    if (waiter) waiter(chunk.toString());
    else queue.push(chunk.toString());
  });
  return () => {
    const head = queue.shift();
    return head !== undefined
      ? Promise.resolve(head)
      : new Promise((resolve) => waiters.push(resolve));
  };
}

function observe(pathname: string): Promise<ObserveReadStream> {
  return new Promise((resolve, reject) => {
    const req = request({
      hostname: '127.0.0.1',
      port: server.port,
      agent,
      pathname,
      observe: true,
      accept: 'text/plain',
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
}

describe('CoAP server: Observe (RFC 7641)', () => {
  it('registers, notifies on change, and deregisters on GET with Observe=1', async () => {
    const stream = await observe('/sensors/temp');
    const next = payloads(stream);
    expect(await next()).toBe('21.5');
    expect(tempSensor.listeners.size).toBe(1);
    temp = 22.5;
    tempSensor.fire();
    expect(await next()).toBe('22.5');
    const notes = log.events.filter(
      (e) =>
        e.kind === 'coap.response' && e['path'] === '/sensors/temp' && e['observe'] !== undefined,
    );
    expect(notes.map((e) => e['observe'])).toEqual([1, 2]);
    expect(notes.map((e) => e['contentFormat'])).toEqual([0, 0]);
    stream.close(true); // eager deregistration: node-coap sends GET with Observe=1 and the same token
    await log.waitFor(
      (e) => e.kind === 'coap.request' && e['observe'] === 1,
      'the deregistering GET',
    );
    expect(tempSensor.listeners.size).toBe(0);
  });

  it('deregisters when the client answers a notification with RST', async () => {
    const stream = await observe('/sensors/temp');
    await payloads(stream)();
    expect(tempSensor.listeners.size).toBe(1);
    stream.close(); // forgets the token, so the next notification is rejected with RST
    temp = 23;
    tempSensor.fire();
    await log.waitFor((e) => e.kind === 'coap.request' && e['type'] === 'RST', 'the RST');
    expect(tempSensor.listeners.size).toBe(0);
  });

  it('deregisters on RST to a NON notification (node-coap alone would keep notifying)', async () => {
    const raw = await rawSocket();
    // NON GET /sensors/temp, Observe=0: ver 1, NON, TKL 1 | 0.01 | MID 0x2000 | token cd |
    // Observe (delta 6, len 0: value 0) | Uri-Path (delta 5, len 7) "sensors" | (0, 4) "temp"
    const register = Buffer.concat([
      Buffer.from([0x51, 0x01, 0x20, 0x00, 0xcd, 0x60, 0x57]),
      Buffer.from('sensors'),
      Buffer.from([0x04]),
      Buffer.from('temp'),
    ]);
    raw.sock.send(register, server.port, '127.0.0.1');
    const first = await raw.next();
    expect([first[0], first[1], first[4]]).toEqual([0x51, 0x45, 0xcd]); // NON 2.05, token cd
    expect(tempSensor.listeners.size).toBe(1);
    tempSensor.fire();
    const note = await raw.next();
    expect([note[0], note[1], note[4]]).toEqual([0x51, 0x45, 0xcd]);
    // RST echoing the notification's MID: ver 1, RST, TKL 0 | 0.00 | MID
    raw.sock.send(Buffer.from([0x70, 0x00, note[2]!, note[3]!]), server.port, '127.0.0.1');
    const peer = peerOf(raw.sock);
    await log.waitFor((e) => e.peer === peer && e['type'] === 'RST', 'the RST');
    expect(tempSensor.listeners.size).toBe(0);
    raw.sock.close();
  });

  it('does not register an observer for an unobservable resource (plain 2.05, no Observe)', async () => {
    const stream = await observe('/sensors/slow');
    expect(stream.headers.Observe).toBeUndefined();
    expect(slow.listeners.size).toBe(0);
  });

  it('close() removes observers and stops notifications', async () => {
    const other = await createCoapServer({
      host: '127.0.0.1',
      port: 0,
      resources: [tempSensor.resource],
      record: () => undefined,
      clock: new RealClock(),
      logger: silentLogger,
    });
    const req = request({
      hostname: '127.0.0.1',
      port: other.port,
      agent,
      pathname: '/sensors/temp',
      observe: true,
    });
    await new Promise((resolve) => req.on('response', resolve).end());
    expect(tempSensor.listeners.size).toBe(1);
    await other.close();
    expect(tempSensor.listeners.size).toBe(0);
    await other.close(); // idempotent
  });
});

describe('CoAP server: bad input', () => {
  it('records malformed datagrams, RSTs malformed CONs, answers a CoAP ping with RST, keeps serving', async () => {
    const raw = await rawSocket();
    for (const { bytes } of malformed)
      raw.sock.send(Uint8Array.from(bytes), server.port, '127.0.0.1');
    raw.sock.send(Uint8Array.from([0x40, 0x00, 0x00, 0x0a]), server.port, '127.0.0.1'); // CoAP ping (§4.3)
    // NON GET /.well-known/core, MID 0x0b, token fe: its answer marks the end of the batch.
    raw.sock.send(
      Buffer.concat([
        Buffer.from([0x51, 0x01, 0x00, 0x0b, 0xfe, 0xbb]),
        Buffer.from('.well-known'),
        Buffer.from([0x04]),
        Buffer.from('core'),
      ]),
      server.port,
      '127.0.0.1',
    );
    for (;;) if ((await raw.next())[4] === 0xfe) break;
    const rsts = raw.received
      .filter((b) => b.length === 4 && b[0] === 0x70)
      .map((b) => b.readUInt16BE(2));
    expect(rsts).toEqual([...malformed.flatMap((m) => (m.rst === undefined ? [] : [m.rst])), 0x0a]);
    const errors = log.events.filter(
      (e) => e.kind === 'coap.request' && e.peer === peerOf(raw.sock) && e['error'] !== undefined,
    );
    expect(errors.map((e) => e['error'])).toEqual(malformed.map((m) => m.error));
    expect(errors.map((e) => e['raw'])).toEqual(
      malformed.map((m) => Buffer.from(m.bytes).toString('base64')),
    );
    raw.sock.close();
    expect(await ask({ pathname: '/sensors/temp', accept: 'text/plain' })).toMatchObject({
      code: '2.05',
    });
  });

  it('survives random datagrams (fast-check, seed 7) and records every one', async () => {
    const raw = await rawSocket();
    const peer = peerOf(raw.sock);
    const fromFuzzer = (e: Recorded): boolean => e.kind === 'coap.request' && e.peer === peer;
    let sent = 0;
    // One datagram at a time: a synchronous burst would overflow the kernel's receive buffer
    // (~256 small datagrams on Linux) before the server, in this same process, could read.
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 48 }), async (bytes) => {
        raw.sock.send(bytes, server.port, '127.0.0.1');
        sent += 1;
        await log.waitFor(fromFuzzer, `fuzz datagram ${sent}`, sent);
      }),
      { seed: 7, numRuns: 300 },
    );
    const all = log.events.filter(fromFuzzer);
    expect(all).toHaveLength(300);
    expect(
      all.every((e) => typeof e['error'] === 'string' || typeof e['method'] === 'string'),
    ).toBe(true);
    expect(all.filter((e) => e['error'] !== undefined).length).toBeGreaterThan(100);
    raw.sock.close();
    expect(await ask({ pathname: '/sensors/temp', accept: 'text/plain' })).toMatchObject({
      code: '2.05',
    });
  });
});
