/**
 * Where the grader plugs into the server: a `Grader` turns one attempt's evidence file into the
 * grader's report. `bankGrader` is the real one, `grade(task, seed, evidence)` of grader/ over a
 * task of tasks/bank.ts; the server never computes a score itself.
 */
import { readFile } from 'node:fs/promises';
import { grade } from '../grader/grade.js';
import type { GradeReport } from '../grader/report.js';
import { LabError } from '../core/errors.js';
import { getTask, taskHash } from '../tasks/bank.js';

export interface GradeRequest {
  taskId: string;
  seed: number;
  evidencePath: string;
  /** The chain head recorded when the attempt ended (see GradeInput.head). */
  head?: string;
  /** The topic prefix on the candidate's card (see GradeInput.topicPrefix). */
  topicPrefix?: string;
}

export type Grader = (req: GradeRequest) => Promise<GradeReport>;

export const bankGrader: Grader = async (req) => {
  const task = getTask(req.taskId);
  let text: string;
  try {
    text = await readFile(req.evidencePath, 'utf8');
  } catch (err) {
    throw new LabError('EVIDENCE_UNREADABLE', `cannot read evidence ${req.evidencePath}`, {
      cause: String(err),
    });
  }
  return grade(task, req.seed, {
    evidence: text,
    taskHash: taskHash(task),
    ...(req.head !== undefined ? { head: req.head } : {}),
    ...(req.topicPrefix !== undefined ? { topicPrefix: req.topicPrefix } : {}),
  });
};
