/**
 * Search and query requests parsed against a collection (the PreExecute half of Milvus's
 * search and query tasks), shared by the tasks and by every holder of segments that answers
 * a share of a request: a reader re-prepares the same request and gets the same plan.
 */
import { VesperError } from '../errors/index.ts';
import type { CollectionInfo } from '../catalog/types.ts';
import type { ConsistencyLevel } from '../schema/types.ts';
import type { SegmentManager } from '../segments/segment-manager.ts';
import type { ReplicaAssignment } from '../segments/sealed-replica.ts';
import type { SearchSpec } from '../query/search-executor.ts';
import { planOutput, type OutputPlan } from '../query/output.ts';
import type { PartialRow, PartialSearch } from '../query/partial.ts';
import type { QuerySpec } from '../query/query-executor.ts';
import { keysFilter, parseIds, requestFilter, type FilterRequest, type RequestFilter } from './filter.ts';
import { optInt, parseConsistency, partitionIds } from './request-utils.ts';
import { REQUEST_LIMITS, checkOutputSize } from './request-limits.ts';
import { parseSearch, type ParsedSearch, type SearchRequestFields } from './search-request.ts';
import type { Bm25Stats, Bm25StatsRequest } from './text-search.ts';

export interface SearchRequestBody extends SearchRequestFields, FilterRequest {
  output_fields?: string[];
  partition_names?: string[];
  consistency_level?: ConsistencyLevel | number;
}

export interface PreparedSearch {
  readonly parsed: ParsedSearch;
  readonly spec: SearchSpec;
  readonly output: OutputPlan;
  readonly parts: Set<number> | undefined;
  readonly level: ConsistencyLevel;
}

export function prepareSearch(info: CollectionInfo, req: SearchRequestBody): PreparedSearch {
  const parsed = parseSearch(info, req);
  const filter = requestFilter(info.schema, req);
  const spec: SearchSpec = {
    field: parsed.field,
    metric: parsed.metric,
    queries: parsed.vectors,
    limit: parsed.limit,
    offset: parsed.offset,
    params: parsed.params,
    ...(filter ? { filter } : {}),
    ...(parsed.radius !== undefined ? { radius: parsed.radius } : {}),
    ...(parsed.rangeFilter !== undefined ? { rangeFilter: parsed.rangeFilter } : {}),
    ...(parsed.groupBy ? { groupBy: parsed.groupBy } : {}),
    ...(parsed.bm25 ? { bm25: parsed.bm25 } : {}),
  };
  const output = planOutput(info.schema, req.output_fields);
  const perQuery = (parsed.offset + parsed.limit) * (parsed.groupBy?.size ?? 1);
  checkOutputSize('search', parsed.vectors.length * perQuery, output);
  return {
    parsed,
    spec,
    output,
    parts: partitionIds(info, req.partition_names),
    level: parseConsistency(req.consistency_level, info.consistencyLevel),
  };
}

export interface QueryRequestBody extends FilterRequest {
  output_fields?: string[];
  limit?: number;
  offset?: number;
  partition_names?: string[];
  consistency_level?: ConsistencyLevel | number;
  /** Get: primary keys to fetch. */
  ids?: unknown;
}

export interface PreparedQuery {
  readonly filter: RequestFilter | undefined;
  readonly output: OutputPlan;
  readonly parts: Set<number> | undefined;
  readonly level: ConsistencyLevel;
  /** `output_fields: ["count(*)"]`. */
  readonly count: boolean;
  readonly limit: number | undefined;
  readonly offset: number;
}

/** Milvus's query rules: count(*) alone, limit + offset bounded, a query without a filter needs a limit. */
export function prepareQuery(info: CollectionInfo, r: QueryRequestBody): PreparedQuery {
  const filter = r.ids !== undefined && r.ids !== null ? keysFilter(parseIds(info.schema, r.ids)) : requestFilter(info.schema, r);
  const fields: unknown = r.output_fields ?? [];
  // the request may come from JSON: anything but a list of names is a coded error, not a crash
  if (!Array.isArray(fields)) throw new VesperError('PARAMETER_INVALID', `output_fields must be a list of field names, got ${JSON.stringify(fields)?.slice(0, 80)}`);
  const count = fields.some((f) => typeof f === 'string' && f.trim().toLowerCase() === 'count(*)');
  if (count && fields.length > 1) throw new VesperError('PARAMETER_INVALID', 'count entities with pagination or other output fields is not allowed');
  const window = REQUEST_LIMITS.maxQueryResultWindow;
  const limit = optInt(r.limit, 'limit', 0, window);
  const offset = optInt(r.offset, 'offset', 0, window) ?? 0;
  if (limit !== undefined && limit + offset > window) {
    throw new VesperError('PARAMETER_INVALID', `limit + offset should be in range [0, ${window}], got ${limit + offset}`);
  }
  if (!count && !filter && limit === undefined) throw new VesperError('PARAMETER_INVALID', 'empty expression should be used with limit');
  return {
    filter,
    output: planOutput(info.schema, fields),
    parts: partitionIds(info, r.partition_names),
    level: parseConsistency(r.consistency_level, info.consistencyLevel),
    count,
    limit,
    offset,
  };
}

/** The QuerySpec of a prepared query for one holder. */
export function querySpec(p: PreparedQuery): QuerySpec {
  return { ...(p.filter ? { filter: p.filter } : {}), ...(p.limit !== undefined ? { limit: p.limit } : {}), offset: p.offset, output: p.output };
}

/**
 * Readers of a collection's sealed segments outside the writer (the browser's query workers).
 * When a pool `covers` a collection, the writer searches only its growing segments and the
 * pool answers for the sealed ones in `assignment` — taken by the task in the same instant as
 * its own segment list, so no row is counted twice or missed while a flush moves it. Each
 * reader syncs its share, re-prepares the request against `info` and reads at `ts`.
 */
export interface ReaderPool {
  covers(mgr: SegmentManager): boolean;
  search(info: CollectionInfo, assignment: ReplicaAssignment, request: SearchRequestBody, ts: bigint): Promise<PartialSearch[]>;
  query(info: CollectionInfo, assignment: ReplicaAssignment, request: QueryRequestBody, ts: bigint): Promise<PartialRow[][]>;
  count(info: CollectionInfo, assignment: ReplicaAssignment, request: QueryRequestBody, ts: bigint): Promise<number>;
  /** BM25 corpus statistics over every row of the share (proxy/text-search.ts). */
  bm25Stats(info: CollectionInfo, assignment: ReplicaAssignment, request: Bm25StatsRequest, ts: bigint): Promise<Bm25Stats>;
}
