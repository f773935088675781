/**
 * Where the grader plugs in. The grader and task bank (issue 6) are built on another branch;
 * until they are merged this server grades nothing: every task of every candidate is
 * "pending grader" in exports, never a made-up number.
 *
 * TODO(issue 6): pass the real `grade(task, seed, evidence)` adapter to buildServer/serve.
 */
import { LabError } from '../simulator/errors.js';

export interface TaskReport {
  taskId: string;
  points: number;
  max: number;
  graderVersion: string;
  /** The grader's full report (checks, evidence refs), stored as JSON. */
  detail: unknown;
}

export type Grader = (req: {
  taskId: string;
  seed: number;
  evidencePath: string;
}) => Promise<TaskReport>;

export const graderUnavailable: Grader = (req) =>
  Promise.reject(
    new LabError('GRADER_UNAVAILABLE', `no grader is installed yet (task ${req.taskId})`),
  );
