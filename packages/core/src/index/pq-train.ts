/**
 * Training and encoding of IVF_PQ's product quantizer (faiss's ProductQuantizer as knowhere's
 * IVF_PQ uses it): the m sub-space codebooks are trained together by Lloyd's algorithm on a
 * seeded sample of at most POINTS_PER_CODEWORD × ksub residuals (row − its coarse centroid),
 * and every row is then encoded by the WASM kernel `pqEncode` (the distance-table kernel of
 * search, then a per-sub-space arg-min), in chunks so the build reports progress, can be
 * cancelled, and never copies all rows into WASM memory at once.
 *
 * One assignment pass of the sample serves all m sub-spaces (one table per point), so a
 * training iteration costs sample × dim × ksub multiply-adds whatever m is. Deterministic for
 * a given seed: the sample, the initial codewords and the re-seeding of empty codewords all
 * come from one seeded Random.
 */
import type { WasmArena } from '../kernels/wasm-arena.ts';
import { transposeCodebooks } from '../kernels/pq-codebooks.ts';
import { Random } from '../util/random.ts';
import type { IndexBuildOptions } from './vector-index.ts';
import { checkAbort, yieldToEventLoop } from './index-common.ts';
import { sampleIndices } from './kmeans.ts';

/** Training points per codeword (faiss trains PQ on a bounded sample too). */
const POINTS_PER_CODEWORD = 64;
const ITERATIONS = 10;
/** Rows per kernel call between yields. */
const CHUNK = 4096;

export interface PqShape {
  readonly dim: number;
  readonly m: number;
  readonly nbits: number;
}

/** Progress is reported in [from, to]. */
export interface Span {
  readonly from: number;
  readonly to: number;
}

/**
 * Encodes rows [0, n) (`rows`, row-major; row i's centroid is cents[assign[i]], or none when
 * `assign` is undefined) into n × m codes, row i's at out[i*m]. The codebooks must already be
 * in WASM (cbt, the transposed layout of kernels/pq-codebooks.ts), as must the centroids (cp).
 */
async function encodeInto(
  rt: WasmArena, rows: Float32Array, n: number, s: PqShape, cp: number, assign: Int32Array | undefined, cbt: number,
  out: Uint8Array, opts: IndexBuildOptions | undefined, span: Span | undefined,
): Promise<void> {
  const { dim, m } = s;
  const ksub = 1 << s.nbits;
  const kp = Math.ceil(ksub / 4) * 4;
  const chunk = Math.max(1, Math.min(CHUNK, n));
  const xs = rt.alloc(chunk * dim * 4);
  const as = rt.alloc(chunk * 4);
  const resid = rt.alloc(dim * 4);
  const codes = rt.alloc(chunk * m);
  try {
    for (let at = 0; at < n; at += chunk) {
      const c = Math.min(chunk, n - at);
      rt.f32().set(rows.subarray(at * dim, (at + c) * dim), xs >>> 2);
      if (assign !== undefined) rt.i32().set(assign.subarray(at, at + c), as >>> 2);
      rt.k.pqEncode(xs, c, dim, assign === undefined ? 0 : cp, as, cbt, m, kp, dim / m, ksub, resid, codes);
      out.set(rt.u8().subarray(codes, codes + c * m), at * m);
      if (span !== undefined) opts?.onProgress?.(span.from + ((at + c) / n) * (span.to - span.from));
      if ((at / chunk) % 4 === 3) await yieldToEventLoop(opts);
      checkAbort(opts, 'IVF_PQ');
    }
  } finally {
    for (const p of [xs, as, resid, codes]) rt.release(p);
  }
}

/** Copies the transposed codebooks into WASM; the caller releases the pointer. */
function codebooksIn(rt: WasmArena, cb: Float32Array, s: PqShape): number {
  const ksub = 1 << s.nbits;
  const cbt = transposeCodebooks(cb, s.m, ksub, s.dim / s.m, Math.ceil(ksub / 4) * 4);
  const p = rt.alloc(cbt.byteLength);
  rt.f32().set(cbt, p >>> 2);
  return p;
}

