/**
 * Tasks with files in an exam server: the candidate downloads what the task provides (l1-sys-sql's
 * seeded database), works on it on their own machine, hands the result back, and the runner
 * captures it when the attempt ends, so the server grades it like `iotlab check` does. Bad
 * uploads (another name, no CSRF header, nothing) are refused with the reason.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskFile } from '../../tasks/paths.js';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

let t: TestServer;
const base = 14000 + Math.floor(Math.random() * 5000);

/** Raw requests (file bytes), with the examiner's cookie unless another is given. */
async function call(method: string, path: string, init: RequestInit = {}, cookie = t.examiner) {
  return fetch(t.server.url + path, {
    method,
    ...init,
    headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
  });
}
const json = (method: string, path: string, body: unknown, cookie = t.examiner) =>
  call(
    method,
    path,
    { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
    cookie,
  );

beforeAll(async () => {
  // Cards name this host, not the bind address (a room's server behind --host 0.0.0.0).
  t = await startTestServer('files', base, { publicHost: 'lab.example' });
});
afterAll(async () => t?.close());

describe('task files in a session', () => {
  it('provides the seeded database, takes the worked one back, and grades what was handed in', async () => {
    const created = await json('POST', '/api/sessions', {
      paper: 'L1-SYS',
      mode: 'practice',
      roster: 'id,name\nc001,张三\n',
    });
    expect(created.status).toBe(201);
    const s = (await created.json()) as { id: string; candidates: { password: string }[] };
    expect((await json('POST', `/api/sessions/${s.id}/start`, {})).status).toBe(200);
    const me = await t.candidate(s.id, 'c001', s.candidates[0]!.password);
    expect((await call('GET', '/api/me/files', {}, me)).status).toBe(409); // no task yet
    expect((await json('POST', '/api/me/tasks/l1-sys-sql/start', {}, me)).status).toBe(200);

    const files = (await (await call('GET', '/api/me/files', {}, me)).json()) as {
      task: string;
      provided: { name: string; size: number }[];
      upload: { name: string; size: number };
    };
    expect(files.task).toBe('l1-sys-sql');
    const card = (
      (await (await call('GET', '/api/me', {}, me)).json()) as {
        card: { mqtt: { url: string }; coap: { url: string }; modbus: { host: string } };
      }
    ).card;
    expect([card.mqtt.url, card.coap.url, card.modbus.host]).toEqual([
      expect.stringMatching(/^mqtt:\/\/lab\.example:\d+$/),
      expect.stringMatching(/^coap:\/\/lab\.example:\d+$/),
      'lab.example',
    ]);
    expect(files.provided.map((f) => f.name)).toEqual(['iot.db']);
    expect(files.provided[0]!.size).toBeGreaterThan(0);
    expect(files.upload.name).toBe('iot.db');
    expect((await call('GET', '/api/me/files/secret.txt', {}, me)).status).toBe(404);

    // Download, work on it locally with the reference script, as a candidate would.
    const got = await call('GET', '/api/me/files/iot.db', {}, me);
    expect(got.status).toBe(200);
    const local = join(mkdtempSync(join(tmpdir(), 'iotlab-cand-')), 'iot.db');
    writeFileSync(local, Buffer.from(await got.arrayBuffer()));
    const db = new Database(local, { fileMustExist: true });
    db.exec(readFileSync(taskFile('l1-sys-sql', 'solution.sql'), 'utf8'));
    db.close();
    const bytes = readFileSync(local);

    const upload = (name: string, body: Buffer, headers: Record<string, string>) =>
      call('PUT', `/api/me/files/${name}`, { body, headers }, me);
    const octet = { 'content-type': 'application/octet-stream', 'x-iotlab-csrf': '1' };
    expect(
      (await upload('iot.db', bytes, { 'content-type': 'application/octet-stream' })).status,
    ).toBe(403);
    const wrong = await upload('other.db', bytes, octet);
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('takes iot.db');
    expect((await upload('iot.db', Buffer.alloc(0), octet)).status).toBe(400);
    // Over 20 MiB: refused by its Content-Length, and (sent chunked, with no length) counted as
    // it streams to disk, cut off at the limit and removed.
    const over = await upload('iot.db', Buffer.alloc(20 * 1024 * 1024 + 1), octet);
    expect(over.status).toBe(413);
    expect(((await over.json()) as { error: { name: string } }).error.name).toBe('API_TOO_LARGE');
    const mib = new Uint8Array(1024 * 1024);
    let sent = 0;
    const chunked = await call(
      'PUT',
      '/api/me/files/iot.db',
      {
        body: new ReadableStream({
          pull(c) {
            if (sent++ < 24) c.enqueue(mib);
            else c.close();
          },
        }),
        headers: octet,
        duplex: 'half',
      },
      me,
    );
    expect(chunked.status).toBe(413);
    const workdir = readdirSync(t.dataDir, { recursive: true }).map(String);
    expect(workdir.filter((f) => f.endsWith('.upload'))).toEqual([]);
    const put = await upload('iot.db', bytes, octet);
    expect(put.status, await put.clone().text()).toBe(200);
    expect(await put.json()).toEqual({ name: 'iot.db', size: bytes.length });

    const done = (await (await json('POST', '/api/me/finish', {}, me)).json()) as {
      tasks: { id: string; score: { final: number } | null }[];
    };
    expect(done.tasks.find((t) => t.id === 'l1-sys-sql')!.score).toEqual({
      final: 100,
      status: 'final',
    });
  });
});
