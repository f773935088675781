/**
 * A task's lab for a seed, as every consumer derives it: the params the seed gives, the scenario
 * they build (validated), and its plan (device ids, topics, units). One place, so the runner, the
 * grader's helpers and the exam server cannot derive it differently.
 *
 * `topicPrefix` is the prefix on the candidate's card when it is not the scenario's own (an exam
 * session confines each candidate to `iotlab/<session>/<candidate>`): topics, instructions and
 * grading all follow the card, never the task lab's default.
 */
import type { Task, TaskParams } from '../grader/types.js';
import type { LabPlan } from '../simulator/plan.js';
import { planLab } from '../simulator/plan.js';
import { validateScenario } from '../simulator/scenario.js';

export function planTask(
  task: Task,
  seed: number,
  topicPrefix?: string,
): { params: TaskParams; plan: LabPlan } {
  const params = task.params(seed);
  const scenario = validateScenario(task.scenario(params), `task ${task.id}`);
  const plan = planLab(topicPrefix === undefined ? scenario : { ...scenario, topicPrefix }, seed);
  return { params, plan };
}
