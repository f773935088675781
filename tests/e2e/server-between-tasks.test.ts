/**
 * A candidate's right MQTT login between tasks is told that no lab of theirs runs (CONNACK 5,
 * with the reason in the broker's evidence), not "bad user name or password" (CONNACK 4); a
 * wrong password is still CONNACK 4, and while a task runs the login is accepted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

let t: TestServer;
const base = 15000 + Math.floor(Math.random() * 4000);

beforeAll(async () => {
  t = await startTestServer('between-tasks', base);
});
afterAll(async () => t?.close());

/** The CONNACK return code a login gets (0 = accepted). */
async function connack(username: string, password: string): Promise<number> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${t.server.mqttPort}`, {
    username,
    password,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      client.once('connect', () => resolve(0));
      client.once('error', (err) => {
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'number') resolve(code);
        else reject(err);
      });
    });
  } finally {
    client.end(true);
  }
}

describe('MQTT logins between tasks', () => {
  it('answer 5 with the reason to a right password, 4 to a wrong one, 0 while a task runs', async () => {
    const r = await t.api('POST', '/api/sessions', {
      paper: 'L1-EMB',
      mode: 'practice',
      roster: 'id,name\nc001,张三\n',
    });
    expect(r.status, r.text).toBe(201);
    const s = r.json as { id: string; candidates: { password: string }[] };
    expect((await t.api('POST', `/api/sessions/${s.id}/start`, {})).status).toBe(200);
    const cookie = await t.candidate(s.id, 'c001', s.candidates[0]!.password);
    const started = await t.api('POST', '/api/me/tasks/l1-emb-analog/start', {}, cookie);
    const card = (started.json as { card: { mqtt: { username: string; password: string } } }).card;
    const { username, password } = card.mqtt;
    expect(await connack(username, password)).toBe(0);
    expect((await t.api('POST', '/api/me/finish', {}, cookie)).status).toBe(200);

    expect(await connack(username, password)).toBe(5);
    expect(await connack(username, `${password}x`)).toBe(4);
    // The broker's evidence of logins that belong to nobody names the reason (written soon after).
    const refusals = () =>
      readFileSync(join(t.dataDir, 'evidence', 'broker-unrouted.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as { returnCode?: number; error?: string })
        .filter((e) => e.returnCode === 5)
        .map((e) => e.error);
    for (let i = 0; i < 50 && refusals().length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(refusals()).toEqual([
      'no lab of yours is running now: start a task in the exam console, then connect',
    ]);
  }, 30_000);
});
