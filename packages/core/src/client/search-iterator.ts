/**
 * searchIterator (the Milvus SDK's search iterator): the hits of one query vector in distance
 * order, `batchSize` at a time, up to `limit` — past the 16,384 top-k of one search. Every
 * page reads the snapshot the first one read (`snapshot_ts`), so writes made while iterating
 * neither appear nor shift the pages. Each page is a range search that starts at the last
 * page's worst distance (`range_filter`, inclusive) and leaves out the keys already returned
 * at exactly that distance (`pk not in [...]` as a template value): no hit is returned twice
 * and, for an exact index, none is skipped, ties included. A page is sorted by distance, then
 * primary key. The user's own `radius`/`range_filter` bound the whole iteration.
 */
import { VesperError } from '../errors/index.ts';
import { isSimilarityMetric } from '../index/vector-index.ts';
import type { MetricType } from '../schema/types.ts';
import type { SearchRequest, SearchResponse, SearchRow } from '../proxy/tasks/search-task.ts';
import { REQUEST_LIMITS } from '../proxy/request-limits.ts';
import { showValue } from '../util/show-value.ts';

export interface SearchIteratorRequest extends Omit<SearchRequest, 'limit' | 'topk' | 'offset' | 'search_params' | 'params' | 'snapshot_ts'> {
  /** Hits per page, 1..16384. */
  batchSize: number;
  /** Hits in all (absent or -1: every hit in range). */
  limit?: number;
  /** Search params (ef, nprobe, ...), with `radius` and `range_filter` bounding the iteration. */
  params?: Record<string, unknown>;
}

/** What the iterator needs of the collection: its primary key and the searched field's metric. */
export interface IteratorTarget {
  readonly pk: string;
  readonly int64: boolean;
  readonly metric: MetricType;
}

const SEEN = 'vesper_iterator_seen';

/** Refuses what a search iterator does not do, by name (1100). */
function check(req: SearchIteratorRequest): void {
  const max = REQUEST_LIMITS.maxTopK;
  if (!Number.isInteger(req.batchSize) || req.batchSize < 1 || req.batchSize > max) throw new VesperError('PARAMETER_INVALID', `batchSize should be an integer in range [1, ${max}], got ${showValue(req.batchSize)}`);
  if (req.limit !== undefined && req.limit !== -1 && !(Number.isInteger(req.limit) && req.limit >= 0)) throw new VesperError('PARAMETER_INVALID', `limit of a search iterator should be -1 or a non-negative integer, got ${showValue(req.limit)}`);
  const raw = req as unknown as Record<string, unknown>;
  for (const k of ['offset', 'topk', 'search_params', 'group_by_field', 'group_size', 'strict_group_size', 'snapshot_ts']) {
    if (raw[k] !== undefined) throw new VesperError('PARAMETER_INVALID', `${k} is not supported by searchIterator`);
  }
  if (req.params !== undefined && (req.params === null || typeof req.params !== 'object' || Array.isArray(req.params))) throw new VesperError('PARAMETER_INVALID', 'params of a search iterator must be an object');
  if (req.filter_params !== undefined && (req.filter_params === null || typeof req.filter_params !== 'object')) throw new VesperError('PARAMETER_INVALID', 'filter_params must be an object');
}

/** The single query vector (a vector, or a list of exactly one). */
function oneVector(req: SearchIteratorRequest): unknown {
  const data = req.data ?? req.vector ?? req.vectors;
  if (Array.isArray(data) && data.length > 0 && typeof data[0] !== 'number') {
    if (data.length !== 1) throw new VesperError('PARAMETER_INVALID', `searchIterator takes one query vector, got ${data.length}`);
    return data[0];
  }
  if (data === undefined) throw new VesperError('PARAMETER_MISSING', 'data (the query vector) is required');
  return data;
}

/** The pages of a search iterator, pulled from `search` (the client's search call). */
export function searchIterator(req: SearchIteratorRequest, target: () => Promise<IteratorTarget>, search: (r: SearchRequest) => Promise<SearchResponse>): AsyncIterable<SearchRow[]> {
  check(req);
  const { batchSize, limit, params, filter, expr, filter_params, data: _data, vector: _vector, vectors: _vectors, ...rest } = req;
  const vector = oneVector(req);
  const userFilter = String(filter ?? expr ?? '').trim();
  return {
    async *[Symbol.asyncIterator]() {
      const { pk, int64, metric } = await target();
      const similarity = isSimilarityMetric(metric);
      const better = (a: number, b: number) => (similarity ? b - a : a - b);
      const userParams = { ...(params ?? {}) };
      // the outer bound: the user's radius, else one nothing lies beyond
      const radius = userParams['radius'] ?? (similarity ? -Number.MAX_VALUE : Number.MAX_VALUE);
      let left = limit === undefined || limit === -1 ? Infinity : limit;
      let edge: number | undefined;
      let seen: unknown[] = [];
      let snapshot: string | undefined;
      while (left > 0) {
        const size = Math.min(batchSize, left);
        const after = seen.length === 0 ? '' : `${pk} not in {${SEEN}}`;
        const fp = { ...((filter_params as Record<string, unknown> | undefined) ?? {}), ...(seen.length === 0 ? {} : { [SEEN]: seen }) };
        const res = await search({
          ...rest,
          data: [vector],
          limit: size,
          filter: [userFilter && `(${userFilter})`, after].filter((f) => f !== '').join(' && '),
          ...(Object.keys(fp).length > 0 ? { filter_params: fp } : {}),
          params: edge === undefined ? userParams : { ...userParams, radius, range_filter: edge },
          ...(snapshot !== undefined ? { snapshot_ts: snapshot } : {}),
        });
        snapshot ??= res.session_ts;
        const rows = (res.results[0] !== undefined && Array.isArray(res.results[0]) ? res.results[0] : res.results) as SearchRow[];
        if (rows.length === 0) return;
        // a user field named `score` holds that key: the distances come beside the rows
        const hits = rows.map((row, i) => ({ row, d: res.distances?.[0]?.[i] ?? row.score }));
        hits.sort((a, b) => better(a.d, b.d) || comparePk(a.row.id, b.row.id, int64));
        const page = hits.map((h) => h.row);
        const last = hits[hits.length - 1]!.d;
        const key = (id: unknown) => (int64 ? BigInt(id as string) : id);
        // keys at the new edge are left out of the next page; an edge that did not move keeps the old ones too
        const atEdge = hits.filter((h) => h.d === last).map((h) => key(h.row.id));
        seen = edge === last ? [...seen, ...atEdge] : atEdge;
        edge = last;
        left -= page.length;
        yield page;
        if (page.length < size) return;
      }
    },
  };
}

/** Primary-key order: Int64 keys (decimal strings in answers) as integers, VarChar as strings. */
function comparePk(a: unknown, b: unknown, int64: boolean): number {
  if (int64) {
    const x = BigInt(a as string);
    const y = BigInt(b as string);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}
