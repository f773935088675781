/**
 * The board's HAL examples as candidates run them: the C examples compiled with gcc
 * (-std=c99 -Wall -Wextra -Wpedantic -Werror), the Python examples under Debian's /usr/bin/python3
 * (stdlib only) and the TypeScript examples under node, all against an in-process lab over TCP.
 * Printed values are checked against the lab truth and the bytes in the evidence.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BoardLab } from '../support/board-lab.js';
import { checkShtReading, parseSht, startBoardLab } from '../support/board-lab.js';
import { PYTHON, killTools, requireTools, runOk, runTool, startTool } from './harness/tools.js';
import { BoardClient } from '../../clients/ts/board.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'iotlab-board-c-'));
let b: BoardLab;

beforeAll(async () => {
  requireTools('gcc', PYTHON);
  for (const example of ['blink', 'sht3x']) {
    const r = await runOk('gcc', [
      '-std=c99',
      '-Wall',
      '-Wextra',
      '-Wpedantic',
      '-Werror',
      '-O2',
      '-o',
      join(out, example),
      join(root, 'clients/c/examples', `${example}.c`),
      join(root, 'clients/c/iotlab_board.c'),
    ]);
    expect(r.stderr).toBe('');
  }
  b = await startBoardLab(7);
}, 60_000);
afterEach(() => killTools());
afterAll(async () => {
  await b.lab.stop();
});

/** How each language runs an example, through env(1) so the child gets IOTLAB_BOARD. */
const runners: Record<string, (example: string, args: string[]) => [string, string[]]> = {
  c: (e, args) => [join(out, e), args],
  python: (e, args) => [PYTHON, [join(root, 'clients/python/examples', `${e}.py`), ...args]],
  typescript: (e, args) => [
    process.execPath,
    [join(root, 'dist/clients/ts/examples', `${e}.js`), ...args],
  ],
};
const withEnv = ([cmd, args]: [string, string[]]): [string, string[]] => [
  '/usr/bin/env',
  [`IOTLAB_BOARD=127.0.0.1:${b.port}`, cmd, ...args],
];

describe.each(Object.keys(runners))('%s HAL examples', (lang) => {
  const runner = runners[lang]!;

  it('sht3x: prints °C and %RH that match the wire bytes and the lab truth', async () => {
    const since = b.events.length;
    const addr = `0x${b.address('sht3x').toString(16)}`;
    const r = await runOk(...withEnv(runner('sht3x', [addr])));
    const printed = parseSht(r.stdout);
    const { truth, wire } = checkShtReading(b, printed, since);
    // %.2f rounding of the wire value; the wire value is the truth to 175/65535 °C.
    expect(Math.abs(printed.t - wire.t)).toBeLessThanOrEqual(0.0051);
    expect(Math.abs(printed.rh - wire.rh)).toBeLessThanOrEqual(0.0051);
    expect(Math.abs(wire.t - truth.t)).toBeLessThanOrEqual(0.003);
    expect(Math.abs(wire.rh - truth.rh)).toBeLessThanOrEqual(0.002);
  });

  it('blink: the LED blinks while the button is held and goes dark when released', async () => {
    b.lab.pressButton('btn', false);
    const since = b.events.length;
    const tool = startTool(...withEnv(runner('blink', ['2'])), { timeoutMs: 10_000 });
    // Press once the firmware has configured its pins, hold 600 ms, release.
    await tool.waitForLines(1);
    b.lab.pressButton('btn', true);
    const pressedAt = b.events.length;
    await new Promise((r) => setTimeout(r, 600));
    b.lab.pressButton('btn', false);
    const releasedAt = b.events.length;
    const result = await tool.done;
    b.lab.pressButton('btn', undefined);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^ready: button on pin 2, LED on pin 13\npressed at \d+ ms\nreleased at \d+ ms\n$/,
    );
    const led = (from: number, to?: number) =>
      b.events
        .slice(from, to)
        .filter((e) => e.kind === 'device.state' && e.component === 'led' && e.on !== undefined)
        .map((e) => e.on);
    // 100 ms half-period over 600 ms: about 3 flashes (on, off, on, …).
    expect(led(pressedAt, releasedAt).filter((on) => on === true).length).toBeGreaterThanOrEqual(2);
    expect(led(since).at(-1)).toBe(false);
  });
});

describe('a second program while one holds the board', () => {
  it.each(['c', 'python'])('%s: fails with the board-busy message', async (lang) => {
    const holder = await BoardClient.connect('127.0.0.1', b.port);
    try {
      expect(await holder.info()).toMatch(/^iotlab-board/);
      const r = await runTool(...withEnv(runners[lang]!('sht3x', ['0x44'])));
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/board busy/);
    } finally {
      await holder.close();
    }
  });
});

describe('PIN_WAIT from the Python HAL', () => {
  it('wakes on the falling edge of the button', async () => {
    b.lab.pressButton('btn', false);
    const script = [
      'import sys',
      `sys.path.insert(0, ${JSON.stringify(join(root, 'clients/python'))})`,
      'from iotlab_board import Board, INPUT_PULLUP, FALLING',
      'with Board() as b:',
      '    b.pin_mode(2, INPUT_PULLUP)',
      '    print("waiting", flush=True)',
      '    fired, level, t = b.pin_wait(2, FALLING, 5000)',
      '    print(f"fired={fired} level={level}", flush=True)',
    ].join('\n');
    const tool = startTool(...withEnv([PYTHON, ['-c', script]]));
    await tool.waitForLines(1);
    // An edge counts from the level when the wait began: press once the request is surely in.
    await new Promise((r) => setTimeout(r, 300));
    b.lab.pressButton('btn', true);
    const r = await tool.done;
    b.lab.pressButton('btn', undefined);
    expect(r.stdout).toBe('waiting\nfired=1 level=0\n');
  });
});
