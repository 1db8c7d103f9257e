/**
 * The read pipeline (Milvus's proxy → shard delegator → segcore path, once): a ReadPlan
 * goes down, partial answers come up and are merged — the same code in every host.
 *
 *   entry point   prepare() → ReadPlan            proxy task / engine worker / edge Worker
 *   every level   execute*(plan, ts, host)         its own segments + its remote holders' partials, merged
 *   reader        read*(segments, ts, plan)        MVCC ∧ filter → index or exact scan → rows materialized
 *
 * A host is what it reads itself (`segments`) and a `PartialReader` for what others hold: the
 * browser's query workers, a shard leader's QueryNode DOs, the Worker's shard leaders. Hosts
 * supply transports only; grouping, range, offset and top-k merging live here and in
 * partial.ts (the merges), scores in rerank.ts. A level below the top answers offset + limit
 * with offset 0 (`final: false`); the top applies the offset.
 */
import type { CollectionInfo } from '../catalog/types.ts';
import type { Segment, PkValue } from '../segments/segment.ts';
import type { SegmentManager } from '../segments/segment-manager.ts';
import { SealedSegment } from '../segments/sealed-segment.ts';
import type { ReplicaAssignment } from '../segments/sealed-replica.ts';
import { valueAt } from '../schema/column-ops.ts';
import { materializeRow, StoredCells, type StoredRowReader } from './output.ts';
import { aggregateRows } from './aggregate.ts';
import { mergeQueryPartials, mergeSearch, type PartialHit, type PartialRow, type PartialSearch } from './partial.ts';
import { countRows, queryKeys, queryPartialRows, type QuerySpec } from './query-executor.ts';
import { makeReranker, roundScore, type Fused } from './rerank.ts';
import { mayScanExactly, prepareSegments, searchSegments, type SearchSpec } from './search-executor.ts';
import type { Bm25Stats, Bm25StatsRequest } from './sparse-search.ts';
import { unexpired } from './ttl.ts';
import { planSegments, queryVectors, rowFilter, type GroupBy, type RowFilter, type CountPlan, type FilterPlan, type HybridPlan, type QueryPlan, type SearchPlan } from './read-plan.ts';

/** Partial answers of the holders behind a host, for the read it was made for (timestamp bound). */
export interface PartialReader {
  search(plan: SearchPlan): Promise<PartialSearch[]>;
  query(plan: QueryPlan): Promise<PartialRow[][]>;
  count(plan: CountPlan): Promise<number[]>;
}

/** One level of the pipeline: the segments it reads itself and the holders behind it. */
export interface ReadHost {
  readonly segments: readonly Segment[];
  readonly remote?: PartialReader;
  /** How its segments' columns left in the object store are read (a writer keeping indexed vectors on disk). */
  readonly store?: HostStore;
}

/** Reads of what a host's segments left in the object store: rows for outputs, whole columns for exact scans. */
export interface HostStore extends StoredRowReader {
  /** Brings a column back into the segment for good (an exact scan of it: no index, or a grouping past the index's bound). */
  restore(seg: SealedSegment, field: string): Promise<void>;
  /**
   * Keeps the files of `segments` (insert logs, index files) from garbage collection until the
   * returned release: a read that took its segments synchronously and goes on reading them
   * asynchronously (stored cells, restored columns, index blocks) must find them even when a
   * compaction commits and garbage collection runs meanwhile.
   */
  hold(segments: readonly Segment[]): () => void;
}

/** `work`, started on a host's segments, with their files held (HostStore.hold) until it settles. */
function holding<T>(host: ReadHost, work: Promise<T>): Promise<T> {
  const release = host.store?.hold(host.segments);
  return release === undefined ? work : work.finally(release);
}

/**
 * Readers of a collection's sealed segments outside the writer (the browser's query workers,
 * LocalReaderPool in one thread). When a pool `covers` a collection, the writer reads only its
 * growing segments and the pool answers for the sealed ones in `assignment` — taken in the same
 * instant as the writer's own segment list, so no row is counted twice or missed while a flush
 * moves it. Each reader syncs its share and answers the plan at `ts`.
 */
export interface ReaderPool {
  covers(mgr: SegmentManager): boolean;
  search(info: CollectionInfo, assignment: ReplicaAssignment, plan: SearchPlan, ts: bigint): Promise<PartialSearch[]>;
  query(info: CollectionInfo, assignment: ReplicaAssignment, plan: QueryPlan, ts: bigint): Promise<PartialRow[][]>;
  count(info: CollectionInfo, assignment: ReplicaAssignment, plan: CountPlan, ts: bigint): Promise<number[]>;
  /** BM25 corpus statistics over every row of the share (proxy/text-search.ts). */
  bm25Stats(info: CollectionInfo, assignment: ReplicaAssignment, request: Bm25StatsRequest, ts: bigint): Promise<Bm25Stats>;
}

