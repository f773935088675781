/**
 * The gateway's book of point states: per point the last value, the last error, counts of
 * polls, answers, errors and writes. `value` and `error` say whether the point's health changed
 * (ok ↔ error, or another error), which is when the gateway republishes its status topic.
 */
import type { GatewayPoint } from './config.js';
import type { PointError, PointReading, PointValue } from './codec.js';

export interface PointCounts {
  /** Read requests sent. */
  polls: number;
  /** Write requests sent. */
  writes: number;
  ok: number;
  errors: number;
  timeouts: number;
  /** MQTT commands refused before reaching the line. */
  rejected: number;
}

export interface PointHealth {
  status: 'pending' | 'ok' | 'error';
  /** Epoch ms of the change to this status. */
  since?: number;
  error?: PointError['code'];
  message?: string;
}

export interface PointReport {
  point: string;
  line: string;
  device?: string;
  status: PointHealth['status'];
  value?: PointValue;
  raw?: number;
  /** Epoch ms of the last value. */
  at?: number;
  error?: PointError & { at: number };
  lastWrite?: { value?: PointValue; ok: boolean; message?: string; at: number };
  counts: PointCounts;
}

interface Entry {
  point: GatewayPoint;
  health: PointHealth;
  value?: { value: PointValue; raw: number; at: number };
  error?: PointError & { at: number };
  lastWrite?: PointReport['lastWrite'];
  counts: PointCounts;
}

export class PointBook {
  private readonly entries = new Map<string, Entry>();

  constructor(points: readonly GatewayPoint[]) {
    for (const point of points)
      this.entries.set(point.point, {
        point,
        health: { status: 'pending' },
        counts: { polls: 0, writes: 0, ok: 0, errors: 0, timeouts: 0, rejected: 0 },
      });
  }

  sent(point: string, kind: 'poll' | 'write'): void {
    const e = this.entries.get(point);
    if (e) e.counts[kind === 'poll' ? 'polls' : 'writes'] += 1;
  }

  /** A value read; true when the point's health changed. */
  value(point: string, value: PointValue, raw: number, wall: number): boolean {
    const e = this.entries.get(point);
    if (!e) return false;
    e.counts.ok += 1;
    e.value = { value, raw, at: wall };
    if (e.health.status === 'ok') return false;
    e.health = { status: 'ok', since: wall };
    return true;
  }

  /** A failed poll or write; true when the point's health changed. */
  error(point: string, error: PointError, wall: number): boolean {
    const e = this.entries.get(point);
    if (!e) return false;
    e.counts.errors += 1;
    if (error.code === 'timeout') e.counts.timeouts += 1;
    e.error = { ...error, at: wall };
    const h = e.health;
    if (h.status === 'error' && h.error === error.code && h.message === error.message) return false;
    e.health = { status: 'error', since: wall, error: error.code, message: error.message };
    return true;
  }

  written(point: string, value: PointValue, result: PointReading, wall: number): void {
    const e = this.entries.get(point);
    if (!e) return;
    e.lastWrite = result.ok
      ? { value, ok: true, at: wall }
      : { value, ok: false, message: result.error.message, at: wall };
  }

  rejected(point: string, message: string, wall: number): void {
    const e = this.entries.get(point);
    if (!e) return;
    e.counts.rejected += 1;
    e.lastWrite = { ok: false, message, at: wall };
  }

  health(): Record<string, PointHealth> {
    const out: Record<string, PointHealth> = {};
    for (const [name, e] of this.entries) out[name] = { ...e.health };
    return out;
  }

  reports(): PointReport[] {
    return [...this.entries.values()].map((e) => ({
      point: e.point.point,
      line: e.point.line,
      ...(e.point.device ? { device: e.point.device } : {}),
      status: e.health.status,
      ...(e.value ? { value: e.value.value, raw: e.value.raw, at: e.value.at } : {}),
      ...(e.error ? { error: { ...e.error } } : {}),
      ...(e.lastWrite ? { lastWrite: { ...e.lastWrite } } : {}),
      counts: { ...e.counts },
    }));
  }
}
