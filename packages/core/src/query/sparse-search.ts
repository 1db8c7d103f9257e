/**
 * Search over sparse vectors: inner product (IP) and BM25 (Milvus's full-text metric).
 *
 * A document that shares no dimension with the query is not a hit, whatever the metric (as in
 * Milvus's sparse indexes), so a scan and an inverted index answer the same.
 *
 * - Growing segments are scanned: each row's score is a merge of its sorted indices with the
 *   query's.
 * - Sealed segments are searched through an inverted index (term → rows and values, plus each
 *   row's length; index/sparse-inverted-index.ts): the index file built at seal and opened with
 *   the segment, or for a segment without one, postings built from the column the first time
 *   it is searched. A search walks only the postings of the query's terms, exactly: document
 *   at a time with MaxScore pruning for DAAT_MAXSCORE (the default) and DAAT_WAND, term at a
 *   time for TAAT_NAIVE (the index's `inverted_index_algo`); all give the same scores and ties.
 *
 * BM25 (Robertson/Sparck Jones, as Milvus's knowhere computes it): the query's vector holds
 * per term tf_q · idf(t) with idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5)); a document's score
 * is Σ_t q_t · tf (k1 + 1) / (tf + k1 (1 − b + b · dl / avgdl)), dl = the sum of the document's
 * term frequencies. N, df and avgdl are the collection's (bm25Stats over every segment, merged
 * before any scoring), so a score never depends on how rows are split.
 */
import { VesperError } from '../errors/index.ts';
import type { SparseVector, SparseVectorColumn } from '../schema/columns.ts';
import { DataType } from '../schema/data-type.ts';
import type { MetricType } from '../schema/types.ts';
import type { Bitset } from '../util/bitset.ts';
import type { Segment } from '../segments/segment.ts';
import type { SealedSegment } from '../segments/sealed-segment.ts';
import { columnPostings, type SparseInvertedIndex } from '../index/sparse-inverted-index.ts';
import { BoundedHeap, inRange } from './top-k.ts';
import type { ExactHit } from './exact-search.ts';

/** Milvus's sparse index algorithms (inverted_index_algo). */
export type SparseAlgorithm = 'TAAT_NAIVE' | 'DAAT_WAND' | 'DAAT_MAXSCORE';

/** BM25's free parameters and the collection's average document length. */
export interface Bm25Params {
  readonly k1: number;
  readonly b: number;
  readonly avgdl: number;
}

export const BM25_DEFAULTS = { k1: 1.2, b: 0.75 } as const;

/** Corpus statistics of some rows for a list of terms (df aligned with the terms). */
/** What a full-text search's statistics round asks every holder: its BM25 field and the query's term ids. */
export interface Bm25StatsRequest {
  readonly field: string;
  readonly terms: readonly number[];
}

export interface Bm25Stats {
  rows: number;
  tokens: number;
  df: number[];
}

export function emptyStats(terms: number): Bm25Stats {
  return { rows: 0, tokens: 0, df: new Array<number>(terms).fill(0) };
}

/** Adds b into a. */
export function addStats(a: Bm25Stats, b: Bm25Stats): Bm25Stats {
  a.rows += b.rows;
  a.tokens += b.tokens;
  b.df.forEach((d, i) => (a.df[i] = (a.df[i] ?? 0) + d));
  return a;
}

/** The query vectors BM25 scores with: term frequencies weighted by the collection's idf. */
export function bm25Query(tf: SparseVector, terms: readonly number[], stats: Bm25Stats): SparseVector {
  const dfOf = new Map(terms.map((t, i) => [t, stats.df[i] ?? 0]));
  const values = Float32Array.from(tf.indices, (t, i) => {
    const df = dfOf.get(t) ?? 0;
    return tf.values[i]! * Math.log(1 + (stats.rows - df + 0.5) / (df + 0.5));
  });
  return { indices: tf.indices, values };
}

/** avgdl of the statistics (1 for an empty corpus, where no document scores anyway). */
export function averageLength(stats: Bm25Stats): number {
  return stats.rows > 0 && stats.tokens > 0 ? stats.tokens / stats.rows : 1;
}

function rowLength(v: SparseVector): number {
  let s = 0;
  for (let i = 0; i < v.values.length; i++) s += v.values[i]!;
  return s;
}

function sparseColumn(seg: Segment, field: string): SparseVectorColumn | undefined {
  const col = seg.column(field);
  if (!col) return undefined;
  if (col.type !== DataType.SparseFloatVector) throw new VesperError('INTERNAL', `field ${field} is not a sparse vector column`);
  return col;
}

/**
 * A sealed segment's postings: its opened index file, else (no file: written before sparse
 * index files, dropped, or not built yet) built from the column and kept with it.
 */
function postingsOf(seg: Segment, field: string, col: SparseVectorColumn): SparseInvertedIndex | undefined {
  if (!seg.sealed) return undefined;
  return (seg as SealedSegment).sparseIndexes.get(field) ?? columnPostings(col);
}

/**
 * Statistics of the rows of `seg` visible at `ts` (every row, whatever the search's filter or
 * partitions: BM25's corpus is the collection).
 */
