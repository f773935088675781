/**
 * MQTT over TLS and secure WebSocket on the lab's broker (issue 17.2): real clients trusting the
 * lab's CA, `tls.handshake` evidence of completed and failed handshakes, and bad input on the TLS
 * port (garbage, a handshake that stops halfway, a burst of failures) that leaves others served.
 */
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../../core/clock.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { EvidenceRecorder } from '../../core/evidence.js';
import { silentLogger } from '../../core/logger.js';
import type { MqttBroker } from '../../protocols/mqtt/broker.js';
import { createMqttBroker } from '../../protocols/mqtt/broker.js';
import type { LabTls } from '../../protocols/tls/ca.js';
import { createLab } from '../../simulator/lab.js';
import { loadScenario } from '../../simulator/scenario.js';
import { sendRaw, waitFor } from '../support/net.js';
import { labAndOtherCa, tlsListener } from '../support/tls-broker.js';

let broker: MqttBroker;
let tls: LabTls;
let other: LabTls;
const events: EvidenceEvent[] = [];
const handshakes = () => events.filter((e) => e.kind === 'tls.handshake');

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-tls-'));
  ({ lab: tls, other } = await labAndOtherCa(dir, 'test'));
  const rec = new EvidenceRecorder({ clock: new RealClock() });
  rec.subscribe((e) => events.push(e));
  broker = await createMqttBroker({
    host: '127.0.0.1',
    port: 0,
    record: rec.record,
    logger: silentLogger,
    tls: tlsListener(tls, { wssPort: 0, handshakeTimeoutMs: 300 }),
  });
});
afterAll(async () => {
  await broker?.close();
});

async function roundTrip(url: string, clientId: string, opts: mqtt.IClientOptions = {}) {
  const c = await mqtt.connectAsync(url, {
    clientId,
    reconnectPeriod: 0,
    connectTimeout: 3000,
    ca: tls.caPem,
    rejectUnauthorized: true,
    ...opts,
  });
  try {
    await c.subscribeAsync(`t/${clientId}`, { qos: 1 });
    const got = new Promise<string>((resolve) => c.on('message', (_t, p) => resolve(p.toString())));
    await c.publishAsync(`t/${clientId}`, 'hello', { qos: 1 });
    return await got;
  } finally {
    await c.endAsync();
  }
}

