/**
 * Secure links with independent clients (issue 17.2): mosquitto_sub/mosquitto_pub with `--cafile`
 * at TLS 1.2 and 1.3, `openssl s_client -CAfile` (verification OK) and Python paho-mqtt `tls_set`
 * against the TLS listener of a lab started by `iotlab start`; with another CA each of them refuses
 * the broker, and the lab's evidence says why (`tls.handshake` with the client's alert).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EvidenceEvent } from '../../core/evidence.js';
import { createLabTls } from '../../protocols/tls/ca.js';
import type { RunningLab } from './harness/lab.js';
import { startLab } from './harness/lab.js';
import { PYTHON, killTools, requirePython, requireTools, runOk, runTool } from './harness/tools.js';

let lab: RunningLab;
let tlsHost: string;
let tlsPort: string;
let caFile: string;
let otherDir: string;
let otherCa: string;

beforeAll(async () => {
  lab = await startLab({ seed: 17 });
  const url = new URL(lab.card.mqtt.tlsUrl!);
  tlsHost = url.hostname;
  tlsPort = url.port;
  caFile = lab.card.mqtt.ca!.path;
  otherDir = mkdtempSync(join(tmpdir(), 'iotlab-other-ca-'));
  otherCa = (await createLabTls({ dir: otherDir, name: 'impostor', hosts: [] })).caPath;
});
beforeEach(() => {
  requireTools('mosquitto_sub', 'mosquitto_pub', 'openssl');
});
afterEach(killTools);
afterAll(async () => {
  await lab?.stop();
  rmSync(otherDir, { recursive: true, force: true });
});

const handshakes = (events: EvidenceEvent[]) => events.filter((e) => e.kind === 'tls.handshake');

describe('independent clients over the lab broker’s TLS listener', () => {
  for (const version of ['tlsv1.2', 'tlsv1.3'] as const)
    it(`mosquitto_sub --cafile --tls-version ${version} gets telemetry; the handshake is evidence`, async () => {
      const topic = lab.card.devices.find((d) => d.mqtt)!.mqtt!.telemetryTopic;
      const clientId = `tls-${version}-${process.pid}`;
      const sub = await runOk(
        'mosquitto_sub',
        [
          ...['-h', tlsHost, '-p', tlsPort, '--cafile', caFile, '--tls-version', version],
          ...['-i', clientId, '-t', topic, '-C', '1', '-W', '6'],
        ],
        { timeoutMs: 8000 },
      );
      expect(JSON.parse(sub.stdout)).toHaveProperty('seq');
      // libmosquitto takes --tls-version as the lowest version allowed: 1.2 may negotiate 1.3.
      const want = version === 'tlsv1.2' ? /^TLSv1\.[23]$/ : /^TLSv1\.3$/;
      // The handshake is recorded when its login is known, with the same peer as the connect.
      const hs = await lab.waitForEvidence(`${clientId} handshake`, (events) => {
        const c = events.find((e) => e.kind === 'mqtt.connect' && e.clientId === clientId);
        return c && handshakes(events).find((e) => e.peer === c.peer && e.seq < c.seq);
      });
      expect(hs).toMatchObject({ ok: true, transport: 'mqtts', clientCert: null });
      expect(hs.protocol).toMatch(want);
      await lab.waitForEvidence('its subscribe', (events) =>
        events.find((e) => e.kind === 'mqtt.subscribe' && e.clientId === clientId),
      );
    });

  it('mosquitto_pub over TLS: its message is recorded as any other', async () => {
    const clientId = `tls-pub-${process.pid}`;
    const topic = `${lab.card.mqtt.topicPrefix}/answers/tls-probe`;
    await runOk(
      'mosquitto_pub',
      [
        ...['-h', tlsHost, '-p', tlsPort, '--cafile', caFile, '-i', clientId],
        ...['-t', topic, '-m', 'over-tls', '-q', '1'],
      ],
      { timeoutMs: 8000 },
    );
    const pub = await lab.waitForEvidence('the publish', (events) =>
      events.find((e) => e.kind === 'mqtt.publish' && e.clientId === clientId),
    );
    expect(pub).toMatchObject({ topic, origin: 'client' });
  });

  it('openssl s_client -CAfile verifies the lab certificate (TLS 1.2 and 1.3)', async () => {
    const before = handshakes(lab.evidence()).length;
    for (const v of ['-tls1_2', '-tls1_3']) {
      const r = await runTool(
        'openssl',
        [
          's_client',
          ...['-connect', `${tlsHost}:${tlsPort}`, '-CAfile', caFile, v],
          ...['-verify_return_error', '-verify_ip', '127.0.0.1', '-brief'],
        ],
        { timeoutMs: 8000 },
      );
      expect(r.stderr + r.stdout, v).toMatch(/Verification: OK/);
      expect(r.stderr + r.stdout, v).toContain(v === '-tls1_2' ? 'TLSv1.2' : 'TLSv1.3');
    }
    // Handshakes without an MQTT login are recorded when the connection ends.
    const seen = await lab.waitForEvidence('both handshakes', (events) => {
      const hs = handshakes(events).slice(before);
      return hs.length >= 2 ? hs : undefined;
    });
    expect(seen.map((e) => [e.ok, e.protocol, e.sni])).toEqual([
      [true, 'TLSv1.2', null],
      [true, 'TLSv1.3', null],
    ]);
  });

  it('with another CA, mosquitto_sub and openssl refuse the broker; the evidence says unknown ca', async () => {
    const before = handshakes(lab.evidence()).length;
    const sub = await runTool(
      'mosquitto_sub',
      [...['-h', tlsHost, '-p', tlsPort, '--cafile', otherCa, '-t', '#', '-C', '1', '-W', '4']],
      { timeoutMs: 8000 },
    );
    expect(sub.code).not.toBe(0);
    expect(sub.stdout).toBe('');
    const ossl = await runTool(
      'openssl',
      [
        's_client',
        ...['-connect', `${tlsHost}:${tlsPort}`, '-CAfile', otherCa, '-verify_return_error'],
        '-brief',
      ],
      { timeoutMs: 8000 },
    );
    expect(ossl.code).not.toBe(0);
    expect(ossl.stderr + ossl.stdout).toMatch(/verify error|unable to get local issuer/i);
    const failed = await lab.waitForEvidence('two refused handshakes', (events) => {
      const f = handshakes(events)
        .slice(before)
        .filter((e) => e.ok === false);
      return f.length >= 2 ? f : undefined;
    });
    for (const f of failed) expect(f).toMatchObject({ alert: 'unknown ca' });
  });

  it('mutual TLS: mosquitto_pub --cert --key with the card’s client certificate logs in as its CN', async () => {
    const cert = lab.card.mqtt.clientCert!;
    const clientId = `mtls-${process.pid}`;
    await runOk(
      'mosquitto_pub',
      [
        ...[
          '-h',
          tlsHost,
          '-p',
          tlsPort,
          '--cafile',
          caFile,
          '--cert',
          cert.cert,
          '--key',
          cert.key,
        ],
        ...['-i', clientId, '-t', `${lab.card.mqtt.topicPrefix}/mtls`, '-m', 'hi', '-q', '1'],
      ],
      { timeoutMs: 8000 },
    );
    const connect = await lab.waitForEvidence('the certificate login', (events) =>
      events.find((e) => e.kind === 'mqtt.connect' && e.clientId === clientId),
    );
    expect(connect).toMatchObject({ auth: 'client-certificate', identity: cert.cn });
    const hs = handshakes(lab.evidence()).find((e) => e.peer === connect.peer);
    expect(hs?.clientCert).toMatchObject({ cn: cert.cn, authorized: true });
    expect(JSON.stringify(lab.evidence())).not.toMatch(/PRIVATE KEY/);
  });

  it('python paho-mqtt tls_set(ca_certs) connects; with another CA it fails', async () => {
    await requirePython('paho');
    const script = (ca: string) =>
      [
        'import ssl, sys, paho.mqtt.client as mqtt',
        "c = mqtt.Client(client_id='tls-paho')",
        `c.tls_set(ca_certs=${JSON.stringify(ca)}, tls_version=ssl.PROTOCOL_TLS_CLIENT)`,
        'try:',
        `    c.connect(${JSON.stringify(tlsHost)}, ${tlsPort})`,
        'except Exception as e:',
        '    print("refused", type(e).__name__); sys.exit(3)',
        'c.loop_start(); info = c.publish("x", "y", qos=1); info.wait_for_publish(); c.disconnect()',
        'print("ok")',
      ].join('\n');
    const ok = await runTool(PYTHON, ['-c', script(caFile)], { timeoutMs: 8000 });
    expect(ok.stdout.trim(), ok.stderr).toBe('ok');
    const bad = await runTool(PYTHON, ['-c', script(otherCa)], { timeoutMs: 8000 });
    expect(bad.code).toBe(3);
    expect(bad.stdout).toMatch(/^refused SSL/);
  });
});
