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
import { validBits, type EvalContext } from './eval-context.ts';
import { leafMatcher, type LeafMatch } from './leaf-matchers.ts';
import type { Pred } from './plan.ts';
import { sourceField } from './plan.ts';

export interface Tri {
  readonly t: Uint32Array;
  readonly f: Uint32Array;
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
