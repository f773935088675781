/**
 * Encrypted payloads (issue 17.4, docs/protocols/cipher.md): what a device that encrypts its
 * telemetry and accepts only encrypted commands puts on the wire. Three algorithms common in the
 * field, all from Node's OpenSSL (a maintained implementation, SM4 included):
 *
 * - `aes-128-cbc`, `sm4-cbc`: a 16-byte IV, PKCS#7 padding; the message is base64(IV ‖ ciphertext);
 * - `aes-256-gcm`: a 12-byte IV and a 16-byte tag; the message is base64(IV ‖ ciphertext ‖ tag).
 *
 * The key is on the lab card as hex. A fresh IV per message: the devices derive it from the key
 * and the message (SHA-256, so the same lab gives the same bytes), a candidate may use random ones.
 * `open` never throws: a message that is not base64, too short, badly padded or with a wrong tag
 * gives undefined.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

export const CIPHERS = ['aes-128-cbc', 'aes-256-gcm', 'sm4-cbc'] as const;
export type CipherAlg = (typeof CIPHERS)[number];

export const KEY_BYTES: Record<CipherAlg, number> = {
  'aes-128-cbc': 16,
  'aes-256-gcm': 32,
  'sm4-cbc': 16,
};
const IV_BYTES: Record<CipherAlg, number> = { 'aes-128-cbc': 16, 'aes-256-gcm': 12, 'sm4-cbc': 16 };
const TAG_BYTES = 16;

/** Encrypts a message; without an IV, one derived from the key and the message. */
export function seal(alg: CipherAlg, key: Buffer, plaintext: Buffer, iv?: Buffer): string {
  const nonce =
    iv ?? createHash('sha256').update(key).update(plaintext).digest().subarray(0, IV_BYTES[alg]);
  if (alg === 'aes-256-gcm') {
    const c = createCipheriv(alg, key, nonce);
    const body = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([nonce, body, c.getAuthTag()]).toString('base64');
  }
  const c = createCipheriv(alg, key, nonce);
  return Buffer.concat([nonce, c.update(plaintext), c.final()]).toString('base64');
}

/** Decrypts a message, or undefined when it is not one this key sealed. */
export function open(alg: CipherAlg, key: Buffer, message: string): Buffer | undefined {
  const text = message.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const buf = Buffer.from(text, 'base64');
  const ivLen = IV_BYTES[alg];
  try {
    if (alg === 'aes-256-gcm') {
      if (buf.length < ivLen + TAG_BYTES) return undefined;
      const d = createDecipheriv(alg, key, buf.subarray(0, ivLen));
      d.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
      return Buffer.concat([d.update(buf.subarray(ivLen, buf.length - TAG_BYTES)), d.final()]);
    }
    const body = buf.subarray(ivLen);
    if (buf.length < ivLen + 16 || body.length % 16 !== 0) return undefined;
    const d = createDecipheriv(alg, key, buf.subarray(0, ivLen));
    return Buffer.concat([d.update(body), d.final()]);
  } catch {
    return undefined;
  }
}

/** The JSON object inside an encrypted message, or undefined. */
export function openJson(alg: CipherAlg, key: Buffer, message: string): unknown {
  const plain = open(alg, key, message);
  if (!plain) return undefined;
  try {
    return JSON.parse(plain.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A tampered copy of a sealed message: one ciphertext byte changed, chosen (deterministically) so
 * that the copy no longer decrypts (a wrong tag, or bad padding) and cannot be read as valid.
 */
export function tamper(alg: CipherAlg, key: Buffer, plaintext: string): string {
  const buf = Buffer.from(seal(alg, key, Buffer.from(plaintext)), 'base64');
  const at = alg === 'aes-256-gcm' ? IV_BYTES[alg] : buf.length - 1;
  for (let x = 1; x < 256; x++) {
    const copy = Buffer.from(buf);
    copy[at] = copy[at]! ^ x;
    const text = copy.toString('base64');
    if (open(alg, key, text) === undefined) return text;
  }
  // Unreachable in practice (255 tries of one byte); a truncated message never decrypts.
  return buf.subarray(0, buf.length - 1).toString('base64');
}
