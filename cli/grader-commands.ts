/**
 * The grader's commands: `skills`, `coverage`, `tasks`, `task show`, `grade` and `check`.
 * Registered on the program by `registerGraderCommands`; each sets the exit code through `exit`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { readEvidenceText } from '../grader/evidence-file.js';
import { grade } from '../grader/grade.js';
import { LabError } from '../core/errors.js';
import { getTask, listTasks, renderTask, taskHash } from '../tasks/bank.js';
import { DIRECTIONS, LEVELS, filterSkills, loadCatalogue } from '../tasks/skills/catalogue.js';
import type { Direction, Level } from '../tasks/skills/catalogue.js';
import { coverage } from '../tasks/coverage.js';
import { preparedFiles } from '../tasks/prepare.js';
import type { CliIo } from './program.js';
import { answerCommand } from './answer-command.js';
import { checkCommand } from './check-command.js';
import { practiceCommand } from './practice-command.js';
import { REPORT_FORMATS, localeLang, reportExit, writeReport } from './report-out.js';
import type { ReportFormat } from './report-out.js';

function seedOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1)
    throw new InvalidArgumentError('--seed must be a whole number from 0 to 2147483647');
  return n;
}

function portOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('--mqtt-port must be a whole number from 0 to 65535');
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0');
  return n;
}

export function registerGraderCommands(
  program: Command,
  io: CliIo,
  exit: (code: number) => void,
): void {
  program
    .command('skills')
    .description("list the skill catalogue (the standard's 专业能力要求 items) / 列出技能目录")
    .addOption(new Option('--level <level>', 'only this level').choices(LEVELS))
    .addOption(new Option('--direction <dir>', 'only this direction').choices(DIRECTIONS))
    .option('--json', 'machine-readable output')
    .action((opts: { level?: Level; direction?: Direction; json?: boolean }) => {
      const skills = filterSkills(loadCatalogue(), opts);
      if (opts.json) io.stdout(JSON.stringify(skills, null, 2) + '\n');
      else
        for (const s of skills)
          io.stdout(
            `${s.id.padEnd(14)} ${s.assess.padEnd(7)} ${s.zh}\n${' '.repeat(23)}${s.en} — ${s.reason}\n`,
          );
    });

  program
    .command('coverage')
    .description(
      'which tasks and checks assess each skill, and the share of auto items covered / 技能覆盖',
    )
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const c = coverage(loadCatalogue(), listTasks());
      if (opts.json) {
        io.stdout(JSON.stringify(c, null, 2) + '\n');
        return;
      }
      for (const item of c.items)
        io.stdout(
          `${item.id.padEnd(14)} ${item.assess.padEnd(7)} ${item.checks.length > 0 ? item.checks.map((x) => `${x.task}#${x.check}`).join(', ') : '-'}\n`,
        );
      io.stdout(
        `auto items covered: ${c.autoCovered} of ${c.autoTotal} (${(c.autoShare * 100).toFixed(1)}%); all items covered: ${c.covered} of ${c.total}\n`,
      );
    });

  program
    .command('tasks')
    .description('list the task bank / 列出任务')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const list = listTasks().map((t) => ({
        id: t.id,
        title: t.title,
        level: t.level,
        direction: t.direction,
        skills: t.skills,
        timeLimitS: t.timeLimitS,
        points: t.checks.reduce((s, c) => s + c.points, 0),
        checks: t.checks.map((c) => ({
          id: c.id,
          skill: c.skill,
          points: c.points,
          title: c.title,
        })),
      }));
      if (opts.json) io.stdout(JSON.stringify(list, null, 2) + '\n');
      else
        for (const t of list)
          io.stdout(
            `${t.id.padEnd(16)} ${t.level} ${t.direction}  ${t.timeLimitS} s  ${t.title.zh} / ${t.title.en}\n`,
          );
    });

  const task = program.command('task').description('one task / 单个任务');
  task
    .command('show')
    .description("print a task's instructions for a seed / 显示任务说明")
    .argument('<id>', 'task id')
    .option('--seed <n>', 'seed (per-candidate variant)', seedOption, 1)
    .addOption(
      new Option('--lang <lang>', 'language')
        .choices(['zh', 'en'])
        .default(localeLang(), 'from the locale'),
    )
    .action((id: string, opts: { seed: number; lang: 'zh' | 'en' }) => {
      const t = getTask(id);
      io.stdout(renderTask(t, opts.seed, opts.lang).text);
      const files = preparedFiles(t, opts.seed).map((f) => f.file);
      if (files.length > 0)
        io.stdout(
          opts.lang === 'zh'
            ? `\n实验开始时，${files.join('、')} 放在 IOTLAB_WORKDIR 指定的工作目录中（iotlab check 为程序设置该变量；iotlab practice 会打印目录位置，也可用 --workdir 指定）。\n`
            : `\nWhen the lab starts, ${files.join(', ')} is put in the work folder IOTLAB_WORKDIR names (iotlab check sets it for your program; iotlab practice prints the folder, or choose it with --workdir).\n`,
        );
    });

  program
    .command('grade')
    .description('grade a recorded run offline / 离线评分')
    .argument('<id>', 'task id')
    .requiredOption('--seed <n>', 'the seed the run used', seedOption)
    .requiredOption('--evidence <file>', 'the evidence JSONL of the run')
    .addOption(
      new Option('--format <format>', 'report format').choices(REPORT_FORMATS).default('text'),
    )
    .addOption(
      new Option('--lang <lang>', 'language of the text report')
        .choices(['zh', 'en'])
        .default(localeLang(), 'from the locale'),
    )
    .option('--out <file>', 'write the report to a file')
    .action(
      (
        id: string,
        opts: {
          seed: number;
          evidence: string;
          format: ReportFormat;
          lang: 'zh' | 'en';
          out?: string;
        },
      ) => {
        const t = getTask(id);
        let text: string;
        try {
          text = readFileSync(resolve(opts.evidence), 'utf8');
        } catch (err) {
          throw new LabError('EVIDENCE_UNREADABLE', `cannot read evidence file ${opts.evidence}`, {
            cause: String(err),
          });
        }
        const file = readEvidenceText(text);
        const report = grade(t, opts.seed, { evidence: file, taskHash: taskHash(t) });
        writeReport(report, opts.format, opts.lang, io, opts.out, file.events);
        exit(reportExit(report));
      },
    );

  program
    .command('check')
    .description(
      "start a task's lab, run your program against it, grade it / 启动任务实验、运行程序并评分\n  e.g. iotlab check l1-emb-analog --seed 7 -- python3 solution.py",
    )
    .argument('<id>', 'task id')
    .argument(
      '[command...]',
      'the program and its arguments (after --); none for a task of hand-ins only',
    )
    .option('--app <dir>', "a web app task: the folder of your app's static files")
    .option('--seed <n>', 'seed (per-candidate variant)', seedOption, 1)
    .option('--duration <seconds>', "how long to run (default: the task's time limit)", positive)
    .option(
      '--handin <item=file>',
      'hand in a file for a task item (repeatable), e.g. --handin case=case.md / 提交文件',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      '--speed <factor>',
      'run lab time faster than real time (your program must keep up)',
      positive,
      1,
    )
    .option('--evidence <file>', 'where to keep the evidence (default: a temporary file)')
    .addOption(
      new Option('--format <format>', 'report format').choices(REPORT_FORMATS).default('text'),
    )
    .addOption(
      new Option('--lang <lang>', 'language of the text report')
        .choices(['zh', 'en'])
        .default(localeLang(), 'from the locale'),
    )
    .option('--out <file>', 'write the report to a file')
    .action(async (id: string, command: string[], opts: Parameters<typeof checkCommand>[2]) => {
      exit(await checkCommand(getTask(id), command, opts, io));
    });

  program
    .command('answer')
    .description('submit an answer to a running lab (publishes to <prefix>/answers/KEY) / 提交答案')
    .argument('<key>', 'answer key, e.g. fault_device')
    .argument('<value>', 'the answer')
    .option(
      '--card <file>',
      'the lab card JSON (default: $IOTLAB_CARD or the IOTLAB_* environment)',
    )
    .action(async (key: string, value: string, opts: { card?: string }) => {
      exit(await answerCommand(key, value, opts, io));
    });

  program
    .command('practice')
    .description(
      "start a task's lab with its instructions and a live checklist / 练习模式（实时反馈）",
    )
    .argument('<id>', 'task id')
    .option('--seed <n>', 'seed (per-candidate variant)', seedOption, 1)
    .option('--speed <factor>', 'run lab time faster than real time', positive, 1)
    .option('--mqtt-port <port>', 'MQTT port (0 = any free port)', portOption, 1883)
    .addOption(
      new Option('--lang <lang>', 'language')
        .choices(['zh', 'en'])
        .default(localeLang(), 'from the locale'),
    )
    .option(
      '--workdir <dir>',
      "work folder for a task's files (default: a new temporary folder); the lab's files there are replaced",
    )
    .option('--app <dir>', "a web app task: the folder of your app's static files")
    .action(
      async (
        id: string,
        opts: {
          seed: number;
          speed: number;
          mqttPort: number;
          lang: 'zh' | 'en';
          workdir?: string;
          app?: string;
        },
      ) => {
        exit(await practiceCommand(getTask(id), opts, io));
      },
    );
}
