/**
 * The task bank: every task, its content hash, its rendered instructions, and the checks a task
 * must pass to be in the bank (ids, skills, points, templates, scenario). `validateTask` names
 * the task and the problem, and tests/unit/task-bank.test.ts runs it over the whole bank.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { LabError } from '../core/errors.js';
import type { LabPlan } from '../simulator/plan.js';
import { gatewayEnvName, gatewayTlsEnvName } from '../simulator/card.js';
import { serialEnvName } from '../devices/serial/card.js';
import { planTask } from './task-plan.js';
import { CRITICAL_CAP, GRADER_VERSION } from '../grader/report.js';
import { placeholders, renderTemplate } from '../grader/template.js';
import type { Lang, Task, TaskParams } from '../grader/types.js';
import { taskFile } from './paths.js';
import { preparedFiles, preparedNameProblem } from './prepare.js';
import { handinLimit } from './handin.js';
import { skillById } from './skills/catalogue.js';
import { analogAcquisition } from './l1-emb-analog/task.js';
import { ruleChainForward } from './l1-app-forward/task.js';
import { faultLocation } from './l1-sys-fault/task.js';
import { switchM2m } from './l1-emb-m2m/task.js';
import { coapBridge } from './l1-emb-coap/task.js';
import { digitalAcquisition } from './l1-emb-digital/task.js';
import { switchEvents } from './l1-emb-switch/task.js';
import { sqliteStorage } from './l1-app-sqlite/task.js';
import { mcuSht3x } from './l1-emb-mcu/task.js';
import { alarmHysteresis } from './l1-app-alarm/task.js';
import { gatewayPlatform } from './l1-app-gateway/task.js';
import { gatewayTls } from './l2-app-gateway-tls/task.js';
import { platformHmac } from './l1-app-platform-hmac/task.js';
import { barcodeAcquisition } from './l1-emb-barcode/task.js';
import { rfidReading } from './l1-emb-rfid/task.js';
import { gnssPositioning } from './l1-emb-gnss/task.js';
import { controllerProtocol } from './l1-emb-controller/task.js';
import { rtuMaster } from './l1-emb-rtu/task.js';
import { sqlScripts } from './l1-sys-sql/task.js';
import { firmwareUpgrade } from './l1-sys-firmware/task.js';
import { cipherTelemetry } from './l2-emb-cipher/task.js';
import { consultService } from './l1-sys-consult/task.js';
import { sitePlan } from './l2-sys-plan/task.js';
import { systemPlan } from './l3-all-plan/task.js';
import { solutionConsult } from './l2-sys-consult/task.js';
import { projectConsult } from './l3-all-consult/task.js';
import { mobileApp } from './l1-app-mobile/task.js';
import { secureStore } from './l2-app-secure-store/task.js';
import { scenesApp } from './l2-app-scenes/task.js';
import { deviceMonitor } from './l2-sys-monitor/task.js';
import { dashboardApp } from './l1-app-dashboard/task.js';
import { tlsUplink } from './l2-emb-tls/task.js';
import { securityAudit } from './l2-sys-audit/task.js';
import { tokenLogin } from './l2-emb-token/task.js';
import { gaugeApp } from './l2-app-gauge/task.js';

export const TASKS: readonly Task[] = [
  analogAcquisition,
  switchM2m,
  coapBridge,
  ruleChainForward,
  faultLocation,
  digitalAcquisition,
  switchEvents,
  sqliteStorage,
  mcuSht3x,
  alarmHysteresis,
  gatewayPlatform,
  gatewayTls,
  platformHmac,
  barcodeAcquisition,
  rfidReading,
  gnssPositioning,
  controllerProtocol,
  rtuMaster,
  sqlScripts,
  firmwareUpgrade,
  cipherTelemetry,
  consultService,
  sitePlan,
  systemPlan,
  solutionConsult,
  projectConsult,
  mobileApp,
  secureStore,
  scenesApp,
  deviceMonitor,
  dashboardApp,
  tlsUplink,
  securityAudit,
  tokenLogin,
  gaugeApp,
];

export function listTasks(): readonly Task[] {
  return TASKS;
}

export function getTask(id: string): Task {
  const t = TASKS.find((x) => x.id === id);
  if (!t)
    throw new LabError(
      'TASK_UNKNOWN',
      `no task "${id}" (tasks: ${TASKS.map((x) => x.id).join(', ')})`,
    );
  return t;
}

export function instructionTemplate(task: Task, lang: Lang): string {
  const file = taskFile(task.id, `instructions.${lang}.md`);
  if (!existsSync(file))
    throw new LabError('TASK_INVALID', `task ${task.id}: missing instructions file ${file}`);
  return readFileSync(file, 'utf8');
}

/** SHA-256 over what decides a grade: the definition's data, checks, templates and solution. */
export function taskHash(task: Task): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      id: task.id,
      title: task.title,
      level: task.level,
      direction: task.direction,
      skills: task.skills,
      timeLimitS: task.timeLimitS,
      checks: task.checks.map((c) => ({ id: c.id, skill: c.skill, points: c.points })),
      grader: GRADER_VERSION,
    }),
  );
  for (const lang of ['zh', 'en'] as const) h.update(instructionTemplate(task, lang));
  // A web app task's reference is a folder: each of its files, by path.
  const solution = taskFile(task.id, task.solution);
  for (const file of filesUnder(solution)) {
    // A single file is hashed as it always was (so the other tasks' hashes stay).
    if (file !== solution) h.update(`\0${file.slice(solution.length)}\0`);
    h.update(readFileSync(file));
  }
  // Every file of the task's folder (its definition, checks, data generator…), by name, so a
  // change to the task's own code shows in provenance; shared check code is the grader version.
  const dir = taskFile(task.id);
  if (existsSync(dir))
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (!statSync(path).isFile()) continue;
      h.update(`\0${name}\0`);
      h.update(readFileSync(path));
    }
  return h.digest('hex');
}

