/**
 * Column-at-a-time scan loops: each fills a word array (bit i = row i matches) by looping over
 * a typed array, 32 rows per output word. These are the hot paths of filtering; everything
 * not covered here goes through `scanGeneric` with a per-row test.
 *
 * Invariants: only words whose `mask` word is non-zero are computed (others stay 0), bits at or
 * past `n` are never set, and callers AND the result with the mask (bits outside it may be
 * set). Int64 columns are compared exactly through a (high, low) 32-bit view, never as doubles.
 */
import type { CmpOp } from './ast.ts';

export function emptyWords(n: number): Uint32Array {
  return new Uint32Array((n + 31) >>> 5);
}

/** Rows in `mask` for which `test(i)` holds (visits only mask bits: right for expensive tests). */
export function scanGeneric(n: number, mask: Uint32Array, test: (i: number) => boolean): Uint32Array {
  const out = emptyWords(n);
  for (let w = 0; w < mask.length; w++) {
    let m = mask[w]!;
    let bits = 0;
    while (m !== 0) {
      const t = m & -m;
      const b = 31 - Math.clz32(t);
      if (test((w << 5) + b)) bits |= t;
      m ^= t;
    }
    out[w] = bits;
  }
  return out;
}

/** `data[i] op c` for number columns (Int8..Int32, Float, Double, Bool bytes). */
export function scanNumberCmp(data: ArrayLike<number>, n: number, mask: Uint32Array, op: CmpOp, c: number): Uint32Array {
  const out = emptyWords(n);
  for (let w = 0; w < out.length; w++) {
    if (mask[w] === 0) continue;
    const base = w << 5;
    const end = Math.min(base + 32, n);
    let bits = 0;
    let b = 0;
    switch (op) {
      case '==':
        for (let i = base; i < end; i++, b++) bits |= +(data[i] === c) << b;
        break;
      case '!=':
        for (let i = base; i < end; i++, b++) { const x = data[i]!; bits |= (+(x < c) | +(x > c)) << b; } // NaN matches nothing
        break;
      case '<':
        for (let i = base; i < end; i++, b++) bits |= +(data[i]! < c) << b;
        break;
      case '<=':
        for (let i = base; i < end; i++, b++) bits |= +(data[i]! <= c) << b;
        break;
      case '>':
        for (let i = base; i < end; i++, b++) bits |= +(data[i]! > c) << b;
        break;
      case '>=':
        for (let i = base; i < end; i++, b++) bits |= +(data[i]! >= c) << b;
        break;
    }
    out[w] = bits;
  }
  return out;
}

