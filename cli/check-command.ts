/**
 * `iotlab check ID -- CMD ARGS…`: start the task's lab, run the candidate's program with the lab
 * card in its environment (DESIGN.md: IOTLAB_CARD, IOTLAB_MQTT_URL, …), stop when the task's time
 * is up (or the program ends), grade the evidence and print the report. Exit 0 passed, 1 not
 * passed, 2 usage (e.g. the program cannot be started).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { readEvidenceText } from '../grader/evidence-file.js';
import { grade } from '../grader/grade.js';
import type { Task } from '../grader/types.js';
import { cardEnv } from '../simulator/card.js';
import { RealClock } from '../core/clock.js';
import { LabError } from '../core/errors.js';
import { createLab } from '../simulator/lab.js';
import type { Lab } from '../simulator/lab.js';
import type { LabCard } from '../simulator/card.js';
import { silentLogger } from '../core/logger.js';
import { launchAppBrowser, runAppScript } from '../tasks/app-run.js';
import type { Browser } from 'playwright-core';
import { validateScenario } from '../simulator/scenario.js';
import { taskHash } from '../tasks/bank.js';
import { captureForTask } from '../tasks/capture.js';
import { handinRecords } from '../tasks/handin.js';
import { prepareWorkdir } from '../tasks/prepare.js';
import { renderCardText, renderEnvLines } from './card-text.js';
import type { CliIo } from './program.js';
import { reportExit, writeReport } from './report-out.js';
import type { ReportFormat } from './report-out.js';

export interface CheckOptions {
  seed: number;
  duration?: number;
  speed: number;
  evidence?: string;
  format: ReportFormat;
  lang: 'zh' | 'en';
  out?: string;
  /** A web app task: the folder of the candidate's app (in place of a program). */
  app?: string;
  /** Files to hand in, `ITEM=FILE` (tasks with hand-ins: tasks/handin.ts). */
  handin?: string[];
}

/** `ITEM=FILE` options as a map, each item one the task takes. */
export function handinFiles(task: Task, specs: readonly string[]): Map<string, { path: string }> {
  const items = (task.handIn ?? []).map((h) => h.id);
  const out = new Map<string, { path: string }>();
  for (const s of specs) {
    const eq = s.indexOf('=');
    const item = s.slice(0, eq);
    if (eq <= 0 || eq === s.length - 1)
      throw new LabError('USAGE', `--handin takes ITEM=FILE, not "${s}" / 格式应为 ITEM=FILE`);
    if (!items.includes(item))
      throw new LabError(
        'USAGE',
        items.length > 0
          ? `task ${task.id} takes no hand-in "${item}" (it takes ${items.join(', ')}) / 本题没有该提交项`
          : `task ${task.id} takes no hand-ins / 本题不需要提交文件`,
      );
    const path = resolve(s.slice(eq + 1));
    if (!existsSync(path)) throw new LabError('USAGE', `no file ${path} / 文件不存在`);
    out.set(item, { path });
  }
  return out;
}

