/**
 * The gateway's northbound link without sockets: the bounded store-and-forward queue, the
 * reconnect backoff, the words for each way a connection fails, broker URLs, password masking,
 * the schema's `northbound` section, and how settings resolve against the lab's broker.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PASSWORD_MASK,
  StoreAndForward,
  backoffMs,
  describeLinkError,
  maskPassword,
  parseBrokerUrl,
  unmaskPassword,
} from '../../devices/gateway/link.js';
import { resolveNorthbound, sameConnection } from '../../devices/gateway/runtime/northbound.js';
import { GatewayNorthbound, GatewaySpec, asProblem } from '../../devices/gateway/scenario.js';

const msg = (n: number) => ({
  topic: `t/${n}`,
  payload: String(n),
  qos: 0 as const,
  retain: false,
});

describe('store-and-forward queue', () => {
  it('keeps order, drops the oldest when full and counts what it dropped', () => {
    const q = new StoreAndForward(3);
    for (let i = 1; i <= 5; i++) q.push(msg(i));
    expect(q.report()).toEqual({ length: 3, max: 3, dropped: 2, forwarded: 0 });
    expect(q.drain().map((m) => m.payload)).toEqual(['3', '4', '5']);
    expect(q.report()).toEqual({ length: 0, max: 3, dropped: 2, forwarded: 3 });
  });

  it('a smaller capacity drops the oldest at once; capacity 0 keeps nothing', () => {
    const q = new StoreAndForward(10);
    for (let i = 1; i <= 4; i++) q.push(msg(i));
    q.resize(1);
    expect(q.report()).toMatchObject({ length: 1, dropped: 3 });
    q.resize(0);
    q.push(msg(9));
    expect(q.drain()).toEqual([]);
    expect(q.report().dropped).toBe(5);
  });

  it('for any capacity and pushes: drains the newest min(k, n) in order, drops the rest', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 60 }), (k, n) => {
        const q = new StoreAndForward(k);
        for (let i = 0; i < n; i++) q.push(msg(i));
        const kept = Math.min(k, n);
        const out = q.drain().map((m) => Number(m.payload));
        expect(out).toEqual(Array.from({ length: kept }, (_, i) => n - kept + i));
        expect(q.report().dropped).toBe(n - kept);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('reconnect backoff', () => {
  it('doubles from 1 s and stops at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map(backoffMs)).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    expect(backoffMs(0)).toBe(1000);
  });
});

describe('link errors in words', () => {
  const at = { host: 'broker.lan', port: 1884 };
  it.each([
    [
      { code: 4, message: 'Connection refused: Bad username or password' },
      'broker refused the connection: bad user name or password: check username and password (CONNACK 4)',
      'CONNACK_4',
    ],
    [
      { code: 2 },
      'broker refused the connection: client id rejected: check clientId (length, characters, or another client uses it) (CONNACK 2)',
      'CONNACK_2',
    ],
    [
      { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' },
      'nothing listens at broker.lan:1884 (connection refused): check the broker address and port, and that the broker runs',
      'ECONNREFUSED',
    ],
    [
      { code: 'ENOTFOUND' },
      'host name "broker.lan" not found (DNS ENOTFOUND): check the broker address in url',
      'ENOTFOUND',
    ],
    [
      new Error('connack timeout'),
      'no CONNACK from broker.lan:1884 within the connect timeout: is it an MQTT broker, and is the host reachable?',
      'CONNACK_TIMEOUT',
    ],
    [
      { code: 99 },
      'broker refused the connection: refused with return code 99 (CONNACK 99)',
      'CONNACK_99',
    ],
    [new Error('weird'), 'connection to broker.lan:1884 failed: weird', 'ERROR'],
    [undefined, 'connection to broker.lan:1884 failed: undefined', 'ERROR'],
  ])('%o', (err, message, code) => {
    expect(describeLinkError(err, at)).toEqual({ message, code });
  });
});

describe('broker URL', () => {
  it.each([
    ['mqtt://10.0.0.5:1884', { ok: true, host: '10.0.0.5', port: 1884, tls: false }],
    ['mqtt://broker.lan', { ok: true, host: 'broker.lan', port: 1883, tls: false }],
    ['tcp://[::1]:1883', { ok: true, host: '::1', port: 1883, tls: false }],
    ['mqtts://broker.lan', { ok: true, host: 'broker.lan', port: 8883, tls: true }],
    ['ssl://10.0.0.5:8884', { ok: true, host: '10.0.0.5', port: 8884, tls: true }],
  ])('%s is accepted', (url, expected) => {
    expect(parseBrokerUrl(url)).toEqual(expected);
  });
  it.each([
    ['10.0.0.5:1883', /scheme "10\.0\.0\.5:" is not supported|not a URL/],
    ['broker', /is not a URL: write mqtt:\/\/host:port/],
    ['wss://b:8084', /scheme "wss:" is not supported.*no WebSocket/],
    ['ws://b:8083', /scheme "ws:"/],
    ['mqtt://u:p@b:1883', /username and password, not in the URL/],
    ['mqtt://b:1883/x', /path or query/],
    ['mqtt://b:0', /port 0/],
  ])('%s is refused with what to write', (url, message) => {
    const r = parseBrokerUrl(url);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(message);
  });
});

describe('password masking', () => {
  const spec = { name: 'g', northbound: { username: 'u', password: 's3cret' } };
  it('shows the mask, never the password', () => {
    expect(maskPassword(spec).northbound.password).toBe(PASSWORD_MASK);
    expect(JSON.stringify(maskPassword(spec))).not.toContain('s3cret');
    expect(spec.northbound.password).toBe('s3cret'); // not mutated
    expect(maskPassword({})).toEqual({});
  });
  it('a config sent back with the mask keeps the password in force', () => {
    const back = { name: 'g', northbound: { username: 'u', password: PASSWORD_MASK } };
    expect(unmaskPassword(back, spec)?.northbound.password).toBe('s3cret');
    expect(unmaskPassword(back, {}).northbound.password).toBe(PASSWORD_MASK);
    const changed = { name: 'g', northbound: { username: 'u', password: 'new' } };
    expect(unmaskPassword(changed, spec)).toBe(changed);
  });
});

describe('northbound schema', () => {
  const base = { name: 'gw1', poll: [{ point: 'a', line: 'rs485', periodS: 1 }] };
  const problems = (northbound: unknown) => {
    const r = GatewaySpec.safeParse({ ...base, northbound });
    return r.success ? [] : r.error.issues.map(asProblem);
  };
  it('fills defaults', () => {
    expect(GatewayNorthbound.parse({})).toEqual({
      keepaliveS: 60,
      cleanSession: true,
      statusTopic: '{prefix}/gw/{name}/status',
      queue: 1000,
    });
  });
  it.each([
    [{ url: 'http://x' }, 'northbound.url', /mqtt:\/\/host:port/],
    [{ password: 'p' }, 'northbound.password', /needs a username/],
    [{ clientId: 'has space' }, 'northbound.clientId', /printable ASCII/],
    [
      { statusTopic: '{prefix}/{point}/s' },
      'northbound.statusTopic',
      /unknown placeholder \{point\}/,
    ],
    [{ statusTopic: 'a/#' }, 'northbound.statusTopic', /wildcards/],
    [{ keepaliveS: -1 }, 'northbound.keepaliveS', /.+/],
    [{ queue: 10_001 }, 'northbound.queue', /.+/],
    [{ broker: 'x' }, 'northbound', /broker/],
  ])('%o → %s', (northbound, path, message) => {
    expect(problems(northbound)).toEqual(
      expect.arrayContaining([{ path, message: expect.stringMatching(message) as unknown }]),
    );
  });
});

describe('northbound settings', () => {
  const lab = {
    url: 'mqtt://127.0.0.1:4000',
    clientId: 'iotlab-gw-g-x',
    username: 'lab',
    password: 'lp',
  };
  const n = GatewayNorthbound.parse({});
  it('without url: the lab broker with the scenario credentials', () => {
    const s = resolveNorthbound(n, lab, 'p/gw/g/status');
    expect(s).toMatchObject({ url: lab.url, host: '127.0.0.1', port: 4000, labBroker: true });
    expect(s).toMatchObject({ username: 'lab', password: 'lp', clientId: 'iotlab-gw-g-x' });
  });
  it('with url: only the credentials it gives (anonymous without)', () => {
    const s = resolveNorthbound({ ...n, url: 'mqtt://b:1883' }, lab, 't');
    expect(s.labBroker).toBe(false);
    expect(s.username).toBeUndefined();
    expect(s.password).toBeUndefined();
  });
  it('a new queue size is not a new connection; a new client id is', () => {
    const a = resolveNorthbound(n, lab, 't');
    expect(sameConnection(a, resolveNorthbound({ ...n, queue: 5 }, lab, 't'))).toBe(true);
    expect(sameConnection(a, resolveNorthbound({ ...n, clientId: 'c2' }, lab, 't'))).toBe(false);
    expect(sameConnection(a, resolveNorthbound(n, lab, 't2'))).toBe(false);
  });
});
