/* eslint-disable */
// @ts-nocheck -- AssemblyScript source: compiled by asc (scripts/build-wasm.mjs), not by tsc.
/**
 * Batch kernels: one query against many rows, or many queries against a block, so JS crosses
 * into WASM once per block (knowhere's brute-force search). Top-k scans keep a max-heap
 * (heap.ts) of internal distances: L2 = squared L2, IP = -dot (COSINE rows are stored
 * normalized, so it is IP), HAMMING = bit count, JACCARD = Jaccard distance.
 * `allow` is a bitset pointer (bit r = row r, u32 words) or 0 for "all rows".
 * Metric codes: float 0 = L2, 1 = IP, 2 = COSINE (batch only); binary 0 = HAMMING, 1 = JACCARD.
 */
import { l2sq, dot, cosine, hamming, jaccard, i8dot, i8l2, sq8l2, sq8dot } from './distance';
import { maxOffer, maxOfferLex } from './heap';

function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

function allowed(allow: usize, row: i32): bool {
  if (allow == 0) return true;
  return ((load<u32>(allow + ((<usize>(row >>> 5)) << 2)) >>> (<u32>row & 31)) & 1) != 0;
}

/** out[i] = metric(q, row i) for n rows (true metric values, not internal). */
export function batchF32(metric: i32, q: usize, base: usize, n: i32, dim: i32, out: usize): void {
  const stride = (<usize>dim) << 2;
  for (let i: i32 = 0; i < n; i++) {
    const r = base + <usize>i * stride;
    const d = metric == 0 ? l2sq(q, r, dim) : metric == 1 ? dot(q, r, dim) : cosine(q, r, dim);
    store<f32>(out + ((<usize>i) << 2), d);
  }
}

/** out[j*n + i] = metric(query j, row i): nq queries against a block of n rows. */
export function batchManyF32(metric: i32, qs: usize, nq: i32, base: usize, n: i32, dim: i32, out: usize): void {
  const stride = (<usize>dim) << 2;
  for (let j: i32 = 0; j < nq; j++) {
    batchF32(metric, qs + <usize>j * stride, base, n, dim, out + (<usize>j * <usize>n << 2));
  }
}

export function batchBin(metric: i32, q: usize, base: usize, n: i32, nbytes: i32, out: usize): void {
  for (let i: i32 = 0; i < n; i++) {
    const r = base + <usize>i * <usize>nbytes;
    const d: f32 = metric == 0 ? <f32>hamming(q, r, nbytes) : jaccard(q, r, nbytes);
    store<f32>(out + ((<usize>i) << 2), d);
  }
}

/** int8 rows: metric 0 = squared L2, 1 = dot (exact integers, returned as i32). */
export function batchI8(metric: i32, q: usize, base: usize, n: i32, dim: i32, out: usize): void {
  for (let i: i32 = 0; i < n; i++) {
    const r = base + <usize>i * <usize>dim;
    store<i32>(out + ((<usize>i) << 2), metric == 0 ? i8l2(q, r, dim) : i8dot(q, r, dim));
  }
}

/** SQ8 codes: metric 0 = weighted L2 (a = qp, b = w), 1 = dot (a = qs, b unused) + bias. */
export function batchSq8(metric: i32, a: usize, b: usize, bias: f32, codes: usize, n: i32, dim: i32, out: usize): void {
  for (let i: i32 = 0; i < n; i++) {
    const r = codes + <usize>i * <usize>dim;
    store<f32>(out + ((<usize>i) << 2), metric == 0 ? sq8l2(a, b, r, dim) : sq8dot(a, r, dim) + bias);
  }
}

/**
 * Top-k over slots [start, start+count) of a float block (slot s at base + s*dim*4). The
 * allow check uses row = ids ? ids[s] : s; the heap stores the slot. Returns the heap size.
 */
export function scanTopkF32(
  metric: i32, q: usize, base: usize, dim: i32, start: i32, count: i32,
  ids: usize, allow: usize, heap: usize, k: i32, size: i32,
): i32 {
  const stride = (<usize>dim) << 2;
  const end = start + count;
  for (let s = start; s < end; s++) {
    const row = ids == 0 ? s : load<i32>(ids + ((<usize>s) << 2));
    if (!allowed(allow, row)) continue;
    const r = base + <usize>s * stride;
    const d: f32 = metric == 0 ? l2sq(q, r, dim) : -dot(q, r, dim);
    if (size < k || d < load<f32>(heap)) size = maxOffer(heap, size, k, d, s);
  }
  return size;
}

/** Top-k over an explicit list of slots (sel, nsel i32s), rows at base + slot*stride bytes. */
export function scanSelF32(
  metric: i32, q: usize, base: usize, stride: i32, dim: i32, sel: usize, nsel: i32, heap: usize, k: i32, size: i32,
): i32 {
  for (let j: i32 = 0; j < nsel; j++) {
    const s = load<i32>(sel + ((<usize>j) << 2));
    const r = base + <usize>s * <usize>stride;
    const d: f32 = metric == 0 ? l2sq(q, r, dim) : -dot(q, r, dim);
    if (size < k || d < load<f32>(heap)) size = maxOffer(heap, size, k, d, s);
  }
  return size;
}

