/**
 * prepare(): a search, query, count or hybrid search request checked against a collection
 * into a ReadPlan (the PreExecute half of Milvus's search and query tasks). It runs once, at
 * the entry point — the proxy task, the edge Worker — and every level below gets the plan
 * (query/read-plan.ts), never the raw request.
 */
import { VesperError } from '../errors/index.ts';
import type { CollectionInfo } from '../catalog/types.ts';
import type { ConsistencyLevel } from '../schema/types.ts';
import { DataType } from '../schema/data-type.ts';
import type { SparseVector } from '../schema/columns.ts';
import { planOutput } from '../query/output.ts';
import type { CountPlan, HybridPlan, QueryPlan, SearchPlan, SparseAlgorithm } from '../query/read-plan.ts';
import { makeReranker, type Reranker } from '../query/rerank.ts';
import type { QueryVector } from '../query/exact-search.ts';
import { filterPlan, parseIds, type FilterRequest } from './filter.ts';
import { MAX_TOPK, optInt, parseConsistency, partitionIds } from './request-utils.ts';
import { REQUEST_LIMITS, checkOutputSize } from './request-limits.ts';
import { parseSearch, type SearchRequestFields } from './search-request.ts';
import { ttlMsOf } from '../segments/expiry.ts';
import { aggregateInputs, groupByNames, isAggregateOutput, parseAggregate } from '../query/aggregate.ts';
import { boolOption, parseOrderBy, refuseRerankFunction, roundDecimalOption, takeOptions } from './read-options.ts';
import { probeRequest, resolvedRequest, textSearch, type Bm25Stats, type TextSearch } from './text-search.ts';
import { showValue } from '../util/show-value.ts';

export interface SearchRequestBody extends SearchRequestFields, FilterRequest {
  output_fields?: string[];
  partition_names?: string[];
  consistency_level?: ConsistencyLevel | number;
}

export interface QueryRequestBody extends FilterRequest {
  output_fields?: string[];
  limit?: number;
  offset?: number;
  partition_names?: string[];
  consistency_level?: ConsistencyLevel | number;
  /** Get: primary keys to fetch. */
  ids?: unknown;
  /** Read sealed segments only (also accepted inside `params`). */
  ignore_growing?: boolean;
  /** Milvus 2.6: `"f:asc"`, `"f:desc"`, ... (read-options.ts). */
  order_by_fields?: unknown;
  order_by?: unknown;
  /** Query parameters as the SDK sends them (`ignore_growing` is read from here). */
  params?: Record<string, unknown>;
  /** Milvus 2.6 query aggregation: rows grouped by these fields, aggregates in `output_fields` (query/aggregate.ts). */
  group_by_fields?: unknown;
}

export interface HybridSearchRequest {
  db_name?: string;
  collection_name: string;
  /** The sub-searches (the SDK's `data`; REST calls it `search`). */
  data?: (SearchRequestFields & FilterRequest)[];
  search?: (SearchRequestFields & FilterRequest)[];
  rerank?: Reranker;
  limit?: number;
  offset?: number;
  output_fields?: string[];
  partition_names?: string[];
  consistency_level?: ConsistencyLevel | number;
  session_ts?: string;
  /** Every sub-search reads sealed segments only (a sub-search may also set it). */
  ignore_growing?: boolean;
  /** Grouping of the fused results: each sub-search is grouped by the field, then the fused hits. */
  group_by_field?: string;
  group_size?: number;
  strict_group_size?: boolean;
  /** How a group ranks: by its best hit (`max`, Milvus's default); `sum` / `avg` are refused. */
  rank_group_scorer?: string;
  round_decimal?: number;
}

/**
 * The partitions a read covers: the named ones (a released one is 201), or every loaded one
 * (undefined when none is released: all).
 */
function partitionList(info: CollectionInfo, names: unknown): number[] | undefined {
  const ids = partitionIds(info, names);
  const released = new Set(info.releasedPartitions ?? []);
  if (ids === undefined) return released.size === 0 ? undefined : info.partitions.map((p) => p.id).filter((id) => !released.has(id));
  for (const id of ids) {
    if (released.has(id)) throw new VesperError('PARTITION_NOT_LOADED', `partition not loaded[partition=${info.partitions.find((p) => p.id === id)?.name ?? id}]`);
  }
  return [...ids];
}

