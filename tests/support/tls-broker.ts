/**
 * The TLS setup the broker-level TLS tests share: a lab CA for 127.0.0.1 and another CA a
 * client may wrongly trust, and a broker's TLS listener on a free port from the lab CA's server
 * certificate (`tlsListener(lab, { wssPort: 0 })` adds or overrides fields).
 */
import { join } from 'node:path';
import type { BrokerTls } from '../../protocols/mqtt/broker.js';
import type { LabTls } from '../../protocols/tls/ca.js';
import { createLabTls } from '../../protocols/tls/ca.js';

/** The lab's CA (`dir/lab`) and another one (`dir/other`), both with a server cert for 127.0.0.1. */
export async function labAndOtherCa(
  dir: string,
  name = 'lab',
): Promise<{ lab: LabTls; other: LabTls }> {
  const lab = await createLabTls({ dir: join(dir, 'lab'), name, hosts: ['127.0.0.1'] });
  const other = await createLabTls({
    dir: join(dir, 'other'),
    name: 'other',
    hosts: ['127.0.0.1'],
  });
  return { lab, other };
}

/** A broker's TLS listener on a free port, serving `tls`'s server certificate. */
export function tlsListener(tls: LabTls, more: Partial<BrokerTls> = {}): BrokerTls {
  return {
    key: tls.serverKey,
    cert: tls.serverCertPem,
    ca: tls.caPem,
    port: 0,
    caFile: { path: tls.caPath, sha256: tls.caSha256 },
    ...more,
  };
}
