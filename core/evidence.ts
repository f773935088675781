/**
 * The evidence recorder: an append-only JSONL log of everything that crossed the wire and every
 * change of simulated state (DESIGN.md, "Evidence event"). Each line is
 * `{ seq, t, wall, kind, candidate?, peer?, ...fields, prev }` where `prev` is the SHA-256 (hex)
 * of the previous line's text, so a removed, reordered or edited line breaks the chain. The first
 * line's `prev` is GENESIS.
 *
 * Lines are buffered and written with a synchronous append at least every `flushMs` (default
 * 250 ms) and on close, so a crash loses at most the last quarter second. The flush timer is a
 * real timer on purpose: flushing is I/O, not simulated behaviour, and must happen even when the
 * lab runs on a manual clock.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from './clock.js';
import { LabError } from './errors.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';

export const EVIDENCE_KINDS = [
  'mqtt.connect',
  'mqtt.disconnect',
  'mqtt.subscribe',
  'mqtt.publish',
  /** A TLS handshake on the broker, completed or failed (protocols/tls/handshake.ts). */
  'tls.handshake',
  /** A change of the broker's access policy: who, version, before and after (simulator/security.ts). */
  'acl.change',
  'coap.request',
  'coap.response',
  'modbus.request',
  'modbus.response',
  'serial.rx',
  'serial.tx',
  'bus.transfer',
  'device.state',
  'fault',
  'answer',
  /** What a candidate's program left behind (e.g. its SQLite file), read by the task runner at the end. */
  'capture',
  /** A file the candidate handed in for examiners (and automatic checks) to read: tasks/handin.ts. */
  'handin',
  /**
   * A candidate's web app driven in a browser by the task runner (tasks/app-run.ts): the page's
   * load, each element read (`ui.read`: test id, tag, text, visible, checked), each tap, each
   * screenshot (PNG beside the evidence, its SHA-256 here), console errors and failed or blocked
   * requests, what ended the run early (`ui.error`: launch failed, a step timed out), and a run
   * taken up again after the server restarted (`ui.resume`: the lab time, the steps not replayed).
   */
  'ui.load',
  'ui.resume',
  'ui.read',
  'ui.action',
  'ui.screenshot',
  'ui.console',
  'ui.request',
  'ui.error',
  /**
   * A call to one of the lab's simulated third-party services (protocols/http/third-party.ts):
   * service, method, path, params (no key, no signature), HTTP status, the API's code and a short
   * result; a payment notification pushed to the app is one too (`direction: 'notify'`).
   */
  'api.call',
  /** A connection or datagram refused because it did not come from the candidate's seat. */
  'net.refused',
  /**
   * The lab's impostor endpoint (protocols/tls/impostor.ts): where it listens and its CA's
   * fingerprint, each TLS handshake on it, and each packet a client sent it.
   */
  'impostor.listen',
  'impostor.tls',
  'impostor.data',
  /** The file reached its size quota: from here, payloads are kept by size and hash (see Quota). */
  'quota',
  'lab.start',
  'lab.stop',
] as const;

export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export const GENESIS = '0'.repeat(64);

/** Fields a producer supplies; the recorder adds seq, t, wall and prev. */
export interface EvidenceFields {
  peer?: string;
  [field: string]: unknown;
}

export interface EvidenceEvent extends EvidenceFields {
  seq: number;
  t: number;
  wall: string;
  kind: EvidenceKind;
  candidate?: string;
  prev: string;
}

/** What protocol servers get: a function to record with, nothing more. */
export type RecordFn = (kind: EvidenceKind, fields: EvidenceFields) => void;

export interface RecorderOptions {
  clock: Clock;
  /** JSONL file to append to; without one, events are kept only for subscribers. */
  path?: string;
  candidate?: string;
  flushMs?: number;
  logger?: Logger;
  /**
   * Continue the chain of an existing file (a restarted exam server): seq and prev follow its
   * last complete line, and a partial last line (cut off by a crash) is removed first.
   */
  resume?: boolean;
  /** Bytes this file may take (default EVIDENCE_QUOTA; `false` for none). */
  quota?: Quota | false;
}

/**
 * What one run's evidence may take on disk, so that one client cannot fill a room's disk. Up to
 * `bytes`, everything is kept as it came. Past it, one `quota` event says so, and payloads (MQTT
 * messages, serial chunks, CoAP bodies) are kept as their size and SHA-256 instead of their bytes:
 * what happened stays on record, the flood's content does not. Past `hardBytes`, only the events
 * that decide or explain a run are written (lab.*, faults, answers, captures, connects,
 * refusals, state changes) and a second `quota` event says that the rest is counted, not kept:
 * `lab.stop` then carries the counts by kind (`droppedPastQuota`).
 */
export interface Quota {
  bytes: number;
  hardBytes: number;
}