/**
 * The host of a writer that may have a reader pool: all its segments of the plan's partitions,
 * or only the growing ones with the pool answering for the sealed ones.
 */
export function writerHost(mgr: SegmentManager, info: CollectionInfo, partitionIds: readonly number[] | undefined, ts: bigint, pool: ReaderPool | undefined, assignment: () => ReplicaAssignment): ReadHost {
  const segments = mgr.segments(partitionIds === undefined ? undefined : new Set(partitionIds));
  if (pool === undefined || !pool.covers(mgr)) return { segments, store: mgr.storedColumns };
  const a = assignment();
  return {
    segments: segments.filter((s) => !s.sealed),
    remote: {
      search: (p) => pool.search(info, a, p, ts),
      query: (p) => pool.query(info, a, p, ts),
      count: (p) => pool.count(info, a, p, ts),
    },
  };
}

/** The segment search of a plan (a few fields: built per read, cheaper than a cache lookup). */
function searchSpec(p: SearchPlan): SearchSpec {
  const spec: { -readonly [K in keyof SearchSpec]: SearchSpec[K] } = {
    field: p.field,
    metric: p.metric,
    queries: queryVectors(p),
    // a reader answers the top offset + limit; the offset is applied once, at the top
    limit: p.offset + p.limit,
    offset: 0,
    params: p.params,
  };
  if (ArrayBuffer.isView(p.queries)) spec.packed = p.queries;
  const filter = rowFilter(p.filter);
  if (filter) spec.filter = filter;
  if (p.radius !== undefined) spec.radius = p.radius;
  if (p.rangeFilter !== undefined) spec.rangeFilter = p.rangeFilter;
  if (p.groupBy) {
    // a partial keeps every group its candidates hold; the top level picks the best groups
    spec.groupBy = p.groupBy;
    spec.groups = Infinity;
  }
  if (p.bm25) spec.bm25 = p.bm25;
  if (p.sparseAlgorithm) spec.sparseAlgorithm = p.sparseAlgorithm;
  return spec;
}

/**
 * A reader's partial answer to a search: per query its top offset + limit (grouped: every group
 * among its candidates, each up to group_size), rows materialized.
 */
export function readSearch(segments: readonly Segment[], ts: bigint, plan: SearchPlan, later?: StoredCells): PartialSearch {
  const g = plan.groupBy?.field.name;
  return searchSegments(planSegments(segments, plan), ts, liveSpec(plan, ts)).map((list) =>
    list.map((h) => {
      const hit: PartialHit = { pk: h.pk, distance: h.distance, row: materializeRow(plan.output, h.segment, h.row, later) };
      if (g === undefined) return hit;
      const col = h.segment.column(g);
      return { ...hit, group: col ? valueAt(col, h.row) : null };
    }),
  );
}

/**
 * Reads what indexes that read by range (IVF_PQ) need for `readSearch(segments, ts, plan)`;
 * call `readSearch` with the same segments before the returned release. Undefined when none
 * of them reads by range (the read stays synchronous).
 */
export function prepareSearch(segments: readonly Segment[], ts: bigint, plan: SearchPlan): Promise<() => void> | undefined {
  return prepareSegments(planSegments(segments, plan), ts, liveSpec(plan, ts));
}

/**
 * The fields whose whole columns `readSearch(segments, ts, plan)` reads besides its outputs: the
 * vector field when a segment may be scanned exactly (a grouping beyond the index's topk bound,
 * or strict grouping) — a reader that left it in the object store reads it back first.
 */
export function searchScanFields(segments: readonly Segment[], plan: SearchPlan): string[] {
  if (plan.groupBy === undefined) return [];
  const spec = searchSpec(plan);
  return planSegments(segments, plan).some((seg) => mayScanExactly(seg, spec)) ? [plan.field.name] : [];
}

/** The plan's segment search spec at ts, with the collection's TTL applied. */
function liveSpec(plan: SearchPlan, ts: bigint): SearchSpec {
  const spec = searchSpec(plan);
  return plan.ttlMs === undefined ? spec : ({ ...spec, filter: unexpired(plan.ttlMs, ts, spec.filter) } as SearchSpec);
}

