/**
 * l1-app-platform-hmac over real sockets: the lab's broker verifies the signed login; the
 * reference (its own HMAC from the instructions) scores 100, doing nothing 0, a flat JSON
 * instead of the Alink envelope (the typical mistake) loses alink (25) and value (20), and a
 * login with the secret as the password is refused with the reason in the evidence.
 */
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { getTask, taskHash, validateTask } from '../../tasks/bank.js';
import { solve } from '../../tasks/l1-app-platform-hmac/solution.js';
import type { Solution } from '../../tasks/solution.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l1-app-platform-hmac');
const hash = taskHash(task);

/** A login with the DeviceSecret itself as the password, then nothing. */
const plainSecret: Solution = async (ctx) => {
  const c = mqtt.connect(ctx.card.mqtt.url, {
    reconnectPeriod: 0,
    clientId: `${ctx.vars.deviceName}|securemode=3,signmethod=hmacsha256,timestamp=1|`,
    username: String(ctx.vars.username),
    password: String(ctx.vars.deviceSecret),
  });
  const refused = await new Promise<string>((resolve) => {
    c.once('error', (err) => resolve(err.message));
    c.once('connect', () => resolve('accepted'));
  });
  c.end(true);
  expect(refused).toMatch(/Bad username or password|Not authorized/i);
};

describe('task l1-app-platform-hmac', () => {
  it('is fit for the bank and its seeds differ', () => {
    expect(validateTask(task)).toEqual([]);
    expect(task.params(1)).not.toEqual(task.params(2));
  });

  it('scores the reference 100, nothing 0, a flat payload 55 and a plain secret 0', async () => {
    const [ref, none, bad, plain] = await Promise.all([
      runTask(task, 61, solve),
      runTask(task, 62, undefined),
      runTask(task, 63, solve, { mistake: 'flat' }),
      runTask(task, 64, plainSecret),
    ]);
    const r = grade(task, 61, { evidence: ref.evidence, taskHash: hash });
    expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
    expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
    expect(r.score).toBe(100);
    expect(JSON.stringify(grade(task, 61, { evidence: ref.evidence, taskHash: hash }))).toBe(
      JSON.stringify(r),
    );

    expect(grade(task, 62, { evidence: none.evidence, taskHash: hash }).score).toBe(0);

    const m = grade(task, 63, { evidence: bad.evidence, taskHash: hash });
    expect(m.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual([
      'alink',
      'value',
    ]);
    expect(m.score).toBe(55);

    const p = grade(task, 64, { evidence: plain.evidence, taskHash: hash });
    expect(p.score).toBe(0);
    expect(p.tests.find((t) => t.id === 'signed-login')!.output).toMatch(/HMAC/);
  }, 30_000);
});
