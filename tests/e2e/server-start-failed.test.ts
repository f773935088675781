/**
 * A start that fails never costs the candidate their attempt: a port of their block held by
 * another program makes the lab take free ports (the card shows them), and a lab that cannot
 * start at all answers 503 LAB_START_FAILED, leaves no attempt (a retry starts it) and is in
 * the audit log.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

let t: TestServer;
const base = 12000 + Math.floor(Math.random() * 1800);

beforeAll(async () => {
  t = await startTestServer('start-failed', base);
});
afterAll(async () => t?.close());

interface Me {
  card: { coap: { url: string }; modbus: { port: number } } | null;
  tasks: { id: string; state: string }[];
}

async function session(): Promise<{ id: string; cookie: string; coap: number }> {
  const r = await t.api('POST', '/api/sessions', {
    paper: 'L1-EMB',
    mode: 'practice',
    roster: 'id,name\nc001,张三\n',
  });
  expect(r.status, r.text).toBe(201);
  const s = r.json as { id: string; candidates: { password: string }[] };
  expect((await t.api('POST', `/api/sessions/${s.id}/start`, {})).status).toBe(200);
  const info = (await t.api('GET', `/api/sessions/${s.id}`)).json as {
    candidates: { ports: { coap: number } }[];
  };
  const cookie = await t.candidate(s.id, 'c001', s.candidates[0]!.password);
  return { id: s.id, cookie, coap: info.candidates[0]!.ports.coap };
}

describe('a task start that fails', () => {
  it('takes free ports when one of the candidate block is held by another program', async () => {
    const s = await session();
    // Another program holds the block's Modbus TCP port.
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(s.coap + 1, '127.0.0.1', () => r()));
    try {
      const r = await t.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, s.cookie);
      expect(r.status, r.text).toBe(200);
      const me = r.json as Me;
      expect(me.card!.modbus.port).not.toBe(s.coap + 1);
      expect(me.tasks.find((x) => x.id === 'l1-emb-analog')!.state).toBe('running');
    } finally {
      await new Promise<void>((r) => squatter.close(() => r()));
      await t.api('POST', '/api/me/finish', {}, s.cookie);
    }
  }, 30_000);

  it('leaves no attempt when the lab cannot start, says why, and a retry starts it', async () => {
    const s = await session();
    // The attempt's evidence folder cannot be made: a file stands where it must go.
    const dir = join(t.dataDir, 'evidence', s.id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'c001'), 'not a folder');
    const r = await t.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, s.cookie);
    expect(r.status, r.text).toBe(503);
    expect((r.json as { error: { name: string; message: string } }).error.name).toBe(
      'LAB_START_FAILED',
    );
    const me = (await t.api('GET', '/api/me', undefined, s.cookie)).json as Me;
    expect(me.tasks.find((x) => x.id === 'l1-emb-analog')!.state).toBe('not-started');
    const audit = (await t.api('GET', `/api/sessions/${s.id}/audit`)).json as {
      action: string;
    }[];
    expect(audit.map((a) => a.action)).toContain('task.start-failed');

    rmSync(join(dir, 'c001'));
    const again = await t.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, s.cookie);
    expect(again.status, again.text).toBe(200);
    expect((again.json as Me).tasks.find((x) => x.id === 'l1-emb-analog')!.state).toBe('running');
    await t.api('POST', '/api/me/finish', {}, s.cookie);
  }, 30_000);

  it('a second graded run that cannot start leaves the first as it was', async () => {
    const s = await session();
    expect((await t.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, s.cookie)).status).toBe(
      200,
    );
    expect((await t.api('POST', '/api/me/finish', {}, s.cookie)).status).toBe(200);
    // Where the second run's evidence must go stands a folder.
    const second = join(t.dataDir, 'evidence', s.id, 'c001', 'l1-emb-analog.run-2.jsonl');
    mkdirSync(second);
    const r = await t.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, s.cookie);
    expect(r.status, r.text).toBe(503);
    const me = (await t.api('GET', '/api/me', undefined, s.cookie)).json as {
      tasks: { id: string; state: string; runs: number }[];
    };
    expect(me.tasks.find((x) => x.id === 'l1-emb-analog')).toMatchObject({
      state: 'done',
      runs: 1,
    });
    rmSync(second, { recursive: true });
    const again = await t.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, s.cookie);
    expect(again.status, again.text).toBe(200);
    await t.api('POST', '/api/me/finish', {}, s.cookie);
    const after = (await t.api('GET', '/api/me', undefined, s.cookie)).json as typeof me;
    expect(after.tasks.find((x) => x.id === 'l1-emb-analog')!.runs).toBe(2);
  }, 30_000);
});
