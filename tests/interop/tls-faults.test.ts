/**
 * The broker's security faults (issue 17.5) with real clients: while `tls-expired`,
 * `tls-wrong-host` or `tls-untrusted-ca` is active the TLS listener serves such a certificate and
 * mosquitto_sub, `openssl s_client` and Node's tls refuse it the way they refuse a real broker;
 * while `cert-revoked` is active the card's client certificate is on the CA's CRL (the file the
 * card names) and mosquitto_pub with it is refused at CONNECT. Each fault is `fault` evidence,
 * is in the lab's TLS truth, and the handshake evidence says why; clearing it restores the link.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EvidenceEvent } from '../../core/evidence.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { loadScenario, validateScenario } from '../../simulator/scenario.js';
import { LabError } from '../../core/errors.js';
import type { LabCard } from '../../simulator/card.js';
import { requireTools, runTool } from './harness/tools.js';

let dir: string;
let lab: Lab;
let card: LabCard;
let port: number;
let ca: string;
const events: EvidenceEvent[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iotlab-tlsfault-'));
  lab = createLab(loadScenario('greenhouse').scenario, {
    ports: { mqtt: 0, ws: null, coap: 0, modbus: 0, mqtts: 0, wss: null },
    serial: { basePort: 0, httpPort: 0 },
    gateways: false,
    tls: { dir: join(dir, 'tls') },
  });
  lab.recorder.subscribe((e) => events.push(e));
  card = await lab.start();
  port = Number(new URL(card.mqtt.tlsUrl!).port);
  ca = card.mqtt.ca!.path;
});
beforeEach(() => requireTools('mosquitto_sub', 'mosquitto_pub', 'openssl'));
afterAll(async () => {
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Node's tls client verifying the lab CA for `servername`: undefined when it verifies, else the code. */
function nodeVerify(servername = 'localhost'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = connect({
      host: '127.0.0.1',
      port,
      servername,
      ca: readFileSync(ca),
      ALPNProtocols: ['mqtt'],
    });
    s.once('secureConnect', () => {
      s.destroy();
      resolve(undefined);
    });
    s.once('error', (err: Error & { code?: string }) => resolve(err.code ?? err.message));
  });
}

const since = (n: number) => events.slice(n);
async function waitFor<T>(what: string, pick: () => T | undefined): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const got = pick();
    if (got !== undefined) return got;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(`no ${what} in the evidence`);
}

function sub(host = 'localhost') {
  return runTool(
    'mosquitto_sub',
    [
      '-h',
      host,
      '-p',
      String(port),
      '--cafile',
      ca,
      '-t',
      `${card.mqtt.topicPrefix}/#`,
      '-C',
      '1',
      '-W',
      '4',
    ],
    { timeoutMs: 6000 },
  );
}