/** Dense query vectors in one typed array, row after row; sparse ones as they are. */
function packVectors(vectors: readonly QueryVector[]): SearchPlan['queries'] {
  const first = vectors[0];
  // one fresh vector (parseQueryVectors copies every dense query): it is the packed array
  if (vectors.length === 1 && (first instanceof Float32Array || first instanceof Uint8Array)) return first;
  if (first instanceof Float32Array || first instanceof Uint8Array) {
    const out = first instanceof Float32Array ? new Float32Array(vectors.length * first.length) : new Uint8Array(vectors.length * first.length);
    vectors.forEach((v, i) => out.set(v as Float32Array & Uint8Array, i * first.length));
    return out;
  }
  return vectors as readonly SparseVector[];
}

export function prepareSearch(info: CollectionInfo, req: SearchRequestBody): SearchPlan {
  const parsed = parseSearch(info, req);
  const filter = filterPlan(info.schema, req);
  const output = planOutput(info.schema, req.output_fields);
  const perQuery = (parsed.offset + parsed.limit) * (parsed.groupBy?.size ?? 1);
  checkOutputSize('search', parsed.vectors.length * perQuery, output);
  const parts = partitionList(info, req.partition_names);
  const plan: Mutable<SearchPlan> = {
    kind: 'search',
    field: parsed.field,
    metric: parsed.metric,
    nq: parsed.vectors.length,
    queries: packVectors(parsed.vectors),
    single: parsed.single,
    limit: parsed.limit,
    offset: parsed.offset,
    params: parsed.params,
    output,
    level: parseConsistency(req.consistency_level, info.consistencyLevel),
  };
  // optional parts set only when present (a plan is plain data: no undefined-valued keys)
  if (parsed.ignoreGrowing) plan.ignoreGrowing = true;
  if (parsed.roundDecimal !== undefined) plan.roundDecimal = parsed.roundDecimal;
  const ttlMs = ttlMsOf(info.properties);
  if (ttlMs !== undefined) plan.ttlMs = ttlMs;
  if (parsed.radius !== undefined) plan.radius = parsed.radius;
  if (parsed.rangeFilter !== undefined) plan.rangeFilter = parsed.rangeFilter;
  if (parsed.groupBy) plan.groupBy = parsed.groupBy;
  if (parsed.bm25) plan.bm25 = parsed.bm25;
  if (parsed.field.data_type === DataType.SparseFloatVector) plan.sparseAlgorithm = sparseAlgorithmOf(info, parsed.field.name);
  if (filter) plan.filter = filter;
  if (parts) plan.partitionIds = parts;
  return plan;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The algorithm a sparse field's index names (validated at createIndex); DAAT_MAXSCORE, Milvus's default, when none does. */
function sparseAlgorithmOf(info: CollectionInfo, field: string): SparseAlgorithm {
  const idx = info.indexes.find((i) => i.fieldName === field);
  const named = idx?.params['inverted_index_algo'];
  if (named === 'TAAT_NAIVE' || named === 'DAAT_WAND' || named === 'DAAT_MAXSCORE') return named;
  return idx?.indexType.toUpperCase() === 'SPARSE_WAND' ? 'DAAT_WAND' : 'DAAT_MAXSCORE';
}

/** The keys a hybrid sub-search takes (a search's own; paging, grouping and reranking belong to the hybrid search). */
const SUB_SEARCH_KEYS: ReadonlySet<string> = new Set([
  'data', 'vector', 'vectors', 'anns_field', 'limit', 'topk', 'filter', 'expr', 'filter_params', 'exprParams',
  'params', 'search_params', 'metric_type', 'ignore_growing', 'output_fields',
]);

/** The keys a query's `params` may hold (the SDK's place for these options). */
const QUERY_PARAM_KEYS: ReadonlySet<string> = new Set(['ignore_growing', 'ignoreGrowing', 'order_by_fields', 'orderByFields', 'order_by', 'group_by_fields', 'groupByFields']);

/** Milvus's query rules: count(*) alone, limit + offset bounded, a query without a filter needs a limit. */
export function prepareQuery(info: CollectionInfo, r: QueryRequestBody): QueryPlan | CountPlan {
  const filter = r.ids !== undefined && r.ids !== null ? { keys: parseIds(info.schema, r.ids) } : filterPlan(info.schema, r);
  const fields: unknown = r.output_fields ?? [];
  // the request may come from JSON: anything but a list of names is a coded error, not a crash
  if (!Array.isArray(fields)) throw new VesperError('PARAMETER_INVALID', `output_fields must be a list of field names, got ${showValue(fields)?.slice(0, 80)}`);
  const params = r.params !== null && typeof r.params === 'object' ? { ...r.params } : undefined;
  if (r.params !== undefined && params === undefined) throw new VesperError('PARAMETER_INVALID', `query params must be an object, got ${showValue(r.params)}`);
  for (const k in params) {
    if (!QUERY_PARAM_KEYS.has(k)) throw new VesperError('PARAMETER_INVALID', `query param ${showValue(k)} is not supported (params takes ${[...QUERY_PARAM_KEYS].join(', ')})`, { param: k });
  }
  const top = r as Readonly<Record<string, unknown>>;
  const [groupByOpt, ignoreGrowingOpt, orderByOpt] = takeOptions(top, params, ['group_by_fields', 'groupByFields'], ['ignore_growing', 'ignoreGrowing'], ['order_by_fields', 'orderByFields', 'order_by']);
  const groupBy = groupByNames(groupByOpt);
  const names = fields.filter((f): f is string => typeof f === 'string');
  // aggregation: group fields, or an aggregate other than a lone count(*)
  const aggregating = groupBy !== undefined || names.some((f) => isAggregateOutput(f) && f.trim().toLowerCase() !== 'count(*)');
  const count = !aggregating && fields.some((f) => typeof f === 'string' && f.trim().toLowerCase() === 'count(*)');
  if (count && fields.length > 1) throw new VesperError('PARAMETER_INVALID', 'count entities with pagination or other output fields is not allowed');
  const window = REQUEST_LIMITS.maxQueryResultWindow;
  const limit = optInt(r.limit, 'limit', 0, window);
  const offset = optInt(r.offset, 'offset', 0, window) ?? 0;
  if (limit !== undefined && limit + offset > window) {
    throw new VesperError('PARAMETER_INVALID', `limit + offset should be in range [0, ${window}], got ${limit + offset}`);
  }
  if (!count && !aggregating && !filter && limit === undefined) throw new VesperError('PARAMETER_INVALID', 'empty expression should be used with limit');
  const parts = partitionList(info, r.partition_names);
  const ignoreGrowing = boolOption(ignoreGrowingOpt, 'ignore_growing') === true;
  const orderBy = parseOrderBy(info.schema, orderByOpt);
  if (count && orderBy) throw new VesperError('PARAMETER_INVALID', 'order_by_fields cannot be combined with count(*)');
  const level = parseConsistency(r.consistency_level, info.consistencyLevel);
  const aggregate = aggregating ? parseAggregate(info.schema, groupBy ?? [], names, { offset, ...(limit !== undefined ? { limit } : {}), ...(orderBy ? { orderBy } : {}) }) : undefined;
  if (aggregate) {
    // every matching row, only the fields the aggregation reads; the page is the aggregation's
    const plan: Mutable<QueryPlan> = { kind: 'query', level, output: planOutput(info.schema, aggregateInputs(aggregate)), offset: 0, aggregate };
    if (filter) plan.filter = filter;
    if (parts) plan.partitionIds = parts;
    if (ignoreGrowing) plan.ignoreGrowing = true;
    const ttlMs = ttlMsOf(info.properties);
    if (ttlMs !== undefined) plan.ttlMs = ttlMs;
    return plan;
  }
  const plan: Mutable<QueryPlan> | Mutable<CountPlan> = count ? { kind: 'count', level } : { kind: 'query', level, output: planOutput(info.schema, fields), offset };
  // optional parts set only when present (a plan is plain data: no undefined-valued keys)
  if (filter) plan.filter = filter;
  if (parts) plan.partitionIds = parts;
  if (ignoreGrowing) plan.ignoreGrowing = true;
  const ttlMs = ttlMsOf(info.properties);
  if (ttlMs !== undefined) plan.ttlMs = ttlMs;
  if (plan.kind === 'query') {
    if (limit !== undefined) plan.limit = limit;
    if (orderBy) plan.orderBy = orderBy;
  }
  return plan;
}

export async function prepareHybrid(info: CollectionInfo, r: HybridSearchRequest): Promise<HybridPlan> {
  const reqs = r.data ?? r.search;
  if (!Array.isArray(reqs) || reqs.length === 0) throw new VesperError('PARAMETER_MISSING', 'hybrid search needs a list of sub-searches');
  if (reqs.length > 1024) throw new VesperError('PARAMETER_INVALID', 'too many sub-searches in one hybrid search');
  refuseRerankFunction(r.rerank);
  const roundDecimal = roundDecimalOption(r.round_decimal);
  const scorer = r.rank_group_scorer;
  if (scorer !== undefined && scorer !== 'max') throw new VesperError('PARAMETER_INVALID', `rank_group_scorer ${showValue(scorer)} is not supported: groups rank by their best hit (max)`);
  const grouping = r.group_by_field ? { group_by_field: r.group_by_field, group_size: r.group_size, strict_group_size: r.strict_group_size } : {};
  const subs: SearchPlan[] = [];
  const texts: (HybridText | undefined)[] = [];
  for (const s of reqs) {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new VesperError('PARAMETER_INVALID', `a hybrid sub-search must be an object, got ${showValue(s)}`);
    for (const k of ['group_by_field', 'group_size', 'strict_group_size', 'round_decimal', 'rerank'] as const) {
      if ((s as Record<string, unknown>)[k] !== undefined) throw new VesperError('PARAMETER_INVALID', `${k} is set on the hybrid search, not on a sub-search`);
    }
    for (const k in s) {
      if (Object.hasOwn(s, k) && !SUB_SEARCH_KEYS.has(k) && (s as Record<string, unknown>)[k] !== undefined) {
        throw new VesperError('PARAMETER_INVALID', `a hybrid sub-search does not take ${showValue(k)} (it takes ${[...SUB_SEARCH_KEYS].join(', ')})`, { param: k });
      }
    }
    const request: SearchRequestBody = {
      ...s,
      ...grouping,
      ...(r.ignore_growing !== undefined && (s as { ignore_growing?: unknown }).ignore_growing === undefined ? { ignore_growing: r.ignore_growing } : {}),
      offset: 0,
      ...(r.output_fields !== undefined ? { output_fields: r.output_fields } : {}),
      ...(r.partition_names !== undefined ? { partition_names: r.partition_names } : {}),
    };
    const text = await textSearch(info, request);
    subs.push(prepareSearch(info, text ? probeRequest(request, text) : request));
    texts.push(text ? { request, text } : undefined);
  }
  const nq = subs[0]!.nq;
  if (subs.some((s) => s.nq !== nq)) throw new VesperError('PARAMETER_INVALID', 'every sub-search of a hybrid search must have the same number of query vectors');
  const limit = optInt(r.limit, 'limit', 1, MAX_TOPK) ?? 10;
  const offset = optInt(r.offset, 'offset', 0, MAX_TOPK) ?? 0;
  if (limit + offset > MAX_TOPK) throw new VesperError('PARAMETER_INVALID', `limit + offset should be at most ${MAX_TOPK}`);
  const rerank = r.rerank ?? { strategy: 'rrf' as const };
  // checked here, at the entry point; the executor builds the same reranker from the plan
  makeReranker(rerank, subs.map((s) => s.metric));
  const groupBy = subs[0]!.groupBy;
  const plan: HybridPlan = {
    kind: 'hybrid',
    subs,
    rerank: structuredRerank(rerank),
    limit,
    offset,
    nq,
    level: parseConsistency(r.consistency_level, info.consistencyLevel),
    ...(groupBy ? { groupBy } : {}),
    ...(roundDecimal !== undefined ? { roundDecimal } : {}),
  };
  return texts.some((t) => t !== undefined) ? { ...plan, texts } : plan;
}

/**
 * A full-text sub-search of a hybrid search (entry point only): planned again with the
 * collection's BM25 statistics once the read timestamp is known.
 */
export interface HybridText {
  readonly request: SearchRequestBody;
  readonly text: TextSearch;
}

/** A hybrid sub-plan ready to run: a text sub-search resolved with its statistics (`stats` fetches them at the read's snapshot). */
export async function resolvedSub(info: CollectionInfo, plan: HybridPlan, i: number, stats: (req: TextSearch['stats']) => Promise<Bm25Stats>): Promise<SearchPlan> {
  // prepareHybrid put them there
  const t = plan.texts?.[i] as HybridText | undefined;
  if (t === undefined) return plan.subs[i]!;
  return prepareSearch(info, resolvedRequest(t.request, t.text, await stats(t.text.stats)));
}

/** The reranker as plain data (a request object may carry other keys). */
function structuredRerank(rr: Reranker): Reranker {
  const params = rr.params === undefined ? {} : { params: { ...(rr.params.k !== undefined ? { k: rr.params.k } : {}), ...(rr.params.weights !== undefined ? { weights: [...rr.params.weights] } : {}) } };
  return { strategy: rr.strategy, ...params };
}
