/**
 * The console's message files (server/console/src/i18n/zh.ts and en.ts) have the same keys, no
 * empty message, and every key the pages name: the literal keys in the sources, and the keys they
 * build from the server's vocabularies (error codes, fault types, session modes and states,
 * check outcomes, grade statuses, sheet results).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../core/errors.js';
import { FAULT_TYPES } from '../../core/faults.js';
import en from '../../server/console/src/i18n/en.js';
import zh from '../../server/console/src/i18n/zh.js';
import { KNOWN_CODES } from '../../server/console/src/common/errors.js';

type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const ZH = flatten(zh);
const EN = flatten(en);
const SRC = join(import.meta.dirname, '..', '..', 'server', 'console', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : /\.(vue|ts)$/.test(e.name) && !e.name.endsWith('.gen.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

describe("the console's messages", () => {
  it('have the same keys in Chinese and English, none empty', () => {
    expect([...ZH.keys()].filter((k) => !EN.has(k))).toEqual([]);
    expect([...EN.keys()].filter((k) => !ZH.has(k))).toEqual([]);
    expect([...ZH, ...EN].filter(([, v]) => v.trim() === '').map(([k]) => k)).toEqual([]);
  });

  it('have every key the pages name literally', () => {
    const used = new Set<string>();
    for (const file of sources(SRC))
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\('([a-zA-Z]+(?:\.[\w-]+)+)'/g))
        used.add(m[1]!);
    expect(used.size).toBeGreaterThan(100);
    expect([...used].filter((k) => !ZH.has(k))).toEqual([]);
  });

  it("have a message for each of the server's words the pages show", () => {
    const needed = [
      ...KNOWN_CODES.map((c) => `errors.${c}`),
      ...Object.keys(ErrorCodes)
        .filter(
          (c) =>
            ErrorCodes[c as keyof typeof ErrorCodes] >= 5000 &&
            ErrorCodes[c as keyof typeof ErrorCodes] < 6000,
        )
        .map((c) => `errors.${c}`),
      ...FAULT_TYPES.map((f) => `fault.${f}`),
      ...['exam', 'practice', 'lab'].map((m) => `mode.${m}`),
      ...['created', 'running', 'stopped'].map((s) => `sessionState.${s}`),
      ...['not-started', 'running', 'done'].map((s) => `taskState.${s}`),
      ...['passed', 'partial', 'failed', 'manual'].map((s) => `outcome.${s}`),
      ...['final', 'pending-examiner', 'ungradable'].map((s) => `grade.${s}`),
      ...['pass', 'fail', 'pending', 'provisional'].map((s) => `result.${s}`),
      ...['foreign-access', 'copying'].map((s) => `flag.${s}`),
      ...['examiner', 'trainer', 'candidate'].map((s) => `role.${s}`),
    ];
    expect(needed.filter((k) => !ZH.has(k) || !EN.has(k))).toEqual([]);
  });
});
