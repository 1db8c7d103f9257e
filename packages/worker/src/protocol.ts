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
import type { BlockCacheStats, EngineMethod, EngineRequest, EngineResponse, RejectedWrite, ReplicaOf, ReplicaStatus, SealPolicy, VesperError } from '@vesper/core';
import type { CallMeta } from './call-meta.ts';
import type { QueryWorkerStats } from './reader-pool.ts';

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

/**
 * The worker's own calls, beside the ProxyNode's methods: name → request and response. They
 * travel as (method, request) calls like engine methods, so a follower tab reaches the leader
 * tab's worker with them unchanged; their names start with `$`, which no engine method does
 * (checked below at compile time), so one cannot shadow the other.
 * - $queryWorkerStats: the query workers' QueryWorkerStats;
 * - $databaseStats: the DatabaseStats of the engine and its query workers;
 * - $replicaSync: sends a replica's queued writes and brings every collection up to the
 *   server (PARAMETER_INVALID for a database, as are the next two);
 * - $replicaStatus: ReplicaStatus per collection;
 * - $rejectedWrites: the queued writes the server refused.
 */
export interface WorkerControlCalls {
  readonly $queryWorkerStats: { readonly request: Record<string, never>; readonly response: QueryWorkerStats };
  readonly $databaseStats: { readonly request: Record<string, never>; readonly response: DatabaseStats };
  readonly $replicaSync: { readonly request: Record<string, never>; readonly response: undefined };
  readonly $replicaStatus: { readonly request: Record<string, never>; readonly response: ReplicaStatus[] };
  readonly $rejectedWrites: { readonly request: Record<string, never>; readonly response: RejectedWrite[] };
}

/** A worker control call's name. */
export type ControlMethod = keyof WorkerControlCalls;

/** Everything `handle` answers: the engine's methods and the worker's control calls. */
export type WorkerMethod = EngineMethod | ControlMethod;

/** What method M accepts through the worker. */
export type WorkerRequest<M extends WorkerMethod> = M extends ControlMethod ? WorkerControlCalls[M]['request'] : M extends EngineMethod ? EngineRequest<M> : never;

/** What method M answers through the worker. */
export type WorkerResponse<M extends WorkerMethod> = M extends ControlMethod ? WorkerControlCalls[M]['response'] : M extends EngineMethod ? EngineResponse<M> : never;

/** Compiles only while no control call shares a name with an engine method. */
type Disjoint<A, B> = [Extract<A, B>] extends [never] ? true : never;
const CONTROL_NAMES_ARE_DISJOINT: Disjoint<ControlMethod, EngineMethod> = true;
void CONTROL_NAMES_ARE_DISJOINT;

export const QUERY_WORKER_STATS = '$queryWorkerStats' satisfies ControlMethod;
export const DATABASE_STATS = '$databaseStats' satisfies ControlMethod;
export const REPLICA_SYNC = '$replicaSync' satisfies ControlMethod;
export const REPLICA_STATUS = '$replicaStatus' satisfies ControlMethod;
export const REJECTED_WRITES = '$rejectedWrites' satisfies ControlMethod;

/** Every control call, by name (the runtime twin of WorkerControlCalls: requests arrive as strings). */
const CONTROL_METHODS: { readonly [M in ControlMethod]: true } = {
  $queryWorkerStats: true, $databaseStats: true, $replicaSync: true, $replicaStatus: true, $rejectedWrites: true,
};

/** Whether `method` names a worker control call (an own key: `constructor` is not one). */
export function isControlMethod(method: string): method is ControlMethod {
  return Object.prototype.hasOwnProperty.call(CONTROL_METHODS, method);
}

/**
 * A link to an engine worker (WorkerTransport, or a tab forwarding to the leader tab's): one
 * typed call for engine methods and control calls alike.
 * @throws the engine's VesperError; PARAMETER_INVALID for a method neither knows.
 */
export interface WorkerLink {
  call<M extends WorkerMethod>(method: M, request: WorkerRequest<M>): Promise<WorkerResponse<M>>;
}

/** What `BrowserDatabase.stats()` answers. */
export interface DatabaseStats {
  /** The database's memoryBudget (undefined: none was set; each worker uses the default cache). */
  readonly memoryBudget: number | undefined;
  /** The engine worker's block cache. */
  readonly blockCache: BlockCacheStats;
  /** Bytes of the engine worker's WASM linear memory (the indexes' hot parts live there; it never shrinks). */
  readonly wasmMemoryBytes: number;
  /** Each query worker's block cache; null while it is not running. */
  readonly queryWorkers: readonly (BlockCacheStats | null)[];
}

export interface CloneableEngineOptions {
  readonly sealPolicy?: SealPolicy;
  /** Bounded consistency's staleness window in ms. */
  readonly boundedStalenessMs?: number;
}

export interface EngineApi {
  /** Opens storage and the ProxyNode; resolves undefined, or the VesperError that stopped it. */
  open(config: EngineConfig): Promise<VesperError | undefined>;
  /**
   * Runs one engine method or control call; resolves with its response or its VesperError.
   * `method` arrives as a string from the wire: one neither map names answers PARAMETER_INVALID.
   */
  handle<M extends WorkerMethod>(method: M, request: WorkerRequest<M>, meta?: CallMeta): Promise<WorkerResponse<M> | VesperError>;
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