/** `lo (<|<=) data[i] (<|<=) hi` for number columns. */
export function scanNumberRange(data: ArrayLike<number>, n: number, mask: Uint32Array, lo: number, loInc: boolean, hi: number, hiInc: boolean): Uint32Array {
  const out = emptyWords(n);
  for (let w = 0; w < out.length; w++) {
    if (mask[w] === 0) continue;
    const base = w << 5;
    const end = Math.min(base + 32, n);
    let bits = 0;
    let b = 0;
    if (loInc && hiInc) for (let i = base; i < end; i++, b++) { const x = data[i]!; bits |= (+(x >= lo) & +(x <= hi)) << b; }
    else if (loInc) for (let i = base; i < end; i++, b++) { const x = data[i]!; bits |= (+(x >= lo) & +(x < hi)) << b; }
    else if (hiInc) for (let i = base; i < end; i++, b++) { const x = data[i]!; bits |= (+(x > lo) & +(x <= hi)) << b; }
    else for (let i = base; i < end; i++, b++) { const x = data[i]!; bits |= (+(x > lo) & +(x < hi)) << b; }
    out[w] = bits;
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Whether Int64 columns can use the (high, low) word view on this platform. */
export const INT64_VIEW = LITTLE_ENDIAN;

// For a three-way result r in {-1, 0, 1}, TABLE[op][r + 1] is 1 when `x op c` holds.
const TABLE: Readonly<Record<CmpOp, Uint8Array>> = {
  '==': Uint8Array.of(0, 1, 0),
  '!=': Uint8Array.of(1, 0, 1),
  '<': Uint8Array.of(1, 0, 0),
  '<=': Uint8Array.of(1, 1, 0),
  '>': Uint8Array.of(0, 0, 1),
  '>=': Uint8Array.of(0, 1, 1),
};

function split(c: bigint): [number, number] {
  return [Number(BigInt.asIntN(32, c >> 32n)), Number(BigInt.asUintN(32, c))];
}

function view32(data: BigInt64Array): Int32Array {
  return new Int32Array(data.buffer, data.byteOffset, data.length * 2);
}

/** `data[i] op c` for an Int64 column and an Int64 constant, exactly. */
export function scanInt64Cmp(data: BigInt64Array, n: number, mask: Uint32Array, op: CmpOp, c: bigint): Uint32Array {
  const out = emptyWords(n);
  const v = view32(data);
  const [ch, cl] = split(c);
  const t = TABLE[op];
  for (let w = 0; w < out.length; w++) {
    if (mask[w] === 0) continue;
    const base = w << 5;
    const end = Math.min(base + 32, n);
    let bits = 0;
    for (let i = base, b = 0; i < end; i++, b++) {
      const h = v[2 * i + 1]!;
      const l = v[2 * i]! >>> 0;
      const eq = +(h === ch);
      const r = 1 + (+(h > ch) | (eq & +(l > cl))) - (+(h < ch) | (eq & +(l < cl)));
      bits |= t[r]! << b;
    }
    out[w] = bits;
  }
  return out;
}

/** `lo (<|<=) data[i] (<|<=) hi` for an Int64 column, exactly. */
export function scanInt64Range(data: BigInt64Array, n: number, mask: Uint32Array, lo: bigint, loInc: boolean, hi: bigint, hiInc: boolean): Uint32Array {
  const out = emptyWords(n);
  const v = view32(data);
  const [lh, ll] = split(lo);
  const [hh, hl] = split(hi);
  const tl = TABLE[loInc ? '>=' : '>'];
  const th = TABLE[hiInc ? '<=' : '<'];
  for (let w = 0; w < out.length; w++) {
    if (mask[w] === 0) continue;
    const base = w << 5;
    const end = Math.min(base + 32, n);
    let bits = 0;
    for (let i = base, b = 0; i < end; i++, b++) {
      const h = v[2 * i + 1]!;
      const l = v[2 * i]! >>> 0;
      const e1 = +(h === lh);
      const r1 = 1 + (+(h > lh) | (e1 & +(l > ll))) - (+(h < lh) | (e1 & +(l < ll)));
      const e2 = +(h === hh);
      const r2 = 1 + (+(h > hh) | (e2 & +(l > hl))) - (+(h < hh) | (e2 & +(l < hl)));
      bits |= (tl[r1]! & th[r2]!) << b;
    }
    out[w] = bits;
  }
  return out;
}

/** Rows whose string equals one of `values` (one or two: direct compares; more: a Set). */
export function scanStringIn(data: readonly string[], n: number, mask: Uint32Array, values: readonly string[]): Uint32Array {
  const out = emptyWords(n);
  if (values.length === 0) return out;
  const set = values.length > 2 ? new Set(values) : undefined;
  const v0 = values[0]!;
  const v1 = values[1] ?? v0;
  for (let w = 0; w < out.length; w++) {
    const m = mask[w]!;
    if (m === 0) continue;
    const base = w << 5;
    const end = Math.min(base + 32, n);
    let bits = 0;
    if (set !== undefined) {
      for (let i = base, b = 0; i < end; i++, b++) if (((m >>> b) & 1) !== 0 && set.has(data[i]!)) bits |= 1 << b;
    } else if (m === 0xffffffff) {
      for (let i = base, b = 0; i < end; i++, b++) {
        const x = data[i];
        bits |= (+(x === v0) | +(x === v1)) << b;
      }
    } else {
      for (let i = base, b = 0; i < end; i++, b++) {
        if (((m >>> b) & 1) === 0) continue;
        const x = data[i];
        bits |= (+(x === v0) | +(x === v1)) << b;
      }
    }
    out[w] = bits;
  }
  return out;
}

/** Rows whose number is one of `values` (NaN never matches). */
export function scanNumberIn(data: ArrayLike<number>, n: number, mask: Uint32Array, values: readonly number[]): Uint32Array {
  const out = emptyWords(n);
  if (values.length === 0) return out;
  const set = new Set(values.filter((x) => !Number.isNaN(x)));
  for (let w = 0; w < out.length; w++) {
    if (mask[w] === 0) continue;
    const base = w << 5;
    const end = Math.min(base + 32, n);
    let bits = 0;
    for (let i = base, b = 0; i < end; i++, b++) bits |= +set.has(data[i]!) << b;
    out[w] = bits;
  }
  return out;
}
