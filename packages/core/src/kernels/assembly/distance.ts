/* eslint-disable */
// @ts-nocheck -- AssemblyScript source: compiled by asc (scripts/build-wasm.mjs), not by tsc.
/**
 * Distance kernels over WASM linear memory (knowhere's distances_simd). Pointers are byte
 * offsets; float vectors are little-endian f32, binary vectors packed bits, SQ8 codes u8.
 * Every kernel has a TypeScript twin in ../scalar.ts that the tests compare against.
 * Alignment is not required (v128.load alignment is a hint).
 */

function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Squared L2 distance of two f32 vectors. */
export function l2sq(a: usize, b: usize, dim: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  let i: i32 = 0;
  const d16 = dim & ~15;
  for (; i < d16; i += 16) {
    const o = (<usize>i) << 2;
    const x0 = f32x4.sub(v128.load(a + o), v128.load(b + o));
    const x1 = f32x4.sub(v128.load(a + o + 16), v128.load(b + o + 16));
    const x2 = f32x4.sub(v128.load(a + o + 32), v128.load(b + o + 32));
    const x3 = f32x4.sub(v128.load(a + o + 48), v128.load(b + o + 48));
    s0 = f32x4.add(s0, f32x4.mul(x0, x0));
    s1 = f32x4.add(s1, f32x4.mul(x1, x1));
    s2 = f32x4.add(s2, f32x4.mul(x2, x2));
    s3 = f32x4.add(s3, f32x4.mul(x3, x3));
  }
  const d4 = dim & ~3;
  for (; i < d4; i += 4) {
    const o = (<usize>i) << 2;
    const x0 = f32x4.sub(v128.load(a + o), v128.load(b + o));
    s0 = f32x4.add(s0, f32x4.mul(x0, x0));
  }
  let s = hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
  for (; i < dim; i++) {
    const o = (<usize>i) << 2;
    const x = load<f32>(a + o) - load<f32>(b + o);
    s += x * x;
  }
  return s;
}

/** Inner product of two f32 vectors. */
export function dot(a: usize, b: usize, dim: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  let i: i32 = 0;
  const d16 = dim & ~15;
  for (; i < d16; i += 16) {
    const o = (<usize>i) << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a + o + 16), v128.load(b + o + 16)));
    s2 = f32x4.add(s2, f32x4.mul(v128.load(a + o + 32), v128.load(b + o + 32)));
    s3 = f32x4.add(s3, f32x4.mul(v128.load(a + o + 48), v128.load(b + o + 48)));
  }
  const d4 = dim & ~3;
  for (; i < d4; i += 4) {
    const o = (<usize>i) << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  let s = hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
  for (; i < dim; i++) {
    const o = (<usize>i) << 2;
    s += load<f32>(a + o) * load<f32>(b + o);
  }
  return s;
}

/** Cosine similarity; 0 when either vector is zero. */
export function cosine(a: usize, b: usize, dim: i32): f32 {
  const na = dot(a, a, dim);
  const nb = dot(b, b, dim);
  if (na == 0 || nb == 0) return 0;
  return <f32>(<f64>dot(a, b, dim) / Math.sqrt(<f64>na * <f64>nb));
}

/** Scales v in place to unit length (no-op for the zero vector). */
export function normalize(v: usize, dim: i32): void {
  const n = dot(v, v, dim);
  if (n == 0) return;
  const inv = <f32>(1.0 / Math.sqrt(<f64>n));
  for (let i: i32 = 0; i < dim; i++) {
    const o = v + ((<usize>i) << 2);
    store<f32>(o, load<f32>(o) * inv);
  }
}

/** Number of differing bits over nbytes bytes. */
export function hamming(a: usize, b: usize, nbytes: i32): i32 {
  let c: i64 = 0;
  let i: i32 = 0;
  const n8 = nbytes & ~7;
  for (; i < n8; i += 8) c += popcnt<u64>(load<u64>(a + <usize>i) ^ load<u64>(b + <usize>i));
  for (; i < nbytes; i++) c += popcnt<u32>(<u32>(load<u8>(a + <usize>i) ^ load<u8>(b + <usize>i)));
  return <i32>c;
}

/** Jaccard distance 1 - |a∧b|/|a∨b| over nbytes bytes; 0 when both are empty. */
export function jaccard(a: usize, b: usize, nbytes: i32): f32 {
  let inter: i64 = 0;
  let uni: i64 = 0;
  let i: i32 = 0;
  const n8 = nbytes & ~7;
  for (; i < n8; i += 8) {
    const x = load<u64>(a + <usize>i);
    const y = load<u64>(b + <usize>i);
    inter += popcnt<u64>(x & y);
    uni += popcnt<u64>(x | y);
  }
  for (; i < nbytes; i++) {
    const x = <u32>load<u8>(a + <usize>i);
    const y = <u32>load<u8>(b + <usize>i);
    inter += popcnt<u32>(x & y);
    uni += popcnt<u32>(x | y);
  }
  if (uni == 0) return 0;
  return <f32>(1.0 - <f64>inter / <f64>uni);
}

