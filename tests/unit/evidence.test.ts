import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import {
  EvidenceRecorder,
  GENESIS,
  parseEvidence,
  payloadView,
  readEvidence,
  sha256,
} from '../../core/evidence.js';

function tmpFile(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'iotlab-ev-')), name);
}

describe('evidence recorder', () => {
  it('writes JSONL with seq, t, wall, kind, peer and a hash chain', () => {
    const clock = new ManualClock();
    const path = tmpFile('e.jsonl');
    const rec = new EvidenceRecorder({ clock, path, candidate: 'c1' });
    rec.record('lab.start', { scenario: 's' });
    clock.advance(1234);
    rec.record('mqtt.publish', {
      peer: '127.0.0.1:5000',
      topic: 'a/b',
      payload: payloadView(Buffer.from('{"x":1}')),
    });
    rec.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const [a, b] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(a!)).toEqual(['seq', 't', 'wall', 'kind', 'candidate', 'scenario', 'prev']);
    expect(a).toMatchObject({
      seq: 0,
      t: 0,
      wall: '2026-01-01T00:00:00.000Z',
      kind: 'lab.start',
      candidate: 'c1',
      prev: GENESIS,
    });
    expect(b).toMatchObject({
      seq: 1,
      t: 1234,
      kind: 'mqtt.publish',
      peer: '127.0.0.1:5000',
      prev: sha256(lines[0]!),
    });
    expect(b!.payload).toEqual({ raw: Buffer.from('{"x":1}').toString('base64'), json: { x: 1 } });
    expect(readEvidence(path).problems).toEqual([]);
  });

  it('keeps its own seq, t, wall, kind, candidate and prev whatever a producer passes', () => {
    const clock = new ManualClock();
    const path = tmpFile('e.jsonl');
    const rec = new EvidenceRecorder({ clock, path, candidate: 'c1' });
    const forged: Record<string, unknown> = {
      kind: 'answer',
      seq: 99,
      t: -1,
      wall: 'x',
      candidate: 'c2',
      prev: 'f'.repeat(64),
      type: 'kept',
    };
    rec.record('device.state', forged);
    rec.close();
    const { events, problems } = readEvidence(path);
    expect(problems).toEqual([]);
    expect(events[0]).toMatchObject({ seq: 0, t: 0, kind: 'device.state', candidate: 'c1' });
    expect(events[0]!.prev).toBe(GENESIS);
    expect(events[0]!.wall).toBe('2026-01-01T00:00:00.000Z');
    expect(events[0]!['type']).toBe('kept');
  });

  it('flushes on its own within a second, before close', async () => {
    const clock = new ManualClock();
    const path = tmpFile('f.jsonl');
    const rec = new EvidenceRecorder({ clock, path, flushMs: 50 });
    rec.record('lab.start', {});
    await new Promise((r) => setTimeout(r, 200));
    expect(readFileSync(path, 'utf8')).toContain('"lab.start"');
    rec.close();
  });

  it('detects edited, removed and truncated lines', () => {
    const clock = new ManualClock();
    const path = tmpFile('g.jsonl');
    const rec = new EvidenceRecorder({ clock, path });
    for (let i = 0; i < 5; i++)
      rec.record('device.state', { device: 'd', values: { on: i % 2 === 0 } });
    rec.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const edited = [...lines];
    edited[2] = edited[2]!.replace('"on":true', '"on":false');
    expect(parseEvidence(edited.join('\n')).problems).toEqual([
      { line: 4, message: expect.stringMatching(/hash chain broken/) as string },
    ]);
    const removed = lines.filter((_, i) => i !== 1);
    const problems = parseEvidence(removed.join('\n')).problems.map((p) => p.message);
    expect(problems.join()).toMatch(/hash chain broken/);
    expect(problems.join()).toMatch(/sequence gap/);
    writeFileSync(path, lines.join('\n').slice(0, -10));
    expect(readEvidence(path).problems.at(-1)).toEqual({
      line: 5,
      message: expect.stringMatching(/not valid JSON/) as string,
    });
  });

  it('keeps the text of scalars and plain text, and shows binary payloads as base64 only', () => {
    expect(payloadView(Buffer.from('21.50'))).toEqual({
      raw: 'MjEuNTA=',
      text: '21.50',
      json: 21.5,
    });
    expect(payloadView(Buffer.from('ON'))).toEqual({ raw: 'T04=', text: 'ON' });
    expect(payloadView(Buffer.from([0xff, 0x00, 0xfe]))).toEqual({ raw: '/wD+' });
  });
});
