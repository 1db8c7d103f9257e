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
import { primaryField } from '../../schema/types.ts';
import { searchSegments, type SegmentHit } from '../../query/search-executor.ts';
import { materializeRow, planOutput, type OutputPlan } from '../../query/output.ts';
import { Task, SUCCESS } from '../task.ts';
import { renderRow } from '../render.ts';
import { requestFilter, type FilterRequest, type RequestFilter } from '../filter.ts';
import { MAX_TOPK, optInt, parseConsistency, partitionIds, readTimestamp } from '../request-utils.ts';
import { parseSearch, type ParsedSearch, type SearchRequestFields } from '../search-request.ts';
import type { SearchResponse, SearchRow } from './search-task.ts';

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

interface Sub {
  spec: ParsedSearch;
  filter: RequestFilter | undefined;
}

export function normalizeDistance(metric: MetricType, d: number): number {
  if (metric === 'COSINE') return (1 + d) * 0.5;
  if (metric === 'IP') return 0.5 + Math.atan(d) / Math.PI;
  return 1 - (2 * Math.atan(d)) / Math.PI;
}

export class HybridSearchTask extends Task<HybridSearchRequest, SearchResponse> {
  readonly name = 'HybridSearch';
  readonly queue = 'dql' as const;
  private info!: CollectionInfo;
  private subs: Sub[] = [];
  private rerank!: (lists: SegmentHit[][]) => Map<bigint | string, { score: number; hit: SegmentHit }>;
  private limit = 10;
  private offset = 0;
  private output!: OutputPlan;
  private parts: Set<number> | undefined;
  private level: ConsistencyLevel = 'Bounded';
  private results: SearchRow[][] = [];
  private ts = 0n;

  override async preExecute(): Promise<void> {
    const r = this.req;
    this.info = this.ctx.collection(r);
    if (!this.info.loaded) throw new VesperError('COLLECTION_NOT_LOADED', `collection not loaded[collection=${this.info.name}]`);
    const reqs = r.data ?? r.search;
    if (!Array.isArray(reqs) || reqs.length === 0) throw new VesperError('PARAMETER_MISSING', 'hybrid search needs a list of sub-searches');
    if (reqs.length > 1024) throw new VesperError('PARAMETER_INVALID', 'too many sub-searches in one hybrid search');
    this.subs = reqs.map((s) => ({ spec: parseSearch(this.info, s), filter: requestFilter(this.info.schema, s) }));
    const nq = this.subs[0]!.spec.vectors.length;
    if (this.subs.some((s) => s.spec.vectors.length !== nq)) {
      throw new VesperError('PARAMETER_INVALID', 'every sub-search of a hybrid search must have the same number of query vectors');
    }
    this.limit = optInt(r.limit, 'limit', 1, MAX_TOPK) ?? 10;
    this.offset = optInt(r.offset, 'offset', 0, MAX_TOPK) ?? 0;
    if (this.limit + this.offset > MAX_TOPK) throw new VesperError('PARAMETER_INVALID', `limit + offset should be at most ${MAX_TOPK}`);
    this.rerank = this.reranker(r.rerank ?? { strategy: 'rrf' });
    this.output = planOutput(this.info.schema, r.output_fields);
    this.parts = partitionIds(this.info, r.partition_names);
    this.level = parseConsistency(r.consistency_level, this.info.consistencyLevel);
  }

  private reranker(rr: Reranker): (lists: SegmentHit[][]) => Map<bigint | string, { score: number; hit: SegmentHit }> {
    const strategy = typeof rr.strategy === 'string' ? rr.strategy.toLowerCase() : rr.strategy;
    const fuse = (score: (i: number, rank: number, h: SegmentHit) => number) => (lists: SegmentHit[][]) => {
      const acc = new Map<bigint | string, { score: number; hit: SegmentHit }>();
      lists.forEach((list, i) =>
        list.forEach((h, rank) => {
          const cur = acc.get(h.pk);
          const s = score(i, rank + 1, h);
          if (cur) cur.score += s;
          else acc.set(h.pk, { score: s, hit: h });
        }),
      );
      return acc;
    };
    if (strategy === 'rrf') {
      const k = rr.params?.k ?? 60;
      if (typeof k !== 'number' || !(k > 0 && k < 16384)) throw new VesperError('PARAMETER_INVALID', `rrf k must be in (0, 16384), got ${String(k)}`);
      return fuse((_i, rank) => 1 / (k + rank));
    }
    if (strategy === 'weighted') {
      const w = rr.params?.weights;
      if (!Array.isArray(w) || w.length !== this.subs.length || w.some((x) => typeof x !== 'number' || !(x >= 0 && x <= 1))) {
        throw new VesperError('PARAMETER_INVALID', `weighted rerank needs one weight in [0, 1] per sub-search (${this.subs.length}), got ${JSON.stringify(w)}`);
      }
      return fuse((i, _rank, h) => w[i]! * normalizeDistance(this.subs[i]!.spec.metric, h.distance));
    }
    throw new VesperError('PARAMETER_INVALID', `unknown rerank strategy ${JSON.stringify(rr.strategy)}: use rrf or weighted`);
  }

  async execute(): Promise<void> {
    const mgr = await this.ctx.data(this.info);
    this.ts = await readTimestamp(this.ctx, mgr, this.level, this.req.session_ts);
    const segments = mgr.segments(this.parts);
    const perSub = this.subs.map(({ spec, filter }) =>
      searchSegments(segments, this.ts, {
        field: spec.field,
        metric: spec.metric,
        queries: spec.vectors,
        limit: spec.limit,
        offset: 0,
        params: spec.params,
        ...(filter ? { filter } : {}),
        ...(spec.radius !== undefined ? { radius: spec.radius } : {}),
        ...(spec.rangeFilter !== undefined ? { rangeFilter: spec.rangeFilter } : {}),
      }),
    );
    const pk = primaryField(this.info.schema).name;
    const nq = this.subs[0]!.spec.vectors.length;
    this.results = Array.from({ length: nq }, (_, q) => {
      const fused = [...this.rerank(perSub.map((lists) => lists[q]!)).values()];
      fused.sort((a, b) => b.score - a.score || (a.hit.pk < b.hit.pk ? -1 : 1));
      return fused.slice(this.offset, this.offset + this.limit).map(({ score, hit }) => {
        const row = renderRow(materializeRow(this.output, hit.segment, hit.row));
        return { ...row, id: row[pk], score } as SearchRow;
      });
    });
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
