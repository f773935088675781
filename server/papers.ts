/**
 * Papers: the tasks of a practical exam with their points (百分制, pass at 60; standard §1.9.2).
 * A paper names, for every task, the 职业功能 (occupational function) it assesses, so the points
 * per function can be checked against the standard's 专业能力要求权重表 (§4.2), held here as data.
 *
 * Every task id must name a task of the bank (tasks/bank.ts) of the paper's level and direction;
 * each task brings its own scenario, so a candidate's lab runs one task's scenario at a time.
 * Points a paper cannot yet fill from the bank are declared as `gaps` (never invented tasks);
 * a paper with gaps totals less than 100 and cannot be used for an exam.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { LabError } from '../core/errors.js';
import type { Problem } from '../core/errors.js';
import { builtinPapers } from './papers-builtin.js';
import { listTasks } from '../tasks/bank.js';
import { skillById } from '../tasks/skills/catalogue.js';

export const LEVELS = ['L1', 'L2', 'L3'] as const;
export const DIRECTIONS = ['EMB', 'APP', 'SYS', 'ALL'] as const;

/** §4.2 专业能力要求权重表: percent per 职业功能, keyed by `<level>.<direction>`. */
export const WEIGHT_TABLE: Record<string, Record<string, number>> = {
  'L1.EMB': { 感知控制开发: 45, 物联网应用协议开发: 20, 物联网组网通信开发: 35 },
  'L1.APP': { 物联网平台应用开发: 30, 物联网边缘计算系统应用开发: 40, 物联网移动应用开发: 30 },
  'L1.SYS': {
    物联网设备安装与调试: 35,
    物联网系统部署: 30,
    物联网系统运行与维护: 20,
    物联网技术咨询与服务: 15,
  },
  'L2.EMB': { 感知控制开发: 40, 物联网应用协议开发: 20, 物联网组网通信开发: 40 },
  'L2.APP': { 物联网平台应用开发: 35, 物联网边缘计算系统应用开发: 35, 物联网移动应用开发: 30 },
  'L2.SYS': {
    物联网系统规划与设计: 10,
    物联网设备安装与调试: 10,
    物联网系统部署: 30,
    物联网系统运行与维护: 30,
    物联网技术咨询与服务: 20,
  },
  'L3.ALL': {
    物联网系统规划与设计: 30,
    感知控制开发: 20,
    物联网平台应用开发: 20,
    物联网边缘计算系统应用开发: 20,
    物联网技术咨询与服务: 10,
  },
};

const i18n = z.object({ zh: z.string().min(1), en: z.string().min(1) }).strict();

export const PaperTask = z
  .object({
    /** A task id of the task bank (tasks/bank.ts), e.g. `l1-emb-analog`. */
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, . _ -'),
    /** The 职业功能 of §4.2 this task counts towards. */
    function: z.string().min(1),
    /** The task's share of the paper; its 100-point task score is scaled to this. */
    points: z.number().int().positive().max(100),
  })
  .strict();

export const PaperGap = z
  .object({
    function: z.string().min(1),
    points: z.number().int().positive().max(100),
    reason: i18n,
  })
  .strict();

