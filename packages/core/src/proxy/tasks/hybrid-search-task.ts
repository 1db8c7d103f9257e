/**
 * HybridSearch (Milvus's hybridSearchTask): several ANN searches over the same collection —
 * usually different vector fields — each with its own vectors, params, filter and limit,
 * fused by a reranker into one result list per query:
 * - RRF: score = Σ 1 / (k + rank), rank counted from 1 in each list (k defaults to 60);
 * - weighted: score = Σ wᵢ · norm(distanceᵢ), with Milvus's normalizations (L2: 1 − 2·atan(d)/π,
 *   IP: 0.5 + atan(d)/π, COSINE: (1 + d)/2, HAMMING/JACCARD like L2).
 * Every sub-search must have the same number of query vectors.
 */
import { VesperError } from '../../errors/index.ts';
import type { CollectionInfo } from '../../catalog/types.ts';
import type { ConsistencyLevel, MetricType } from '../../schema/types.ts';
import { mergeSearch, type PartialHit } from '../../query/partial.ts';
import { Task, SUCCESS } from '../task.ts';
import type { FilterRequest } from '../filter.ts';
import { MAX_TOPK, optInt, parseConsistency, readTimestamp } from '../request-utils.ts';
import type { SearchRequestFields } from '../search-request.ts';
import { prepareSearch, type PreparedSearch, type SearchRequestBody } from '../prepared.ts';
import { bm25StatsShares, searchRow, searchShares, type SearchResponse, type SearchRow } from './search-task.ts';
import { probeRequest, resolvedRequest, textSearch, type TextSearch } from '../text-search.ts';

export interface Reranker {
  strategy: 'rrf' | 'weighted';
  params?: { k?: number; weights?: number[] };
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
}

export function normalizeDistance(metric: MetricType, d: number): number {
  if (metric === 'COSINE') return (1 + d) * 0.5;
  if (metric === 'IP') return 0.5 + Math.atan(d) / Math.PI;
  // BM25 scores are >= 0, larger is better (Milvus: 2·atan(d)/π)
  if (metric === 'BM25') return (2 * Math.atan(d)) / Math.PI;
  return 1 - (2 * Math.atan(d)) / Math.PI;
}

export interface Fused {
  readonly score: number;
  readonly hit: PartialHit;
}

/**
 * The reranker of a hybrid search: takes one ranked hit list per sub-search (for one query
 * vector) and returns the fused list, best first (ties by primary key).
 * @throws PARAMETER_INVALID for an unknown strategy or bad params.
 */
export function makeReranker(rr: Reranker, metrics: readonly MetricType[]): (lists: readonly (readonly PartialHit[])[]) => Fused[] {
  const strategy = typeof rr.strategy === 'string' ? (rr.strategy as string).toLowerCase() : rr.strategy;
  const fuse = (score: (i: number, rank: number, h: PartialHit) => number) => (lists: readonly (readonly PartialHit[])[]) => {
    const acc = new Map<bigint | string, { score: number; hit: PartialHit }>();
    lists.forEach((list, i) =>
      list.forEach((h, rank) => {
        const cur = acc.get(h.pk);
        const s = score(i, rank + 1, h);
        if (cur) cur.score += s;
        else acc.set(h.pk, { score: s, hit: h });
      }),
    );
    return [...acc.values()].sort((a, b) => b.score - a.score || (a.hit.pk < b.hit.pk ? -1 : 1));
  };
  if (strategy === 'rrf') {
    const k = rr.params?.k ?? 60;
    if (typeof k !== 'number' || !(k > 0 && k < 16384)) throw new VesperError('PARAMETER_INVALID', `rrf k must be in (0, 16384), got ${String(k)}`);
    return fuse((_i, rank) => 1 / (k + rank));
  }
  if (strategy === 'weighted') {
    const w = rr.params?.weights;
    if (!Array.isArray(w) || w.length !== metrics.length || w.some((x) => typeof x !== 'number' || !(x >= 0 && x <= 1))) {
      throw new VesperError('PARAMETER_INVALID', `weighted rerank needs one weight in [0, 1] per sub-search (${metrics.length}), got ${JSON.stringify(w)}`);
    }
    return fuse((i, _rank, h) => w[i]! * normalizeDistance(metrics[i]!, h.distance));
  }
  throw new VesperError('PARAMETER_INVALID', `unknown rerank strategy ${JSON.stringify(rr.strategy)}: use rrf or weighted`);
}

/** A sub-search; a full-text one (`text`) is resolved with the collection's statistics before it runs. */
export interface HybridSub {
  readonly request: SearchRequestBody;
  readonly prep: PreparedSearch;
  readonly text?: TextSearch;
}

