/**
 * The edge gateway as a behaviour object: a poll scheduler, one master per serial line (one
 * request at a time, a response timeout, the line's inter-frame silence), a book of point
 * states, and the mapping of MQTT commands to writes. It returns intents — bytes to send on a
 * line, MQTT messages to publish, log lines — and the runtime (devices/gateway/runtime.ts)
 * carries them out. Time comes in as arguments: `t` lab ms for scheduling, `wall` epoch ms for
 * timestamps. No sockets, no timers.
 *
 * Status topic (`<prefix>/gw/<name>/status`, retained), published whenever a point's or a
 * line's state changes:
 *   {"gateway":"gw1","online":true,"ts":…,"lines":{"rs485":{"up":true}},
 *    "points":{"ec":{"status":"ok","since":…},
 *              "bad":{"status":"error","error":"timeout","message":"no answer …","since":…}}}
 */
import type { GatewayPoint } from './config.js';
import type { LineRequest, PointError, PointReading, PointValue, ReplyReader } from './codec.js';
import {
  commandValue,
  decodeAnswer,
  describeSource,
  pollRequest,
  renderPayload,
  replyReader,
  writeRequest,
} from './codec.js';
import { PointBook } from './points.js';
import type { PointReport } from './points.js';

export type GatewayIntent =
  | { send: { line: string; bytes: Buffer } }
  | { publish: { topic: string; payload: string; qos: 0 | 1; retain: boolean } }
  | {
      log: { level: 'debug' | 'info' | 'warn'; message: string; context?: Record<string, unknown> };
    };

export interface GatewayCoreOptions {
  name: string;
  statusTopic: string;
  /** Payload template of point values. */
  payload: string;
  qos: 0 | 1;
  retain: boolean;
  timeoutMs: number;
  /** Silence a master keeps after a reply before its next request, per line (t3.5 on RTU). */
  gapMs?: Readonly<Record<string, number>>;
}

/**
 * When each point is due. Every point is due at the start, then every `periodS`; a poll that
 * could not keep up skips the periods it missed rather than bunching them.
 */
export class PollScheduler {
  private readonly due = new Map<string, { at: number; periodMs: number }>();

  constructor(points: readonly { point: string; periodS: number }[], start: number) {
    for (const p of points) this.due.set(p.point, { at: start, periodMs: p.periodS * 1000 });
  }

  /** The points due at t, in table order; each moves on by its period. */
  take(t: number): string[] {
    const out: string[] = [];
    for (const [point, d] of this.due) {
      if (d.at > t) continue;
      out.push(point);
      d.at += d.periodMs;
      if (d.at <= t) d.at = t + d.periodMs;
    }
    return out;
  }

  /** Polls `point` at t (after a write, to read the new value back). */
  now(point: string, t: number): void {
    const d = this.due.get(point);
    if (d) d.at = Math.min(d.at, t);
  }

  next(): number | undefined {
    let min: number | undefined;
    for (const d of this.due.values()) if (min === undefined || d.at < min) min = d.at;
    return min;
  }
}

interface Job {
  kind: 'poll' | 'write';
  point: GatewayPoint;
  req: LineRequest;
  value?: PointValue;
  generation: number;
}

interface LineState {
  up: boolean;
  reason?: string;
  queue: Job[];
  inflight?: Job & { deadline: number };
  idleAt: number;
  reader: ReplyReader;
}

export class GatewayCore {
  private points: GatewayPoint[] = [];
  private byName = new Map<string, GatewayPoint>();
  private scheduler: PollScheduler;
  private book: PointBook;
  private readonly lines = new Map<string, LineState>();
  private generation = 0;

  constructor(
    private opts: GatewayCoreOptions,
    points: readonly GatewayPoint[],
    t: number,
  ) {
    this.scheduler = new PollScheduler([], t);
    this.book = new PointBook([]);
    this.install(points, t);
  }

  /** New payload template, QoS, retain or timeout; the next poll uses them. */
  configure(
    o: Pick<GatewayCoreOptions, 'statusTopic' | 'payload' | 'qos' | 'retain' | 'timeoutMs'>,
  ): void {
    this.opts = { ...this.opts, ...o };
  }

  /** The poll table in force. */
  table(): readonly GatewayPoint[] {
    return this.points;
  }

  /** Lines the poll table uses. */
  lineNames(): string[] {
    return [...this.lines.keys()];
  }

