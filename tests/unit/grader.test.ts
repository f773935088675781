/** Grader building blocks: the fail-closed evidence reader, topic filters and templates. */
import { describe, expect, it } from 'vitest';
import { readEvidenceText } from '../../grader/evidence-file.js';
import { topicMatches } from '../../grader/checks/mqtt.js';
import { normaliseAnswer } from '../../grader/checks/answer.js';
import { swap16 } from '../../grader/checks/value.js';
import { renderTemplate } from '../../grader/template.js';
import { sha256 } from '../../simulator/evidence.js';
import { chain } from '../support/evidence-chain.js';

const run = chain([
  { kind: 'lab.start', scenario: 's', seed: 1 },
  {
    kind: 'mqtt.publish',
    origin: 'client',
    topic: 'a/b',
    qos: 1,
    retain: false,
    payload: { raw: '' },
  },
  { kind: 'lab.stop', reason: 'done' },
]);

describe('evidence reader', () => {
  it('accepts a whole run', () => {
    const f = readEvidenceText(run);
    expect(f.problems).toEqual([]);
    expect(f.events).toHaveLength(3);
    expect(f.sha256).toBe(sha256(run));
  });

  it('reports a corrupted line with its number and the chain break after it', () => {
    const lines = run.split('\n');
    lines[1] = lines[1]!.replace('"qos":1', '"qos":1,');
    const f = readEvidenceText(lines.join('\n'));
    expect(f.problems).toContainEqual({ line: 2, message: 'corrupted: not valid JSON' });
  });

  it('reports an edited line as a broken hash chain on the next line', () => {
    const f = readEvidenceText(run.replace('"qos":1', '"qos":0'));
    expect(f.problems).toEqual([
      { line: 3, message: expect.stringMatching(/hash chain broken/) as unknown },
    ]);
  });

  it('reports a truncated file: the cut line and the missing lab.stop', () => {
    const f = readEvidenceText(run.slice(0, run.lastIndexOf('"reason"')));
    expect(f.problems.map((p) => p.message)).toEqual([
      'truncated: the last line is cut off (not complete JSON)',
      'no lab.stop event: the lab did not finish recording (crashed or still running)',
    ]);
    expect(f.problems[0]!.line).toBe(3);
  });

  it('reports a removed line, an unknown kind, two runs, and an empty file', () => {
    const lines = run.split('\n');
    expect(
      readEvidenceText([lines[0], lines[2], ''].join('\n')).problems.map((p) => p.line),
    ).toEqual([2, 2]);
    expect(
      readEvidenceText(chain([{ kind: 'lab.start' }, { kind: 'nope' }, { kind: 'lab.stop' }]))
        .problems,
    ).toEqual([{ line: 2, message: 'not an evidence event: unknown kind "nope"' }]);
    expect(
      readEvidenceText(chain([{ kind: 'lab.start' }, { kind: 'lab.start' }, { kind: 'lab.stop' }]))
        .problems,
    ).toEqual([{ line: 2, message: 'a second lab.start: more than one run in one file' }]);
    expect(readEvidenceText('').problems).toEqual([
      { line: 0, message: 'the evidence file is empty' },
    ]);
  });

  it('reads a run resumed after a server restart as one run, unless the resume is wrong', () => {
    const start = { kind: 'lab.start', seed: 7 };
    const resumed = { kind: 'lab.start', seed: 7, resumed: true };
    const stop = { kind: 'lab.stop' };
    expect(readEvidenceText(chain([start, { kind: 'answer' }, resumed, stop])).problems).toEqual(
      [],
    );
    expect(
      readEvidenceText(chain([start, { ...resumed, seed: 8 }, stop])).problems.map(
        (p) => p.message,
      ),
    ).toEqual(['a resumed lab.start with another seed']);
    expect(
      readEvidenceText(chain([start, { kind: 'answer', t: 500 }, { ...resumed, t: 20 }, stop]))
        .problems,
    ).toEqual([{ line: 3, message: 'a resumed lab.start goes back in lab time' }]);
    expect(
      readEvidenceText(chain([resumed, start, stop])).problems.map((p) => p.message),
    ).toContain('a resumed lab.start before the run started');
  });
});

describe('check helpers', () => {
  it('matches MQTT topic filters (MQTT 3.1.1 §4.7)', () => {
    expect(topicMatches('a/+/c', 'a/b/c')).toBe(true);
    expect(topicMatches('a/#', 'a/b/c')).toBe(true);
    expect(topicMatches('a/#', 'a')).toBe(true);
    expect(topicMatches('a/+', 'a/b/c')).toBe(false);
    expect(topicMatches('a/b', 'a/b/c')).toBe(false);
    expect(topicMatches('a/b/c', 'a/b')).toBe(false);
  });

  it('normalises answers and swaps bytes', () => {
    expect(normaliseAnswer('  "Stuck" ')).toBe('stuck');
    expect(swap16(0x1234)).toBe(0x3412);
  });

  it('renders templates and names missing values', () => {
    expect(renderTemplate('a {{x}} b {{ y }}', { x: 1, y: 'z' })).toEqual({
      text: 'a 1 b z',
      missing: [],
    });
    expect(renderTemplate('{{x}} {{nope}}', { x: 1 }).missing).toEqual(['nope']);
  });
});
