/**
 * TLS faults in an exam server's session (issue 17.5): each candidate's lab has its own MQTT TLS
 * port in their block of the session's ports, named by their card's `mqtt.tlsUrl`. A trainer's
 * `tls-expired` on one candidate's lab makes that port serve an expired certificate from the
 * server's CA (openssl and Node refuse it), while the other candidate's port and the shared port
 * verify as before; the refused handshake is the candidate's own evidence, not unrouted. Clearing
 * it restores the port. `cert-revoked` puts the candidate's downloaded client certificate on that
 * port's CRL and refuses it on the shared port too: mosquitto_pub with it is refused (CONNACK 5),
 * the other candidate's works.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import mqtt from 'mqtt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';
import { waitFor } from '../support/net.js';
import { requireTools, runTool } from '../interop/harness/tools.js';

let t: TestServer;
const base = 21000 + Math.floor(Math.random() * 2000);

beforeAll(async () => {
  t = await startTestServer('tls-faults', base, { mqttsPort: 0, wssPort: 0 });
});
afterAll(async () => {
  await t?.close();
});
beforeEach(() => requireTools('mosquitto_pub', 'openssl'));

interface Seat {
  id: string;
  cookie: string;
  port: number;
  username: string;
  topicPrefix: string;
  evidence: string;
  certFile: string;
  keyFile: string;
}

const jsonl = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Node's TLS client verifying the server CA for localhost: undefined when it verifies, else the code. */
function verify(port: number, ca: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ca });
    s.once('secureConnect', () => {
      s.destroy();
      resolve(undefined);
    });
    s.once('error', (err: Error & { code?: string }) => resolve(err.code ?? err.message));
  });
}

