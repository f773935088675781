/**
 * The L1 · EMB serial tasks over real sockets: the reference solution scores full marks, doing
 * nothing scores 0, one typical mistake scores exactly what the rubric says, and grading the
 * same evidence twice gives the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { solve as barcode } from '../../tasks/l1-emb-barcode/solution.js';
import { solve as rfid } from '../../tasks/l1-emb-rfid/solution.js';
import { solve as gnss } from '../../tasks/l1-emb-gnss/solution.js';
import { solve as controller } from '../../tasks/l1-emb-controller/solution.js';
import { solve as rtu } from '../../tasks/l1-emb-rtu/solution.js';
import type { Solution } from '../../tasks/solution.js';
import { runTask } from '../support/task-run.js';

const CASES: {
  id: string;
  solve: Solution;
  mistake: string;
  mistakeScore: number;
  failing: string[];
  /** Lab speed (default 5×: at 10×, beside another test file, a reference missed a frame). */
  speed?: number;
}[] = [
  // Trusting the scanner: misprints published as valid lose the rejected check (30); the check
  // digit is the task's point, so rejected is critical (issue 18.1): 70 would pass, capped at 59.
  {
    id: 'l1-emb-barcode',
    solve: barcode,
    mistake: 'no-check',
    mistakeScore: 59,
    failing: ['rejected'],
    // Scans are due from 5 s of lab time (1 s of wall time at 5×): beside another test file the
    // reference once connected after the scan at 10.2 s. At 3× the program has 1.7 s to connect.
    speed: 3,
  },
  // The transport key instead of the stated key A: authentication fails, the block is never
  // read or answered (read 30 + block 30 lost); the frames and the UID still count.
  {
    id: 'l1-emb-rfid',
    solve: rfid,
    mistake: 'default-key',
    mistakeScore: 40,
    failing: ['read', 'block'],
  },
  // ddmm.mmmm published as degrees: every position with a fix is wrong (position 40 lost), and
  // position is critical: the task is capped at 59, a fail.
  {
    id: 'l1-emb-gnss',
    solve: gnss,
    mistake: 'no-convert',
    mistakeScore: 59,
    failing: ['position'],
  },
  // The raw int32 published without × 0.01 (4413 for 44.13 %RH): the value check (35) is lost,
  // and it is critical: 65 would pass, the cap makes it 59.
  {
    id: 'l1-emb-controller',
    solve: controller,
    mistake: 'no-scale',
    mistakeScore: 59,
    failing: ['value'],
  },
  // Raw register values published unscaled: the three value checks (60) are lost.
  {
    id: 'l1-emb-rtu',
    solve: rtu,
    mistake: 'raw',
    mistakeScore: 40,
    failing: ['value-moisture', 'value-temperature', 'value-pressure'],
    // Its 3 s ± 0.5 s period is ±50 ms of wall time at 10×: one publish came late beside another
    // test file. At 4× the margin is ±125 ms.
    speed: 4,
  },
];

// Two tasks at a time (vitest maxConcurrency): three labs each.
describe.concurrent.each(CASES)(
  'task $id',
  ({ id, solve, mistake, mistakeScore, failing, speed }) => {
    const task = getTask(id);
    const hash = taskHash(task);
    it('scores the reference 100, nothing 0 and the typical mistake as the rubric says', async () => {
      const [ref, none, bad] = await Promise.all([
        runTask(task, 31, solve, { speed: speed ?? 5 }),
        runTask(task, 32, undefined, { speed: speed ?? 5 }),
        runTask(task, 31, solve, { mistake, speed: speed ?? 5 }),
      ]);
      const r = grade(task, 31, { evidence: ref.evidence, taskHash: hash });
      expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
      expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
      expect(r.score).toBe(100);
      expect(JSON.stringify(grade(task, 31, { evidence: ref.evidence, taskHash: hash }))).toBe(
        JSON.stringify(r),
      );

      const n = grade(task, 32, { evidence: none.evidence, taskHash: hash });
      expect(n.gradable).toBe(true);
      expect(n.score).toBe(0);

      const m = grade(task, 31, { evidence: bad.evidence, taskHash: hash });
      expect(m.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual(failing);
      expect(m.score).toBe(mistakeScore);
    }, 30_000);
  },
);

describe('task l1-emb-rtu with the offset forgotten', () => {
  it('fails: a transmitter whose offset is not 0 reads wrong, and value checks are critical', async () => {
    const task = getTask('l1-emb-rtu');
    const hash = taskHash(task);
    const run = await runTask(task, 31, rtu, { mistake: 'no-offset' });
    const m = grade(task, 31, { evidence: run.evidence, taskHash: hash });
    const lost = m.tests.filter((t) => t.score < t.max_score).map((t) => t.id);
    // Issue 18.1: 45 °C too high on two of three transmitters scored 60 and passed.
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every((id) => id.startsWith('value-'))).toBe(true);
    expect(m.score).toBeLessThanOrEqual(59);
    expect(m.passed).toBe(false);
  }, 30_000);
});

