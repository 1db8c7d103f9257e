/**
 * The Node way to open an embedded Vesper database: WASM kernels loaded from the package,
 * storage in a directory (`{ path }`) or in memory (`'memory://'`). `memoryBudget` bounds the
 * block cache through which disk-resident indexes (IVF_PQ) read their vectors by range.
 */
import { VesperClient } from '../client/vesper-client.ts';
import type { EngineOptions } from '../proxy/proxy-context.ts';
import { budgetedIndexFactory, defaultBlockCache, getIndexFactory, DEFAULT_MEMORY_BUDGET } from '../index/index-registry.ts';
import { VesperError } from '../errors/index.ts';
import { BlockCache, checkBudget, type BlockCacheStats } from '../util/block-cache.ts';
import { loadKernelsNode } from './kernels.ts';
import { kernelsMemoryBytes } from '../kernels/loader.ts';
import { openFsStorage } from './fs-storage.ts';
import { createMemoryStorage } from '../adapters/memory-storage.ts';
import { openReplica, type ReplicaDatabase, type ReplicaOf } from '../replica/open-replica.ts';
import type { FetchFn } from '../replica/replica-transport.ts';

export interface NodeOpenOptions extends EngineOptions {
  /** A directory for the database (created if missing); omit for memory. */
  readonly path?: string;
  /**
   * Bytes the database's block cache may hold (the blocks disk-resident indexes read by range):
   * a hard ceiling. Without it, IVF_PQ indexes share one process-wide cache of
   * DEFAULT_MEMORY_BUDGET (256 MiB).
   */
  readonly memoryBudget?: number;
}

/** What the database holds in memory for its disk-resident indexes. */
export interface DatabaseStats {
  /** The block cache: capacity (the budget), resident bytes, hits, misses, bytes read by range. */
  readonly blockCache: BlockCacheStats;
  /** Bytes of this thread's WASM linear memory (the indexes' hot parts live there; it never shrinks). */
  readonly wasmMemoryBytes: number;
}

export interface NodeDatabase extends VesperClient {
  stats(): DatabaseStats;
}

/** A local replica of server collections (reads only; docs/guide-node.md). */
export interface NodeReplicaOptions {
  readonly path?: string;
  readonly memoryBudget?: number;
  readonly replicaOf: ReplicaOf;
}

/**
 * Opens a database in Node; with `replicaOf`, a local read-only replica of server collections
 * kept in `path` (or memory), synced over HTTP with Node's fetch.
 * @throws SERVICE_UNAVAILABLE when another process holds the directory, or a replica has no local state and the server is unreachable; PARAMETER_INVALID for a bad memoryBudget or replicaOf.
 */
export async function openDatabase(opts: NodeReplicaOptions): Promise<ReplicaDatabase & { stats(): DatabaseStats }>;
export async function openDatabase(opts?: NodeOpenOptions): Promise<NodeDatabase>;
export async function openDatabase(opts: NodeOpenOptions | NodeReplicaOptions = {}): Promise<NodeDatabase | (ReplicaDatabase & { stats(): DatabaseStats })> {
  if ('replicaOf' in opts && opts.replicaOf !== undefined) return openNodeReplica(opts);
  const { memoryBudget, ...engine } = opts as NodeOpenOptions;
  if (memoryBudget !== undefined) checkBudget(memoryBudget);
  await loadKernelsNode();
  const cache = memoryBudget === undefined ? undefined : new BlockCache(memoryBudget);
  const storage = opts.path === undefined ? 'memory://' : await openFsStorage(opts.path);
  const client = await VesperClient.open({ ...(cache ? { indexFactory: budgetedIndexFactory(cache) } : {}), ...engine, storage });
  return Object.assign(client, { stats: (): DatabaseStats => ({ blockCache: (cache ?? defaultBlockCache()).stats(), wasmMemoryBytes: kernelsMemoryBytes() }) });
}

async function openNodeReplica(opts: NodeReplicaOptions): Promise<ReplicaDatabase & { stats(): DatabaseStats }> {
  const known = ['path', 'memoryBudget', 'replicaOf'];
  const extra = Object.keys(opts).filter((k) => !known.includes(k));
  if (extra.length > 0) throw new VesperError('PARAMETER_INVALID', `openDatabase with replicaOf: option ${extra.join(', ')} does not apply to a replica (known: ${known.join(', ')})`);
  if (opts.memoryBudget !== undefined) checkBudget(opts.memoryBudget);
  await loadKernelsNode();
  const cache = opts.memoryBudget === undefined ? undefined : new BlockCache(opts.memoryBudget);
  const storage = opts.path === undefined ? createMemoryStorage() : await openFsStorage(opts.path);
  const db = await openReplica({ replicaOf: opts.replicaOf, storage, fetch: fetch as unknown as FetchFn, indexFactory: cache ? budgetedIndexFactory(cache) : getIndexFactory });
  return Object.assign(db, { stats: (): DatabaseStats => ({ blockCache: (cache ?? defaultBlockCache()).stats(), wasmMemoryBytes: kernelsMemoryBytes() }) });
}

export { DEFAULT_MEMORY_BUDGET };
