/**
 * Part 6: an exam room. One `iotlab serve` (the real CLI, a child process) hosts a session of N
 * candidates on a built-in paper; every candidate logs in over the REST API, starts the same task
 * (a lab runs one task at a time, so the task with the most 1 Hz devices stands for "a full
 * paper") and subscribes with the MQTT login of their own card to their own prefix. Over a window
 * of steady state we measure the server's CPU and RSS from /proc, publish-to-delivery latency of
 * telemetry (receive Date.now() − the payload's `ts`, set by the device when it publishes) and
 * how long GET /api/health takes meanwhile; then the examiner stops the session, which stops
 * every lab and grades every running attempt, and we time that and a regrade of the whole room.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { listPapers } from '../../server/papers.js';
import { validateScenario } from '../../simulator/scenario.js';
import { getTask } from '../../tasks/bank.js';
import type { Card, ServeChild } from './room-api.js';
import { Created, Me, Ok, Progress, RegradePreview, Slips, api, startServe } from './room-api.js';
import { cpuSeconds, rssKb, sleep, stopChild } from './proc.js';
import { percentile } from './stats.js';

export interface RoomOptions {
  /** dist/cli/main.js */
  bin: string;
  candidates: number;
  /** The window wanted; shortened (and reported) if the task's time limit would end it first. */
  windowMs: number;
  warmupMs: number;
  paper: string;
  task: string;
  portRange: { from: number; to: number };
  /** Candidates logging in and starting their task at the same time. */
  concurrency: number;
  log?: (line: string) => void;
}

export interface Spread {
  p50: number;
  p99: number;
  max: number;
}

export interface RoomResult {
  candidates: number;
  paper: string;
  task: string;
  devicesPerLab: number;
  mqttDevicesPerLab: number;
  /** POST /api/sessions (one scrypt hash per candidate) and POST …/start. */
  createMs: number;
  /** Every candidate: login, task start (their lab), GET /api/me, MQTT connect and subscribe. */
  roomStartMs: number;
  /** Candidates whose task runs with at least one MQTT client connected (server's own count). */
  connected: number;
  windowS: number;
  windowWantedS: number;
  telemetry: number;
  msgsPerSec: number;
  nominalPerSec: number;
  /** 1 Hz devices with nothing in the window's last 3 s (the task's seeded "offline" fault). */
  silentDevices: number;
  latencyMs: Spread;
  healthMs: Spread;
  serverCpuPct: number;
  serverCpuMaxPct: number;
  generatorCpuPct: number;
  rssIdleMb: number;
  rssMb: number;
  rssMaxMb: number;
  rssPerCandidateMb: number;
  loadAverage: number[];
  /** POST …/stop: every lab stopped and every attempt graded. */
  stopMs: number;
  stopCpuS: number;
  graded: number;
  /** GET …/regrade: every attempt graded again from its evidence, nothing else. */
  regradeMs: number;
  regraded: number;
}

const ADMIN_PASSWORD = 'bench-room-admin';
/** Kept between the end of the window and the first lab's time limit. */
const SAFETY_MS = 5000;
const HEALTH_EVERY_MS = 250;
/** A 1 Hz device with nothing for this long has stopped publishing. */
const SILENT_MS = 3000;

function maxOf(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => Math.max(a, b));
}

function spread(values: number[]): Spread {
  return { p50: percentile(values, 50), p99: percentile(values, 99), max: maxOf(values) };
}

/**
 * The built-in papers' task whose scenario has the most devices publishing at 1 Hz (counted with
 * seed 1): the heaviest lab a candidate of a room can have running.
 */
export function busiestTask(): { paper: string; task: string; devices: number } {
  let best = { paper: '', task: '', devices: -1 };
  for (const paper of listPapers())
    for (const { id } of paper.tasks) {
      const task = getTask(id);
      const scenario = validateScenario(task.scenario(task.params(1)), `task ${id}`);
      const devices = scenario.devices.filter((d) => d.mqtt?.period === 1).length;
      if (devices > best.devices) best = { paper: paper.id, task: id, devices };
    }
  return best;
}

