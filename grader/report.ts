/**
 * The grade report: a superset of Gradescope's results.json (top-level `score`, `max_score`,
 * `output`, `tests[]` with `name`, `score`, `max_score`, `status`, `output`, `tags`) plus
 * provenance (grader version, task id and content hash, seed, evidence hash, per-test evidence
 * references and the manual flag). Keys are built in a fixed order and nothing depends on the
 * clock, so the same inputs serialise to the same bytes.
 */
import type { EvidenceFile, EvidenceProblem } from './evidence-file.js';
import type { CheckResult, CheckStatus, EvidenceRef, I18n, Task, TaskParams } from './types.js';

export const GRADER_VERSION = '0.2.0';
export const PASS_MARK = 60;
/** The most a task scores while one of its critical checks falls short: below the pass mark. */
export const CRITICAL_CAP = PASS_MARK - 1;

/** One line as the task score sees it: its points, what it earned, and its critical share. */
export interface ScoredLine {
  id: string;
  points: number;
  earned: number;
  critical?: number;
}

/** Whether a critical line earned the share of its points it needs. */
export function criticalMet(line: ScoredLine): boolean {
  return line.critical === undefined || line.earned >= line.points * line.critical - 1e-9;
}

/**
 * A task's score from its lines: their sum (`raw`), capped at CRITICAL_CAP when a critical line
 * falls short (`cappedBy` names them). The grader and the exam server's final score (with an
 * examiner's marks in place of the automatic ones) both use this, so the cap is applied alike.
 */
export function taskScore(lines: readonly ScoredLine[]): {
  score: number;
  raw: number;
  cappedBy: string[];
} {
  const raw = Math.round(lines.reduce((s, l) => s + l.earned, 0) * 10) / 10;
  const cappedBy = lines.filter((l) => !criticalMet(l)).map((l) => l.id);
  return { score: cappedBy.length > 0 ? Math.min(raw, CRITICAL_CAP) : raw, raw, cappedBy };
}

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
  /** A critical check: the share of its points it needs, and whether it has them. */
  critical?: { need: number; met: boolean };
}

export interface GradeReport {
  score: number;
  max_score: number;
  /** The sum of the checks before a critical check's cap (equal to score when none applies). */
  raw_score: number;
  /** The critical checks that fell short and capped the score at CRITICAL_CAP (ids). */
  capped_by: string[];
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
  const total = gradable ? taskScore(results) : { score: 0, raw: 0, cappedBy: [] };
  const score = total.score;
  const passed = gradable && score >= PASS_MARK;
  const cap =
    total.cappedBy.length > 0
      ? ` — capped at ${CRITICAL_CAP}: critical check ${total.cappedBy.join(', ')} not met, ${total.raw} without the cap / 关键检查项未达到要求，最高 ${CRITICAL_CAP} 分`
      : '';
  const output = gradable
    ? `${task.id}: ${score} / ${max} — ${passed ? 'pass 合格' : 'not passed 不合格'} (pass mark ${PASS_MARK})${cap}`
    : `${task.id}: NOT GRADABLE 无法评分 — the evidence cannot be trusted, through no fault of the candidate: ${problems
        .slice(0, 3)
        .map((p) => `line ${p.line}: ${p.message}`)
        .join('; ')}`;
  return {
    score,
    max_score: max,
    raw_score: total.raw,
    capped_by: total.cappedBy,
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
      ...(r.critical !== undefined ? { critical: { need: r.critical, met: criticalMet(r) } } : {}),
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
    // "!" marks a critical check (its title says so too).
    const flag = t.critical ? '!' : ' ';
    lines.push(
      `${MARK[t.outcome]}${flag}${t.id.padEnd(14)} ${String(t.score).padStart(5)} / ${String(t.max_score).padEnd(3)} ${t.title[lang]}  [${t.tags.join(', ')}]`,
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
  if (r.capped_by.length > 0)
    lines.push(
      lang === 'zh'
        ? `关键检查项 ${r.capped_by.join('、')} 未达到要求：本题最高 ${CRITICAL_CAP} 分（未封顶为 ${r.raw_score} 分）`
        : `critical check ${r.capped_by.join(', ')} not met: capped at ${CRITICAL_CAP} (${r.raw_score} without the cap)`,
    );
  // Points the examiners still mark: no verdict yet (the automatic part alone decides nothing).
  const awaiting = r.tests
    .filter((t) => t.outcome === 'manual')
    .reduce((s, t) => s + t.max_score, 0);
  if (awaiting > 0)
    lines.push(
      lang === 'zh'
        ? `另有 ${awaiting} 分由考评员按评分细则评定`
        : `${awaiting} more points are the examiners' to mark by the rubric`,
    );
  const verdict =
    awaiting > 0 && !r.passed
      ? lang === 'zh'
        ? '待考评员评定'
        : 'PENDING EXAMINERS'
      : lang === 'zh'
        ? r.passed
          ? '合格'
          : '不合格'
        : r.passed
          ? 'PASS'
          : 'NOT PASSED';
  lines.push(
    `${lang === 'zh' ? '总分' : 'Total'}: ${r.score} / ${r.max_score}  ${verdict} (${lang === 'zh' ? '合格线' : 'pass mark'} ${r.pass_mark})`,
  );
  return lines.join('\n') + '\n';
}
