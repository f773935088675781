/**
 * The broker's security faults (core/faults.ts TLS_FAULT_TYPES) made real: the certificates and
 * CRLs they need are issued when the lab starts (a fault starts at once, and the fault timeline is
 * synchronous), and at each start or end the TLS listeners are given what the faults active now
 * call for. New handshakes see the change; open connections keep the certificate they were given,
 * as with a real broker whose certificate is replaced. The CRL file the card names (a lab's own
 * CA) is rewritten, so a client or another broker that checks it (mosquitto's `crlfile`) sees the
 * same list. On an exam server the listener is the lab's own TLS port on the shared broker, and
 * the certificates come from the server's CA.
 */
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { TlsTruth } from '../core/faults.js';
import type { TlsControl } from '../protocols/mqtt/broker.js';
import type { LabTls } from '../protocols/tls/ca.js';
import { BAD_SERVER_KINDS } from '../protocols/tls/ca.js';

export interface TlsFaults {
  /** Serves what `truth` says a correct client sees now. */
  apply(truth: TlsTruth): void;
}

export async function prepareTlsFaults(
  tls: LabTls,
  control: TlsControl,
  clientCertPem: string | undefined,
  /** The CRL file the card names, rewritten at each change; undefined = none (a shared CA's). */
  crlFile: string | undefined,
): Promise<TlsFaults> {
  const bad = Object.fromEntries(
    await Promise.all(BAD_SERVER_KINDS.map(async (k) => [k, await tls.issueBadServer(k)] as const)),
  );
  const clean = await tls.signCrl([]);
  const revoked = clientCertPem
    ? await tls.signCrl([
        {
          serial: new X509Certificate(clientCertPem).serialNumber,
          reason: 'certificateHold',
          date: new Date(),
        },
      ])
    : clean;
  const fingerprint = clientCertPem ? new X509Certificate(clientCertPem).fingerprint256 : undefined;
  let served: TlsTruth = { serverCert: 'valid', clientCertRevoked: false };
  return {
    apply(truth) {
      if (truth.serverCert !== served.serverCert) {
        const c = truth.serverCert === 'valid' ? undefined : bad[truth.serverCert];
        control.setServerCert(
          c ? { key: c.keyPem, cert: c.certPem, fault: truth.serverCert } : undefined,
        );
      }
      if (truth.clientCertRevoked !== served.clientCertRevoked) {
        const crl = truth.clientCertRevoked ? revoked : clean;
        if (crlFile) writeFileSync(crlFile, crl);
        control.setCrl(crl);
        control.setRevoked?.(truth.clientCertRevoked && fingerprint ? [fingerprint] : []);
      }
      served = truth;
    },
  };
}