export function segmentBm25Stats(seg: Segment, field: string, terms: readonly number[], ts: bigint): Bm25Stats {
  const out = emptyStats(terms.length);
  const col = sparseColumn(seg, field);
  if (!col) return out;
  const visible = seg.visibility(ts);
  const post = postingsOf(seg, field, col);
  if (post) {
    const n = col.length;
    out.rows = visible.count();
    if (out.rows === n) out.tokens = post.totalLength;
    else visible.forEach((r) => void (out.tokens += post.lengths[r]!));
    terms.forEach((t, i) => {
      const k = post.find(t);
      if (k < 0) return;
      for (let j = post.offsets[k]!; j < post.offsets[k + 1]!; j++) if (visible.get(post.rows[j]!)) out.df[i]!++;
    });
    return out;
  }
  const slot = new Map(terms.map((t, i) => [t, i]));
  visible.forEach((r) => {
    if (r >= col.length) return;
    const v = col.data[r]!;
    out.rows++;
    out.tokens += rowLength(v);
    for (const t of v.indices) {
      const i = slot.get(t);
      if (i !== undefined) out.df[i]!++;
    }
  });
  return out;
}

function termScore(metric: MetricType, q: number, value: number, length: number, bm25: Bm25Params | undefined): number {
  if (metric === 'IP') return q * value;
  const { k1, b, avgdl } = bm25!;
  return (q * value * (k1 + 1)) / (value + k1 * (1 - b + (b * length) / avgdl));
}

export interface SparseSearchOptions {
  readonly allow?: Bitset;
  readonly radius?: number;
  readonly rangeFilter?: number;
  readonly bm25?: Bm25Params;
  /** How postings are walked (default DAAT_MAXSCORE); every algorithm gives the same top k. */
  readonly algorithm?: SparseAlgorithm;
}

/**
 * The most one posting of a term can add to a score: IP w·max value; BM25 w·tf(k1+1)/(tf +
 * k1(1 − b)) at the term's largest tf (a document length of 0 maximizes the BM25 term).
 */
function termBound(metric: MetricType, w: number, maxValue: number, bm25: Bm25Params | undefined): number {
  if (metric === 'IP') return w * maxValue;
  const { k1, b } = bm25!;
  return (w * maxValue * (k1 + 1)) / (maxValue + k1 * (1 - b));
}

/** A bound nudged up past float rounding: sums of bounds and of scores are added in different orders. */
const above = (x: number): number => x + Math.abs(x) * 1e-9 + 1e-12;

/**
 * Document at a time with MaxScore's pruning (DAAT_MAXSCORE and DAAT_WAND), exact: query terms
 * sorted by their bound; the lowest terms whose bounds sum below the k-th best score so far are
 * "non-essential" — a row holding only those cannot enter the top k, so candidates come from the
 * essential terms' postings (merged by row, ascending) and the others are looked up only for a
 * candidate whose partial score plus their bounds could still enter. Scores are summed in the
 * query's term order, as term at a time sums them, so both give bit-identical scores; rows are
 * offered in ascending order, so ties break the same way. Needs every query weight positive
 * (false: the caller walks term at a time).
 */
function maxScoreTopK(post: SparseInvertedIndex, metric: MetricType, q: SparseVector, opts: SparseSearchOptions, heap: BoundedHeap<number>, offer: (row: number, score: number) => void): boolean {
  const slots: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < q.indices.length; i++) {
    const w = q.values[i]!;
    if (!(w > 0)) return false;
    const k = post.find(q.indices[i]!);
    if (k < 0) continue;
    slots.push(k);
    weights.push(w);
  }
  const m = slots.length;
  if (m === 0) return true;
  const bound = slots.map((k, t) => termBound(metric, weights[t]!, post.maxValues[k]!, opts.bm25));
  // terms in query order are t = 0..m-1; `order` lists them by bound, ascending
  const order = Array.from({ length: m }, (_, t) => t).sort((a, b) => bound[a]! - bound[b]!);
  const prefix = new Float64Array(m + 1);
  for (let j = 0; j < m; j++) prefix[j + 1] = prefix[j]! + bound[order[j]!]!;
  const pos = slots.map((k) => post.offsets[k]!);
  const end = slots.map((k) => post.offsets[k + 1]!);
  const { rows, values, lengths } = post;
  const contrib = new Float64Array(m);
  const has = new Uint8Array(m);
  let firstEssential = 0; // order[firstEssential..] are essential
  for (;;) {
    const theta = -heap.threshold; // the k-th best score kept, -Infinity until k are kept
    while (firstEssential < m && above(prefix[firstEssential + 1]!) < theta) firstEssential++;
    if (firstEssential === m) break;
    let r = Infinity;
    for (let j = firstEssential; j < m; j++) {
      const t = order[j]!;
      if (pos[t]! < end[t]! && rows[pos[t]!]! < r) r = rows[pos[t]!]!;
    }
    if (r === Infinity) break;
    // the essential terms' contributions at r (their cursors move past r)
    has.fill(0);
    let partial = 0;
    for (let j = firstEssential; j < m; j++) {
      const t = order[j]!;
      if (pos[t]! < end[t]! && rows[pos[t]!]! === r) {
        contrib[t] = termScore(metric, weights[t]!, values[pos[t]!]!, lengths[r]!, opts.bm25);
        has[t] = 1;
        partial += contrib[t]!;
        pos[t]!++;
      }
    }
    if (opts.allow && !opts.allow.get(r)) continue;
    // the non-essential terms, highest bound first, while the row could still enter
    let rest = prefix[firstEssential]!;
    let alive = !(above(partial + rest) < theta);
    for (let j = firstEssential - 1; j >= 0 && alive; j--) {
      const t = order[j]!;
      rest -= bound[t]!;
      const at = seek(rows, pos[t]!, end[t]!, r);
      pos[t] = at;
      if (at < end[t]! && rows[at]! === r) {
        contrib[t] = termScore(metric, weights[t]!, values[at]!, lengths[r]!, opts.bm25);
        has[t] = 1;
        partial += contrib[t]!;
      }
      alive = !(above(partial + Math.max(0, rest)) < theta);
    }
    if (!alive) continue;
    // summed in query order from 0, exactly as term at a time accumulates
    let score = 0;
    for (let t = 0; t < m; t++) if (has[t] === 1) score += contrib[t]!;
    offer(r, score);
  }
  return true;
}

