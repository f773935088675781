/**
 * Exam-session commands of the `iotlab` CLI: serve, papers, session create, session export.
 * Registered on the program by `registerSessionCommands` so program.ts only gains one call.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { LabError } from '../core/errors.js';
import { quotaOfMiB } from '../core/evidence.js';
import type { LogLevel } from '../core/logger.js';
import { createLogger } from '../core/logger.js';
import { checkRows, longTable, scoreSheet, scoreSheetCsv, toCsv } from '../server/export.js';
import { scoreSheetXlsx } from '../server/export-xlsx.js';
import { Grades } from '../server/grades.js';
import { WEIGHT_TABLE, listPapers, loadPaper, paperExamReady } from '../server/papers.js';
import { parseRoster } from '../server/roster.js';
import { serve } from '../server/serve.js';
import { DEFAULT_PORT_RANGE, createSession, parsePortRange } from '../server/sessions.js';
import { Store } from '../server/store.js';
import { Marking, makePlan, panelRowsFor } from '../server/marking.js';
import { hashPassword } from '../server/passwords.js';
import type { CliIo } from './program.js';

const port = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`${name} must be a port number 0-65535`);
  return n;
};
const mib = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 1 || n > 65536)
    throw new InvalidArgumentError('--evidence-quota must be a number of MiB, 1-65536');
  return n;
};
const range = (v: string) => {
  try {
    return parsePortRange(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new LabError('USAGE', `cannot read ${file}`, { cause: String(err) });
  }
}

function writeAtomic(file: string, text: string | Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

export function registerSessionCommands(
  program: Command,
  io: CliIo,
  setExit: (code: number) => void,
): void {
  program
    .command('serve')
    .description(
      'run the exam server: API, shared MQTT broker, every running session / 启动考试服务',
    )
    .option('--data <dir>', 'data directory (SQLite + evidence)', 'iotlab-data')
    .option('--host <host>', 'address for the API, the broker and the labs', '127.0.0.1')
    .option('--port <port>', 'HTTP API port', port('--port'), 8080)
    .option(
      '--mqtt-port <port>',
      'shared MQTT broker port (0 = any free one, then the same one on every restart)',
      port('--mqtt-port'),
      1883,
    )
    .option('--ws-port <port>', 'MQTT over WebSocket port', port('--ws-port'))
    .option(
      '--mqtts-port <port>',
      "MQTT over TLS port, with the server's own CA in <data>/tls/ (0 = any free one)",
      port('--mqtts-port'),
      8883,
    )
    .option('--wss-port <port>', 'MQTT over secure WebSocket port', port('--wss-port'))
    .option('--no-tls', 'no TLS listeners')
    .option(
      '--https',
      "serve the API and console over HTTPS (Secure cookies) with the server CA's certificate",
    )
    .option('--tls-cert <file>', 'HTTPS with your own certificate (PEM; implies --https)')
    .option('--tls-key <file>', 'the key of --tls-cert (PEM)')
    .option(
      '--public-host <host>',
      "the host candidates' cards name (default: --host, or this machine's IPv4 when --host is 0.0.0.0)",
    )
    .option('--port-range <from-to>', "ports for candidates' CoAP/Modbus/serial", range)
    .option(
      '--evidence-quota <MiB>',
      'evidence one run may keep in full (default 64; past 1.5× only the events that decide a run)',
      mib,
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['debug', 'info', 'warn', 'error', 'silent'])
        .default('info'),
    )
    .action(
      async (o: {
        data: string;
        host: string;
        port: number;
        mqttPort: number;
        wsPort?: number;
        mqttsPort: number;
        wssPort?: number;
        tls: boolean;
        https?: boolean;
        tlsCert?: string;
        tlsKey?: string;
        publicHost?: string;
        portRange?: { from: number; to: number };
        evidenceQuota?: number;
        logLevel: LogLevel;
      }) => {
        const logger = createLogger(o.logLevel, (l) => io.stderr(l + '\n'));
        const adminPassword = process.env.IOTLAB_ADMIN_PASSWORD;
        const trainerPassword = process.env.IOTLAB_TRAINER_PASSWORD;
        const server = await serve({
          dataDir: resolve(o.data),
          host: o.host,
          port: o.port,
          mqttPort: o.mqttPort,
          ...(o.wsPort !== undefined ? { wsPort: o.wsPort } : {}),
          ...(o.tls ? { mqttsPort: o.mqttsPort } : {}),
          ...(o.tls && o.wssPort !== undefined ? { wssPort: o.wssPort } : {}),
          ...(o.publicHost !== undefined ? { publicHost: o.publicHost } : {}),
          ...(o.portRange ? { portRange: o.portRange } : {}),
          ...(o.evidenceQuota !== undefined ? { evidenceQuota: quotaOfMiB(o.evidenceQuota) } : {}),
          ...(o.https || o.tlsCert !== undefined || o.tlsKey !== undefined
            ? {
                https: {
                  ...(o.tlsCert !== undefined ? { certFile: resolve(o.tlsCert) } : {}),
                  ...(o.tlsKey !== undefined ? { keyFile: resolve(o.tlsKey) } : {}),
                },
              }
            : {}),
          ...(adminPassword ? { adminPassword } : {}),
          ...(trainerPassword ? { trainerPassword } : {}),
          logger,
        });
        io.stdout(
          `iotlab serve: API ${server.url}  MQTT port ${server.mqttPort}${server.mqttsPort !== undefined ? `  MQTT/TLS port ${server.mqttsPort}` : ''}\n`,
        );
        await new Promise<void>((done) => {
          if (io.signal?.aborted) return done();
          io.signal?.addEventListener('abort', () => done(), { once: true });
        });
        await server.close();
        setExit(0);
      },
    );

  program
    .command('papers')
    .description('list the built-in papers / 列出内置试卷')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) => {
      const papers = listPapers();
      if (o.json) return io.stdout(JSON.stringify(papers, null, 2) + '\n');
      for (const p of papers) {
        const gapPoints = p.gaps.reduce((s, g) => s + g.points, 0);
        const ready = paperExamReady(p);
        const use = ready.ready
          ? '可用于考试 / exam-ready'
          : `缺 ${gapPoints} 分，仅用于练习和课堂实验 / ${gapPoints} points in gaps: practice and class labs only`;
        io.stdout(
          `${p.id.padEnd(8)} ${use.padEnd(12)}  ${p.title.zh} / ${p.title.en}  (${p.durationMin} min, pass ${p.passMark})\n`,
        );
        for (const fn of Object.keys(WEIGHT_TABLE[`${p.level}.${p.direction}`] ?? {})) {
          const tasks = p.tasks.filter((t) => t.function === fn);
          const gaps = p.gaps.filter((g) => g.function === fn);
          const sum = [...tasks, ...gaps].reduce((s, t) => s + t.points, 0);
          const parts = [
            ...tasks.map((t) => `${t.id} ${t.points}`),
            ...gaps.map((g) => `缺口 gap ${g.points}`),
          ];
          io.stdout(`  ${fn} ${sum}: ${parts.join(', ')}\n`);
        }
      }
    });

  const session = program.command('session').description('exam sessions / 考试场次');
  session
    .command('create')
    .description('create a session; prints its id on the last line / 创建考试场次')
    .requiredOption('--data <dir>', 'data directory')
    .requiredOption('--paper <id|file>', 'built-in paper id or paper YAML file')
    .requiredOption('--roster <file>', 'roster CSV: id,name[,seat][,ip]')
    .addOption(
      new Option('--mode <mode>', 'session mode')
        .choices(['exam', 'practice', 'lab'])
        .makeOptionMandatory(),
    )
    .option('--starts <iso>', 'start time (default now)')
    .option('--duration <min>', "minutes (default: the paper's)", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--duration: minutes ≥ 1');
      return n;
    })
    .option(
      '--port-range <from-to>',
      `candidate ports (default ${DEFAULT_PORT_RANGE.from}-${DEFAULT_PORT_RANGE.to})`,
      range,
    )
    .option(
      '--seat-lock',
      'candidates with a seat IP in the roster may use their lab only from it (others refused; without it they are flagged)',
    )
    .option(
      '--examiners <names>',
      'the marking panel: examiner accounts, comma-separated, in panels of --panel-size / 考评组',
      (v: string) =>
        v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
    )
    .option('--chief <name>', 'the chief examiner (reconciles marks that spread) / 主考')
    .option('--panel-size <n>', 'examiners per panel, odd (default 3)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n % 2 === 0)
        throw new InvalidArgumentError('--panel-size: an odd number ≥ 1');
      return n;
    })
    .addOption(
      new Option('--aggregate <rule>', "how the panel's marks make the final one")
        .choices(['median', 'mean'])
        .default('median'),
    )
    .option(
      '--spread <share>',
      "marks spreading by more than this share of a check's points go to the chief (default 0.2)",
      (v) => {
        const n = Number(v);
        if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('--spread: a share from 0 to 1');
        return n;
      },
    )
    .option('--no-blind', "show candidates' names to the examiners (default: anonymous numbers)")
    .action(
      async (o: {
        data: string;
        paper: string;
        roster: string;
        mode: 'exam' | 'practice' | 'lab';
        starts?: string;
        duration?: number;
        portRange?: { from: number; to: number };
        seatLock?: boolean;
        examiners?: string[];
        chief?: string;
        panelSize?: number;
        aggregate: 'median' | 'mean';
        spread?: number;
        blind: boolean;
      }) => {
        const paper = loadPaper(o.paper);
        const roster = parseRoster(readText(o.roster), o.roster);
        if ((o.examiners === undefined) !== (o.chief === undefined))
          throw new LabError(
            'USAGE',
            '--examiners and --chief go together / 需同时给出考评员和主考',
          );
        const store = new Store(resolve(o.data));
        try {
          const planned =
            o.examiners && o.chief
              ? makePlan(
                  {
                    examiners: o.examiners,
                    chief: o.chief,
                    aggregate: o.aggregate,
                    blind: o.blind,
                    ...(o.panelSize ? { panelSize: o.panelSize } : {}),
                    ...(o.spread !== undefined ? { spread: o.spread } : {}),
                  },
                  roster.map((r) => r.id),
                  (u) => store.getUser(u)?.role === 'examiner',
                )
              : undefined;
          const created = await createSession(store, {
            paper,
            roster,
            mode: o.mode,
            ...(o.starts ? { startsAt: o.starts } : {}),
            ...(o.duration ? { durationMin: o.duration } : {}),
            ...(o.portRange ? { portRange: o.portRange } : {}),
            ...(o.seatLock ? { seatLock: true } : {}),
            actor: 'cli',
          });
          if (planned) {
            new Marking(store).setPlan(created.id, planned.plan, 'cli');
            for (const w of planned.warnings) io.stderr(`warning: ${w}\n`);
          }
          io.stdout(
            `session with ${created.candidates.length} candidates, paper ${paper.id}, mode ${o.mode}\n`,
          );
          io.stdout(`${created.id}\n`);
        } finally {
          store.close();
        }
      },
    );
  session
    .command('export')
    .description('export the score sheet / 导出成绩表')
    .argument('<id>', 'session id')
    .requiredOption('--data <dir>', 'data directory')
    .addOption(
      new Option('--format <format>', 'csv (wide), csv-long (one row per check), xlsx or json')
        .choices(['csv', 'csv-long', 'xlsx', 'json'])
        .default('csv'),
    )
    .addOption(new Option('--lang <lang>', 'column language').choices(['zh', 'en']).default('zh'))
    .requiredOption('--out <file>', 'output file')
    .action(
      async (
        id: string,
        o: {
          data: string;
          format: 'csv' | 'csv-long' | 'xlsx' | 'json';
          lang: 'zh' | 'en';
          out: string;
        },
      ) => {
        const store = new Store(resolve(o.data));
        try {
          const grades = new Grades(store);
          const marking = new Marking(store);
          const sheet = scoreSheet(store, grades, id);
          const checks = checkRows(store, grades, id);
          writeAtomic(
            resolve(o.out),
            o.format === 'csv'
              ? scoreSheetCsv(sheet, o.lang)
              : o.format === 'csv-long'
                ? toCsv(longTable(checks))
                : o.format === 'xlsx'
                  ? await scoreSheetXlsx(
                      sheet,
                      checks,
                      o.lang,
                      panelRowsFor(store, marking, id, o.lang),
                    )
                  : JSON.stringify({ ...sheet, checks, panelMarks: marking.rows(id) }, null, 2) +
                    '\n',
          );
          store.audit('cli', 'session.export', id, { format: o.format, out: o.out });
          io.stdout(`${o.out}: ${sheet.rows.length} candidates\n`);
        } finally {
          store.close();
        }
      },
    );

  const user = program
    .command('user')
    .description('staff accounts of a data directory / 考评员与培训师账号');
  user
    .command('add')
    .description(
      'create or reset an examiner or trainer account; the password comes from IOTLAB_USER_PASSWORD or the first line of stdin / 创建或重置账号',
    )
    .argument('<name>', 'user name: a-z, 0-9, . _ - (2 to 32)')
    .requiredOption('--data <dir>', 'data directory')
    .addOption(
      new Option('--role <role>', 'account role')
        .choices(['examiner', 'trainer'])
        .default('examiner'),
    )
    .action(async (name: string, o: { data: string; role: 'examiner' | 'trainer' }) => {
      if (!/^[a-z][a-z0-9._-]{1,31}$/.test(name))
        throw new LabError(
          'USAGE',
          `user name "${name}": a-z, 0-9, . _ - (2 to 32) / 用户名格式不对`,
        );
      const password =
        process.env.IOTLAB_USER_PASSWORD ?? readFileSync(0, 'utf8').split('\n')[0]?.trim() ?? '';
      if (password.length < 8)
        throw new LabError('USAGE', 'the password needs at least 8 characters / 密码至少 8 个字符');
      const store = new Store(resolve(o.data));
      try {
        store.addUser(name, o.role, await hashPassword(password));
        io.stdout(`${name}: ${o.role}\n`);
      } finally {
        store.close();
      }
    });
  user
    .command('list')
    .description('the accounts of a data directory / 列出账号')
    .requiredOption('--data <dir>', 'data directory')
    .action((o: { data: string }) => {
      const store = new Store(resolve(o.data));
      try {
        for (const u of store.listUsers())
          io.stdout(`${u.username.padEnd(16)} ${u.role}\t${u.createdAt}\n`);
      } finally {
        store.close();
      }
    });
}
