/**
 * HybridSearch (Milvus's hybridSearchTask): several ANN searches over the same collection —
 * usually different vector fields — each with its own vectors, params, filter and limit,
 * fused by a reranker (query/rerank.ts: RRF or weighted) into one result list per query.
 * Every sub-search must have the same number of query vectors; all read one snapshot.
 */
import { VesperError } from '../../errors/index.ts';
import type { CollectionInfo } from '../../catalog/types.ts';
import type { HybridPlan } from '../../query/read-plan.ts';
import { executeHybrid, executeSearch } from '../../query/read-executor.ts';
import type { Fused } from '../../query/rerank.ts';
import { Task, SUCCESS } from '../task.ts';
import { readTimestamp } from '../request-utils.ts';
import { prepareHybrid, resolvedSub, type HybridSearchRequest } from '../prepared.ts';
import { localHost } from '../read-host.ts';
import { bm25StatsShares, searchResults, searchRows, type SearchResponse, type SearchRows } from './search-task.ts';

export type { HybridSearchRequest };
export type { Reranker } from '../../query/rerank.ts';

/** The final rows of a hybrid search from its fused hits (per query), scored by the reranker. */
export function hybridRows(info: CollectionInfo, fused: readonly (readonly Fused[])[]): SearchRows {
  return searchRows(
    info,
    fused.map((list) => list.map((f) => f.hit)),
    (_h, q, i) => fused[q]![i]!.score,
  );
}

export class HybridSearchTask extends Task<HybridSearchRequest, SearchResponse> {
  readonly name = 'HybridSearch';
  readonly queue = 'dql' as const;
  private info!: CollectionInfo;
  private plan!: HybridPlan;
  private results: SearchRows = { rows: [] };
  private ts = 0n;

  override async preExecute(): Promise<void> {
    this.info = this.ctx.collection(this.req);
    if (!this.info.loaded) throw new VesperError('COLLECTION_NOT_LOADED', `collection not loaded[collection=${this.info.name}]`);
    this.plan = await prepareHybrid(this.info, this.req);
  }

  async execute(): Promise<void> {
    const mgr = await this.ctx.data(this.info);
    const ts = (this.ts = await readTimestamp(this.ctx, mgr, this.plan.level, this.req.session_ts));
    const host = localHost(this.ctx, mgr, this.info, this.plan.subs[0]!.partitionIds, ts);
    const stats = (req: Parameters<typeof bm25StatsShares>[3]) => bm25StatsShares(this.ctx, mgr, this.info, req, ts);
    this.results = hybridRows(this.info, await executeHybrid(this.plan, async (_sub, i) => executeSearch(await resolvedSub(this.info, this.plan, i, stats), ts, host, true)));
  }

  postExecute(): SearchResponse {
    return {
      status: SUCCESS,
      ...searchResults(this.results, this.results.rows.length === 1),
      recalls: [],
      session_ts: this.ts.toString(),
      collection_name: this.info.name,
    };
  }
}
