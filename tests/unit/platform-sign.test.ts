/**
 * Signed platform logins: golden passwords (computed independently with Python's hmac) both ways,
 * and the refusals a broker gives, each with its reason.
 */
import { describe, expect, it } from 'vitest';
import {
  checkLogin,
  parseSignedClientId,
  signLogin,
} from '../../protocols/codecs/platform-sign.js';

const dev = { productKey: 'a1B2c3D4e5F', deviceName: 'dev01', deviceSecret: 'secret0123456789' };
// python3: hmac.new(b'secret0123456789', b'clientIdsensor01deviceNamedev01productKey
//   a1B2c3D4e5Ftimestamp1764000000000', hashlib.sha256).hexdigest()
const GOLDEN_256 = '98223458d9aad9437e2a2acbefd6695df9c4b2b2847134c3335e131d7dee0e8a';
// the same without timestamp, hashlib.sha1
const GOLDEN_SHA1 = 'e34e1cd6a3966dd4caefdb34f12c59a01d3a0319';

describe('platform-sign', () => {
  it('signs as the platform documents it', () => {
    expect(signLogin(dev, { id: 'sensor01', timestamp: '1764000000000' })).toEqual({
      clientId: 'sensor01|securemode=3,signmethod=hmacsha256,timestamp=1764000000000|',
      username: 'dev01&a1B2c3D4e5F',
      password: GOLDEN_256,
    });
    expect(signLogin(dev, { id: 'sensor01', method: 'hmacsha1', securemode: 2 }).password).toBe(
      GOLDEN_SHA1,
    );
  });

  it('accepts a right login, in either hex case, and says why it refuses a wrong one', () => {
    const cid = 'sensor01|securemode=3,signmethod=hmacsha256,timestamp=1764000000000|';
    const user = 'dev01&a1B2c3D4e5F';
    expect(checkLogin([dev], cid, user, Buffer.from(GOLDEN_256))).toEqual({
      device: dev,
      ok: true,
    });
    expect(checkLogin([dev], cid, user, Buffer.from(GOLDEN_256.toUpperCase()))).toMatchObject({
      ok: true,
    });
    const refuse = (clientId: string, password: string | undefined) =>
      checkLogin([dev], clientId, user, password === undefined ? undefined : Buffer.from(password));
    expect(refuse(cid, dev.deviceSecret)).toMatchObject({ ok: false, reason: /HMAC/ });
    expect(refuse(cid.replace('1764000000000', '1764000000001'), GOLDEN_256)).toMatchObject({
      ok: false,
      reason: /HMAC/,
    });
    expect(refuse('sensor01', GOLDEN_256)).toMatchObject({ ok: false, reason: /client id/ });
    expect(refuse(cid.replace('hmacsha256', 'sha256'), GOLDEN_256)).toMatchObject({
      ok: false,
      reason: /signmethod/,
    });
    expect(refuse(cid, undefined)).toMatchObject({ ok: false, reason: /no password/ });
    expect(checkLogin([dev], cid, 'someone', Buffer.from('x'))).toEqual({ device: undefined });
  });

  it('checks the timestamp against a validity window when there is one, and a changed secret', () => {
    const cid = 'sensor01|securemode=3,signmethod=hmacsha256,timestamp=1764000000000|';
    const user = 'dev01&a1B2c3D4e5F';
    const at = (nowMs: number, clientId = cid) =>
      checkLogin([dev], clientId, user, Buffer.from(GOLDEN_256), {
        window: { nowMs, windowS: 30 },
      });
    expect(at(1764000000000 + 30_000)).toMatchObject({ ok: true });
    expect(at(1764000000000 - 30_000)).toMatchObject({ ok: true });
    expect(at(1764000000000 + 31_000)).toMatchObject({
      ok: false,
      reason: "timestamp -31 s from the broker's clock, outside ±30 s (stale or replayed login)",
    });
    expect(at(1764000000000, cid.replace(',timestamp=1764000000000', ''))).toMatchObject({
      ok: false,
      reason: /^no timestamp/,
    });
    // The secret a password-changed fault put in place: the old HMAC no longer passes.
    expect(
      checkLogin([dev], cid, user, Buffer.from(GOLDEN_256), { secretOf: () => 'another-secret' }),
    ).toMatchObject({ ok: false, reason: /HMAC/ });
  });

  it('parses the client id parameters', () => {
    expect(parseSignedClientId('a|b=1, c=2|')).toEqual({
      id: 'a',
      params: new Map([
        ['b', '1'],
        ['c', '2'],
      ]),
    });
    expect(parseSignedClientId('a|b=1')).toBeUndefined();
  });
});