/**
 * Binary top-k over slots [start, start+count) (slot s at base + s*nbytes). row = ids ? ids[s]
 * : s is checked against `allow` and stored in the heap, which is lexicographic (heap.ts
 * maxOfferLex): the result is the k smallest (distance, row) pairs in any visiting order, so
 * an IVF scan of every list equals the flat scan. Metric 0 = HAMMING, 1 = JACCARD.
 */
export function scanTopkBin(
  metric: i32, q: usize, base: usize, nbytes: i32, start: i32, count: i32,
  ids: usize, allow: usize, heap: usize, k: i32, size: i32,
): i32 {
  const end = start + count;
  for (let s = start; s < end; s++) {
    const row = ids == 0 ? s : load<i32>(ids + ((<usize>s) << 2));
    if (!allowed(allow, row)) continue;
    const r = base + <usize>s * <usize>nbytes;
    const d: f32 = metric == 0 ? <f32>hamming(q, r, nbytes) : jaccard(q, r, nbytes);
    size = maxOfferLex(heap, size, k, d, row);
  }
  return size;
}

/**
 * Nearest centroid by HAMMING for each of nx packed rows (binary k-means' assignment step):
 * outIdx[i] (i32, ties: the lower centroid), outDist[i] (f32 bit count).
 */
export function assignNearestBin(xs: usize, nx: i32, cents: usize, nc: i32, nbytes: i32, outIdx: usize, outDist: usize): void {
  for (let i: i32 = 0; i < nx; i++) {
    const x = xs + <usize>i * <usize>nbytes;
    let best: i32 = 0x7fffffff;
    let bi: i32 = 0;
    for (let c: i32 = 0; c < nc; c++) {
      const d = hamming(x, cents + <usize>c * <usize>nbytes, nbytes);
      if (d < best) { best = d; bi = c; }
    }
    store<i32>(outIdx + ((<usize>i) << 2), bi);
    store<f32>(outDist + ((<usize>i) << 2), <f32>best);
  }
}

/** SQ8 top-k over slots (see scanTopkF32); metric 0 = L2 (a = qp, b = w), 1 = IP (a = qs, bias = q·vmin). */
export function scanTopkSq8(
  metric: i32, a: usize, b: usize, bias: f32, codes: usize, dim: i32, start: i32, count: i32,
  ids: usize, allow: usize, heap: usize, k: i32, size: i32,
): i32 {
  const end = start + count;
  for (let s = start; s < end; s++) {
    const row = ids == 0 ? s : load<i32>(ids + ((<usize>s) << 2));
    if (!allowed(allow, row)) continue;
    const r = codes + <usize>s * <usize>dim;
    const d: f32 = metric == 0 ? sq8l2(a, b, r, dim) : -(sq8dot(a, r, dim) + bias);
    if (size < k || d < load<f32>(heap)) size = maxOffer(heap, size, k, d, s);
  }
  return size;
}

/** SQ8 top-k over an explicit list of slots. */
export function scanSelSq8(
  metric: i32, a: usize, b: usize, bias: f32, codes: usize, dim: i32, sel: usize, nsel: i32, heap: usize, k: i32, size: i32,
): i32 {
  for (let j: i32 = 0; j < nsel; j++) {
    const s = load<i32>(sel + ((<usize>j) << 2));
    const r = codes + <usize>s * <usize>dim;
    const d: f32 = metric == 0 ? sq8l2(a, b, r, dim) : -(sq8dot(a, r, dim) + bias);
    if (size < k || d < load<f32>(heap)) size = maxOffer(heap, size, k, d, s);
  }
  return size;
}

/**
 * Nearest centroid (squared L2) for each of nx points: outIdx[i] (i32), outDist[i] (f32).
 * The k-means assignment step.
 */
export function assignNearest(xs: usize, nx: i32, cents: usize, nc: i32, dim: i32, outIdx: usize, outDist: usize): void {
  const stride = (<usize>dim) << 2;
  for (let i: i32 = 0; i < nx; i++) {
    const x = xs + <usize>i * stride;
    let best: f32 = Infinity;
    let bi: i32 = 0;
    for (let c: i32 = 0; c < nc; c++) {
      const d = l2sq(x, cents + <usize>c * stride, dim);
      if (d < best) { best = d; bi = c; }
    }
    store<i32>(outIdx + ((<usize>i) << 2), bi);
    store<f32>(outDist + ((<usize>i) << 2), best);
  }
}

/**
 * Query-blocked exact top-k (knowhere's brute-force search with query blocking): nq queries
 * (query j at qs + j*qstride bytes) against rows [0, count) of a float block, each row loaded
 * once per group of four queries, and rows walked in cache-sized blocks so a block is read
 * from memory once for all queries. Query j keeps a max-heap of k entries at heaps + j*k*8
 * whose size is sizes[j] (i32, in/out). Heaps store row numbers; internal distances as in
 * scanTopkF32 (metric 0 = squared L2, else -dot).
 */
