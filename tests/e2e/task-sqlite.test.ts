/**
 * l1-app-sqlite over real sockets: the reference solution's SQLite file, captured by the runner
 * at the end of the run, scores full marks; doing nothing scores 0; storing only the temperature
 * (the typical mistake) scores exactly 85 (half of the stored check's 30 points lost); the same
 * evidence grades to the same bytes, and the capture event is what the grade rests on.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { readEvidenceText } from '../../grader/evidence-file.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { solve } from '../../tasks/l1-app-sqlite/solution.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l1-app-sqlite');
const hash = taskHash(task);

describe('task l1-app-sqlite', () => {
  it('scores the reference 100, nothing 0 and temperature only 85', async () => {
    const [ref, none, half] = await Promise.all([
      runTask(task, 11, solve),
      runTask(task, 12, undefined),
      runTask(task, 13, solve, { mistake: 'temperature-only' }),
    ]);
    const r = grade(task, 11, { evidence: ref.evidence, taskHash: hash });
    expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
    expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
    expect(r.score).toBe(100);
    expect(JSON.stringify(grade(task, 11, { evidence: ref.evidence, taskHash: hash }))).toBe(
      JSON.stringify(r),
    );
    const capture = readEvidenceText(ref.evidence).events.find((e) => e.kind === 'capture')!;
    expect(capture).toMatchObject({ format: 'sqlite', found: true });

    const n = grade(task, 12, { evidence: none.evidence, taskHash: hash });
    expect(n.gradable).toBe(true);
    expect(n.score).toBe(0);
    expect(n.tests.find((t) => t.id === 'table')!.output).toMatch(/no file/);

    const m = grade(task, 13, { evidence: half.evidence, taskHash: hash });
    expect(m.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual(['stored']);
    expect(m.score).toBe(85);
  }, 30_000);
});
