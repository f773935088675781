/**
 * Reading an evidence file for grading, failing closed: every line must be a JSON evidence event
 * of a known kind, in sequence, on an unbroken hash chain, from one lab run that started and
 * stopped. Any problem makes the run ungradable, with the line number and what is wrong, so a
 * damaged file is reported and never silently graded.
 */
import { EVIDENCE_KINDS, GENESIS, sha256 } from '../core/evidence.js';
import type { EvidenceEvent } from '../core/evidence.js';

export interface EvidenceProblem {
  line: number;
  message: string;
}

export interface EvidenceFile {
  events: EvidenceEvent[];
  problems: EvidenceProblem[];
  /** SHA-256 of the file's bytes as read. */
  sha256: string;
  /** SHA-256 of the last line (the chain's head; GENESIS for an empty file). */
  head: string;
  lines: number;
}

const KINDS = new Set<string>(EVIDENCE_KINDS);

/**
 * Reads an evidence file. `live`: the run is still going (a practice checklist), so a missing
 * lab.stop is not a problem.
 */
export function readEvidenceText(text: string, opts: { live?: boolean } = {}): EvidenceFile {
  const events: EvidenceEvent[] = [];
  const lineNos: number[] = [];
  const problems: EvidenceProblem[] = [];
  const lines = text.split('\n');
  const endsWithNewline = lines.at(-1) === '';
  if (endsWithNewline) lines.pop();
  let prev = GENESIS;
  let expectSeq = 0;
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    const last = i === lines.length - 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      problems.push({
        line: lineNo,
        message:
          last && !endsWithNewline
            ? 'truncated: the last line is cut off (not complete JSON)'
            : 'corrupted: not valid JSON',
      });
      prev = sha256(line);
      expectSeq += 1;
      return;
    }
    const why = notAnEvent(parsed);
    if (why !== undefined) {
      problems.push({ line: lineNo, message: `not an evidence event: ${why}` });
      prev = sha256(line);
      expectSeq += 1;
      return;
    }
    const e = parsed as EvidenceEvent;
    if (e.prev !== prev)
      problems.push({
        line: lineNo,
        message:
          'hash chain broken: prev is not the SHA-256 of the line before (edited, removed or reordered lines)',
      });
    if (e.seq !== expectSeq)
      problems.push({
        line: lineNo,
        message: `sequence broken: expected seq ${expectSeq}, found ${e.seq}`,
      });
    expectSeq = e.seq + 1;
    prev = sha256(line);
    events.push(e);
    lineNos.push(lineNo);
  });
  if (lines.length === 0) problems.push({ line: 0, message: 'the evidence file is empty' });
  // A `resumed` lab.start continues the same run after a server restart: same seed, lab time
  // going on. Anything else that starts again is a second run in one file.
  const starts = events.filter((e) => e.kind === 'lab.start' && e['resumed'] !== true);
  events.forEach((e, i) => {
    if (e.kind !== 'lab.start' || e['resumed'] !== true) return;
    const line = lineNos[i] ?? 0;
    if (starts.length === 0 || events.indexOf(starts[0]!) > i)
      problems.push({ line, message: 'a resumed lab.start before the run started' });
    else if (e['seed'] !== starts[0]!['seed'])
      problems.push({ line, message: 'a resumed lab.start with another seed' });
    if (i > 0 && e.t < events[i - 1]!.t)
      problems.push({ line, message: 'a resumed lab.start goes back in lab time' });
  });
  if (lines.length > 0 && starts.length === 0)
    problems.push({ line: 1, message: 'no lab.start event: the run did not start recording' });
  if (starts.length > 1)
    problems.push({
      line: lineNos[events.indexOf(starts[1]!)] ?? 0,
      message: 'a second lab.start: more than one run in one file',
    });
  if (!opts.live && events.length > 0 && !events.some((e) => e.kind === 'lab.stop'))
    problems.push({
      line: lines.length,
      message: 'no lab.stop event: the lab did not finish recording (crashed or still running)',
    });
  return { events, problems, sha256: sha256(text), head: prev, lines: lines.length };
}

function notAnEvent(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  if (typeof o.seq !== 'number' || !Number.isInteger(o.seq)) return 'no integer seq';
  if (typeof o.t !== 'number' || !Number.isFinite(o.t)) return 'no numeric t';
  if (typeof o.kind !== 'string' || !KINDS.has(o.kind))
    return `unknown kind ${JSON.stringify(o.kind)}`;
  if (typeof o.prev !== 'string') return 'no prev hash';
  return undefined;
}
