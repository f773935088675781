/**
 * The labs of running sessions, all on one shared MQTT broker (protocols/mqtt/broker.ts).
 *
 * One lab per candidate per task, in sequence: a candidate starts a task of the paper when ready
 * (one attempt per task), their lab then runs that task's scenario with the candidate's derived
 * seed, topic prefix and block of ports, and records evidence to its own file
 * `evidence/<session>/<candidate>/<task>.jsonl`. The attempt ends when the task's time is up,
 * when the candidate finishes, or when the session stops; it is then graded by the real grader
 * and the report stored. Why in sequence: a task's grade is measured from its lab.start over its
 * time limit, and one MQTT login per candidate maps to one lab at a time.
 * A restarted server resumes every running attempt with the same seed, ports and evidence file.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { readEvidenceText } from '../grader/evidence-file.js';
import { dirname, join } from 'node:path';
import { RealClock } from '../core/clock.js';
import type { LabCard } from '../simulator/card.js';
import { LabError } from '../core/errors.js';
import { EvidenceRecorder } from '../core/evidence.js';
import type { Lab } from '../simulator/lab.js';
import { createLab } from '../simulator/lab.js';
import type { Logger } from '../core/logger.js';
import type { Task } from '../grader/types.js';
import type { MqttBroker } from '../protocols/mqtt/broker.js';
import type { Broker } from '../protocols/mqtt/broker.js';
import { createBroker } from '../protocols/mqtt/broker.js';
import type { LabTls } from '../protocols/tls/ca.js';
import { createLabTls } from '../protocols/tls/ca.js';
import type { Quota } from '../core/evidence.js';
import { getTask } from '../tasks/bank.js';
import { validateScenario } from '../simulator/scenario.js';
import { captureForTask, captureRequestFor } from '../tasks/capture.js';
import { preparedFiles, prepareWorkdir } from '../tasks/prepare.js';
import { candidatePassword } from './derive.js';
import type { Grader } from './grading.js';
import { Grades } from './grades.js';
import { verifyPassword } from './passwords.js';
import type { CandidateRow, Store } from './store.js';
import { normaliseIp } from './integrity.js';
import { runPolicy } from './papers.js';
import { writeHandinEvidence } from './handins.js';
import { storedApp } from './app-upload.js';
import type { Browser } from 'playwright-core';
import { launchAppBrowser, runAppScript } from '../tasks/app-run.js';
import { defaultPublicHost, withPublicHost } from './public-host.js';

export type CandidateCard = Omit<LabCard, 'lab' | 'evidence'> & {
  lab: Omit<LabCard['lab'], 'seed'>;
};

export interface RuntimeOptions {
  host: string;
  mqttPort: number;
  /** undefined = no MQTT over WebSocket. */
  wsPort?: number;
  /**
   * MQTT over TLS on `port` (and secure WebSocket on `wssPort`), with the exam server's own CA
   * kept in `<data>/tls/` (keys mode 0600, kept across restarts so a downloaded CA stays good).
   * undefined = no TLS.
   */
  tls?: { port: number; wssPort?: number; handshakeTimeoutMs?: number };
  logger: Logger;
  grader: Grader;
  /** The host cards name (default: see public-host.ts). */
  publicHost?: string;
  /**
   * Whether loopback peers pass a seat lock (default true: on a real exam server loopback is the
   * server itself). Tests, whose every client is on loopback, turn it off.
   */
  trustLoopback?: boolean;
  /**
   * How many times faster than the wall the labs' clocks run (default 1). Only tests change it,
   * to run whole sessions of reference programs in seconds; an exam runs in real time.
   */
  labSpeed?: number;
  /** What one run's evidence file may take (default EVIDENCE_QUOTA, core/evidence.ts). */
  evidenceQuota?: Quota;
}

interface Running {
  taskId: string;
  /**
   * `graded`: an attempt, ended at the task's time limit and graded. `workstation`: the same lab
   * (seed, card) for the candidate to develop against, ungraded, until they start a graded run,
   * close it, or the session's window ends; its evidence is kept apart.
   */
  mode: 'graded' | 'workstation';
  lab: Lab;
  timer: NodeJS.Timeout;
  /** Wall-clock ms when the task's own time limit is up. */
  taskEndsAt: number;
  /** The candidate's view of the shared broker (for their connection count). */
  mqtt?: MqttBroker;
  /** A web app task's graded run: the browser playing the task's script against the app. */
  app?: { abort: AbortController; done: Promise<void> };
}

export interface AttemptFiles {
  task: string;
  /** Files the task provides for the candidate to download; size null = not there. */
  provided: { name: string; size: number | null }[];
  /** The file the candidate hands in (captured when the attempt ends), if the task has one. */
  upload: { name: string; size: number | null } | null;
}

/** The file a task captures at the end (a SQLite database), if any. */
export function captureFile(task: Task, seed: number): string | undefined {
  return captureRequestFor(task, seed)?.sqlite.file;
}

