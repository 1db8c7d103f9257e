/**
 * Search over a snapshot of segments (Milvus's segcore search + shard delegator reduce):
 * per segment, MVCC visibility AND the filter give the allow-list; an indexed sealed segment
 * asks its index, anything else is scanned exactly; per query the segment results are
 * reduced to the global top (offset + limit), or grouped by a scalar field.
 */
import type { Bitset } from '../util/bitset.ts';
import type { SparseVector } from '../schema/columns.ts';
import { valueAt } from '../schema/column-ops.ts';
import type { FieldSchema, MetricType } from '../schema/types.ts';
import type { IndexSearchParams, QueryVectors, VectorIndex } from '../index/vector-index.ts';
import { MAX_INDEX_TOPK } from '../index/index-common.ts';
import type { Segment } from '../segments/segment.ts';
import type { SealedSegment } from '../segments/sealed-segment.ts';
import { exactTopK, type QueryVector } from './exact-search.ts';
import { exactSearch } from '../index/exact-search.ts';
import { kernelsReady } from '../kernels/loader.ts';
import type { VectorColumn } from '../schema/columns.ts';
import { sparseTopK, type Bm25Params } from './sparse-search.ts';
import { DataType, isDenseVectorType } from '../schema/data-type.ts';
import { reduceTopK, type Hit } from './top-k.ts';
import { cutAcross } from './candidate-cut.ts';
import type { GroupBy, RowFilter, SparseAlgorithm } from './read-plan.ts';

export type { RowFilter, GroupBy };

export interface SearchSpec {
  readonly field: FieldSchema;
  readonly metric: MetricType;
  readonly queries: readonly QueryVector[];
  /** The dense queries packed row after row (a read plan's form); indexes search these. Absent for sparse queries. */
  readonly packed?: QueryVectors;
  readonly limit: number;
  readonly offset: number;
  readonly filter?: RowFilter;
  readonly params: Readonly<Record<string, unknown>>;
  readonly radius?: number;
  readonly rangeFilter?: number;
  readonly groupBy?: GroupBy;
  /**
   * Groups kept (default offset + limit). A partial answer keeps every group among its
   * candidates: a group outside this holder's top groups may be in the global top ones.
   */
  readonly groups?: number;
  /** BM25: k1, b and the collection's average document length (query vectors carry the idf). */
  readonly bm25?: Bm25Params;
  /** Sparse fields: how postings are walked (query/sparse-search.ts). */
  readonly sparseAlgorithm?: SparseAlgorithm;
}

export interface SegmentHit extends Hit {
  readonly segment: Segment;
}

/** Allowed rows of a segment at a snapshot: visible and matching the filter. */
export function allowedRows(seg: Segment, ts: bigint, filter: RowFilter | undefined): Bitset {
  const visible = seg.visibility(ts);
  return filter ? filter.evaluate(seg, visible).and(visible) : visible;
}

/**
 * A search's allow-list for one segment: none when every row is allowed (nothing to build,
 * count or hand to an index). The same in both halves of a search by range, so an index finds
 * the plan its `prepareSearch` held.
 */
function searchAllow(seg: Segment, ts: bigint, spec: SearchSpec): Bitset | undefined {
  return spec.filter === undefined && seg.allVisible(ts) ? undefined : allowedRows(seg, ts, spec.filter);
}

/** Hits one segment contributes per query (rows repeating a key are dropped by the reduce, so fetch that many more). */
function segmentK(seg: Segment, spec: SearchSpec, live: number): number {
  const base = spec.offset + spec.limit + seg.duplicateRows;
  // strict_group_size: every allowed row is a candidate, scanned exactly, so each group fills
  // to group_size whenever the segment has that many of its rows
  if (spec.groupBy?.strict === true) return live;
  return spec.groupBy ? Math.min(live, Math.max(base * spec.groupBy.size * 8, 256)) : Math.min(live, base);
}

function indexOpts(spec: SearchSpec, allow: Bitset | undefined): IndexSearchParams {
  return {
    ...(allow !== undefined ? { allow } : {}),
    params: spec.params,
    ...(spec.radius !== undefined ? { radius: spec.radius } : {}),
    ...(spec.rangeFilter !== undefined ? { rangeFilter: spec.rangeFilter } : {}),
  };
}