/** A reader's partial answer to a query: its first offset + limit rows by primary key. */
export function readQuery(segments: readonly Segment[], ts: bigint, plan: QueryPlan, later?: StoredCells): PartialRow[] {
  const spec: { -readonly [K in keyof QuerySpec]: QuerySpec[K] } = { offset: plan.offset, output: plan.output };
  if (later) spec.later = later;
  const filter = liveFilter(plan, ts);
  if (filter) spec.filter = filter;
  if (plan.limit !== undefined) spec.limit = plan.limit;
  if (plan.orderBy) spec.orderBy = plan.orderBy;
  return queryPartialRows(planSegments(segments, plan), ts, spec);
}

export function readCount(segments: readonly Segment[], ts: bigint, plan: CountPlan): number {
  return countRows(planSegments(segments, plan), ts, liveFilter(plan, ts));
}

/** A plan's filter at ts, with the collection's TTL applied. */
function liveFilter(plan: QueryPlan | CountPlan, ts: bigint): RowFilter | undefined {
  return unexpired(plan.ttlMs, ts, rowFilter(plan.filter));
}

/** Primary keys of the rows a filter matches (a delete by filter), ascending. */
export function readKeys(segments: readonly Segment[], ts: bigint, filter: FilterPlan): PkValue[] {
  return queryKeys(segments, ts, rowFilter(filter));
}

/** Merges search partials: `final` applies the offset (the top level); below it, offset + limit from 0. */
export function mergeSearchPlan(plan: SearchPlan, parts: readonly PartialSearch[], final: boolean): PartialHit[][] {
  const groupBy = plan.groupBy ? { groupBy: plan.groupBy } : {};
  if (final) return roundHits(mergeSearch(parts, { metric: plan.metric, limit: plan.limit, offset: plan.offset, ...groupBy }), plan.roundDecimal);
  return mergeSearch(parts, { metric: plan.metric, limit: plan.offset + plan.limit, offset: 0, ...groupBy, groups: Infinity });
}

export function mergeQueryPlan(plan: QueryPlan, parts: readonly (readonly PartialRow[])[], final: boolean): PartialRow[] {
  if (plan.aggregate) {
    // every matching row comes up; the top level groups them (one row per group, keyless)
    const all = mergeQueryPartials(parts, 0, undefined);
    return final ? aggregateRows(plan.aggregate, all.map((r) => r.row)).map((row, i) => ({ pk: BigInt(i), ts: 0n, row })) : all;
  }
  // one holder's answer (readQuery) is already its first offset + limit rows in the answer's order
  if (parts.length === 1 && !plan.orderBy) return final ? parts[0]!.slice(plan.offset, plan.limit === undefined ? undefined : plan.offset + plan.limit) : parts[0]!.slice();
  if (final) return mergeQueryPartials(parts, plan.offset, plan.limit, plan.orderBy);
  return mergeQueryPartials(parts, 0, plan.limit === undefined ? undefined : plan.offset + plan.limit, plan.orderBy);
}

/**
 * One level of a search: its own segments and its holders' partials, merged. A level with no
 * holders behind it and no index reading by range answers synchronously (no promise hop
 * in-process).
 */
export function executeSearch(plan: SearchPlan, ts: bigint, host: ReadHost, final: boolean): PartialHit[][] | Promise<PartialHit[][]> {
  const scans = host.store === undefined ? [] : storedScans(host.segments, plan);
  if (scans.length > 0) return holding(host, restoreThenSearch(plan, ts, host, final, scans));
  const prepared = prepareSearch(host.segments, ts, plan);
  if (prepared !== undefined) return holding(host, executeRangedSearch(plan, ts, host, final, prepared));
  const later = host.store === undefined ? undefined : new StoredCells(plan.output);
  const mine = readSearch(host.segments, ts, plan, later);
  if (later !== undefined && !later.empty) return holding(host, later.fill(host.store!)).then(() => mergeMine(plan, mine, host, final));
  return mergeMine(plan, mine, host, final);
}

/**
 * The segments of a host whose search vector column is in the object store and would be
 * scanned exactly (no index on the field, or a grouping past the index's bound): their column
 * is read back before the search.
 */
function storedScans(segments: readonly Segment[], plan: SearchPlan): SealedSegment[] {
  const field = plan.field.name;
  const held = segments.filter((seg): seg is SealedSegment => seg instanceof SealedSegment && seg.inStore.has(field));
  if (held.length === 0) return [];
  const spec = searchSpec(plan);
  return held.filter((seg) => !seg.indexes.has(field) || mayScanExactly(seg, spec));
}

async function restoreThenSearch(plan: SearchPlan, ts: bigint, host: ReadHost, final: boolean, scans: readonly SealedSegment[]): Promise<PartialHit[][]> {
  await Promise.all(scans.map((seg) => host.store!.restore(seg, plan.field.name)));
  return executeSearch(plan, ts, host, final);
}

