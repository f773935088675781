/**
 * A lab's (or an exam server's) own certificate authority and the server certificate it issues,
 * made at start with @peculiar/x509 over Node's WebCrypto (ECDSA P-256, SHA-256). Files in the
 * folder given: `ca.pem` and `server.pem` (certificates, readable), `ca.key` and `server.key`
 * (PKCS#8, mode 0600). A folder that already holds a CA keeps it (an exam server restarting must
 * not invalidate the CA its candidates downloaded); the server certificate is issued anew each
 * start, for the hosts of that start.
 *
 * Private keys leave this module only as `LabTls.serverKey` (for the TLS listener) and the files:
 * nothing here is meant for evidence, logs, reports or the card, which name `caPath` and
 * `caSha256` only.
 */
import 'reflect-metadata'; // tsyringe (inside @peculiar/x509) needs it loaded first
import * as x509 from '@peculiar/x509';
import { X509Certificate, randomBytes, webcrypto } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { LabError } from '../../core/errors.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

export interface LabTls {
  /** PEM of the CA certificate (what clients trust). */
  caPem: string;
  caPath: string;
  /** SHA-256 fingerprint of the CA certificate, `AA:BB:…` as `openssl x509 -fingerprint` shows. */
  caSha256: string;
  serverCertPem: string;
  /** PEM (PKCS#8) of the server key: for the TLS listener only. */
  serverKey: string;
  /** The DNS names and IP addresses the server certificate covers. */
  hosts: string[];
  /** Issues a client certificate (mutual TLS) whose CN is the identity. */
  issueClient(commonName: string): Promise<{ certPem: string; keyPem: string }>;
  /**
   * Issues one into the folder: `client-<cn>.pem` and `client-<cn>.key` (mode 0600), for a
   * client of the lab to use; returns their paths.
   */
  issueClientFiles(commonName: string): Promise<{ cert: string; key: string; cn: string }>;
  /** The CA's certificate revocation list (`crl.pem`, RFC 5280 §5), empty until `writeCrl`. */
  crlPath: string;
  /** Signs a CRL listing these certificates (hex serials) and returns its PEM (no file written). */
  signCrl(revoked: readonly CrlEntry[]): Promise<string>;
  /** A server certificate that is wrong in one way (security faults, protocols/tls/faults.ts). */
  issueBadServer(kind: BadServerKind): Promise<{ certPem: string; keyPem: string }>;
}

export interface CrlEntry {
  /** Hex serial, as `X509Certificate.serialNumber` gives it. */
  serial: string;
  /** RFC 5280 §5.3.1: a hold can be lifted (a fault that ends), keyCompromise cannot. */
  reason: 'certificateHold' | 'keyCompromise';
  date: Date;
}

/**
 * expired: notAfter yesterday; wrong-host: its only name is `wrong-host.iotlab.invalid` (RFC
 * 6761 §6.4); untrusted-ca: for the right hosts, from a CA made for it that no client trusts.
 */
export const BAD_SERVER_KINDS = ['expired', 'wrong-host', 'untrusted-ca'] as const;
export type BadServerKind = (typeof BAD_SERVER_KINDS)[number];
export const WRONG_HOST = 'wrong-host.iotlab.invalid';

export interface LabTlsOptions {
  /** The lab's or exam server's own folder. */
  dir: string;
  /** Names the CA (`CN=iotlab CA <name>`). */
  name: string;
  /** Hosts the server certificate must cover besides localhost and 127.0.0.1 (bind, public). */
  hosts: readonly string[];
  /** Real time (certificates are checked by real clients against real clocks). */
  now?: Date;
}

