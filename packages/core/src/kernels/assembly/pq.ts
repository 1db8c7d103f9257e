/* eslint-disable */
// @ts-nocheck -- AssemblyScript source: compiled by asc (scripts/build-wasm.mjs), not by tsc.
/**
 * Product-quantization kernels (IVF_PQ, knowhere/faiss's ADC search): the per-query distance
 * table over the sub-quantizers' codewords, and the asymmetric-distance scan of a posting
 * list's u8 codes into a top-k max-heap (heap.ts).
 *
 * Codebook layout (built once at open, ../pq-codebooks.ts): sub-space j, group g
 * of four codewords, component d → four f32 lanes at cbt + ((j*G + g)*dsub + d)*16, G = kp/4,
 * kp = ksub rounded up to a multiple of 4 (padded codewords are zero and never referenced by a
 * code). Four table entries are then one SIMD accumulation without horizontal sums.
 * Table layout: table[j*kp + c] (f32). Internal distances: smaller is closer (L2 = squared
 * L2 of the residual, IP = −dot).
 */
import { maxOffer } from './heap';

/**
 * Fills the m×kp distance table for one query. metric 0 = L2 of (q − cent) against each
 * codeword (cent = 0: q itself), else IP: −q_j·codeword (cent ignored).
 */
export function pqTable(metric: i32, q: usize, cent: usize, cbt: usize, m: i32, kp: i32, dsub: i32, table: usize): void {
  const groups = kp >> 2;
  const dstride = (<usize>dsub) << 2;
  for (let j: i32 = 0; j < m; j++) {
    const qj = q + <usize>j * dstride;
    const cj = cent + <usize>j * dstride;
    const bj = cbt + (<usize>j * <usize>groups * <usize>dsub << 4);
    const tj = table + (<usize>j * <usize>kp << 2);
    for (let g: i32 = 0; g < groups; g++) {
      const bg = bj + (<usize>g * <usize>dsub << 4);
      let acc = f32x4.splat(0);
      if (metric == 0) {
        for (let d: i32 = 0; d < dsub; d++) {
          const o = (<usize>d) << 2;
          const r: f32 = cent == 0 ? load<f32>(qj + o) : load<f32>(qj + o) - load<f32>(cj + o);
          const t = f32x4.sub(f32x4.splat(r), v128.load(bg + ((<usize>d) << 4)));
          acc = f32x4.add(acc, f32x4.mul(t, t));
        }
      } else {
        for (let d: i32 = 0; d < dsub; d++) {
          const x = f32x4.splat(load<f32>(qj + ((<usize>d) << 2)));
          acc = f32x4.sub(acc, f32x4.mul(x, v128.load(bg + ((<usize>d) << 4))));
        }
      }
      v128.store(tj + ((<usize>g) << 4), acc);
    }
  }
}

function allowed(allow: usize, row: i32): bool {
  if (allow == 0) return true;
  return ((load<u32>(allow + ((<usize>(row >>> 5)) << 2)) >>> (<u32>row & 31)) & 1) != 0;
}

/** bias + Σ_j table[j*kp + code_j] for one row of m codes (small: -O3 inlines it). */
function adc(table: usize, kp: i32, c: usize, m: i32, bias: f32): f32 {
  const tstride = (<usize>kp) << 2;
  let t = table;
  let d0: f32 = bias;
  let d1: f32 = 0;
  let d2: f32 = 0;
  let d3: f32 = 0;
  let j: i32 = 0;
  // four independent sums: the table lookups are the latency, not the adds
  for (; j + 4 <= m; j += 4) {
    const w = load<u32>(c + <usize>j);
    d0 += load<f32>(t + ((<usize>(w & 0xff)) << 2));
    d1 += load<f32>(t + tstride + ((<usize>((w >>> 8) & 0xff)) << 2));
    d2 += load<f32>(t + 2 * tstride + ((<usize>((w >>> 16) & 0xff)) << 2));
    d3 += load<f32>(t + 3 * tstride + ((<usize>(w >>> 24)) << 2));
    t += 4 * tstride;
  }
  for (; j < m; j++) {
    d0 += load<f32>(t + ((<usize>load<u8>(c + <usize>j)) << 2));
    t += tstride;
  }
  return (d0 + d1) + (d2 + d3);
}

/**
 * ADC top-k over slots [start, start+count) of the codes (slot s's m codes at codes + s*m):
 * distance = bias + Σ_j table[j*kp + code]. The allow check uses row = ids[s] (ids = 0: s);
 * the heap stores the slot. Returns the heap size.
 */
