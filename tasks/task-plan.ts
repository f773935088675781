/**
 * A task's lab for a seed, as every consumer derives it: the params the seed gives, the scenario
 * they build (validated), and its plan (device ids, topics, units). One place, so the runner, the
 * grader's helpers and the exam server cannot derive it differently.
 */
import type { Task, TaskParams } from '../grader/types.js';
import type { LabPlan } from '../simulator/plan.js';
import { planLab } from '../simulator/plan.js';
import { validateScenario } from '../simulator/scenario.js';

export function planTask(task: Task, seed: number): { params: TaskParams; plan: LabPlan } {
  const params = task.params(seed);
  const plan = planLab(validateScenario(task.scenario(params), `task ${task.id}`), seed);
  return { params, plan };
}
