/**
 * Evaluates a typed plan over a ColumnSet, column at a time, in three-valued logic (Milvus's
 * null semantics): each node yields two bitsets over the rows of a mask, `t` (known true) and
 * `f` (known false); a row in neither is unknown (a null operand). `not` swaps t and f, so
 * `not (x > 1)` does not match a row where x is null, and `x not in [..]` skips nulls.
 *
 * Invariants: t and f are disjoint and both inside the mask; `and` evaluates later children
 * only on rows not already known false (`or`: not already true), which is exact in 3VL; leaves
 * use a scalar index when the ColumnSet offers one and it serves the leaf, else a scan.
 */
import { DataType } from '../schema/data-type.ts';
import type { ColumnSet } from '../schema/columns.ts';
import { DYNAMIC_FIELD } from '../schema/types.ts';
import { compareNumeric, INT64_MAX, INT64_MIN, isNumeric } from './constants.ts';
import { leafMatcher, type LeafMatch } from './leaf-matchers.ts';
import type { Pred, Source } from './plan.ts';
import { sourceField } from './plan.ts';

export interface Tri {
  readonly t: Uint32Array;
  readonly f: Uint32Array;
}

export interface EvalContext {
  readonly cols: ColumnSet;
  readonly n: number;
  /** Validity bits per field (null: no nulls), computed once per evaluation. */
  readonly valid: Map<string, Uint32Array | null>;
}

export type NodeEval = (ctx: EvalContext, mask: Uint32Array) => Tri;

/** Compiles a plan into an evaluation function. */
export function buildEvaluator(p: Pred): NodeEval {
  switch (p.kind) {
    case 'not': {
      const child = buildEvaluator(p.child);
      return (ctx, mask) => {
        const r = child(ctx, mask);
        return { t: r.f, f: r.t };
      };
    }
    case 'and':
    case 'or': {
      const children = p.children.map(buildEvaluator);
      const isAnd = p.kind === 'and';
      return (ctx, mask) => {
        const words = mask.length;
        let cur = mask;
        const t = new Uint32Array(words);
        const f = new Uint32Array(words);
        if (isAnd) t.set(mask);
        else f.set(mask);
        for (const c of children) {
          const r = c(ctx, cur);
          const next = new Uint32Array(words);
          let any = 0;
          for (let w = 0; w < words; w++) {
            // rows leave `cur` exactly when their outcome is decided, and their t/f are then final
            if (isAnd) {
              t[w] = t[w]! & r.t[w]!;
              f[w] = f[w]! | r.f[w]!;
              next[w] = cur[w]! & ~r.f[w]!;
            } else {
              t[w] = t[w]! | r.t[w]!;
              f[w] = f[w]! & r.f[w]!;
              next[w] = cur[w]! & ~r.t[w]!;
            }
            any |= next[w]!;
          }
          cur = next;
          if (any === 0) break;
        }
        return { t, f };
      };
    }
    default:
      return leafEvaluator(p);
  }
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

function leafEvaluator(p: Exclude<Pred, { kind: 'not' | 'and' | 'or' }>): NodeEval {
  const match: LeafMatch = leafMatcher(p);
  const knownFields: string[] =
    p.kind === 'isnull' || p.kind === 'exists' ? [] : p.kind === 'colcmp' ? [sourceField(p.left), sourceField(p.right)] : [sourceField(p.source)];
  return (ctx, mask) => {
    const m = match(ctx, mask);
    const f = new Uint32Array(mask.length);
    let known: Uint32Array | null = null;
    for (const field of knownFields) {
      const v = validBits(ctx, field);
      if (v === null) continue;
      if (known === null) known = v.slice();
      else for (let w = 0; w < known.length; w++) known[w] = known[w]! & v[w]!;
    }
    if (known === null) {
      for (let w = 0; w < mask.length; w++) {
        const t = m[w]! & mask[w]!;
        m[w] = t;
        f[w] = mask[w]! & ~t;
      }
    } else {
      for (let w = 0; w < mask.length; w++) {
        const k = known[w]! & mask[w]!;
        const t = m[w]! & k;
        m[w] = t;
        f[w] = k & ~t;
      }
    }
    return { t: m, f };
  };
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

/** True when `s` is a plain Int64 column. */
export function isInt64Field(s: Source): s is Extract<Source, { kind: 'field' }> {
  return s.kind === 'field' && s.type === DataType.Int64;
}

export { compareNumeric, isNumeric };
