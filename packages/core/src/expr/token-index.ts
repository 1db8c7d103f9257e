/**
 * The token inverted index behind text_match and phrase_match: for one VarChar column under
 * one analyzer, each term's rows (ascending) and, per row, the term's positions. A filter then
 * reads the postings of its own terms instead of analyzing and scanning every row.
 *
 * Built on first use and kept as long as the column's storage lives (a WeakMap on it: a sealed
 * segment's column never changes; a growing column only gains rows, and the index takes the new
 * ones in before the next match). Null rows are indexed as whatever the column stores for them
 * and masked out by the caller, as for every leaf (leaf-matchers.ts).
 */
import type { Analyzer } from '../text/analyzer.ts';
import type { Token } from '../text/token.ts';
import { emptyWords } from './scan-kernels.ts';

/** One term's occurrences: rows[i] holds it at positions[starts[i] .. starts[i + 1]). */
interface Posting {
  readonly rows: number[];
  readonly starts: number[];
  readonly positions: number[];
}

export class TokenIndex {
  private indexed = 0;
  private readonly postings = new Map<string, Posting>();

  constructor(
    private readonly data: readonly string[],
    private readonly analyzer: Analyzer,
  ) {}

  /** Rows taken in so far. */
  get rows(): number {
    return this.indexed;
  }

  /** Distinct terms. */
  get terms(): number {
    return this.postings.size;
  }

  /** Takes in rows [rows, n) of the column. */
  extend(n: number): void {
    for (let row = this.indexed; row < n; row++) {
      const text = this.data[row];
      if (typeof text !== 'string' || text === '') continue;
      for (const t of this.analyzer.analyze(text)) this.add(t, row);
    }
    if (n > this.indexed) this.indexed = n;
  }

  private add(t: Token, row: number): void {
    let p = this.postings.get(t.text);
    if (p === undefined) this.postings.set(t.text, (p = { rows: [], starts: [], positions: [] }));
    if (p.rows[p.rows.length - 1] !== row) {
      p.rows.push(row);
      p.starts.push(p.positions.length);
    }
    p.positions.push(t.position);
  }

  /**
   * Rows holding at least `min` of the distinct `terms` (text_match), as match words over `n`
   * rows. Rows outside the index (n beyond it) are not set: extend first.
   */
  matchAny(terms: ReadonlySet<string>, min: number, n: number): Uint32Array {
    const out = emptyWords(n);
    const lists = [...terms].map((t) => this.postings.get(t)).filter((p): p is Posting => p !== undefined);
    if (lists.length < min) return out;
    if (min <= 1) {
      for (const p of lists) for (const r of p.rows) if (r < n) out[r >>> 5]! |= 1 << (r & 31);
      return out;
    }
    const hits = new Uint16Array(n);
    for (const p of lists) {
      for (const r of p.rows) {
        if (r < n && ++hits[r]! === min) out[r >>> 5]! |= 1 << (r & 31);
      }
    }
    return out;
  }

  /**
   * Rows of `mask` where the query's terms occur in order with at most `slop` extra positions
   * in all (phrase_match): candidates come from the rarest term's rows, then each candidate's
   * positions are placed (`phraseFits`).
   */
  matchPhrase(terms: readonly Token[], slop: number, mask: Uint32Array, n: number): Uint32Array {
    const out = emptyWords(n);
    if (terms.length === 0) return out;
    const lists = terms.map((t) => this.postings.get(t.text));
    if (lists.some((p) => p === undefined)) return out;
    const posts = lists as Posting[];
    let rarest = posts[0]!;
    for (const p of posts) if (p.rows.length < rarest.rows.length) rarest = p;
    const offsets = terms.map((t, i) => (i === 0 ? 0 : t.position - terms[i - 1]!.position));
    for (const r of rarest.rows) {
      if (r >= n || ((mask[r >>> 5]! >>> (r & 31)) & 1) === 0) continue;
      const at: number[][] = [];
      for (const p of posts) {
        const i = rowIndex(p.rows, r);
        if (i < 0) break;
        at.push(p.positions.slice(p.starts[i]!, i + 1 < p.starts.length ? p.starts[i + 1]! : p.positions.length));
      }
      if (at.length === posts.length && phraseFits(at, offsets, slop)) out[r >>> 5]! |= 1 << (r & 31);
    }
    return out;
  }
}

/** The index of `row` in ascending `rows`, or -1. */
function rowIndex(rows: readonly number[], row: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = rows[mid]!;
    if (v === row) return mid;
    if (v < row) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Whether term i can sit at one of `at[i]` (positions, ascending) with each term after the one
 * before it, the total difference from the query's own spacing (`offsets[i]`, closer or
 * farther) at most `slop`: the cheapest placement by dynamic programming, O(terms × occurrences²).
 */
export function phraseFits(at: readonly (readonly number[])[], offsets: readonly number[], slop: number): boolean {
  let prev = at[0]!;
  let cost: number[] = prev.map(() => 0);
  for (let i = 1; i < at.length; i++) {
    const want = offsets[i]!;
    const cur = at[i]!;
    cost = cur.map((p) => {
      let best = Infinity;
      for (let j = 0; j < prev.length; j++) {
        const q = prev[j]!;
        if (q < p) best = Math.min(best, cost[j]! + Math.abs(p - q - want));
      }
      return best;
    });
    prev = cur;
  }
  return cost.some((c) => c <= slop);
}

const indexes = new WeakMap<object, Map<Analyzer, TokenIndex>>();

/** The token index of a column's storage under an analyzer, brought up to its first `n` rows. */
export function tokenIndexOf(data: readonly string[], analyzer: Analyzer, n: number): TokenIndex {
  let byAnalyzer = indexes.get(data);
  if (byAnalyzer === undefined) indexes.set(data, (byAnalyzer = new Map()));
  let index = byAnalyzer.get(analyzer);
  if (index === undefined) byAnalyzer.set(analyzer, (index = new TokenIndex(data, analyzer)));
  index.extend(n);
  return index;
}
