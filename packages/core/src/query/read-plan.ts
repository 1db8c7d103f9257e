/**
 * ReadPlan: a search, query, count or hybrid search prepared once at the entry point (the
 * proxy task in Node and the browser's engine worker, the Worker's fetch handler at the edge)
 * and handed unchanged to every level below — shards, readers, segments. It is plain
 * structured-clonable data (typed arrays, bigint, strings, numbers), so it crosses postMessage
 * and Durable Object RPC as it is; nobody below the entry point parses the request again:
 * - the filter is the checked predicate tree (expr's `CheckedFilter`) or a list of primary keys,
 *   turned into an evaluator where the segments are (`rowFilter`, once per plan and host);
 * - query vectors are packed row after row in one typed array (`Float32Array` for float-domain
 *   fields, `Uint8Array` for binary), sparse ones as a list;
 * - field schemas, output fields, partition ids, limits and grouping are resolved.
 * The read timestamp is not in the plan: each level receives it with the plan (a plan is
 * prepared before the consistency wait decides it).
 */
import type { ConsistencyLevel, FieldSchema, MetricType } from '../schema/types.ts';
import type { SparseVector } from '../schema/columns.ts';
import { evaluatorOf, type CheckedFilter } from '../expr/index.ts';
import type { Segment, PkValue } from '../segments/segment.ts';
import { Bitset } from '../util/bitset.ts';
import { VesperError } from '../errors/index.ts';
import type { ColumnSet } from '../schema/columns.ts';
import type { OutputPlan } from './output.ts';
import type { QueryVector } from './exact-search.ts';
import type { Bm25Params, SparseAlgorithm } from './sparse-search.ts';

/** A hybrid search's reranker as the request names it (plain data: it travels in a plan). */
export interface Reranker {
  strategy: 'rrf' | 'weighted';
  params?: { k?: number; weights?: number[] };
}

/** A checked filter expression, or the primary keys of a get (`ids`). */
export type FilterPlan = CheckedFilter | { readonly keys: readonly PkValue[] };

/** One `order_by_fields` key of a query: ascending unless `desc`; where nulls go. */
export interface OrderBy {
  readonly field: string;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
}

/** Query aggregation (query/aggregate.ts runs it). */
export type AggregateFn = 'count' | 'sum' | 'min' | 'max' | 'avg';

/** One output column: a group field (no `fn`), `count(*)` (fn without field) or fn(field). */
export interface AggregateOutput {
  readonly name: string;
  readonly fn?: AggregateFn;
  readonly field?: string;
  /** sum of an integer field: exact (bigint). */
  readonly integer?: boolean;
}

export interface AggregatePlan {
  readonly groupBy: readonly string[];
  readonly outputs: readonly AggregateOutput[];
  readonly offset: number;
  readonly limit?: number;
  readonly orderBy?: readonly OrderBy[];
}

export interface GroupBy {
  readonly field: FieldSchema;
  readonly size: number;
  readonly strict: boolean;
}

export interface SearchPlan {
  readonly kind: 'search';
  readonly field: FieldSchema;
  readonly metric: MetricType;
  readonly nq: number;
  /** Dense queries packed row after row; sparse queries one by one. */
  readonly queries: Float32Array | Uint8Array | readonly SparseVector[];
  /** One query vector sent alone (the answer is a flat list, as the Milvus SDK gives it). */
  readonly single: boolean;
  readonly limit: number;
  readonly offset: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly radius?: number;
  readonly rangeFilter?: number;
  readonly groupBy?: GroupBy;
  /** BM25 (text search): k1, b and the collection's average document length; the queries carry the idf. */
  readonly bm25?: Bm25Params;
  readonly filter?: FilterPlan;
  readonly output: OutputPlan;
  /** Partitions read; undefined = all. */
  readonly partitionIds?: readonly number[];
  readonly level: ConsistencyLevel;
  /** `ignore_growing`: read sealed segments only. */
  readonly ignoreGrowing?: boolean;
  /** The collection's TTL in ms: rows older than the read timestamp minus this are invisible (query/ttl.ts). */
  readonly ttlMs?: number;
  /** `round_decimal` 0..6: final scores rounded to that many decimals (absent = unrounded). */
  readonly roundDecimal?: number;
  /**
   * Sparse fields: how sealed segments' postings are walked (the index's `inverted_index_algo`;
   * SPARSE_WAND: DAAT_WAND; default DAAT_MAXSCORE). Every algorithm gives the same exact top k.
   */
  readonly sparseAlgorithm?: SparseAlgorithm;
}

export type { SparseAlgorithm } from './sparse-search.ts';

export interface QueryPlan {
  readonly kind: 'query';
  readonly filter?: FilterPlan;
  readonly output: OutputPlan;
  readonly limit?: number;
  readonly offset: number;
  readonly partitionIds?: readonly number[];
  readonly level: ConsistencyLevel;
  readonly ignoreGrowing?: boolean;
  readonly ttlMs?: number;
  /** `order_by_fields`: rows in this order (ties by primary key) instead of by primary key. */
  readonly orderBy?: readonly OrderBy[];
  /**
   * `group_by_fields` / aggregate outputs: the rows (every match: no limit, offset 0, by key)
   * are aggregated at the top level, which applies the aggregation's own page (aggregate.ts).
   */
  readonly aggregate?: AggregatePlan;
}

