/**
 * Issue 18.2, the bookkeeping: every task lists its stated rules beside its typical mistakes, in
 * one place (the "Stated rules and the case planted for each" block at the head of
 * tasks/<id>/task.ts). Each mistake the block names is one its reference solution can make, and
 * an end-to-end test runs it; each mistake the solution can make is named in the block.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getTask, listTasks } from '../../tasks/bank.js';
import { packageRoot } from '../../tasks/paths.js';

const root = packageRoot();
const read = (...p: string[]) => readFileSync(join(root, ...p), 'utf8');
const e2e = readdirSync(join(root, 'tests', 'e2e'))
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => read('tests', 'e2e', f));
/** Whether an end-to-end test file runs this task's solution and names this mistake. */
const runs = (id: string, mistake: string) =>
  e2e.some((src) => src.includes(`tasks/${id}/solution.js`) && src.includes(`'${mistake}'`));

/** The rules block of a task.ts, its comment lines joined into one text. */
function rulesBlock(id: string): string | undefined {
  const src = read('tasks', id, 'task.ts');
  const m = /^ \* Stated rules and the case planted for each[\s\S]*?(?=^ \*\/)/m.exec(src);
  return m?.[0].replace(/\n \*\s*/g, ' ');
}

/** The mistakes a solution can make: its comparisons of ctx.mistake and a table of slips. */
function solutionMistakes(id: string): string[] {
  const src = read('tasks', id, 'solution.ts');
  const names = new Set<string>();
  for (const m of src.matchAll(/mistake\s*[!=]==\s*'([a-z0-9-]+)'/g)) names.add(m[1]!);
  for (const m of src.matchAll(/^\s*'([a-z0-9-]+)': \[/gm)) names.add(m[1]!);
  return [...names].sort();
}

describe('every task lists its stated rules beside its typical mistakes', () => {
  it.each(listTasks().map((t) => t.id))('%s', (id) => {
    const block = rulesBlock(id);
    expect(block, `tasks/${id}/task.ts has no "Stated rules" block`).toBeDefined();
    // A task of hand-ins, or a web app task, has no program to make mistakes: its block names the
    // documents or app variants that lose points, and their own tests hand them in.
    if (getTask(id).handIn?.length || getTask(id).app) return;
    const listed = [...block!.matchAll(/mistake `([a-z0-9-]+)`/g)].map((m) => m[1]!);
    expect(listed.length, `${id}: the block names no mistake`).toBeGreaterThan(0);
    expect([...new Set(listed)].sort(), `${id}: mistakes in the block vs the solution`).toEqual(
      solutionMistakes(id),
    );
    for (const name of listed)
      expect(runs(id, name), `${id}: no end-to-end test runs mistake ${name}`).toBe(true);
  });
});
