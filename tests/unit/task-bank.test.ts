/** The task bank's own checks: every task fit for the bank, and a broken task named. */
import { describe, expect, it } from 'vitest';
import { listTasks, renderTask, taskHash, validateTask } from '../../tasks/bank.js';
import { defineTask } from '../../grader/types.js';
import { analogAcquisition } from '../../tasks/l1-emb-analog/task.js';

describe('task bank', () => {
  for (const task of listTasks()) {
    it(`${task.id} is valid (ids, skills, points, templates, scenario, solution)`, () => {
      expect(validateTask(task, [1, 2, 3, 4, 5])).toEqual([]);
    });

    it(`${task.id} gives two seeds different params and instructions`, () => {
      const a = renderTask(task, 1, 'en');
      const b = renderTask(task, 2, 'en');
      expect(a.text).not.toBe(b.text);
      expect(JSON.stringify(a.vars)).not.toBe(JSON.stringify(b.vars));
      expect(renderTask(task, 1, 'zh').text).not.toContain('{{');
      expect(taskHash(task)).toMatch(/^[0-9a-f]{64}$/);
    });
  }

  it('names the task and the problem when a task is broken', () => {
    const broken = defineTask({
      ...analogAcquisition,
      id: 'l1-emb-broken',
      skills: ['L1.EMB.9.9.9'],
      vars: () => ({ deviceId: 'x' }),
    });
    const problems = validateTask(broken, [1]);
    expect(problems.join('\n')).toMatch(
      /task l1-emb-broken: skill L1.EMB.9.9.9 is not in the catalogue/,
    );
    expect(problems.join('\n')).toMatch(
      /task l1-emb-broken: check modbus-read assesses L1.EMB.3.1.2/,
    );
    expect(problems.join('\n')).toMatch(
      /task l1-emb-broken: .*missing instructions file|uses \{\{/,
    );
  });
});
