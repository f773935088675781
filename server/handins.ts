/**
 * A candidate's hand-ins on the exam server (issue 15): one file per item of a task, kept in the
 * task's work folder under `handin/` as `<item>` (the bytes, never executed) beside `<item>.json`
 * (the cleaned name, kind, size, SHA-256 and time). An upload is checked as it is stored (kind by
 * content, size, not empty: tasks/handin.ts) and refused with the reason, the earlier file kept.
 * Handing in writes the run's evidence: `lab.start`, one `handin` event per item, `lab.stop`, in
 * a hash-chained file the grader reads like any run's.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ManualClock } from '../core/clock.js';
import { LabError } from '../core/errors.js';
import { receiveFile } from './receive.js';
import { EvidenceRecorder } from '../core/evidence.js';
import type { HandInSpec, HandinType, Task } from '../grader/types.js';
import { validateScenario } from '../simulator/scenario.js';
import {
  cleanName,
  handinLimit,
  handinProblem,
  handinRecords,
  handinType,
  HANDIN_MIME,
} from '../tasks/handin.js';

export interface StoredHandin {
  item: string;
  name: string;
  type: HandinType;
  mime: string;
  bytes: number;
  sha256: string;
  at: string;
}

export function handinSpec(task: Task, item: string): HandInSpec {
  const spec = task.handIn?.find((h) => h.id === item);
  if (!spec)
    throw new LabError(
      'API_NOT_FOUND',
      task.handIn?.length
        ? `task ${task.id} takes no hand-in "${item}" (it takes ${task.handIn.map((h) => h.id).join(', ')}) / 本题没有该提交项`
        : `task ${task.id} takes no hand-ins / 本题不需要提交文件`,
    );
  return spec;
}

/** The stored file of an item, if any. */
export function storedHandin(dir: string, item: string): StoredHandin | undefined {
  const meta = join(dir, `${item}.json`);
  if (!existsSync(meta) || !existsSync(join(dir, item))) return undefined;
  return JSON.parse(readFileSync(meta, 'utf8')) as StoredHandin;
}

export function handinBytes(dir: string, item: string): Buffer {
  return readFileSync(join(dir, item));
}

/**
 * Stores an upload for an item: streamed to a temporary file (at most the item's limit), checked,
 * then put in place of the earlier file. Refused uploads leave the earlier file as it was.
 */
export async function saveHandin(
  dir: string,
  spec: HandInSpec,
  body: Readable,
  givenName: string,
): Promise<StoredHandin> {
  mkdirSync(dir, { recursive: true });
  const limit = handinLimit(spec);
  const tmp = join(dir, `.${spec.id}.upload`);
  const { bytes, sha256 } = await receiveFile(body, tmp, limit);
  const buf = readFileSync(tmp);
  const name = cleanName(givenName);
  const problem = handinProblem(spec, buf, name);
  if (problem) {
    rmSync(tmp, { force: true });
    throw new LabError('HANDIN_REFUSED', problem, { item: spec.id });
  }
  const type = handinType(spec, buf, name)!;
  const stored: StoredHandin = {
    item: spec.id,
    name,
    type,
    mime: HANDIN_MIME[type],
    bytes,
    sha256,
    at: new Date().toISOString(),
  };
  renameSync(tmp, join(dir, spec.id));
  writeFileSync(join(dir, `${spec.id}.json`), JSON.stringify(stored));
  return stored;
}

/**
 * Writes a hand-in run's evidence file: the frame the grader expects (scenario, seed, the
 * candidate's topic prefix) around one `handin` event per item. Returns the chain head.
 */
export async function writeHandinEvidence(
  path: string,
  task: Task,
  seed: number,
  candidateId: string,
  topicPrefix: string,
  dir: string,
): Promise<string> {
  const files = new Map<string, { path: string; name: string }>();
  for (const h of task.handIn ?? []) {
    const s = storedHandin(dir, h.id);
    if (s) files.set(h.id, { path: join(dir, h.id), name: s.name });
  }
  const records = await handinRecords(task, files);
  const scenario = validateScenario(task.scenario(task.params(seed)), `task ${task.id}`);
  const recorder = new EvidenceRecorder({
    clock: new ManualClock({ epochMs: Date.now() }),
    path,
    candidate: candidateId,
  });
  recorder.record('lab.start', {
    scenario: scenario.name,
    seed,
    handin: true,
    card: { mqtt: { topicPrefix } },
  });
  for (const r of records) recorder.record('handin', r);
  recorder.record('lab.stop', { reason: 'handed in' });
  recorder.close();
  return recorder.head;
}
