/**
 * QueryNode: a Durable Object that serves some of one shard's sealed segments (Milvus's
 * QueryNode worker). Its ShardLeader decides which segments it holds and sends that list —
 * manifest records and the deletes not yet in a delete log — with every request, and the read
 * plan the Worker prepared (the node parses nothing); the node
 * loads what is new from R2 (insert log, delete logs, index files), drops what is no longer
 * listed, and answers its share of a search, query or count at the leader's snapshot. It has
 * no durable state: a restarted or evicted node reloads from R2 on the next request. A vector
 * column whose index is open is not kept (the index holds the vectors); a request that outputs
 * it reads it back from R2 (docs/capacity.md, "Query node memory").
 */
import { DurableObject } from 'cloudflare:workers';
import { BlockCache, budgetedIndexFactory } from '@vesper/core';
import {
  SealedReplica,
  LEAN_REPLICA_HOLDING,
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
  type ReplicaAssignment,
  type SearchPlan,
} from '@vesper/core/distributed';
import type { CollectionSchema } from '@vesper/core';
import { R2ObjectStore } from './adapters/r2-object-store.ts';
import type { Env } from './bindings.ts';
import { loadEdgeKernels } from './kernels.ts';
import { asResult, type RpcResult } from './rpc.ts';
import type { QueryNodeRpc } from './do-contracts.ts';

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

  private async synced(db: string, schema: CollectionSchema, a: ReplicaAssignment): Promise<SealedReplica> {
    await loadEdgeKernels();
    // a node's memory is its segments: a vector column whose index is open stays in R2
    const src = { objects: new R2ObjectStore(this.env.BUCKET, `db/${db}/`), schema, indexFactory: queryNodeIndexes() };
    this.replica ??= new SealedReplica(src, LEAN_REPLICA_HOLDING);
    this.replica.setSource(src);
    await this.replica.sync(a);
    return this.replica;
  }

  search(db: string, schema: CollectionSchema, a: ReplicaAssignment, plan: SearchPlan, ts: bigint): Promise<RpcResult<PartialSearch>> {
    return asResult(async () => searchShare(await this.synced(db, schema, a), plan, ts));
  }

  query(db: string, schema: CollectionSchema, a: ReplicaAssignment, plan: QueryPlan, ts: bigint): Promise<RpcResult<PartialRow[]>> {
    return asResult(async () => queryShare(await this.synced(db, schema, a), plan, ts));
  }

  count(db: string, schema: CollectionSchema, a: ReplicaAssignment, plan: CountPlan, ts: bigint): Promise<RpcResult<number>> {
    return asResult(async () => countShare(await this.synced(db, schema, a), plan, ts));
  }

  /** BM25 statistics over every row of this node's share (a full-text search's first round). */
  bm25Stats(db: string, schema: CollectionSchema, a: ReplicaAssignment, request: Bm25StatsRequest, ts: bigint): Promise<RpcResult<Bm25Stats>> {
    return asResult(async () => bm25StatsShare(await this.synced(db, schema, a), request, ts));
  }

  /** Primary keys a delete's filter matches in this node's share (the leader's delete by filter). */
  keys(db: string, schema: CollectionSchema, a: ReplicaAssignment, filter: FilterPlan, ts: bigint, partitionId: number): Promise<RpcResult<PkValue[]>> {
    return asResult(async () => keysShare(await this.synced(db, schema, a), filter, ts, partitionId));
  }

  /** Drops every segment (the leader no longer uses this node, or the collection is gone). */
  release(): void {
    this.replica?.close();
    this.replica = undefined;
  }

  /** Segments and rows held now. */
  held(): { segments: number[]; rows: number } {
    return { segments: this.replica?.ids() ?? [], rows: this.replica?.rowCount ?? 0 };
  }
}
