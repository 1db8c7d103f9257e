/**
 * Exact (brute-force) search over any vector column in TypeScript: the searcher for
 * growing segments and unindexed sealed segments, for every vector type and metric
 * (float/float16/bfloat16/int8 vectors: L2, IP, COSINE; binary: HAMMING, JACCARD; sparse:
 * IP). Float vectors go through the WASM kernels when they are loaded (index/exact-search),
 * this is the portable path and the reference the indexes are tested against.
 */
import { VesperError } from '../errors/index.ts';
import { DataType } from '../schema/data-type.ts';
import type { Column, SparseVector } from '../schema/columns.ts';
import type { MetricType } from '../schema/types.ts';
import type { Bitset } from '../util/bitset.ts';
import { fromBFloat16Bits, fromFloat16Bits } from '../util/float16.ts';
import { isSimilarityMetric } from '../index/vector-index.ts';
import { BoundedHeap, inRange, keyOf } from './top-k.ts';

/** A query vector in the field's domain: floats for dense float types, bytes for binary, sparse for sparse. */
export type QueryVector = Float32Array | Uint8Array | SparseVector;

export interface ExactHit {
  readonly row: number;
  readonly distance: number;
}

export interface ExactOptions {
  readonly allow?: Bitset;
  readonly radius?: number;
  readonly rangeFilter?: number;
}

function floatRow(col: Column, row: number, out: Float32Array): Float32Array {
  const dim = out.length;
  const base = row * dim;
  switch (col.type) {
    case DataType.FloatVector:
      return col.data.subarray(base, base + dim);
    case DataType.Float16Vector:
      for (let i = 0; i < dim; i++) out[i] = fromFloat16Bits(col.data[base + i]!);
      return out;
    case DataType.BFloat16Vector:
      for (let i = 0; i < dim; i++) out[i] = fromBFloat16Bits(col.data[base + i]!);
      return out;
    case DataType.Int8Vector:
      for (let i = 0; i < dim; i++) out[i] = col.data[base + i]!;
      return out;
    default:
      throw new VesperError('INTERNAL', `not a float-like vector column: ${col.type}`);
  }
}

export function floatDistance(metric: MetricType, a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let l2 = 0;
  const n = a.length;
  if (metric === 'L2') {
    for (let i = 0; i < n; i++) {
      const d = a[i]! - b[i]!;
      l2 += d * d;
    }
    return l2;
  }
  for (let i = 0; i < n; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  if (metric === 'IP') return dot;
  if (metric === 'COSINE') return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
  throw new VesperError('METRIC_NOT_FOUND', `metric ${metric} does not apply to float vectors`);
}

const POP = new Uint8Array(256).map((_, i) => {
  let c = 0;
  for (let v = i; v; v >>= 1) c += v & 1;
  return c;
});

export function binaryDistance(metric: MetricType, a: Uint8Array, b: Uint8Array): number {
  let x = 0;
  let and = 0;
  let or = 0;
  for (let i = 0; i < a.length; i++) {
    x += POP[a[i]! ^ b[i]!]!;
    and += POP[a[i]! & b[i]!]!;
    or += POP[a[i]! | b[i]!]!;
  }
  if (metric === 'HAMMING') return x;
  if (metric === 'JACCARD') return or === 0 ? 0 : 1 - and / or;
  throw new VesperError('METRIC_NOT_FOUND', `metric ${metric} does not apply to binary vectors`);
}

export function sparseDot(a: SparseVector, b: SparseVector): number {
  let i = 0;
  let j = 0;
  let s = 0;
  while (i < a.indices.length && j < b.indices.length) {
    const x = a.indices[i]!;
    const y = b.indices[j]!;
    if (x === y) s += a.values[i++]! * b.values[j++]!;
    else if (x < y) i++;
    else j++;
  }
  return s;
}

/** Distance from the query to every allowed row, calling visit(row, distance). */
export function scanDistances(col: Column, metric: MetricType, q: QueryVector, allow: Bitset | undefined, visit: (row: number, d: number) => void): void {
  const n = col.length;
  const each = (fn: (r: number) => void): void => {
    if (allow) allow.forEach((r) => r < n && fn(r));
    else for (let r = 0; r < n; r++) fn(r);
  };
  if (col.type === DataType.SparseFloatVector) {
    if (metric !== 'IP') throw new VesperError('PARAMETER_INVALID', `sparse vectors support metric IP, not ${metric}`);
    const sq = q as SparseVector;
    each((r) => visit(r, sparseDot(sq, col.data[r]!)));
    return;
  }
  if (col.type === DataType.BinaryVector) {
    const w = col.dim / 8;
    const bq = q as Uint8Array;
    each((r) => visit(r, binaryDistance(metric, bq, col.data.subarray(r * w, r * w + w))));
    return;
  }
  if (!('dim' in col)) throw new VesperError('INTERNAL', `column type ${col.type} is not a vector`);
  const fq = q as Float32Array;
  const scratch = new Float32Array(col.dim);
  each((r) => visit(r, floatDistance(metric, fq, floatRow(col, r, scratch))));
}

/** The best k rows (best first), optionally restricted to a range window. */
export function exactTopK(col: Column, metric: MetricType, q: QueryVector, k: number, opts: ExactOptions = {}): ExactHit[] {
  const heap = new BoundedHeap<number>(k);
  const ranged = opts.radius !== undefined || opts.rangeFilter !== undefined;
  if (col.type === DataType.FloatVector) {
    // the common column without a callback per row
    const fq = q as Float32Array;
    const { dim, data } = col;
    const allow = opts.allow;
    for (let r = 0; r < col.length; r++) {
      if (allow !== undefined && !allow.get(r)) continue;
      const d = floatDistance(metric, fq, data.subarray(r * dim, r * dim + dim));
      if (ranged && !inRange(metric, d, opts.radius, opts.rangeFilter)) continue;
      heap.push(keyOf(metric, d), r);
    }
  } else {
    scanDistances(col, metric, q, opts.allow, (row, d) => {
      if (ranged && !inRange(metric, d, opts.radius, opts.rangeFilter)) return;
      heap.push(keyOf(metric, d), row);
    });
  }
  return heap.sorted().map(({ key, item }) => ({ row: item, distance: isSimilarityMetric(metric) ? -key : key }));
}
