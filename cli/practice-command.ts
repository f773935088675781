/**
 * `iotlab practice ID`: start the task's lab, print the card and the instructions, and keep a live
 * checklist: the recorded evidence is graded every second and each check is printed when its
 * points change (instant feedback). Ends at the task's time limit or on Ctrl-C with the report.
 *
 * A task that works on files gets a work folder (`--workdir`, or a new temporary one), printed
 * with the files the lab provides there. Its files are captured when the practice ends, as
 * `iotlab check` does; for the live checklist they are also read every second, graded with the
 * evidence so far, and not recorded.
 *
 * A web app task takes the app's folder (`--app`): the task's script plays against it in a
 * headless browser, as under `iotlab check`, and its screenshots go beside card.json.
 *
 * The card is written as card.json (with card.env, the same variables as shell lines) into a new
 * temporary folder, the work folder's default, and its variables are printed: the candidate's
 * program reads them here as under `iotlab check` and in an exam session (docs/card.md).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { grade } from '../grader/grade.js';
import type { EvidenceFile } from '../grader/evidence-file.js';
import { renderText } from '../grader/report.js';
import type { GradeReport } from '../grader/report.js';
import type { Task } from '../grader/types.js';
import { RealClock } from '../core/clock.js';
import type { EvidenceEvent } from '../core/evidence.js';
import { cardEnv } from '../simulator/card.js';
import { createLab } from '../simulator/lab.js';
import { validateScenario } from '../simulator/scenario.js';
import { renderTask, taskHash } from '../tasks/bank.js';
import { captureForTask } from '../tasks/capture.js';
import type { SqliteCapture } from '../tasks/capture.js';
import { prepareWorkdir } from '../tasks/prepare.js';
import { silentLogger } from '../core/logger.js';
import { launchAppBrowser, runAppScript } from '../tasks/app-run.js';
import type { LabCard } from '../simulator/card.js';
import { renderCardText, renderEnvLines } from './card-text.js';
import { checkAppOption } from './check-command.js';
import type { CliIo } from './program.js';

export interface PracticeOptions {
  seed: number;
  speed: number;
  lang: 'zh' | 'en';
  mqttPort: number;
  /** The work folder (IOTLAB_WORKDIR); the lab's files in it are replaced. */
  workdir?: string;
  /** A web app task: the folder of the candidate's app, driven in a headless browser. */
  app?: string;
}

const MARK = { passed: '✔', partial: '◐', failed: '✘', manual: '?' } as const;

/** Lines for the checks whose points or outcome changed since the last report. */
export function checklistChanges(
  before: GradeReport | undefined,
  now: GradeReport,
  lang: 'zh' | 'en',
): string[] {
  return now.tests
    .filter((t) => {
      const b = before?.tests.find((x) => x.id === t.id);
      return b === undefined ? t.score > 0 : b.score !== t.score || b.outcome !== t.outcome;
    })
    .map(
      (t) =>
        `${MARK[t.outcome]} ${t.id}: ${t.score} / ${t.max_score}  ${t.title[lang]}${t.hint && t.outcome !== 'passed' ? ` — ${t.hint[lang]}` : ''}`,
    );
}

