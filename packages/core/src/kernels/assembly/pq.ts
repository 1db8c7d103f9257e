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
