/**
 * The layering of the folders (README "Layout", docs/architecture.md), checked over the import
 * graph the way Node loads it. ESLint checks each file's own imports; this test also follows them
 * transitively, so a pure module that reaches a server through another module shows up too.
 * Type-only imports load nothing and `import()` loads only when called (a family's runtime), so
 * neither is an edge of the graph of what a module loads.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE = ['core', 'protocols', 'devices', 'simulator', 'grader', 'tasks', 'server', 'cli'];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (path === join('server', 'console')) return [];
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const FILES = SOURCE.flatMap(sources);
/** What each file loads: its static, non-type imports of our own files (repo-relative .ts). */
const LOADS = new Map(FILES.map((f) => [f, imports(f, false)]));

function imports(file: string, withTypes: boolean): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: string[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'/gm;
  for (const m of text.matchAll(re)) {
    if (m[2] && !withTypes) continue;
    out.push(normalize(join(dirname(file), m[3]!)).replace(/\.js$/, '.ts'));
  }
  return out;
}

function closure(roots: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...roots];
  for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
    if (seen.has(f)) continue;
    seen.add(f);
    todo.push(...(LOADS.get(f) ?? []));
  }
  return seen;
}

const under = (folder: string) => (f: string) => f.startsWith(`${folder}/`);
const SERVER_OR_RUNTIME =
  /^protocols\/(mqtt\/|board\/|http\/|listen|coap\/(server|udp)|modbus\/tcp-server|serial\/(line|pty|port|tcp))|(^|\/)runtime(\.ts|\/)|^simulator\/lab/;

describe('layout: arrows run one way', () => {
  it('finds the sources', () => {
    expect(FILES.filter(under('core')).length).toBeGreaterThan(5);
  });

  it('core/ imports nothing of ours outside it (types included)', () => {
    const bad = FILES.filter(under('core')).flatMap((f) =>
      imports(f, true)
        .filter((t) => !t.startsWith('core/'))
        .map((t) => `${f} → ${t}`),
    );
    expect(bad).toEqual([]);
  });

  it('protocols/ and devices/ never import the lab or anything above it', () => {
    const above = /^(simulator|grader|tasks|server|cli)\//;
    const bad = FILES.filter((f) => under('protocols')(f) || under('devices')(f)).flatMap((f) =>
      imports(f, true)
        .filter((t) => above.test(t) || (under('protocols')(f) && t.startsWith('devices/')))
        .map((t) => `${f} → ${t}`),
    );
    expect(bad).toEqual([]);
  });

  it('what the grader loads, transitively, holds no server, transport, runtime or lab', () => {
    const loaded = [...closure(FILES.filter(under('grader')))];
    expect(loaded.filter((f) => SERVER_OR_RUNTIME.test(f))).toEqual([]);
  });

  it('planning a lab (scenario, plan, card) loads no server or runtime either', () => {
    const loaded = [
      ...closure(['simulator/scenario.ts', 'simulator/plan.ts', 'simulator/card.ts']),
    ];
    expect(loaded.filter((f) => SERVER_OR_RUNTIME.test(f))).toEqual([]);
  });

  it('every family of the registry is a folder of devices/ with its family.ts', () => {
    const registry = imports('simulator/families.ts', false);
    expect(registry.length).toBeGreaterThan(0);
    for (const f of registry) expect(relative('devices', f)).toMatch(/^[a-z-]+\/family\.ts$/);
  });
});
