/**
 * Abuse: one client filling a room's disk (issue 14). 200 MQTT publishes of 256 KiB added 70 MB
 * of evidence in 2.9 s. Here, on a lab with a small quota and real MQTT: the file stops growing
 * by the flood's bytes once the quota is reached (a `quota` event says so and payloads are kept
 * by size and SHA-256), the chain stays intact, and the run is still graded.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { ManualClock, RealClock } from '../../core/clock.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { EvidenceRecorder, payloadView, readEvidence } from '../../core/evidence.js';
import { grade } from '../../grader/grade.js';
import { createLab } from '../../simulator/lab.js';
import { validateScenario } from '../../simulator/scenario.js';
import { getTask, taskHash } from '../../tasks/bank.js';

describe('the evidence quota', () => {
  it('keeps payloads by size and hash past the quota, and only decisive events past the hard one', async () => {
    const task = getTask('l1-emb-analog');
    const seed = 4;
    const scenario = validateScenario(task.scenario(task.params(seed)), 'quota test');
    const path = join(mkdtempSync(join(tmpdir(), 'iotlab-quota-')), 'ev.jsonl');
    const quota = { bytes: 1_000_000, hardBytes: 2_000_000 };
    const lab = createLab(scenario, {
      seed,
      clock: new RealClock(),
      evidencePath: path,
      evidenceQuota: quota,
      ports: { mqtt: 0, ws: null, coap: 0, modbus: 0 },
      serial: { basePort: 0 },
    });
    const card = await lab.start();
    const c = await mqtt.connectAsync(card.mqtt.url, { reconnectPeriod: 0 });
    const big = Buffer.alloc(200 * 1024, 0x61);
    // 100 publishes of 200 KiB: 20 MiB on the wire, well within the per-client limits.
    for (let i = 0; i < 100; i++)
      await c.publishAsync(`${card.mqtt.topicPrefix}/flood`, big, { qos: 1 });
    await c.endAsync();
    await lab.stop('test done');

    const size = statSync(path).size;
    // The payloads up to the quota (the line that crosses it included: base64 plus the text
    // view, about 480 KB each here), then lines without bytes: 20 MiB sent, under 1.7 MB kept.
    expect(size).toBeLessThan(quota.bytes + 700_000);
    const { events, problems } = readEvidence(path);
    expect(problems).toEqual([]);
    const marks = events.filter((e) => e.kind === 'quota');
    expect(marks.map((e) => e.stage)).toEqual(['elided']);
    const flood = events.filter(
      (e) => e.kind === 'mqtt.publish' && e.topic === `${card.mqtt.topicPrefix}/flood`,
    );
    expect(flood).toHaveLength(100); // every publish is on record...
    const elided = flood.filter((e) => (e.payload as { elided?: unknown }).elided !== undefined);
    expect(elided.length).toBeGreaterThan(90); // ...most by size and hash
    expect((elided[0]!.payload as { elided: { bytes: number } }).elided.bytes).toBe(big.length);
    expect(events.at(-1)!.kind).toBe('lab.stop');
    // The run is graded as what it is (nothing the task asked for), not refused.
    const report = grade(task, seed, {
      evidence: readFileSync(path, 'utf8'),
      taskHash: taskHash(task),
    });
    expect(report.gradable).toBe(true);
  }, 60_000);
});

describe('the recorder past its hard quota', () => {
  it('keeps the decisive events, counts the rest, and keeps the chain', () => {
    const rec = new EvidenceRecorder({
      clock: new ManualClock(),
      quota: { bytes: 2_000, hardBytes: 4_000 },
    });
    const events: EvidenceEvent[] = [];
    rec.subscribe((e) => events.push(e));
    rec.record('lab.start', { scenario: 's', seed: 1 });
    for (let i = 0; i < 200; i++)
      rec.record('mqtt.publish', {
        origin: 'client',
        topic: 't',
        payload: payloadView(Buffer.from('x'.repeat(100))),
      });
    rec.record('answer', { key: 'k', value: 'v' });
    rec.record('lab.stop', { reason: 'done' });
    expect(events.filter((e) => e.kind === 'quota').map((e) => e.stage)).toEqual([
      'elided',
      'hard',
    ]);
    expect(events.at(-2)!.kind).toBe('answer');
    expect(events.at(-1)!.kind).toBe('lab.stop');
    expect(rec.droppedCounts.get('mqtt.publish')).toBeGreaterThan(100);
    // The counts are on record in the run's last event, not only in memory.
    expect(events.at(-1)!['droppedPastQuota']).toEqual({
      'mqtt.publish': rec.droppedCounts.get('mqtt.publish'),
    });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i)); // no gap: dropped ones got no seq
  });
});
