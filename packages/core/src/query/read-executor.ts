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
import type { ReplicaAssignment } from '../segments/sealed-replica.ts';
import { valueAt } from '../schema/column-ops.ts';
import { materializeRow } from './output.ts';
import { mergeQueryPartials, mergeSearch, type PartialHit, type PartialRow, type PartialSearch } from './partial.ts';
import { countRows, queryKeys, queryPartialRows } from './query-executor.ts';
import { makeReranker, type Fused } from './rerank.ts';
import { prepareSegments, searchSegments, type SearchSpec } from './search-executor.ts';
import type { Bm25Stats, Bm25StatsRequest } from './sparse-search.ts';
import { queryVectors, rowFilter, type CountPlan, type FilterPlan, type HybridPlan, type QueryPlan, type SearchPlan } from './read-plan.ts';

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
  if (pool === undefined || !pool.covers(mgr)) return { segments };
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

const specs = new WeakMap<SearchPlan, SearchSpec>();

/** The segment search of a plan (built once per plan object in this host). */
function searchSpec(p: SearchPlan): SearchSpec {
  let spec = specs.get(p);
  if (spec !== undefined) return spec;
  const filter = rowFilter(p.filter);
  spec = {
    field: p.field,
    metric: p.metric,
    queries: queryVectors(p),
    ...(ArrayBuffer.isView(p.queries) ? { packed: p.queries } : {}),
    // a reader answers the top offset + limit; the offset is applied once, at the top
    limit: p.offset + p.limit,
    offset: 0,
    params: p.params,
    ...(filter ? { filter } : {}),
    ...(p.radius !== undefined ? { radius: p.radius } : {}),
    ...(p.rangeFilter !== undefined ? { rangeFilter: p.rangeFilter } : {}),
    // a partial keeps every group its candidates hold; the top level picks the best groups
    ...(p.groupBy ? { groupBy: p.groupBy, groups: Infinity } : {}),
    ...(p.bm25 ? { bm25: p.bm25 } : {}),
  };
  specs.set(p, spec);
  return spec;
}

/**
 * A reader's partial answer to a search: per query its top offset + limit (grouped: every group
 * among its candidates, each up to group_size), rows materialized.
 */
export function readSearch(segments: readonly Segment[], ts: bigint, plan: SearchPlan): PartialSearch {
  const g = plan.groupBy?.field.name;
  return searchSegments(segments, ts, searchSpec(plan)).map((list) =>
    list.map((h) => {
      const hit: PartialHit = { pk: h.pk, distance: h.distance, row: materializeRow(plan.output, h.segment, h.row) };
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
  return prepareSegments(segments, ts, searchSpec(plan));
}

/** A reader's partial answer to a query: its first offset + limit rows by primary key. */
export function readQuery(segments: readonly Segment[], ts: bigint, plan: QueryPlan): PartialRow[] {
  const filter = rowFilter(plan.filter);
  return queryPartialRows(segments, ts, { ...(filter ? { filter } : {}), ...(plan.limit !== undefined ? { limit: plan.limit } : {}), offset: plan.offset, output: plan.output });
}

export function readCount(segments: readonly Segment[], ts: bigint, plan: CountPlan): number {
  return countRows(segments, ts, rowFilter(plan.filter));
}

/** Primary keys of the rows a filter matches (a delete by filter), ascending. */
export function readKeys(segments: readonly Segment[], ts: bigint, filter: FilterPlan): PkValue[] {
  return queryKeys(segments, ts, rowFilter(filter));
}

/** Merges search partials: `final` applies the offset (the top level); below it, offset + limit from 0. */
export function mergeSearchPlan(plan: SearchPlan, parts: readonly PartialSearch[], final: boolean): PartialHit[][] {
  const groupBy = plan.groupBy ? { groupBy: plan.groupBy } : {};
  if (final) return mergeSearch(parts, { metric: plan.metric, limit: plan.limit, offset: plan.offset, ...groupBy });
  return mergeSearch(parts, { metric: plan.metric, limit: plan.offset + plan.limit, offset: 0, ...groupBy, groups: Infinity });
}

export function mergeQueryPlan(plan: QueryPlan, parts: readonly (readonly PartialRow[])[], final: boolean): PartialRow[] {
  if (final) return mergeQueryPartials(parts, plan.offset, plan.limit);
  return mergeQueryPartials(parts, 0, plan.limit === undefined ? undefined : plan.offset + plan.limit);
}

/** One level of a search: its own segments and its holders' partials, merged. */
export async function executeSearch(plan: SearchPlan, ts: bigint, host: ReadHost, final: boolean): Promise<PartialHit[][]> {
  const prepared = prepareSearch(host.segments, ts, plan);
  let mine: PartialSearch;
  if (prepared === undefined) mine = readSearch(host.segments, ts, plan);
  else {
    // holders start at once, as they would without range reads here
    const theirs = host.remote?.search(plan);
    const release = await prepared.catch(async (e: unknown) => {
      await theirs?.catch(() => undefined);
      throw e;
    });
    try {
      mine = readSearch(host.segments, ts, plan);
    } finally {
      release();
    }
    if (theirs !== undefined) return mergeSearchPlan(plan, [mine, ...(await theirs)], final);
  }
  // one holder's answer is already its top offset + limit, keys unique
  if (host.remote === undefined) return final && (plan.offset > 0 || plan.groupBy) ? mergeSearchPlan(plan, [mine], true) : mine;
  return mergeSearchPlan(plan, [mine, ...(await host.remote.search(plan))], final);
}

export async function executeQuery(plan: QueryPlan, ts: bigint, host: ReadHost, final: boolean): Promise<PartialRow[]> {
  const mine = readQuery(host.segments, ts, plan);
  const theirs = host.remote === undefined ? [] : await host.remote.query(plan);
  return mergeQueryPlan(plan, [mine, ...theirs], final);
}

export async function executeCount(plan: CountPlan, ts: bigint, host: ReadHost): Promise<number> {
  const mine = readCount(host.segments, ts, plan);
  const theirs = host.remote === undefined ? [] : await host.remote.count(plan);
  return theirs.reduce((a, b) => a + b, mine);
}

/**
 * A hybrid search: each sub-search run by `search` (the host's own pipeline, merged to its
 * top limit), then fused per query by the reranker, offset and limit applied.
 */
export async function executeHybrid(plan: HybridPlan, search: (sub: SearchPlan, i: number) => Promise<PartialHit[][]>): Promise<Fused[][]> {
  const rerank = makeReranker(plan.rerank, plan.subs.map((s) => s.metric));
  const perSub: PartialHit[][][] = [];
  for (let i = 0; i < plan.subs.length; i++) perSub.push(await search(plan.subs[i]!, i));
  return Array.from({ length: plan.nq }, (_, q) => rerank(perSub.map((lists) => lists[q] ?? [])).slice(plan.offset, plan.offset + plan.limit));
}