/**
 * Trains the m codebooks (file layout: sub-space j, codeword c at cb[(j*ksub + c)*dsub]) on
 * the residuals of a seeded sample of the n rows (row i's centroid: cents[assign[i]]).
 */
export async function trainCodebooks(
  rt: WasmArena, rows: Float32Array, n: number, s: PqShape, cents: Float32Array, assign: Int32Array, seed: number,
  opts: IndexBuildOptions | undefined, span: Span,
): Promise<Float32Array> {
  const { dim, m } = s;
  const ksub = 1 << s.nbits;
  const dsub = dim / m;
  const rnd = new Random(seed);
  const pick = sampleIndices(rnd, n, Math.min(n, ksub * POINTS_PER_CODEWORD));
  const ns = pick.length;
  const sample = new Float32Array(ns * dim);
  for (let i = 0; i < ns; i++) {
    const r = pick[i]!;
    const c = assign[r]! * dim;
    for (let d = 0; d < dim; d++) sample[i * dim + d] = rows[r * dim + d]! - cents[c + d]!;
  }
  // initial codewords: the sample's first ksub points (repeating when it is smaller)
  const cb = new Float32Array(m * ksub * dsub);
  for (let j = 0; j < m; j++) {
    for (let c = 0; c < ksub; c++) cb.set(sample.subarray((c % ns) * dim + j * dsub, (c % ns) * dim + (j + 1) * dsub), (j * ksub + c) * dsub);
  }
  const codes = new Uint8Array(ns * m);
  const sums = new Float64Array(m * ksub * dsub);
  const counts = new Int32Array(m * ksub);
  for (let it = 0; it < ITERATIONS; it++) {
    const cbt = codebooksIn(rt, cb, s);
    try {
      await encodeInto(rt, sample, ns, s, 0, undefined, cbt, codes, opts, undefined);
    } finally {
      rt.release(cbt);
    }
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < ns; i++) {
      for (let j = 0; j < m; j++) {
        const w = j * ksub + codes[i * m + j]!;
        counts[w]!++;
        const o = w * dsub;
        const p = i * dim + j * dsub;
        for (let d = 0; d < dsub; d++) sums[o + d]! += sample[p + d]!;
      }
    }
    for (let w = 0; w < m * ksub; w++) {
      const o = w * dsub;
      if (counts[w] === 0) {
        // re-seed an empty codeword at a random sample point's sub-vector, slightly perturbed
        const p = rnd.int(ns) * dim + Math.floor(w / ksub) * dsub;
        for (let d = 0; d < dsub; d++) cb[o + d] = sample[p + d]! * (1 + 1e-4 * (rnd.next() - 0.5));
        continue;
      }
      const inv = 1 / counts[w]!;
      for (let d = 0; d < dsub; d++) cb[o + d] = sums[o + d]! * inv;
    }
    opts?.onProgress?.(span.from + ((it + 1) / ITERATIONS) * (span.to - span.from));
    checkAbort(opts, 'IVF_PQ');
  }
  return cb;
}

/** The codes of every row's residual (row i's centroid: cents[assign[i]]), row i's m codes at out[i*m]. */
export async function encodeRows(
  rt: WasmArena, rows: Float32Array, n: number, s: PqShape, cents: Float32Array, assign: Int32Array, codebooks: Float32Array,
  opts: IndexBuildOptions | undefined, span: Span,
): Promise<Uint8Array> {
  const out = new Uint8Array(n * s.m);
  const cbt = codebooksIn(rt, codebooks, s);
  const cp = rt.alloc(Math.max(4, cents.byteLength));
  try {
    rt.f32().set(cents, cp >>> 2);
    await encodeInto(rt, rows, n, s, cp, assign, cbt, out, opts, span);
  } finally {
    rt.release(cbt);
    rt.release(cp);
  }
  return out;
}
