/**
 * Seeded binary k-means (k-majority), the coarse quantizer of BIN_IVF_FLAT: centroids are
 * packed bit vectors like the rows; a row belongs to the centroid at the smallest HAMMING
 * distance (WASM assignNearestBin, ties to the lower centroid); a centroid moves to the per-bit
 * majority of its members (a tied bit keeps its value). Training runs on the same sample as
 * the float k-means (kmeans.ts: at most 256 rows per centroid) for at most 10 rounds, stopping
 * early once no member changes centroid. An empty centroid is re-seeded at a random sample
 * row. Same seed, same rows → same centroids.
 */
import type { WasmArena } from '../kernels/wasm-arena.ts';
import { Random } from '../util/random.ts';
import type { IndexBuildOptions } from './vector-index.ts';
import { assignAll, trainingSample, type KMeansOptions } from './kmeans.ts';

/** Trains nc centroids on n packed rows of nbytes bytes each. Returns nc × nbytes bytes. */
export async function binaryKmeans(
  rt: WasmArena, data: Uint8Array, n: number, nbytes: number, nc: number, ko: KMeansOptions, opts: IndexBuildOptions | undefined, what: string,
): Promise<Uint8Array> {
  const rnd = new Random(ko.seed);
  const { sample, cents, m } = trainingSample(rnd, data, n, nbytes, nc, ko, (len) => new Uint8Array(len));
  const iters = ko.iterations ?? 10;
  const bits = nbytes * 8;
  const xs = rt.alloc(sample.byteLength);
  const cp = rt.alloc(cents.byteLength);
  try {
    rt.u8().set(sample, xs);
    const ones = new Int32Array(nc * bits);
    const counts = new Int32Array(nc);
    let prev: Int32Array | undefined;
    for (let it = 0; it < iters; it++) {
      rt.u8().set(cents, cp);
      const assign = await assignAll(rt, xs, m, cp, nc, nbytes, opts, what, true);
      if (prev !== undefined && assign.every((c, i) => c === prev![i])) break;
      prev = assign;
      ones.fill(0);
      counts.fill(0);
      for (let i = 0; i < m; i++) {
        const c = assign[i]!;
        counts[c]!++;
        const o = c * bits;
        for (let b = 0; b < nbytes; b++) {
          const v = sample[i * nbytes + b]!;
          if (v === 0) continue;
          for (let t = 0; t < 8; t++) if ((v >>> t) & 1) ones[o + b * 8 + t]!++;
        }
      }
      for (let c = 0; c < nc; c++) {
        const o = c * nbytes;
        if (counts[c] === 0) {
          const p = rnd.int(m) * nbytes;
          cents.set(sample.subarray(p, p + nbytes), o);
          continue;
        }
        const half = counts[c]! / 2;
        for (let b = 0; b < nbytes; b++) {
          let v = cents[o + b]!;
          for (let t = 0; t < 8; t++) {
            const k = ones[c * bits + b * 8 + t]!;
            if (k > half) v |= 1 << t;
            else if (k < half) v &= ~(1 << t);
          }
          cents[o + b] = v;
        }
      }
      if (ko.progress !== undefined) opts?.onProgress?.(ko.progress.from + ((it + 1) / iters) * (ko.progress.to - ko.progress.from));
    }
  } finally {
    rt.release(xs);
    rt.release(cp);
  }
  return cents;
}
