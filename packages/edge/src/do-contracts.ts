/**
 * What each Durable Object answers over RPC, as types. The Worker's bindings (`bindings.ts`)
 * and the objects that call one another name these contracts, never the classes, so the
 * classes depend on the bindings and nothing depends back on a class: each DO class
 * `implements` its contract, and the compiler keeps the two the same.
 *
 * Every method answers `RpcResult` (errors travel as data, see rpc.ts) except QueryNode's
 * `release`/`held`, which cannot fail.
 */
import type {
  Bm25Stats,
  Bm25StatsRequest,
  CountPlan,
  FilterPlan,
  PartialRow,
  PartialSearch,
  PkValue,
  QueryPlan,
  SearchPlan,
  ShardFeed,
  ShardPosition,
} from '@vesper/core/distributed';
import type { AccessOp } from './access/access-ops.ts';
import type { PolicySnapshot } from './access/policy.ts';
import type { RpcResult } from './rpc.ts';
import type { NodeFeed } from './node-feed.ts';
import type { BeginOptions, Begun, CallOptions, ReadAt, ShardStats, Target, WriteOp, WriteResult } from './data/types.ts';

/** One database's catalog, TSO and id allocator (`CATALOG`, `idFromName(dbName)`). */
export interface CatalogCoordinatorRpc extends Rpc.DurableObjectBranded {
  /** Runs one ProxyNode method (or import-job method) for the database. */
  call(dbName: string, method: string, request: Record<string, unknown>, options?: CallOptions): Promise<RpcResult>;
  /** Starts a data call: catalog entry, rate-limit charge, timestamps, auto ids. */
  begin(dbName: string, collection: string, options?: BeginOptions): Promise<RpcResult<Begun>>;
  tsoNext(dbName: string): Promise<RpcResult<bigint>>;
  allocIds(dbName: string, n: number): Promise<RpcResult<number>>;
  /**
   * Writes `bytes` at bucket key `key` (a manifest version) only if no key of its directory
   * sorts at or before it — no version at or above it exists — one such write per directory at
   * a time: true when written, false otherwise (COMMIT_CONFLICT for the writer).
   */
  createOnce(key: string, bytes: Uint8Array): Promise<RpcResult<boolean>>;
}

/** The writer of one shard (`SHARD_LEADER`, `idFromName("<db>/c<id>/s<shard>")`). */
export interface ShardLeaderRpc extends Rpc.DurableObjectBranded {
  write(t: Target, shard: number, op: WriteOp): Promise<RpcResult<WriteResult>>;
  search(t: Target, shard: number, plan: SearchPlan, at: ReadAt): Promise<RpcResult<{ ts: bigint; hits: PartialSearch; nodeCalls: number }>>;
  bm25Stats(t: Target, shard: number, request: Bm25StatsRequest, at: ReadAt): Promise<RpcResult<{ ts: bigint; stats: Bm25Stats }>>;
  query(t: Target, shard: number, plan: QueryPlan | CountPlan, at: ReadAt): Promise<RpcResult<{ ts: bigint; rows: PartialRow[]; count: number; nodeCalls: number }>>;
  flush(t: Target, shard: number): Promise<RpcResult<number[]>>;
  compact(t: Target, shard: number): Promise<RpcResult<{ merged: number; deleted: number }>>;
  stats(t: Target, shard: number, partitionIds?: number[]): Promise<RpcResult<ShardStats>>;
  refresh(t: Target, shard: number): Promise<RpcResult<null>>;
  /** The shard as a local replica copies it: sealed records, pending deletes, the WAL tail after `from`. */
  replicaFeed(t: Target, shard: number, from: ShardPosition | undefined, tail: boolean): Promise<RpcResult<ShardFeed>>;
  close(t: Target, shard: number, purge: boolean): Promise<RpcResult<null>>;
}

/** A reader of part of one shard's sealed segments (`QUERY_NODE`, `idFromName("<db>/c<id>/s<shard>/q<k>")`). */
export interface QueryNodeRpc extends Rpc.DurableObjectBranded {
  // each read names the node's share by version, whole only when the node may not hold it (node-feed.ts)
  search(feed: NodeFeed, plan: SearchPlan, ts: bigint): Promise<RpcResult<PartialSearch>>;
  query(feed: NodeFeed, plan: QueryPlan, ts: bigint): Promise<RpcResult<PartialRow[]>>;
  count(feed: NodeFeed, plan: CountPlan, ts: bigint): Promise<RpcResult<number>>;
  bm25Stats(feed: NodeFeed, request: Bm25StatsRequest, ts: bigint): Promise<RpcResult<Bm25Stats>>;
  keys(feed: NodeFeed, filter: FilterPlan, ts: bigint, partitionId: number): Promise<RpcResult<PkValue[]>>;
  /** Drops what the node holds, its share too (its shard's assignment changed or the collection went away). */
  release(): void;
  /** What the node holds, and the shares it received whole (tests, stats). */
  held(): { segments: number[]; rows: number; fullFeeds: number };
}

/** Users, roles and grants for the whole deployment (`ACCESS`, `idFromName("rbac")`). */
export interface AccessControlRpc extends Rpc.DurableObjectBranded {
  snapshot(): Promise<RpcResult<PolicySnapshot>>;
  mutate(op: AccessOp): Promise<RpcResult<null>>;
}
