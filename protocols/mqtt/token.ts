/**
 * Token logins (JWT, RFC 7519) as IoT brokers take them (EMQX's JWT authentication: the token in
 * the MQTT password, `sub` the username, `exp` required): signed HS256 (RFC 7518 §3.2, a shared
 * secret) or RS256 (§3.3, RSASSA-PKCS1-v1_5 with SHA-256; the broker holds only the public key).
 * Verified with jose (panva/jose), never by hand. Pure: no sockets; the time is given.
 *
 * Every failure is a reason a person can act on (CONNACK 4 carries none, so the evidence does):
 * "token expired", "token signature does not verify", "token algorithm … not allowed", …
 */
import { SignJWT, errors, generateKeyPair, jwtVerify } from 'jose';
import type { CryptoKey, JWTPayload } from 'jose';

import { LOGIN_METHODS, TOKEN_ALGS, methodOf } from '../codecs/login-methods.js';
import type { LoginMethod, TokenAlg } from '../codecs/login-methods.js';

export { LOGIN_METHODS, TOKEN_ALGS, methodOf };
export type { LoginMethod, TokenAlg };

/** The keys tokens of an identity verify with (one generation: a key rotation makes new ones). */
export interface TokenKeys {
  hs256?: Uint8Array;
  rs256?: CryptoKey;
}

export type TokenCheck =
  | { ok: true; alg: TokenAlg; exp: number; iat?: number }
  | { ok: false; alg?: TokenAlg; reason: string };

/** Three base64url parts: what a password must look like to be taken as a token. */
export function looksLikeJwt(password: string): boolean {
  return (
    /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(password) && password.length < 8192
  );
}

/** The `alg` of a token's protected header, without verifying anything; undefined if unreadable. */
export function headerAlg(token: string): string | undefined {
  try {
    const head = JSON.parse(
      Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'),
    ) as unknown;
    const alg = (head as { alg?: unknown } | null)?.alg;
    return typeof alg === 'string' ? alg : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a token for `subject` at `nowMs` (epoch ms of the lab clock), allowing `skewS` of clock
 * skew on `exp`, `nbf` and `iat`. Only the algorithms in `allowed` are taken (RFC 8725 §3.1: the
 * header never chooses the key type). Never throws.
 */
export async function verifyToken(
  token: string,
  o: {
    subject: string;
    allowed: readonly TokenAlg[];
    keys: TokenKeys;
    nowMs: number;
    skewS: number;
  },
): Promise<TokenCheck> {
  const named = headerAlg(token);
  const alg = TOKEN_ALGS.find((a) => a === named);
  if (named === undefined) return { ok: false, reason: 'not a JWT (header unreadable)' };
  if (!alg || !o.allowed.includes(alg))
    return {
      ok: false,
      ...(alg ? { alg } : {}),
      reason: `token algorithm ${named} not allowed (allowed: ${o.allowed.join(', ') || 'none'})`,
    };
  const key = alg === 'HS256' ? o.keys.hs256 : o.keys.rs256;
  if (!key)
    return { ok: false, alg, reason: `no ${alg} key for ${o.subject} (no token issued yet)` };
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [alg],
      currentDate: new Date(o.nowMs),
      clockTolerance: o.skewS,
      requiredClaims: ['exp', 'sub'],
      subject: o.subject,
    });
    // jose checks iat only against a maximum age; a token from the future is refused here.
    if (payload.iat !== undefined && payload.iat * 1000 > o.nowMs + o.skewS * 1000)
      return { ok: false, alg, reason: 'token issued in the future (iat)' };
    return {
      ok: true,
      alg,
      exp: payload.exp!,
      ...(payload.iat !== undefined ? { iat: payload.iat } : {}),
    };
  } catch (err) {
    return { ok: false, alg, reason: reasonOf(err) };
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return 'token signature does not verify (wrong key, or the key was rotated)';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'sub') return 'token subject (sub) is not the username';
    if (err.claim === 'exp') return 'token has no numeric exp';
    if (err.claim === 'nbf') return 'token not valid yet (nbf)';
    if (err.claim === 'iat') return 'token issued in the future (iat)';
    return `token claim ${err.claim} rejected: ${err.reason}`;
  }
  if (err instanceof errors.JOSEError) return `not a valid JWT (${err.code})`;
  return 'not a valid JWT';
}

/** Signs a token for `subject` valid `ttlS` seconds from `nowMs` (what the lab's issuer hands out). */
export async function issueToken(o: {
  subject: string;
  alg: TokenAlg;
  key: Uint8Array | CryptoKey;
  nowMs: number;
  ttlS: number;
  kid?: string;
}): Promise<{ token: string; iat: number; exp: number }> {
  const iat = Math.floor(o.nowMs / 1000);
  const exp = iat + o.ttlS;
  const claims: JWTPayload = { sub: o.subject, iat, exp };
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: o.alg, typ: 'JWT', ...(o.kid ? { kid: o.kid } : {}) })
    .sign(o.key);
  return { token, iat, exp };
}

/** A fresh RS256 key pair (the private key stays with the issuer; the broker gets the public). */
export async function rs256KeyPair(): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey }> {
  return generateKeyPair('RS256', { modulusLength: 2048 });
}