/**
 * The asynchronous half of a search over indexes that read by range (IVF_PQ): for each sealed
 * segment whose index has `prepareSearch`, reads what `searchSegments` with the same arguments
 * will need. Call `searchSegments` before the returned release. Undefined (no promise, so the
 * caller need not yield) when no segment's index reads by range.
 *
 * One re-rank across segments: the indexes' code-scan candidates are cut together per query
 * (candidate-cut.ts), so the search reads about k × refine_k rows, not that many per segment.
 * A grouping search keeps each segment's own re-rank: its over-fetch is sized per segment to
 * fill groups, and a global cut could starve groups whose hits one segment holds.
 */
export function prepareSegments(segments: readonly Segment[], ts: bigint, spec: SearchSpec): Promise<() => void> | undefined {
  const packed = spec.packed;
  // strict grouping scans exactly, without the index
  if (packed === undefined || spec.groupBy?.strict === true) return undefined;
  const ranged = segments.filter((seg) => seg.sealed && (seg as SealedSegment).indexes.get(spec.field.name)?.prepareSearch !== undefined);
  // nothing reads by range: the caller stays synchronous (no yield between its snapshot and its read)
  return ranged.length === 0 ? undefined : prepareRanged(ranged as SealedSegment[], ts, spec, packed);
}

async function prepareRanged(segments: readonly SealedSegment[], ts: bigint, spec: SearchSpec, packed: QueryVectors): Promise<() => void> {
  const nq = spec.queries.length;
  const jobs: { index: VectorIndex; k: number; opts: IndexSearchParams }[] = [];
  for (const seg of segments) {
    const index = seg.indexes.get(spec.field.name);
    if (index?.prepareSearch === undefined) continue;
    const allow = searchAllow(seg, ts, spec);
    const live = allow === undefined ? seg.rowCount : allow.count();
    if (live === 0) continue;
    const k = segmentK(seg, spec, live);
    // the search scans this segment exactly (searchIndex): nothing to read ahead
    if (searchIndex(seg, spec, k) !== index) continue;
    jobs.push({ index, k: Math.min(k, MAX_INDEX_TOPK), opts: indexOpts(spec, allow) });
  }
  const cuts = spec.groupBy === undefined ? cutAcross(jobs.map((j) => j.index.candidates?.(packed, nq, j.k, j.opts)), nq) : [];
  const releases: (() => void)[] = [];
  const release = (): void => {
    for (const r of releases.splice(0)) r();
  };
  const settled = await Promise.allSettled(jobs.map(async (j, i) => {
    releases.push(await j.index.prepareSearch!(packed, nq, j.k, j.opts, cuts[i]));
  }));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    release();
    throw failed.reason;
  }
  return release;
}

/** Per query: the final hits (offset applied), best first; grouped results come group by group. */
export function searchSegments(segments: readonly Segment[], ts: bigint, spec: SearchSpec): SegmentHit[][] {
  const nq = spec.queries.length;
  const want = spec.offset + spec.limit;
  const perQuery: SegmentHit[][][] = [];
  for (let q = 0; q < nq; q++) perQuery.push([]);
  for (let si = 0; si < segments.length; si++) searchSegment(segments[si]!, si, ts, spec, perQuery);
  return perQuery.map((lists) => {
    if (!spec.groupBy) return (reduceTopK(lists, want, spec.metric) as SegmentHit[]).slice(spec.offset);
    const groups = groupHits(reduceTopK(lists, Infinity, spec.metric) as SegmentHit[], spec.groupBy, spec.groups ?? want);
    return groups.slice(spec.offset).flat();
  });
}

function hitOf(seg: Segment, si: number, row: number, distance: number): SegmentHit {
  return { seg: si, row, distance, pk: seg.pkAt(row), segment: seg };
}

/**
 * Whether a search may scan this segment's rows exactly (strict grouping, or a grouping
 * over-fetch beyond MAX_INDEX_TOPK: see searchIndex), so needs its vector column — a reader that
 * left the column in the object store reads it back first. An upper bound: every row counted live.
 */
export function mayScanExactly(seg: Segment, spec: SearchSpec): boolean {
  if (!seg.sealed || spec.groupBy === undefined) return false;
  return spec.groupBy.strict || segmentK(seg, spec, seg.rowCount) > MAX_INDEX_TOPK;
}

/**
 * The vector index that answers a segment's search, or undefined to scan its rows exactly:
 * strict grouping scans exactly, and so does a grouping over-fetch of more hits than an index
 * returns (MAX_INDEX_TOPK) — the members of a group that lie beyond the index's nearest
 * MAX_INDEX_TOPK would be missing. A segment without its column (dropped for a range-read
 * index) can only ask its index.
 */
