/**
 * `iotlab practice ID`: start the task's lab, print the card and the instructions, and keep a live
 * checklist: the recorded evidence is graded every second and each check is printed when its
 * points change (instant feedback). Ends at the task's time limit or on Ctrl-C with the report.
 */
import { grade } from '../grader/grade.js';
import type { EvidenceFile } from '../grader/evidence-file.js';
import { renderText } from '../grader/report.js';
import type { GradeReport } from '../grader/report.js';
import type { Task } from '../grader/types.js';
import { RealClock } from '../simulator/clock.js';
import type { EvidenceEvent } from '../simulator/evidence.js';
import { createLab } from '../simulator/lab.js';
import { validateScenario } from '../simulator/scenario.js';
import { renderTask, taskHash } from '../tasks/bank.js';
import { renderCardText } from './card-text.js';
import type { CliIo } from './program.js';

export interface PracticeOptions {
  seed: number;
  speed: number;
  lang: 'zh' | 'en';
  mqttPort: number;
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
  const rendered = renderTask(task, opts.seed, opts.lang);
  const scenario = validateScenario(task.scenario(rendered.params), `task ${task.id}`);
  const clock = new RealClock({ speed: opts.speed });
  const lab = createLab(scenario, {
    seed: opts.seed,
    clock,
    ports: { mqtt: opts.mqttPort, ws: null },
  });
  const events: EvidenceEvent[] = [];
  lab.recorder.subscribe((e) => events.push(e));
  const card = await lab.start();
  io.stdout(renderCardText(card) + '\n' + rendered.text + '\n');
  io.onStarted?.(card);
  const hash = taskHash(task);
  // Live grading reads the events so far; the chain was checked as they were recorded.
  const live = (): GradeReport => {
    const file: EvidenceFile = {
      events: [...events],
      problems: [],
      sha256: 'live',
      lines: events.length,
    };
    return grade(task, opts.seed, { evidence: file, taskHash: hash });
  };
  let last: GradeReport | undefined;
  const tick = (): void => {
    const now = live();
    for (const line of checklistChanges(last, now, opts.lang))
      io.stdout(`[${(clock.now() / 1000).toFixed(0)} s] ${line}\n`);
    last = now;
  };
  const timer = setInterval(tick, 1000);
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
  tick();
  await lab.stop('practice ended');
  const final = live();
  io.stdout(renderText(final, opts.lang));
  return final.passed ? 0 : 1;
}
