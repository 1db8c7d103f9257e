/**
 * Seeded generators for index tests and benchmarks: clustered Gaussian mixtures whose clusters
 * are low-rank ellipsoids plus small isotropic noise (they behave like real embeddings, see
 * ../shared/datasets/README.md), binary vectors, and TEXMEX .fvecs/.ivecs readers.
 */
import { Random } from '../../packages/core/src/util/random.ts';
import { Bitset } from '../../packages/core/src/util/bitset.ts';

export interface ClusterOptions {
  readonly clusters?: number;
  readonly rank?: number;
  readonly noise?: number;
}

/** n vectors of dim floats from `clusters` low-rank Gaussian ellipsoids; also returns nq queries. */
export function clustered(seed: number, n: number, dim: number, opts: ClusterOptions = {}): Float32Array {
  const r = new Random(seed);
  const c = opts.clusters ?? 50;
  const rank = Math.min(opts.rank ?? 32, dim);
  const noise = opts.noise ?? 0.05;
  const centers = new Float32Array(c * dim);
  for (let i = 0; i < centers.length; i++) centers[i] = r.gaussian();
  const bases = new Float32Array(c * rank * dim);
  for (let i = 0; i < bases.length; i++) bases[i] = r.gaussian() / Math.sqrt(dim);
  const scales = new Float32Array(c * rank);
  for (let i = 0; i < scales.length; i++) scales[i] = 0.2 + r.next() * 0.8;
  const out = new Float32Array(n * dim);
  const coef = new Float32Array(rank);
  for (let i = 0; i < n; i++) {
    const ci = r.int(c);
    for (let j = 0; j < rank; j++) coef[j] = r.gaussian() * scales[ci * rank + j]!;
    const o = i * dim;
    for (let d = 0; d < dim; d++) out[o + d] = centers[ci * dim + d]! + noise * r.gaussian();
    for (let j = 0; j < rank; j++) {
      const b = (ci * rank + j) * dim;
      const cj = coef[j]!;
      for (let d = 0; d < dim; d++) out[o + d] = out[o + d]! + cj * bases[b + d]!;
    }
  }
  return out;
}

export function randomBinary(seed: number, n: number, dim: number): Uint8Array {
  const r = new Random(seed);
  const nb = dim >>> 3;
  const protos = Array.from({ length: 16 }, () => new Uint8Array(nb).map(() => r.int(256)));
  const out = new Uint8Array(n * nb);
  for (let i = 0; i < n; i++) {
    const p = r.pick(protos);
    for (let b = 0; b < nb; b++) out[i * nb + b] = p[b]! ^ (r.int(256) & r.int(256) & r.int(256));
  }
  return out;
}

/**
 * n packed binary vectors of dim bits around `clusters` random prototypes, each bit flipped
 * with probability `flip` (the nearest neighbours of a row are mostly its prototype's rows).
 */
export function clusteredBinary(seed: number, n: number, dim: number, clusters: number, flip: number): Uint8Array {
  const r = new Random(seed);
  const nb = dim >>> 3;
  const protos = Array.from({ length: clusters }, () => new Uint8Array(nb).map(() => r.int(256)));
  const out = new Uint8Array(n * nb);
  for (let i = 0; i < n; i++) {
    const p = r.pick(protos);
    for (let b = 0; b < nb; b++) {
      let mask = 0;
      for (let t = 0; t < 8; t++) if (r.next() < flip) mask |= 1 << t;
      out[i * nb + b] = p[b]! ^ mask;
    }
  }
  return out;
}

/** A bitset keeping about `ratio` of n rows. */
export function randomAllow(seed: number, n: number, ratio: number): Bitset {
  const r = new Random(seed);
  const b = new Bitset(n);
  for (let i = 0; i < n; i++) if (r.next() < ratio) b.set(i);
  return b;
}

/** Mean recall@k of got against truth (rows, -1 = empty); truth slots that are -1 are ignored. */
export function recall(got: Int32Array, truth: Int32Array, nq: number, k: number, truthK = k): number {
  let hit = 0;
  let total = 0;
  for (let q = 0; q < nq; q++) {
    const want = new Set<number>();
    for (let i = 0; i < k; i++) {
      const t = truth[q * truthK + i]!;
      if (t >= 0) want.add(t);
    }
    total += want.size;
    for (let i = 0; i < k; i++) if (want.has(got[q * k + i]!)) hit++;
  }
  return total === 0 ? 1 : hit / total;
}

export function readFvecs(bytes: Uint8Array): { dim: number; n: number; data: Float32Array } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dim = dv.getInt32(0, true);
  const n = bytes.byteLength / (4 + dim * 4);
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) data[i * dim + d] = dv.getFloat32(i * (4 + dim * 4) + 4 + d * 4, true);
  return { dim, n, data };
}

export function readIvecs(bytes: Uint8Array): { dim: number; n: number; data: Int32Array } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dim = dv.getInt32(0, true);
  const n = bytes.byteLength / (4 + dim * 4);
  const data = new Int32Array(n * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) data[i * dim + d] = dv.getInt32(i * (4 + dim * 4) + 4 + d * 4, true);
  return { dim, n, data };
}
