/**
 * The lab CA (protocols/tls/ca.ts) and the reading of failed handshakes (protocols/tls/handshake.ts):
 * certificates checked with Node's own X.509 parser, and OpenSSL error texts to the evidence's
 * reason and alert.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLabTls } from '../../protocols/tls/ca.js';
import { certificateIdentity, handshakeFailure } from '../../protocols/tls/handshake.js';

describe('the lab CA', () => {
  it('issues a server certificate for the hosts, keeps its CA across starts, keys 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-ca-'));
    const a = await createLabTls({
      dir,
      name: 'lab 1',
      hosts: ['0.0.0.0', 'exam.example', '10.1.2.3'],
    });
    const ca = new X509Certificate(a.caPem);
    const server = new X509Certificate(a.serverCertPem);
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIssued(ca)).toBe(true);
    // Every name a client may dial, and not the wildcard bind address.
    expect(server.subjectAltName).toBe(
      'DNS:localhost, IP Address:127.0.0.1, DNS:exam.example, IP Address:10.1.2.3',
    );
    expect(a.hosts).not.toContain('0.0.0.0');
    expect(a.caSha256).toBe(ca.fingerprint256);
    for (const f of ['ca.key', 'server.key'])
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    expect(readFileSync(a.caPath, 'utf8')).not.toMatch(/PRIVATE/);

    // A restart (an exam server's) keeps the CA candidates downloaded; the server cert is new.
    const b = await createLabTls({ dir, name: 'lab 1', hosts: [] });
    expect(b.caSha256).toBe(a.caSha256);
    expect(b.serverCertPem).not.toBe(a.serverCertPem);
    expect(new X509Certificate(b.serverCertPem).verify(ca.publicKey)).toBe(true);

    const client = new X509Certificate((await a.issueClient('dev,1=x')).certPem);
    expect(client.subject).toBe('CN=dev_1_x\nO=iotlab');
    expect(client.verify(ca.publicKey)).toBe(true);
  });
});

describe('failed handshakes as evidence', () => {
  const table: [string, string | undefined, Error & { code?: string }, Record<string, unknown>][] =
    [
      [
        'a client that does not trust the CA',
        '127.0.0.1:5000',
        Object.assign(
          new Error(
            '40C7:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../ssl/record/rec_layer_s3.c:1605:SSL alert number 48\n',
          ),
          { code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' },
        ),
        {
          ok: false,
          peer: '127.0.0.1:5000',
          error: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
          reason: 'tlsv1 alert unknown ca',
          alert: 'unknown ca',
        },
      ],
      [
        'plain bytes on the TLS port',
        '127.0.0.1:5001',
        Object.assign(
          new Error('80:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:x.c:354:'),
          { code: 'ERR_SSL_WRONG_VERSION_NUMBER' },
        ),
        {
          ok: false,
          peer: '127.0.0.1:5001',
          error: 'ERR_SSL_WRONG_VERSION_NUMBER',
          reason: 'wrong version number',
        },
      ],
      [
        'a handshake that stopped halfway',
        undefined,
        Object.assign(new Error('TLS handshake timeout'), { code: 'ERR_TLS_HANDSHAKE_TIMEOUT' }),
        { ok: false, error: 'ERR_TLS_HANDSHAKE_TIMEOUT', reason: 'TLS handshake timeout' },
      ],
      [
        'an error without a code',
        undefined,
        new Error('socket hang up'),
        { ok: false, error: 'TLS_ERROR', reason: 'socket hang up' },
      ],
    ];
  for (const [what, peer, err, want] of table)
    it(what, () => {
      const got = handshakeFailure(err, undefined, 'mqtts', peer);
      expect(got).toEqual({ transport: 'mqtts', ...want });
      if (!('alert' in want)) expect(got).not.toHaveProperty('alert');
      if (peer === undefined) expect(got).not.toHaveProperty('peer');
    });

  it('a certificate proves an identity only when the CA signed it', () => {
    const base = { ok: true, transport: 'mqtts' as const };
    const cert = { subject: 'CN=a', cn: 'a', sha256: 'AA', authorized: true };
    expect(certificateIdentity({ ...base, clientCert: cert })).toBe('a');
    expect(certificateIdentity({ ...base, clientCert: { ...cert, authorized: false } })).toBe(
      undefined,
    );
    expect(certificateIdentity({ ...base, clientCert: { ...cert, cn: null } })).toBe(undefined);
    expect(certificateIdentity({ ...base, clientCert: null })).toBe(undefined);
  });
});
