/**
 * QueryNode: a Durable Object that serves some of one shard's sealed segments (Milvus's
 * QueryNode worker). Its ShardLeader decides which segments it holds — manifest records and
 * the deletes not yet in a delete log — and feeds that share by version (node-feed.ts): whole
 * when it changed or the node may not hold it, else the version alone; a request naming a
 * version the node does not hold is answered `staleFeed` and the leader resends. With the feed
 * comes the read plan the Worker prepared (the node parses nothing); the node
 * loads what is new from R2 (insert log, delete logs, index files), drops what is no longer
 * listed, and answers its share of a search, query or count at the leader's snapshot. It has
 * no durable state: a restarted or evicted node reloads from R2 on the next request. A vector
 * column whose index is open is not kept (the index holds the vectors); a request that outputs
 * it, or a grouping search that may scan a segment exactly (more hits than the index's topk
 * bound, or strict grouping), reads it back from R2 (docs/capacity.md, "Query node memory").
 */
import { DurableObject } from 'cloudflare:workers';
import { BlockCache, budgetedIndexFactory } from '@vesper/core';
import {
  SealedReplica,
  LEAN_HOLDING,
  bm25StatsShare,
  countShare,
  keysShare,
  queryShare,
  searchShare,
  type CountPlan,
  type FilterPlan,
  type Bm25Stats,
  type Bm25StatsRequest,
  type PartialRow,
  type PkValue,
  type PartialSearch,
  type QueryPlan,
  type SearchPlan,
} from '@vesper/core/distributed';
import { R2ObjectStore } from './adapters/r2-object-store.ts';
import type { Env } from './bindings.ts';
import { loadEdgeKernels } from './kernels.ts';
import { asResult, type RpcResult } from './rpc.ts';
import type { QueryNodeRpc } from './do-contracts.ts';
import { staleFeed, type NodeFeed, type NodeShare } from './node-feed.ts';

/**
 * Bytes of R2 blocks a QueryNode isolate keeps for disk-resident indexes (IVF_PQ re-rank
 * vectors): one cache per isolate, well inside its 128 MB (the process-wide default is 256 MiB).
 */
export const QUERY_NODE_BLOCK_CACHE_BYTES = 16 * 2 ** 20;
let isolateIndexes: ReturnType<typeof budgetedIndexFactory> | undefined;
function queryNodeIndexes(): ReturnType<typeof budgetedIndexFactory> {
  isolateIndexes ??= budgetedIndexFactory(new BlockCache(QUERY_NODE_BLOCK_CACHE_BYTES));
  return isolateIndexes;
}

export class QueryNode extends DurableObject<Env> implements QueryNodeRpc {
  private replica: SealedReplica | undefined;
  /** The share this node holds, and its version (none until a leader sends one). */
  private fed: { readonly version: string; readonly share: NodeShare } | undefined;
  /** Shares received whole since the node started (tests, stats). */
  private fullFeeds = 0;

  private async synced(feed: NodeFeed): Promise<SealedReplica> {
    if (feed.share !== undefined) {
      this.fed = { version: feed.version, share: feed.share };
      this.fullFeeds++;
    } else if (this.fed?.version !== feed.version) throw staleFeed(feed.version, this.fed?.version);
    const { db, schema, assignment } = this.fed!.share;
    await loadEdgeKernels();
    // a node's memory is its segments: a vector column whose index is open stays in R2
    const src = { objects: new R2ObjectStore(this.env.BUCKET, `db/${db}/`), schema, indexFactory: queryNodeIndexes() };
    this.replica ??= new SealedReplica(src, LEAN_HOLDING);
    this.replica.setSource(src);
    // the same share again is cheap (nothing to load); it drops columns a previous answer read back
    await this.replica.sync(assignment);
    return this.replica;
  }

  search(feed: NodeFeed, plan: SearchPlan, ts: bigint): Promise<RpcResult<PartialSearch>> {
    return asResult(async () => searchShare(await this.synced(feed), plan, ts));
  }

  query(feed: NodeFeed, plan: QueryPlan, ts: bigint): Promise<RpcResult<PartialRow[]>> {
    return asResult(async () => queryShare(await this.synced(feed), plan, ts));
  }

  count(feed: NodeFeed, plan: CountPlan, ts: bigint): Promise<RpcResult<number>> {
    return asResult(async () => countShare(await this.synced(feed), plan, ts));
  }

  /** BM25 statistics over every row of this node's share (a full-text search's first round). */
  bm25Stats(feed: NodeFeed, request: Bm25StatsRequest, ts: bigint): Promise<RpcResult<Bm25Stats>> {
    return asResult(async () => bm25StatsShare(await this.synced(feed), request, ts));
  }

  /** Primary keys a delete's filter matches in this node's share (the leader's delete by filter). */
  keys(feed: NodeFeed, filter: FilterPlan, ts: bigint, partitionId: number): Promise<RpcResult<PkValue[]>> {
    return asResult(async () => keysShare(await this.synced(feed), filter, ts, partitionId));
  }

  /** Drops every segment and the share (the leader no longer uses this node, or the collection is gone). */
  release(): void {
    this.replica?.close();
    this.replica = undefined;
    this.fed = undefined;
  }

  /** Segments and rows held now, and shares received whole since the node started. */
  held(): { segments: number[]; rows: number; fullFeeds: number } {
    return { segments: this.replica?.ids() ?? [], rows: this.replica?.rowCount ?? 0, fullFeeds: this.fullFeeds };
  }
}