/** A file, or every file under a folder (sorted, recursively); none when the path is absent. */
function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

export interface RenderedTask {
  params: TaskParams;
  plan: LabPlan;
  vars: Record<string, string | number>;
  text: string;
}

/** `topicPrefix`: the candidate card's prefix when it is not the scenario's (see planTask). */
export function renderTask(
  task: Task,
  seed: number,
  lang: Lang,
  topicPrefix?: string,
): RenderedTask {
  const { params, plan } = planTask(task, seed, topicPrefix);
  const vars = { ...task.vars(params, plan), timeLimitS: task.timeLimitS };
  const { text, missing } = renderTemplate(instructionTemplate(task, lang), vars);
  if (missing.length > 0)
    throw new LabError(
      'TASK_INVALID',
      `task ${task.id}: instructions.${lang}.md uses {{${missing.join('}}, {{')}}} but the task gives no such value`,
    );
  return {
    params,
    plan,
    vars,
    text: text + handInNote(task, lang) + labNote(task, plan, lang) + criticalNote(task, lang),
  };
}

/**
 * The instructions' section on where the lab is: the card file and the variables this task's lab
 * has (docs/card.md is the contract), made from the plan so that no instruction file can leave it
 * out and each names only the endpoints its lab runs.
 */
export function labNote(task: Task, plan: LabPlan, lang: Lang): string {
  const zh = lang === 'zh';
  const code = (s: string): string => `\`${s}\``;
  const lines: string[] = [
    zh
      ? `${code('IOTLAB_CARD')}：实验卡文件（JSON）的路径，下面每个值都在卡上；`
      : `${code('IOTLAB_CARD')}: the path of the lab card (JSON); every value below is on it;`,
    zh
      ? `${code('IOTLAB_MQTT_URL')}（${code('mqtt://主机:端口')}）、${code('IOTLAB_TOPIC_PREFIX')}（本题为 ${code(plan.topicPrefix)}）；`
      : `${code('IOTLAB_MQTT_URL')} (${code('mqtt://host:port')}), ${code('IOTLAB_TOPIC_PREFIX')} (here ${code(plan.topicPrefix)});`,
  ];
  if (plan.scenario.tls)
    lines.push(
      zh
        ? `${code('IOTLAB_MQTT_TLS_URL')}（${code('mqtts://主机:端口')}）：MQTT over TLS；${code('IOTLAB_MQTT_CA')}：实验 CA 证书文件；${code('IOTLAB_MQTT_CERT')}、${code('IOTLAB_MQTT_KEY')}：实验 CA 签发给你的客户端证书及其私钥文件；`
        : `${code('IOTLAB_MQTT_TLS_URL')} (${code('mqtts://host:port')}): MQTT over TLS; ${code('IOTLAB_MQTT_CA')}: the lab CA's certificate file; ${code('IOTLAB_MQTT_CERT')}, ${code('IOTLAB_MQTT_KEY')}: the client certificate the lab CA issued you, and its key file;`,
    );
  if (plan.devices.some((d) => d.modbus?.transport === 'tcp'))
    lines.push(
      zh
        ? `${code('IOTLAB_MODBUS_HOST')}、${code('IOTLAB_MODBUS_PORT')}：Modbus TCP 地址；`
        : `${code('IOTLAB_MODBUS_HOST')}, ${code('IOTLAB_MODBUS_PORT')}: Modbus TCP;`,
    );
  if (plan.devices.some((d) => d.coap))
    lines.push(
      zh
        ? `${code('IOTLAB_COAP_URL')}（${code('coap://主机:端口')}）：CoAP 服务器；`
        : `${code('IOTLAB_COAP_URL')} (${code('coap://host:port')}): CoAP;`,
    );
  for (const s of plan.serial)
    lines.push(
      zh
        ? `${code(serialEnvName(s.id))}（${code('主机:端口')}）：串口设备 ${code(s.id)}（原始 TCP）；`
        : `${code(serialEnvName(s.id))} (${code('host:port')}): the serial device ${code(s.id)} (raw TCP);`,
    );
  for (const g of plan.scenario.gateways) {
    lines.push(
      zh
        ? `${code(gatewayEnvName(g.name))}：网关 ${code(g.name)} 的配置 API（URL）；`
        : `${code(gatewayEnvName(g.name))}: the configuration API (URL) of gateway ${code(g.name)};`,
    );
    if (plan.scenario.tls)
      lines.push(
        zh
          ? `${code(gatewayTlsEnvName(g.name))}：同一 API 的 HTTPS 地址（用 ${code('IOTLAB_MQTT_CA')} 验证服务器）；`
          : `${code(gatewayTlsEnvName(g.name))}: the same API over HTTPS (verify the server with ${code('IOTLAB_MQTT_CA')});`,
      );
  }
  if (plan.scenario.security)
    lines.push(
      zh
        ? `${code('IOTLAB_SECURITY_API')}、${code('IOTLAB_SECURITY_TOKEN')}：安全 API 的地址（URL）和 Bearer 令牌（${code('docs/acl.md')}）；`
        : `${code('IOTLAB_SECURITY_API')}, ${code('IOTLAB_SECURITY_TOKEN')}: the security API (URL) and its bearer token (${code('docs/acl.md')});`,
    );
  if (plan.board)
    lines.push(
      zh
        ? `${code('IOTLAB_BOARD')}（${code('主机:端口')}）：开发板 ${code(plan.board.id)}；`
        : `${code('IOTLAB_BOARD')} (${code('host:port')}): the MCU board ${code(plan.board.id)};`,
    );
  if (task.capture !== undefined || task.prepare !== undefined)
    lines.push(
      zh
        ? `${code('IOTLAB_WORKDIR')}：本题文件所在的文件夹（考试时为你存放下载文件的文件夹）；`
        : `${code('IOTLAB_WORKDIR')}: the folder of the task's files (in an exam, where you keep the downloaded ones);`,
    );
  lines.push(
    zh
      ? `${code('IOTLAB_MQTT_USERNAME')}、${code('IOTLAB_MQTT_PASSWORD')}：MQTT 登录名和密码。考试场次的服务器要求登录：设置了就用它们登录（题目另给登录信息的除外）。`
      : `${code('IOTLAB_MQTT_USERNAME')}, ${code('IOTLAB_MQTT_PASSWORD')}: the MQTT login. An exam session's broker requires it: when they are set, log in with them (unless the task gives another login).`,
  );
  const head = zh
    ? '**实验环境地址**：程序从环境变量（或它指向的实验卡文件）读取实验地址，在 `iotlab practice`、`iotlab check` 和考试场次中完全相同，不要把地址或端口写死。`iotlab check` 为程序设置好这些变量，`iotlab practice` 打印它们；考试时在考生页面的“实验卡”中下载 card.json 或复制这些变量。'
    : "**Where your lab is**: your program reads the lab's addresses from its environment (or the card file it names), the same way in `iotlab practice`, `iotlab check` and an exam session; do not hard-code addresses or ports. `iotlab check` sets these variables for the program and `iotlab practice` prints them; in an exam, download card.json or copy them from the card tab of your page.";
  const tail = zh
    ? '完整说明和 Python、Node、shell、C 示例见 `docs/card.md`。'
    : 'The contract, with examples in Python, Node, shell and C: `docs/card.md`.';
  return `\n${head}\n\n${lines.map((l) => `- ${l}`).join('\n')}\n\n${tail}\n`;
}

