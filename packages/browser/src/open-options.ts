/** The options of `openDatabase(url, options)` in the browser (a module of its own: the database and the replica opener both read them). */
import type { WorkerLike, CloneableEngineOptions } from '@vesper/worker';

export interface OpenDatabaseOptions {
  /**
   * Where kernels.wasm is. Default: the copy shipped in @vesper/core, which Vite and webpack 5
   * emit with the app on their own. Set it to serve the file from elsewhere (a CDN). A file
   * that cannot be fetched or compiled fails openDatabase with SERVICE_NOT_READY.
   */
  readonly kernels?: string | URL;
  /** Ask the browser for persistent storage (`navigator.storage.persist()`). Default false. */
  readonly persist?: boolean;
  /** Transfer Float32Array vectors in requests to the worker zero-copy (detaching them). Default false. */
  readonly transferVectors?: boolean;
  /** Starts a worker running the engine entry (tests, custom bundling); default: a new module worker. */
  readonly worker?: () => WorkerLike;
  /** Engine options (seal policy, bounded staleness) for this database. */
  readonly engine?: CloneableEngineOptions;
  /**
   * Share the database with other tabs of this origin (default true for opfs:// and idb://):
   * one tab leads (Web Locks) and runs the engine, the others forward to it. false: this
   * tab opens the storage itself — only safe when no other tab has it open.
   */
  readonly multiTab?: boolean;
  /**
   * Query workers searching sealed (flushed) segments in parallel, started by the engine
   * worker. Default `max(1, navigator.hardwareConcurrency - 1)`; 0: none, the engine worker
   * searches everything. They hold a second copy of the sealed segments (the engine worker
   * keeps its own for writes), so 0 halves the memory of a large collection. memory:// has no
   * storage they could share and always runs without them.
   */
  readonly queryWorkers?: number;
  /**
   * Bytes the database may keep of what disk-resident indexes (IVF_PQ) read by range: a hard
   * ceiling on its block caches, split evenly between the engine worker and each query worker.
   * Default: each worker has its own cache of DEFAULT_MEMORY_BUDGET (256 MiB). Hot index parts
   * (centroids, compressed codes) and the insert logs' other columns are not part of it.
   */
  readonly memoryBudget?: number;
}