describe('MQTT over TLS on the lab broker', () => {
  it('serves mqtts and wss to clients that trust the lab CA, and records each handshake', async () => {
    expect(broker.tls?.port).toBeGreaterThan(0);
    expect(await roundTrip(`mqtts://localhost:${broker.tls!.port}`, 'tls-1')).toBe('hello');
    expect(await roundTrip(`wss://127.0.0.1:${broker.tls!.wssPort}`, 'wss-1')).toBe('hello');
    const ok = handshakes().filter((e) => e.ok === true);
    expect(ok.map((e) => e.transport)).toEqual(['mqtts', 'wss']);
    expect(ok[0]).toMatchObject({ protocol: 'TLSv1.3', sni: 'localhost', clientCert: null });
    expect(String(ok[0]!.cipher)).toMatch(/^TLS_/);
    // The handshake is recorded with the login it carried (same peer, just before its connect).
    const connect = events.find((e) => e.kind === 'mqtt.connect' && e.clientId === 'tls-1');
    expect(connect?.peer).toBe(ok[0]!.peer);
    expect(connect!.seq).toBeGreaterThan(ok[0]!.seq);
    expect(events.some((e) => e.kind === 'mqtt.publish' && e.clientId === 'tls-1')).toBe(true);
  });

  it('speaks TLS 1.2 too, and refuses TLS 1.1', async () => {
    expect(
      await roundTrip(`mqtts://127.0.0.1:${broker.tls!.port}`, 'tls12', {
        maxVersion: 'TLSv1.2',
      } as mqtt.IClientOptions),
    ).toBe('hello');
    expect(handshakes().at(-1)).toMatchObject({ ok: true, protocol: 'TLSv1.2' });
    const before = handshakes().length;
    await expect(
      mqtt.connectAsync(`mqtts://127.0.0.1:${broker.tls!.port}`, {
        reconnectPeriod: 0,
        connectTimeout: 2000,
        ca: tls.caPem,
        maxVersion: 'TLSv1.1',
        minVersion: 'TLSv1',
      } as mqtt.IClientOptions),
    ).rejects.toThrow();
    const failed = await waitFor(() =>
      handshakes()
        .slice(before)
        .find((e) => e.ok === false),
    );
    expect(failed.error).toMatch(/PROTOCOL|VERSION/);
  });

  it('a client trusting another CA refuses the broker', async () => {
    await expect(
      mqtt.connectAsync(`mqtts://127.0.0.1:${broker.tls!.port}`, {
        reconnectPeriod: 0,
        connectTimeout: 2000,
        ca: other.caPem,
        rejectUnauthorized: true,
      }),
    ).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });

  it('garbage, a handshake that stops halfway and a burst of failures: recorded, others served', async () => {
    const port = broker.tls!.port;
    const before = handshakes().filter((e) => e.ok === false).length;
    // Not TLS at all: an MQTT CONNECT in clear on the TLS port.
    const garbage = await sendRaw(port, Buffer.from('101000044d5154540402003c0004abcd', 'hex'));
    expect(garbage.closedByServer).toBe(true);
    // A ClientHello record header promising 512 bytes, then silence: the handshake timeout ends it.
    const half = connect(port, '127.0.0.1', () => half.write(Buffer.from('160301020001', 'hex')));
    half.on('error', () => undefined);
    const halfClosed = new Promise<void>((resolve) => half.on('close', () => resolve()));
    // 100 failing connections at once.
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => sendRaw(port, Buffer.from(`junk ${i}\r\n`), 2000)),
    );
    expect(await roundTrip(`mqtts://127.0.0.1:${port}`, 'after-junk')).toBe('hello');
    await halfClosed;
    const failed = await waitFor(() => {
      const f = handshakes()
        .filter((e) => e.ok === false)
        .slice(before);
      return f.length >= 102 && f.some((e) => e.error === 'ERR_TLS_HANDSHAKE_TIMEOUT')
        ? f
        : undefined;
    });
    expect(failed.every((e) => typeof e.error === 'string')).toBe(true);
    // A peer that resets the connection mid-handshake may be gone before it can be named.
    expect(failed.filter((e) => typeof e.peer === 'string').length).toBeGreaterThanOrEqual(101);
    // Private keys are never evidence.
    expect(JSON.stringify(events)).not.toMatch(/PRIVATE KEY/);
  });
});