/** Makes (or loads) the CA in `dir` and issues a server certificate for the hosts. */
export async function createLabTls(opts: LabTlsOptions): Promise<LabTls> {
  const now = opts.now ?? new Date();
  const hosts = [...new Set(['localhost', '127.0.0.1', ...opts.hosts])].filter(
    (h) => h !== '' && h !== '0.0.0.0' && h !== '::',
  );
  const caPath = join(opts.dir, 'ca.pem');
  const caKeyPath = join(opts.dir, 'ca.key');
  try {
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new LabError('LAB_STATE', `cannot make the TLS folder ${opts.dir}: ${String(err)}`);
  }
  const ca =
    existsSync(caPath) && existsSync(caKeyPath)
      ? await loadCa(readFileSync(caPath, 'utf8'), readFileSync(caKeyPath, 'utf8'))
      : await makeCa(opts.name, now, caPath, caKeyPath);

  const serverFor = (issuer: Ca, names: readonly string[], at: Date, days?: number) =>
    issue(issuer, {
      subject: `CN=${commonNameOf(names)}, O=iotlab`,
      now: at,
      ...(days !== undefined ? { days } : {}),
      extensions: [
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(
          names.map((h) => ({ type: isIP(h) ? 'ip' : 'dns', value: h })),
        ),
      ],
    });
  const server = await serverFor(ca, hosts, now);
  writeFileSync(join(opts.dir, 'server.pem'), server.certPem);
  writeSecret(join(opts.dir, 'server.key'), server.keyPem);
  const caPem = ca.cert.toString('pem') + '\n';
  const signCrl = async (revoked: readonly CrlEntry[]) => {
    const at = new Date();
    const crl = await x509.X509CrlGenerator.create({
      issuer: ca.cert.subject,
      // A minute back: a client whose clock is a little behind must not find it not yet valid.
      thisUpdate: new Date(at.getTime() - 60_000),
      nextUpdate: new Date(at.getTime() + 30 * DAY),
      signingKey: ca.key,
      signingAlgorithm: ALG,
      extensions: [await x509.AuthorityKeyIdentifierExtension.create(ca.cert)],
      entries: revoked.map((r) => ({
        serialNumber: r.serial,
        revocationDate: r.date,
        reason: x509.X509CrlReason[r.reason],
      })),
    });
    // RFC 7468 §5: the label is "X509 CRL" (OpenSSL reads no other; the library writes "CRL").
    return (
      crl.toString('pem').replace(/-----(BEGIN|END) CRL-----/g, '-----$1 X509 CRL-----') + '\n'
    );
  };
  const crlPath = join(opts.dir, 'crl.pem');
  writeFileSync(crlPath, await signCrl([]));
  const issueClient = (cn: string) =>
    issue(ca, {
      subject: `CN=${cn.replace(/[,+=<>#;"\\]/g, '_')}, O=iotlab`,
      now: new Date(),
      extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
    });
  return {
    caPem,
    caPath,
    caSha256: new X509Certificate(caPem).fingerprint256,
    serverCertPem: server.certPem,
    serverKey: server.keyPem,
    hosts,
    crlPath,
    signCrl,
    async issueBadServer(kind) {
      const at = new Date();
      if (kind === 'expired') return serverFor(ca, hosts, new Date(at.getTime() - 40 * DAY), 30);
      if (kind === 'wrong-host') return serverFor(ca, [WRONG_HOST], at);
      const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
      return serverFor(await selfSigned('untrusted', at, keys), hosts, at);
    },
    issueClient,
    async issueClientFiles(cn) {
      const { certPem, keyPem } = await issueClient(cn);
      const base = join(opts.dir, `client-${cn.replace(/[^\w.-]/g, '_')}`);
      writeFileSync(`${base}.pem`, certPem);
      writeSecret(`${base}.key`, keyPem);
      return { cert: `${base}.pem`, key: `${base}.key`, cn };
    },
  };
}

interface Ca {
  cert: x509.X509Certificate;
  key: CryptoKey;
}

async function makeCa(name: string, now: Date, certPath: string, keyPath: string): Promise<Ca> {
  const ca = await newCa(name, now);
  writeSecret(keyPath, await pkcs8Pem(ca.key));
  writeFileSync(certPath, ca.cert.toString('pem') + '\n');
  return ca;
}

/**
 * An impostor's TLS identity (protocols/tls/impostor.ts): a CA made in memory, never written,
 * with the same name as the lab's own (`CN=iotlab CA <name>`) so that only a client that checks
 * the signature against the lab's CA tells them apart, and a server certificate for the same
 * hosts as the lab's. Returns the server certificate, its key (for that listener only) and the
 * impostor CA's fingerprint (truth for the grader).
 */
export async function createImpostorTls(opts: {
  name: string;
  hosts: readonly string[];
}): Promise<{ certPem: string; keyPem: string; caSha256: string }> {
  const now = new Date();
  const hosts = [...new Set(['localhost', '127.0.0.1', ...opts.hosts])].filter(
    (h) => h !== '' && h !== '0.0.0.0' && h !== '::',
  );
  const ca = await newCa(opts.name, now);
  const server = await issue(ca, {
    subject: `CN=${commonNameOf(hosts)}, O=iotlab`,
    now,
    extensions: [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        hosts.map((h) => ({ type: isIP(h) ? 'ip' : 'dns', value: h })),
      ),
    ],
  });
  return {
    certPem: server.certPem,
    keyPem: server.keyPem,
    caSha256: new X509Certificate(ca.cert.toString('pem')).fingerprint256,
  };
}

async function newCa(name: string, now: Date): Promise<Ca> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  return selfSigned(name, now, keys);
}

async function selfSigned(name: string, now: Date, keys: webcrypto.CryptoKeyPair): Promise<Ca> {
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=iotlab CA ${name.replace(/[,+=<>#;"\\]/g, '_')}, O=iotlab`,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + 825 * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign |
          x509.KeyUsageFlags.cRLSign |
          x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, key: keys.privateKey };
}

async function loadCa(certPem: string, keyPem: string): Promise<Ca> {
  try {
    const cert = new x509.X509Certificate(certPem);
    const der = Buffer.from(keyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const key = await webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']);
    return { cert, key };
  } catch (err) {
    throw new LabError(
      'LAB_STATE',
      `the CA files in the TLS folder are unreadable: ${String(err)}`,
    );
  }
}

async function issue(
  ca: Ca,
  o: { subject: string; now: Date; days?: number; extensions: x509.Extension[] },
): Promise<{ certPem: string; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: o.subject,
    issuer: ca.cert.subject,
    notBefore: new Date(o.now.getTime() - DAY),
    notAfter: new Date(o.now.getTime() + (o.days ?? 397) * DAY),
    signingKey: ca.key,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
      ...o.extensions,
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await pkcs8Pem(keys.privateKey) };
}

/** A positive 128-bit serial (RFC 5280 §4.1.2.2): the top bit cleared. */
function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its mode on write
}

/** The certificate's CN: the first DNS name that is not localhost, else localhost. */
function commonNameOf(hosts: readonly string[]): string {
  return hosts.find((h) => !isIP(h) && h !== 'localhost') ?? 'localhost';
}
