/**
 * Running the independent Debian tools from a test. Every child is tracked so `killTools()` (in
 * afterEach) ends whatever a failed test left behind, and every run has a hard timeout. Children
 * are always asynchronous: the lab runs in this process, so a synchronous spawn would block the
 * very servers the tool is talking to.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The Debian package that provides each tool, for the "missing tool" message. */
export const DEBIAN_PACKAGE = {
  mosquitto_sub: 'mosquitto-clients',
  mosquitto_pub: 'mosquitto-clients',
  'coap-client-notls': 'libcoap3-bin',
  mbpoll: 'mbpoll',
  '/usr/bin/python3': 'python3',
} as const;

export type Tool = keyof typeof DEBIAN_PACKAGE;

export const PYTHON = '/usr/bin/python3';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Fails (never skips) when a tool is absent, naming the package that provides it: an interop
 * suite that silently skips proves nothing.
 */
export function requireTools(...tools: Tool[]): void {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  const missing = tools.filter((tool) =>
    tool.startsWith('/') ? !executable(tool) : !dirs.some((d) => executable(join(d, tool))),
  );
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((t) => DEBIAN_PACKAGE[t]))].join(' ');
  throw new Error(
    `interop tool(s) not found: ${missing.join(', ')}. ` +
      `Install them with: apt-get install ${packages}`,
  );
}

let pythonChecked: Promise<void> | undefined;

/** Checks (once per file) that /usr/bin/python3 has the client libraries the Python test uses. */
export function requirePythonLibraries(): Promise<void> {
  requireTools(PYTHON);
  pythonChecked ??= runTool(PYTHON, ['-c', 'import paho.mqtt.client, pymodbus.client'], {
    timeoutMs: 10_000,
  }).then((r) => {
    if (r.code !== 0)
      throw new Error(
        `${PYTHON} cannot import paho-mqtt and pymodbus (${r.stderr.trim()}). ` +
          'Install them with: apt-get install python3-paho-mqtt python3-pymodbus',
      );
  });
  return pythonChecked;
}

export interface ToolResult {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall-clock run time of the child, ms. */
  ms: number;
}

export interface RunningTool {
  readonly command: string;
  /** Complete stdout lines so far. */
  lines(): string[];
  /** Resolves once stdout has at least n complete lines; rejects on exit or timeout before. */
  waitForLines(n: number, timeoutMs?: number): Promise<string[]>;
  /** Resolves when the child exits (rejects after the run's timeout, having killed it). */
  readonly done: Promise<ToolResult>;
}

const live = new Set<ChildProcess>();

/** Ends every child still running (afterEach). */
export function killTools(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`);

export function startTool(
  cmd: string,
  args: readonly string[],
  opts: { timeoutMs?: number } = {},
): RunningTool {
  const command = [cmd, ...args].map(quote).join(' ');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const started = Date.now();
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  let exited = false;
  const watchers = new Set<() => void>();
  const lines = (): string[] => stdout.split('\n').slice(0, -1);
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (s: string) => {
    stdout += s;
    for (const w of watchers) w();
  });
  child.stderr.on('data', (s: string) => (stderr += s));

  const done = new Promise<ToolResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${command} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      reject(new Error(`cannot run ${command}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      exited = true;
      for (const w of watchers) w();
      resolve({ command, code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
  // A caller that only uses waitForLines must not leave an unhandled rejection behind.
  done.catch(() => undefined);

  const waitForLines = (n: number, waitMs = timeoutMs): Promise<string[]> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const have = lines();
        if (have.length >= n) finish(() => resolve(have));
        else if (exited)
          finish(() =>
            reject(
              new Error(
                `${command} exited after ${have.length} of ${n} lines\n` +
                  `stdout: ${stdout}\nstderr: ${stderr}`,
              ),
            ),
          );
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new Error(
                `${command}: ${lines().length} of ${n} lines after ${waitMs} ms\n${stdout}`,
              ),
            ),
          ),
        waitMs,
      );
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        watchers.delete(check);
        settle();
      };
      watchers.add(check);
      check();
    });

  return { command, lines, waitForLines, done };
}

/** Runs a tool to completion. */
export function runTool(
  cmd: string,
  args: readonly string[],
  opts: { timeoutMs?: number } = {},
): Promise<ToolResult> {
  return startTool(cmd, args, opts).done;
}

/** Runs a tool and insists on exit code 0, with its output in the failure message. */
export async function runOk(
  cmd: string,
  args: readonly string[],
  opts: { timeoutMs?: number } = {},
): Promise<ToolResult> {
  const r = await runTool(cmd, args, opts);
  if (r.code !== 0)
    throw new Error(`${r.command} exited with ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}
