/**
 * Child process: the embedded MQTT broker alone, as a lab runs it — aedes on 127.0.0.1, an
 * ephemeral port, no WebSocket, and every publish recorded as evidence to a file (evidence
 * recording is part of what our broker costs). Prints `{"ready":true,"port":N}`.
 *
 * Usage: node broker-child.js <evidence.jsonl>
 */
import { createMqttBroker } from '../../protocols/mqtt/broker.js';
import { RealClock } from '../../simulator/clock.js';
import { EvidenceRecorder } from '../../simulator/evidence.js';
import { createLogger } from '../../simulator/logger.js';
import { emit, stopOnSignalOrOrphan } from './child-io.js';

const evidencePath = process.argv[2];
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
});
stopOnSignalOrOrphan(async () => {
  await broker.close();
  recorder.close();
});
emit({ ready: true, port: broker.port });