/** executeSearch where some index reads by range: its reads first (holders start at once), then the search. */
async function executeRangedSearch(plan: SearchPlan, ts: bigint, host: ReadHost, final: boolean, prepared: Promise<() => void>): Promise<PartialHit[][]> {
  const theirs = host.remote?.search(plan);
  const release = await prepared.catch(async (e: unknown) => {
    await theirs?.catch(() => undefined);
    throw e;
  });
  const later = host.store === undefined ? undefined : new StoredCells(plan.output);
  let mine: PartialSearch;
  try {
    mine = readSearch(host.segments, ts, plan, later);
  } finally {
    release();
  }
  if (later !== undefined && !later.empty) {
    try {
      await later.fill(host.store!);
    } catch (e) {
      await theirs?.catch(() => undefined);
      throw e;
    }
  }
  if (theirs !== undefined) return mergeSearchPlan(plan, [mine, ...(await theirs)], final);
  return mergeMine(plan, mine, host, final);
}

function mergeMine(plan: SearchPlan, mine: PartialSearch, host: ReadHost, final: boolean): PartialHit[][] | Promise<PartialHit[][]> {
  // one holder's answer is already its top offset + limit, keys unique
  if (host.remote === undefined) return final && (plan.offset > 0 || plan.groupBy || plan.roundDecimal !== undefined) ? mergeSearchPlan(plan, [mine], true) : mine;
  return host.remote.search(plan).then((theirs) => mergeSearchPlan(plan, [mine, ...theirs], final));
}

export function executeQuery(plan: QueryPlan, ts: bigint, host: ReadHost, final: boolean): PartialRow[] | Promise<PartialRow[]> {
  const later = host.store === undefined ? undefined : new StoredCells(plan.output);
  const mine = readQuery(host.segments, ts, plan, later);
  if (later !== undefined && !later.empty) return holding(host, later.fill(host.store!)).then(() => mergeOwnRows(plan, mine, host, final));
  return mergeOwnRows(plan, mine, host, final);
}

function mergeOwnRows(plan: QueryPlan, mine: PartialRow[], host: ReadHost, final: boolean): PartialRow[] | Promise<PartialRow[]> {
  if (host.remote === undefined) return mergeQueryPlan(plan, [mine], final);
  return host.remote.query(plan).then((theirs) => mergeQueryPlan(plan, [mine, ...theirs], final));
}

export function executeCount(plan: CountPlan, ts: bigint, host: ReadHost): number | Promise<number> {
  const mine = readCount(host.segments, ts, plan);
  if (host.remote === undefined) return mine;
  return host.remote.count(plan).then((theirs) => theirs.reduce((a, b) => a + b, mine));
}

/**
 * A hybrid search: each sub-search run by `search` (the host's own pipeline, merged to its
 * top limit), then fused per query by the reranker, offset and limit applied.
 */
export async function executeHybrid(plan: HybridPlan, search: (sub: SearchPlan, i: number) => Promise<PartialHit[][]>): Promise<Fused[][]> {
  const rerank = makeReranker(plan.rerank, plan.subs.map((s) => s.metric));
  const perSub: PartialHit[][][] = [];
  for (let i = 0; i < plan.subs.length; i++) perSub.push(await search(plan.subs[i]!, i));
  return Array.from({ length: plan.nq }, (_, q) => {
    const fused = rerank(perSub.map((lists) => lists[q] ?? []));
    const page = plan.groupBy ? groupFused(fused, plan.groupBy, plan.offset, plan.limit) : fused.slice(plan.offset, plan.offset + plan.limit);
    return plan.roundDecimal === undefined ? page : page.map((f) => ({ ...f, score: roundScore(f.score, plan.roundDecimal!) }));
  });
}

/**
 * A grouping hybrid search's page: the fused hits (best first) in groups of the group field's
 * value, each group ranked by its best hit and holding up to group_size hits; `strict` drops a
 * group with fewer; offset and limit count groups.
 */
function groupFused(fused: readonly Fused[], g: GroupBy, offset: number, limit: number): Fused[] {
  const groups = new Map<unknown, Fused[]>();
  for (const f of fused) {
    const b = groups.get(f.hit.group);
    if (b === undefined) groups.set(f.hit.group, [f]);
    else if (b.length < g.size) b.push(f);
  }
  const kept = [...groups.values()].filter((b) => !g.strict || b.length >= g.size);
  return kept.slice(offset, offset + limit).flat();
}

function roundHits(hits: PartialHit[][], decimals: number | undefined): PartialHit[][] {
  if (decimals === undefined) return hits;
  return hits.map((list) => list.map((h) => ({ ...h, distance: roundScore(h.distance, decimals) })));
}
