/**
 * Token verification (protocols/mqtt/token.ts): each way a token is wrong has its own reason,
 * skew is honoured both ways, the header never picks the algorithm, and no string crashes it.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { issueToken, looksLikeJwt, rs256KeyPair, verifyToken } from '../../protocols/mqtt/token.js';
import type { TokenKeys } from '../../protocols/mqtt/token.js';
import type { LabError } from '../../core/errors.js';
import { validateScenario } from '../../simulator/scenario.js';

const NOW = 1_800_000_000_000;
const secret = new TextEncoder().encode('0123456789abcdef0123456789abcdef');

describe('token verification', async () => {
  const pair = await rs256KeyPair();
  const other = await rs256KeyPair();
  const keys: TokenKeys = { hs256: secret, rs256: pair.publicKey };
  const check = (token: string, o: Partial<Parameters<typeof verifyToken>[1]> = {}) =>
    verifyToken(token, {
      subject: 'dev1&pk1',
      allowed: ['HS256', 'RS256'],
      keys,
      nowMs: NOW,
      skewS: 2,
      ...o,
    });

  it('takes a good token of each algorithm and says why a bad one is refused', async () => {
    const hs = await issueToken({
      subject: 'dev1&pk1',
      alg: 'HS256',
      key: secret,
      nowMs: NOW,
      ttlS: 30,
    });
    const rs = await issueToken({
      subject: 'dev1&pk1',
      alg: 'RS256',
      key: pair.privateKey,
      nowMs: NOW,
      ttlS: 30,
    });
    expect(await check(hs.token)).toEqual({ ok: true, alg: 'HS256', exp: hs.exp, iat: hs.iat });
    expect(await check(rs.token)).toMatchObject({ ok: true, alg: 'RS256', exp: rs.exp });
    // Expiry with 2 s of skew: valid at exp + 1 s, expired at exp + 3 s.
    expect((await check(hs.token, { nowMs: NOW + 31_000 })).ok).toBe(true);
    expect(await check(hs.token, { nowMs: NOW + 33_000 })).toEqual({
      ok: false,
      alg: 'HS256',
      reason: 'token expired',
    });
    // iat in the future beyond the skew.
    expect(await check(hs.token, { nowMs: NOW - 5_000 })).toMatchObject({
      reason: 'token issued in the future (iat)',
    });
    // Signed by another key (a rotated one).
    const forged = await issueToken({
      subject: 'dev1&pk1',
      alg: 'RS256',
      key: other.privateKey,
      nowMs: NOW,
      ttlS: 30,
    });
    expect(await check(forged.token)).toMatchObject({
      ok: false,
      alg: 'RS256',
      reason: expect.stringMatching(/^token signature does not verify/) as string,
    });
    // Someone else's token.
    const theirs = await issueToken({
      subject: 'dev2&pk1',
      alg: 'HS256',
      key: secret,
      nowMs: NOW,
      ttlS: 30,
    });
    expect(await check(theirs.token)).toMatchObject({
      reason: 'token subject (sub) is not the username',
    });
    // An algorithm the identity may not use, and alg "none".
    expect(await check(hs.token, { allowed: ['RS256'] })).toMatchObject({
      reason: 'token algorithm HS256 not allowed (allowed: RS256)',
    });
    const none = `${b64({ alg: 'none' })}.${b64({ sub: 'dev1&pk1', exp: NOW / 1000 + 30 })}.`;
    expect(await check(none)).toMatchObject({
      ok: false,
      reason: 'token algorithm none not allowed (allowed: HS256, RS256)',
    });
    // Signed right but without exp: refused (every lab token expires).
    const noExp = hmacJwt({ sub: 'dev1&pk1' });
    expect(await check(noExp)).toMatchObject({ ok: false, reason: 'token has no numeric exp' });
    expect(await check('a.b.c')).toMatchObject({
      ok: false,
      reason: 'not a JWT (header unreadable)',
    });
  });

  it('never throws on any string, and refuses every non-token', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc
            .tuple(fc.base64String(), fc.base64String(), fc.base64String())
            .map((p) => p.join('.').replace(/=/g, '')),
          fc.jsonValue().map((j) => `${b64(j)}.${b64(j)}.${b64(j)}`),
        ),
        async (s) => {
          const r = await check(s);
          expect(r.ok).toBe(false);
          looksLikeJwt(s);
        },
      ),
      { numRuns: 300, seed: 17 },
    );
  });
});

function b64(v: unknown): string {
  return Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url');
}

function hmacJwt(payload: object): string {
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${head}.${createHmac('sha256', Buffer.from(secret)).update(head).digest('base64url')}`;
}

describe('security faults in a scenario', () => {
  const scenario = (logins: string[], faults: object[]) => ({
    name: 'sec',
    title: { zh: '安全', en: 'Security' },
    mqtt: { username: 'ops', password: 'ops-password' },
    platform: {
      devices: [{ productKey: 'a1pk', deviceName: 'node_1', deviceSecret: 'secret-12345', logins }],
    },
    devices: [
      {
        name: 'fan',
        kind: 'actuator',
        title: { zh: '风机', en: 'Fan' },
        actuatorType: 'fan',
        mqtt: {},
      },
    ],
    faults,
  });
  const problems = (input: object) => {
    try {
      validateScenario(input);
      return [];
    } catch (err) {
      return (err as LabError).problems.map((p) => `${p.path}: ${p.message}`);
    }
  };

  it('name a login that can have them, and a new password', () => {
    expect(
      problems(
        scenario(
          ['hmac', 'jwt-rs256'],
          [
            { device: 'node_1', type: 'key-rotated', at: 5 },
            { device: 'ops', type: 'password-changed', at: 5, password: 'new-password' },
          ],
        ),
      ),
    ).toEqual([]);
    expect(
      problems(
        scenario(
          ['hmac'],
          [
            { device: 'node_1', type: 'key-rotated', at: 5 },
            { device: 'nobody', type: 'password-changed', at: 5, password: 'new-password' },
            { device: 'node_1', type: 'password-changed', at: 5 },
          ],
        ),
      ),
    ).toEqual([
      'faults[0].device: "key-rotated" needs a device that logs in by token; node_1&a1pk takes hmac',
      'faults[1].device: "password-changed" names a login: no platform device or MQTT user "nobody" (known: node_1, ops)',
      'faults[2].password: a password-changed fault needs password (the new one)',
    ]);
  });
});