  /** Topics to subscribe to: `<topic>/set` of every writable point. */
  commandTopics(): string[] {
    return this.points.filter((p) => p.writable).map((p) => `${p.topic}/set`);
  }

  /** Replaces the poll table live; an answer still pending for the old table is discarded. */
  replace(points: readonly GatewayPoint[], t: number, wall: number): GatewayIntent[] {
    this.install(points, t);
    return [this.statusIntent(wall), ...this.tick(t, wall)];
  }

  lineState(
    line: string,
    up: boolean,
    reason: string | undefined,
    t: number,
    wall: number,
  ): GatewayIntent[] {
    const s = this.lines.get(line);
    if (!s || (s.up === up && s.reason === reason)) return [];
    s.up = up;
    s.reason = reason;
    s.reader.reset();
    if (up) {
      // Poll the line's points at once rather than a period after they failed or waited.
      for (const p of this.points) if (p.line === line) this.scheduler.now(p.point, t);
      return [this.statusIntent(wall), ...this.tick(t, wall)];
    }
    const error: PointError = { code: 'line-down', message: lineDown(line, reason) };
    const out: GatewayIntent[] = [];
    s.inflight = undefined;
    s.queue.length = 0;
    for (const p of this.points) if (p.line === line) this.book.error(p.point, error, wall);
    out.push(this.statusIntent(wall));
    return out;
  }

  /** Bytes the line sent back. */
  receive(line: string, bytes: Buffer, t: number, wall: number): GatewayIntent[] {
    const s = this.lines.get(line);
    if (!s) return [];
    const out: GatewayIntent[] = [];
    for (const frame of s.reader.push(bytes)) {
      const job = s.inflight;
      if (!job) {
        out.push(log('debug', 'reply with no request pending', { line, size: frame.length }));
        continue;
      }
      const result = decodeAnswer(job.point, job.req, frame);
      if (!result) continue;
      s.inflight = undefined;
      s.idleAt = t + (this.opts.gapMs?.[line] ?? 0);
      this.complete(job, result, t, wall, out);
    }
    this.pump(line, s, t, out);
    return out;
  }

  /** An MQTT message on one of `commandTopics()`. */
  command(topic: string, payload: string, t: number, wall: number): GatewayIntent[] {
    const point = this.points.find((p) => p.writable && `${p.topic}/set` === topic);
    if (!point) return [log('debug', 'command for no writable point', { topic })];
    const v = commandValue(point, payload);
    if (!v.ok) {
      this.book.rejected(point.point, v.message, wall);
      return [log('warn', `command refused: ${v.message}`, { topic })];
    }
    const s = this.lines.get(point.line)!;
    if (!s.up) {
      const message = `cannot write ${point.point}: ${lineDown(point.line, s.reason)}`;
      this.book.rejected(point.point, message, wall);
      return [log('warn', message, { topic })];
    }
    // Writes go before queued polls: a technician waits for them.
    const req = writeRequest(point, v.value);
    s.queue.unshift({ kind: 'write', point, req, value: v.value, generation: this.generation });
    const out: GatewayIntent[] = [];
    this.pump(point.line, s, t, out);
    return out;
  }

  /** Timeouts and due polls at t. */
  tick(t: number, wall: number): GatewayIntent[] {
    const out: GatewayIntent[] = [];
    for (const s of this.lines.values()) {
      const job = s.inflight;
      if (!job || t < job.deadline) continue;
      const partial = s.reader.pending();
      s.inflight = undefined;
      s.reader.reset();
      s.idleAt = t;
      const tail = partial > 0 ? ` (${partial} byte(s) of a reply that never completed)` : '';
      const message = `no answer from ${describeSource(job.point)} within ${this.opts.timeoutMs} ms${tail}`;
      this.complete(job, { ok: false, error: { code: 'timeout', message } }, t, wall, out);
    }
    for (const name of this.scheduler.take(t)) {
      const point = this.byName.get(name)!;
      const s = this.lines.get(point.line)!;
      if (!s.up && s.reason === undefined) continue; // still connecting: polled when it is up
      if (!s.up) {
        const error = { code: 'line-down' as const, message: lineDown(point.line, s.reason) };
        if (this.book.error(point.point, error, wall)) out.push(this.statusIntent(wall));
        continue;
      }
      const busy = s.inflight?.point === point || s.queue.some((j) => j.point === point);
      if (!busy)
        s.queue.push({ kind: 'poll', point, req: pollRequest(point), generation: this.generation });
    }
    for (const [line, s] of this.lines) this.pump(line, s, t, out);
    return out;
  }