/** Dot product of two int8 vectors (exact, i32). */
export function i8dot(a: usize, b: usize, dim: i32): i32 {
  let s = i32x4.splat(0);
  let i: i32 = 0;
  const d8 = dim & ~7;
  for (; i < d8; i += 8) {
    s = i32x4.add(s, i32x4.dot_i16x8_s(v128.load8x8_s(a + <usize>i), v128.load8x8_s(b + <usize>i)));
  }
  let r = i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
  for (; i < dim; i++) r += <i32>load<i8>(a + <usize>i) * <i32>load<i8>(b + <usize>i);
  return r;
}

/** Squared L2 distance of two int8 vectors (exact, i32). */
export function i8l2(a: usize, b: usize, dim: i32): i32 {
  let s = i32x4.splat(0);
  let i: i32 = 0;
  const d8 = dim & ~7;
  for (; i < d8; i += 8) {
    const d = i16x8.sub(v128.load8x8_s(a + <usize>i), v128.load8x8_s(b + <usize>i));
    s = i32x4.add(s, i32x4.dot_i16x8_s(d, d));
  }
  let r = i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
  for (; i < dim; i++) {
    const d = <i32>load<i8>(a + <usize>i) - <i32>load<i8>(b + <usize>i);
    r += d * d;
  }
  return r;
}

/**
 * SQ8 weighted L2: sum_i w[i] * (qp[i] - codes[i])^2, where qp = (q - vmin)/scale and
 * w = scale^2 are prepared once per query, so the result is the L2 distance to the decoded row.
 */
export function sq8l2(qp: usize, w: usize, codes: usize, dim: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let i: i32 = 0;
  const d8 = dim & ~7;
  for (; i < d8; i += 8) {
    const c16 = v128.load8x8_u(codes + <usize>i);
    const c0 = f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(c16));
    const c1 = f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(c16));
    const o = (<usize>i) << 2;
    const x0 = f32x4.sub(v128.load(qp + o), c0);
    const x1 = f32x4.sub(v128.load(qp + o + 16), c1);
    s0 = f32x4.add(s0, f32x4.mul(v128.load(w + o), f32x4.mul(x0, x0)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(w + o + 16), f32x4.mul(x1, x1)));
  }
  let s = hsum(f32x4.add(s0, s1));
  for (; i < dim; i++) {
    const o = (<usize>i) << 2;
    const x = load<f32>(qp + o) - <f32>load<u8>(codes + <usize>i);
    s += load<f32>(w + o) * x * x;
  }
  return s;
}

/** SQ8 dot: sum_i qs[i] * codes[i] with qs = q * scale (add q·vmin for the true inner product). */
export function sq8dot(qs: usize, codes: usize, dim: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let i: i32 = 0;
  const d8 = dim & ~7;
  for (; i < d8; i += 8) {
    const c16 = v128.load8x8_u(codes + <usize>i);
    const c0 = f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(c16));
    const c1 = f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(c16));
    const o = (<usize>i) << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(qs + o), c0));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(qs + o + 16), c1));
  }
  let s = hsum(f32x4.add(s0, s1));
  for (; i < dim; i++) s += load<f32>(qs + ((<usize>i) << 2)) * <f32>load<u8>(codes + <usize>i);
  return s;
}

/**
 * SQ8 squared L2 in integers (HNSW_SQ traversal): sum_i (qc[i] - codes[i])^2 with qc the
 * query's i16 codes (clamped to [-256, 511] by the caller) and codes u8 rows. Lane sums stay
 * exact i32 within 1024-dim blocks and are added as f32; the true distance is scale^2 times this.
 */
export function sq8l2i(qc: usize, codes: usize, dim: i32): f32 {
  let total: f32 = 0;
  let i: i32 = 0;
  while (i < dim) {
    const end = dim - i > 1024 ? i + 1024 : dim;
    let s0 = i32x4.splat(0);
    let s1 = i32x4.splat(0);
    const e16 = i + ((end - i) & ~15);
    for (; i < e16; i += 16) {
      const c = v128.load(codes + <usize>i);
      const q = qc + ((<usize>i) << 1);
      const x0 = i16x8.sub(v128.load(q), i16x8.extend_low_i8x16_u(c));
      const x1 = i16x8.sub(v128.load(q + 16), i16x8.extend_high_i8x16_u(c));
      s0 = i32x4.add(s0, i32x4.dot_i16x8_s(x0, x0));
      s1 = i32x4.add(s1, i32x4.dot_i16x8_s(x1, x1));
    }
    if (end - i >= 8) {
      const x = i16x8.sub(v128.load(qc + ((<usize>i) << 1)), v128.load8x8_u(codes + <usize>i));
      s0 = i32x4.add(s0, i32x4.dot_i16x8_s(x, x));
      i += 8;
    }
    const s = i32x4.add(s0, s1);
    let r = i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
    for (; i < end; i++) {
      const d = <i32>load<i16>(qc + ((<usize>i) << 1)) - <i32>load<u8>(codes + <usize>i);
      r += d * d;
    }
    total += <f32>r;
  }
  return total;
}