export function pqScan(
  table: usize, m: i32, kp: i32, codes: usize, start: i32, count: i32, ids: usize, allow: usize, bias: f32,
  heap: usize, k: i32, size: i32,
): i32 {
  const end = start + count;
  for (let s = start; s < end; s++) {
    if (allow != 0) {
      const row = ids == 0 ? s : load<i32>(ids + ((<usize>s) << 2));
      if (!allowed(allow, row)) continue;
    }
    const d = adc(table, kp, codes + <usize>s * <usize>m, m, bias);
    if (size < k || d < load<f32>(heap)) size = maxOffer(heap, size, k, d, s);
  }
  return size;
}

/**
 * Encodes nx rows (row i at xs + i*dim*4 bytes) into m u8 codes each (codes + i*m + j): per
 * sub-space the codeword c < ksub nearest by squared L2 to the row's residual (the row minus
 * its centroid cents + assign[i]*dim*4; cents = 0: the row itself); ties keep the smaller c.
 * Codebooks in the transposed layout of pqTable: four codewords' distances are one SIMD
 * accumulation, and the arg-min runs on the four lanes (lane minima merged at the end).
 * resid: dim f32 of scratch.
 */
export function pqEncode(
  xs: usize, nx: i32, dim: i32, cents: usize, assign: usize, cbt: usize, m: i32, kp: i32, dsub: i32, ksub: i32,
  resid: usize, codes: usize,
): void {
  const stride = (<usize>dim) << 2;
  const groups = kp >> 2;
  // groups holding only real codewords take the SIMD path; a partial last group (ksub < 4) is scalar
  const full = ksub >> 2;
  const dstride = (<usize>dsub) << 2;
  for (let i: i32 = 0; i < nx; i++) {
    const x = xs + <usize>i * stride;
    if (cents == 0) memory.copy(resid, x, stride);
    else {
      const c = cents + <usize>load<i32>(assign + ((<usize>i) << 2)) * stride;
      for (let d: i32 = 0; d < dim; d++) {
        const o = (<usize>d) << 2;
        store<f32>(resid + o, load<f32>(x + o) - load<f32>(c + o));
      }
    }
    const out = codes + <usize>i * <usize>m;
    for (let j: i32 = 0; j < m; j++) {
      const rj = resid + <usize>j * dstride;
      const bj = cbt + (<usize>j * <usize>groups * <usize>dsub << 4);
      let best = f32x4.splat(Infinity);
      let bidx = i32x4.splat(0);
      let gidx = i32x4(0, 1, 2, 3);
      for (let g: i32 = 0; g < full; g++) {
        const bg = bj + (<usize>g * <usize>dsub << 4);
        let acc = f32x4.splat(0);
        for (let d: i32 = 0; d < dsub; d++) {
          const t = f32x4.sub(f32x4.splat(load<f32>(rj + ((<usize>d) << 2))), v128.load(bg + ((<usize>d) << 4)));
          acc = f32x4.add(acc, f32x4.mul(t, t));
        }
        const lt = f32x4.lt(acc, best);
        best = v128.bitselect(acc, best, lt);
        bidx = v128.bitselect(gidx, bidx, lt);
        gidx = i32x4.add(gidx, i32x4.splat(4));
      }
      let bd: f32 = Infinity;
      let bi: i32 = 0;
      if (full > 0) {
        bd = f32x4.extract_lane(best, 0);
        bi = i32x4.extract_lane(bidx, 0);
        const d1 = f32x4.extract_lane(best, 1);
        const i1 = i32x4.extract_lane(bidx, 1);
        if (d1 < bd || (d1 == bd && i1 < bi)) { bd = d1; bi = i1; }
        const d2 = f32x4.extract_lane(best, 2);
        const i2 = i32x4.extract_lane(bidx, 2);
        if (d2 < bd || (d2 == bd && i2 < bi)) { bd = d2; bi = i2; }
        const d3 = f32x4.extract_lane(best, 3);
        const i3 = i32x4.extract_lane(bidx, 3);
        if (d3 < bd || (d3 == bd && i3 < bi)) { bd = d3; bi = i3; }
      }
      for (let c: i32 = full << 2; c < ksub; c++) {
        const bg = bj + (<usize>(c >> 2) * <usize>dsub << 4) + ((<usize>(c & 3)) << 2);
        let s: f32 = 0;
        for (let d: i32 = 0; d < dsub; d++) {
          const t = load<f32>(rj + ((<usize>d) << 2)) - load<f32>(bg + ((<usize>d) << 4));
          s += t * t;
        }
        if (s < bd) { bd = s; bi = c; }
      }
      store<u8>(out + <usize>j, <u8>bi);
    }
  }
}