/** A quota of `mib` MiB kept in full, the hard quota half as much again. */
export function quotaOfMiB(mib: number): Quota {
  return { bytes: mib * 1048576, hardBytes: Math.round(mib * 1.5 * 1048576) };
}

export const EVIDENCE_QUOTA: Quota = quotaOfMiB(64);

/** Kinds still written past the hard quota: a run's frame and its decisive events. */
const KEPT_PAST_QUOTA = new Set<EvidenceKind>([
  'lab.start',
  'lab.stop',
  'fault',
  'answer',
  'capture',
  'handin',
  'quota',
  'device.state',
  'mqtt.connect',
  'mqtt.disconnect',
  'tls.handshake',
  'net.refused',
  'impostor.listen',
  'impostor.tls',
  'impostor.data',
  // The app script's own steps: bounded by the script, and what an app task is graded on.
  'ui.load',
  'ui.resume',
  'ui.read',
  'ui.action',
  'ui.screenshot',
  'ui.error',
]);

/** A payload kept by size and hash: `{ elided: { bytes, sha256 } }` in place of raw/text/json. */
function elide(fields: EvidenceFields): EvidenceFields {
  const summary = (raw: string) => {
    const bytes = Buffer.from(raw, 'base64');
    return { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  };
  const out: EvidenceFields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (k === 'text' || k === 'json') {
      if (typeof fields.raw === 'string') continue;
    }
    if (k === 'raw' && typeof v === 'string') out.elided = summary(v);
    else if (
      typeof v === 'object' &&
      v !== null &&
      typeof (v as { raw?: unknown }).raw === 'string'
    )
      out[k] = { elided: summary((v as { raw: string }).raw) };
    else out[k] = v;
  }
  return out;
}

export class EvidenceRecorder {
  readonly path: string | undefined;
  private readonly clock: Clock;
  private readonly candidate: string | undefined;
  private readonly logger: Logger;
  private seq = 0;
  private prev = GENESIS;
  private buffer: string[] = [];
  private fd: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(e: EvidenceEvent) => void>();
  private closed = false;
  private readonly quota: Quota | undefined;
  private written = 0;
  private stage: 'open' | 'elided' | 'hard' = 'open';
  private readonly dropped = new Map<string, number>();

  constructor(options: RecorderOptions) {
    this.clock = options.clock;
    this.path = options.path;
    this.candidate = options.candidate;
    this.logger = options.logger ?? silentLogger;
    this.quota = options.quota === false ? undefined : (options.quota ?? EVIDENCE_QUOTA);
    if (this.path) {
      try {
        mkdirSync(dirname(this.path), { recursive: true });
        if (options.resume) this.resumeFrom(this.path);
        this.fd = openSync(this.path, 'a');
      } catch (err) {
        throw new LabError('EVIDENCE_IO', `cannot open evidence file ${this.path}`, {
          cause: String(err),
        });
      }
      this.timer = setInterval(() => this.flush(), options.flushMs ?? 250);
      this.timer.unref();
    }
  }

