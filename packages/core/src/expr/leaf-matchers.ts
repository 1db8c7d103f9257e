/**
 * Leaf predicates → match bits. For each leaf this picks, per evaluation, the cheapest exact
 * strategy: a scalar index lookup when the ColumnSet offers one that serves the leaf, a typed
 * scan kernel for plain numeric/Int64/VarChar columns, the token index for text_match and
 * phrase_match (token-index.ts), else a per-row test over the mask.
 *
 * Invariants: a matcher may set bits for null rows or rows outside the mask (the caller masks
 * them with validity and the mask); index, kernel and per-row paths agree exactly (Float
 * constants are rounded to float32 first, as Milvus compares in the column's type).
 */
import { readyAnalyzer } from '../text/analyzer-cache.ts';
import { DataType } from '../schema/data-type.ts';
import type { CmpOp } from './ast.ts';
import { int64Const, validBits, type EvalContext } from './eval-context.ts';
import { compileLike, likeShape } from './like-pattern.ts';
import type { Pred, Source, Value } from './plan.ts';
import type { IndexKey, ScalarIndex } from './scalar-index/scalar-index.ts';
import { tokenIndexOf } from './token-index.ts';
import { emptyWords, INT64_VIEW, scanGeneric, scanInt64Cmp, scanInt64Range, scanNumberCmp, scanNumberIn, scanNumberRange, scanStringIn } from './scan-kernels.ts';
import { applyArith, compareAny, equalsAny, getterOf, testCmp } from './value-ops.ts';

export type LeafMatch = (ctx: EvalContext, mask: Uint32Array) => Uint32Array;
type Leaf = Exclude<Pred, { kind: 'not' | 'and' | 'or' }>;

function isFloat32(s: Source): boolean {
  return (s.kind === 'field' && s.type === DataType.Float) || ((s.kind === 'elem' || s.kind === 'array') && s.elementType === DataType.Float);
}

/** A constant as the source's column compares it (Float: rounded to float32). */
function adapt(s: Source, v: Value): Value {
  if (isFloat32(s) && (typeof v === 'number' || typeof v === 'bigint')) return Math.fround(Number(v));
  return v;
}

/** A number exactly equal to a numeric constant, or undefined if a double cannot hold it. */
function exactNumber(v: Value): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') {
    const n = Number(v);
    return BigInt(n) === v ? n : undefined;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

function indexFor(ctx: EvalContext, s: Source): ScalarIndex | undefined {
  if (s.kind !== 'field' && s.kind !== 'array') return undefined;
  return ctx.cols.scalarIndex?.(s.field);
}

function indexKey(v: Value): IndexKey | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string') return v;
  return undefined;
}

function words(b: { words: Uint32Array } | undefined): Uint32Array | undefined {
  return b === undefined ? undefined : b.words.slice();
}

const NUMERIC_COLUMN = new Set<DataType>([DataType.Bool, DataType.Int8, DataType.Int16, DataType.Int32, DataType.Float, DataType.Double]);

export function leafMatcher(p: Leaf): LeafMatch {
  switch (p.kind) {
    case 'cmp':
      return p.arith === undefined ? cmpMatcher(p.source, p.op, adapt(p.source, p.value)) : arithMatcher(p);
    case 'range':
      return rangeMatcher(p.source, adapt(p.source, p.lower), p.lowerInclusive, adapt(p.source, p.upper), p.upperInclusive);
    case 'in':
      return inMatcher(p.source, p.values.map((v) => adapt(p.source, v)));
    case 'like':
      return likeMatcher(p.source, p.pattern);
    case 'colcmp': {
      const { left, right, op } = p;
      return (ctx, mask) => {
        const a = getterOf(ctx.cols, left);
        const b = getterOf(ctx.cols, right);
        return scanGeneric(ctx.n, mask, (i) => testCmp(compareAny(a(i), b(i) as Value), op));
      };
    }
    case 'isnull':
      return nullMatcher(p.source, p.negated);
    case 'exists': {
      const s = p.source;
      return (ctx, mask) => {
        const g = getterOf(ctx.cols, s);
        const valid = validBits(ctx, sourceFieldOf(s));
        return scanGeneric(ctx.n, mask, (i) => (valid === null || ((valid[i >>> 5]! >>> (i & 31)) & 1) === 1) && g(i) !== undefined);
      };
    }
    case 'contains':
      return containsMatcher(p.source, p.mode, p.values.map((v) => adapt(p.source, v)));
    case 'text':
      return textMatcher(p);
  }
}

function textMatcher(p: Extract<Pred, { kind: 'text' }>): LeafMatch {
  const wanted = new Set(p.terms.map((t) => t.text));
  const field = sourceFieldOf(p.source);
  const analyzer = readyAnalyzer({ name: field, analyzer_params: p.analyzerParams });
  return (ctx, mask) => {
    const col = ctx.cols.column(field);
    if (!col || col.type !== DataType.VarChar || wanted.size === 0) return new Uint32Array(mask.length);
    const index = tokenIndexOf(col.data, analyzer, ctx.n);
    return p.phrase ? index.matchPhrase(p.terms, p.slop, mask, ctx.n) : index.matchAny(wanted, p.min, ctx.n);
  };
}

