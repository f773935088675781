/**
 * Per-candidate values derived from the session secret (DESIGN.md principle 5): the lab seed and
 * the MQTT password. Same secret and candidate id ⇒ same values, on any machine, after any
 * restart; without the secret, nobody can compute another candidate's.
 */
import { createHmac, randomBytes } from 'node:crypto';

const hmac = (secret: string, label: string, id: string): Buffer =>
  createHmac('sha256', Buffer.from(secret, 'hex')).update(`${label}\0${id}`).digest();

export function newSecret(): string {
  return randomBytes(32).toString('hex');
}

/** A 31-bit positive lab seed. */
export function candidateSeed(secret: string, candidateId: string): number {
  return hmac(secret, 'seed', candidateId).readUInt32BE(0) >>> 1;
}

// No 0/O, 1/l/I: read off a printed slip.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A 10-character password (≈ 49 bits) a candidate can type from a printed slip. */
export function candidatePassword(secret: string, candidateId: string): string {
  const bytes = hmac(secret, 'mqtt-password', candidateId);
  let out = '';
  for (let i = 0; i < 10; i++) out += ALPHABET[bytes[i]! % ALPHABET.length];
  return out;
}