export interface PreparedHybrid {
  /** Each sub-search as a search request of its own (hybrid's output fields and partitions, offset 0). */
  readonly subs: readonly HybridSub[];
  readonly rerank: (lists: readonly (readonly PartialHit[])[]) => Fused[];
  readonly limit: number;
  readonly offset: number;
  readonly level: ConsistencyLevel;
  readonly nq: number;
}

export async function prepareHybrid(info: CollectionInfo, r: HybridSearchRequest): Promise<PreparedHybrid> {
  const reqs = r.data ?? r.search;
  if (!Array.isArray(reqs) || reqs.length === 0) throw new VesperError('PARAMETER_MISSING', 'hybrid search needs a list of sub-searches');
  if (reqs.length > 1024) throw new VesperError('PARAMETER_INVALID', 'too many sub-searches in one hybrid search');
  const subs: HybridSub[] = [];
  for (const s of reqs) {
    const request: SearchRequestBody = {
      ...s,
      offset: 0,
      ...(r.output_fields !== undefined ? { output_fields: r.output_fields } : {}),
      ...(r.partition_names !== undefined ? { partition_names: r.partition_names } : {}),
    };
    const text = await textSearch(info, request);
    subs.push(text ? { request, text, prep: prepareSearch(info, probeRequest(request, text)) } : { request, prep: prepareSearch(info, request) });
  }
  const nq = subs[0]!.prep.parsed.vectors.length;
  if (subs.some((s) => s.prep.parsed.vectors.length !== nq)) {
    throw new VesperError('PARAMETER_INVALID', 'every sub-search of a hybrid search must have the same number of query vectors');
  }
  const limit = optInt(r.limit, 'limit', 1, MAX_TOPK) ?? 10;
  const offset = optInt(r.offset, 'offset', 0, MAX_TOPK) ?? 0;
  if (limit + offset > MAX_TOPK) throw new VesperError('PARAMETER_INVALID', `limit + offset should be at most ${MAX_TOPK}`);
  return {
    subs,
    rerank: makeReranker(r.rerank ?? { strategy: 'rrf' }, subs.map((s) => s.prep.spec.metric)),
    limit,
    offset,
    level: parseConsistency(r.consistency_level, info.consistencyLevel),
    nq,
  };
}

/** The final rows of a hybrid search from each sub-search's merged hits (per sub, per query). */
export function fuseHybrid(info: CollectionInfo, p: PreparedHybrid, perSub: readonly (readonly PartialHit[][])[]): SearchRow[][] {
  return Array.from({ length: p.nq }, (_, q) =>
    p
      .rerank(perSub.map((lists) => lists[q] ?? []))
      .slice(p.offset, p.offset + p.limit)
      .map(({ score, hit }) => searchRow(info, hit, score)),
  );
}

export class HybridSearchTask extends Task<HybridSearchRequest, SearchResponse> {
  readonly name = 'HybridSearch';
  readonly queue = 'dql' as const;
  private info!: CollectionInfo;
  private prep!: PreparedHybrid;
  private results: SearchRow[][] = [];
  private ts = 0n;

  override async preExecute(): Promise<void> {
    this.info = this.ctx.collection(this.req);
    if (!this.info.loaded) throw new VesperError('COLLECTION_NOT_LOADED', `collection not loaded[collection=${this.info.name}]`);
    this.prep = await prepareHybrid(this.info, this.req);
  }

  async execute(): Promise<void> {
    const mgr = await this.ctx.data(this.info);
    this.ts = await readTimestamp(this.ctx, mgr, this.prep.level, this.req.session_ts);
    const perSub: PartialHit[][][] = [];
    for (const sub of this.prep.subs) {
      let { request, prep } = sub;
      if (sub.text) {
        request = resolvedRequest(request, sub.text, await bm25StatsShares(this.ctx, mgr, this.info, sub.text.stats, this.ts));
        prep = prepareSearch(this.info, request);
      }
      const shares = await searchShares(this.ctx, mgr, this.info, request, prep, this.ts);
      perSub.push(mergeSearch(shares, { metric: prep.spec.metric, limit: prep.spec.limit, offset: 0 }));
    }
    this.results = fuseHybrid(this.info, this.prep, perSub);
  }

  postExecute(): SearchResponse {
    return {
      status: SUCCESS,
      results: this.results.length === 1 ? this.results[0]! : this.results,
      topks: this.results.map((r) => r.length),
      recalls: [],
      session_ts: this.ts.toString(),
      collection_name: this.info.name,
    };
  }
}
