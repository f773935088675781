/**
 * Runs a task for real: its lab in-process on 127.0.0.1 ephemeral ports with an accelerated real
 * clock, a solution (or none) talking to it over real sockets until the task's time is up, and
 * the evidence file it leaves.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderTask } from '../../tasks/bank.js';
import type { Solution } from '../../tasks/solution.js';
import type { Task } from '../../grader/types.js';
import { RealClock } from '../../simulator/clock.js';
import { createLab } from '../../simulator/lab.js';
import { validateScenario } from '../../simulator/scenario.js';

export interface TaskRun {
  evidence: string;
  path: string;
}

export async function runTask(
  task: Task,
  seed: number,
  solution: Solution | undefined,
  opts: { speed?: number; mistake?: string; extraS?: number } = {},
): Promise<TaskRun> {
  const speed = opts.speed ?? 10;
  const rendered = renderTask(task, seed, 'en');
  const scenario = validateScenario(task.scenario(rendered.params), `task ${task.id}`);
  const path = join(mkdtempSync(join(tmpdir(), 'iotlab-task-')), 'evidence.jsonl');
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
        ...(opts.mistake ? { mistake: opts.mistake } : {}),
      })
    : Promise.resolve();
  const labMs = (task.timeLimitS + (opts.extraS ?? 1)) * 1000;
  await new Promise((r) => setTimeout(r, Math.max(0, labMs - lab.clock.now()) / speed));
  abort.abort();
  await running;
  await lab.stop('task time elapsed');
  return { evidence: readFileSync(path, 'utf8'), path };
}