describe('task l1-emb-gnss hints', () => {
  it('names the unconverted ddmm.mmmm and the ignored hemisphere', async () => {
    const task = getTask('l1-emb-gnss');
    const hash = taskHash(task);
    // A seed whose route is south of the equator or west of Greenwich, so the sign matters.
    let seed = 40;
    while (task.params(seed).origin === 0) seed++;
    const [raw, unsigned] = await Promise.all([
      runTask(task, seed, gnss, { mistake: 'no-convert' }),
      runTask(task, seed, gnss, { mistake: 'no-sign' }),
    ]);
    const a = grade(task, seed, { evidence: raw.evidence, taskHash: hash });
    expect(a.tests.find((t) => t.id === 'position')!.hint?.en).toMatch(/not converted/);
    const b = grade(task, seed, { evidence: unsigned.evidence, taskHash: hash });
    expect(b.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual(['position']);
    expect(b.score).toBe(59); // position is critical: 60 is capped
    expect(b.tests.find((t) => t.id === 'position')!.hint?.en).toMatch(/Hemisphere ignored/);
  }, 30_000);
});

/**
 * Issue 18: every rule the instructions state has a planted case on every seed, so a program that
 * ignores it loses the rubric's points on every seed, not only on some.
 */
describe('task l1-emb-gnss: the checksum rule on every seed', () => {
  it('a program that ignores checksums reports garbled GGAs and loses the position points', async () => {
    const task = getTask('l1-emb-gnss');
    const hash = taskHash(task);
    const seeds = [1, 2, 3];
    const runs = await Promise.all(
      seeds.flatMap((seed) => [
        runTask(task, seed, gnss),
        runTask(task, seed, gnss, { mistake: 'no-checksum' }),
      ]),
    );
    seeds.forEach((seed, i) => {
      const r = grade(task, seed, { evidence: runs[2 * i]!.evidence, taskHash: hash });
      expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
      expect(r.score).toBe(100);
      const m = grade(task, seed, { evidence: runs[2 * i + 1]!.evidence, taskHash: hash });
      expect(
        m.tests.filter((t) => t.score < t.max_score).map((t) => t.id),
        `seed ${seed}`,
      ).toEqual(['position']);
      // Every message is wrong (position 0/40, score 60 on seeds 1–3 when this was written); the
      // bound allows a program whose timer always fires in the few ms between a right GGA and its
      // garbled copy: it is still wrong in the seconds garbled in place (about a third).
      const position = m.tests.find((t) => t.id === 'position')!;
      expect(position.score, `seed ${seed}: ${position.output}`).toBeLessThanOrEqual(30);
      expect(position.hint?.en).toMatch(/checksum is wrong/);
    });
  }, 60_000);
});

describe('task l1-emb-barcode: the 13-digit rule on every seed', () => {
  it('a program that reports lines that are not 13 digits loses the payload points pro rata', async () => {
    const task = getTask('l1-emb-barcode');
    const hash = taskHash(task);
    const seeds = [1, 2, 3];
    const runs = await Promise.all(
      seeds.flatMap((seed) => [
        runTask(task, seed, barcode),
        runTask(task, seed, barcode, { mistake: 'no-length-check' }),
      ]),
    );
    seeds.forEach((seed, i) => {
      const r = grade(task, seed, { evidence: runs[2 * i]!.evidence, taskHash: hash });
      expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
      expect(r.score).toBe(100);
      const m = grade(task, seed, { evidence: runs[2 * i + 1]!.evidence, taskHash: hash });
      expect(
        m.tests.filter((t) => t.score < t.max_score).map((t) => t.id),
        `seed ${seed}`,
      ).toEqual(['payload']);
      // The three noise lines (two tails, one damaged code) are invalid payloads; on a loaded
      // machine a line split across two reads can add one more for a program that skips the
      // check (the reference, which checks, still scores 100).
      const payload = m.tests.find((t) => t.id === 'payload')!;
      const [ok, all] = /(\d+) of (\d+) valid/.exec(payload.output)!.slice(1).map(Number);
      expect(all! - ok!, payload.output).toBeGreaterThanOrEqual(3);
      expect(payload.score).toBeCloseTo((15 * ok!) / all!, 1);
      expect(m.score).toBeCloseTo(85 + (15 * ok!) / all!, 1);
    });
  }, 60_000);
});

describe('task l1-emb-gnss: the hemisphere rule on every seed', () => {
  it('every route is south or west of 0°: ignoring the sign loses position (40) on seeds 1–3', async () => {
    const task = getTask('l1-emb-gnss');
    const hash = taskHash(task);
    const seeds = [1, 2, 3];
    // Seed 2 drew Shanghai (north and east) before issue 18: ignoring the sign scored 100.
    expect(task.params(2).origin).toBe(0);
    const runs = await Promise.all(
      seeds.map((seed) => runTask(task, seed, gnss, { mistake: 'no-sign' })),
    );
    seeds.forEach((seed, i) => {
      const m = grade(task, seed, { evidence: runs[i]!.evidence, taskHash: hash });
      expect(
        m.tests.filter((t) => t.score < t.max_score).map((t) => t.id),
        `seed ${seed}`,
      ).toEqual(['position']);
      expect(m.score, `seed ${seed}`).toBe(59);
    });
  }, 60_000);
});
