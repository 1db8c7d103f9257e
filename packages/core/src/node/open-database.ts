/**
 * The Node way to open an embedded Vesper database: WASM kernels loaded from the package,
 * storage in a directory (`{ path }`) or in memory (`'memory://'`). `memoryBudget` bounds the
 * block cache through which disk-resident indexes (IVF_PQ) read their vectors by range.
 */
import { VesperClient } from '../client/vesper-client.ts';
import type { EngineOptions } from '../proxy/proxy-context.ts';
import { budgetedIndexFactory, defaultBlockCache, DEFAULT_MEMORY_BUDGET } from '../index/index-registry.ts';
import { BlockCache, checkBudget, type BlockCacheStats } from '../util/block-cache.ts';
import { loadKernelsNode } from './kernels.ts';
import { openFsStorage } from './fs-storage.ts';

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
}

export interface NodeDatabase extends VesperClient {
  stats(): DatabaseStats;
}

/**
 * Opens a database in Node.
 * @throws SERVICE_UNAVAILABLE when another process holds the directory; PARAMETER_INVALID for a bad memoryBudget.
 */
export async function openDatabase(opts: NodeOpenOptions = {}): Promise<NodeDatabase> {
  const { memoryBudget, ...engine } = opts;
  if (memoryBudget !== undefined) checkBudget(memoryBudget);
  await loadKernelsNode();
  const cache = memoryBudget === undefined ? undefined : new BlockCache(memoryBudget);
  const storage = opts.path === undefined ? 'memory://' : await openFsStorage(opts.path);
  const client = await VesperClient.open({ ...(cache ? { indexFactory: budgetedIndexFactory(cache) } : {}), ...engine, storage });
  return Object.assign(client, { stats: (): DatabaseStats => ({ blockCache: (cache ?? defaultBlockCache()).stats() }) });
}

export { DEFAULT_MEMORY_BUDGET };
