/**
 * The workstation: a candidate opens a task and develops against its lab (the graded run's seed
 * and card) for as long as they like, ungraded and with no attempt used; then starts the graded
 * run on the same card; the workstation's evidence is kept apart from the graded run's.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

let t: TestServer;
const base = 19000 + Math.floor(Math.random() * 900);

beforeAll(async () => {
  t = await startTestServer('workstation', base);
});
afterAll(async () => t?.close());

interface Me {
  currentTask: string | null;
  workstation: string | null;
  card: { mqtt: { url: string; username: string; password: string; topicPrefix: string } } | null;
  tasks: { id: string; state: string }[];
}

describe('a workstation lab', () => {
  it('runs ungraded for development, then gives way to the graded run on the same card', async () => {
    const r = await t.api('POST', '/api/sessions', {
      paper: 'L1-EMB',
      mode: 'exam',
      roster: 'id,name\nc001,张三\n',
    });
    expect(r.status, r.text).toBe(201);
    const s = r.json as { id: string; candidates: { password: string }[] };
    expect((await t.api('POST', `/api/sessions/${s.id}/start`, {})).status).toBe(200);
    const cookie = await t.candidate(s.id, 'c001', s.candidates[0]!.password);

    const opened = await t.api('POST', '/api/me/tasks/l1-emb-analog/workstation', {}, cookie);
    expect(opened.status, opened.text).toBe(200);
    const dev = opened.json as Me;
    expect(dev.workstation).toBe('l1-emb-analog');
    expect(dev.currentTask).toBeNull();
    expect(dev.tasks.find((x) => x.id === 'l1-emb-analog')!.state).toBe('not-started');
    const card = dev.card!;
    // The candidate's login works while they develop.
    const client = await mqtt.connectAsync(card.mqtt.url, {
      username: card.mqtt.username,
      password: card.mqtt.password,
      reconnectPeriod: 0,
    });
    await client.publishAsync(`${card.mqtt.topicPrefix}/dev/probe`, 'hello', { qos: 1 });
    await client.endAsync();
    // Opening it again is no second lab.
    expect(
      (await t.api('POST', '/api/me/tasks/l1-emb-analog/workstation', {}, cookie)).status,
    ).toBe(200);

    // The graded run replaces it, with the same card.
    const started = await t.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, cookie);
    expect(started.status, started.text).toBe(200);
    const run = started.json as Me;
    expect(run.workstation).toBeNull();
    expect(run.currentTask).toBe('l1-emb-analog');
    expect(run.card!.mqtt).toEqual(card.mqtt);
    // No workstation while a graded run goes on.
    expect((await t.api('POST', '/api/me/tasks/l1-emb-m2m/workstation', {}, cookie)).status).toBe(
      409,
    );
    expect((await t.api('POST', '/api/me/finish', {}, cookie)).status).toBe(200);

    // Evidence kept apart: the workstation's file has the probe, the graded run's does not.
    const dir = join(t.dataDir, 'evidence', s.id, 'c001');
    const dev1 = readdirSync(dir).filter((f) => f.startsWith('l1-emb-analog.workstation-'));
    expect(dev1).toHaveLength(1);
    expect(readFileSync(join(dir, dev1[0]!), 'utf8')).toContain('/dev/probe');
    expect(existsSync(join(dir, 'l1-emb-analog.jsonl'))).toBe(true);
    expect(readFileSync(join(dir, 'l1-emb-analog.jsonl'), 'utf8')).not.toContain('/dev/probe');
    const audit = (await t.api('GET', `/api/sessions/${s.id}/audit`)).json as { action: string }[];
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['workstation.open', 'workstation.close', 'task.start']),
    );
  }, 30_000);
});