export async function checkCommand(
  task: Task,
  command: readonly string[],
  opts: CheckOptions,
  io: CliIo,
): Promise<number> {
  const [program, ...args] = command;
  const appDir = opts.app === undefined ? undefined : checkAppOption(task, opts.app, command);
  const handins = handinFiles(task, opts.handin ?? []);
  // A task of hand-ins only (documents for examiners) needs no program: the files are the work.
  const handInOnly = program === undefined && appDir === undefined && !!task.handIn?.length;
  if (program === undefined && appDir === undefined && !handInOnly)
    throw new LabError('USAGE', 'give the program to run after --');
  const dir = mkdtempSync(join(tmpdir(), `iotlab-check-${task.id}-`));
  const evidencePath = resolve(opts.evidence ?? join(dir, 'evidence.jsonl'));
  // Files the lab provides (a task's seeded database) are in place before the program starts.
  const provided = prepareWorkdir(task, opts.seed, dir);
  const scenario = validateScenario(task.scenario(task.params(opts.seed)), `task ${task.id}`);
  // The browser starts beside the lab, so its start is not taken from the page's time.
  const browser = appDir === undefined ? undefined : launchAppBrowser();
  browser?.catch(() => undefined); // a failed launch is recorded by the run, as evidence
  const lab = createLab(scenario, {
    seed: opts.seed,
    clock: new RealClock({ speed: opts.speed }),
    evidencePath,
    // A web app reaches the lab over MQTT on WebSocket (the card's mqtt.wsUrl).
    ports: { mqtt: 0, ws: appDir === undefined ? null : 0, coap: 0, modbus: 0 },
    serial: { basePort: 0 },
  });
  let card: LabCard;
  try {
    card = await lab.start();
  } catch (err) {
    await browser?.then((b) => b.close()).catch(() => undefined);
    throw err;
  }
  const cardPath = join(dir, 'card.json');
  writeFileSync(cardPath, JSON.stringify(card, null, 2));
  // IOTLAB_WORKDIR: where a task's files go (e.g. a SQLite database), captured at the end.
  const env = { ...cardEnv(card, cardPath), IOTLAB_WORKDIR: dir };
  // The card the program gets, before it runs: the ports are new each time (docs/card.md).
  io.stderr(
    `${renderCardText(card)}\n\n实验卡文件 card file (IOTLAB_CARD): ${cardPath}\n` +
      `程序的环境变量 the program's environment (docs/card.md):\n${renderEnvLines(env)}\n`,
  );
  const durationMs = ((opts.duration ?? task.timeLimitS) * 1000) / opts.speed + 500 / opts.speed;
  if (appDir !== undefined) {
    io.stderr(
      `iotlab check ${task.id}: lab up (seed ${opts.seed}); opening the app in ${appDir}\n`,
    );
    await runApp(task, appDir, durationMs, { lab, card, dir, opts, io, browser });
    await lab.stop('task time elapsed');
    return gradeRun(task, evidencePath, opts, io);
  }
  if (handInOnly) {
    io.stderr(
      `iotlab check ${task.id}: lab up (seed ${opts.seed}); handing in ${[...handins.keys()].join(', ') || 'nothing'}\n`,
    );
    for (const h of await handinRecords(task, handins)) lab.recorder.record('handin', h);
    await lab.stop('handed in');
    return gradeRun(task, evidencePath, opts, io);
  }
  io.stderr(`iotlab check ${task.id}: lab up (seed ${opts.seed}); running ${command.join(' ')}\n`);
  if (provided.length > 0)
    io.stderr(`work folder (IOTLAB_WORKDIR): ${dir}; the lab's files: ${provided.join(', ')}\n`);

  const child = spawn(program!, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that ending it ends what it started too (a shell script's
    // `coap-client -s 3600` would otherwise outlive the check and hold its output open).
    detached: true,
  });
  child.stdout.on('data', (b: Buffer) => io.stderr(b.toString()));
  child.stderr.on('data', (b: Buffer) => io.stderr(b.toString()));
  const outcome = await new Promise<
    { kind: 'exit'; code: number | null } | { kind: 'time' } | { kind: 'error'; err: Error }
  >((done) => {
    const timer = setTimeout(() => done({ kind: 'time' }), durationMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      done({ kind: 'error', err });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ kind: 'exit', code });
    });
    io.signal?.addEventListener('abort', () => done({ kind: 'time' }), { once: true });
  });
  await endGroup(child);
  // What the program sent last is still on its way through the broker: aedes acknowledges a QoS 1
  // publish before it publishes it, so a program that publishes and exits at once (mosquitto_pub)
  // has its PUBACK while the lab has not yet seen the message. Stopping now would lose it.
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  // Files the program left (a task's SQLite database) become evidence before the lab stops.
  const captured = outcome.kind === 'error' ? undefined : captureForTask(task, opts.seed, dir);
  if (captured) lab.recorder.record('capture', captured);
  for (const h of await handinRecords(task, handins)) lab.recorder.record('handin', h);
  await lab.stop(
    outcome.kind === 'time'
      ? 'task time elapsed'
      : outcome.kind === 'exit'
        ? `the candidate's program ended before the time was up (exit code ${String(outcome.code)}); only what it did until then is graded`
        : `the candidate's program could not be started`,
  );
  if (outcome.kind === 'error')
    throw new LabError('USAGE', `cannot start ${program!}: ${outcome.err.message}`);
  if (outcome.kind === 'exit')
    io.stderr(
      `your program ended (exit code ${String(outcome.code)}) before the time was up; it is graded on what the evidence shows / 程序提前结束，按已有证据评分\n`,
    );
  return gradeRun(task, evidencePath, opts, io);
}

