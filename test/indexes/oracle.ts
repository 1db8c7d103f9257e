/**
 * Brute-force ground truth in plain TypeScript (scalar twins only, no WASM): the oracle the
 * index tests compare against. Distances in Milvus convention; ties broken by lower row.
 */
import type { MetricType } from '../../packages/core/src/schema/types.ts';
import type { Bitset } from '../../packages/core/src/util/bitset.ts';
import { cosineRef, dotRef, hammingRef, jaccardRef, l2sqRef } from '../../packages/core/src/kernels/scalar.ts';

export interface Truth {
  rows: Int32Array;
  distances: Float32Array;
  /** All (row, distance) pairs per query, best first (for range checks). */
  all: Array<Array<[number, number]>>;
}

function distance(metric: MetricType, a: Float32Array | Uint8Array, b: Float32Array | Uint8Array): number {
  switch (metric) {
    case 'L2': return l2sqRef(a as Float32Array, b as Float32Array);
    case 'IP': return dotRef(a as Float32Array, b as Float32Array);
    case 'COSINE': return cosineRef(a as Float32Array, b as Float32Array);
    case 'HAMMING': return hammingRef(a as Uint8Array, b as Uint8Array);
    case 'JACCARD': return jaccardRef(a as Uint8Array, b as Uint8Array);
    default: throw new Error(metric);
  }
}

export function bruteForce(
  metric: MetricType, data: Float32Array | Uint8Array, n: number, width: number, queries: Float32Array | Uint8Array, nq: number, k: number,
  allow?: Bitset,
): Truth {
  const sim = metric === 'IP' || metric === 'COSINE';
  const rows = new Int32Array(nq * k).fill(-1);
  const distances = new Float32Array(nq * k).fill(NaN);
  const all: Array<Array<[number, number]>> = [];
  for (let q = 0; q < nq; q++) {
    const qv = queries.subarray(q * width, (q + 1) * width);
    const hits: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) {
      if (allow !== undefined && !allow.get(i)) continue;
      hits.push([i, distance(metric, qv, data.subarray(i * width, (i + 1) * width))]);
    }
    hits.sort((a, b) => (sim ? b[1] - a[1] : a[1] - b[1]) || a[0] - b[0]);
    all.push(hits);
    for (let i = 0; i < Math.min(k, hits.length); i++) {
      rows[q * k + i] = hits[i]![0];
      distances[q * k + i] = hits[i]![1];
    }
  }
  return { rows, distances, all };
}
