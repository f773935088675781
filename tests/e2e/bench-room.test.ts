/**
 * The room benchmark's code on a tiny room: the real `iotlab serve` as a child, 3 candidates on
 * the busiest task for a 4 s window. Only that it runs and its figures are sane; speed is judged
 * by `npm run bench -- room`, never by a test.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchRoom, busiestTask } from '../bench/room.js';

const bin = join(import.meta.dirname, '../../dist/cli/main.js');
// Below Linux's ephemeral ports, and apart from the other serve tests' 20000–31999.
const from = 10_000 + Math.floor(Math.random() * 9000);

describe('room benchmark (smoke)', () => {
  it('runs a 3-candidate room, measures it, and grades every candidate', async () => {
    const busiest = busiestTask();
    expect(busiest.devices).toBeGreaterThan(0);
    const r = await benchRoom({
      bin,
      candidates: 3,
      windowMs: 4000,
      warmupMs: 1000,
      paper: busiest.paper,
      task: busiest.task,
      portRange: { from, to: from + 999 },
      concurrency: 3,
    });
    expect(r.candidates).toBe(3);
    expect(r.connected).toBe(3);
    expect(r.mqttDevicesPerLab).toBe(busiest.devices);
    expect(r.nominalPerSec).toBe(3 * busiest.devices);
    expect(r.telemetry).toBeGreaterThan(0);
    expect(r.msgsPerSec).toBeGreaterThan(0);
    expect(r.windowS).toBeGreaterThan(3);
    expect(Number.isFinite(r.latencyMs.p99)).toBe(true);
    expect(r.latencyMs.max).toBeGreaterThanOrEqual(r.latencyMs.p50);
    expect(r.healthMs.p50).toBeGreaterThan(0);
    expect(r.serverCpuPct).toBeGreaterThan(0);
    expect(r.rssIdleMb).toBeGreaterThan(0);
    expect(r.rssMb).toBeGreaterThan(0);
    expect(r.stopMs).toBeGreaterThan(0);
    expect(r.graded).toBe(3);
    expect(r.regraded).toBe(3);
  }, 90_000);
});
