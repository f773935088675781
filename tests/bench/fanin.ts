/**
 * Part 2: broker fan-in, our embedded broker (aedes + evidence, in its own process) against
 * Debian's mosquitto, side by side on loopback. K publishers each send M messages of ~100 bytes
 * of JSON to their own topic under bench/; one subscriber on bench/# counts what arrives. The
 * rate is the subscriber's, from the first message it receives to the last.
 *
 * All clients live in this (parent) process, so on a 2-core machine the broker has one core and
 * the load generator the other; the client CPU figure shows when the generator is the limit.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { BrokerReady } from './messages.js';
import {
  JsonLines,
  cpuSeconds,
  freePort,
  rssKb,
  sleep,
  spawnTracked,
  stopChild,
  waitForPort,
} from './proc.js';
import { median } from './stats.js';

export type BrokerName = 'iotlab' | 'mosquitto';

export interface LoadOptions {
  publishers: number;
  messages: number;
  warmup: number;
  qos: 0 | 1;
}

export interface LoadResult {
  broker: BrokerName;
  sent: number;
  received: number;
  lost: number;
  seconds: number;
  msgsPerSec: number;
  /** What the publishers pushed: sent / time to hand the last message to the socket or ack. */
  offeredPerSec: number;
  /** Of one core, over the measured window. */
  brokerCpuPct: number;
  clientCpuPct: number;
  brokerRssKb: number;
  /** Our broker only: evidence bytes written per message published (warm-up included). */
  evidenceBytesPerMsg?: number;
}

export interface FanInResult {
  qos: 0 | 1;
  options: LoadOptions;
  runs: LoadResult[];
  iotlabMedian: number;
  mosquittoMedian: number;
  ratio: number;
}

export interface RunningBroker {
  name: BrokerName;
  port: number;
  pid: number;
  /** Set: clients connect over TLS (mqtts) trusting this CA. */
  ca?: string;
  evidencePath?: string;
  stop(): Promise<unknown>;
}

const MOSQUITTO = '/usr/sbin/mosquitto';
/** Publishes between two awaited ones: bounds what a publisher has queued or in flight. */
export const PUBLISH_WINDOW = 100;
const DRAIN_IDLE_MS = 1500;
const DRAIN_TIMEOUT_MS = 30_000;

/** `tlsDir`: a folder with ca.pem, server.pem and server.key; the broker then listens on TLS only. */
export async function startIotlab(
  dir: string,
  run: number,
  tlsDir?: string,
): Promise<RunningBroker> {
  const script = join(import.meta.dirname, 'broker-child.js');
  const evidencePath = join(dir, `evidence-${run}.jsonl`);
  const t = spawnTracked(process.execPath, [script, evidencePath, ...(tlsDir ? [tlsDir] : [])]);
  try {
    const ready = await new JsonLines(t).next(BrokerReady, 'broker port', 10_000);
    if (tlsDir)
      return {
        name: 'iotlab',
        port: ready.tlsPort ?? NaN,
        ca: readFileSync(join(tlsDir, 'ca.pem'), 'utf8'),
        pid: t.pid,
        evidencePath,
        stop: () => stopChild(t),
      };
    return { name: 'iotlab', port: ready.port, pid: t.pid, evidencePath, stop: () => stopChild(t) };
  } catch (err) {
    await stopChild(t, 'SIGKILL');
    throw err;
  }
}

/** `tlsDir` as for startIotlab: mosquitto's listener then serves the same CA-issued certificate. */
export async function startMosquitto(
  dir: string,
  run: number,
  tlsDir?: string,
): Promise<RunningBroker> {
  const port = await freePort();
  const conf = join(dir, `mosquitto-${run}.conf`);
  const tls = tlsDir
    ? ['cafile', 'certfile', 'keyfile']
        .map((k, i) => `${k} ${join(tlsDir, ['ca.pem', 'server.pem', 'server.key'][i]!)}\n`)
        .join('')
    : '';
  // As root, mosquitto would drop to user "mosquitto", who cannot read the 0600 key.
  const user = tlsDir && process.getuid?.() === 0 ? 'user root\n' : '';
  writeFileSync(
    conf,
    `${user}listener ${port} 127.0.0.1\n${tls}allow_anonymous true\npersistence false\n`,
  );
  const t = spawnTracked(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await waitForPort(port, 5000, t);
    return {
      name: 'mosquitto',
      port,
      pid: t.pid,
      ...(tlsDir ? { ca: readFileSync(join(tlsDir, 'ca.pem'), 'utf8') } : {}),
      stop: () => stopChild(t),
    };
  } catch (err) {
    await stopChild(t, 'SIGKILL');
    throw err;
  }
}

/** ~100 bytes of JSON, like a device's telemetry. */
function payloads(pub: number, count: number, tag: string): Buffer[] {
  return Array.from({ length: count }, (_, seq) => {
    const body = { id: `bench-pub-${pub}`, tag, seq, temperature: 23.45, humidity: 61.2, co2: 655 };
    const text = JSON.stringify(body);
    return Buffer.from(
      text.slice(0, -1) + `,"pad":"${'x'.repeat(Math.max(0, 91 - text.length))}"}`,
    );
  });
}

