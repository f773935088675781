/**
 * Child process: N labs of the capacity scenario in this one process (seeds 1..N, every port
 * ephemeral, no WebSocket, evidence to files in <dir>). Prints one `LabsReady` line; then answers
 * `reset` / `loop` lines on stdin with the event-loop delay since the last reset.
 *
 * Usage: node labs-child.js <N> <evidence dir>
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { createLogger } from '../../core/logger.js';
import { capacityScenario, MQTT_DEVICES_PER_LAB } from './capacity-scenario.js';
import { emit, stopOnSignalOrOrphan } from './child-io.js';
import type { LabInfo } from './messages.js';

const n = Number(process.argv[2]);
const dir = process.argv[3];
if (!Number.isInteger(n) || n < 1 || n > 1000 || !dir) {
  process.stderr.write('usage: labs-child.js <N 1..1000> <evidence dir>\n');
  process.exit(2);
}

const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
const baseRssKb = m ? Number(m[1]) : NaN;
const logger = createLogger('warn');
const scenario = capacityScenario();
const labs: Lab[] = [];
stopOnSignalOrOrphan(async () => {
  await Promise.allSettled(labs.map((lab) => lab.stop('bench done')));
});

const t0 = performance.now();
const infos: LabInfo[] = [];
try {
  // One after another, as a trainer's console would open a classroom's labs.
  for (let seed = 1; seed <= n; seed++) {
    const lab = createLab(scenario, {
      seed,
      logger,
      host: '127.0.0.1',
      ports: { mqtt: 0, ws: null, coap: 0, modbus: 0 },
      evidencePath: join(dir, `lab-${seed}.jsonl`),
    });
    labs.push(lab);
    const card = await lab.start();
    infos.push({
      seed,
      mqttPort: Number(new URL(card.mqtt.url).port),
      topicPrefix: card.mqtt.topicPrefix,
      telemetryTopics: card.devices.flatMap((d) =>
        d.mqtt?.period === 1 ? [d.mqtt.telemetryTopic] : [],
      ),
    });
  }
} catch (err) {
  emit({ ready: false, started: infos.length, error: String(err) });
  await Promise.allSettled(labs.map((lab) => lab.stop('start failed')));
  process.exit(1);
}

// The histogram holds the time between samples, resolution included: report the lag beyond it.
const RESOLUTION_MS = 10;
const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
const lagMs = (ns: number): number => Math.max(0, ns / 1e6 - RESOLUTION_MS);
loop.enable();
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'reset') loop.reset();
  else if (line === 'loop')
    emit({
      loop: {
        p50Ms: lagMs(loop.percentile(50)),
        p99Ms: lagMs(loop.percentile(99)),
        maxMs: lagMs(loop.max),
      },
    });
});
emit({
  ready: true,
  baseRssKb,
  startMs: performance.now() - t0,
  devicesPerLab: scenario.devices.length,
  mqttDevicesPerLab: MQTT_DEVICES_PER_LAB,
  labs: infos,
});