describe('mutual TLS: a client certificate from the lab CA is an identity', () => {
  it('its CN logs in (no password needed), recorded in the handshake and the connect', async () => {
    const cert = await tls.issueClient('dev-7');
    const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${broker.tls!.port}`, {
      clientId: 'mtls-1',
      reconnectPeriod: 0,
      connectTimeout: 3000,
      ca: tls.caPem,
      cert: cert.certPem,
      key: cert.keyPem,
    });
    await c.endAsync();
    const connect = await waitFor(() =>
      events.find((e) => e.kind === 'mqtt.connect' && e.clientId === 'mtls-1'),
    );
    expect(connect).toMatchObject({
      accepted: true,
      auth: 'client-certificate',
      identity: 'dev-7',
    });
    const hs = handshakes().find((e) => e.peer === connect.peer)!;
    expect(hs.clientCert).toMatchObject({ cn: 'dev-7', authorized: true });
    expect((hs.clientCert as { sha256: string }).sha256).toMatch(/^([0-9A-F]{2}:){31}/);

    // A certificate from another CA proves nothing: recorded as unauthorized, no identity.
    const impostor = await other.issueClient('dev-7');
    const d = await mqtt.connectAsync(`mqtts://127.0.0.1:${broker.tls!.port}`, {
      clientId: 'mtls-2',
      reconnectPeriod: 0,
      connectTimeout: 3000,
      ca: tls.caPem,
      cert: impostor.certPem,
      key: impostor.keyPem,
    });
    await d.endAsync();
    const second = await waitFor(() =>
      events.find((e) => e.kind === 'mqtt.connect' && e.clientId === 'mtls-2'),
    );
    expect(second.identity).toBeUndefined();
    const hs2 = handshakes().find((e) => e.peer === second.peer)!;
    expect(hs2.clientCert).toMatchObject({ cn: 'dev-7', authorized: false });
    expect(String((hs2.clientCert as { error?: string }).error)).toMatch(
      /UNABLE_TO_VERIFY|issuer/i,
    );
  });

  it('on a broker that requires a login, the certificate of that user logs in; another CN must give a password', async () => {
    const rec = new EvidenceRecorder({ clock: new RealClock() });
    const own: EvidenceEvent[] = [];
    rec.subscribe((e) => own.push(e));
    const locked = await createMqttBroker({
      host: '127.0.0.1',
      port: 0,
      record: rec.record,
      logger: silentLogger,
      credentials: { username: 'lab-user', password: 'secret' },
      tls: tlsListener(tls),
    });
    try {
      const url = `mqtts://127.0.0.1:${locked.tls!.port}`;
      const opts = { reconnectPeriod: 0, connectTimeout: 3000, ca: tls.caPem };
      const user = await tls.issueClient('lab-user');
      const c = await mqtt.connectAsync(url, { ...opts, cert: user.certPem, key: user.keyPem });
      await c.endAsync();
      const stranger = await tls.issueClient('someone-else');
      await expect(
        mqtt.connectAsync(url, { ...opts, cert: stranger.certPem, key: stranger.keyPem }),
      ).rejects.toThrow(/Bad username or password/i);
      const connects = own.filter((e) => e.kind === 'mqtt.connect');
      expect(connects.map((e) => [e.accepted, e.identity])).toEqual([
        [true, 'lab-user'],
        [false, undefined],
      ]);
    } finally {
      await locked.close();
    }
  });
});

describe('a lab with TLS', () => {
  it('makes its CA in its own folder (keys 0600) and puts the TLS URLs and the CA on the card', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-labtls-'));
    const { scenario } = loadScenario('greenhouse');
    const lab = createLab(scenario, {
      ports: { mqtt: 0, ws: 0, coap: 0, modbus: 0, mqtts: 0, wss: 0 },
      serial: { basePort: 0, httpPort: 0 },
      gateways: false,
      tls: { dir: join(dir, 'tls'), publicHost: 'lab.example' },
    });
    const card = await lab.start();
    try {
      expect(card.mqtt.tlsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
      expect(card.mqtt.wssUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
      expect(card.mqtt.ca?.path).toBe(join(dir, 'tls', 'ca.pem'));
      expect(card.mqtt.ca?.sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      for (const f of readdirSync(join(dir, 'tls')).filter((n) => n.endsWith('.key')))
        expect(statSync(join(dir, 'tls', f)).mode & 0o777, f).toBe(0o600);
      // Key material never; the CA's and the server's key files are not even named. The client
      // certificate's key is named (its file is mode 0600, checked above).
      expect(JSON.stringify(card)).not.toMatch(/PRIVATE KEY|ca\.key|server\.key/);
      expect(card.mqtt.clientCert).toEqual({
        cert: join(dir, 'tls', 'client-iotlab-client.pem'),
        key: join(dir, 'tls', 'client-iotlab-client.key'),
        cn: 'iotlab-client',
      });
      const ca = readFileSync(card.mqtt.ca!.path, 'utf8');
      const url = new URL(card.mqtt.tlsUrl!);
      const c = await mqtt.connectAsync(`mqtts://localhost:${url.port}`, {
        reconnectPeriod: 0,
        connectTimeout: 3000,
        ca,
      });
      await c.endAsync();
    } finally {
      await lab.stop();
    }
  });
});
