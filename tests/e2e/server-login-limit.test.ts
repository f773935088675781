/**
 * Login protection behind a classroom NAT: every console login comes from one address, so wrong
 * passwords block only the account they were tried on, from that address; the examiner and the
 * other candidates log in as before (tests/unit/login-limit.test.ts has the timing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

let t: TestServer;
// Below Linux's ephemeral range and apart from the other server tests' blocks.
const base = 14000 + Math.floor(Math.random() * 5000);

beforeAll(async () => {
  t = await startTestServer('login-limit', base);
});
afterAll(async () => t?.close());

describe('login protection', () => {
  it('blocks one account from one address after 10 wrong passwords, and no one else', async () => {
    const r = await t.api('POST', '/api/sessions', {
      paper: 'L1-EMB',
      mode: 'practice',
      roster: 'id,name\nc001,张三\nc002,李四\n',
    });
    expect(r.status, r.text).toBe(201);
    const s = r.json as { id: string; candidates: { id: string; password: string }[] };
    const login = (candidate: string, password: string) =>
      t.api('POST', '/api/candidate/login', { session: s.id, candidate, password }, '');
    for (let i = 0; i < 10; i++) expect((await login('c001', `wrong-${i}`)).status).toBe(401);
    // c001 is blocked from here, even with the right password, and is told for how long.
    const blocked = await login('c001', s.candidates[0]!.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.text).toMatch(/try again in \d+ s/);
    // Everyone else behind the same address logs in: another candidate, the examiner.
    expect((await login('c002', s.candidates[1]!.password)).status).toBe(200);
    const examiner = await t.api(
      'POST',
      '/api/login',
      { username: 'admin', password: 'examiner-pw' },
      '',
    );
    expect(examiner.status).toBe(200);
    // Ten wrong examiner passwords do not lock out a candidate either.
    for (let i = 0; i < 10; i++)
      expect(
        (await t.api('POST', '/api/login', { username: 'admin', password: `x${i}` }, '')).status,
      ).toBe(401);
    expect((await login('c002', s.candidates[1]!.password)).status).toBe(200);
  });
});