function sourceFieldOf(s: Source): string {
  return s.kind === 'length' ? sourceFieldOf(s.of) : s.field;
}

function cmpMatcher(s: Source, op: CmpOp, v: Value): LeafMatch {
  return (ctx, mask) => {
    const idx = indexFor(ctx, s);
    if (idx !== undefined && s.kind === 'field') {
      const key = indexKey(v);
      if (key !== undefined) {
        let r: Uint32Array | undefined;
        if (op === '==') r = words(idx.lookupIn([key]));
        else if (op === '!=' && s.type !== DataType.Float && s.type !== DataType.Double) {
          r = words(idx.lookupIn([key]));
          if (r !== undefined) for (let w = 0; w < r.length; w++) r[w] = ~r[w]!;
        } else if (op === '<' || op === '<=') r = words(idx.lookupRange(undefined, false, key, op === '<='));
        else if (op === '>' || op === '>=') r = words(idx.lookupRange(key, op === '>=', undefined, false));
        if (r !== undefined) return r;
      }
    }
    if (s.kind === 'field') {
      const col = ctx.cols.column(s.field);
      if (col !== undefined && col.type === DataType.Int64 && INT64_VIEW && typeof v !== 'string' && typeof v !== 'boolean') {
        const k = int64Const(op, v as bigint | number);
        if (k === 'none') return emptyWords(ctx.n);
        if (k === 'all') return mask.slice();
        return scanInt64Cmp(col.data, ctx.n, mask, k.op, k.c);
      }
      if (col !== undefined && NUMERIC_COLUMN.has(col.type)) {
        const c = exactNumber(v);
        if (c !== undefined) return scanNumberCmp(col.data as ArrayLike<number>, ctx.n, mask, op, c);
      }
      if (col !== undefined && col.type === DataType.VarChar && op === '==' && typeof v === 'string') {
        return scanStringIn(col.data, ctx.n, mask, [v]);
      }
    }
    const g = getterOf(ctx.cols, s);
    return scanGeneric(ctx.n, mask, (i) => testCmp(compareAny(g(i), v), op));
  };
}

function arithMatcher(p: Extract<Leaf, { kind: 'cmp' }>): LeafMatch {
  const s = p.source;
  const arith = p.arith!;
  const op = p.op;
  const kind = s.kind === 'json' ? 'json' : isFloat32(s) ? 'float32' : (s.kind === 'field' ? s.type : s.kind === 'elem' ? s.elementType : DataType.None) === DataType.Double ? 'float64' : 'int';
  const v = adapt(s, p.value);
  return (ctx, mask) => {
    const g = getterOf(ctx.cols, s);
    return scanGeneric(ctx.n, mask, (i) => {
      const r = applyArith(g(i), arith, kind);
      return r !== undefined && testCmp(compareAny(r, v), op);
    });
  };
}

function rangeMatcher(s: Source, lo: Value, loInc: boolean, hi: Value, hiInc: boolean): LeafMatch {
  return (ctx, mask) => {
    const idx = indexFor(ctx, s);
    const lk = indexKey(lo);
    const hk = indexKey(hi);
    if (idx !== undefined && s.kind === 'field' && lk !== undefined && hk !== undefined) {
      const r = words(idx.lookupRange(lk, loInc, hk, hiInc));
      if (r !== undefined) return r;
    }
    if (s.kind === 'field') {
      const col = ctx.cols.column(s.field);
      if (col !== undefined && col.type === DataType.Int64 && INT64_VIEW) {
        const a = int64Const(loInc ? '>=' : '>', lo as bigint | number);
        const b = int64Const(hiInc ? '<=' : '<', hi as bigint | number);
        if (a === 'none' || b === 'none') return emptyWords(ctx.n);
        if (a !== 'all' && b !== 'all') return scanInt64Range(col.data, ctx.n, mask, a.c, a.op === '>=', b.c, b.op === '<=');
        if (a !== 'all') return scanInt64Cmp(col.data, ctx.n, mask, a.op, a.c);
        if (b !== 'all') return scanInt64Cmp(col.data, ctx.n, mask, b.op, b.c);
        return mask.slice();
      }
      const a = exactNumber(lo);
      const b = exactNumber(hi);
      if (col !== undefined && NUMERIC_COLUMN.has(col.type) && a !== undefined && b !== undefined) {
        return scanNumberRange(col.data as ArrayLike<number>, ctx.n, mask, a, loInc, b, hiInc);
      }
    }
    const g = getterOf(ctx.cols, s);
    return scanGeneric(ctx.n, mask, (i) => {
      const x = g(i);
      const c1 = compareAny(x, lo);
      if (c1 === undefined || (loInc ? c1 < 0 : c1 <= 0)) return false;
      const c2 = compareAny(x, hi);
      return c2 !== undefined && (hiInc ? c2 <= 0 : c2 < 0);
    });
  };
}