/** Keeps a failed start's evidence (its `lab.stop "start failed"`) beside the attempt's file. */
function setAside(path: string): void {
  if (!existsSync(path) || !statSync(path).isFile()) return;
  renameSync(path, path.replace(/\.jsonl$/, `.start-failed-${Date.now()}.jsonl`));
}

/** The last on/off state of each actuator in an evidence file (what a resumed lab restores). */
function lastActuatorStates(path: string): Map<string, boolean> {
  const states = new Map<string, boolean>();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return states;
  }
  for (const e of readEvidenceText(text).events) {
    const on = (e.values as Record<string, unknown> | undefined)?.on;
    if (e.kind === 'device.state' && typeof e.device === 'string' && typeof on === 'boolean')
      states.set(e.device, on);
  }
  return states;
}

export type RuntimeEvent = { sessionId: string; candidateId: string; what: string };

export class SessionRuntime {
  readonly grades: Grades;
  private broker: Broker | undefined;
  private tls: LabTls | undefined;
  private unrouted: EvidenceRecorder | undefined;
  private readonly sessions = new Set<string>();
  /** key `${session}/${candidate}` → the lab of the task being attempted. */
  private readonly running = new Map<string, Running>();
  private readonly listeners = new Set<(e: RuntimeEvent) => void>();
  /**
   * One headless Chromium for every web app run of this server, each run in its own context
   * (cookies, storage and pages apart): launched at the first run, again after it goes away.
   * A browser per run cost a second's launch and its own processes per candidate.
   */
  private appBrowser: Promise<Browser> | undefined;

  constructor(
    private readonly store: Store,
    private readonly opts: RuntimeOptions,
  ) {
    this.grades = new Grades(store);
  }

  /** The exam server's CA certificate (PEM) when it runs TLS. */
  get caPem(): string | undefined {
    return this.tls?.caPem;
  }

  /** The server certificate the CA issued for the bind and public hosts (`serve --https`). */
  get serverCertificate(): { cert: string; key: string } | undefined {
    return this.tls ? { cert: this.tls.serverCertPem, key: this.tls.serverKey } : undefined;
  }

  /**
   * The candidate's client certificate (mutual TLS: its CN is their broker login, which logs
   * them in without a password) and its key, issued by the server's CA on first ask and kept in
   * `<data>/tls/clients/<session>/` (key mode 0600) so that every download is the same pair.
   * Undefined when the server runs no TLS. The key goes to the candidate only: never to
   * evidence, logs or reports.
   */
  async clientCertificate(
    sessionId: string,
    c: CandidateRow,
  ): Promise<{ certPem: string; keyPem: string } | undefined> {
    const tls = this.tls;
    if (!tls) return undefined;
    const dir = join(this.store.dir, 'tls', 'clients', sessionId);
    const base = join(dir, c.id.replace(/[^\w.-]/g, '_'));
    if (existsSync(`${base}.pem`) && existsSync(`${base}.key`))
      return {
        certPem: readFileSync(`${base}.pem`, 'utf8'),
        keyPem: readFileSync(`${base}.key`, 'utf8'),
      };
    const issued = await (this.issuing.get(base) ??
      this.issuing
        .set(
          base,
          tls.issueClient(c.username).then((pair) => {
            mkdirSync(dir, { recursive: true, mode: 0o700 });
            writeFileSync(`${base}.key`, pair.keyPem, { mode: 0o600 });
            chmodSync(`${base}.key`, 0o600);
            writeFileSync(`${base}.pem`, pair.certPem);
            return pair;
          }),
        )
        .get(base)!);
    this.issuing.delete(base);
    return issued;
  }

  /** Client certificates being issued, so two downloads at once get one pair. */
  private readonly issuing = new Map<string, Promise<{ certPem: string; keyPem: string }>>();

  get tlsPorts(): { port: number | undefined; wssPort: number | undefined } {
    return { port: this.broker?.tlsPort, wssPort: this.broker?.wssPort };
  }

  get mqttPort(): number | undefined {
    return this.broker?.port;
  }