function searchIndex(seg: Segment, spec: SearchSpec, k: number): VectorIndex | undefined {
  if (!seg.sealed || spec.groupBy?.strict === true) return undefined;
  const s = seg as SealedSegment;
  const index = s.indexes.get(spec.field.name);
  if (index === undefined || k <= MAX_INDEX_TOPK || s.dropped.has(spec.field.name)) return index;
  return undefined;
}

/** One segment's candidates per query, appended to perQuery. */
function searchSegment(seg: Segment, si: number, ts: bigint, spec: SearchSpec, perQuery: SegmentHit[][][]): void {
  const nq = perQuery.length;
  const allow = searchAllow(seg, ts, spec);
  const live = allow === undefined ? seg.rowCount : allow.count();
  if (live === 0) return;
  const k = segmentK(seg, spec, live);
  const index = searchIndex(seg, spec, k);
  const range = spec.radius !== undefined || spec.rangeFilter !== undefined ? { radius: spec.radius, rangeFilter: spec.rangeFilter } : undefined;
  if (spec.field.data_type === DataType.SparseFloatVector) {
    const opts = { allow, ...range, ...(spec.bm25 ? { bm25: spec.bm25 } : {}), ...(spec.sparseAlgorithm ? { algorithm: spec.sparseAlgorithm } : {}) };
    for (let q = 0; q < nq; q++) {
      const hits = sparseTopK(seg, spec.field.name, spec.metric, spec.queries[q] as SparseVector, k, opts);
      perQuery[q]!.push(hits.map((h) => hitOf(seg, si, h.row, h.distance)));
    }
    return;
  }
  // Dense rows without an index (float, half-precision, int8 and binary vectors) are scanned by
  // FLAT's / BIN_FLAT's kernel (exactSearch): a row's score is the same float32 whether its
  // segment is growing, sealed and waiting for its index, or FLAT-indexed — a scalar scan in
  // f64 differed in the last bits, so answers changed with when a seal or an index build
  // happened to finish. exactTopK (below) is the portable twin, before kernels load.
  const flat = !index && spec.packed !== undefined && isDenseVectorType(spec.field.data_type) && k <= MAX_INDEX_TOPK && kernelsReady() ? (seg.column(spec.field.name) as VectorColumn | undefined) : undefined;
  if ((index || flat) && spec.packed !== undefined) {
    const opts = { allow, params: spec.params, ...range };
    // an index answers at most MAX_INDEX_TOPK per query (searchIndex: only a segment that no
    // longer holds its column asks for more, and gets the index's best MAX_INDEX_TOPK)
    const top = index ? index.search(spec.packed, nq, Math.min(k, MAX_INDEX_TOPK), opts) : exactSearch(flat!, spec.metric, spec.packed, nq, k, opts);
    for (let q = 0; q < nq; q++) {
      const list: SegmentHit[] = [];
      for (let j = 0; j < top.k; j++) {
        const row = top.rows[q * top.k + j]!;
        if (row >= 0) list.push(hitOf(seg, si, row, top.distances[q * top.k + j]!));
      }
      perQuery[q]!.push(list);
    }
    return;
  }
  const col = seg.column(spec.field.name);
  if (!col) return;
  const opts = { allow, ...range };
  for (let q = 0; q < nq; q++) {
    const hits = exactTopK(col, spec.metric, spec.queries[q]!, k, opts);
    const list: SegmentHit[] = [];
    for (const h of hits) list.push(hitOf(seg, si, h.row, h.distance));
    perQuery[q]!.push(list);
  }
}

function groupKey(hit: SegmentHit, field: FieldSchema): unknown {
  const col = hit.segment.column(field.name);
  return col ? valueAt(col, hit.row) : null;
}

/**
 * Milvus grouping search: the best `groups` distinct values of the group field (ranked by
 * their best hit), each with up to `size` hits best first. Groups are never padded.
 */
function groupHits(sorted: SegmentHit[], g: GroupBy, groups: number): SegmentHit[][] {
  const buckets = new Map<unknown, SegmentHit[]>();
  for (const h of sorted) {
    const key = groupKey(h, g.field);
    let b = buckets.get(key);
    if (!b) {
      if (buckets.size >= groups) continue;
      b = [];
      buckets.set(key, b);
    }
    if (b.length < g.size) b.push(h);
  }
  return [...buckets.values()];
}
