/**
 * Search (Milvus's searchTask): ANN or exact top-k over the loaded collection, nq >= 1,
 * with filter, partitions, range window, grouping, output fields and a consistency level.
 * nq = 1 answers a flat list; nq > 1 a list per query, as the Milvus Node SDK does.
 * PreExecute prepares the ReadPlan; Execute runs it through the read pipeline.
 */
import { VesperError } from '../../errors/index.ts';
import type { CollectionInfo } from '../../catalog/types.ts';
import type { ConsistencyLevel } from '../../schema/types.ts';
import { primaryField } from '../../schema/types.ts';
import type { PartialHit } from '../../query/partial.ts';
import type { SearchPlan } from '../../query/read-plan.ts';
import { executeSearch } from '../../query/read-executor.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import { renderRow } from '../render.ts';
import type { FilterRequest } from '../filter.ts';
import { pinnedTimestamp, readTimestamp, readTimestampNow } from '../request-utils.ts';
import type { SearchRequestFields } from '../search-request.ts';
import { prepareSearch } from '../prepared.ts';
import { localHost } from '../read-host.ts';
import { isTextSearch, probeRequest, resolvedRequest, statsShare, sumStats, textSearch, type Bm25Stats, type Bm25StatsRequest, type TextSearch } from '../text-search.ts';
import type { ProxyContext } from '../proxy-context.ts';
import type { SegmentManager } from '../../segments/segment-manager.ts';
import { writerAssignment } from '../../segments/sealed-replica.ts';

export interface SearchRequest extends SearchRequestFields, FilterRequest {
  db_name?: string;
  collection_name: string;
  output_fields?: string[];
  partition_names?: string[];
  consistency_level?: ConsistencyLevel | number;
  /** Session consistency: the caller's last write timestamp. */
  session_ts?: string;
  /** Read exactly at this earlier timestamp (a `session_ts` this database answered): a search iterator's later pages. */
  snapshot_ts?: string;
}

/**
 * A search hit as the Milvus Node SDK shapes it: the output fields, `id` (the primary key) and
 * `score` (the distance or similarity). When the output fields hold a user field or dynamic key
 * named `score`, that key is the user's value on every hit of the answer (absent on a row
 * without the dynamic key), as in the Node SDK, which writes the output fields after the score;
 * the distances are then in the response's `distances`.
 */
export type SearchRow = Record<string, unknown> & { id: unknown; score: number };

export interface SearchResponse {
  status: Status;
  results: SearchRow[] | SearchRow[][];
  topks: number[];
  recalls: number[];
  session_ts: string;
  collection_name: string;
  /**
   * Every hit's distance, a list per query in hit order; present only when some hit's `score`
   * key holds a user field's value (a field or dynamic key named `score` among the outputs).
   */
  distances?: number[][];
}

/** The rows of a search answer (a list per query) and, when a `score` field took that key, the distances. */
export interface SearchRows {
  readonly rows: SearchRow[][];
  readonly distances?: number[][];
}

/**
 * Renders each query's hits as SearchRows. `score` gives a hit's distance (default: the
 * partial hit's own); a fused hybrid answer passes its reranked scores.
 */
export function searchRows(info: CollectionInfo, lists: readonly (readonly PartialHit[])[], score: (h: PartialHit, q: number, i: number) => number = (h) => h.distance): SearchRows {
  const pk = primaryField(info.schema).name;
  const shadowed = lists.some((list) => list.some((h) => Object.hasOwn(h.row, 'score')));
  const rows = lists.map((list, q) => list.map((h, i) => renderSearchRow(pk, h, shadowed ? undefined : score(h, q, i))));
  return shadowed ? { rows, distances: lists.map((list, q) => list.map((h, i) => score(h, q, i))) } : { rows };
}

/** The result part of a SearchResponse from its rows: one query's answer is a flat list. */
export function searchResults(r: SearchRows, single: boolean): Pick<SearchResponse, 'results' | 'topks' | 'distances'> {
  return {
    results: single ? r.rows[0]! : r.rows,
    topks: r.rows.map((l) => l.length),
    ...(r.distances !== undefined ? { distances: r.distances } : {}),
  };
}