async function publishAll(
  clients: mqtt.MqttClient[],
  bodies: Buffer[][],
  qos: 0 | 1,
): Promise<void> {
  let failed: Error | undefined;
  const onError = (err?: Error): void => {
    failed ??= err;
  };
  await Promise.all(
    clients.map(async (c, k) => {
      const topic = `bench/dev${k}/telemetry`;
      const mine = bodies[k]!;
      for (let i = 0; i < mine.length; i++) {
        if ((i + 1) % PUBLISH_WINDOW === 0 || i === mine.length - 1)
          await c.publishAsync(topic, mine[i]!, { qos });
        else c.publish(topic, mine[i]!, { qos }, onError);
      }
    }),
  );
  if (failed) throw failed;
}

export async function runLoad(broker: RunningBroker, o: LoadOptions): Promise<LoadResult> {
  const url = `${broker.ca ? 'mqtts' : 'mqtt'}://127.0.0.1:${broker.port}`;
  const base = {
    reconnectPeriod: 0,
    connectTimeout: 5000,
    clean: true,
    ...(broker.ca ? { ca: broker.ca, servername: 'localhost' } : {}),
  } as const;
  const warm = Array.from({ length: o.publishers }, (_, k) => payloads(k, o.warmup, 'warm'));
  const load = Array.from({ length: o.publishers }, (_, k) => payloads(k, o.messages, 'load'));
  const clients: mqtt.MqttClient[] = [];
  try {
    const sub = await mqtt.connectAsync(url, { ...base, clientId: 'bench-sub' });
    clients.push(sub);
    for (let k = 0; k < o.publishers; k++)
      clients.push(await mqtt.connectAsync(url, { ...base, clientId: `bench-pub-${k}` }));
    const pubs = clients.slice(1);

    let count = 0;
    let first = 0;
    let last = 0;
    sub.on('message', () => {
      last = performance.now();
      if (count === 0) first = last;
      count += 1;
    });
    await sub.subscribeAsync('bench/#', { qos: o.qos });

    const drain = async (expected: number, since: number): Promise<void> => {
      const start = performance.now();
      while (count < expected) {
        const now = performance.now();
        if (now - Math.max(last, since) > DRAIN_IDLE_MS || now - start > DRAIN_TIMEOUT_MS) return;
        await sleep(10);
      }
    };

    // Warm-up: JIT in our broker, connections settled; not measured.
    await publishAll(pubs, warm, o.qos);
    await drain(o.publishers * o.warmup, performance.now());
    count = 0;

    const cpu0 = process.cpuUsage();
    const broker0 = cpuSeconds(broker.pid);
    const t0 = performance.now();
    await publishAll(pubs, load, o.qos);
    const published = performance.now();
    await drain(o.publishers * o.messages, performance.now());
    const brokerCpu = cpuSeconds(broker.pid) - broker0;
    const cpu = process.cpuUsage(cpu0);
    // The broker works from the first publish until the last delivery (or the last publish).
    const windowS = Math.max(1e-3, (Math.max(last, published) - t0) / 1000);
    const sent = o.publishers * o.messages;
    const seconds = (last - first) / 1000;
    return {
      broker: broker.name,
      sent,
      received: count,
      lost: sent - count,
      seconds,
      msgsPerSec: count > 1 && seconds > 0 ? (count - 1) / seconds : NaN,
      offeredPerSec: sent / Math.max(1e-3, (published - t0) / 1000),
      brokerCpuPct: (100 * brokerCpu) / windowS,
      clientCpuPct: (100 * (cpu.user + cpu.system)) / 1e6 / windowS,
      brokerRssKb: rssKb(broker.pid),
    };
  } finally {
    await Promise.allSettled(clients.map((c) => c.endAsync(true)));
  }
}

/** Runs ours / mosquitto alternately `rounds` times each, a fresh broker process per run. */
export async function benchFanIn(
  o: LoadOptions,
  rounds: number,
  onRun: (r: LoadResult) => void,
): Promise<FanInResult> {
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-bench-fanin-'));
  const runs: LoadResult[] = [];
  try {
    for (let i = 0; i < rounds * 2; i++) {
      const broker = i % 2 === 0 ? await startIotlab(dir, i) : await startMosquitto(dir, i);
      let r: LoadResult;
      try {
        r = await runLoad(broker, o);
      } finally {
        await broker.stop(); // our broker flushes its evidence on the way out
      }
      if (broker.evidencePath && existsSync(broker.evidencePath)) {
        const published = o.publishers * (o.messages + o.warmup);
        r.evidenceBytesPerMsg = statSync(broker.evidencePath).size / published;
        rmSync(broker.evidencePath); // ~100 MB a run: do not let them pile up
      }
      runs.push(r);
      onRun(r);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const rate = (name: BrokerName): number =>
    median(runs.filter((r) => r.broker === name).map((r) => r.msgsPerSec));
  const iotlabMedian = rate('iotlab');
  const mosquittoMedian = rate('mosquitto');
  return {
    qos: o.qos,
    options: o,
    runs,
    iotlabMedian,
    mosquittoMedian,
    ratio: iotlabMedian / mosquittoMedian,
  };
}
