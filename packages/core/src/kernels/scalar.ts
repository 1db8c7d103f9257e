/**
 * Scalar TypeScript twins of every WASM kernel (assembly/*.ts): the test oracle. They
 * accumulate in f64 and round once, so they are at least as accurate as the SIMD kernels.
 * Also used where WASM is not worth a crossing (a handful of distances). knowhere's
 * distances_ref.
 */

export function l2sqRef(a: Float32Array, b: Float32Array, dim = a.length): number {
  let s = 0;
  for (let i = 0; i < dim; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.fround(s);
}

export function dotRef(a: Float32Array, b: Float32Array, dim = a.length): number {
  let s = 0;
  for (let i = 0; i < dim; i++) s += a[i]! * b[i]!;
  return Math.fround(s);
}

export function cosineRef(a: Float32Array, b: Float32Array, dim = a.length): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < dim; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa === 0 || bb === 0 ? 0 : Math.fround(ab / Math.sqrt(aa * bb));
}

export function normalizeRef(v: Float32Array, dim = v.length): void {
  let n = 0;
  for (let i = 0; i < dim; i++) n += v[i]! * v[i]!;
  if (n === 0) return;
  const inv = 1 / Math.sqrt(n);
  for (let i = 0; i < dim; i++) v[i] = v[i]! * inv;
}

function popcount8(x: number): number {
  let c = 0;
  while (x !== 0) {
    x &= x - 1;
    c++;
  }
  return c;
}

export function hammingRef(a: Uint8Array, b: Uint8Array, nbytes = a.length): number {
  let c = 0;
  for (let i = 0; i < nbytes; i++) c += popcount8(a[i]! ^ b[i]!);
  return c;
}

export function jaccardRef(a: Uint8Array, b: Uint8Array, nbytes = a.length): number {
  let inter = 0;
  let uni = 0;
  for (let i = 0; i < nbytes; i++) {
    inter += popcount8(a[i]! & b[i]!);
    uni += popcount8(a[i]! | b[i]!);
  }
  return uni === 0 ? 0 : Math.fround(1 - inter / uni);
}

export function i8dotRef(a: Int8Array, b: Int8Array, dim = a.length): number {
  let s = 0;
  for (let i = 0; i < dim; i++) s += a[i]! * b[i]!;
  return s;
}

export function i8l2Ref(a: Int8Array, b: Int8Array, dim = a.length): number {
  let s = 0;
  for (let i = 0; i < dim; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/** SQ8 weighted L2: sum w[i] * (qp[i] - codes[i])^2. */
export function sq8l2Ref(qp: Float32Array, w: Float32Array, codes: Uint8Array, dim = codes.length): number {
  let s = 0;
  for (let i = 0; i < dim; i++) {
    const x = qp[i]! - codes[i]!;
    s += w[i]! * x * x;
  }
  return Math.fround(s);
}

/** SQ8 dot: sum qs[i] * codes[i]. */
export function sq8dotRef(qs: Float32Array, codes: Uint8Array, dim = codes.length): number {
  let s = 0;
  for (let i = 0; i < dim; i++) s += qs[i]! * codes[i]!;
  return Math.fround(s);
}

/** SQ8 integer L2 (HNSW_SQ traversal): sum (qc[i] - codes[i])^2, qc i16 query codes. */
export function sq8l2iRef(qc: Int16Array, codes: Uint8Array, dim = codes.length): number {
  let s = 0;
  for (let i = 0; i < dim; i++) {
    const d = qc[i]! - codes[i]!;
    s += d * d;
  }
  return s;
}

/**
 * Exact top-k twin of the scan kernels (scanTopkF32, scanTopkManyF32): for each of nq queries,
 * the k rows (of n, only those `allow` keeps) with the smallest internal distance (metric 0 =
 * squared L2, else -dot), ascending, ties by row. Distances are the twins' rounded values.
 */
export function topkF32Ref(
  metric: number, qs: Float32Array, nq: number, rows: Float32Array, n: number, dim: number, k: number,
  allow?: (row: number) => boolean,
): { rows: number[]; dists: number[] }[] {
  const out: { rows: number[]; dists: number[] }[] = [];
  for (let j = 0; j < nq; j++) {
    const q = qs.subarray(j * dim, (j + 1) * dim);
    const all: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      if (allow !== undefined && !allow(i)) continue;
      const r = rows.subarray(i * dim, (i + 1) * dim);
      all.push([metric === 0 ? l2sqRef(q, r) : -dotRef(q, r), i]);
    }
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const top = all.slice(0, k);
    out.push({ rows: top.map((e) => e[1]), dists: top.map((e) => e[0]) });
  }
  return out;
}

/**
 * Twin of scanTopkBin: the k rows (of n packed rows of nbytes, only those `allow` keeps) with
 * the smallest (distance, row), metric 0 = HAMMING, else JACCARD (rounded to float32).
 */
export function topkBinRef(
  metric: number, q: Uint8Array, rows: Uint8Array, n: number, nbytes: number, k: number, allow?: (row: number) => boolean,
): { rows: number[]; dists: number[] } {
  const all: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    if (allow !== undefined && !allow(i)) continue;
    const r = rows.subarray(i * nbytes, (i + 1) * nbytes);
    all.push([metric === 0 ? hammingRef(q, r) : Math.fround(jaccardRef(q, r)), i]);
  }
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const top = all.slice(0, k);
  return { rows: top.map((e) => e[1]), dists: top.map((e) => e[0]) };
}

/**
 * Twin of pqTable: the m×ksub distance table of product quantization, codebooks in their
 * file layout (sub-space j, codeword c at cb[(j*ksub + c)*dsub]). metric 0 = squared L2 of
 * (q − cent) against each codeword (no cent: q itself), else −q_j·codeword.
 */
export function pqTableRef(
  metric: number, q: Float32Array, cent: Float32Array | undefined, cb: Float32Array, m: number, ksub: number, dsub: number,
): Float32Array {
  const table = new Float32Array(m * ksub);
  for (let j = 0; j < m; j++) {
    for (let c = 0; c < ksub; c++) {
      const o = (j * ksub + c) * dsub;
      let s = 0;
      for (let d = 0; d < dsub; d++) {
        const i = j * dsub + d;
        if (metric === 0) {
          const x = q[i]! - (cent === undefined ? 0 : cent[i]!) - cb[o + d]!;
          s += x * x;
        } else s -= q[i]! * cb[o + d]!;
      }
      table[j * ksub + c] = s;
    }
  }
  return table;
}

/** Twin of one ADC distance (pqScan): bias + Σ_j table[j*ksub + codes[slot*m + j]]. */
export function pqAdcRef(table: Float32Array, m: number, ksub: number, codes: Uint8Array, slot: number, bias: number): number {
  let s = bias;
  for (let j = 0; j < m; j++) s += table[j * ksub + codes[slot * m + j]!]!;
  return s;
}

/**
 * Twin of pqEncode for one row: per sub-space the codeword nearest to the residual (row −
 * cent; no cent: the row) by squared L2, ties to the smaller codeword.
 */
export function pqEncodeRef(row: Float32Array, cent: Float32Array | undefined, cb: Float32Array, m: number, ksub: number, dsub: number): Uint8Array {
  const table = pqTableRef(0, row, cent, cb, m, ksub, dsub);
  const out = new Uint8Array(m);
  for (let j = 0; j < m; j++) {
    let best = 0;
    for (let c = 1; c < ksub; c++) if (table[j * ksub + c]! < table[j * ksub + best]!) best = c;
    out[j] = best;
  }
  return out;
}
