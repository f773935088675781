/**
 * `iotlab serve`: open the data directory, bring back every running session's labs on the shared
 * broker, and listen for the API. Used by the CLI and by tests (in-process or as a child).
 */
import { createLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import { buildServer } from './app.js';
import type { Grader } from './grading.js';
import { bankGrader } from './grading.js';
import { hashPassword } from './passwords.js';
import { SessionRuntime } from './runtime.js';
import type { PortRange } from './sessions.js';
import { Store } from './store.js';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { LabError } from '../core/errors.js';
import type { Quota } from '../core/evidence.js';

export interface ServeOptions {
  dataDir: string;
  host: string;
  port: number;
  mqttPort: number;
  wsPort?: number;
  /** MQTT over TLS (0 = any free one, then the same on every restart); undefined = no TLS. */
  mqttsPort?: number;
  /** MQTT over secure WebSocket, with TLS; undefined = none. */
  wssPort?: number;
  /** Tests: how long a handshake may take. */
  tlsHandshakeTimeoutMs?: number;
  portRange?: PortRange;
  logger?: Logger;
  grader?: Grader;
  /** Creates examiner `admin` with this password when it does not exist yet. */
  adminPassword?: string;
  /** See RuntimeOptions.trustLoopback (default true). */
  trustLoopback?: boolean;
  /** The host candidates' cards name (default: the bind host, or this machine's IPv4 for 0.0.0.0). */
  publicHost?: string;
  /** Creates trainer `trainer` with this password when it does not exist yet. */
  trainerPassword?: string;
  /** Check every JSON reply against its documented schema (the tests' servers). */
  checkResponses?: boolean;
  /** See RuntimeOptions.labSpeed (tests only). */
  labSpeed?: number;
  /** See RuntimeOptions.evidenceQuota. */
  evidenceQuota?: Quota;
  /**
   * Serve the API and console over HTTPS (cookies then Secure): with the operator's certificate
   * and key files, or, when they are not given, the certificate the server's own CA issued for
   * its hosts (needs TLS: the CA is made with it).
   */
  https?: { certFile?: string; keyFile?: string };
}

export interface RunningServer {
  url: string;
  mqttPort: number;
  /** MQTT over TLS and secure WebSocket, when they run. */
  mqttsPort?: number;
  wssPort?: number;
  close(): Promise<void>;
}

export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger('info');
  const store = new Store(opts.dataDir);
  if (opts.adminPassword && !store.getUser('admin'))
    store.addUser('admin', 'examiner', await hashPassword(opts.adminPassword));
  if (opts.trainerPassword && !store.getUser('trainer'))
    store.addUser('trainer', 'trainer', await hashPassword(opts.trainerPassword));
  if (store.countUsers() === 0)
    logger.warn('no examiner account: set IOTLAB_ADMIN_PASSWORD to create "admin"');
  // Candidates' cards name the broker's port, so a restart must come back on the same one: a
  // port chosen by the system (--mqtt-port 0) is kept in the data directory and asked for again.
  const kept = Number(store.getMeta('mqtt.port') ?? 0);
  const keptTls = Number(store.getMeta('mqtts.port') ?? 0);
  const runtime = new SessionRuntime(store, {
    host: opts.host,
    mqttPort: opts.mqttPort === 0 ? kept : opts.mqttPort,
    ...(opts.wsPort !== undefined ? { wsPort: opts.wsPort } : {}),
    ...(opts.mqttsPort !== undefined
      ? {
          tls: {
            port: opts.mqttsPort === 0 ? keptTls : opts.mqttsPort,
            ...(opts.wssPort !== undefined ? { wssPort: opts.wssPort } : {}),
            ...(opts.tlsHandshakeTimeoutMs !== undefined
              ? { handshakeTimeoutMs: opts.tlsHandshakeTimeoutMs }
              : {}),
          },
        }
      : {}),
    logger,
    grader: opts.grader ?? bankGrader,
    ...(opts.trustLoopback !== undefined ? { trustLoopback: opts.trustLoopback } : {}),
    ...(opts.publicHost !== undefined ? { publicHost: opts.publicHost } : {}),
    ...(opts.labSpeed !== undefined ? { labSpeed: opts.labSpeed } : {}),
    ...(opts.evidenceQuota ? { evidenceQuota: opts.evidenceQuota } : {}),
  });
  await runtime.start();
  if (runtime.mqttPort !== undefined) store.setMeta('mqtt.port', String(runtime.mqttPort));
  const tlsPorts = runtime.tlsPorts;
  if (tlsPorts.port !== undefined) store.setMeta('mqtts.port', String(tlsPorts.port));
  store.audit('system', 'server.start', null, { pid: process.pid });
  let https: { cert: string; key: string } | undefined;
  try {
    https = opts.https ? httpsCertificate(opts.https, runtime.serverCertificate) : undefined;
  } catch (err) {
    await runtime.close();
    store.close();
    throw err;
  }
  const app = await buildServer({
    store,
    runtime,
    logger,
    ...(https ? { https } : {}),
    ...(opts.portRange ? { portRange: opts.portRange } : {}),
    ...(opts.checkResponses ? { checkResponses: true } : {}),
  });
  const url = await app.listen({ host: opts.host, port: opts.port });
  return {
    url,
    mqttPort: runtime.mqttPort ?? 0,
    ...(tlsPorts.port !== undefined ? { mqttsPort: tlsPorts.port } : {}),
    ...(tlsPorts.wssPort !== undefined ? { wssPort: tlsPorts.wssPort } : {}),
    async close() {
      await app.close();
      await runtime.close();
      store.audit('system', 'server.stop', null, {});
      store.close();
    },
  };
}

/** The operator's certificate and key, checked as a pair, or the server CA's certificate. */
function httpsCertificate(
  o: { certFile?: string; keyFile?: string },
  own: { cert: string; key: string } | undefined,
): { cert: string; key: string } {
  if ((o.certFile === undefined) !== (o.keyFile === undefined))
    throw new LabError('HTTPS_CERT_INVALID', '--tls-cert and --tls-key go together');
  if (o.certFile === undefined || o.keyFile === undefined) {
    if (!own)
      throw new LabError(
        'HTTPS_CERT_INVALID',
        "--https without --tls-cert/--tls-key serves the certificate of the server's own CA, which --no-tls turns off",
      );
    return own;
  }
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new LabError('HTTPS_CERT_INVALID', `cannot read the ${what} ${file}: ${String(err)}`);
    }
  };
  const pair = { cert: read(o.certFile, 'certificate'), key: read(o.keyFile, 'key') };
  try {
    createSecureContext(pair); // a key that is not the certificate's fails here, not at the first client
  } catch (err) {
    throw new LabError(
      'HTTPS_CERT_INVALID',
      `${o.certFile} and ${o.keyFile} are not a certificate and its key: ${(err as Error).message}`,
    );
  }
  return pair;
}