  onEvent(fn: (e: RuntimeEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: RuntimeEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  async start(): Promise<void> {
    // Failed logins and protocol errors before CONNECT belong to no candidate.
    this.unrouted = new EvidenceRecorder({
      clock: new RealClock(),
      path: join(this.store.dir, 'evidence', 'broker-unrouted.jsonl'),
      resume: true,
      logger: this.opts.logger,
    });
    const t = this.opts.tls;
    const publicHost = this.opts.publicHost ?? defaultPublicHost(this.opts.host);
    if (t)
      this.tls = await createLabTls({
        dir: join(this.store.dir, 'tls'),
        name: 'exam server',
        hosts: [this.opts.host, publicHost],
      });
    this.broker = await createBroker({
      ...(t && this.tls
        ? {
            tls: {
              key: this.tls.serverKey,
              cert: this.tls.serverCertPem,
              ca: this.tls.caPem,
              port: t.port,
              ...(t.wssPort !== undefined ? { wssPort: t.wssPort } : {}),
              ...(t.handshakeTimeoutMs !== undefined
                ? { handshakeTimeoutMs: t.handshakeTimeoutMs }
                : {}),
              // On a candidate's card: the file as they save it beside card.json (GET /api/me/ca.pem).
              caFile: { path: 'ca.pem', sha256: this.tls.caSha256 },
            },
          }
        : {}),
      host: this.opts.host,
      port: this.opts.mqttPort,
      ...(this.opts.wsPort !== undefined ? { wsPort: this.opts.wsPort } : {}),
      logger: this.opts.logger,
      recordUnrouted: this.unrouted.record,
      idleAccount: (username, password) => this.idleAccount(username, password),
    });
    // Resume every session and attempt that was running when the server stopped (or crashed).
    for (const s of this.store.listSessions()) {
      if (s.state !== 'running') continue;
      this.sessions.add(s.id);
      for (const a of this.grades.attempts(s.id))
        if (a.state === 'running') {
          const c = this.store.candidate(s.id, a.candidateId);
          const elapsed = Date.now() - Date.parse(a.startedAt);
          if (!c) continue;
          try {
            await this.launch(s.id, c, a.taskId, a.evidencePath, elapsed);
            // A web app task's browser script goes on from where the lab's time now is.
            const lab = this.running.get(`${s.id}/${c.id}`)?.lab;
            if (getTask(a.taskId).app && lab)
              this.playApp(s.id, c, a.taskId, a.evidencePath, lab.clock.now());
          } catch (err) {
            // The run cannot go on (its ports are taken, say): it ends here and is graded on
            // what it recorded, rather than staying "running" for ever or stopping the server.
            this.opts.logger.error('resuming an attempt failed: it ends now', {
              session: s.id,
              candidate: c.id,
              task: a.taskId,
              err: String(err),
            });
            this.grades.endAttempt(s.id, c.id, a.taskId, 'resume failed');
            await this.gradeAttempt(s.id, c.id, a.taskId).catch(() => undefined);
          }
        }
    }
  }

  /**
   * A candidate of a running session logging in to MQTT while none of their labs runs: with the
   * right password they are told to start a task (CONNACK 5), not that the password is wrong.
   */
  private async idleAccount(username: string, password: Buffer): Promise<string | undefined> {
    const c = this.store.candidateByUsername(username);
    if (!c || !this.sessions.has(c.sessionId)) return undefined;
    if (!(await verifyPassword(password, c.passwordHash))) return undefined;
    return 'no lab of yours is running now: start a task in the exam console, then connect';
  }

  isRunning(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  /** Opens the session: candidates may now start their tasks. */
  startLabs(sessionId: string): Promise<void> {
    if (!this.broker) throw new LabError('SESSION_STATE', 'the runtime is not started');
    if (!this.store.getSession(sessionId))
      throw new LabError('API_NOT_FOUND', `no session ${sessionId}`);
    this.sessions.add(sessionId);
    return Promise.resolve();
  }

  /** Closes the session: every running attempt ends and is graded. */
  async stopLabs(sessionId: string): Promise<void> {
    this.sessions.delete(sessionId);
    const ids = [...this.running.keys()].filter((k) => k.startsWith(`${sessionId}/`));
    await Promise.all(
      ids.map((k) => this.finishTask(sessionId, k.slice(sessionId.length + 1), 'session stopped')),
    );
  }

  /** The task of the candidate's graded run now, if one runs. */
  currentTask(sessionId: string, candidateId: string): string | undefined {
    const r = this.running.get(`${sessionId}/${candidateId}`);
    return r?.mode === 'graded' ? r.taskId : undefined;
  }

  /** The evidence file of the candidate's latest graded run of a task (running or done). */
  latestAttempt(sessionId: string, candidateId: string, taskId: string): string | undefined {
    return this.grades.attempts(sessionId, candidateId).find((a) => a.taskId === taskId)
      ?.evidencePath;
  }

  /** The task whose workstation lab the candidate has open, if any. */
  workstation(sessionId: string, candidateId: string): string | undefined {
    const r = this.running.get(`${sessionId}/${candidateId}`);
    return r?.mode === 'workstation' ? r.taskId : undefined;
  }

  /**
   * The session, if a candidate may open or start `taskId` now: it is running, the task is in
   * its paper, no graded run of theirs goes on, and an exam's window is open.
   */
  private openSession(sessionId: string, c: CandidateRow, taskId: string, doing: string) {
    const session = this.store.getSession(sessionId);
    if (!session || !this.sessions.has(sessionId))
      throw new LabError('SESSION_STATE', `session ${sessionId} is not running`);
    if (!session.paper.tasks.some((t) => t.id === taskId))
      throw new LabError('API_BAD_REQUEST', `task ${taskId} is not in paper ${session.paper.id}`);
    const graded = this.currentTask(sessionId, c.id);
    if (graded) throw new LabError('SESSION_STATE', `finish task ${graded} before ${doing}`);
    if (session.mode === 'exam') {
      const now = Date.now();
      if (now < Date.parse(session.startsAt))
        throw new LabError('SESSION_STATE', `the exam opens at ${session.startsAt}`);
      if (now >= Date.parse(session.endsAt))
        throw new LabError('SESSION_STATE', `the exam closed at ${session.endsAt}`);
    }
    return session;
  }

  /**
   * Opens the task's workstation: its lab, with the seed and card of the graded run, for the
   * candidate to develop against, ungraded, its evidence in `<task>.workstation-<time>.jsonl`.
   * One lab per candidate: a workstation of another task closes; a graded run refuses.
   */
  async openWorkstation(sessionId: string, c: CandidateRow, taskId: string): Promise<void> {
    this.openSession(sessionId, c, taskId, 'opening a workstation');
    const open = this.workstation(sessionId, c.id);
    if (open === taskId) return;
    if (open) await this.closeWorkstation(sessionId, c.id, 'another task opened');
    const workdir = this.workdir(sessionId, c.id, taskId);
    mkdirSync(workdir, { recursive: true });
    prepareWorkdir(getTask(taskId), c.seed, workdir);
    const evidencePath = join(
      this.store.dir,
      'evidence',
      sessionId,
      c.id,
      `${taskId}.workstation-${Date.now()}.jsonl`,
    );
    this.store.audit(c.id, 'workstation.open', sessionId, { candidate: c.id, task: taskId });
    await this.launchOnFreePorts(sessionId, c, taskId, evidencePath, 'workstation');
  }

  /**
   * Launches a new lab on the candidate's block of ports or, when something else holds one of
   * them, on free ports (the card shows them), rather than costing the candidate the start.
   */
  private async launchOnFreePorts(
    sessionId: string,
    c: CandidateRow,
    taskId: string,
    evidencePath: string,
    mode: Running['mode'],
  ): Promise<void> {
    try {
      await this.launch(sessionId, c, taskId, evidencePath, 0, 'own', mode);
    } catch (err) {
      if (!/EADDRINUSE/.test(String(err))) throw err;
      this.opts.logger.warn('a port of the candidate block is taken: using free ports', {
        session: sessionId,
        candidate: c.id,
        err: String(err),
      });
      setAside(evidencePath);
      await this.launch(sessionId, c, taskId, evidencePath, 0, 'any', mode);
    }
  }

  /** Closes the candidate's workstation lab (never graded; its evidence stays). */
  async closeWorkstation(sessionId: string, candidateId: string, reason: string): Promise<void> {
    const key = `${sessionId}/${candidateId}`;
    const r = this.running.get(key);
    if (r?.mode !== 'workstation') return;
    this.running.delete(key);
    clearTimeout(r.timer);
    await r.lab.stop(reason);
    this.store.audit(candidateId, 'workstation.close', sessionId, {
      candidate: candidateId,
      task: r.taskId,
      reason,
    });
    this.emit({ sessionId, candidateId, what: 'workstation.close' });
  }

  /** Starts the candidate's one attempt at a task of the paper. */
  async startTask(sessionId: string, c: CandidateRow, taskId: string): Promise<void> {
    const session = this.openSession(sessionId, c, taskId, 'starting another');
    if (getTask(taskId).handIn?.length)
      throw new LabError(
        'API_BAD_REQUEST',
        `task ${taskId} is handed in, not run: upload its files and hand them in / 本题提交文件，无需计分运行`,
      );
    // The graded run takes the workstation's place (the same seed, card and ports).
    await this.closeWorkstation(sessionId, c.id, 'graded run started');
    const previous = this.grades.attempts(sessionId, c.id).find((a) => a.taskId === taskId);
    const policy = runPolicy(session.paper);
    if (previous && previous.runs >= policy.runs)
      throw new LabError(
        'SESSION_STATE',
        `task ${taskId}: all ${policy.runs} graded run(s) are used`,
        { task: taskId, runs: previous.runs },
      );
    const task = getTask(taskId);
    if (task.app) this.appReady(sessionId, c, taskId);
    const run = (previous?.runs ?? 0) + 1;
    const evidencePath = join(
      this.store.dir,
      'evidence',
      sessionId,
      c.id,
      run === 1 ? `${taskId}.jsonl` : `${taskId}.run-${run}.jsonl`,
    );
    // The task's files (e.g. a seeded database), fresh for this attempt.
    const workdir = this.workdir(sessionId, c.id, taskId);
    mkdirSync(workdir, { recursive: true });
    prepareWorkdir(getTask(taskId), c.seed, workdir);
    if (previous) this.grades.nextRun({ sessionId, candidateId: c.id, taskId, evidencePath }, c.id);
    else this.grades.startAttempt({ sessionId, candidateId: c.id, taskId, evidencePath }, c.id);
    try {
      await this.launchOnFreePorts(sessionId, c, taskId, evidencePath, 'graded');
      if (task.app) this.playApp(sessionId, c, taskId, evidencePath);
    } catch (err) {
      // A lab that never started leaves no attempt behind: the candidate may start again.
      setAside(evidencePath);
      const why = err instanceof Error ? err.message : String(err);
      this.grades.dropAttempt(sessionId, c.id, taskId, why);
      throw new LabError(
        'LAB_START_FAILED',
        `the lab of ${taskId} could not start (${why}); no attempt was used: try again`,
        { task: taskId },
      );
    }
  }

  /** Whether candidates' web apps can reach the broker (a MQTT-over-WebSocket listener). */
  get webSocket(): boolean {
    return this.opts.wsPort !== undefined;
  }

  /** Where a candidate's web app for a task is kept (server/app-upload.ts): `<workdir>/app`. */
  appDir(sessionId: string, candidateId: string, taskId: string): string {
    return join(this.workdir(sessionId, candidateId, taskId), 'app');
  }

  /** Whether this server can run a web app task: an app handed in, and a WebSocket listener. */
  private appReady(sessionId: string, c: CandidateRow, taskId: string): void {
    if (this.opts.wsPort === undefined)
      throw new LabError(
        'SESSION_STATE',
        'this server runs no MQTT over WebSocket, which a web app needs (iotlab serve --ws-port) / 服务器未开启 MQTT over WebSocket，无法运行网页应用',
      );
    const app = storedApp(this.workdir(sessionId, c.id, taskId));
    if (!app?.hasIndex)
      throw new LabError(
        'API_BAD_REQUEST',
        app
          ? 'your app has no index.html at its top / 应用的顶层没有 index.html'
          : 'hand in your app (a ZIP of its files) before the graded run / 请先上传应用（ZIP）',
      );
  }

  /**
   * Plays a web app task's script against the candidate's app (tasks/app-run.ts) while the graded
   * run's lab runs: the app is served with the candidate's card, opened in headless Chromium, and
   * every read, tap and screenshot is evidence of this run (screenshots in `<run>.ui/`).
   */
  private playApp(
    sessionId: string,
    c: CandidateRow,
    taskId: string,
    evidencePath: string,
    /** Lab time a resumed run goes on from (the server restarted mid-run). */
    resumeAt?: number,
  ): void {
    const r = this.running.get(`${sessionId}/${c.id}`);
    const card = this.card(sessionId, c);
    if (!r || !card) return;
    const outDir = evidencePath.replace(/\.jsonl$/, '.ui');
    mkdirSync(outDir, { recursive: true });
    const abort = new AbortController();
    const done = runAppScript({
      task: getTask(taskId),
      seed: c.seed,
      appDir: this.appDir(sessionId, c.id, taskId),
      card: card as LabCard,
      clock: r.lab.clock,
      speed: this.opts.labSpeed ?? 1,
      record: r.lab.recorder.record,
      outDir,
      logger: this.opts.logger,
      signal: abort.signal,
      browser: this.sharedAppBrowser(),
      keepBrowser: true,
      ...(resumeAt !== undefined ? { resumeAt } : {}),
    }).catch((err: unknown) => {
      r.lab.recorder.record('ui.error', { stage: 'run', error: String(err) });
    });
    r.app = { abort, done };
  }

  private sharedAppBrowser(): Promise<Browser> {
    if (this.appBrowser) return this.appBrowser;
    const launching = launchAppBrowser();
    const forget = () => {
      if (this.appBrowser === launching) this.appBrowser = undefined;
    };
    launching.then((b) => b.on('disconnected', forget), forget);
    this.appBrowser = launching;
    return launching;
  }

  /** Where a candidate's hand-ins for a task are kept (server/handins.ts). */
  handinDir(sessionId: string, candidateId: string, taskId: string): string {
    return join(this.workdir(sessionId, candidateId, taskId), 'handin');
  }

  /**
   * Hands in a task's files (issue 15): a run whose evidence is what was handed in, graded at
   * once. The candidate may hand in again while the session is open; the latest hand-in counts.
   */
  async handIn(sessionId: string, c: CandidateRow, taskId: string): Promise<void> {
    const task = getTask(taskId);
    if (!task.handIn?.length)
      throw new LabError(
        'API_BAD_REQUEST',
        `task ${taskId} takes no hand-ins / 本题不需要提交文件`,
      );
    this.openSession(sessionId, c, taskId, 'handing in');
    const previous = this.grades.attempts(sessionId, c.id).find((a) => a.taskId === taskId);
    const run = (previous?.runs ?? 0) + 1;
    const evidencePath = join(
      this.store.dir,
      'evidence',
      sessionId,
      c.id,
      `${taskId}.handin-${run}.jsonl`,
    );
    if (previous) this.grades.nextRun({ sessionId, candidateId: c.id, taskId, evidencePath }, c.id);
    else this.grades.startAttempt({ sessionId, candidateId: c.id, taskId, evidencePath }, c.id);
    let head: string;
    try {
      head = await writeHandinEvidence(
        evidencePath,
        task,
        c.seed,
        c.id,
        c.topicPrefix,
        this.handinDir(sessionId, c.id, taskId),
      );
    } catch (err) {
      this.grades.dropAttempt(sessionId, c.id, taskId, String(err));
      throw err;
    }
    this.grades.endAttempt(sessionId, c.id, taskId, 'handed in', head);
    await this.gradeAttempt(sessionId, c.id, taskId);
    this.emit({ sessionId, candidateId: c.id, what: 'task.graded' });
  }

  /**
   * An attempt's work folder on the server: the files the task provides (the candidate downloads
   * them) and the file the candidate uploads for capture (tasks/capture.ts) when the attempt ends.
   */
  workdir(sessionId: string, candidateId: string, taskId: string): string {
    return join(this.store.dir, 'work', sessionId, candidateId, taskId);
  }

  /**
   * The files of the candidate's running attempt: what the task provides, and the one file the
   * runner captures at the end (which the candidate uploads), with their sizes if present.
   */
  files(sessionId: string, c: CandidateRow): AttemptFiles | undefined {
    const taskId = this.currentTask(sessionId, c.id) ?? this.workstation(sessionId, c.id);
    if (!taskId) return undefined;
    const task = getTask(taskId);
    const dir = this.workdir(sessionId, c.id, taskId);
    const size = (name: string) => {
      try {
        return statSync(join(dir, name)).size;
      } catch {
        return null;
      }
    };
    const provided = preparedFiles(task, c.seed).map((f) => ({ name: f.file, size: size(f.file) }));
    const captured = captureFile(task, c.seed);
    return {
      task: taskId,
      provided,
      upload: captured === undefined ? null : { name: captured, size: size(captured) },
    };
  }

  private async launch(
    sessionId: string,
    c: CandidateRow,
    taskId: string,
    evidencePath: string,
    elapsedMs: number,
    /** `own`: the candidate's block of the session's port range; `any`: free ports. */
    ports: 'own' | 'any' = 'own',
    mode: Running['mode'] = 'graded',
  ): Promise<void> {
    const broker = this.broker;
    if (!broker) throw new LabError('SESSION_STATE', 'the runtime is not started');
    const task = getTask(taskId);
    const scenario = validateScenario(task.scenario(task.params(c.seed)), `task ${taskId}`);
    mkdirSync(dirname(evidencePath), { recursive: true });
    const running = { taskId, mode } as Running;
    const speed = this.opts.labSpeed ?? 1;
    // The lab's own MQTT clients (a gateway's northbound link) log in as the candidate.
    const secret = this.store.sessionSecret(sessionId);
    const allowPeer = this.seatGuard(sessionId, c);
    if (scenario.tls && !this.opts.tls)
      throw new LabError(
        'SESSION_STATE',
        `task ${taskId} needs MQTT over TLS, which this server does not run (iotlab serve without --no-tls) / 本题需要 MQTT over TLS，本服务器未开启`,
      );
    const lab = createLab(scenario, {
      seed: c.seed,
      candidate: c.id,
      logger: this.opts.logger,
      host: this.opts.host,
      // Addresses the lab announces (an impostor's URL) name the host candidates reach.
      publicHost: this.opts.publicHost ?? defaultPublicHost(this.opts.host),
      evidencePath,
      resumeEvidence: true,
      ...(this.opts.evidenceQuota ? { evidenceQuota: this.opts.evidenceQuota } : {}),
      // A restart resumes the run: lab time goes on from the attempt's start (the grader reads
      // one run with a `resumed` lab.start), instead of a second run from 0 in the same file.
      clock: new RealClock({ speed, ...(elapsedMs > 0 ? { startAtMs: elapsedMs * speed } : {}) }),
      ...(elapsedMs > 0 ? { resumed: true } : {}),
      topicPrefix: c.topicPrefix,
      ...(secret
        ? { mqttLogin: { username: c.username, password: candidatePassword(secret, c.id) } }
        : {}),
      ...(allowPeer ? { allowPeer } : {}),
      // The lab's own TLS endpoints (a gateway's HTTPS API) present the server's certificate.
      ...(this.serverCertificate ? { sharedTls: this.serverCertificate } : {}),
      ports:
        ports === 'own'
          ? { coap: c.portBase, modbus: c.portBase + 1, ws: null }
          : { coap: 0, modbus: 0, ws: null },
      serial: { basePort: ports === 'own' ? c.portBase + 2 : 0 },
      ...(this.tls
        ? {
            sharedCa: {
              tls: this.tls,
              clientCertPem: async () => (await this.clientCertificate(sessionId, c))?.certPem,
            },
          }
        : {}),
      broker: async ({ record, topicPrefix, acl, auth }) => {
        const spec = {
          id: c.id,
          username: c.username,
          topicPrefix,
          record,
          acl,
          checkPassword: (pw: Buffer) => verifyPassword(pw, c.passwordHash),
          ...(scenario.platform ? { platformDevices: scenario.platform.devices } : {}),
          ...(auth ? { auth } : {}),
          ...(allowPeer ? { allowPeer } : {}),
          ...(scenario.tls?.only ? { tlsOnly: true } : {}),
        };
        const mqtt = broker.addTenant(spec);
        running.mqtt = mqtt;
        if (!this.tls || !mqtt.tls) return mqtt;
        // The lab's own MQTT-over-TLS port (the last of the candidate's block): the card names
        // it, and the lab's TLS faults (an expired certificate, a revoked client certificate)
        // are served there to this candidate alone. The secure WebSocket stays shared.
        const own = c.portBase + 2 + lab.plan.serial.length;
        const front = await broker
          .openFront(spec, {
            port: ports === 'own' && own < c.portBase + c.portCount ? own : 0,
            tls: {
              key: this.tls.serverKey,
              cert: this.tls.serverCertPem,
              ca: this.tls.caPem,
              ...(this.opts.tls?.handshakeTimeoutMs !== undefined
                ? { handshakeTimeoutMs: this.opts.tls.handshakeTimeoutMs }
                : {}),
            },
            ...(allowPeer ? { guard: { allow: allowPeer, record } } : {}),
          })
          .catch(async (err: unknown) => {
            await mqtt.close();
            throw err;
          });
        const withFront: MqttBroker = {
          ...mqtt,
          tls: { ...mqtt.tls, port: front.port, clientsPort: mqtt.tls.port },
          tlsControl: front.control,
          async close() {
            await front.close();
            await mqtt.close();
          },
        };
        running.mqtt = withFront;
        return withFront;
      },
    });
    // The grader ignores evidence after the time limit; half a second of slack for the last flush.
    running.taskEndsAt =
      mode === 'workstation'
        ? Infinity
        : Date.now() + Math.max(0, (task.timeLimitS * 1000 + 500) / speed - elapsedMs);
    const timer = this.schedule(sessionId, c.id, running);
    running.lab = lab;
    running.timer = timer;
    this.running.set(`${sessionId}/${c.id}`, running);
    // Actuator states of the interrupted run, read back before the new lab records anything.
    const actuators = elapsedMs > 0 ? lastActuatorStates(evidencePath) : new Map<string, boolean>();
    try {
      await lab.start();
    } catch (err) {
      clearTimeout(timer);
      this.running.delete(`${sessionId}/${c.id}`);
      throw err;
    }
    // A resumed lab's actuators are where the run left them (commands are evidence, and the
    // grader replays them). Injected faults still active at the crash are not restored.
    for (const [device, on] of actuators) {
      try {
        lab.command(device, { on }, 'resume');
      } catch (err) {
        this.opts.logger.warn('resume: actuator state not restored', { device, err: String(err) });
      }
    }
    this.emit({
      sessionId,
      candidateId: c.id,
      what: mode === 'workstation' ? 'workstation.open' : 'task.start',
    });
  }

  /**
   * The timer that ends an attempt: at the task's time limit, or when an exam's window closes
   * first (then the attempt is graded on what it did until then).
   */
  private schedule(sessionId: string, candidateId: string, r: Running): NodeJS.Timeout {
    const s = this.store.getSession(sessionId);
    const examEnd = s?.mode === 'exam' ? Date.parse(s.endsAt) : Infinity;
    const byExam = examEnd < r.taskEndsAt;
    // A workstation in a practice session has no end of its own: it closes after a day.
    const at = Math.min(r.taskEndsAt, examEnd, Date.now() + 86_400_000);
    return setTimeout(
      () => {
        this.finishTask(
          sessionId,
          candidateId,
          byExam ? 'exam time over' : 'task time elapsed',
        ).catch((err: unknown) =>
          this.opts.logger.error('finishing a task failed', { err: String(err) }),
        );
      },
      Math.max(0, at - Date.now()),
    );
  }

  /**
   * A seat-locked session's rule for a candidate with a seat IP: only that address, plus, unless
   * `trustLoopback` is off, the server's own loopback (the lab's gateways and PTY bridges connect
   * from it). Undefined = no lock.
   */
  private seatGuard(sessionId: string, c: CandidateRow): ((ip: string) => boolean) | undefined {
    if (!c.ip || !this.store.getSession(sessionId)?.seatLock) return undefined;
    const seat = normaliseIp(c.ip);
    const loopback = this.opts.trustLoopback !== false;
    return (ip) => {
      const from = normaliseIp(ip);
      return from === seat || (loopback && (from === '::1' || from.startsWith('127.')));
    };
  }

  /** The session's window changed (extended): running attempts get their end time again. */
  windowChanged(sessionId: string): void {
    for (const [key, r] of this.running) {
      if (!key.startsWith(`${sessionId}/`)) continue;
      clearTimeout(r.timer);
      r.timer = this.schedule(sessionId, key.slice(sessionId.length + 1), r);
    }
  }

  /** Ends the candidate's running attempt (if any), then grades it and stores the report. */
  async finishTask(sessionId: string, candidateId: string, reason: string): Promise<void> {
    const key = `${sessionId}/${candidateId}`;
    const r = this.running.get(key);
    if (!r) return;
    if (r.mode === 'workstation') return this.closeWorkstation(sessionId, candidateId, reason);
    this.running.delete(key);
    clearTimeout(r.timer);
    // A web app's browser run ends first (its last reads are evidence of this run).
    if (r.app) {
      r.app.abort.abort();
      await r.app.done;
    }
    // What the candidate's program left (uploaded), read by the runner before the lab stops.
    const c = this.store.candidate(sessionId, candidateId);
    if (c) {
      try {
        const captured = captureForTask(
          getTask(r.taskId),
          c.seed,
          this.workdir(sessionId, candidateId, r.taskId),
        );
        if (captured) r.lab.recorder.record('capture', captured);
      } catch (err) {
        this.opts.logger.error('capture failed', { err: String(err), task: r.taskId });
      }
    }
    await r.lab.stop(reason);
    // The chain head as the run ended, kept in the database apart from the file (grading checks it).
    this.grades.endAttempt(sessionId, candidateId, r.taskId, reason, r.lab.recorder.head);
    await this.gradeAttempt(sessionId, candidateId, r.taskId);
    this.emit({ sessionId, candidateId, what: 'task.graded' });
  }

  /** Grades one attempt from its evidence (on stop, on demand) and stores the report. */
  async gradeAttempt(sessionId: string, candidateId: string, taskId: string): Promise<void> {
    const report = await this.reportFor(sessionId, candidateId, taskId);
    if (report) this.grades.saveGrade(sessionId, candidateId, taskId, report);
  }

  /**
   * The grader's report for an attempt, stored nowhere (regrade previews use it). With more than
   * one graded run, every run is graded and the paper's rule picks the one that counts: `best`
   * (the highest score, the later run on a tie) or `last`.
   */
  async reportFor(sessionId: string, candidateId: string, taskId: string) {
    const c = this.store.candidate(sessionId, candidateId);
    const session = this.store.getSession(sessionId);
    const a = this.grades
      .attempts(sessionId, candidateId)
      .find((x) => x.taskId === taskId && x.state === 'done');
    if (!c || !a || !session) return undefined;
    const gradeRun = (r: { evidencePath: string; evidenceHead: string | null }) =>
      this.opts.grader({
        taskId,
        seed: c.seed,
        evidencePath: r.evidencePath,
        ...(r.evidenceHead ? { head: r.evidenceHead } : {}),
        topicPrefix: c.topicPrefix,
      });
    const last = await gradeRun(a);
    // Hand-ins: the latest is what the examiners mark, so it is the one that counts.
    if (runPolicy(session.paper).counts === 'last' || getTask(taskId).handIn?.length) return last;
    let best = last;
    for (const r of this.grades.earlierRuns(sessionId, candidateId, taskId)) {
      // A run whose evidence is gone or unreadable cannot count; the others still do.
      const report = await gradeRun(r).catch(() => undefined);
      const score = (x: typeof last) => (x.gradable ? x.score : -1);
      if (report && score(report) > score(best)) best = report;
    }
    return best;
  }

  /**
   * The candidate's lab card with their MQTT login while a task runs, else undefined.
   * The seed and the evidence path stay on the server: with the seed and the open-source
   * simulator a candidate could compute hidden truth (fault times, values) instead of measuring.
   */
  card(sessionId: string, c: CandidateRow): CandidateCard | undefined {
    const card = this.running.get(`${sessionId}/${c.id}`)?.lab.card;
    const secret = this.store.sessionSecret(sessionId);
    if (!card || !secret) return undefined;
    const { evidence: _e, lab, ...rest } = card;
    const { seed: _s, ...labInfo } = lab;
    return withPublicHost(
      {
        ...rest,
        lab: labInfo,
        mqtt: {
          ...card.mqtt,
          username: c.username,
          password: candidatePassword(secret, c.id),
          // Saved beside card.json from the card tab (GET /api/me/client.pem, /api/me/client.key).
          ...(this.tls
            ? { clientCert: { cert: 'client.pem', key: 'client.key', cn: c.username } }
            : {}),
        },
      },
      this.opts.host,
      this.opts.publicHost ?? defaultPublicHost(this.opts.host),
    );
  }

  /** MQTT clients the candidate has connected to their running lab. */
  connected(sessionId: string, candidateId: string): number {
    return this.running.get(`${sessionId}/${candidateId}`)?.mqtt?.connectedClients() ?? 0;
  }

  lab(sessionId: string, candidateId: string): Lab | undefined {
    return this.running.get(`${sessionId}/${candidateId}`)?.lab;
  }

  /** Every lab running now, in start order (the trainer page lists them). */
  runningLabs(): { sessionId: string; candidateId: string; taskId: string; lab: Lab }[] {
    return [...this.running].map(([key, r]) => {
      const slash = key.indexOf('/');
      return {
        sessionId: key.slice(0, slash),
        candidateId: key.slice(slash + 1),
        taskId: r.taskId,
        lab: r.lab,
      };
    });
  }

  /** Stops the labs without ending attempts: a restarted server resumes them. */
  async close(): Promise<void> {
    const all = [...this.running.values()];
    this.running.clear();
    for (const r of all) clearTimeout(r.timer);
    for (const r of all) r.app?.abort.abort();
    await Promise.all(all.map((r) => r.lab.stop('server stopped')));
    // The web app runs end with their page closed before the browser they share goes.
    await Promise.all(all.map((r) => r.app?.done ?? Promise.resolve()));
    const browser = this.appBrowser;
    this.appBrowser = undefined;
    await browser?.then((b) => b.close()).catch(() => undefined);
    await this.broker?.close();
    this.unrouted?.close();
  }
}
