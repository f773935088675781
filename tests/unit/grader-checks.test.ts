/**
 * Checks on hand-built evidence: the value check recognises the typical mistakes (raw counts,
 * offset left out, bytes swapped, °F, stale), the period and QoS checks score as documented, and
 * a long synthetic run grades to full marks, the same bytes each time.
 */
import { describe, expect, it } from 'vitest';
import { buildContext } from '../../grader/context.js';
import { modbusReadCheck } from '../../grader/checks/modbus.js';
import { periodCheck, qosCheck } from '../../grader/checks/mqtt.js';
import { MISTAKE_HINTS, swap16, valueCheck } from '../../grader/checks/value.js';
import { grade } from '../../grader/grade.js';
import type { Mistake } from '../../grader/checks/value.js';
import type { GradeContext, TaskParams } from '../../grader/types.js';
import { toRaw } from '../../devices/field/signal.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { planLab } from '../../simulator/plan.js';
import { validateScenario } from '../../simulator/scenario.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { syntheticForwardRun } from '../bench/grading.js';

const TOPIC = 'out/value';

function scenario(quantity: string, unit: string, signal: 'adc12' | '4-20mA' | '0-10V') {
  return validateScenario({
    name: 'checks',
    title: { zh: '检查', en: 'checks' },
    devices: [
      {
        name: 'sensor',
        kind: 'analog',
        signal,
        channel: {
          quantity,
          unit,
          range: [-20, 80],
          resolution: 0.1,
          profile: { base: 25, amplitude: 10, periodS: 60, noise: 0.2 },
        },
        modbus: {},
      },
    ],
  });
}

/** A context whose candidate published `value(t, truth, raw)` every 2 s for 60 s. */
function ctxWith(
  signal: 'adc12' | '4-20mA' | '0-10V',
  value: (truth: number, raw: number, t: number) => number,
  opts: { qos?: number; gap?: (i: number) => number } = {},
): GradeContext {
  const plan = planLab(scenario('temperature', '°C', signal), 3);
  const truthCtx = buildContext({}, 3, plan, [], 100);
  const events: EvidenceEvent[] = [{ seq: 0, t: 0, wall: '', kind: 'lab.start', prev: '' }];
  let t = 1000;
  for (let i = 0; i < 30; i++) {
    const truth = truthCtx.truth('sensor', t).values.temperature as number;
    const raw = toRaw(signal, truth, [-20, 80]);
    const v = Math.round(value(truth, raw, t) * 100) / 100;
    events.push({
      seq: events.length,
      t,
      wall: '',
      kind: 'mqtt.publish',
      origin: 'client',
      topic: TOPIC,
      qos: opts.qos ?? 1,
      retain: false,
      payload: { raw: '', json: { value: v } },
      prev: '',
    });
    t += opts.gap ? opts.gap(i) : 2000;
  }
  events.push({
    seq: events.length,
    t: t + 10,
    wall: '',
    kind: 'lab.stop',
    prev: '',
  });
  return buildContext({}, 3, plan, events, 100);
}

const check = valueCheck<TaskParams>({
  topic: () => TOPIC,
  field: 'value',
  device: () => 'sensor',
  quantity: () => 'temperature',
  tolerance: () => 0.5,
  maxAgeS: 3,
});

describe('value check', () => {
  it('gives full marks to right values, none to each typical mistake, with its hint', () => {
    expect(check(ctxWith('adc12', (v) => v)).score).toBe(1);
    const cases: [
      Mistake,
      'adc12' | '4-20mA' | '0-10V',
      (v: number, raw: number, t: number) => number,
    ][] = [
      ['raw', 'adc12', (_v, raw) => raw],
      ['offset', '4-20mA', (_v, raw) => raw * (100 / 16000)],
      ['swapped', 'adc12', (_v, raw) => swap16(raw) * (100 / 4095) - 20],
      ['fahrenheit', 'adc12', (v) => (v * 9) / 5 + 32],
      ['stale', 'adc12', () => 0],
    ];
    for (const [mistake, signal, fn] of cases) {
      const stale = mistake === 'stale';
      const ctx = stale ? ctxWithStale() : ctxWith(signal, fn);
      const o = check(ctx);
      // A stale value sometimes equals the current one by chance (the signal comes back round).
      if (stale) expect(o.score).toBeLessThan(0.25);
      else expect(o.score, mistake).toBe(0);
      expect(o.hint, mistake).toEqual(MISTAKE_HINTS[mistake]);
    }
  });

  it('gives pro-rata credit below 90% right', () => {
    const o = check(ctxWith('adc12', (v, _raw, t) => (t < 16_000 ? v + 5 : v)));
    // 8 of 30 wrong: 22/30 right = 0.733 share → 0.733 / 0.9 of the points.
    expect(o.score).toBeCloseTo(22 / 30 / 0.9, 6);
  });
});

