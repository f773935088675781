/**
 * Crash safety of `iotlab serve` as a real process: a session created with the CLI, started over
 * the API, MQTT traffic from a candidate, then `kill -9`. Restarted on the same data directory,
 * the session is running again with the same seeds, credentials, prefixes and ports, the old
 * login cookie still works, and the evidence file is intact up to the last flush and continues
 * the same hash chain.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { readEvidence } from '../../core/evidence.js';
import { grade } from '../../grader/grade.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import type { CandidateCard } from '../../server/runtime.js';
import { waitFor } from '../support/net.js';

const bin = join(import.meta.dirname, '../../dist/cli/main.js');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

async function startServe(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      bin,
      'serve',
      '--data',
      dir,
      '--port',
      '0',
      '--mqtt-port',
      '0',
      '--mqtts-port',
      '0',
      '--log-level',
      'warn',
    ],
    { env: { ...process.env, IOTLAB_ADMIN_PASSWORD: 'pw-admin' }, stdio: 'pipe' },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const url = await waitFor(
    () => /API (http:\/\/\S+)/.exec(out)?.[1] ?? (child.exitCode !== null ? 'exited' : undefined),
    15000,
    'serve to listen',
  );
  if (url === 'exited') throw new Error(`serve exited: ${err}`);
  return { child, url };
}

async function call(url: string, method: string, path: string, body?: unknown, cookie = '') {
  const res = await fetch(url + path, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(cookie ? { cookie } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return {
    status: res.status,
    json: await res.json(),
    cookie: res.headers.get('set-cookie')?.split(';')[0] ?? '',
  };
}

describe('iotlab serve survives kill -9', () => {
  it('resumes with the same seeds, credentials and ports; evidence intact', async () => {
    expect(existsSync(bin), `${bin} is missing: run npm run build`).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-crash-'));
    const roster = join(dir, 'roster.csv');
    writeFileSync(roster, 'id,name,seat\nc001,张三,A1\nc002,李四,A2\n');
    // Below Linux's ephemeral range (32768–60999), where client sockets of parallel tests would
    // take ports at random; and apart from server-api.test.ts's 20000–25999.
    const from = 26000 + Math.floor(Math.random() * 6000);
    const created = spawnSync(
      process.execPath,
      [
        bin,
        'session',
        'create',
        '--data',
        dir,
        '--paper',
        'L1-EMB',
        '--roster',
        roster,
        '--mode',
        'practice',
        '--port-range',
        `${from}-${from + 99}`,
      ],
      { encoding: 'utf8' },
    );
    expect(created.status, created.stderr).toBe(0);
    const sessionId = created.stdout.trim().split('\n').at(-1)!;
    expect(sessionId).toMatch(/^[a-z0-9]{6}$/);

    const first = await startServe(dir);
    const admin = (
      await call(first.url, 'POST', '/api/login', { username: 'admin', password: 'pw-admin' })
    ).cookie;
    expect(
      (await call(first.url, 'POST', `/api/sessions/${sessionId}/start`, {}, admin)).status,
    ).toBe(200);
    const slips = (
      await call(first.url, 'GET', `/api/sessions/${sessionId}/slips`, undefined, admin)
    ).json as { candidate: string; password: string }[];
    const pw = slips[0]!.password;
    const cand = (
      await call(first.url, 'POST', '/api/candidate/login', {
        session: sessionId,
        candidate: 'c001',
        password: pw,
      })
    ).cookie;
    // The candidate's lab runs one task at a time: start the first task of the paper.
    await call(first.url, 'POST', '/api/me/tasks/l1-emb-analog/start', {}, cand);
    const card1 = (
      (await call(first.url, 'GET', '/api/me', undefined, cand)).json as {
        card: CandidateCard;
      }
    ).card;
    const client = await mqtt.connectAsync(card1.mqtt.url, {
      username: card1.mqtt.username,
      password: card1.mqtt.password,
      reconnectPeriod: 0,
    });
    for (let i = 0; i < 5; i++)
      await client.publishAsync(`${card1.mqtt.topicPrefix}/answer`, `before-crash-${i}`, {
        qos: 1,
      });
    await new Promise((r) => setTimeout(r, 700)); // > the 250 ms evidence flush
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    await client.endAsync(true);

    const evidence = join(dir, 'evidence', sessionId, 'c001', 'l1-emb-analog.jsonl');
    const before = readEvidence(evidence);
    expect(before.problems).toEqual([]);
    const published = before.events.filter(
      (e) => e.kind === 'mqtt.publish' && e.origin === 'client',
    );
    expect(published.map((e) => (e.payload as { text?: string }).text)).toEqual(
      [0, 1, 2, 3, 4].map((i) => `before-crash-${i}`),
    );

    const second = await startServe(dir);
    // The old cookie is still valid: logins are in the store, not in memory.
    const card2 = (
      (await call(second.url, 'GET', '/api/me', undefined, cand)).json as {
        card: CandidateCard;
      }
    ).card;
    // The broker's port too, though it was chosen by the system (--mqtt-port 0) at first start.
    expect(card2.mqtt.url).toBe(card1.mqtt.url);
    expect(card2.coap.url).toBe(card1.coap.url);
    expect(card2.modbus).toEqual(card1.modbus);
    expect(card2.mqtt.topicPrefix).toBe(card1.mqtt.topicPrefix);
    expect(card2.mqtt.password).toBe(pw);
    expect(card2.devices.map((d) => d.id)).toEqual(card1.devices.map((d) => d.id));
    const again = await mqtt.connectAsync(card2.mqtt.url, {
      username: card2.mqtt.username,
      password: pw,
      reconnectPeriod: 0,
    });
    await again.publishAsync(`${card2.mqtt.topicPrefix}/answer`, 'after-restart', { qos: 1 });
    await again.endAsync();
    second.child.kill('SIGTERM');
    const code = await new Promise((r) => second.child.once('exit', r));
    expect(code).toBe(0);

    const after = readEvidence(evidence);
    expect(after.problems).toEqual([]);
    expect(after.events.slice(0, before.events.length)).toEqual(before.events);
    const starts = after.events.filter((e) => e.kind === 'lab.start');
    expect(starts).toHaveLength(2);
    expect(starts[1]!.seed).toBe(starts[0]!.seed);
    // One run, resumed: lab time goes on (it includes the downtime), it does not restart at 0.
    expect(starts[1]!.resumed).toBe(true);
    expect(starts[1]!.t).toBeGreaterThanOrEqual(before.events.at(-1)!.t);
    // ...so the attempt is gradable, as an uninterrupted run with the same traffic would be.
    const report = grade(getTask('l1-emb-analog'), starts[0]!.seed as number, {
      evidence: readFileSync(evidence, 'utf8'),
      taskHash: taskHash(getTask('l1-emb-analog')),
    });
    expect(report.problems).toEqual([]);
    expect(report.gradable).toBe(true);
    expect(
      after.events.some(
        (e) => (e.payload as { text?: string } | undefined)?.text === 'after-restart',
      ),
    ).toBe(true);
    expect(after.events.at(-1)!.kind).toBe('lab.stop');
  }, 60_000);
});

describe('iotlab serve options', () => {
  it('refuses an evidence quota that is not a number of MiB, naming the option', () => {
    expect(existsSync(bin), `${bin} is missing: run npm run build`).toBe(true);
    for (const bad of ['0', 'lots', '-5']) {
      const r = spawnSync(process.execPath, [bin, 'serve', '--evidence-quota', bad], {
        encoding: 'utf8',
        timeout: 15_000,
      });
      expect(r.status, `${bad}: ${r.stderr}`).not.toBe(0);
      expect(r.stderr).toMatch(/--evidence-quota must be a number of MiB/);
    }
  });
});
