/**
 * Seeded data for the workerd suites. workerd has no host environment, so the seed comes from
 * the VESPER_SEED binding test/workerd/vitest.config.ts copies from the host (or the clock);
 * suites put it in their describe title so a failure always shows it.
 */
import { env } from 'cloudflare:workers';
import { testSeed, type Random } from '../../packages/core/src/util/random.ts';

/** The run's seed: VESPER_SEED when the host set it, else derived from the clock. */
export function workerdSeed(): number {
  return testSeed(env.VESPER_SEED === '' ? undefined : env.VESPER_SEED);
}

/** A vector of `dim` floats in [-1, 1), rounded to float32 so equality checks are exact. */
export function randomVector(rng: Random, dim: number): number[] {
  return Array.from({ length: dim }, () => Math.fround(rng.next() * 2 - 1));
}

/** Squared L2 distance (the engine's L2 score), as the independent oracle computes it. */
export function l2sq(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/** Ids of the `k` rows nearest to `q` by exact L2, ties broken by smaller id. */
export function exactTopK(rows: readonly { id: number; vector: readonly number[] }[], q: readonly number[], k: number): number[] {
  return rows
    .map((r) => ({ id: r.id, d: l2sq(r.vector, q) }))
    .sort((x, y) => x.d - y.d || x.id - y.id)
    .slice(0, k)
    .map((r) => r.id);
}
