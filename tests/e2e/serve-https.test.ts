/**
 * `iotlab serve --https` (issue 17.2, issue 14 item 5): the API over HTTPS with the certificate the
 * server's own CA issued for its hosts, or with an operator's own `--tls-cert`/`--tls-key`; the
 * login cookie is then Secure. A certificate and key that are not a pair, or --https with TLS off
 * and no files, are refused at start with E5131.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import type { ServeOptions } from '../../server/serve.js';
import { serve } from '../../server/serve.js';
import { requireTools } from '../support/debian.js';

const dirs: string[] = [];
const tmp = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `iotlab-https-${name}-`));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const start = (dataDir: string, o: Partial<ServeOptions>) =>
  serve({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    mqttPort: 0,
    logger: silentLogger,
    adminPassword: 'examiner-pw',
    ...o,
  });

/** POST /api/login over HTTPS trusting `ca` only: status, Set-Cookie and the server's certificate subject. */
function login(url: string, ca: string) {
  return new Promise<{ status: number; cookie: string; subject: string }>((resolve, reject) => {
    const body = JSON.stringify({ username: 'admin', password: 'examiner-pw' });
    const req = request(
      `${url}/api/login`,
      { method: 'POST', ca, headers: { 'content-type': 'application/json' } },
      (res) => {
        const subject = String((res.socket as TLSSocket).getPeerCertificate().subject.CN);
        res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            cookie: String(res.headers['set-cookie']),
            subject,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('serve over HTTPS', () => {
  it("--https: the server CA's certificate, verified by a client trusting that CA; the cookie is Secure", async () => {
    requireTools('openssl');
    const dataDir = tmp('own');
    const s = await start(dataDir, { mqttsPort: 0, https: {} });
    try {
      expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const r = await login(s.url, readFileSync(join(dataDir, 'tls', 'ca.pem'), 'utf8'));
      expect(r.status).toBe(200);
      expect(r.cookie).toMatch(/^iotlab_session=[^;]+;.*\bSecure\b/);
      expect(r.cookie).toMatch(/HttpOnly/);
      // A client that does not trust the CA is refused by its own TLS.
      const other = execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          '/dev/null',
          '-subj',
          '/CN=x',
          '-days',
          '1',
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      );
      await expect(login(s.url, other)).rejects.toMatchObject({
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      });
    } finally {
      await s.close();
    }
  });

  it('--tls-cert/--tls-key: the operator’s certificate is served; a key of another certificate is refused with E5131', async () => {
    requireTools('openssl');
    const dir = tmp('files');
    const make = (name: string) => {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          join(dir, `${name}.key`),
          '-out',
          join(dir, `${name}.pem`),
          '-subj',
          `/CN=${name}.example`,
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-days',
          '2',
        ],
        { stdio: 'ignore' },
      );
      return { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`) };
    };
    const exam = make('exam');
    const other = make('other');
    const s = await start(tmp('op'), { https: exam });
    try {
      const r = await login(s.url, readFileSync(exam.certFile, 'utf8'));
      expect([r.status, r.subject]).toEqual([200, 'exam.example']);
      expect(r.cookie).toMatch(/\bSecure\b/);
    } finally {
      await s.close();
    }
    await expect(start(tmp('bad2'), { https: { certFile: exam.certFile } })).rejects.toMatchObject({
      code: 5131,
    });
    await expect(
      start(tmp('bad'), { https: { certFile: exam.certFile, keyFile: other.keyFile } }),
    ).rejects.toThrow(/not a certificate and its key/);
    // --https with TLS off and no files: nothing to serve.
    await expect(start(tmp('notls'), { https: {} })).rejects.toMatchObject({ code: 5131 });
  });
});
