/**
 * Running the independent Debian tools from a test. Every child is tracked so `killTools()` (in
 * afterEach) ends whatever a failed test left behind, and every run has a hard timeout. Children
 * are always asynchronous: the lab runs in this process, so a synchronous spawn would block the
 * very servers the tool is talking to.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

// What the tools are and which Debian package has each: one table for every test.
export { PYTHON, requirePython, requireTools } from '../../support/debian.js';

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