function gradeRun(task: Task, evidencePath: string, opts: CheckOptions, io: CliIo): number {
  const file = readEvidenceText(readFileSync(evidencePath, 'utf8'));
  const report = grade(task, opts.seed, { evidence: file, taskHash: taskHash(task) });
  writeReport(report, opts.format, opts.lang, io, opts.out, file.events);
  io.stderr(`evidence: ${evidencePath}\n`);
  return reportExit(report);
}

/** The app folder of `--app`, checked: an app task, no program beside it, a folder. */
export function checkAppOption(task: Task, app: string, command: readonly string[]): string {
  if (!task.app)
    throw new LabError('USAGE', `task ${task.id} takes a program, not --app (it has no web app)`);
  if (command.length > 0)
    throw new LabError('USAGE', 'give either --app DIR or a program after --, not both');
  const dir = resolve(app);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new LabError('USAGE', `--app ${app}: no such folder (the app's static files)`);
  return dir;
}

/**
 * Plays the task's app script against the app (tasks/app-run.ts) until it ends or the time is
 * up, then waits out the task's time; screenshots go beside the evidence.
 */
async function runApp(
  task: Task,
  appDir: string,
  durationMs: number,
  run: {
    lab: Lab;
    card: LabCard;
    dir: string;
    opts: CheckOptions;
    io: CliIo;
    browser: Promise<Browser> | undefined;
  },
): Promise<void> {
  const { lab, card, opts, io } = run;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), durationMs);
  io.signal?.addEventListener('abort', () => abort.abort(), { once: true });
  const shots = dirname(resolve(opts.evidence ?? join(run.dir, 'evidence.jsonl')));
  try {
    await runAppScript({
      task,
      seed: opts.seed,
      appDir,
      card,
      clock: lab.clock,
      speed: opts.speed,
      record: lab.recorder.record,
      outDir: shots,
      logger: silentLogger,
      signal: abort.signal,
      ...(run.browser ? { browser: run.browser } : {}),
    });
    if (!abort.signal.aborted)
      await new Promise<void>((r) =>
        abort.signal.addEventListener('abort', () => r(), { once: true }),
      );
  } finally {
    clearTimeout(timer);
  }
  io.stderr(`screenshots: ${shots}\n`);
}

/** How long the lab keeps running after the program ends, for what it sent last (real time). */
export const SETTLE_MS = 250;

/** How long a program has after SIGTERM before its process group is killed. */
export const GRACE_MS = 2000;

/**
 * Ends the program's process group: SIGTERM to every process in it, SIGKILL to what is left after
 * GRACE_MS. Returns once the program itself has exited (its children are signalled, not awaited,
 * so one that ignores SIGTERM cannot hold the check past the grace period).
 */
async function endGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => child.once('exit', () => r()));
  signalGroup('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((r) => (timer = setTimeout(r, GRACE_MS)));
  await Promise.race([exited, grace]);
  // Whatever the program left running in its group (even if the program itself has exited).
  await Promise.race([groupGone(pid), grace]);
  clearTimeout(timer);
  signalGroup('SIGKILL');
  await exited;
}

/** Resolves when no process of the group is left (polled: there is no event for it). */
async function groupGone(pgid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
