/**
 * Part 2b: MQTT over TLS (issue 17), our broker against mosquitto's TLS listener, side by side in
 * the same run with the same certificate: one CA made by protocols/tls/ca.ts issues the server
 * certificate both brokers serve, and the clients trust only that CA (full verification).
 *   - connection setup: full MQTT-over-TLS logins (TCP, TLS handshake, CONNECT/CONNACK, clean
 *     DISCONNECT) from `concurrency` clients at a time, per second;
 *   - fan-in msgs/s over TLS, as part 2 measures it in the clear (runLoad).
 * Brokers alternate, a fresh process per run; the figure per broker is the median of its runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { createLabTls } from '../../protocols/tls/ca.js';
import type { BrokerName, LoadOptions, LoadResult, RunningBroker } from './fanin.js';
import { runLoad, startIotlab, startMosquitto } from './fanin.js';
import { cpuSeconds } from './proc.js';
import { median } from './stats.js';

export interface TlsSetupRun {
  broker: BrokerName;
  connections: number;
  seconds: number;
  perSec: number;
  /** Of one core, over the measured window. */
  brokerCpuPct: number;
  /** The clients' (this process's): the handshakes cost them as much as the broker. */
  clientCpuPct: number;
  failed: number;
}

export interface TlsBenchOptions {
  connections: number;
  concurrency: number;
  load: LoadOptions;
  rounds: number;
}

export interface TlsBenchResult {
  options: TlsBenchOptions;
  setup: TlsSetupRun[];
  fanIn: LoadResult[];
  setupMedian: Record<BrokerName, number>;
  fanInMedian: Record<BrokerName, number>;
}

async function setupRate(b: RunningBroker, n: number, concurrency: number): Promise<TlsSetupRun> {
  const url = `mqtts://127.0.0.1:${b.port}`;
  const opts = { reconnectPeriod: 0, connectTimeout: 5000, ca: b.ca, servername: 'localhost' };
  let next = 0;
  let failed = 0;
  const worker = async (w: number, count: number) => {
    while (next < count) {
      const i = next++;
      try {
        const c = await mqtt.connectAsync(url, { ...opts, clientId: `tls-setup-${w}-${i}` });
        await c.endAsync();
      } catch {
        failed += 1;
      }
    }
  };
  const run = (count: number) =>
    Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w, count)));
  await run(Math.min(50, n)); // warm-up: JIT, session cache of nothing (every login is new)
  next = 0;
  failed = 0;
  const cpu0 = cpuSeconds(b.pid);
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  await run(n);
  const seconds = (performance.now() - t0) / 1000;
  return {
    broker: b.name,
    connections: n,
    seconds,
    perSec: (n - failed) / seconds,
    brokerCpuPct: (100 * (cpuSeconds(b.pid) - cpu0)) / seconds,
    clientCpuPct: (() => {
      const u = process.cpuUsage(own0);
      return (100 * (u.user + u.system)) / 1e6 / seconds;
    })(),
    failed,
  };
}

export async function benchTls(
  o: TlsBenchOptions,
  onSetup: (r: TlsSetupRun) => void,
  onFanIn: (r: LoadResult) => void,
): Promise<TlsBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-bench-tls-'));
  const tlsDir = join(dir, 'tls');
  await createLabTls({ dir: tlsDir, name: 'bench', hosts: ['127.0.0.1'] });
  const setup: TlsSetupRun[] = [];
  const fanIn: LoadResult[] = [];
  try {
    for (let i = 0; i < o.rounds * 2; i++) {
      const start = i % 2 === 0 ? startIotlab : startMosquitto;
      const b = await start(dir, 100 + i, tlsDir);
      try {
        const s = await setupRate(b, o.connections, o.concurrency);
        setup.push(s);
        onSetup(s);
      } finally {
        await b.stop();
      }
      // A fresh broker for the load, so the setup run's evidence and sockets do not weigh on it.
      const l = await start(dir, 200 + i, tlsDir);
      try {
        const r = await runLoad(l, o.load);
        fanIn.push(r);
        onFanIn(r);
      } finally {
        await l.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const med = <T extends { broker: BrokerName }>(rows: T[], f: (r: T) => number) => ({
    iotlab: median(rows.filter((r) => r.broker === 'iotlab').map(f)),
    mosquitto: median(rows.filter((r) => r.broker === 'mosquitto').map(f)),
  });
  return {
    options: o,
    setup,
    fanIn,
    setupMedian: med(setup, (r) => r.perSec),
    fanInMedian: med(fanIn, (r) => r.msgsPerSec),
  };
}
