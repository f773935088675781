/**
 * Child processes for the benchmark: every child is tracked so that it is killed whatever
 * happens to the parent (normal end, thrown error, Ctrl-C), its stdout is read as JSON lines
 * checked against a schema, and its CPU time and RSS are read from /proc (Linux only).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { createInterface } from 'node:readline';
import type { z } from 'zod';

const live = new Set<ChildProcess>();
let hooked = false;

function killAllNow(): void {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** Kills every tracked child when the parent ends, however it ends. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.on(sig, () => {
      killAllNow();
      process.exit(130);
    });
}

export interface Tracked {
  child: ChildProcess;
  pid: number;
  /** The last few KB of stderr, for error messages. */
  stderrTail(): string;
  /** Resolves with the exit code (or the signal's name) once the child has exited. */
  exited: Promise<number | string>;
}

export function spawnTracked(cmd: string, args: string[], opts: SpawnOptions = {}): Tracked {
  hookExit();
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
  if (child.pid === undefined) throw new Error(`cannot spawn ${cmd}`);
  live.add(child);
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000);
  });
  child.on('error', () => undefined); // reported through `exited`
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  return { child, pid: child.pid, stderrTail: () => tail, exited };
}

/** Asks a child to stop with `signal`, then SIGKILLs it after `graceMs`. Resolves on exit. */
export async function stopChild(
  t: Tracked,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5000,
): Promise<number | string> {
  if (t.child.exitCode !== null || t.child.signalCode !== null) return t.exited;
  t.child.kill(signal);
  const timer = setTimeout(() => t.child.kill('SIGKILL'), graceMs);
  try {
    return await t.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a child's stdout line by line; each `next` validates one JSON line with a schema. */
export class JsonLines {
  private readonly queue: string[] = [];
  private waiter: ((line: string | undefined) => void) | undefined;
  private ended = false;

  constructor(private readonly t: Tracked) {
    if (!t.child.stdout) throw new Error('child has no stdout pipe');
    const rl = createInterface({ input: t.child.stdout });
    rl.on('line', (line) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(line);
      } else this.queue.push(line);
    });
    rl.on('close', () => {
      this.ended = true;
      this.waiter?.(undefined);
    });
  }

  async next<S extends z.ZodType>(schema: S, what: string, timeoutMs: number): Promise<z.infer<S>> {
    const line = await new Promise<string | undefined>((resolve, reject) => {
      const queued = this.queue.shift();
      if (queued !== undefined) return resolve(queued);
      if (this.ended) return resolve(undefined);
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no ${what} from pid ${this.t.pid} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (l) => {
        clearTimeout(timer);
        resolve(l);
      };
    });
    if (line === undefined)
      throw new Error(`pid ${this.t.pid} closed stdout before ${what}:\n${this.t.stderrTail()}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`pid ${this.t.pid} printed a line that is not JSON (${what}): ${line}`);
    }
    const result = schema.safeParse(parsed);
    if (!result.success)
      throw new Error(`pid ${this.t.pid}: unexpected ${what}: ${line} (${result.error.message})`);
    return result.data;
  }
}

let clkTck: number | undefined;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  clkTck ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clkTck;
}

/** Resident set size in KiB, from VmRSS in /proc/<pid>/status. */
export function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** A port that was free a moment ago on 127.0.0.1 (for tools that cannot take port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Polls until something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, timeoutMs: number, t?: Tracked): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await portOpen(port)) return;
    if (t && (t.child.exitCode !== null || t.child.signalCode !== null))
      throw new Error(`pid ${t.pid} exited before listening on ${port}:\n${t.stderrTail()}`);
    await sleep(20);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