/**
 * What the candidate hands in and how examiners mark it: every item (kinds of file, size limit)
 * and every rubric with its criteria, points and levels, made from the task's data so that the
 * instructions state the whole rubric the examiners use (issue 15).
 */
export function handInNote(task: Task, lang: Lang): string {
  const items = task.handIn ?? [];
  const rubrics = task.checks.filter((c) => c.rubric);
  if (items.length === 0 && rubrics.length === 0) return '';
  const zh = lang === 'zh';
  const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
  const out: string[] = [zh ? '\n**提交的文件**：' : '\n**What you hand in**:', ''];
  for (const h of items)
    out.push(
      zh
        ? `- \`${h.id}\`：${h.title.zh}（${h.types.join('、')}，不超过 ${mib(handinLimit(h))}；按文件内容识别类型）`
        : `- \`${h.id}\`: ${h.title.en} (${h.types.join(', ')}, at most ${mib(handinLimit(h))}; the kind is told from the content)`,
    );
  out.push(
    '',
    zh
      ? '**评分细则**（由考评员按细则独立评分，取中位数）：'
      : '**Rubric** (examiners mark independently by it; the median counts):',
    '',
  );
  for (const c of rubrics) {
    const r = c.rubric!;
    out.push(
      zh
        ? `- ${c.title.zh}（${c.points} 分${r.handIn ? `，评阅 \`${r.handIn}\`` : '，现场观察'}）`
        : `- ${c.title.en} (${c.points} points${r.handIn ? `, marks \`${r.handIn}\`` : ', observed'})`,
    );
    for (const k of r.criteria) {
      out.push(
        `  - ${zh ? k.title.zh : k.title.en}（${k.points}）`.replace(
          /（(\d+)）$/,
          zh ? '（$1 分）' : ' ($1)',
        ),
      );
      for (const l of k.levels) out.push(`    - ${l.points}: ${zh ? l.text.zh : l.text.en}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * The instructions' closing statement of the task's critical checks, made from the checks
 * themselves so that no instruction file can leave one out or name one the grader does not cap.
 */
export function criticalNote(task: Task, lang: Lang): string {
  const critical = task.checks.filter((c) => c.critical !== undefined);
  if (critical.length === 0) return '';
  const share = (need: true | number, zh: boolean): string =>
    need === true || need >= 1
      ? ''
      : zh
        ? `（至少得到该项 ${Math.round(need * 100)}% 的分数）`
        : ` (at least ${Math.round(need * 100)} % of its points)`;
  if (lang === 'zh')
    return `\n**关键检查项**：${critical.map((c) => `“${c.title.zh}”${share(c.critical!, true)}`).join('、')}。其中任何一项未达到要求，本题最高 ${CRITICAL_CAP} 分（不合格）。\n`;
  return `\n**Critical checks**: ${critical.map((c) => `"${c.title.en}"${share(c.critical!, false)}`).join(', ')}. If any of them is not met, the task scores at most ${CRITICAL_CAP} (not passed).\n`;
}

/** What is wrong with a rubric check: its criteria, levels, points and hand-in item. */
function rubricProblems(task: Task, c: Task['checks'][number]): string[] {
  const out: string[] = [];
  const r = c.rubric;
  if (!r) return out;
  if (r.criteria.length === 0) out.push('its rubric has no criteria');
  const sum = r.criteria.reduce((s, k) => s + k.points, 0);
  if (sum !== c.points) out.push(`its rubric's criteria sum to ${sum}, not ${c.points}`);
  const ids = new Set<string>();
  for (const k of r.criteria) {
    if (ids.has(k.id)) out.push(`criterion ${k.id} twice`);
    ids.add(k.id);
    const pts = k.levels.map((l) => l.points);
    if (k.levels.length < 2) out.push(`criterion ${k.id} has fewer than two levels`);
    else if (
      pts[0] !== k.points ||
      pts.at(-1) !== 0 ||
      pts.some((p, i) => i > 0 && p >= pts[i - 1]!)
    )
      out.push(`criterion ${k.id}: levels must fall from ${k.points} to 0`);
  }
  if (r.handIn !== undefined && !(task.handIn ?? []).some((h) => h.id === r.handIn))
    out.push(`its rubric marks hand-in ${r.handIn}, which the task does not take`);
  if (c.critical !== undefined) out.push('a rubric check cannot be critical');
  return out;
}

/** Every problem of a task, each naming the task. Empty when the task is fit for the bank. */
export function validateTask(task: Task, seeds: readonly number[] = [1, 2, 3]): string[] {
  const out: string[] = [];
  const say = (m: string) => out.push(`task ${task.id}: ${m}`);
  if (!/^l[123]-(emb|app|sys|all)-[a-z0-9-]+$/.test(task.id))
    say('id must look like l1-emb-analog (level, direction, name)');
  if (!task.id.startsWith(`${task.level.toLowerCase()}-${task.direction.toLowerCase()}-`))
    say(`id does not start with its level and direction (${task.level}, ${task.direction})`);
  for (const s of task.skills) {
    const skill = skillById(s);
    if (!skill) say(`skill ${s} is not in the catalogue`);
    else if (skill.level !== task.level) say(`skill ${s} is not of level ${task.level}`);
  }
  const total = task.checks.reduce((s, c) => s + c.points, 0);
  if (total !== 100) say(`check points sum to ${total}, not 100`);
  const ids = new Set<string>();
  for (const c of task.checks) {
    if (ids.has(c.id)) say(`check id ${c.id} is used twice`);
    ids.add(c.id);
    if (!task.skills.includes(c.skill))
      say(`check ${c.id} assesses ${c.skill}, which the task does not list`);
    if (!(c.points > 0)) say(`check ${c.id} has no points`);
    if (typeof c.critical === 'number' && !(c.critical > 0 && c.critical <= 1))
      say(`check ${c.id} is critical with a share of ${c.critical}, not in (0, 1]`);
    if (c.rubric) for (const m of rubricProblems(task, c)) say(`check ${c.id}: ${m}`);
  }
  const items = new Set<string>();
  for (const h of task.handIn ?? []) {
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(h.id)) say(`hand-in id ${h.id} is not a-z0-9- (max 32)`);
    if (items.has(h.id)) say(`hand-in ${h.id} is listed twice`);
    items.add(h.id);
    if (h.types.length === 0) say(`hand-in ${h.id} takes no kind of file`);
  }
  for (const seed of seeds)
    for (const f of preparedFiles(task, seed)) {
      const problem = preparedNameProblem(f.file);
      if (problem) say(`seed ${seed}: ${problem}`);
    }
  if (!existsSync(taskFile(task.id, task.solution)))
    say(`reference solution ${task.solution} is missing`);
  for (const lang of ['zh', 'en'] as const) {
    let template: string;
    try {
      template = instructionTemplate(task, lang);
    } catch (err) {
      say(String((err as Error).message));
      continue;
    }
    for (const seed of seeds) {
      try {
        const r = renderTask(task, seed, lang);
        const other = lang === 'zh' ? 'En' : 'Zh';
        const used = placeholders(template);
        const unused = Object.keys(r.vars).filter(
          (k) => k !== 'timeLimitS' && !k.endsWith(other) && !used.includes(k),
        );
        if (unused.length > 0 && seed === seeds[0])
          say(`instructions.${lang}.md never states ${unused.join(', ')}`);
      } catch (err) {
        say(`seed ${seed}: ${(err as Error).message}`);
      }
    }
  }
  return out;
}