export const Paper = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, _ and -'),
    title: i18n,
    level: z.enum(LEVELS),
    direction: z.enum(DIRECTIONS),
    /** §1.9.4: the practical exam lasts at least 150 minutes. */
    durationMin: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(150),
    passMark: z.number().int().min(0).max(100).default(60),
    /**
     * Graded runs a candidate may start per task (13.2): they develop on the task's workstation
     * lab as long as they like, then hand in graded runs; `counts` says which run's grade counts.
     */
    gradedRuns: z.number().int().min(1).max(5).default(2),
    counts: z.enum(['best', 'last']).default('best'),
    /** Empty when the bank has no task for the paper yet: its gaps fill the 100 points. */
    tasks: z.array(PaperTask).max(50),
    /** Points of a 职业功能 the task bank cannot fill yet, said openly. */
    gaps: z.array(PaperGap).max(20).default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    const total = [...p.tasks, ...p.gaps].reduce((s, t) => s + t.points, 0);
    if (total !== 100)
      ctx.addIssue({
        code: 'custom',
        path: ['tasks'],
        message: `points of tasks and gaps sum to ${total}, not 100`,
      });
    const bank = listTasks();
    p.tasks.forEach((t, i) => {
      const task = bank.find((b) => b.id === t.id);
      if (!task)
        ctx.addIssue({
          code: 'custom',
          path: ['tasks', i, 'id'],
          message: `no task "${t.id}" in the task bank (tasks: ${bank.map((b) => b.id).join(', ')})`,
        });
      else if (task.level !== p.level || (p.direction !== 'ALL' && task.direction !== p.direction))
        ctx.addIssue({
          code: 'custom',
          path: ['tasks', i, 'id'],
          message: `task ${t.id} is ${task.level} ${task.direction}, the paper is ${p.level} ${p.direction}`,
        });
    });
    const seen = new Set<string>();
    p.tasks.forEach((t, i) => {
      if (seen.has(t.id))
        ctx.addIssue({ code: 'custom', path: ['tasks', i, 'id'], message: `task ${t.id} twice` });
      seen.add(t.id);
    });
    const weights = WEIGHT_TABLE[`${p.level}.${p.direction}`];
    if (!weights) {
      ctx.addIssue({
        code: 'custom',
        path: ['direction'],
        message: `the standard has no ${p.level} ${p.direction} direction`,
      });
      return;
    }
    p.tasks.forEach((t, i) => {
      if (!(t.function in weights)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tasks', i, 'function'],
          message: `"${t.function}" is not a function of ${p.level}.${p.direction} (${Object.keys(weights).join('、')})`,
        });
        return;
      }
      // A task counts towards a function only if some of its checks assess a skill of it.
      const task = bank.find((b) => b.id === t.id);
      if (!task) return;
      const fns = new Set(task.checks.map((c) => skillById(c.skill)?.functionZh));
      if (!fns.has(t.function))
        ctx.addIssue({
          code: 'custom',
          path: ['tasks', i, 'function'],
          message: `task ${t.id} has no check of a "${t.function}" skill (its checks assess ${[...fns].join('、')})`,
        });
    });
    p.gaps.forEach((g, i) => {
      if (!(g.function in weights))
        ctx.addIssue({
          code: 'custom',
          path: ['gaps', i, 'function'],
          message: `"${g.function}" is not a function of ${p.level}.${p.direction}`,
        });
    });
    for (const [fn, pct] of Object.entries(weights)) {
      const got = [...p.tasks, ...p.gaps]
        .filter((t) => t.function === fn)
        .reduce((s, t) => s + t.points, 0);
      if (got !== pct)
        ctx.addIssue({
          code: 'custom',
          path: ['tasks'],
          message: `${fn}: ${got} points, the weight table (§4.2) says ${pct}`,
        });
    }
  });

export type Paper = z.infer<typeof Paper>;
export type PaperInput = z.input<typeof Paper>;

/** Graded runs allowed per task, and which counts (papers stored before these had one run). */
export function runPolicy(p: Paper): { runs: number; counts: 'best' | 'last' } {
  return { runs: p.gradedRuns ?? 1, counts: p.counts ?? 'best' };
}

/** A paper whose tasks fill all 100 points (no gaps). */
export function paperComplete(p: Paper): boolean {
  return p.gaps.length === 0;
}

/** Whether an exam may use a paper: complete (no gaps). The reason is bilingual. */
export function paperExamReady(p: Paper): { ready: true } | { ready: false; reason: string } {
  if (!paperComplete(p))
    return {
      ready: false,
      reason: `${p.gaps.map((g) => `${g.function} (${g.points})`).join('、')} 尚无任务 / have no task yet`,
    };
  return { ready: true };
}

/** The web app tasks of a paper (they need the server's MQTT-over-WebSocket listener). */
export function appTasks(p: Paper): string[] {
  return p.tasks
    .filter((t) => listTasks().find((b) => b.id === t.id)?.app !== undefined)
    .map((t) => t.id);
}

function issuesToProblems(issues: readonly z.core.$ZodIssue[], file: string): Problem[] {
  return issues.map((i) => ({
    file,
    path: i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.') || '(top)',
    message: i.message,
  }));
}

export function validatePaper(input: unknown, file = '<paper>'): Paper {
  const r = Paper.safeParse(input);
  if (!r.success)
    throw new LabError(
      'PAPER_INVALID',
      `paper ${file} is not valid`,
      { file },
      issuesToProblems(r.error.issues, file),
    );
  return r.data;
}

export function parsePaperYaml(text: string, file = '<paper>'): Paper {
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    const where = err instanceof YAMLParseError ? ` (line ${err.linePos?.[0]?.line ?? '?'})` : '';
    throw new LabError('PAPER_INVALID', `paper ${file} is not valid YAML${where}`, {
      file,
      cause: String(err),
    });
  }
  return validatePaper(data, file);
}

export function listPapers(): Paper[] {
  return builtinPapers.map((p) => validatePaper(p, `built-in:${String(p.id)}`));
}

/** A built-in paper by id, or a YAML file by path. */
export function loadPaper(idOrFile: string): Paper {
  const builtin = listPapers().find((p) => p.id === idOrFile);
  if (builtin) return builtin;
  if (!/[/.]/.test(idOrFile))
    throw new LabError(
      'PAPER_INVALID',
      `no paper "${idOrFile}" (built-in: ${listPapers()
        .map((p) => p.id)
        .join(', ')})`,
    );
  let text: string;
  try {
    text = readFileSync(idOrFile, 'utf8');
  } catch (err) {
    throw new LabError('PAPER_INVALID', `cannot read paper file ${idOrFile}`, {
      cause: String(err),
    });
  }
  return parsePaperYaml(text, idOrFile);
}