/** Values 40 s old: the device reading from long before the message. */
function ctxWithStale(): GradeContext {
  const plan = planLab(scenario('temperature', '°C', 'adc12'), 3);
  const truth = buildContext({}, 3, plan, [], 100);
  return ctxWith(
    'adc12',
    (_v, _raw, t) => truth.truth('sensor', Math.max(0, t - 20_000)).values.temperature as number,
  );
}

describe('period and QoS checks', () => {
  const period = periodCheck<TaskParams>({ topic: () => TOPIC, periodS: () => 2, jitterS: 0.5 });
  const qos = qosCheck<TaskParams>({ topic: () => TOPIC, qos: 1 });
  it('passes a steady period and fails too much jitter with a hint', () => {
    expect(period(ctxWith('adc12', (v) => v)).score).toBe(1);
    const jittery = period(ctxWith('adc12', (v) => v, { gap: (i) => (i % 2 === 0 ? 1000 : 3000) }));
    expect(jittery.score).toBe(0);
    expect(jittery.hint?.en).toMatch(/jitter/);
  });
  it('fails a QoS 0 publisher', () => {
    expect(qos(ctxWith('adc12', (v) => v)).score).toBe(1);
    expect(qos(ctxWith('adc12', (v) => v, { qos: 0 })).score).toBe(0);
  });
});

describe('a long synthetic run', () => {
  it('grades ten minutes of a 20-device lab to full marks, byte-identically twice', () => {
    const task = { ...getTask('l1-app-forward'), timeLimitS: 601 };
    const text = syntheticForwardRun(5, 600);
    const a = grade(task, 5, { evidence: text, taskHash: taskHash(task) });
    expect(a.gradable, JSON.stringify(a.problems)).toBe(true);
    expect(a.score).toBe(100);
    expect(a.provenance.evidence.events).toBeGreaterThan(12_000);
    expect(JSON.stringify(grade(task, 5, { evidence: text, taskHash: taskHash(task) }))).toBe(
      JSON.stringify(a),
    );
  });
});

describe('value check on an hour of wrong values', () => {
  // How fast is measured in `npm run bench` (grading), not here: a timed unit test fails on a
  // loaded machine and proves nothing about speed.
  it('scores every message of the hour and diagnoses the mistake', () => {
    const plan = planLab(scenario('temperature', '°C', 'adc12'), 3);
    const events: EvidenceEvent[] = [{ seq: 0, t: 0, wall: '', kind: 'lab.start', prev: '' }];
    for (let i = 1; i <= 3600; i++)
      events.push({
        seq: i,
        t: i * 1000,
        wall: '',
        kind: 'mqtt.publish',
        origin: 'client',
        topic: TOPIC,
        qos: 1,
        retain: false,
        payload: { raw: '', json: { value: 1000 } },
        prev: '',
      });
    const ctx = buildContext({}, 3, plan, events, 4000);
    const o = check(ctx);
    expect(o.score).toBe(0);
    expect(o.seen).toMatch(/^0 of 3600 right; e\.g\. seq 1: 1000 where the device had /);
  });
});

describe('Modbus read check hints', () => {
  const plan = planLab(scenario('temperature', '°C', 'adc12'), 3);
  const reads = (n: number, fc: number): EvidenceEvent[] => [
    { seq: 0, t: 0, wall: '', kind: 'lab.start', prev: '' },
    ...Array.from({ length: n }, (_, i) => ({
      seq: i + 1,
      t: 1000 * (i + 1),
      wall: '',
      kind: 'modbus.request' as const,
      prev: '',
      request: { unit: 1, fc, address: 0, quantity: 1 },
    })),
  ];
  const check = modbusReadCheck({ unit: () => 1, fc: 4, address: () => 0, minCount: 10 });

  it('says the reads were right but too few, when they were', () => {
    const o = check(buildContext({}, 3, plan, reads(4, 4), 100));
    expect(o.score).toBeCloseTo(0.4);
    expect(o.hint?.en).toMatch(/Right reads, too few of them: 4 of the 10 required/);
    expect(o.hint?.zh).toMatch(/读取方式正确，但次数不够/);
  });

  it('says the function or address is wrong, when it is', () => {
    const o = check(buildContext({}, 3, plan, reads(12, 3), 100));
    expect(o.score).toBe(0);
    expect(o.hint?.en).toMatch(/Right unit, wrong function or address/);
  });
});
