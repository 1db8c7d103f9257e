/**
 * `like` patterns: `%` matches any run of characters, `_` exactly one character (a Unicode
 * code point), `\` makes the next character literal. The whole value must match.
 *
 * Invariants: matching never uses a backtracking regex, so it runs in O(len(value) *
 * len(pattern)) at worst (no catastrophic patterns); common shapes (`abc`, `abc%`, `%abc`,
 * `%abc%`) take the fast string paths.
 */

type Item = string | null; // a code point, or null for `_`

export type LikeShape =
  | { readonly kind: 'exact'; readonly literal: string }
  | { readonly kind: 'prefix'; readonly literal: string }
  | { readonly kind: 'suffix'; readonly literal: string }
  | { readonly kind: 'infix'; readonly literal: string }
  | { readonly kind: 'general' };

/** Returns why `pattern` is invalid, or undefined when it is fine. */
export function validateLikePattern(pattern: string): string | undefined {
  let escaped = false;
  for (const ch of pattern) {
    if (escaped) escaped = false;
    else if (ch === '\\') escaped = true;
  }
  return escaped ? `like pattern ${JSON.stringify(pattern)} ends with an unfinished escape '\\'` : undefined;
}

/** Splits a pattern on unescaped `%` into segments of items. */
function segments(pattern: string): Item[][] {
  const segs: Item[][] = [[]];
  let escaped = false;
  for (const ch of pattern) {
    const cur = segs[segs.length - 1]!;
    if (escaped) {
      cur.push(ch);
      escaped = false;
    } else if (ch === '\\') escaped = true;
    else if (ch === '%') segs.push([]);
    else if (ch === '_') cur.push(null);
    else cur.push(ch);
  }
  return segs;
}

/** Classifies a pattern so callers (and scalar indexes) can use prefix/equality lookups. */
export function likeShape(pattern: string): LikeShape {
  const segs = segments(pattern);
  const lit = (s: Item[]): string | undefined => (s.includes(null) ? undefined : s.join(''));
  const nonEmpty = segs.filter((s) => s.length > 0);
  if (segs.length === 1) {
    const l = lit(segs[0]!);
    if (l !== undefined) return { kind: 'exact', literal: l };
  } else if (nonEmpty.length <= 1) {
    const only = nonEmpty[0] ?? [];
    const l = lit(only);
    if (l !== undefined) {
      const first = segs[0]!;
      const last = segs[segs.length - 1]!;
      if (only === first && last.length === 0) return { kind: 'prefix', literal: l };
      if (only === last && first.length === 0) return { kind: 'suffix', literal: l };
      if (first.length === 0 && last.length === 0) return { kind: 'infix', literal: l };
    }
  }
  return { kind: 'general' };
}

/** Compiles a (validated) pattern to a matcher. */
export function compileLike(pattern: string): (value: string) => boolean {
  const shape = likeShape(pattern);
  switch (shape.kind) {
    case 'exact': {
      const l = shape.literal;
      return (v) => v === l;
    }
    case 'prefix': {
      const l = shape.literal;
      return (v) => v.startsWith(l);
    }
    case 'suffix': {
      const l = shape.literal;
      return (v) => v.endsWith(l);
    }
    case 'infix': {
      const l = shape.literal;
      return (v) => v.includes(l);
    }
    case 'general': {
      const segs = segments(pattern);
      return (v) => matchSegments(Array.from(v), segs);
    }
  }
}

function matchAt(cps: readonly string[], at: number, seg: readonly Item[]): boolean {
  if (at + seg.length > cps.length) return false;
  for (let k = 0; k < seg.length; k++) {
    const it = seg[k];
    if (it !== null && it !== cps[at + k]) return false;
  }
  return true;
}

function matchSegments(cps: readonly string[], segs: readonly Item[][]): boolean {
  const first = segs[0]!;
  if (segs.length === 1) return cps.length === first.length && matchAt(cps, 0, first);
  if (!matchAt(cps, 0, first)) return false;
  let pos = first.length;
  const last = segs[segs.length - 1]!;
  const end = cps.length - last.length;
  if (end < pos || !matchAt(cps, end, last)) return false;
  // Leftmost placement of each middle segment is optimal: `%` absorbs whatever lies between.
  for (let s = 1; s < segs.length - 1; s++) {
    const seg = segs[s]!;
    let found = -1;
    for (let at = pos; at + seg.length <= end; at++) {
      if (matchAt(cps, at, seg)) {
        found = at;
        break;
      }
    }
    if (found < 0) return false;
    pos = found + seg.length;
  }
  return true;
}