function inMatcher(s: Source, values: readonly Value[]): LeafMatch {
  return (ctx, mask) => {
    const idx = indexFor(ctx, s);
    if (idx !== undefined && s.kind === 'field') {
      const keys = values.map(indexKey).filter((k): k is IndexKey => k !== undefined);
      const r = words(idx.lookupIn(keys));
      if (r !== undefined) return r;
    }
    if (s.kind === 'field') {
      const col = ctx.cols.column(s.field);
      if (col !== undefined && col.type === DataType.VarChar) return scanStringIn(col.data, ctx.n, mask, values.filter((v): v is string => typeof v === 'string'));
      if (col !== undefined && NUMERIC_COLUMN.has(col.type)) {
        const nums = values.map(exactNumber).filter((x): x is number => x !== undefined);
        return scanNumberIn(col.data as ArrayLike<number>, ctx.n, mask, nums);
      }
      if (col !== undefined && col.type === DataType.Int64) {
        const set = new Set<bigint>();
        for (const v of values) if (typeof v === 'bigint') set.add(v);
        else if (typeof v === 'number' && Number.isInteger(v)) set.add(BigInt(v));
        const d = col.data;
        return scanGeneric(ctx.n, mask, (i) => set.has(d[i]!));
      }
    }
    const g = getterOf(ctx.cols, s);
    const strings = values.every((v) => typeof v === 'string') ? new Set(values as string[]) : undefined;
    if (strings !== undefined) return scanGeneric(ctx.n, mask, (i) => { const x = g(i); return typeof x === 'string' && strings.has(x); });
    return scanGeneric(ctx.n, mask, (i) => {
      const x = g(i);
      if (x === undefined || x === null) return false;
      for (const v of values) if (equalsAny(x, v)) return true;
      return false;
    });
  };
}

function likeMatcher(s: Source, pattern: string): LeafMatch {
  const test = compileLike(pattern);
  const shape = likeShape(pattern);
  return (ctx, mask) => {
    const idx = indexFor(ctx, s);
    if (idx !== undefined && s.kind === 'field') {
      const r = shape.kind === 'prefix' ? words(idx.lookupPrefix(shape.literal)) : shape.kind === 'exact' ? words(idx.lookupIn([shape.literal])) : undefined;
      if (r !== undefined) return r;
    }
    const g = getterOf(ctx.cols, s);
    return scanGeneric(ctx.n, mask, (i) => {
      const x = g(i);
      return typeof x === 'string' && test(x);
    });
  };
}

function nullMatcher(s: Source, negated: boolean): LeafMatch {
  return (ctx, mask) => {
    const field = sourceFieldOf(s);
    const valid = validBits(ctx, field);
    const pathless = s.kind !== 'json' || s.path.length === 0;
    let out: Uint32Array;
    if (pathless) {
      out = emptyWords(ctx.n);
      if (valid !== null) for (let w = 0; w < out.length; w++) out[w] = ~valid[w]!;
      if (s.kind === 'json') {
        // a valid row holding JSON null is null too
        const g = getterOf(ctx.cols, s);
        const extra = scanGeneric(ctx.n, mask, (i) => g(i) === null);
        for (let w = 0; w < out.length; w++) out[w] = out[w]! | extra[w]!;
      }
    } else {
      const g = getterOf(ctx.cols, s);
      out = scanGeneric(ctx.n, mask, (i) => {
        if (valid !== null && ((valid[i >>> 5]! >>> (i & 31)) & 1) === 0) return true;
        const x = g(i);
        return x === undefined || x === null;
      });
    }
    if (negated) for (let w = 0; w < out.length; w++) out[w] = ~out[w]!;
    return out;
  };
}

function containsMatcher(s: Source, mode: 'one' | 'all' | 'any', values: readonly Value[]): LeafMatch {
  return (ctx, mask) => {
    const idx = indexFor(ctx, s);
    if (idx !== undefined && s.kind === 'array') {
      const keys = values.map(indexKey);
      if (keys.every((k) => k !== undefined)) {
        let r: Uint32Array | undefined;
        if (mode !== 'all') r = words(idx.lookupIn(keys as IndexKey[]));
        else {
          r = mask.slice();
          for (const k of keys as IndexKey[]) {
            const one = idx.lookupIn([k]);
            if (one === undefined) {
              r = undefined;
              break;
            }
            for (let w = 0; w < r.length; w++) r[w] = r[w]! & one.words[w]!;
          }
        }
        if (r !== undefined) return r;
      }
    }
    const g = getterOf(ctx.cols, s);
    const has = (arr: readonly unknown[], v: Value): boolean => {
      for (const x of arr) if (equalsAny(x, v)) return true;
      return false;
    };
    return scanGeneric(ctx.n, mask, (i) => {
      const arr = g(i);
      if (!Array.isArray(arr)) return false;
      if (mode === 'all') return values.every((v) => has(arr, v));
      return values.some((v) => has(arr, v));
    });
  };
}
