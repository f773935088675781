/**
 * Runs a task for real: its lab in-process on 127.0.0.1 ephemeral ports with an accelerated real
 * clock, a solution (or none) talking to it over real sockets until the task's time is up, and
 * the evidence file it leaves.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderTask } from '../../tasks/bank.js';
import { captureForTask } from '../../tasks/capture.js';
import { prepareWorkdir } from '../../tasks/prepare.js';
import type { Solution } from '../../tasks/solution.js';
import type { Task } from '../../grader/types.js';
import { RealClock } from '../../core/clock.js';
import { createLab } from '../../simulator/lab.js';
import { validateScenario } from '../../simulator/scenario.js';

export interface TaskRun {
  evidence: string;
  path: string;
  /** The solution's work folder (IOTLAB_WORKDIR). */
  workdir: string;
}

export async function runTask(
  task: Task,
  seed: number,
  solution: Solution | undefined,
  opts: {
    speed?: number;
    mistake?: string;
    extraS?: number;
    /** Lab seconds to run, when a case needs less than the task's whole time limit. */
    durationS?: number;
  } = {},
): Promise<TaskRun> {
  const speed = opts.speed ?? 10;
  const rendered = renderTask(task, seed, 'en');
  const scenario = validateScenario(task.scenario(rendered.params), `task ${task.id}`);
  const workdir = mkdtempSync(join(tmpdir(), 'iotlab-task-'));
  const path = join(workdir, 'evidence.jsonl');
  // As `iotlab check` does: the files the lab provides are written before the program starts.
  prepareWorkdir(task, seed, workdir);
  const lab = createLab(scenario, {
    seed,
    clock: new RealClock({ speed }),
    evidencePath: path,
    ports: { ws: null },
  });
  const card = await lab.start();
  const abort = new AbortController();
  const running = solution
    ? solution({
        card,
        vars: rendered.vars,
        signal: abort.signal,
        speed,
        workdir,
        ...(opts.mistake ? { mistake: opts.mistake } : {}),
      })
    : Promise.resolve();
  const labMs = (opts.durationS ?? task.timeLimitS + (opts.extraS ?? 1)) * 1000;
  await new Promise((r) => setTimeout(r, Math.max(0, labMs - lab.clock.now()) / speed));
  abort.abort();
  await running;
  // As `iotlab check` does: the files the program left are read when the time is up.
  const captured = captureForTask(task, seed, workdir);
  if (captured) lab.recorder.record('capture', captured);
  await lab.stop(opts.durationS === undefined ? 'task time elapsed' : 'the test ended the run');
  return { evidence: readFileSync(path, 'utf8'), path, workdir };
}
