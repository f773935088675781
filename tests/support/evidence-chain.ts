/** Well-formed evidence text for grader tests: event bodies with seq, t, wall and prev filled in. */
import { GENESIS, sha256 } from '../../simulator/evidence.js';

export function chain(bodies: Record<string, unknown>[]): string {
  let prev = GENESIS;
  return bodies
    .map((b, seq) => {
      const line = JSON.stringify({
        seq,
        t: seq * 10,
        wall: '2026-01-01T00:00:00.000Z',
        ...b,
        prev,
      });
      prev = sha256(line);
      return line + '\n';
    })
    .join('');
}
