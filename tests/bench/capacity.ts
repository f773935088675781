/**
 * Part 3: lab capacity. A child process runs N labs of the 20-device, 1 Hz capacity scenario;
 * this process subscribes once per lab to `<topicPrefix>/#` and, over a fixed window, measures
 * publish-to-delivery latency of telemetry (receive Date.now() − payload.ts), the delivered rate
 * against the nominal N × 20 msgs/s, the child's CPU (/proc utime+stime) and RSS, and the
 * child's own event-loop delay. The subscribers here cost CPU too; their figure is reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { LabInfo } from './messages.js';
import { LabsReady, LoopReport } from './messages.js';
import { JsonLines, cpuSeconds, rssKb, sleep, spawnTracked, stopChild } from './proc.js';
import { percentile } from './stats.js';

export interface CapacityStep {
  labs: number;
  started: boolean;
  error?: string;
  devicesPerLab: number;
  mqttDevicesPerLab: number;
  startS: number;
  windowS: number;
  telemetry: number;
  msgsPerSec: number;
  expectedPerSec: number;
  latencyMs: { p50: number; p99: number; max: number };
  childCpuPct: number;
  parentCpuPct: number;
  rssMb: number;
  baseRssMb: number;
  rssPerLabMb: number;
  loopDelayMs: LoopReport['loop'];
}

export interface CapacityResult {
  steps: CapacityStep[];
  latencyLimitMs: number;
  /** Largest N whose p99 latency stayed within the limit (0 = none). */
  largestOk: number;
  /** Steps not run because the time budget ran out. */
  skipped: number[];
}

const SUBSCRIBE_BATCH = 25;
const WARMUP_MS = 2000;

async function subscribeAll(
  labs: LabInfo[],
  onMessage: (topic: string, payload: Buffer) => void,
  clients: mqtt.MqttClient[],
): Promise<void> {
  for (let i = 0; i < labs.length; i += SUBSCRIBE_BATCH)
    await Promise.all(
      labs.slice(i, i + SUBSCRIBE_BATCH).map(async (lab) => {
        const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${lab.mqttPort}`, {
          clientId: `bench-sub-${lab.seed}`,
          reconnectPeriod: 0,
          connectTimeout: 10_000,
        });
        clients.push(c);
        c.on('message', onMessage);
        await c.subscribeAsync(`${lab.topicPrefix}/#`, { qos: 0 });
      }),
    );
}

function failedStep(labs: number, error: string): CapacityStep {
  return {
    labs,
    started: false,
    error,
    devicesPerLab: 0,
    mqttDevicesPerLab: 0,
    startS: NaN,
    windowS: 0,
    telemetry: 0,
    msgsPerSec: NaN,
    expectedPerSec: NaN,
    latencyMs: { p50: NaN, p99: NaN, max: NaN },
    childCpuPct: NaN,
    parentCpuPct: NaN,
    rssMb: NaN,
    baseRssMb: NaN,
    rssPerLabMb: NaN,
    loopDelayMs: { p50Ms: NaN, p99Ms: NaN, maxMs: NaN },
  };
}

async function runStep(n: number, windowMs: number): Promise<CapacityStep> {
  const dir = mkdtempSync(join(tmpdir(), `iotlab-bench-labs-${n}-`));
  const script = join(import.meta.dirname, 'labs-child.js');
  const t = spawnTracked(process.execPath, [script, String(n), dir]);
  const clients: mqtt.MqttClient[] = [];
  try {
    const lines = new JsonLines(t);
    const ready = await lines.next(LabsReady, 'labs ready', 120_000);
    if (!ready.ready) return failedStep(n, `${ready.started} labs started, then: ${ready.error}`);

    const telemetryTopics = new Set(ready.labs.flatMap((l) => l.telemetryTopics));
    const latencies: number[] = [];
    let measuring = false;
    let unreadable = 0;
    await subscribeAll(
      ready.labs,
      (topic, payload) => {
        if (!measuring || !telemetryTopics.has(topic)) return;
        const now = Date.now();
        try {
          const body = JSON.parse(payload.toString('utf8')) as { ts?: unknown };
          if (typeof body.ts === 'number') latencies.push(now - body.ts);
          else unreadable += 1;
        } catch {
          unreadable += 1;
        }
      },
      clients,
    );
    await sleep(WARMUP_MS);

    t.child.stdin?.write('reset\n');
    const child0 = cpuSeconds(t.pid);
    const parent0 = process.cpuUsage();
    const t0 = performance.now();
    measuring = true;
    await sleep(windowMs);
    measuring = false;
    const windowS = (performance.now() - t0) / 1000;
    const childCpu = cpuSeconds(t.pid) - child0;
    const parentCpu = process.cpuUsage(parent0);
    const rss = rssKb(t.pid);
    t.child.stdin?.write('loop\n');
    const loop = await lines.next(LoopReport, 'event-loop report', 5000);
    if (unreadable > 0) throw new Error(`${unreadable} telemetry payloads without a numeric ts`);

    return {
      labs: n,
      started: true,
      devicesPerLab: ready.devicesPerLab,
      mqttDevicesPerLab: ready.mqttDevicesPerLab,
      startS: ready.startMs / 1000,
      windowS,
      telemetry: latencies.length,
      msgsPerSec: latencies.length / windowS,
      expectedPerSec: n * ready.mqttDevicesPerLab,
      latencyMs: {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies.reduce((a, b) => Math.max(a, b), -Infinity),
      },
      childCpuPct: (100 * childCpu) / windowS,
      parentCpuPct: (100 * (parentCpu.user + parentCpu.system)) / 1e6 / windowS,
      rssMb: rss / 1024,
      baseRssMb: ready.baseRssKb / 1024,
      rssPerLabMb: (rss - ready.baseRssKb) / 1024 / n,
      loopDelayMs: loop.loop,
    };
  } catch (err) {
    return failedStep(n, err instanceof Error ? err.message : String(err));
  } finally {
    await Promise.allSettled(clients.map((c) => c.endAsync(true)));
    await stopChild(t, 'SIGTERM', 15_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Steps N up until p99 latency exceeds the limit or labs fail to start; `withinBudget` is asked
 * before each step so the whole benchmark stays bounded in time.
 */
export async function benchCapacity(
  steps: number[],
  windowMs: number,
  latencyLimitMs: number,
  onStep: (s: CapacityStep) => void,
  withinBudget: () => boolean,
): Promise<CapacityResult> {
  const done: CapacityStep[] = [];
  let largestOk = 0;
  for (const [i, n] of steps.entries()) {
    if (!withinBudget()) return { steps: done, latencyLimitMs, largestOk, skipped: steps.slice(i) };
    const s = await runStep(n, windowMs);
    done.push(s);
    onStep(s);
    if (!s.started || !(s.latencyMs.p99 <= latencyLimitMs)) break;
    largestOk = n;
  }
  return { steps: done, latencyLimitMs, largestOk, skipped: [] };
}
