/**
 * Part 4: board round trips per second from the C HAL (tests/bench/board_bench.c, compiled with
 * gcc -O2), against an in-process greenhouse lab: MILLIS (no bus time: protocol + TCP only) and a
 * 6-byte EEPROM random read over I2C at 100 kHz (the scenario's clock: ~0.83 ms of simulated bus
 * time per read bounds the rate, as on a real bus) and at 1 MHz.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { createLab } from '../../simulator/lab.js';
import { loadScenario, validateScenario } from '../../simulator/scenario.js';

const run = promisify(execFile);

export interface BoardBenchRow {
  op: 'millis' | 'i2c';
  i2cHz: number;
  count: number;
  seconds: number;
  perSecond: number;
  usPerTrip: number;
  /** Simulated bus time per request, µs. */
  busUs: number;
}

function repoRoot(): string {
  let dir = import.meta.dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'clients', 'c', 'iotlab_board.c'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find clients/c/iotlab_board.c above the bench');
}

async function roundTrips(
  i2cHz: number,
  op: 'millis' | 'i2c',
  count: number,
  exe: string,
  dir: string,
) {
  const { scenario } = loadScenario('greenhouse');
  const withClock = validateScenario({
    ...scenario,
    board: { ...scenario.board!, i2c: { ...scenario.board!.i2c, clockHz: i2cHz } },
  });
  // With an evidence file, as a real lab: every bus transfer is a line in it.
  const lab = createLab(withClock, {
    seed: 1,
    ports: { ws: null },
    evidencePath: join(dir, `evidence-${op}-${i2cHz}.jsonl`),
  });
  try {
    const card = await lab.start();
    const env = { ...process.env, IOTLAB_BOARD: `127.0.0.1:${card.board!.port}` };
    await run(exe, [op, '200'], { env });
    const { stdout } = await run(exe, [op, String(count)], { env, timeout: 120_000 });
    const r = JSON.parse(stdout) as { count: number; seconds: number };
    return {
      op,
      i2cHz,
      count: r.count,
      seconds: r.seconds,
      perSecond: r.count / r.seconds,
      usPerTrip: (r.seconds / r.count) * 1e6,
      busUs: op === 'i2c' ? ((9 * 9 + 2) * 1e6) / i2cHz : 0,
    };
  } finally {
    await lab.stop();
  }
}

export async function benchBoard(onRow: (r: BoardBenchRow) => void): Promise<BoardBenchRow[]> {
  const root = repoRoot();
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-board-bench-'));
  try {
    const exe = join(dir, 'board_bench');
    await run('gcc', [
      '-std=c99',
      '-O2',
      '-Wall',
      '-Wextra',
      '-o',
      exe,
      join(root, 'tests', 'bench', 'board_bench.c'),
      join(root, 'clients', 'c', 'iotlab_board.c'),
    ]);
    const rows: BoardBenchRow[] = [];
    for (const [hz, op, n] of [
      [100_000, 'millis', 20_000],
      [100_000, 'i2c', 5000],
      [1_000_000, 'i2c', 20_000],
    ] as const) {
      const r = await roundTrips(hz, op, n, exe, dir);
      rows.push(r);
      onRow(r);
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
