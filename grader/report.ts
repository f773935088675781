/**
 * The grade report: a superset of Gradescope's results.json (top-level `score`, `max_score`,
 * `output`, `tests[]` with `name`, `score`, `max_score`, `status`, `output`, `tags`) plus
 * provenance (grader version, task id and content hash, seed, evidence hash, per-test evidence
 * references and the manual flag). Keys are built in a fixed order and nothing depends on the
 * clock, so the same inputs serialise to the same bytes.
 */
import type { EvidenceFile, EvidenceProblem } from './evidence-file.js';
import type { CheckResult, CheckStatus, EvidenceRef, I18n, Task, TaskParams } from './types.js';

export const GRADER_VERSION = '0.1.0';
export const PASS_MARK = 60;

export interface ReportTest {
  name: string;
  score: number;
  max_score: number;
  /** Gradescope's status: passed only with full points. */
  status: 'passed' | 'failed';
  output: string;
  tags: string[];
  id: string;
  outcome: CheckStatus;
  title: I18n;
  expected: string;
  seen: string;
  hint?: I18n;
  evidence: EvidenceRef[];
  manual: boolean;
}

export interface GradeReport {
  score: number;
  max_score: number;
  output: string;
  gradable: boolean;
  passed: boolean;
  pass_mark: number;
  /** How the run ended, as the lab recorded it (e.g. the candidate's program exited early). */
  run: { stopped: string };
  /** Why the run cannot be graded (empty when gradable). */
  problems: EvidenceProblem[];
  tests: ReportTest[];
  task: {
    id: string;
    title: I18n;
    level: string;
    direction: string;
    skills: string[];
    time_limit_s: number;
  };
  provenance: {
    grader: { name: 'iotlab'; version: string };
    task: { id: string; hash: string };
    seed: number;
    params: TaskParams;
    evidence: { sha256: string; lines: number; events: number };
  };
}

export function buildReport(input: {
  task: Task;
  seed: number;
  taskHash: string;
  file: EvidenceFile;
  params: TaskParams;
  results: CheckResult[];
  problems: EvidenceProblem[];
}): GradeReport {
  const { task, file, results, problems } = input;
  const gradable = problems.length === 0;
  const max = task.checks.reduce((s, c) => s + c.points, 0);
  const score = gradable ? Math.round(results.reduce((s, r) => s + r.earned, 0) * 10) / 10 : 0;
  const passed = gradable && score >= PASS_MARK;
  const output = gradable
    ? `${task.id}: ${score} / ${max} — ${passed ? 'pass 合格' : 'not passed 不合格'} (pass mark ${PASS_MARK})`
    : `${task.id}: NOT GRADABLE 无法评分 — the evidence cannot be trusted, through no fault of the candidate: ${problems
        .slice(0, 3)
        .map((p) => `line ${p.line}: ${p.message}`)
        .join('; ')}`;
  return {
    score,
    max_score: max,
    output,
    gradable,
    passed,
    pass_mark: PASS_MARK,
    run: { stopped: stopReason(file) },
    problems,
    tests: results.map((r) => ({
      name: `${r.id}: ${r.title.en} / ${r.title.zh}`,
      score: r.earned,
      max_score: r.points,
      status: r.earned >= r.points ? 'passed' : 'failed',
      output: `expected: ${r.expected}\nseen: ${r.seen}${r.hint ? `\nhint: ${r.hint.en}\n提示：${r.hint.zh}` : ''}`,
      tags: [r.skill],
      id: r.id,
      outcome: r.status,
      title: r.title,
      expected: r.expected,
      seen: r.seen,
      ...(r.hint ? { hint: r.hint } : {}),
      evidence: r.evidence,
      manual: r.manual,
    })),
    task: {
      id: task.id,
      title: task.title,
      level: task.level,
      direction: task.direction,
      skills: task.skills,
      time_limit_s: task.timeLimitS,
    },
    provenance: {
      grader: { name: 'iotlab', version: GRADER_VERSION },
      task: { id: task.id, hash: input.taskHash },
      seed: input.seed,
      params: input.params,
      evidence: { sha256: file.sha256, lines: file.lines, events: file.events.length },
    },
  };
}

function stopReason(file: EvidenceFile): string {
  const stop = file.events.find((e) => e.kind === 'lab.stop');
  return stop === undefined
    ? 'not recorded'
    : typeof stop.reason === 'string'
      ? stop.reason
      : 'stopped';
}

const MARK: Record<CheckStatus, string> = { passed: '✔', partial: '◐', failed: '✘', manual: '?' };

/** The report for a terminal, in one language (ids and numbers are the same in both). */
export function renderText(r: GradeReport, lang: 'zh' | 'en' = 'en'): string {
  const lines: string[] = [];
  lines.push(`${r.task.id} — ${r.task.title[lang]}  (seed ${r.provenance.seed})`);
  if (!r.gradable) {
    lines.push(
      lang === 'zh'
        ? '无法评分：证据文件有问题（非考生责任）'
        : "NOT GRADABLE: the evidence has problems (not the candidate's fault)",
    );
    for (const p of r.problems) lines.push(`  line ${p.line}: ${p.message}`);
    return lines.join('\n') + '\n';
  }
  for (const t of r.tests) {
    lines.push(
      `${MARK[t.outcome]} ${t.id.padEnd(14)} ${String(t.score).padStart(5)} / ${String(t.max_score).padEnd(3)} ${t.title[lang]}  [${t.tags.join(', ')}]`,
    );
    if (t.outcome !== 'passed') {
      lines.push(`    ${lang === 'zh' ? '要求' : 'expected'}: ${t.expected}`);
      lines.push(`    ${lang === 'zh' ? '实际' : 'seen'}: ${t.seen}`);
      if (t.hint) lines.push(`    ${lang === 'zh' ? '提示' : 'hint'}: ${t.hint[lang]}`);
      if (t.evidence.length > 0)
        lines.push(
          `    evidence: ${t.evidence.map((e) => `#${e.seq}@${(e.t / 1000).toFixed(1)}s`).join(' ')}`,
        );
    }
  }
  lines.push(`${lang === 'zh' ? '实验结束原因' : 'run ended'}: ${r.run.stopped}`);
  const verdict = lang === 'zh' ? (r.passed ? '合格' : '不合格') : r.passed ? 'PASS' : 'NOT PASSED';
  lines.push(
    `${lang === 'zh' ? '总分' : 'Total'}: ${r.score} / ${r.max_score}  ${verdict} (${lang === 'zh' ? '合格线' : 'pass mark'} ${r.pass_mark})`,
  );
  return lines.join('\n') + '\n';
}