  private resumeFrom(path: string): void {
    if (!existsSync(path)) return;
    const text = readFileSync(path, 'utf8');
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length) {
      this.logger.warn('evidence: dropping a partial last line', { path });
      truncateSync(path, Buffer.byteLength(text.slice(0, end)));
    }
    const lines = text.slice(0, end).split('\n').slice(0, -1);
    const last = lines.at(-1);
    if (last === undefined) return;
    const { events, problems } = parseEvidence(lines.join('\n'));
    if (problems.length > 0)
      this.logger.error('evidence: the file being resumed has problems', { path, problems });
    this.seq = (events.at(-1)?.seq ?? -1) + 1;
    this.prev = sha256(last);
    this.written = Buffer.byteLength(text.slice(0, end));
    if (events.some((e) => e.kind === 'quota'))
      this.stage = events.some((e) => e.kind === 'quota' && e.stage === 'hard') ? 'hard' : 'elided';
  }

  /** Bytes of evidence recorded so far (what the quota counts). */
  get bytes(): number {
    return this.written;
  }

  /** Events past the hard quota that were counted, not kept, by kind. */
  get droppedCounts(): ReadonlyMap<string, number> {
    return this.dropped;
  }

  /** Moves to the next quota stage when the bytes so far call for it (recording its event). */
  private checkQuota(): void {
    const q = this.quota;
    if (q === undefined) return;
    if (this.stage === 'open' && this.written >= q.bytes) {
      this.stage = 'elided';
      this.record('quota', {
        stage: 'elided',
        bytes: this.written,
        limit: q.bytes,
        message:
          'evidence quota reached: from here payloads are kept by size and SHA-256 / 证据已达配额：此后报文只记录长度和 SHA-256',
      });
    } else if (this.stage === 'elided' && this.written >= q.hardBytes) {
      this.stage = 'hard';
      this.record('quota', {
        stage: 'hard',
        bytes: this.written,
        limit: q.hardBytes,
        message:
          'evidence hard quota reached: from here only lab, fault, answer, connection and state events are kept / 证据已达上限：此后只记录实验、故障、答案、连接与状态事件',
      });
    }
  }

  /** Number of events recorded so far. */
  get count(): number {
    return this.seq;
  }

  /** Hash of the last recorded line (the head of the chain). */
  get head(): string {
    return this.prev;
  }

  record: RecordFn = (kind, fields) => {
    if (this.closed) return;
    if (this.stage === 'hard' && !KEPT_PAST_QUOTA.has(kind)) {
      this.dropped.set(kind, (this.dropped.get(kind) ?? 0) + 1);
      return;
    }
    if (this.stage !== 'open' && kind !== 'quota') fields = elide(fields);
    // What was counted and not kept is on record when the run stops: by kind, since this start.
    if (kind === 'lab.stop' && this.dropped.size > 0)
      fields = { ...fields, droppedPastQuota: Object.fromEntries(this.dropped) };
    const t = Math.round(this.clock.now() * 1000) / 1000;
    // Fields only the recorder writes are dropped from what a producer passes: a `kind` or
    // `seq` field would otherwise overwrite the event's own (the spread comes after them).
    const {
      peer,
      seq: _seq,
      t: _t,
      wall: _wall,
      kind: _kind,
      candidate: _candidate,
      prev: _prev,
      ...rest
    } = fields;
    const event: EvidenceEvent = {
      seq: this.seq,
      t,
      wall: new Date(this.clock.wall()).toISOString(),
      kind,
      ...(this.candidate !== undefined ? { candidate: this.candidate } : {}),
      ...(peer !== undefined ? { peer } : {}),
      ...rest,
      prev: this.prev,
    };
    const line = JSON.stringify(event);
    this.seq += 1;
    this.prev = sha256(line);
    this.written += Buffer.byteLength(line) + 1;
    if (this.fd !== undefined) this.buffer.push(line);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error('evidence listener failed', { err: String(err) });
      }
    }
    if (kind !== 'quota') this.checkQuota();
  };

  subscribe(listener: (e: EvidenceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Writes buffered lines to disk now (synchronously). */
  flush(): void {
    if (this.fd === undefined || this.buffer.length === 0) return;
    const text = this.buffer.join('\n') + '\n';
    this.buffer = [];
    try {
      writeSync(this.fd, text);
    } catch (err) {
      this.logger.error('evidence write failed', { path: this.path, err: String(err) });
    }
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Raw bytes as base64 beside a decoded view: `json` when the text parses as a JSON object or
 * array (the text itself is then left out: raw has the exact bytes, and a second copy of every
 * telemetry message would double the log), else `text` when it is valid UTF-8 (with `json` too
 * when that text is a JSON scalar such as `21.5`).
 */
export function payloadView(buf: Uint8Array): { raw: string; text?: string; json?: unknown } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const view: { raw: string; text?: string; json?: unknown } = { raw: b.toString('base64') };
  const text = b.toString('utf8');
  if (text.includes('\uFFFD')) return view;
  const first = text.trimStart()[0];
  try {
    const json = JSON.parse(text) as unknown;
    view.json = json;
    if (first === '{' || first === '[') return view;
  } catch {
    // not JSON: the text view is enough
  }
  view.text = text;
  return view;
}

export interface ChainProblem {
  line: number;
  message: string;
}

/** Reads a JSONL evidence file, checking JSON, sequence and hash chain line by line. */
export function readEvidence(path: string): { events: EvidenceEvent[]; problems: ChainProblem[] } {
  return parseEvidence(readFileSync(path, 'utf8'));
}

export function parseEvidence(text: string): { events: EvidenceEvent[]; problems: ChainProblem[] } {
  const events: EvidenceEvent[] = [];
  const problems: ChainProblem[] = [];
  let prev = GENESIS;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      problems.push({ line: lineNo, message: 'not valid JSON (truncated or corrupted line)' });
      prev = sha256(line);
      return;
    }
    const e = parsed as EvidenceEvent;
    if (typeof e !== 'object' || e === null || typeof e.seq !== 'number') {
      problems.push({ line: lineNo, message: 'not an evidence event (no seq)' });
    } else {
      if (e.prev !== prev)
        problems.push({
          line: lineNo,
          message: 'hash chain broken: prev does not match the line before',
        });
      if (events.length > 0 && e.seq !== (events.at(-1)?.seq ?? -1) + 1)
        problems.push({
          line: lineNo,
          message: `sequence gap: expected ${(events.at(-1)?.seq ?? -1) + 1}, found ${e.seq}`,
        });
      events.push(e);
    }
    prev = sha256(line);
  });
  return { events, problems };
}
