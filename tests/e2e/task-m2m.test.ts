/**
 * l1-emb-m2m (issue 18.9): the door publishes once per real change (and every 10 s), never again
 * while it stays as it is; the openings and closings the report counts are the ones the
 * instructions define (a change the door undoes within withinS is not counted), so the count
 * matches what a candidate sees; and the rules "switch it off when the door closes" and "no
 * other commands" each cost their stated points on seeds 1-3 (off is critical: 59).
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { readEvidenceText } from '../../grader/evidence-file.js';
import { getTask, renderTask, taskHash } from '../../tasks/bank.js';
import { solve } from '../../tasks/l1-emb-m2m/solution.js';
import { runTask } from '../support/task-run.js';

const task = getTask('l1-emb-m2m');
const hash = taskHash(task);
const SEEDS = [1, 2, 3];

describe('task l1-emb-m2m on seeds 1-3', () => {
  it('door messages and counted changes as the text says; never-off 59, a test blink loses no-stray', async () => {
    // Three labs at a time: the door's edges are timing-sensitive on a loaded machine.
    const neverOff = await Promise.all(
      SEEDS.map((seed) => runTask(task, seed, solve, { mistake: 'never-off' })),
    );
    const blink = await Promise.all(
      SEEDS.map((seed) => runTask(task, seed, solve, { mistake: 'test-blink' })),
    );
    const runs = SEEDS.flatMap((_, i) => [neverOff[i]!, blink[i]!]);
    SEEDS.forEach((seed, i) => {
      const { vars } = renderTask(task, seed, 'en');
      const within = Number(vars.withinS) * 1000;
      const events = readEvidenceText(runs[2 * i]!.evidence).events;
      const start = events.find((e) => e.kind === 'lab.start')!.t;
      const door = String(vars.doorId);
      const states = events.filter((e) => e.kind === 'device.state' && e.device === door);
      const open = (e: (typeof states)[number]) =>
        (e.values as Record<string, unknown>).open === true;
      // Every recorded change of the door is a change, and the door publishes its new state at it.
      const msgs = events.filter(
        (e) => e.kind === 'mqtt.publish' && e.origin === 'device' && e.topic === vars.doorTopic,
      );
      const said = (m: (typeof msgs)[number]) =>
        (m.payload as { json?: { open?: unknown } }).json?.open === true;
      const atChange = new Set<number>();
      states.forEach((s, k) => {
        if (k > 0)
          expect(open(s), `seed ${seed}: a change at ${s.t}`).not.toBe(open(states[k - 1]!));
        const m = msgs.find((x) => x.t >= s.t && x.t - s.t < 1000 && said(x) === open(s));
        expect(m, `seed ${seed}: a message at the change at ${s.t}`).toBeDefined();
        atChange.add(m!.seq);
      });
      // The rest are the 10 s reports (not "several times a second" while the door stays open).
      // A timer that fired late on a loaded machine shortens the next gap: 9,478 ms was seen at
      // 10×, where 22 ms of wall time is 220 ms of lab time.
      const periodic = msgs.filter((m) => !atChange.has(m.seq));
      periodic.forEach((m, k) => {
        if (k > 0) expect(m.t - periodic[k - 1]!.t, `seed ${seed}`).toBeGreaterThan(9_000);
      });
      // Openings as the instructions count them: not in the last withinS, not undone within it.
      // The recorded times are when the lab's timer fired (a few ms after the edge the grader
      // uses), so a gap within 250 ms of withinS may go either way.
      const end = start + task.timeLimitS * 1000;
      const counted = (slack: number) =>
        states.filter(
          (s, k) =>
            open(s) &&
            s.t <= end - within &&
            !(states[k + 1] && states[k + 1]!.t - s.t <= within + slack),
        ).length;
      expect(counted(250), `seed ${seed}: openings`).toBeGreaterThan(0);

      const m = grade(task, seed, { evidence: runs[2 * i]!.evidence, taskHash: hash });
      const [answered, due] = /(\d+) of (\d+) edges/
        .exec(m.tests.find((t) => t.id === 'on')!.output)!
        .slice(1)
        .map(Number);
      expect(answered, `seed ${seed}`).toBe(due);
      expect(due, `seed ${seed}`).toBeGreaterThanOrEqual(counted(250));
      expect(due, `seed ${seed}`).toBeLessThanOrEqual(counted(-250));
      expect(
        m.tests.filter((t) => t.score < t.max_score).map((t) => t.id),
        `seed ${seed}`,
      ).toEqual(['off']);
      expect([m.raw_score, m.score], `seed ${seed}`).toEqual([70, 59]);

      const c = grade(task, seed, { evidence: runs[2 * i + 1]!.evidence, taskHash: hash });
      const lost = c.tests.filter((t) => t.score < t.max_score);
      expect(
        lost.map((t) => t.id),
        `seed ${seed}: ${lost.map((t) => t.output).join(' | ')}`,
      ).toEqual(['no-stray']);
      expect(c.score, `seed ${seed}`).toBe(80);
    });
  }, 60_000);
});