/** The first index in rows[from, to) holding a row ≥ r (rows ascending): galloping, then binary search. */
function seek(rows: Uint32Array, from: number, to: number, r: number): number {
  if (from >= to || rows[from]! >= r) return from;
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < to && rows[hi]! < r) {
    lo = hi;
    step *= 2;
    hi = Math.min(to, lo + step);
  }
  // rows[lo] < r; the answer is in (lo, hi]
  let a = lo + 1;
  let b = Math.min(hi, to);
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (rows[mid]! < r) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** The best k rows of `seg` for one sparse query (best first), by IP or BM25. */
export function sparseTopK(seg: Segment, field: string, metric: MetricType, q: SparseVector, k: number, opts: SparseSearchOptions): ExactHit[] {
  if (metric !== 'IP' && metric !== 'BM25') throw new VesperError('PARAMETER_INVALID', `sparse vectors support metric IP or BM25, not ${metric}`);
  if (metric === 'BM25' && !opts.bm25) throw new VesperError('INTERNAL', 'a BM25 search needs the collection statistics');
  const col = sparseColumn(seg, field);
  if (!col || k <= 0 || q.indices.length === 0) return [];
  const heap = new BoundedHeap<number>(k);
  const ranged = opts.radius !== undefined || opts.rangeFilter !== undefined;
  const offer = (row: number, score: number): void => {
    if (ranged && !inRange(metric, score, opts.radius, opts.rangeFilter)) return;
    heap.push(-score, row);
  };
  const post = postingsOf(seg, field, col);
  if (post && (opts.algorithm ?? 'DAAT_MAXSCORE') !== 'TAAT_NAIVE' && maxScoreTopK(post, metric, q, opts, heap, offer)) {
    // document at a time with pruning (maxScoreTopK)
  } else if (post) {
    // term at a time into a dense accumulator; `touched` lists the rows scored
    const scores = post.scratch;
    const marks = post.marks;
    const touched: number[] = [];
    for (let i = 0; i < q.indices.length; i++) {
      const k = post.find(q.indices[i]!);
      if (k < 0) continue;
      const w = q.values[i]!;
      const { rows: postRows, values: postValues } = post;
      for (let j = post.offsets[k]!, end = post.offsets[k + 1]!; j < end; j++) {
        const r = postRows[j]!;
        if (opts.allow && !opts.allow.get(r)) continue;
        const add = termScore(metric, w, postValues[j]!, post.lengths[r]!, opts.bm25);
        if (marks[r] === 0) {
          marks[r] = 1;
          touched.push(r);
        }
        scores[r]! += add;
      }
    }
    // rows in ascending order, so ties rank as the scan ranks them
    const rows = Uint32Array.from(touched).sort();
    for (const r of rows) {
      offer(r, scores[r]!);
      scores[r] = 0;
      marks[r] = 0;
    }
  } else {
    const visit = (r: number): void => {
      if (r >= col.length) return;
      const v = col.data[r]!;
      let i = 0;
      let j = 0;
      let s = 0;
      let hit = false;
      let length = -1;
      while (i < q.indices.length && j < v.indices.length) {
        const a = q.indices[i]!;
        const d = v.indices[j]!;
        if (a === d) {
          if (length < 0) length = metric === 'BM25' ? rowLength(v) : 0;
          s += termScore(metric, q.values[i++]!, v.values[j++]!, length, opts.bm25);
          hit = true;
        } else if (a < d) i++;
        else j++;
      }
      if (hit) offer(r, s);
    };
    if (opts.allow) opts.allow.forEach(visit);
    else for (let r = 0; r < col.length; r++) visit(r);
  }
  return heap.sorted().map(({ key, item }) => ({ row: item, distance: -key }));
}