export class SearchTask extends Task<SearchRequest, SearchResponse> {
  readonly name = 'Search';
  readonly queue = 'dql' as const;
  private info!: CollectionInfo;
  private plan!: SearchPlan;
  private hits: PartialHit[][] = [];
  private ts = 0n;
  private text: TextSearch | undefined;

  override preExecute(): Promise<void> | void {
    this.info = this.ctx.collection(this.req);
    if (!this.info.loaded) throw new VesperError('COLLECTION_NOT_LOADED', `collection not loaded[collection=${this.info.name}]`);
    if (isTextSearch(this.info, this.req)) return this.prepareText();
    this.plan = prepareSearch(this.info, this.req);
  }

  private async prepareText(): Promise<void> {
    this.text = await textSearch(this.info, this.req);
    this.plan = prepareSearch(this.info, this.text ? probeRequest(this.req, this.text) : this.req);
  }

  /** Synchronous when the collection is open and the consistency level waits for nothing. */
  execute(): Promise<void> | void {
    const mgr = this.text === undefined ? this.ctx.dataNow(this.info) : undefined;
    const ts = mgr === undefined || this.req.snapshot_ts !== undefined ? undefined : readTimestampNow(this.ctx, mgr, this.plan.level, this.req.session_ts);
    if (mgr === undefined || ts === undefined) return this.executeWaiting();
    this.ts = ts;
    const hits = executeSearch(this.plan, ts, localHost(this.ctx, mgr, this.info, this.plan.partitionIds, ts), true);
    if (hits instanceof Promise) return hits.then((h) => void (this.hits = h));
    this.hits = hits;
  }

  private async executeWaiting(): Promise<void> {
    const mgr = await this.ctx.data(this.info);
    this.ts = this.req.snapshot_ts !== undefined ? await pinnedTimestamp(this.ctx, mgr, this.req.snapshot_ts) : await readTimestamp(this.ctx, mgr, this.plan.level, this.req.session_ts);
    // a text search is planned again once the collection's BM25 statistics at ts are known
    if (this.text) this.plan = prepareSearch(this.info, resolvedRequest(this.req, this.text, await bm25StatsShares(this.ctx, mgr, this.info, this.text.stats, this.ts)));
    this.hits = await executeSearch(this.plan, this.ts, localHost(this.ctx, mgr, this.info, this.plan.partitionIds, this.ts), true);
  }

  postExecute(): SearchResponse {
    return {
      status: SUCCESS,
      ...searchResults(searchRows(this.info, this.hits), this.plan.single),
      recalls: [],
      session_ts: this.ts.toString(),
      collection_name: this.info.name,
    };
  }
}

/** BM25 statistics of the whole collection at ts: the writer's own segments and the reader pool's. */
export async function bm25StatsShares(ctx: ProxyContext, mgr: SegmentManager, info: CollectionInfo, req: Bm25StatsRequest, ts: bigint): Promise<Bm25Stats> {
  const pool = ctx.options.readers;
  const remote = pool?.covers(mgr) === true;
  const mine = statsShare(mgr.segments().filter((seg) => !remote || !seg.sealed), ts, req);
  if (!remote) return mine;
  return sumStats([mine, await pool!.bm25Stats(info, writerAssignment(mgr), req, ts)], req.terms.length);
}

/**
 * A hit as the SDK shows it: `{...row, id: row[pk], score}`. In an answer whose outputs hold a
 * field or dynamic key named `score`, that key is the user's on every hit (absent where a row
 * lacks the dynamic key, as the Node SDK leaves it undefined) and `score` is not passed.
 */
function renderSearchRow(pk: string, h: PartialHit, score: number | undefined): SearchRow {
  const row = renderRow(h.row);
  row['id'] = row[pk];
  if (score !== undefined) row['score'] = score;
  return row as SearchRow;
}
