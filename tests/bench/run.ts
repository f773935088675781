/**
 * `npm run bench`: the iotlab benchmark, in one run, with labelled figures and a final JSON
 * summary line.
 *   1. `iotlab start` time to a written card (target < 1.5 s);
 *   2. broker fan-in msgs/s, our embedded broker against mosquitto, side by side (target ≥ 0.7×);
 *   2b. TLS (`tls`): MQTT-over-TLS connection setup per second and fan-in msgs/s over TLS, ours
 *      against mosquitto's TLS listener serving the same CA-issued certificate, with the ratios;
 *   3. lab capacity: N labs × 20 devices at 1 Hz in one process (target N ≥ 100 with p99 ≤ 50 ms);
 *   4. board round trips per second from the C HAL (MILLIS, I2C reads at 100 kHz and 1 MHz);
 *   5. grading throughput: an hour of a 20-device lab read, chain-verified and graded (< 2 s);
 *   5b. web app grading (`app`): one `iotlab check --app` from start to report, then 2 and 4 at once;
 *   6. an exam room: `iotlab serve` with 100 candidates, each running the busiest task's lab;
 *   7. uploads: 20 candidates hand in 15 MiB each at once to one `iotlab serve` (RSS before/after);
 *   8. soak (only when named, an hour: `npm run bench -- soak`, IOTLAB_SOAK_MINUTES to change it):
 *      1,000 MQTT connections, an Observe flood and a publish flood against one `iotlab serve`.
 * Everything listens on 127.0.0.1; every child process is killed whatever happens.
 * Parts can be chosen by name: `npm run bench -- room grading` (default: all of them).
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { CapacityResult, CapacityStep } from './capacity.js';
import { benchCapacity } from './capacity.js';
import type { GradingBench } from './grading.js';
import { benchGrading } from './grading.js';
import type { FanInResult, LoadOptions, LoadResult } from './fanin.js';
import { PUBLISH_WINDOW, benchFanIn } from './fanin.js';
import type { StartupResult } from './startup.js';
import { benchStartup } from './startup.js';
import { MQTT_DEVICES_PER_LAB } from './capacity-scenario.js';
import type { BoardBenchRow } from './board.js';
import { benchBoard } from './board.js';
import type { AppBench } from './app.js';
import { benchApp } from './app.js';
import type { RoomResult } from './room.js';
import { benchRoom, busiestTask } from './room.js';
import { fmt, round, verdict } from './stats.js';
import type { SoakResult } from './soak.js';
import { benchSoak } from './soak.js';
import type { UploadsResult } from './uploads.js';
import type { TlsBenchResult } from './tls.js';
import { benchTls } from './tls.js';
import { benchUploads } from './uploads.js';

const TARGET_START_MS = 1500;
const TARGET_RATIO = 0.7;
const TARGET_LABS = 100;
const LATENCY_LIMIT_MS = 50;
const CAPACITY_STEPS = [10, 25, 50, 100, 150];
const CAPACITY_WINDOW_MS = 10_000;
/** Capacity steps are not started after this, to keep the whole run near 6 minutes. */
const CAPACITY_BUDGET_MS = 5 * 60_000;
const ROOM_CANDIDATES = 100;
const ROOM_WINDOW_MS = 30_000;
/** Candidates logging in and starting their lab at the same moment. */
const ROOM_CONCURRENCY = 10;
/** Below Linux's ephemeral ports (32768–60999), so no client socket can hold a lab's port. */
const ROOM_PORT_RANGE = { from: 10_000, to: 19_999 };

