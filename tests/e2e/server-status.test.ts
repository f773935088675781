/**
 * The server's own figures for staff (GET /api/server/status): memory — RSS and the JS heap, so a
 * growing RSS can be told from a growing heap — the labs running and the uptime; a candidate and
 * an anonymous caller are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

let t: TestServer;
const base = 14000 + Math.floor(Math.random() * 5000);

beforeAll(async () => {
  t = await startTestServer('status', base);
});
afterAll(async () => t?.close());

describe('server status', () => {
  it('gives staff the memory, the labs running and the uptime; nobody else', async () => {
    const r = await t.api('POST', '/api/sessions', {
      paper: 'L1-EMB',
      mode: 'practice',
      roster: 'id,name\nc001,张三\n',
    });
    const s = r.json as { id: string; candidates: { password: string }[] };
    expect((await t.api('POST', `/api/sessions/${s.id}/start`, {})).status).toBe(200);
    const cand = await t.candidate(s.id, 'c001', s.candidates[0]!.password);
    const status = async () =>
      (await t.api('GET', '/api/server/status')).json as {
        uptimeS: number;
        memory: { rssMb: number; heapUsedMb: number; heapTotalMb: number };
        labs: number;
      };
    expect((await status()).labs).toBe(0);
    expect((await t.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, cand)).status).toBe(200);
    const now = await status();
    expect(now.labs).toBe(1);
    expect(now.memory.heapUsedMb).toBeGreaterThan(0);
    expect(now.memory.heapTotalMb).toBeGreaterThanOrEqual(now.memory.heapUsedMb);
    expect(now.memory.rssMb).toBeGreaterThan(now.memory.heapUsedMb);
    expect(now.uptimeS).toBeGreaterThanOrEqual(0);
    expect((await t.api('GET', '/api/server/status', undefined, cand)).status).toBe(403);
    expect((await t.api('GET', '/api/server/status', undefined, '')).status).toBe(401);
  });
});
