/**
 * Part 1: `iotlab start` time to a written card. Spawns the built CLI, polls for the card file
 * every ~5 ms until it holds valid JSON (the CLI writes it in place, so a poll can see it half
 * written), then stops the process with SIGTERM and waits for it to exit.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './stats.js';
import { sleep, spawnTracked, stopChild } from './proc.js';

export interface StartupResult {
  warmupMs: number;
  runsMs: number[];
  minMs: number;
  medianMs: number;
  maxMs: number;
  /** Exit codes after SIGTERM; a clean stop is 0. */
  exitCodes: (number | string)[];
}

const POLL_MS = 5;
const TIMEOUT_MS = 15_000;

function readCard(file: string): boolean {
  if (!existsSync(file)) return false;
  try {
    const card = JSON.parse(readFileSync(file, 'utf8')) as { mqtt?: { url?: unknown } };
    return typeof card.mqtt?.url === 'string';
  } catch {
    return false; // half written: poll again
  }
}

async function timeOneStart(
  bin: string,
  dir: string,
  run: number,
): Promise<{ ms: number; exit: number | string }> {
  const card = join(dir, `card-${run}.json`);
  const args = [
    ...[bin, 'start', '--scenario', 'greenhouse', '--seed', '1'],
    ...[
      '--mqtt-port',
      '0',
      '--ws-port',
      '0',
      '--mqtts-port',
      '0',
      '--wss-port',
      '0',
      '--coap-port',
      '0',
      '--modbus-port',
      '0',
      '--serial-port',
      '0',
      '--board-port',
      '0',
      '--gateway-port',
      '0',
      '--gateway-tls-port',
      '0',
    ],
    ...['--card', card, '--evidence', join(dir, `evidence-${run}.jsonl`)],
    // --duration: a safety net, so a child we somehow fail to stop still ends by itself.
    ...['--duration', '60', '--log-level', 'warn'],
  ];
  const t0 = performance.now();
  const child = spawnTracked(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    for (;;) {
      if (readCard(card)) break;
      if (child.child.exitCode !== null)
        throw new Error(`iotlab start exited before writing its card:\n${child.stderrTail()}`);
      if (performance.now() - t0 > TIMEOUT_MS)
        throw new Error(`no card after ${TIMEOUT_MS} ms:\n${child.stderrTail()}`);
      await sleep(POLL_MS);
    }
    const ms = performance.now() - t0;
    return { ms, exit: await stopChild(child, 'SIGTERM') };
  } finally {
    await stopChild(child, 'SIGKILL', 1000);
  }
}

export async function benchStartup(bin: string, runs = 5): Promise<StartupResult> {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build`);
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-bench-start-'));
  const runsMs: number[] = [];
  const exitCodes: (number | string)[] = [];
  let warmupMs: number;
  try {
    const warmup = await timeOneStart(bin, dir, 0);
    warmupMs = warmup.ms;
    exitCodes.push(warmup.exit);
    for (let i = 1; i <= runs; i++) {
      const r = await timeOneStart(bin, dir, i);
      runsMs.push(r.ms);
      exitCodes.push(r.exit);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    warmupMs,
    runsMs,
    minMs: Math.min(...runsMs),
    medianMs: median(runsMs),
    maxMs: Math.max(...runsMs),
    exitCodes,
  };
}
