/**
 * The broker's TLS listener under abuse (issue 17, "bad input"), on loopback with real clients:
 * - 1,000 handshakes that fail (clients trusting another CA abort them), 50 at a time: each is a
 *   `tls.handshake` record with its reason, none lost, and a good client is served after;
 * - a client certificate of about 650 KB (20,000 names, over OpenSSL's limit on a handshake
 *   message): refused in the handshake, recorded, others served;
 * - a client certificate whose subject is kilobytes long: recorded with its first 512 chars;
 * - garbage inside an established TLS connection (not MQTT): the connection is closed as a
 *   protocol error, recorded with its handshake, others served.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../../core/clock.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { EvidenceRecorder } from '../../core/evidence.js';
import { silentLogger } from '../../core/logger.js';
import type { MqttBroker } from '../../protocols/mqtt/broker.js';
import { createMqttBroker } from '../../protocols/mqtt/broker.js';
import type { LabTls } from '../../protocols/tls/ca.js';
import { requireTools } from '../interop/harness/tools.js';
import { waitFor } from '../support/net.js';
import { labAndOtherCa, tlsListener } from '../support/tls-broker.js';

const dir = mkdtempSync(join(tmpdir(), 'iotlab-tls-abuse-'));
let broker: MqttBroker;
let tls: LabTls;
let other: LabTls;
let port: number;
const events: EvidenceEvent[] = [];
const failures = () => events.filter((e) => e.kind === 'tls.handshake' && e.ok === false);

beforeAll(async () => {
  ({ lab: tls, other } = await labAndOtherCa(dir));
  const rec = new EvidenceRecorder({ clock: new RealClock() });
  rec.subscribe((e) => events.push(e));
  broker = await createMqttBroker({
    host: '127.0.0.1',
    port: 0,
    record: rec.record,
    logger: silentLogger,
    tls: tlsListener(tls, { handshakeTimeoutMs: 2000 }),
  });
  port = broker.tls!.port;
});
afterAll(async () => {
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A good client still gets a round trip over TLS. */
async function served(clientId: string): Promise<string> {
  const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
    clientId,
    ca: tls.caPem,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  try {
    await c.subscribeAsync(`${clientId}/t`);
    const got = new Promise<string>((resolve) => c.once('message', (_t, p) => resolve(String(p))));
    await c.publishAsync(`${clientId}/t`, 'hello', { qos: 1 });
    return await got;
  } finally {
    await c.endAsync();
  }
}

/** One TLS connection from Node; resolves with the error code, or 'ok' once it is up. */
function attempt(o: { ca: string; cert?: string; key?: string; then?: Buffer }): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: o.ca,
      ...(o.cert ? { cert: o.cert, key: o.key } : {}),
    });
    s.once('secureConnect', () => {
      if (!o.then) {
        s.destroy();
        resolve('ok');
        return;
      }
      s.write(o.then);
      s.once('close', () => resolve('closed by server'));
    });
    s.once('error', (err: Error & { code?: string }) => {
      s.destroy();
      resolve(err.code ?? err.message);
    });
    s.setTimeout(10_000, () => (s.destroy(), resolve('timeout')));
  });
}