/** `output_fields: ["count(*)"]`: distinct live keys matching the filter. */
export interface CountPlan {
  readonly kind: 'count';
  readonly filter?: FilterPlan;
  readonly partitionIds?: readonly number[];
  readonly level: ConsistencyLevel;
  readonly ignoreGrowing?: boolean;
  readonly ttlMs?: number;
}

export interface HybridPlan {
  readonly kind: 'hybrid';
  /** Each sub-search with the hybrid's output fields and partitions, offset 0. */
  readonly subs: readonly SearchPlan[];
  readonly rerank: Reranker;
  readonly limit: number;
  readonly offset: number;
  readonly nq: number;
  readonly level: ConsistencyLevel;
  /** Grouping of the fused hits (every sub-search is grouped by the same field). */
  readonly groupBy?: GroupBy;
  readonly roundDecimal?: number;
  /** Full-text sub-searches, by position (entry point only: resolved there with BM25 statistics, proxy/prepared.ts). */
  readonly texts?: readonly unknown[];
}

export type ReadPlan = SearchPlan | QueryPlan | CountPlan | HybridPlan;

// What comes back up: partial answers, plain data too (merged in partial.ts).

export interface PartialHit {
  readonly pk: PkValue;
  readonly distance: number;
  /** The output row (engine values: Int64 as bigint). */
  readonly row: Record<string, unknown>;
  /** The group field's value, for grouping searches. */
  readonly group?: unknown;
}

/** Per query vector, best first: at most offset + limit hits (or that many groups). */
export type PartialSearch = PartialHit[][];

export interface PartialRow {
  readonly pk: PkValue;
  /** Write timestamp of the row (the newest wins when two holders return a key). */
  readonly ts: bigint;
  readonly row: Record<string, unknown>;
  /** The `order_by_fields` values of the row, in order (ordered queries only). */
  readonly order?: readonly unknown[];
}

/** What a search needs of a filter (expr's CompiledFilter satisfies it). */
export interface RowFilter {
  evaluate(cols: ColumnSet, candidates?: Bitset): Bitset;
  /** Set when the filter selects exactly these primary keys: a reader may look their rows up instead of evaluating. */
  readonly lookup?: readonly PkValue[];
}

const evaluators = new WeakMap<CheckedFilter, RowFilter>();

/**
 * The evaluator of a plan's filter, built once per plan object in this host (a plan that
 * crossed a boundary is a new object: its evaluator is built there, from the checked tree).
 */
export function rowFilter(f: FilterPlan | undefined): RowFilter | undefined {
  if (f === undefined) return undefined;
  // a key lookup costs nothing to build
  if ('keys' in f) return keysFilter(f.keys);
  let e = evaluators.get(f);
  if (e === undefined) {
    e = evaluatorOf(f);
    evaluators.set(f, e);
  }
  return e;
}

/** The primary keys a filter is exactly a lookup of (a get, or `pk in [...]`), else undefined. */
export function filterKeys(f: FilterPlan | undefined): readonly PkValue[] | undefined {
  if (f === undefined) return undefined;
  return 'keys' in f ? f.keys : f.primaryKeys;
}

/** A filter selecting rows by primary key through each segment's key index. */
function keysFilter(pks: readonly PkValue[]): RowFilter {
  return {
    lookup: pks,
    evaluate(cols: ColumnSet): Bitset {
      if (!('rowsOf' in cols)) throw new VesperError('INTERNAL', 'a key filter needs a segment');
      const seg = cols as Segment;
      const out = new Bitset(cols.rowCount);
      for (const pk of pks) for (const r of seg.rowsOf(pk)) out.set(r);
      return out;
    },
  };
}

/** The plan's query vectors one by one (views into the packed array, no copy). */
export function queryVectors(p: SearchPlan): QueryVector[] {
  const q = p.queries;
  if (!ArrayBuffer.isView(q)) return [...q];
  if (p.nq === 1) return [q];
  const d = q.length / p.nq;
  const out: QueryVector[] = [];
  for (let i = 0; i < p.nq; i++) out.push(q.subarray(i * d, (i + 1) * d));
  return out;
}

/** The segments a plan reads among a host's: sealed ones only under `ignore_growing`. */
export function planSegments(segments: readonly Segment[], plan: { readonly ignoreGrowing?: boolean }): readonly Segment[] {
  return plan.ignoreGrowing === true ? segments.filter((s) => s.sealed) : segments;
}

/** Partition ids as a set for `SegmentManager.segments` (undefined = all). */
export function partitionSet(ids: readonly number[] | undefined): Set<number> | undefined {
  return ids === undefined ? undefined : new Set(ids);
}