export function scanTopkManyF32(
  metric: i32, qs: usize, qstride: i32, nq: i32, base: usize, dim: i32, count: i32,
  allow: usize, heaps: usize, k: i32, sizes: usize,
): void {
  const stride = (<usize>dim) << 2;
  const qs4 = <usize>qstride;
  const hstride = (<usize>k) << 3;
  const d4 = dim & ~3;
  let blk = <i32>((<usize>131072) / stride);
  if (blk < 1) blk = 1;
  for (let s0: i32 = 0; s0 < count; s0 += blk) {
    const s1 = count - s0 < blk ? count : s0 + blk;
    let j: i32 = 0;
    for (; j + 4 <= nq; j += 4) {
      const q0 = qs + <usize>j * qs4;
      const q1 = q0 + qs4;
      const q2 = q1 + qs4;
      const q3 = q2 + qs4;
      const h0 = heaps + <usize>j * hstride;
      const h1 = h0 + hstride;
      const h2 = h1 + hstride;
      const h3 = h2 + hstride;
      const zp = sizes + ((<usize>j) << 2);
      let z0 = load<i32>(zp);
      let z1 = load<i32>(zp, 4);
      let z2 = load<i32>(zp, 8);
      let z3 = load<i32>(zp, 12);
      for (let s = s0; s < s1; s++) {
        if (!allowed(allow, s)) continue;
        const r = base + <usize>s * stride;
        let a0 = f32x4.splat(0);
        let a1 = f32x4.splat(0);
        let a2 = f32x4.splat(0);
        let a3 = f32x4.splat(0);
        let e0: f32 = 0;
        let e1: f32 = 0;
        let e2: f32 = 0;
        let e3: f32 = 0;
        if (metric == 0) {
          for (let i: i32 = 0; i < d4; i += 4) {
            const o = (<usize>i) << 2;
            const x = v128.load(r + o);
            const t0 = f32x4.sub(x, v128.load(q0 + o));
            const t1 = f32x4.sub(x, v128.load(q1 + o));
            const t2 = f32x4.sub(x, v128.load(q2 + o));
            const t3 = f32x4.sub(x, v128.load(q3 + o));
            a0 = f32x4.add(a0, f32x4.mul(t0, t0));
            a1 = f32x4.add(a1, f32x4.mul(t1, t1));
            a2 = f32x4.add(a2, f32x4.mul(t2, t2));
            a3 = f32x4.add(a3, f32x4.mul(t3, t3));
          }
          for (let i: i32 = d4; i < dim; i++) {
            const o = (<usize>i) << 2;
            const x = load<f32>(r + o);
            const t0 = x - load<f32>(q0 + o);
            const t1 = x - load<f32>(q1 + o);
            const t2 = x - load<f32>(q2 + o);
            const t3 = x - load<f32>(q3 + o);
            e0 += t0 * t0;
            e1 += t1 * t1;
            e2 += t2 * t2;
            e3 += t3 * t3;
          }
          e0 += hsum(a0);
          e1 += hsum(a1);
          e2 += hsum(a2);
          e3 += hsum(a3);
        } else {
          for (let i: i32 = 0; i < d4; i += 4) {
            const o = (<usize>i) << 2;
            const x = v128.load(r + o);
            a0 = f32x4.add(a0, f32x4.mul(x, v128.load(q0 + o)));
            a1 = f32x4.add(a1, f32x4.mul(x, v128.load(q1 + o)));
            a2 = f32x4.add(a2, f32x4.mul(x, v128.load(q2 + o)));
            a3 = f32x4.add(a3, f32x4.mul(x, v128.load(q3 + o)));
          }
          for (let i: i32 = d4; i < dim; i++) {
            const o = (<usize>i) << 2;
            const x = load<f32>(r + o);
            e0 += x * load<f32>(q0 + o);
            e1 += x * load<f32>(q1 + o);
            e2 += x * load<f32>(q2 + o);
            e3 += x * load<f32>(q3 + o);
          }
          e0 = -(e0 + hsum(a0));
          e1 = -(e1 + hsum(a1));
          e2 = -(e2 + hsum(a2));
          e3 = -(e3 + hsum(a3));
        }
        if (z0 < k || e0 < load<f32>(h0)) z0 = maxOffer(h0, z0, k, e0, s);
        if (z1 < k || e1 < load<f32>(h1)) z1 = maxOffer(h1, z1, k, e1, s);
        if (z2 < k || e2 < load<f32>(h2)) z2 = maxOffer(h2, z2, k, e2, s);
        if (z3 < k || e3 < load<f32>(h3)) z3 = maxOffer(h3, z3, k, e3, s);
      }
      store<i32>(zp, z0);
      store<i32>(zp, z1, 4);
      store<i32>(zp, z2, 8);
      store<i32>(zp, z3, 12);
    }
    for (; j < nq; j++) {
      const zp = sizes + ((<usize>j) << 2);
      const h = heaps + <usize>j * hstride;
      store<i32>(zp, scanTopkF32(metric, qs + <usize>j * qs4, base, dim, s0, s1 - s0, 0, allow, h, k, load<i32>(zp)));
    }
  }
}
