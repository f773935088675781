/**
 * Seeded randomness. Streams come from pure-rand's xoroshiro128+; each stream is keyed by the
 * lab seed and a path of names (device, purpose, index), hashed with SHA-256, so that any value
 * can be recomputed on its own — device truth at time t is a pure function of (scenario, seed,
 * t) without replaying a sequence.
 */
import { createHash } from 'node:crypto';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

type Generator = ReturnType<typeof xoroshiro128plus>;

export type StreamKey = string | number;

/** First 32 bits of SHA-256 over the key path: a stable seed for a named stream. */
export function hashSeed(seed: number, ...path: StreamKey[]): number {
  const h = createHash('sha256');
  h.update(`iotlab:${seed}`);
  for (const k of path) h.update(`/${typeof k}:${k}`);
  return h.digest().readInt32BE(0);
}

/** A mutable draw sequence over one named stream. */
export class Rng {
  private readonly gen: Generator;

  constructor(seed: number, ...path: StreamKey[]) {
    this.gen = xoroshiro128plus(hashSeed(seed, ...path));
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return uniformInt(this.gen, min, max);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Lowercase hex string of `n` characters. */
  hex(n: number): string {
    let s = '';
    while (s.length < n) s += this.int(0, 15).toString(16);
    return s;
  }
}

/** One standard-normal draw for a keyed point, e.g. (device, 'noise', k). */
export function normalAt(seed: number, ...path: StreamKey[]): number {
  return new Rng(seed, ...path).normal();
}
