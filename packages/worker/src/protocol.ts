/**
 * The API between a page and the engine worker (carried by wire.ts). Requests and
 * responses are the ProxyNode's (method, request) pairs — Milvus Node SDK shapes, JSON-safe —
 * so the worker adds no API of its own, only call metadata (call-meta.ts) and cancel.
 *
 * Failures travel as data: a method that fails RESOLVES with the VesperError itself, which
 * the wire protocol serializes with toJSON and rebuilds with fromJSON (error-transfer.ts does
 * the same for code that talks to a worker through comlink). Nothing relies on a messaging
 * library's own throw serialization, which keeps only name/message/stack and would lose the
 * code, kind and retriable flag.
 */
import type { BlockCacheStats, ReplicaOf, SealPolicy, VesperError } from '@vesper/core';
import type { CallMeta } from './call-meta.ts';

export interface EngineConfig {
  /** The database URL the worker's storage opener understands ('opfs://name', ...). */
  readonly url: string;
  /** An absolute URL of kernels.wasm; without it, vector search runs on the scalar kernels. */
  readonly kernels?: string;
  /** Engine options that can cross a postMessage (no functions). */
  readonly engine?: CloneableEngineOptions;
  /**
   * Query workers that search sealed segments in parallel (reader-pool.ts); 0 or absent:
   * none, the engine searches everything itself.
   */
  readonly queryWorkers?: number;
  /**
   * Bytes of block cache (disk-resident indexes' range reads) for the whole database, split
   * evenly between the engine worker and each query worker; absent: the default cache.
   */
  readonly memoryBudget?: number;
  /**
   * Open a local read-only replica of these server collections instead of a database
   * (core open-replica.ts): the worker keeps it in the storage `url` names, reaches the
   * server with its own `fetch`, and answers reads through `handle` like the engine does.
   * No query workers: `queryWorkers` is ignored.
   */
  readonly replicaOf?: ReplicaOf;
}

/** The method name `handle` answers with the DatabaseStats of the engine and its query workers. */
export const DATABASE_STATS = '$databaseStats';

/**
 * Method names `handle` answers for a replica (PARAMETER_INVALID for a database): they travel
 * as calls, so a follower tab reaches the leader tab's replica like any other call.
 * - REPLICA_SYNC: sends queued writes and brings every collection up to the server (undefined);
 * - REPLICA_STATUS: ReplicaStatus per collection;
 * - REJECTED_WRITES: the queued writes the server refused (RejectedWrite[]).
 */
export const REPLICA_SYNC = '$replicaSync';
export const REPLICA_STATUS = '$replicaStatus';
export const REJECTED_WRITES = '$rejectedWrites';

/** What `BrowserDatabase.stats()` answers. */
export interface DatabaseStats {
  /** The database's memoryBudget (undefined: none was set; each worker uses the default cache). */
  readonly memoryBudget: number | undefined;
  /** The engine worker's block cache. */
  readonly blockCache: BlockCacheStats;
  /** Each query worker's block cache; null while it is not running. */
  readonly queryWorkers: readonly (BlockCacheStats | null)[];
}

/** The method name `handle` answers with the query workers' QueryWorkerStats (not a ProxyNode method). */
export const QUERY_WORKER_STATS = '$queryWorkerStats';

export interface CloneableEngineOptions {
  readonly sealPolicy?: SealPolicy;
  /** Bounded consistency's staleness window in ms. */
  readonly boundedStalenessMs?: number;
}

export interface EngineApi {
  /** Opens storage and the ProxyNode; resolves undefined, or the VesperError that stopped it. */
  open(config: EngineConfig): Promise<VesperError | undefined>;
  /** Runs one ProxyNode request; resolves with its response or its VesperError. */
  handle(method: string, request: unknown, meta?: CallMeta): Promise<unknown>;
  /**
   * Cancels call `callId`: if it has not started it never runs; if it is running, its result
   * is dropped (a write that already reached the WAL stays applied).
   */
  cancel(callId: string): Promise<void>;
  /** Closes the engine and its storage; resolves undefined or the VesperError. */
  close(): Promise<VesperError | undefined>;
}

/**
 * The durable record of applied writes, by request id, that makes retries idempotent. The
 * storage opener may provide one (the browser's lives in IndexedDB beside the WAL).
 *
 * Invariant: `tagged(id, fn)` records `id` in the SAME transaction as every WAL append fn
 * makes, so "id recorded" ⇔ "the write is in the WAL" — even across a crash.
 */
export interface RequestLog {
  /** Whether write `id` was applied, and its response when that was recorded too. */
  lookup(id: string): Promise<{ readonly response?: unknown } | undefined>;
  /** Runs fn (one write, run alone) with its WAL appends tagged with id. */
  tagged<T>(id: string, fn: () => Promise<T>): Promise<T>;
  /** Remembers the response of applied write id (best effort; lookup answers without it). */
  record(id: string, response: unknown): Promise<void>;
}
