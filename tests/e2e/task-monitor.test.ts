/**
 * l2-sys-monitor over real sockets: the reference monitoring script scores 100; doing nothing 0;
 * each stated rule broken alone loses what the rubric says (tasks/l2-sys-monitor/task.ts): raising
 * at once (no-debounce) alarms on the short outage (85), never clearing (85), no stuck rule (80).
 * The same evidence grades to the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { solve } from '../../tasks/l2-sys-monitor/solution.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l2-sys-monitor');
const hash = taskHash(task);
/**
 * Five labs at once, in real time: the 5 s debounce and the 2 s outage are then wide enough for
 * a neighbour's CPU burst. At 3× and 5× a full run failed twice: beside tests/abuse/tls-abuse
 * (1,000 handshakes) the no-stuck script saw the 2 s outage late, past the debounce.
 */
const SPEED = 1;
const lost = (r: ReturnType<typeof grade>) =>
  r.tests.filter((t) => t.score < t.max_score).map((t) => t.id);

describe('task l2-sys-monitor', () => {
  it('scores the reference 100, nothing 0, and each broken rule as the rubric says', async () => {
    const [ref, none, debounce, clear, stuck] = await Promise.all([
      runTask(task, 11, solve, { speed: SPEED }),
      runTask(task, 12, undefined, { speed: SPEED }),
      runTask(task, 13, solve, { mistake: 'no-debounce', speed: SPEED }),
      runTask(task, 14, solve, { mistake: 'never-clear', speed: SPEED }),
      runTask(task, 15, solve, { mistake: 'no-stuck', speed: SPEED }),
    ]);
    const r = grade(task, 11, { evidence: ref.evidence, taskHash: hash });
    expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
    expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
    expect(r.score).toBe(100);
    expect(JSON.stringify(grade(task, 11, { evidence: ref.evidence, taskHash: hash }))).toBe(
      JSON.stringify(r),
    );
    expect(grade(task, 12, { evidence: none.evidence, taskHash: hash }).score).toBe(0);

    const d = grade(task, 13, { evidence: debounce.evidence, taskHash: hash });
    expect(lost(d), d.tests.map((t) => t.output).join('\n')).toEqual(['no-false-alarm']);
    expect(d.score).toBe(85);
    const c = grade(task, 14, { evidence: clear.evidence, taskHash: hash });
    expect(lost(c)).toEqual(['offline-cleared']);
    expect(c.score).toBe(85);
    const s = grade(task, 15, { evidence: stuck.evidence, taskHash: hash });
    expect(lost(s)).toEqual(['stuck-raised']);
    expect(s.score).toBe(80);
  }, 120_000);
});