const PARTS = [
  'startup',
  'fanin',
  'tls',
  'capacity',
  'board',
  'grading',
  'app',
  'room',
  'uploads',
  'soak',
] as const;
/** Parts run only when named (the soak takes an hour). */
const ON_REQUEST: readonly PartName[] = ['soak'];
type PartName = (typeof PARTS)[number];
const chosen = process.argv.slice(2);
const unknownParts = chosen.filter((x) => !(PARTS as readonly string[]).includes(x));
if (unknownParts.length > 0) {
  process.stderr.write(
    `unknown benchmark part(s): ${unknownParts.join(', ')}; parts are ${PARTS.join(', ')}\n`,
  );
  process.exit(2);
}
const wanted = (name: PartName): boolean =>
  chosen.length === 0 ? !ON_REQUEST.includes(name) : chosen.includes(name);

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'cli', 'main.js');
const began = performance.now();
const out = (line = ''): void => void process.stdout.write(line + '\n');
const errors: string[] = [];

async function part<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    errors.push(`${name}: ${msg}`);
    out(`  FAILED: ${msg}`);
    return undefined;
  }
}

function loadAverage(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

function header(): void {
  const cpu = cpus();
  out(`iotlab benchmark — ${new Date().toISOString()}`);
  out(
    `  node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? '?'},` +
      ` load average ${loadAverage()}`,
  );
  if ((loadavg()[0] ?? 0) > 0.5)
    out('  NOTE: the machine is not idle (1-min load > 0.5): other work skews these figures');
}

function reportStartup(r: StartupResult): void {
  out(`  warm-up run                  ${fmt(r.warmupMs)} ms (not counted)`);
  out(`  runs                         ${r.runsMs.map((x) => fmt(x)).join(', ')} ms`);
  out(
    `  min / median / max          ${fmt(r.minMs)} / ${fmt(r.medianMs)} / ${fmt(r.maxMs)} ms` +
      `   target median < ${fmt(TARGET_START_MS)} ms: ${verdict(r.medianMs < TARGET_START_MS)}` +
      ` (max: ${verdict(r.maxMs < TARGET_START_MS)})`,
  );
  const unclean = r.exitCodes.filter((c) => c !== 0);
  out(
    unclean.length === 0
      ? '  every run exited 0 on SIGTERM (graceful stop)'
      : `  NOTE: exit after SIGTERM was not 0 in ${unclean.length} run(s): ${unclean.join(', ')}`,
  );
}

function reportRun(i: number, r: LoadResult): void {
  out(
    `  run ${i} ${r.broker.padEnd(9)} ${fmt(r.msgsPerSec).padStart(8)} msg/s received` +
      ` (offered ${fmt(r.offeredPerSec)})  ${fmt(r.received)}/${fmt(r.sent)}, lost ${fmt(r.lost)},` +
      ` in ${r.seconds.toFixed(2)} s  CPU broker ${fmt(r.brokerCpuPct)}%` +
      ` clients ${fmt(r.clientCpuPct)}%  broker RSS ${fmt(r.brokerRssKb / 1024)} MB` +
      (r.evidenceBytesPerMsg !== undefined ? `  evidence ${fmt(r.evidenceBytesPerMsg)} B/msg` : ''),
  );
}

function reportFanIn(r: FanInResult): void {
  out(
    `  median: iotlab ${fmt(r.iotlabMedian)} msg/s, mosquitto ${fmt(r.mosquittoMedian)} msg/s` +
      ` → ratio ours/mosquitto ${r.ratio.toFixed(2)}` +
      (r.qos === 0 ? `   target ≥ ${TARGET_RATIO}: ${verdict(r.ratio >= TARGET_RATIO)}` : ''),
  );
  const lost = r.runs.filter((x) => x.lost > 0);
  if (lost.length > 0)
    out(`  losses: ${lost.map((x) => `${x.broker} ${fmt(x.lost)}`).join(', ')} (QoS ${r.qos})`);
  if (lost.some((x) => x.broker === 'mosquitto'))
    out(
      '  note: mosquitto drops what a subscriber cannot take once that client’s queue is full' +
        ' (max_queued_messages, default 1000); aedes has no such limit and buffers instead',
    );
  const mosq = r.runs.filter((x) => x.broker === 'mosquitto');
  if (mosq.some((x) => x.clientCpuPct > 85))
    out(
      '  note: the load generator (mqtt.js, this process, one core) was saturated in mosquitto' +
        ' runs, so mosquitto’s figure is a lower bound and the ratio flatters us',
    );
  if (mosq.every((x) => x.brokerCpuPct < 60))
    out(
      '  note: mosquitto is far from saturated (CPU < 60%): its rate here is bounded by the' +
        ` clients’ ack round trips (${WINDOW_NOTE}); the ratio shows we keep pace with this load,` +
        ' not that we match mosquitto’s capacity',
    );
}

const WINDOW_NOTE = `each publisher awaits every ${PUBLISH_WINDOW}th publish`;

const COLUMNS: [string, number][] = [
  ['labs', 5],
  ['devices (MQTT)', 15],
  ['start s', 8],
  ['telemetry msg/s (nominal)', 26],
  ['latency p50/p99/max ms', 23],
  ['loop lag p99 ms', 16],
  ['child CPU', 10],
  ['subs CPU', 9],
  ['child RSS MB', 13],
  ['MB/lab', 7],
];

function row(cells: string[]): string {
  return '  ' + cells.map((c, i) => c.padStart(COLUMNS[i]?.[1] ?? 0)).join(' ');
}

function reportStep(s: CapacityStep): void {
  if (!s.started) {
    out(`  ${String(s.labs).padStart(5)}  FAILED: ${s.error ?? 'unknown'}`);
    return;
  }
  const ok = s.latencyMs.p99 <= LATENCY_LIMIT_MS;
  const pct = (100 * s.msgsPerSec) / s.expectedPerSec;
  out(
    row([
      String(s.labs),
      `${fmt(s.labs * s.devicesPerLab)} (${fmt(s.labs * s.mqttDevicesPerLab)})`,
      s.startS.toFixed(2),
      `${fmt(s.msgsPerSec)} (${fmt(s.expectedPerSec)}, ${fmt(pct)}%)`,
      `${fmt(s.latencyMs.p50)} / ${fmt(s.latencyMs.p99)} / ${fmt(s.latencyMs.max)}`,
      fmt(s.loopDelayMs.p99Ms, 1),
      `${fmt(s.childCpuPct)}%`,
      `${fmt(s.parentCpuPct)}%`,
      fmt(s.rssMb),
      fmt(s.rssPerLabMb, 2),
    ]) + (ok ? '' : `  p99 > ${LATENCY_LIMIT_MS} ms`),
  );
}

function reportCapacity(r: CapacityResult): void {
  if (r.skipped.length > 0)
    out(`  NOTE: time budget spent; steps not run: N = ${r.skipped.join(', ')}`);
  const last = r.steps.at(-1);
  const limitReached = last !== undefined && last.labs !== r.largestOk;
  out(
    `  largest N with p99 ≤ ${LATENCY_LIMIT_MS} ms: ${r.largestOk} labs` +
      ` (${fmt(r.largestOk * MQTT_DEVICES_PER_LAB)} devices publishing at 1 Hz)` +
      (limitReached ? '' : ' — the largest step tried; the limit was not reached') +
      `   target ≥ ${TARGET_LABS}: ${verdict(r.largestOk >= TARGET_LABS)}`,
  );
  const short = r.steps.filter((s) => s.started && s.msgsPerSec < 0.95 * s.expectedPerSec);
  if (short.length > 0)
    out(
      `  NOTE: delivered < 95% of the nominal rate at N = ${short.map((s) => s.labs).join(', ')}:` +
        ' timers fire late when the lab process is saturated, and ts is taken when the publish' +
        ' finally happens, so latency alone does not show that lag',
    );
  out(
    '  notes: the subscribers run in this benchmark process and share the 2 cores with the labs' +
      ' ("subs CPU"); CPU is % of one core; MB/lab = (child RSS − RSS before the first lab) / N;' +
      ' latency compares two processes’ wall clocks at 1 ms resolution (ts is whole ms);' +
      ' loop lag = the labs process’s event-loop delay (monitorEventLoopDelay) in the window.',
  );
}

function summary(
  startup: StartupResult | undefined,
  fanIn: FanInResult[],
  capacity: CapacityResult | undefined,
): Record<string, unknown> {
  return {
    bench: 'iotlab',
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    seconds: round((performance.now() - began) / 1000),
    startup: startup && {
      minMs: round(startup.minMs),
      medianMs: round(startup.medianMs),
      maxMs: round(startup.maxMs),
      runsMs: startup.runsMs.map((x) => round(x)),
      targetMs: TARGET_START_MS,
      met: startup.medianMs < TARGET_START_MS,
    },
    fanIn: fanIn.map((f) => ({
      qos: f.qos,
      publishers: f.options.publishers,
      messagesEach: f.options.messages,
      iotlabMsgsPerSec: round(f.iotlabMedian, 0),
      mosquittoMsgsPerSec: round(f.mosquittoMedian, 0),
      ratio: round(f.ratio, 3),
      lost: f.runs.reduce((a, r) => a + r.lost, 0),
      runs: f.runs.map((r) => ({
        broker: r.broker,
        msgsPerSec: round(r.msgsPerSec, 0),
        lost: r.lost,
        brokerCpuPct: round(r.brokerCpuPct, 0),
        clientCpuPct: round(r.clientCpuPct, 0),
        offeredPerSec: round(r.offeredPerSec, 0),
        ...(r.evidenceBytesPerMsg !== undefined
          ? { evidenceBytesPerMsg: round(r.evidenceBytesPerMsg, 0) }
          : {}),
      })),
      ...(f.qos === 0 ? { target: TARGET_RATIO, met: f.ratio >= TARGET_RATIO } : {}),
    })),
    capacity: capacity && {
      largestLabs: capacity.largestOk,
      latencyLimitMs: capacity.latencyLimitMs,
      target: TARGET_LABS,
      met: capacity.largestOk >= TARGET_LABS,
      limitReached: capacity.steps.at(-1)?.labs !== capacity.largestOk,
      skipped: capacity.skipped,
      steps: capacity.steps.map((s) => ({
        labs: s.labs,
        started: s.started,
        ...(s.error ? { error: s.error } : {}),
        msgsPerSec: round(s.msgsPerSec, 0),
        expectedPerSec: s.expectedPerSec,
        p50Ms: s.latencyMs.p50,
        p99Ms: s.latencyMs.p99,
        maxMs: s.latencyMs.max,
        loopLagP99Ms: round(s.loopDelayMs.p99Ms, 1),
        childCpuPct: round(s.childCpuPct, 0),
        subscribersCpuPct: round(s.parentCpuPct, 0),
        rssMb: round(s.rssMb, 0),
        rssPerLabMb: round(s.rssPerLabMb, 2),
        startS: round(s.startS, 2),
      })),
    },
    errors,
  };
}

function figure(label: string, value: string): void {
  out(`  ${label.padEnd(55)} ${value}`);
}

function reportRoom(r: RoomResult): void {
  const n = r.candidates;
  const ms = (s: { p50: number; p99: number; max: number }, d = 0): string =>
    `${fmt(s.p50, d)} / ${fmt(s.p99, d)} / ${fmt(s.max, d)} ms`;
  figure(`session create (${n} scrypt hashes) + start`, `${fmt(r.createMs)} ms`);
  figure(
    `${n} candidates: log in, start the task, card, MQTT sub`,
    `${(r.roomStartMs / 1000).toFixed(1)} s (${ROOM_CONCURRENCY} at a time)`,
  );
  figure(
    "labs running with a client connected (server's count)",
    `${r.connected}/${n}   all: ${verdict(r.connected === n)}`,
  );
  figure(
    'devices per lab (publishing at 1 Hz)',
    `${r.devicesPerLab} (${r.mqttDevicesPerLab}) → ${fmt(n * r.devicesPerLab)} devices in the room`,
  );
  figure(
    `telemetry delivered in ${r.windowS.toFixed(1)} s`,
    `${fmt(r.msgsPerSec)} msg/s of nominal ${fmt(r.nominalPerSec)}; silent at the end:` +
      ` ${r.silentDevices} device(s) (the task gives ~1 lab in 4 an "offline" fault)`,
  );
  figure(
    'latency publish → delivery p50 / p99 / max',
    `${ms(r.latencyMs)}   p99 ≤ ${LATENCY_LIMIT_MS} ms: ${verdict(r.latencyMs.p99 <= LATENCY_LIMIT_MS)}`,
  );
  figure('GET /api/health meanwhile p50 / p99 / max', ms(r.healthMs, 1));
  figure(
    'serve CPU mean / max of 1 s samples',
    `${fmt(r.serverCpuPct, 1)}% / ${fmt(r.serverCpuMaxPct)}%   (load generator ${fmt(r.generatorCpuPct, 1)}%)`,
  );
  figure(
    'serve RSS idle → end of window (max)',
    `${fmt(r.rssIdleMb)} → ${fmt(r.rssMb)} MB (${fmt(r.rssMaxMb)}), ${fmt(r.rssPerCandidateMb, 2)} MB/candidate`,
  );
  figure(
    `stop session: ${n} labs stopped, attempts graded`,
    `${fmt(r.stopMs)} ms (${fmt(r.stopCpuS, 2)} CPU s); graded ${r.graded}/${n}: ${verdict(r.graded === n)}`,
  );
  figure(
    'regrade preview of the room from evidence',
    `${fmt(r.regradeMs)} ms (${r.regraded} attempts)`,
  );
  if (r.windowS < r.windowWantedS - 0.5)
    out(
      `  NOTE: window shortened to ${r.windowS.toFixed(1)} s: the first lab's attempt ends at the` +
        ' task time limit, and the room took long to start',
    );
  out(
    '  notes: a lab runs one task at a time, so "a full paper" is every candidate on the busiest' +
      ' task; the subscribers (one per candidate, with their own card’s login) run in this process;' +
      ' CPU is % of one core; MB/candidate = (RSS at the window’s end − RSS when serve first' +
      ` listened) / N; latency compares two processes’ wall clocks at 1 ms resolution; load average` +
      ` in the window ${r.loadAverage.map((x) => x.toFixed(2)).join(' ')}.`,
  );
}

function roomSummary(r: RoomResult): Record<string, unknown> {
  return {
    candidates: r.candidates,
    paper: r.paper,
    task: r.task,
    devicesPerLab: r.devicesPerLab,
    mqttDevicesPerLab: r.mqttDevicesPerLab,
    createMs: round(r.createMs, 0),
    roomStartS: round(r.roomStartMs / 1000, 1),
    connected: r.connected,
    windowS: round(r.windowS, 1),
    msgsPerSec: round(r.msgsPerSec, 0),
    nominalPerSec: r.nominalPerSec,
    silentDevices: r.silentDevices,
    p50Ms: r.latencyMs.p50,
    p99Ms: r.latencyMs.p99,
    maxMs: r.latencyMs.max,
    healthP99Ms: round(r.healthMs.p99, 1),
    serverCpuPct: round(r.serverCpuPct, 1),
    serverCpuMaxPct: round(r.serverCpuMaxPct, 0),
    generatorCpuPct: round(r.generatorCpuPct, 1),
    rssIdleMb: round(r.rssIdleMb, 0),
    rssMb: round(r.rssMb, 0),
    rssMaxMb: round(r.rssMaxMb, 0),
    rssPerCandidateMb: round(r.rssPerCandidateMb, 2),
    loadAverage: r.loadAverage.map((x) => round(x, 2)),
    stopMs: round(r.stopMs, 0),
    stopCpuS: round(r.stopCpuS, 2),
    graded: r.graded,
    regradeMs: round(r.regradeMs, 0),
    latencyLimitMs: LATENCY_LIMIT_MS,
    met:
      r.latencyMs.p99 <= LATENCY_LIMIT_MS &&
      r.connected === r.candidates &&
      r.graded === r.candidates,
  };
}

header();

let startup: StartupResult | undefined;
if (wanted('startup')) {
  out();
  out('== 1. iotlab start → lab card written (spawn to valid JSON; 1 warm-up + 5 runs) ==');
  startup = await part('startup', () => benchStartup(bin, 5));
  if (startup) reportStartup(startup);
}

const fanIn: FanInResult[] = [];
const loads: LoadOptions[] = [
  { publishers: 8, messages: 20_000, warmup: 500, qos: 0 },
  { publishers: 8, messages: 4000, warmup: 200, qos: 1 },
];
for (const o of wanted('fanin') ? loads : []) {
  out();
  out(
    `== 2. Broker fan-in, QoS ${o.qos}: ${o.publishers} publishers × ${fmt(o.messages)} msgs` +
      ` (~100 B JSON, own topic each) → 1 subscriber on bench/#; iotlab = aedes + evidence file ==`,
  );
  let i = 0;
  const r = await part(`fan-in QoS ${o.qos}`, () => benchFanIn(o, 3, (x) => reportRun(++i, x)));
  if (r) {
    fanIn.push(r);
    reportFanIn(r);
  }
}

let tls: TlsBenchResult | undefined;
if (wanted('tls')) {
  const o = {
    connections: 400,
    concurrency: 8,
    load: { publishers: 8, messages: 8000, warmup: 300, qos: 0 as const },
    rounds: 2,
  };
  out();
  out(
    `== 2b. MQTT over TLS, iotlab against mosquitto's TLS listener (same CA-issued certificate,` +
      ` clients verify it): ${o.connections} logins (${o.concurrency} at a time) per run;` +
      ` fan-in ${o.load.publishers} × ${fmt(o.load.messages)} msgs QoS 0 over TLS ==`,
  );
  let i = 0;
  tls = await part('tls', () =>
    benchTls(
      o,
      (r) =>
        out(
          `  setup  ${r.broker.padEnd(9)} ${fmt(r.perSec).padStart(6)} TLS logins/s` +
            ` (${r.connections} in ${r.seconds.toFixed(2)} s, ${r.failed} failed)  CPU broker ${fmt(r.brokerCpuPct)}% clients ${fmt(r.clientCpuPct)}%`,
        ),
      (r) => reportRun(++i, r),
    ),
  );
  if (tls) {
    const m = tls;
    const ratio = (x: Record<'iotlab' | 'mosquitto', number>) => x.iotlab / x.mosquitto;
    out(
      `  median setup: iotlab ${fmt(m.setupMedian.iotlab)}/s, mosquitto ${fmt(m.setupMedian.mosquitto)}/s` +
        ` → ratio ${ratio(m.setupMedian).toFixed(2)}`,
    );
    out(
      `  median fan-in over TLS: iotlab ${fmt(m.fanInMedian.iotlab)} msg/s, mosquitto ${fmt(m.fanInMedian.mosquitto)} msg/s` +
        ` → ratio ${ratio(m.fanInMedian).toFixed(2)}`,
    );
  }
}

let capacity: CapacityResult | undefined;
if (wanted('capacity')) {
  out();
  out(
    `== 3. Lab capacity: N labs in one process, ${MQTT_DEVICES_PER_LAB} MQTT devices each at 1 Hz;` +
      ` ${CAPACITY_WINDOW_MS / 1000} s window per step ==`,
  );
  out(row(COLUMNS.map(([name]) => name)));
  capacity = await part('capacity', () =>
    benchCapacity(
      CAPACITY_STEPS,
      CAPACITY_WINDOW_MS,
      LATENCY_LIMIT_MS,
      reportStep,
      () => performance.now() - began < CAPACITY_BUDGET_MS,
    ),
  );
  if (capacity) reportCapacity(capacity);
}

let board: BoardBenchRow[] | undefined;
if (wanted('board')) {
  out();
  out('== 4. Board round trips from the C HAL (one client, in-process greenhouse lab) ==');
  board = await part('board', () =>
    benchBoard((r: BoardBenchRow) =>
      out(
        `  ${r.op === 'millis' ? 'MILLIS (no bus time)      ' : `I2C 6-byte read @ ${fmt(r.i2cHz / 1000)} kHz`}` +
          `  ${fmt(r.perSecond)} round trips/s, ${fmt(r.usPerTrip)} µs each` +
          (r.busUs > 0 ? ` (simulated bus time ${fmt(r.busUs)} µs)` : ''),
      ),
    ),
  );
}

let grading: GradingBench | undefined;
if (wanted('grading')) {
  out();
  out('== 5. Grading throughput: an hour of a 20-device lab, read, chain-verified and graded ==');
  grading = await part('grading', () => Promise.resolve(benchGrading(3600)));
  if (grading)
    out(
      `  ${grading.events} events: read ${fmt(grading.readMs)} ms + grade ${fmt(grading.gradeMs)} ms` +
        ` = ${grading.eventsPerSecond} events/s; target < 2000 ms: ${verdict(grading.readMs + grading.gradeMs < 2000)}`,
    );
}

let app: AppBench | undefined;
if (wanted('app')) {
  out();
  out('== 5b. Web app grading: iotlab check l1-app-mobile --app <reference>, headless Chromium ==');
  app = await part('app', () => benchApp(bin, [2, 4]));
  if (app) {
    const a = app;
    const s = (r: { ms: number; score: number | null }) =>
      `${(r.ms / 1000).toFixed(1)} s (score ${String(r.score)})`;
    figure(
      `one grading, start to report (task ${a.taskS} s)`,
      `${s(a.single)}; overhead ${((a.single.ms - a.taskS * 1000) / 1000).toFixed(1)} s`,
    );
    for (const p of a.parallel) figure(`${p.at} at once`, p.runs.map(s).join(', '));
    figure('gradings at once that all scored 100', String(a.parallelOk));
  }
}

let room: RoomResult | undefined;
if (wanted('room')) {
  const busiest = busiestTask();
  out();
  out(
    `== 6. Exam room: one \`iotlab serve\` (child process) with ${ROOM_CANDIDATES} candidates,` +
      ` each running task ${busiest.task} of ${busiest.paper} (${busiest.devices} MQTT devices at` +
      ` 1 Hz); ${ROOM_WINDOW_MS / 1000} s window, then the session is stopped (and graded) ==`,
  );
  room = await part('room', () =>
    benchRoom({
      bin,
      candidates: ROOM_CANDIDATES,
      windowMs: ROOM_WINDOW_MS,
      warmupMs: 2000,
      paper: busiest.paper,
      task: busiest.task,
      portRange: ROOM_PORT_RANGE,
      concurrency: ROOM_CONCURRENCY,
      log: (line) => out(`  … ${line}`),
    }),
  );
  if (room) reportRoom(room);
}

let uploads: UploadsResult | undefined;
if (wanted('uploads')) {
  out();
  out('== 7. Uploads: 20 candidates hand in 15 MiB each at once to one `iotlab serve` ==');
  uploads = await part('uploads', () =>
    benchUploads({
      bin,
      candidates: 20,
      mib: 15,
      portRange: ROOM_PORT_RANGE,
      log: (line) => out(`  … ${line}`),
    }),
  );
  if (uploads) {
    const u = uploads;
    const inFlight = u.candidates * u.mib;
    out(
      `  ${u.ok}/${u.candidates} uploads stored in ${u.seconds} s; RSS before ${u.rssBeforeMb} MB,` +
        ` highest ${u.rssMaxMb} MB, after ${u.rssAfterMb} MB: +${u.rssMaxMb - u.rssBeforeMb} MB for` +
        ` ${inFlight} MiB in flight ${verdict(u.ok === u.candidates && u.rssMaxMb - u.rssBeforeMb < inFlight / 2)}`,
    );
  }
}

let soak: SoakResult | undefined;
if (wanted('soak')) {
  const minutes = Number(process.env.IOTLAB_SOAK_MINUTES ?? 60);
  out();
  out(
    `== 8. Soak: one \`iotlab serve\` for ${minutes} min with 1,000 MQTT connections, an Observe` +
      ' flood and a publish flood; mosquitto side by side with the same connections and flood ==',
  );
  soak = await part('soak', () =>
    benchSoak({
      bin,
      minutes,
      portRange: ROOM_PORT_RANGE,
      log: (line) => out(`  … ${line}`),
    }),
  );
  if (soak) {
    const s = soak;
    out(
      `  RSS after warm-up ${s.rssWarmMb} MB, highest ${s.rssMaxMb} MB, at the end ${s.rssEndMb} MB` +
        ` (single samples: ${s.growthPct} %)`,
    );
    out(
      `  medians of the ${s.windowMin} min after warm-up and of the last ${s.windowMin} min: RSS ${s.rssWarmMedianMb} → ${s.rssEndMedianMb} MB,` +
        ` growth ${s.medianGrowthPct} % (target < 10 %) ${verdict(s.medianGrowthPct < 10)};` +
        ` JS heap in use ${s.heapWarmMb} → ${s.heapEndMb} MB (${s.heapGrowthPct} %), held ${s.heapTotalWarmMb} → ${s.heapTotalEndMb} MB`,
    );
    out(
      `  mosquitto with the same ${s.connections} connections and flood: RSS ${s.mosquittoRssMb} MB` +
        ` (ours ${round(s.rssEndMb / s.mosquittoRssMb)}×)`,
    );
    out(
      `  ${s.observeDatagrams} observe datagrams; ${s.floodAcked} publishes acknowledged,` +
        ` ${s.floodInEvidence} kept in evidence + ${s.countedPastQuota} counted past the hard quota` +
        ` (${s.filesPastQuota} files reached it; lab.stop's droppedPastQuota), ${s.otherPublishes} other publishes` +
        ` ${verdict(s.otherPublishes === 0 && s.floodInEvidence + s.countedPastQuota >= s.floodAcked)};` +
        ` ${s.evidenceFiles} evidence files, chain problems: ${s.evidenceProblems.length === 0 ? 'none' : s.evidenceProblems.join('; ')}`,
    );
  }
}

out();
out(
  `total ${((performance.now() - began) / 1000).toFixed(1)} s; load average now ${loadAverage()}`,
);
out(
  JSON.stringify({
    ...summary(startup, fanIn, capacity),
    tls: tls && {
      setupPerSec: {
        iotlab: round(tls.setupMedian.iotlab, 0),
        mosquitto: round(tls.setupMedian.mosquitto, 0),
        ratio: round(tls.setupMedian.iotlab / tls.setupMedian.mosquitto, 3),
      },
      fanInMsgsPerSec: {
        iotlab: round(tls.fanInMedian.iotlab, 0),
        mosquitto: round(tls.fanInMedian.mosquitto, 0),
        ratio: round(tls.fanInMedian.iotlab / tls.fanInMedian.mosquitto, 3),
      },
      lost: tls.fanIn.reduce((a, r) => a + r.lost, 0),
    },
    board: board?.map((r) => ({ op: r.op, i2cHz: r.i2cHz, perSecond: round(r.perSecond) })),
    grading,
    app,
    room: room && roomSummary(room),
    uploads,
    soak,
  }),
);
process.exitCode = errors.length > 0 ? 1 : 0;