describe.sequential('security faults on the lab broker’s TLS', () => {
  it('a valid certificate verifies before any fault', async () => {
    expect(lab.tlsTruth()).toEqual({ serverCert: 'valid', clientCertRevoked: false });
    expect(await nodeVerify()).toBeUndefined();
  });

  const serverFaults = [
    {
      type: 'tls-expired',
      serverCert: 'expired',
      node: 'CERT_HAS_EXPIRED',
      openssl: /certificate has expired/,
      alert: 'certificate expired',
    },
    {
      type: 'tls-wrong-host',
      serverCert: 'wrong-host',
      node: 'ERR_TLS_CERT_ALTNAME_INVALID',
      openssl: /hostname mismatch/,
      alert: undefined,
    },
    {
      type: 'tls-untrusted-ca',
      serverCert: 'untrusted-ca',
      node: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      openssl: /unable to (get local issuer|verify)/,
      alert: 'unknown ca',
    },
  ] as const;
  for (const f of serverFaults)
    it(`${f.type}: Node, openssl and mosquitto_sub refuse the broker; evidence and truth say why; clearing restores it`, async () => {
      const n = events.length;
      const fault = lab.injectFault({ device: 'broker', type: f.type });
      expect(since(n).find((e) => e.kind === 'fault')).toMatchObject({
        action: 'start',
        fault: { id: fault.id, deviceId: 'broker', type: f.type },
      });
      expect(lab.tlsTruth().serverCert).toBe(f.serverCert);

      expect(await nodeVerify()).toBe(f.node);
      const ossl = await runTool(
        'openssl',
        [
          's_client',
          '-connect',
          `127.0.0.1:${port}`,
          '-CAfile',
          ca,
          '-verify_hostname',
          'localhost',
          '-verify_return_error',
          '-brief',
        ],
        { timeoutMs: 5000 },
      );
      expect(ossl.code).not.toBe(0);
      expect(ossl.stdout + ossl.stderr).toMatch(f.openssl);
      const m = await sub();
      expect(m.code).not.toBe(0);
      expect(m.stdout).toBe('');

      // mosquitto and openssl send an alert the broker records, with the fault served.
      const failed = await waitFor('failed handshake', () =>
        since(n).find(
          (e) =>
            e.kind === 'tls.handshake' &&
            e.ok === false &&
            (f.alert === undefined || e.alert === f.alert),
        ),
      );
      expect(failed.serverCertFault).toBe(f.serverCert);

      lab.clearFault(fault.id);
      expect(lab.tlsTruth().serverCert).toBe('valid');
      expect(
        since(n)
          .filter((e) => e.kind === 'fault')
          .map((e) => e.action),
      ).toEqual(['start', 'end']);
      expect(await nodeVerify()).toBeUndefined();
    });

  it('cert-revoked: the card’s client certificate is on the CRL the card names; mosquitto_pub with it is refused and the evidence says revoked', async () => {
    const cc = card.mqtt.clientCert!;
    const crl = card.mqtt.ca!.crl!;
    expect(crl).toBe(join(dir, 'tls', 'crl.pem'));
    const verify = () =>
      runTool('openssl', ['verify', '-crl_check', '-CAfile', ca, '-CRLfile', crl, cc.cert], {
        timeoutMs: 5000,
      });
    expect((await verify()).code).toBe(0);
    const pub = () =>
      runTool(
        'mosquitto_pub',
        [
          '-h',
          'localhost',
          '-p',
          String(port),
          '--cafile',
          ca,
          '--cert',
          cc.cert,
          '--key',
          cc.key,
          '-i',
          'revoked-probe',
          '-t',
          `${card.mqtt.topicPrefix}/answers/x`,
          '-m',
          '1',
        ],
        { timeoutMs: 5000 },
      );
    expect((await pub()).code).toBe(0);

    const n = events.length;
    const fault = lab.injectFault({ device: 'broker', type: 'cert-revoked' });
    expect(lab.tlsTruth()).toEqual({ serverCert: 'valid', clientCertRevoked: true });
    const v = await verify();
    expect(v.code).not.toBe(0);
    expect(v.stdout + v.stderr).toMatch(/certificate revoked/);
    const refused = await pub();
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/not authori[sz]ed/i);
    const connect = await waitFor('refused connect', () =>
      since(n).find((e) => e.kind === 'mqtt.connect' && e.accepted === false),
    );
    expect(connect).toMatchObject({ returnCode: 5, clientId: 'revoked-probe' });
    expect(String(connect.error)).toMatch(/revoked/);
    const hs = since(n).find((e) => e.kind === 'tls.handshake' && e.clientCert);
    expect(hs?.clientCert).toMatchObject({ cn: cc.cn, authorized: false, error: 'CERT_REVOKED' });

    lab.clearFault(fault.id);
    expect((await verify()).code).toBe(0);
    expect((await pub()).code).toBe(0);
    // The CRL is the CA's: openssl reads it as one, signed by the lab CA.
    expect(
      execFileSync('openssl', ['crl', '-in', crl, '-CAfile', ca, '-noout'], {
        encoding: 'utf8',
        stdio: 'pipe',
      }),
    ).toBe('');
  });

  it('a scenario schedules them on the broker (device: broker); a device fault on the broker is refused', async () => {
    const base = loadScenario('greenhouse').scenario;
    const scenario = validateScenario(
      { ...base, faults: [{ device: 'broker', type: 'tls-untrusted-ca', at: 0, duration: 60 }] },
      'test',
    );
    expect(() =>
      validateScenario({ ...base, faults: [{ device: 'broker', type: 'offline', at: 0 }] }, 'test'),
    ).toThrow(LabError);
    const own: EvidenceEvent[] = [];
    const scheduled = createLab(scenario, {
      ports: { mqtt: 0, ws: null, coap: 0, modbus: 0, mqtts: 0, wss: null },
      serial: { basePort: 0, httpPort: 0 },
      gateways: false,
      tls: { dir: join(dir, 'tls2') },
    });
    scheduled.recorder.subscribe((e) => own.push(e));
    const c = await scheduled.start();
    try {
      expect(scheduled.tlsTruth()).toEqual({
        serverCert: 'untrusted-ca',
        clientCertRevoked: false,
      });
      expect(own.find((e) => e.kind === 'fault')).toMatchObject({
        origin: 'scenario',
        fault: { id: 's0', deviceId: 'broker', type: 'tls-untrusted-ca' },
      });
      const code = await new Promise<string | undefined>((resolve) => {
        const s = connect({
          host: '127.0.0.1',
          port: Number(new URL(c.mqtt.tlsUrl!).port),
          servername: 'localhost',
          ca: readFileSync(c.mqtt.ca!.path),
        });
        s.once('secureConnect', () => resolve(undefined));
        s.once('error', (err: Error & { code?: string }) => resolve(err.code));
      });
      expect(code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    } finally {
      await scheduled.stop();
    }
    // Without TLS the same scenario cannot start: the fault could not be what it says.
    await expect(createLab(scenario, {}).start()).rejects.toMatchObject({ code: 5130 });
  });

  it('a lab without TLS refuses a TLS fault with E5130', () => {
    const other = createLab(loadScenario('greenhouse').scenario, {});
    let err: unknown;
    try {
      other.injectFault({ device: 'broker', type: 'tls-expired' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 5130, codeName: 'TLS_FAULT_UNAVAILABLE' });
  });
});
