/**
 * README's CLI reference is complete: every command and subcommand the CLI has, and every flag
 * of each, appear in it. Read from the CLI's own --help, so a new flag without a line in the
 * README fails here.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.js';

async function help(path: string[]): Promise<string> {
  let out = '';
  await runCli([...path, '--help'], { stdout: (s) => (out += s), stderr: (s) => (out += s) });
  return out;
}

/** The lines of a help section ("Options:", "Commands:"), up to the next blank line. */
function section(text: string, title: string): string[] {
  const i = text.indexOf(`\n${title}\n`);
  if (i < 0) return [];
  const rest = text.slice(i + title.length + 2);
  const end = rest.search(/\n\n|$/);
  return rest.slice(0, end).split('\n');
}

/** Every command path with its long flags, walking subcommands. */
async function commands(path: string[] = []): Promise<{ path: string[]; flags: string[] }[]> {
  const text = await help(path);
  const out: { path: string[]; flags: string[] }[] = [];
  const flags = section(text, 'Options:')
    .flatMap((l) => [...l.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]))
    .filter((f) => f !== '--help' && f !== '--version');
  if (path.length > 0) out.push({ path, flags: [...new Set(flags)] });
  for (const line of section(text, 'Commands:')) {
    const name = /^ {2}([a-z][a-z-]*)\b/.exec(line)?.[1];
    if (name && name !== 'help') out.push(...(await commands([...path, name])));
  }
  return out;
}

describe("README's CLI reference", () => {
  it('names every command and every flag the CLI has', async () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const ref = readme.slice(readme.indexOf('## CLI reference'));
    const reference = ref.slice(0, ref.indexOf('\n## ', 1));
    const all = await commands();
    expect(all.length).toBeGreaterThan(15);
    const missing: string[] = [];
    for (const c of all) {
      // The command's lines: from "iotlab <path>" to the next "iotlab " line.
      const at = reference.indexOf(`iotlab ${c.path.join(' ')}`);
      if (at < 0 && c.path.length > 0 && !(await help(c.path)).includes('Commands:')) {
        missing.push(`iotlab ${c.path.join(' ')}`);
        continue;
      }
      if (at < 0) continue; // a group (session, task): its subcommands are listed
      const next = reference.indexOf('\niotlab ', at + 1);
      const block = reference.slice(at, next < 0 ? undefined : next);
      for (const f of c.flags)
        if (!new RegExp(`${f}(?![a-z-])`).test(block))
          missing.push(`iotlab ${c.path.join(' ')} ${f}`);
    }
    expect(missing).toEqual([]);
  });
});