async function pool<T>(items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

interface Candidate {
  id: string;
  password: string;
  card?: Card;
}

class Telemetry {
  measuring = false;
  readonly latencies: number[] = [];
  /** performance.now() of each telemetry topic's last message in the window. */
  readonly lastSeen = new Map<string, number>();
  unreadable = 0;

  constructor(readonly topics: Set<string>) {}

  onMessage = (topic: string, payload: Buffer): void => {
    if (!this.measuring || !this.topics.has(topic)) return;
    const now = Date.now();
    this.lastSeen.set(topic, performance.now());
    try {
      const body = JSON.parse(payload.toString('utf8')) as { ts?: unknown };
      if (typeof body.ts === 'number') this.latencies.push(now - body.ts);
      else this.unreadable += 1;
    } catch {
      this.unreadable += 1;
    }
  };
}

async function probeHealth(url: string, running: () => boolean, out: number[]): Promise<void> {
  while (running()) {
    const t0 = performance.now();
    await api(url, 'GET', '/api/health', Ok);
    out.push(performance.now() - t0);
    await sleep(HEALTH_EVERY_MS);
  }
}

export async function benchRoom(o: RoomOptions): Promise<RoomResult> {
  const log = o.log ?? ((): void => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-bench-room-'));
  const clients: mqtt.MqttClient[] = [];
  let server: ServeChild | undefined;
  try {
    server = await startServe(o.bin, dir, o.portRange, ADMIN_PASSWORD);
    const { url, t } = server;
    const rssIdleKb = rssKb(t.pid);
    const admin = (
      await api(url, 'POST', '/api/login', Ok, {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      })
    ).cookie;

    const ids = Array.from(
      { length: o.candidates },
      (_, i) => `c${String(i + 1).padStart(3, '0')}`,
    );
    const roster = 'id,name\n' + ids.map((id) => `${id},Candidate ${id}\n`).join('');
    const c0 = performance.now();
    const { id: sid } = (
      await api(url, 'POST', '/api/sessions', Created, {
        body: { paper: o.paper, mode: 'practice', roster },
        cookie: admin,
      })
    ).data;
    await api(url, 'POST', `/api/sessions/${sid}/start`, Ok, { body: {}, cookie: admin });
    const createMs = performance.now() - c0;
    const slips = (await api(url, 'GET', `/api/sessions/${sid}/slips`, Slips, { cookie: admin }))
      .data;
    const candidates: Candidate[] = slips.map((s) => ({ id: s.candidate, password: s.password }));
    log(`session ${sid}: ${candidates.length} candidates created in ${createMs.toFixed(0)} ms`);

    const telemetry = new Telemetry(new Set());
    let limitS = Infinity;
    const r0 = performance.now();
    await pool(candidates, o.concurrency, async (c) => {
      const me = (
        await api(url, 'POST', '/api/candidate/login', Ok, {
          body: { session: sid, candidate: c.id, password: c.password },
        })
      ).cookie;
      await api(url, 'POST', `/api/me/tasks/${o.task}/start`, Ok, { body: {}, cookie: me });
      const mine = (await api(url, 'GET', '/api/me', Me, { cookie: me })).data;
      if (!mine.card || mine.currentTask !== o.task)
        throw new Error(`${c.id}: task ${o.task} is not running after its start`);
      limitS = Math.min(limitS, mine.tasks.find((x) => x.id === o.task)?.timeLimitS ?? Infinity);
      c.card = mine.card;
      for (const d of mine.card.devices)
        if (d.mqtt?.period === 1) telemetry.topics.add(d.mqtt.telemetryTopic);
      const client = await mqtt.connectAsync(mine.card.mqtt.url, {
        clientId: `bench-${c.id}`,
        username: mine.card.mqtt.username,
        password: mine.card.mqtt.password,
        reconnectPeriod: 0,
        connectTimeout: 30_000,
      });
      client.on('error', () => undefined); // a stopped lab closes the connection: expected
      clients.push(client);
      client.on('message', telemetry.onMessage);
      await client.subscribeAsync(`${mine.card.mqtt.topicPrefix}/#`, { qos: 0 });
    });
    const roomStartMs = performance.now() - r0;
    log(`${candidates.length} labs running and subscribed in ${(roomStartMs / 1000).toFixed(1)} s`);

    await sleep(o.warmupMs);
    const progress = (
      await api(url, 'GET', `/api/sessions/${sid}/progress`, Progress, { cookie: admin })
    ).data;
    const connected = progress.candidates.filter(
      (c) => c.currentTask === o.task && c.connected >= 1,
    ).length;

    // The first lab's attempt ends itself at its time limit: the window must close before that.
    const leftMs = r0 + limitS * 1000 - SAFETY_MS - performance.now();
    const windowMs = Math.min(o.windowMs, leftMs);
    if (windowMs < 2000)
      throw new Error(
        `room start took ${(roomStartMs / 1000).toFixed(1)} s: no time left for a window` +
          ` within the task's ${limitS} s limit`,
      );

    const cpuSamples: number[] = [];
    const rssSamples: number[] = [];
    const health: number[] = [];
    let measuring = true;
    telemetry.measuring = true;
    const healthDone = probeHealth(url, () => measuring, health);
    const server0 = cpuSeconds(t.pid);
    const gen0 = process.cpuUsage();
    const w0 = performance.now();
    let last = { cpu: server0, at: w0 };
    while (performance.now() - w0 < windowMs) {
      await sleep(Math.min(1000, windowMs - (performance.now() - w0)));
      const now = { cpu: cpuSeconds(t.pid), at: performance.now() };
      cpuSamples.push((100 * (now.cpu - last.cpu)) / ((now.at - last.at) / 1000));
      rssSamples.push(rssKb(t.pid));
      last = now;
    }
    telemetry.measuring = false;
    measuring = false;
    const windowEnd = performance.now();
    const windowS = (windowEnd - w0) / 1000;
    const serverCpu = cpuSeconds(t.pid) - server0;
    const gen = process.cpuUsage(gen0);
    const loadAverage = loadavg();
    await healthDone;
    if (telemetry.unreadable > 0)
      throw new Error(`${telemetry.unreadable} telemetry payloads without a numeric ts`);

    const s0 = performance.now();
    const stopCpu0 = cpuSeconds(t.pid);
    await api(url, 'POST', `/api/sessions/${sid}/stop`, Ok, { body: {}, cookie: admin });
    const stopMs = performance.now() - s0;
    const stopCpuS = cpuSeconds(t.pid) - stopCpu0;
    const after = (
      await api(url, 'GET', `/api/sessions/${sid}/progress`, Progress, { cookie: admin })
    ).data;
    const graded = after.candidates.filter((c) => c.grades.some((g) => g.task === o.task)).length;
    const g0 = performance.now();
    const regrade = (
      await api(url, 'GET', `/api/sessions/${sid}/regrade`, RegradePreview, { cookie: admin })
    ).data;
    const regradeMs = performance.now() - g0;

    const rss = rssSamples.at(-1) ?? NaN;
    const card = candidates[0]?.card;
    const mqttDevicesPerLab = card?.devices.filter((d) => d.mqtt?.period === 1).length ?? 0;
    return {
      candidates: candidates.length,
      paper: o.paper,
      task: o.task,
      devicesPerLab: card?.devices.length ?? 0,
      mqttDevicesPerLab,
      createMs,
      roomStartMs,
      connected,
      windowS,
      windowWantedS: o.windowMs / 1000,
      telemetry: telemetry.latencies.length,
      msgsPerSec: telemetry.latencies.length / windowS,
      nominalPerSec: candidates.length * mqttDevicesPerLab,
      silentDevices: [...telemetry.topics].filter(
        (x) => !((telemetry.lastSeen.get(x) ?? -Infinity) > windowEnd - SILENT_MS),
      ).length,
      latencyMs: spread(telemetry.latencies),
      healthMs: spread(health),
      serverCpuPct: (100 * serverCpu) / windowS,
      serverCpuMaxPct: maxOf(cpuSamples),
      generatorCpuPct: (100 * (gen.user + gen.system)) / 1e6 / windowS,
      rssIdleMb: rssIdleKb / 1024,
      rssMb: rss / 1024,
      rssMaxMb: maxOf(rssSamples) / 1024,
      rssPerCandidateMb: (rss - rssIdleKb) / 1024 / candidates.length,
      loadAverage,
      stopMs,
      stopCpuS,
      graded,
      regradeMs,
      regraded: regrade.filter((x) => x.task === o.task).length,
    };
  } finally {
    await Promise.allSettled(clients.map((c) => c.endAsync(true)));
    if (server) await stopChild(server.t, 'SIGTERM', 15_000);
    rmSync(dir, { recursive: true, force: true });
  }
}
