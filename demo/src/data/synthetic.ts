/**
 * Synthetic collections to feel scale: `rows` × `dim` float vectors drawn around 64 seeded
 * random centres with wide, overlapping spread (clustered like real embeddings, so an IVF
 * index with few probes misses neighbours in other lists, as on real data), plus a
 * `category` (0..9) and a `value` (0..1) to filter on. Rows are generated batch by batch and
 * inserted as they are made, so 1M × 384 never sits in the page's memory at once.
 * Same seed, same rows.
 */
import type { Row } from '../backend/backend.ts';

export interface SyntheticSpec {
  readonly rows: number;
  readonly dim: number;
  readonly seed: number;
}

/** mulberry32: a small seeded PRNG (uniform in [0, 1)). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CENTRES = 64;

/** Yields the rows in batches of `batch`, ids 0..rows-1. */
export function* syntheticBatches(spec: SyntheticSpec, batch: number): Generator<Row[]> {
  const rand = prng(spec.seed);
  const centres = Array.from({ length: CENTRES }, () => Float32Array.from({ length: spec.dim }, () => rand() * 2 - 1));
  for (let at = 0; at < spec.rows; at += batch) {
    const rows: Row[] = [];
    for (let id = at; id < Math.min(spec.rows, at + batch); id++) {
      const c = Math.floor(rand() * CENTRES);
      const centre = centres[c]!;
      const vector = new Array<number>(spec.dim);
      for (let d = 0; d < spec.dim; d++) vector[d] = Math.fround(centre[d]! + (rand() - 0.5) * 5);
      rows.push({ id, vector, category: c % 10, value: Math.round(rand() * 1000) / 1000 });
    }
    yield rows;
  }
}
