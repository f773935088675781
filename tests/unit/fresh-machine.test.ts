/**
 * A fresh machine passes: what the tests need from Debian is installed by `.ci/run` and named in
 * README's install line, and nothing in the repository reads files from outside it. Each check
 * reads the repository's own files, so a tool a test starts using without saying so, or a package
 * dropped from one of the lists, fails here on every machine, not only on a new one.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEBIAN_TOOLS, PYTHON, PYTHON_MODULES, neededPackages } from '../support/debian.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SKIP = new Set(['node_modules', 'dist', '.git', 'iotlab-evidence', 'coverage', 'artifacts']);

function files(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files(path, out);
    else out.push(path);
  }
  return out;
}

const ALL = files(ROOT);
const read = (path: string): string => readFileSync(path, 'utf8');

/** The packages of the `apt-get install` command in a text (continuation lines joined). */
function aptPackages(text: string, where: string): string[] {
  const joined = text.replace(/\\\n/g, ' ');
  const line = /apt-get install ([^\n`]*)/.exec(joined)?.[1];
  expect(line, `${where} has an apt-get install line`).toBeDefined();
  return line!
    .split(/\s+/)
    .filter((w) => w !== '' && !w.startsWith('-'))
    .sort();
}

describe('a fresh machine has what the tests use', () => {
  const ci = aptPackages(read(join(ROOT, '.ci/run')), '.ci/run');

  it('.ci/run installs exactly the packages tests/support/debian.ts names', () => {
    expect(ci).toEqual(neededPackages());
  });

  it("README's install line names the same packages as .ci/run", () => {
    expect(aptPackages(read(join(ROOT, 'README.md')), 'README.md')).toEqual(ci);
  });

  it('every command a test starts by name is in the table, Node or Debian-essential', () => {
    // node/npm come with Node.js; sh, env and getconf are in Debian's essential set.
    const own = new Set(['node', 'npm', 'npx', 'sh', '/bin/sh', '/usr/bin/env', 'getconf']);
    const table: Record<string, string> = DEBIAN_TOOLS;
    const call =
      /\b(?:spawn|spawnSync|execFile|execFileSync|runTool|runOk|startTool)\(\s*(['"`])([^'"`$]+)\1/g;
    const unknown: string[] = [];
    for (const path of ALL.filter((p) => p.startsWith(join(ROOT, 'tests')) && p.endsWith('.ts'))) {
      for (const m of read(path).matchAll(call)) {
        const cmd = m[2]!;
        if (!own.has(cmd) && table[cmd] === undefined)
          unknown.push(`${relative(ROOT, path)}: ${cmd}`);
      }
    }
    expect(unknown, 'add these to DEBIAN_TOOLS with their package').toEqual([]);
  });

  it("every module the repository's Python imports is in the standard library or the table", () => {
    const stdlib = new Set(
      execFileSync(PYTHON, ['-c', 'import sys; print("\\n".join(sys.stdlib_module_names))'], {
        encoding: 'utf8',
      }).split('\n'),
    );
    const py = ALL.filter((p) => p.endsWith('.py'));
    const local = new Set(py.map((p) => p.split('/').pop()!.replace(/\.py$/, '')));
    const table: Record<string, string> = PYTHON_MODULES;
    const unknown: string[] = [];
    for (const path of py) {
      for (const m of read(path).matchAll(/^\s*(?:from|import)\s+([A-Za-z_]\w*)/gm)) {
        const top = m[1]!;
        if (!stdlib.has(top) && !local.has(top) && table[top] === undefined)
          unknown.push(`${relative(ROOT, path)}: ${top}`);
      }
    }
    expect(unknown, 'add these to PYTHON_MODULES with their package').toEqual([]);
    expect(py.length).toBeGreaterThan(3); // the walk found the repository's scripts
  });
});

describe('the repository stands alone', () => {
  it('no file reads from a folder beside the checkout', () => {
    // Spelt so that this file does not match itself.
    const outside = new RegExp(['\\.\\.', 'shared', ''].join('/'));
    const hits = ALL.filter(
      (p) => !p.endsWith('.md') && /\.(ts|js|json|ya?ml|py|sh|c)$|\/run$/.test(p),
    )
      .filter((p) => outside.test(read(p)))
      .map((p) => relative(ROOT, p));
    expect(hits).toEqual([]);
  });

  it("the standard's text the catalogue is checked against is in the repository", () => {
    const text = read(join(ROOT, 'docs/standard/iot-engineering-technician-2021.zh.txt'));
    expect(text).toContain('物联网工程技术人员');
    expect(text).toContain('4 权重表');
  });
});