  /** The next t at which `tick` has something to do. */
  nextWake(): number | undefined {
    let min = this.scheduler.next();
    const at = (x: number): void => {
      if (min === undefined || x < min) min = x;
    };
    for (const s of this.lines.values()) {
      if (s.inflight) at(s.inflight.deadline);
      else if (s.up && s.queue.length > 0) at(s.idleAt);
    }
    return min;
  }

  /** The retained status message. */
  statusMessage(wall: number, online = true): string {
    const lines: Record<string, { up: boolean; reason?: string }> = {};
    for (const [name, s] of this.lines)
      lines[name] = { up: s.up, ...(s.reason ? { reason: s.reason } : {}) };
    return JSON.stringify({
      gateway: this.opts.name,
      online,
      ts: wall,
      lines,
      points: online ? this.book.health() : {},
    });
  }

  /** Per point: last value, last error, counts (GET /status). */
  report(): { lines: Record<string, { up: boolean; reason?: string }>; points: PointReport[] } {
    const lines: Record<string, { up: boolean; reason?: string }> = {};
    for (const [name, s] of this.lines)
      lines[name] = { up: s.up, ...(s.reason ? { reason: s.reason } : {}) };
    return { lines, points: this.book.reports() };
  }

  private install(points: readonly GatewayPoint[], t: number): void {
    this.generation += 1;
    this.points = [...points];
    this.byName = new Map(points.map((p) => [p.point, p]));
    this.scheduler = new PollScheduler(points, t);
    this.book = new PointBook(points);
    const used = new Set(points.map((p) => p.line));
    for (const name of [...this.lines.keys()]) if (!used.has(name)) this.lines.delete(name);
    for (const p of points) {
      const s = this.lines.get(p.line);
      if (s) s.queue.length = 0;
      else
        this.lines.set(p.line, {
          up: false,
          queue: [],
          idleAt: t,
          reader: replyReader(p.lineKind),
        });
    }
  }

  private pump(line: string, s: LineState, t: number, out: GatewayIntent[]): void {
    if (!s.up || s.inflight || t < s.idleAt) return;
    const job = s.queue.shift();
    if (!job) return;
    s.reader.reset();
    s.inflight = { ...job, deadline: t + this.opts.timeoutMs };
    this.book.sent(job.point.point, job.kind);
    out.push({ send: { line, bytes: job.req.bytes } });
  }

  private complete(
    job: Job,
    result: PointReading,
    t: number,
    wall: number,
    out: GatewayIntent[],
  ): void {
    if (job.generation !== this.generation) return; // an answer for a replaced poll table
    const p = job.point;
    if (job.kind === 'write') {
      this.book.written(p.point, job.value!, result, wall);
      if (result.ok) {
        out.push(log('info', `wrote ${p.point} = ${String(job.value)}`, { line: p.line }));
        this.scheduler.now(p.point, t); // read the new value back
      } else
        out.push(
          log('warn', `write of ${p.point} failed: ${result.error.message}`, { line: p.line }),
        );
    }
    if (!result.ok) {
      if (this.book.error(p.point, result.error, wall)) out.push(this.statusIntent(wall));
      return;
    }
    if (job.kind === 'poll') {
      const changed = this.book.value(p.point, result.value, result.raw, wall);
      const payload = renderPayload(this.opts.payload, {
        ts: wall,
        iso: new Date(wall).toISOString(),
        value: result.value,
        raw: result.raw,
        unit: p.unit,
        quantity: p.quantity,
        point: p.point,
        name: this.opts.name,
        line: p.line,
        slave: p.slave,
      });
      out.push({
        publish: { topic: p.topic, payload, qos: this.opts.qos, retain: this.opts.retain },
      });
      if (changed) out.push(this.statusIntent(wall));
    }
  }

  private statusIntent(wall: number): GatewayIntent {
    return {
      publish: {
        topic: this.opts.statusTopic,
        payload: this.statusMessage(wall),
        qos: 1,
        retain: true,
      },
    };
  }
}

function lineDown(line: string, reason: string | undefined): string {
  return `line ${line} is not connected${reason ? ` (${reason})` : ''}`;
}

function log(
  level: 'debug' | 'info' | 'warn',
  message: string,
  context?: Record<string, unknown>,
): GatewayIntent {
  return { log: { level, message, ...(context ? { context } : {}) } };
}
