/**
 * grade(task, seed, evidence) → report. Pure: the same task, seed and evidence text give a
 * byte-identical report; no sockets, no wall clock. A run that cannot be graded through no fault
 * of the candidate (damaged evidence, another task's or seed's run) gives `gradable: false` and
 * why, and no score.
 */
import { planLab } from '../simulator/plan.js';
import { validateScenario } from '../simulator/scenario.js';
import { skillById } from '../tasks/skills/catalogue.js';
import { buildContext } from './context.js';
import type { EvidenceFile } from './evidence-file.js';
import { readEvidenceText } from './evidence-file.js';
import type { GradeReport } from './report.js';
import { buildReport } from './report.js';
export { PASS_MARK } from './report.js';
import type { CheckOutcome, CheckResult, CheckStatus, Task } from './types.js';

export interface GradeInput {
  /** The evidence file's text (or an already-read file). */
  evidence: string | EvidenceFile;
  /** The task's content hash (from the bank), for provenance. */
  taskHash: string;
  /**
   * The chain head (SHA-256 of the last line) recorded apart from the file when the run ended
   * (the exam server keeps it): the hash chain cannot show an edit to the last line, or lines
   * added after the end, but a different head does.
   */
  head?: string;
  /**
   * The topic prefix on the candidate's card, when the caller knows it (the exam server does).
   * Without it the prefix the lab served, from `lab.start`'s card, is used: topics are graded
   * where the candidate was told to publish, never at the task lab's default.
   */
  topicPrefix?: string;
}

/** The topic prefix a run's lab served (its `lab.start` card), if recorded. */
function servedPrefix(start: Record<string, unknown> | undefined): string | undefined {
  const card = start?.card as { mqtt?: { topicPrefix?: unknown } } | undefined;
  const prefix = card?.mqtt?.topicPrefix;
  return typeof prefix === 'string' ? prefix : undefined;
}

export function grade(task: Task, seed: number, input: GradeInput): GradeReport {
  const file =
    typeof input.evidence === 'string' ? readEvidenceText(input.evidence) : input.evidence;
  const params = task.params(seed);
  const scenario = validateScenario(task.scenario(params), `task ${task.id}`);
  const problems = [...file.problems];
  if (input.head !== undefined && input.head !== file.head)
    problems.push({
      line: file.lines,
      message:
        'the file does not end as it did when the run ended (its last line was edited, or lines were added or removed since)',
    });
  const start = file.events.find((e) => e.kind === 'lab.start');
  if (start) {
    if (start.scenario !== scenario.name)
      problems.push({
        line: 1,
        message: `this run is of scenario "${String(start.scenario)}", not the task's "${scenario.name}"`,
      });
    if (start.seed !== seed)
      problems.push({ line: 1, message: `this run used seed ${String(start.seed)}, not ${seed}` });
    const served = servedPrefix(start);
    if (input.topicPrefix !== undefined && served !== undefined && served !== input.topicPrefix)
      problems.push({
        line: 1,
        message: `this run's lab served topic prefix "${served}", not the candidate's "${input.topicPrefix}"`,
      });
  }
  const prefix = input.topicPrefix ?? servedPrefix(start);
  if (problems.length > 0)
    return buildReport({
      task,
      seed,
      taskHash: input.taskHash,
      file,
      params,
      results: [],
      problems,
    });
  const plan = planLab(
    prefix === undefined ? scenario : { ...scenario, topicPrefix: prefix },
    seed,
  );
  const ctx = buildContext(params, seed, plan, file.events, task.timeLimitS);
  const results: CheckResult[] = [];
  for (const c of task.checks) {
    let o: CheckOutcome;
    try {
      o = c.run(ctx);
    } catch (err) {
      // A check that throws is the grader's fault, never the candidate's: fail closed.
      const why = err instanceof Error ? err.message : String(err);
      return buildReport({
        task,
        seed,
        taskHash: input.taskHash,
        file,
        params,
        results: [],
        problems: [{ line: 0, message: `grader error in check ${c.id}: ${why}` }],
      });
    }
    // A rubric check earns nothing here: its points are the examiners' (server/marking.ts).
    const score = c.rubric ? 0 : Math.max(0, Math.min(1, Number.isFinite(o.score) ? o.score : 0));
    const earned = Math.round(c.points * score * 10) / 10;
    const manual = c.rubric ? o.markable !== false : skillById(c.skill)?.assess === 'manual';
    const status: CheckStatus = manual
      ? 'manual'
      : earned >= c.points
        ? 'passed'
        : earned > 0
          ? 'partial'
          : 'failed';
    results.push({
      id: c.id,
      skill: c.skill,
      title: c.title,
      points: c.points,
      earned,
      status,
      expected: o.expected,
      seen: o.seen,
      evidence: o.evidence,
      ...(o.hint && status !== 'passed' ? { hint: o.hint } : {}),
      manual,
      ...(c.critical !== undefined ? { critical: c.critical === true ? 1 : c.critical } : {}),
    });
  }
  return buildReport({ task, seed, taskHash: input.taskHash, file, params, results, problems: [] });
}
