/**
 * Seeded k-means (Lloyd's algorithm, faiss's Clustering as knowhere's IVF uses it): random
 * distinct initial centroids from a sample of at most 256 points per centroid, assignment in
 * WASM (assignNearest, squared L2) in chunks so a build can report progress and be cancelled,
 * means in JS, empty clusters re-seeded from random sample points.
 */
import type { WasmArena } from '../kernels/wasm-arena.ts';
import { Random } from '../util/random.ts';
import type { IndexBuildOptions } from './vector-index.ts';
import { checkAbort, yieldToEventLoop } from './index-common.ts';

export interface KMeansOptions {
  readonly seed: number;
  readonly iterations?: number;
  readonly maxPointsPerCentroid?: number;
  /** Progress is reported in [from, to]. */
  readonly progress?: { readonly from: number; readonly to: number };
}

const CHUNK = 4096;

/**
 * Nearest-centroid assignment of n rows at xsPtr (WASM) into outIdx, chunked with yields.
 * Float rows of `dim` floats by squared L2, or (`binary`) packed rows of `dim` bytes by HAMMING.
 */
export async function assignAll(
  rt: WasmArena, xsPtr: number, n: number, centsPtr: number, nc: number, dim: number, opts: IndexBuildOptions | undefined, what: string,
  binary = false,
): Promise<Int32Array> {
  const out = new Int32Array(n);
  const buf = rt.alloc(CHUNK * 8);
  try {
    for (let s = 0; s < n; s += CHUNK) {
      const m = Math.min(CHUNK, n - s);
      if (binary) rt.k.assignNearestBin(xsPtr + s * dim, m, centsPtr, nc, dim, buf, buf + CHUNK * 4);
      else rt.k.assignNearest(xsPtr + s * dim * 4, m, centsPtr, nc, dim, buf, buf + CHUNK * 4);
      out.set(rt.i32().subarray(buf >>> 2, (buf >>> 2) + m), s);
      if (s % (CHUNK * 8) === 0) {
        await yieldToEventLoop(opts);
        checkAbort(opts, what);
      }
    }
  } finally {
    rt.release(buf);
  }
  return out;
}

/** Trains nc centroids on n rows (row-major float32). Returns the centroids. */
export async function kmeans(
  rt: WasmArena, data: Float32Array, n: number, dim: number, nc: number, ko: KMeansOptions, opts: IndexBuildOptions | undefined, what: string,
): Promise<Float32Array> {
  const rnd = new Random(ko.seed);
  const { sample, cents, m } = trainingSample(rnd, data, n, dim, nc, ko, (len) => new Float32Array(len));
  const iters = ko.iterations ?? 10;
  const xs = rt.alloc(sample.byteLength);
  const cp = rt.alloc(cents.byteLength);
  try {
    rt.f32().set(sample, xs >>> 2);
    const sums = new Float64Array(nc * dim);
    const counts = new Int32Array(nc);
    for (let it = 0; it < iters; it++) {
      rt.f32().set(cents, cp >>> 2);
      const assign = await assignAll(rt, xs, m, cp, nc, dim, opts, what);
      sums.fill(0);
      counts.fill(0);
      for (let i = 0; i < m; i++) {
        const c = assign[i]!;
        counts[c]!++;
        const o = c * dim;
        const p = i * dim;
        for (let d = 0; d < dim; d++) sums[o + d]! += sample[p + d]!;
      }
      for (let c = 0; c < nc; c++) {
        const o = c * dim;
        if (counts[c] === 0) {
          // re-seed an empty cluster at a random point, slightly perturbed
          const p = rnd.int(m) * dim;
          for (let d = 0; d < dim; d++) cents[o + d] = sample[p + d]! * (1 + 1e-4 * (rnd.next() - 0.5));
          continue;
        }
        const inv = 1 / counts[c]!;
        for (let d = 0; d < dim; d++) cents[o + d] = sums[o + d]! * inv;
      }
      if (ko.progress !== undefined) opts?.onProgress?.(ko.progress.from + ((it + 1) / iters) * (ko.progress.to - ko.progress.from));
    }
  } finally {
    rt.release(xs);
    rt.release(cp);
  }
  return cents;
}

/**
 * The training sample of k-means — at most maxPointsPerCentroid (256) of the n rows (`width`
 * elements each) per centroid, drawn without replacement — and the initial centroids: the
 * first nc sampled rows (repeating when the sample is smaller).
 */
export function trainingSample<T extends Float32Array | Uint8Array>(
  rnd: Random, data: T, n: number, width: number, nc: number, ko: KMeansOptions, alloc: (length: number) => T,
): { sample: T; cents: T; m: number } {
  const m = Math.min(n, nc * (ko.maxPointsPerCentroid ?? 256));
  const order = sampleIndices(rnd, n, m);
  const sample = alloc(m * width);
  for (let i = 0; i < m; i++) sample.set(data.subarray(order[i]! * width, order[i]! * width + width), i * width);
  const cents = alloc(nc * width);
  for (let c = 0; c < nc; c++) cents.set(sample.subarray((c % m) * width, (c % m) * width + width), c * width);
  return { sample, cents, m };
}

/** m distinct indices of [0, n) drawn without replacement (a partial Fisher–Yates shuffle), in draw order. */
export function sampleIndices(rnd: Random, n: number, m: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + rnd.int(n - i);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order.subarray(0, m);
}