describe('the TLS listener under abuse', () => {
  it('1,000 failed handshakes: every one recorded, a good client served after', async () => {
    const before = failures().length;
    const codes = new Map<string, number>();
    for (let batch = 0; batch < 20; batch++) {
      const got = await Promise.all(Array.from({ length: 50 }, () => attempt({ ca: other.caPem })));
      for (const c of got) codes.set(c, (codes.get(c) ?? 0) + 1);
    }
    // The clients refuse the lab's certificate (another CA): none gets through.
    expect(codes.get('ok')).toBeUndefined();
    expect([...codes.values()].reduce((a, b) => a + b, 0)).toBe(1000);
    expect(await served('after-failures')).toBe('hello');
    const recorded = await waitFor(() => {
      const f = failures().slice(before);
      return f.length >= 1000 ? f : undefined;
    }, 20_000);
    expect(recorded).toHaveLength(1000);
    // Each says why (TLS 1.3: the client hangs up after the server's flight; 1.2: its alert).
    expect(recorded.filter((e) => typeof e.reason !== 'string')).toEqual([]);
  }, 120_000);

  it('a client certificate of about 650 KB is refused in the handshake, recorded, others served', async () => {
    requireTools('openssl');
    // Thousands of names, in a config file (one argument that long is over the kernel's limit).
    const config = join(dir, 'big.cnf');
    writeFileSync(
      config,
      [
        '[req]',
        'distinguished_name = dn',
        'prompt = no',
        'x509_extensions = ext',
        '[dn]',
        'CN = oversize',
        '[ext]',
        'subjectAltName = @alt',
        '[alt]',
        ...Array.from({ length: 20_000 }, (_, i) => `DNS.${i} = n${i}.oversize.example`),
      ].join('\n'),
    );
    const key = join(dir, 'big.key');
    const cert = join(dir, 'big.pem');
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
        ...['-keyout', key, '-out', cert, '-config', config, '-days', '1'],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const pem = readFileSync(cert, 'utf8');
    expect(pem.length).toBeGreaterThan(600_000);
    const before = failures().length;
    // TLS 1.3: the client is done before the server reads its certificate; the server's alert
    // then ends the connection.
    const code = await new Promise<string>((resolve) => {
      let seen = 'closed without an error';
      const s = connect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        ca: tls.caPem,
        cert: pem,
        key: readFileSync(key, 'utf8'),
      });
      s.on('error', (err: Error & { code?: string }) => (seen = err.code ?? err.message));
      s.on('close', () => resolve(seen));
    });
    expect(code).toMatch(/ALERT/);
    const refused = await waitFor(() => failures().slice(before)[0]);
    expect(String(refused.reason)).toMatch(/excessive message size|too long|length/i);
    expect(await served('after-oversize')).toBe('hello');
  }, 30_000);

  it('a client certificate with a subject of kilobytes is recorded with its start only', async () => {
    requireTools('openssl');
    const config = join(dir, 'long.cnf');
    writeFileSync(
      config,
      [
        '[req]',
        'distinguished_name = dn',
        'prompt = no',
        '[dn]',
        ...Array.from({ length: 200 }, (_, i) => `${i}.OU = unit-${i}-${'x'.repeat(40)}`),
        'CN = long-subject',
      ].join('\n'),
    );
    const key = join(dir, 'long.key');
    const cert = join(dir, 'long.pem');
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
        ...['-keyout', key, '-out', cert, '-config', config, '-days', '1'],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const before = events.length;
    const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
      clientId: 'long-subject',
      ca: tls.caPem,
      cert: readFileSync(cert, 'utf8'),
      key: readFileSync(key, 'utf8'),
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    await c.endAsync();
    const hs = await waitFor(() =>
      events
        .slice(before)
        .find((e) => e.kind === 'tls.handshake' && e.ok === true && e.clientCert !== null),
    );
    const peer = hs.clientCert as { subject: string; authorized: boolean };
    expect(peer.subject.length).toBeLessThanOrEqual(513);
    expect(peer.subject.endsWith('…')).toBe(true);
    expect(peer.authorized).toBe(false);
    expect(await served('after-long-subject')).toBe('hello');
  });

  it('garbage inside an established TLS connection: closed as a protocol error, others served', async () => {
    const before = events.length;
    const garbage = Buffer.from('ffffffffff00112233445566778899aabbccddeeff', 'hex');
    expect(await attempt({ ca: tls.caPem, then: garbage })).toBe('closed by server');
    const closed = await waitFor(() =>
      events
        .slice(before)
        .find((e) => e.kind === 'mqtt.disconnect' && e.reason === 'protocol-error'),
    );
    expect(closed.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    // Its handshake went through, and is on record with the same peer.
    expect(
      events
        .slice(before)
        .find((e) => e.kind === 'tls.handshake' && e.ok === true && e.peer === closed.peer),
    ).toBeDefined();
    expect(await served('after-garbage')).toBe('hello');
  });
});