export async function practiceCommand(
  task: Task,
  opts: PracticeOptions,
  io: CliIo,
): Promise<number> {
  const appDir = opts.app === undefined ? undefined : checkAppOption(task, opts.app, []);
  const rendered = renderTask(task, opts.seed, opts.lang);
  const scenario = validateScenario(task.scenario(rendered.params), `task ${task.id}`);
  const clock = new RealClock({ speed: opts.speed });
  const lab = createLab(scenario, {
    seed: opts.seed,
    clock,
    // A web app task's page reaches the lab over MQTT on WebSocket (the card's mqtt.wsUrl).
    ports: { mqtt: opts.mqttPort, ws: task.app ? 0 : null },
  });
  const events: EvidenceEvent[] = [];
  lab.recorder.subscribe((e) => events.push(e));
  const usesFiles = task.capture !== undefined || task.prepare !== undefined;
  const home = mkdtempSync(join(tmpdir(), `iotlab-practice-${task.id}-`));
  const workdir = usesFiles ? resolve(opts.workdir ?? home) : undefined;
  if (workdir) mkdirSync(workdir, { recursive: true });
  const provided = workdir ? prepareWorkdir(task, opts.seed, workdir) : [];
  // The browser starts beside the lab, so its start is not taken from the page's time.
  const browser = appDir === undefined ? undefined : launchAppBrowser();
  browser?.catch(() => undefined); // a failed launch is recorded by the run, as evidence
  let card: LabCard;
  try {
    card = await lab.start();
  } catch (err) {
    await browser?.then((b) => b.close()).catch(() => undefined);
    throw err;
  }
  const cardPath = join(home, 'card.json');
  const env = { ...cardEnv(card, cardPath), ...(workdir ? { IOTLAB_WORKDIR: workdir } : {}) };
  writeFileSync(cardPath, JSON.stringify(card, null, 2));
  writeFileSync(join(home, 'card.env'), renderEnvLines(env));
  io.stdout(
    `${renderCardText(card)}\n\n实验卡文件 card file (IOTLAB_CARD): ${cardPath}\n` +
      `在运行程序的终端中设置 / set in the terminal that runs your program (or: . ${join(home, 'card.env')}):\n` +
      `${renderEnvLines(env)}\n${rendered.text}\n`,
  );
  if (workdir)
    io.stdout(
      `work folder / 工作目录 (IOTLAB_WORKDIR): ${workdir}\n` +
        provided.map((f) => `the lab's file / 实验提供的文件: ${join(workdir, f)}\n`).join(''),
    );
  io.onStarted?.(card, workdir);
  const hash = taskHash(task);
  // The last readable look at the candidate's files: a database locked by a write in progress
  // keeps the previous look rather than flickering to "cannot read".
  let look: SqliteCapture | undefined;
  const lookNow = (): SqliteCapture | undefined => {
    const c = workdir ? captureForTask(task, opts.seed, workdir) : undefined;
    if (c && !(look && c.error !== undefined && /locked|busy/i.test(c.error))) look = c;
    return look;
  };
  // Live grading reads the events so far; the chain was checked as they were recorded.
  const live = (withLook: boolean): GradeReport => {
    const all = [...events];
    const seen = withLook ? lookNow() : undefined;
    const last = all.at(-1);
    if (seen)
      all.push({
        ...seen,
        seq: (last?.seq ?? 0) + 1,
        t: clock.now(),
        wall: last?.wall ?? '',
        kind: 'capture',
        prev: '',
      });
    const file: EvidenceFile = {
      events: all,
      problems: [],
      sha256: 'live',
      head: 'live',
      lines: all.length,
    };
    return grade(task, opts.seed, { evidence: file, taskHash: hash });
  };
  let last: GradeReport | undefined;
  const tick = (): void => {
    const now = live(true);
    for (const line of checklistChanges(last, now, opts.lang))
      io.stdout(`[${(clock.now() / 1000).toFixed(0)} s] ${line}\n`);
    last = now;
  };
  const timer = setInterval(tick, 1000);
  // The app's script plays along, its readings and taps in the checklist as they happen.
  const appAbort = new AbortController();
  const appRun = appDir
    ? runAppScript({
        task,
        seed: opts.seed,
        appDir,
        card,
        clock,
        speed: opts.speed,
        record: lab.recorder.record,
        outDir: home,
        logger: silentLogger,
        signal: appAbort.signal,
        ...(browser ? { browser } : {}),
      })
    : Promise.resolve();
  if (appDir) io.stdout(`app / 应用: ${appDir}; screenshots / 截图: ${home}\n`);
  await new Promise<void>((done) => {
    const end = setTimeout(done, Math.max(0, task.timeLimitS * 1000 - clock.now()) / opts.speed);
    io.signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(end);
        done();
      },
      { once: true },
    );
  });
  clearInterval(timer);
  appAbort.abort();
  await appRun;
  tick();
  // As `iotlab check` does: the files the candidate left become evidence before the lab stops.
  const captured = workdir ? captureForTask(task, opts.seed, workdir) : undefined;
  if (captured) lab.recorder.record('capture', captured);
  await lab.stop('practice ended');
  const final = live(false);
  io.stdout(renderText(final, opts.lang));
  return final.passed ? 0 : 1;
}
