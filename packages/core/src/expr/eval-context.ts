/**
 * What every filter evaluation step shares: the columns and row count being evaluated, the
 * validity bits of each field (computed once per evaluation), and the exact treatment of Int64
 * comparison constants. The evaluator and the leaf matchers both build on it.
 */
import type { ColumnSet } from '../schema/columns.ts';
import { DYNAMIC_FIELD } from '../schema/types.ts';
import { INT64_MAX, INT64_MIN } from './constants.ts';

export interface EvalContext {
  readonly cols: ColumnSet;
  readonly n: number;
  /** Validity bits per field (null: no nulls), computed once per evaluation. */
  readonly valid: Map<string, Uint32Array | null>;
}

/** Validity bits of a field: a missing `$meta` has no nulls, any other missing column is all null. */
export function validBits(ctx: EvalContext, field: string): Uint32Array | null {
  const cached = ctx.valid.get(field);
  if (cached !== undefined) return cached;
  const col = ctx.cols.column(field);
  let bits: Uint32Array | null;
  if (col === undefined) bits = field === DYNAMIC_FIELD ? null : new Uint32Array((ctx.n + 31) >>> 5);
  else if (col.valid === undefined) bits = null;
  else {
    const v = col.valid;
    bits = new Uint32Array((ctx.n + 31) >>> 5);
    for (let i = 0; i < ctx.n; i++) if (v[i] !== 0) bits[i >>> 5]! |= 1 << (i & 31);
  }
  ctx.valid.set(field, bits);
  return bits;
}

/** An Int64 comparison constant as an exact in-range bigint plus the op it implies. */
export function int64Const(op: '==' | '!=' | '<' | '<=' | '>' | '>=', c: bigint | number): { op: typeof op; c: bigint } | 'all' | 'none' {
  let v: bigint;
  let o = op;
  if (typeof c === 'bigint') v = c;
  else if (Number.isInteger(c)) v = BigInt(c);
  else {
    if (op === '==') return 'none';
    if (op === '!=') return 'all';
    // x is an integer: x > 1.5 ⇔ x > 1, x >= 1.5 ⇔ x > 1, x < 1.5 ⇔ x < 2, x <= 1.5 ⇔ x < 2
    if (op === '>' || op === '>=') {
      v = BigInt(Math.floor(c));
      o = '>';
    } else {
      v = BigInt(Math.ceil(c));
      o = '<';
    }
  }
  if (v > INT64_MAX || v < INT64_MIN) {
    const above = v > INT64_MAX;
    if (o === '==') return 'none';
    if (o === '!=') return 'all';
    return (o === '<' || o === '<=') === above ? 'all' : 'none';
  }
  return { op: o, c: v };
}
