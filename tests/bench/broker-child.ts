/**
 * Child process: the embedded MQTT broker alone, as a lab runs it — aedes on 127.0.0.1, an
 * ephemeral port, no WebSocket, and every publish recorded as evidence to a file (evidence
 * recording is part of what our broker costs). Prints `{"ready":true,"port":N}`.
 *
 * With a TLS folder (ca.pem, server.pem, server.key) it also listens on MQTT over TLS, as a lab
 * does, and prints `tlsPort` too.
 *
 * Usage: node broker-child.js <evidence.jsonl> [tls-dir]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMqttBroker } from '../../protocols/mqtt/broker.js';
import { RealClock } from '../../core/clock.js';
import { EvidenceRecorder } from '../../core/evidence.js';
import { createLogger } from '../../core/logger.js';
import { emit, stopOnSignalOrOrphan } from './child-io.js';

const evidencePath = process.argv[2];
const tlsDir = process.argv[3];
if (!evidencePath) {
  process.stderr.write('usage: broker-child.js <evidence.jsonl>\n');
  process.exit(2);
}
const logger = createLogger('warn');
const recorder = new EvidenceRecorder({ clock: new RealClock(), path: evidencePath, logger });
const broker = await createMqttBroker({
  host: '127.0.0.1',
  port: 0,
  record: recorder.record,
  logger,
  // The fan-in publishers are load generators, as against mosquitto (which has no per-client
  // rate limit either): the broker's throughput is measured, not its limiter.
  limits: { publishRate: Infinity, publishBurst: Infinity },
  ...(tlsDir
    ? {
        tls: {
          key: readFileSync(join(tlsDir, 'server.key'), 'utf8'),
          cert: readFileSync(join(tlsDir, 'server.pem'), 'utf8'),
          ca: readFileSync(join(tlsDir, 'ca.pem'), 'utf8'),
          port: 0,
          caFile: { path: join(tlsDir, 'ca.pem'), sha256: '' },
        },
      }
    : {}),
});
stopOnSignalOrOrphan(async () => {
  await broker.close();
  recorder.close();
});
emit({ ready: true, port: broker.port, ...(broker.tls ? { tlsPort: broker.tls.port } : {}) });
