/**
 * What travels between the proxy (the Worker), the CatalogCoordinator, ShardLeaders and
 * QueryNodes. Everything is plain structured-clonable data: bigint timestamps and keys,
 * typed arrays inside RowBatch columns.
 */
import type { CollectionInfo, FilterPlan, PkValue, Row, RowBatch } from '@vesper/core/distributed';
import type { ConsistencyLevel } from '@vesper/core';
import type { RequestKind } from '../limits.ts';
import type { NodeFeedStats } from '../node-feed.ts';

/** A collection's place: its database and catalog entry. */
export interface Target {
  readonly db: string;
  readonly info: CollectionInfo;
}

/**
 * A shard leader's write: one routed insert batch, deletes by key or by filter, or a partial
 * update's rows as given (checked by the proxy against the stored rows; the leader merges them
 * again under its write gate, then converts and routes them to partitions itself).
 */
export type WriteOp = (
  | { readonly kind: 'insert'; readonly upsert: boolean; readonly partitionId: number; readonly batch: RowBatch }
  | { readonly kind: 'partialUpsert'; readonly partitionId: number | undefined; readonly rows: readonly Row[] }
  | { readonly kind: 'delete'; readonly partitionId: number; readonly pks: readonly PkValue[] }
  | { readonly kind: 'deleteWhere'; readonly partitionId: number; readonly filter: FilterPlan }
) & {
  /**
   * The write's idempotency key on this shard (`<request id>/<part>/<shard>`): the leader
   * records it with the WAL append and answers a retry with the first attempt's result.
   */
  readonly requestKey?: string;
};

export interface WriteResult {
  readonly ts: bigint;
  /** Keys a delete hit (deleteWhere reports the keys it found). */
  readonly pks?: readonly PkValue[];
}

/** How a read is consistent: the level and the guarantee timestamp from the coordinator. */
export interface ReadAt {
  readonly level: ConsistencyLevel;
  readonly guarantee: bigint;
  /** Read exactly at this snapshot (a hybrid search's later sub-searches, a query iterator's later pages). */
  readonly pinned?: bigint;
}

/** A shard's statistics for getCollectionStatistics and describeIndex. */
export interface ShardStats {
  readonly liveRows: number;
  readonly sealedRows: number;
  /** Rows of sealed segments with the field's index ready, by field name. */
  readonly indexedRows: Readonly<Record<string, number>>;
  readonly segmentIds: readonly number[];
  /** Query nodes serving the shard's sealed segments now. */
  readonly queryNodes: number;
  /** Columns the leader holds of its sealed segments, summed (1 per segment when hollow: the keys). */
  readonly sealedColumnsHeld: number;
  /** What feeding the query nodes their shares cost since the leader opened (node-feed.ts). */
  readonly nodeFeeds: NodeFeedStats;
}

/** The coordinator's answer when a data request starts. */
export interface Begun {
  readonly info: CollectionInfo;
  /** Guarantee timestamp of a read (0n = none). */
  readonly guarantee: bigint;
  readonly level: ConsistencyLevel;
  /** First of the auto ids reserved for this request. */
  readonly autoIdStart?: number;
}

/** Names a shard's leader and its query nodes in their namespaces. */
export function leaderName(db: string, collectionId: number, shard: number): string {
  return `${db}/c${collectionId}/s${shard}`;
}

export function queryNodeName(db: string, collectionId: number, shard: number, k: number): string {
  return `${db}/c${collectionId}/s${shard}/q${k}`;
}

export interface CallOptions {
  /** Charge one request of this kind to the database's rate limit. */
  readonly kind?: RequestKind;
  /** Epoch ms after which the request's caller has given up. */
  readonly deadline?: number;
}

/** What `begin` is asked for besides the collection. */
export interface BeginOptions extends CallOptions {
  /** A read: compute its consistency level (from this raw value) and guarantee timestamp. */
  readonly read?: boolean;
  readonly consistencyLevel?: unknown;
  readonly sessionTs?: string;
  /** Reserve this many auto ids, if the collection's primary key is autoID. */
  readonly autoIds?: number;
  /** The write's request id: a retry with the same id gets the same auto ids. */
  readonly requestId?: string;
}
