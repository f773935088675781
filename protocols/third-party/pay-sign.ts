/**
 * Signing of the payment sandbox (docs/third-party/pay.md), as the app computes it and as the
 * sandbox checks it: the string to sign is every request parameter but `sign`, with a value that
 * is not empty, sorted by name (byte order), written `name=value` and joined with `&`; the
 * signature is HMAC-SHA256 of that string under the app key, in lower-case hex. Pure.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignedValue = string | number | boolean;

/** The string to sign for a set of parameters (`sign` and empty values left out). */
export function stringToSign(params: Readonly<Record<string, SignedValue | undefined>>): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== undefined && params[k] !== '')
    .sort()
    .map((k) => `${k}=${String(params[k])}`)
    .join('&');
}

export function signParams(
  params: Readonly<Record<string, SignedValue | undefined>>,
  appKey: string,
): string {
  return createHmac('sha256', appKey).update(stringToSign(params), 'utf8').digest('hex');
}

/** Whether `sign` is the signature of the other parameters (compared in constant time). */
export function verifySign(
  params: Readonly<Record<string, SignedValue | undefined>>,
  appKey: string,
): boolean {
  const sign = params.sign;
  if (typeof sign !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sign)) return false;
  const want = Buffer.from(signParams(params, appKey), 'hex');
  return timingSafeEqual(want, Buffer.from(sign.toLowerCase(), 'hex'));
}
