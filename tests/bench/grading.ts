/**
 * Grading throughput: a synthetic hour of a 20-device lab (every device publishing once a second,
 * plus a candidate forwarding one device's telemetry as task l1-app-forward asks), written as a
 * real hash-chained evidence file, then read and graded. Target: the hour graded in under 2 s.
 * `node dist/tests/bench/grading.js [seconds]` runs it alone.
 */
import { createModel } from '../../devices/field/index.js';
import { readEvidenceText } from '../../grader/evidence-file.js';
import { grade } from '../../grader/grade.js';
import { GENESIS, payloadView, sha256 } from '../../core/evidence.js';
import { FaultBook } from '../../core/faults.js';
import { planLab } from '../../simulator/plan.js';
import { validateScenario } from '../../simulator/scenario.js';
import { getTask, renderTask, taskHash } from '../../tasks/bank.js';

export const DEVICES = 20;

/** Evidence text of `seconds` of lab time for task l1-app-forward at `seed`, fully correct. */
export function syntheticForwardRun(seed: number, seconds: number): string {
  const task = getTask('l1-app-forward');
  const { params, vars } = renderTask(task, seed, 'en');
  const scenario = validateScenario(task.scenario(params));
  const plan = planLab(scenario, seed);
  const air = createModel(plan.devices[0]!, { seed, faults: new FaultBook() });
  const lines: string[] = [];
  let prev = GENESIS;
  const push = (t: number, body: Record<string, unknown>) => {
    const line = JSON.stringify({
      seq: lines.length,
      t,
      wall: new Date(1.7e12 + t).toISOString(),
      ...body,
      prev,
    });
    prev = sha256(line);
    lines.push(line);
  };
  const publish = (t: number, origin: string, topic: string, qos: number, body: unknown) =>
    push(t, {
      kind: 'mqtt.publish',
      ...(origin === 'client'
        ? { peer: '127.0.0.1:50000', clientId: 'candidate' }
        : { device: topic.split('/')[2] }),
      origin,
      topic,
      qos,
      retain: false,
      payload: payloadView(Buffer.from(JSON.stringify(body))),
    });
  push(0, { kind: 'lab.start', scenario: scenario.name, seed, labId: plan.labId });
  const threshold = Number(vars.threshold);
  for (let s = 0; s < seconds; s++) {
    for (let d = 0; d < DEVICES; d++) {
      const t = s * 1000 + d * 40 + 10;
      if (d === 0) {
        const v = air.truth(t).values;
        const msg = { id: plan.devices[0]!.id, ts: 1.7e12 + t, seq: s, ...v };
        publish(t, 'device', String(vars.source), 0, msg);
        if (typeof v.temperature === 'number' && v.temperature > threshold)
          publish(t + 5, 'client', String(vars.output), 1, {
            device: msg.id,
            [String(vars.tempField)]: v.temperature,
            [String(vars.humField)]: v.humidity,
            ts: msg.ts,
          });
      } else {
        const topic = `${plan.topicPrefix}/other-${d}/telemetry`;
        publish(t, 'device', topic, 0, {
          id: `other-${d}`,
          ts: 1.7e12 + t,
          seq: s,
          value: (s * d) % 97,
        });
      }
    }
  }
  push(seconds * 1000, { kind: 'lab.stop', reason: 'done' });
  return lines.join('\n') + '\n';
}

export interface GradingBench {
  labSeconds: number;
  events: number;
  bytes: number;
  readMs: number;
  gradeMs: number;
  eventsPerSecond: number;
  score: number;
}

export function benchGrading(labSeconds = 3600, seed = 5): GradingBench {
  const task = { ...getTask('l1-app-forward'), timeLimitS: labSeconds + 1 };
  const text = syntheticForwardRun(seed, labSeconds);
  const hash = taskHash(task);
  const t0 = performance.now();
  const file = readEvidenceText(text);
  const t1 = performance.now();
  const report = grade(task, seed, { evidence: file, taskHash: hash });
  const t2 = performance.now();
  return {
    labSeconds,
    events: file.events.length,
    bytes: text.length,
    readMs: t1 - t0,
    gradeMs: t2 - t1,
    eventsPerSecond: Math.round(file.events.length / ((t2 - t0) / 1000)),
    score: report.score,
  };
}

if (process.argv[1]?.endsWith('grading.js')) {
  const seconds = Number(process.argv[2] ?? 3600);
  const r = benchGrading(seconds);
  const total = r.readMs + r.gradeMs;
  process.stdout.write(
    `grading throughput: ${seconds} s of a ${DEVICES}-device lab = ${r.events} events (${(r.bytes / 1e6).toFixed(1)} MB)\n` +
      `  read + verify chain ${r.readMs.toFixed(0)} ms, grade ${r.gradeMs.toFixed(0)} ms, total ${total.toFixed(0)} ms` +
      ` (${r.eventsPerSecond} events/s); score ${r.score}; target < 2000 ms for an hour: ${total < 2000 ? 'MET' : 'NOT MET'}\n` +
      JSON.stringify({ grading: r }) +
      '\n',
  );
}