describe('TLS faults in an exam session', () => {
  it("hit one candidate's own TLS port, and are the candidate's evidence", async () => {
    const r = await t.api('POST', '/api/sessions', {
      paper: 'L1-EMB',
      mode: 'lab',
      roster: 'id,name\nc001,张三\nc002,李四\n',
    });
    expect(r.status, r.text).toBe(201);
    const s = r.json as { id: string; candidates: { id: string; password: string }[] };
    expect((await t.api('POST', `/api/sessions/${s.id}/start`, {})).status).toBe(200);
    const blocks = (
      (await t.api('GET', `/api/sessions/${s.id}`)).json as {
        candidates: { id: string; ports: { coap: number; count: number } }[];
      }
    ).candidates;

    const seats: Seat[] = [];
    let ca = '';
    for (const cred of s.candidates) {
      const cookie = await t.candidate(s.id, cred.id, cred.password);
      const started = await t.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, cookie);
      expect(started.status, started.text).toBe(200);
      const card = (
        started.json as {
          card: { mqtt: { tlsUrl: string; username: string; topicPrefix: string } };
        }
      ).card;
      ca = (await t.api('GET', '/api/me/ca.pem', undefined, cookie)).text;
      const certFile = join(t.dataDir, `${cred.id}-client.pem`);
      const keyFile = join(t.dataDir, `${cred.id}-client.key`);
      writeFileSync(certFile, (await t.api('GET', '/api/me/client.pem', undefined, cookie)).text);
      writeFileSync(keyFile, (await t.api('GET', '/api/me/client.key', undefined, cookie)).text, {
        mode: 0o600,
      });
      const port = Number(new URL(card.mqtt.tlsUrl).port);
      // The lab's own port is in the candidate's block, not the shared one.
      const block = blocks.find((b) => b.id === cred.id)!.ports;
      expect(port).toBeGreaterThan(block.coap);
      expect(port).toBeLessThan(block.coap + block.count);
      seats.push({
        id: cred.id,
        cookie,
        port,
        username: card.mqtt.username,
        topicPrefix: card.mqtt.topicPrefix,
        evidence: join(t.dataDir, 'evidence', s.id, cred.id, 'l1-emb-analog.jsonl'),
        certFile,
        keyFile,
      });
    }
    const [a, b] = seats as [Seat, Seat];
    const caFile = join(t.dataDir, 'ca.pem');
    writeFileSync(caFile, ca);
    const shared = t.server.mqttsPort!;
    for (const p of [a.port, b.port, shared])
      expect(await verify(p, ca), String(p)).toBeUndefined();

    // tls-expired on c001's lab only.
    const inject = (type: string) =>
      t.api('POST', `/api/trainer/labs/${s.id}/${a.id}/faults`, { device: 'broker', type });
    const expired = await inject('tls-expired');
    expect(expired.status, expired.text).toBe(201);
    const faultId = (expired.json as { id: string }).id;
    expect(await verify(a.port, ca)).toBe('CERT_HAS_EXPIRED');
    // The trainer's view of the lab says what a correct client sees now.
    const view = (await t.api('GET', `/api/trainer/labs/${s.id}/${a.id}`)).json as {
      broker: { faultTypes: string[]; tls: { serverCert: string } | null };
    };
    expect(view.broker.faultTypes).toHaveLength(4);
    expect(view.broker.tls?.serverCert).toBe('expired');
    expect(await verify(b.port, ca)).toBeUndefined();
    expect(await verify(shared, ca)).toBeUndefined();
    const openssl = await runTool(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${a.port}`,
        '-CAfile',
        caFile,
        '-verify_hostname',
        'localhost',
        '-verify_return_error',
      ],
      { timeoutMs: 10_000 },
    );
    expect(openssl.code).not.toBe(0);
    expect(openssl.stdout + openssl.stderr).toMatch(/certificate has expired/);
    // The refused handshakes are c001's evidence, naming the fault; c002's has none.
    const refused = await waitFor(() =>
      jsonl(a.evidence).find(
        (e) => e.kind === 'tls.handshake' && e.alert === 'certificate expired',
      ),
    );
    expect(refused).toMatchObject({ ok: false, transport: 'mqtts', serverCertFault: 'expired' });
    expect(jsonl(a.evidence).find((e) => e.kind === 'fault')).toMatchObject({
      fault: { deviceId: 'broker', type: 'tls-expired' },
    });
    expect(
      jsonl(b.evidence).filter((e) => e.kind === 'tls.handshake' && e.serverCertFault),
    ).toEqual([]);
    const cleared = await t.api(
      'DELETE',
      `/api/trainer/labs/${s.id}/${a.id}/faults/${faultId}`,
      {},
    );
    expect(cleared.status, cleared.text).toBe(200);
    expect(await verify(a.port, ca)).toBeUndefined();

    // cert-revoked: c001's own client certificate is refused on c001's port; c002's is not.
    expect((await inject('cert-revoked')).status).toBe(201);
    const pub = (x: Seat, clientId: string, port = x.port) =>
      runTool(
        'mosquitto_pub',
        [
          ...['-h', '127.0.0.1', '-p', String(port), '--cafile', caFile],
          ...['--cert', x.certFile, '--key', x.keyFile, '-i', clientId],
          ...['-t', `${x.topicPrefix}/hello`, '-m', clientId, '-q', '1'],
        ],
        { timeoutMs: 10_000 },
      );
    const denied = await pub(a, 'c001-revoked');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/not authori[sz]ed/i);
    // Revoked for every port of the server, not only the lab's own: the shared one refuses it too.
    const viaShared = await pub(a, 'c001-shared', shared);
    expect(viaShared.code).not.toBe(0);
    expect(viaShared.stderr).toMatch(/not authori[sz]ed/i);
    const ok = await pub(b, 'c002-cert');
    expect(ok.code, ok.stderr).toBe(0);
    const connect5 = await waitFor(() =>
      jsonl(a.evidence).find((e) => e.kind === 'mqtt.connect' && e.clientId === 'c001-revoked'),
    );
    expect(connect5).toMatchObject({ accepted: false, returnCode: 5 });
    expect(String(connect5.error)).toMatch(/revoked/);
    const lab = (await t.api('GET', `/api/trainer/labs/${s.id}/${a.id}`)).json as {
      live: { faults: { deviceId: string; type: string }[] };
    };
    expect(lab.live.faults).toEqual([
      expect.objectContaining({ deviceId: 'broker', type: 'cert-revoked' }),
    ]);
    expect(readFileSync(a.evidence, 'utf8')).not.toMatch(/PRIVATE KEY/);

    // Someone else's failed login on c001's port is not c001's evidence: it is unrouted.
    await expect(
      mqtt.connectAsync(`mqtts://127.0.0.1:${a.port}`, {
        clientId: 'c002-on-c001-port',
        username: b.username,
        password: 'wrong',
        ca,
        reconnectPeriod: 0,
        connectTimeout: 5000,
      }),
    ).rejects.toThrow(/Bad username or password|Not authorized/i);
    const unrouted = join(t.dataDir, 'evidence', 'broker-unrouted.jsonl');
    await waitFor(() =>
      jsonl(unrouted).find((e) => e.kind === 'mqtt.connect' && e.clientId === 'c002-on-c001-port'),
    );
    expect(readFileSync(a.evidence, 'utf8')).not.toContain('c002-on-c001-port');
  }, 60_000);
});
