/**
 * openDatabase: a Vesper database in a web page. The engine (ProxyNode, segments, indexes,
 * WAL) runs in a dedicated module Worker started here; the page gets a VesperClient — the
 * same Milvus-SDK-shaped API as in-process — whose transport forwards to that worker.
 *
 * Durability is the worker's: a write resolves only after its WAL record is committed in
 * IndexedDB, and segment files are flushed to OPFS before the metadata that names them, so
 * a reload, a closed tab or a terminated worker reopens to exactly the acknowledged state.
 *
 * Parallel search: the engine worker starts `queryWorkers` query workers (nested workers,
 * @vesper/worker's reader-pool.ts) that hold the sealed segments and search them in
 * parallel; the engine worker stays the only writer and merges their partial results.
 *
 * Local replica: with `replicaOf`, the worker holds a copy of server collections (reads local, writes forwarded)
 * instead of a database (open-replica.ts), and the page gets a BrowserReplica.
 */
import { VesperClient, VesperError, bundledKernelsUrl, checkBudget, type KernelSource, type RejectedWrite, type ReplicaOf, type ReplicaStatus, type Transport } from '@vesper/core';
import { DATABASE_STATS, QUERY_WORKER_STATS, REJECTED_WRITES, REPLICA_STATUS, REPLICA_SYNC, WorkerTransport, type DatabaseStats, type QueryWorkerStats, type WorkerLink } from '@vesper/worker';
import { opfsSupported } from './opfs-object-store.ts';
import { parseDatabaseUrl } from './open-storage.ts';
import { chunkedInsert, waitForIndex, type IndexProgress, type RowProgress } from './progress.ts';
import { requestPersistence, storageStats, type StorageStats } from './storage-stats.ts';
import { TabTransport } from './tab-transport.ts';
import { checkReplicaOptions, type ReplicaOpenOptions } from './open-replica.ts';
import type { OpenDatabaseOptions } from './open-options.ts';

export type { OpenDatabaseOptions } from './open-options.ts';

/** The most query workers a database starts. */
export const MAX_QUERY_WORKERS = 32;

/** Per-call options the browser client adds to a request (taken off before it is sent). */
export interface CallOptions {
  /** Cancels the call: it rejects with CANCELLED, and the engine skips or drops it. */
  readonly signal?: AbortSignal;
  /** A write's idempotency key: retry a failed write with the `request_id` its error names. */
  readonly request_id?: string;
}

// WorkerLink first: its typed call is the overload a control call picks
type Engine = WorkerLink & Transport & { close(): Promise<void>; terminate(): void };
type InsertReq = Parameters<VesperClient['insert']>[0];
type IndexReq = Parameters<VesperClient['createIndex']>[0];

/** A VesperClient whose engine runs in a worker (in this tab or the leader tab), plus browser helpers. */
export class BrowserDatabase extends VesperClient {
  constructor(
    private readonly engineLink: Engine,
    /** The URL the database was opened with. */
    readonly url: string,
    /** Whether the browser granted persistent storage when the database opened. */
    readonly persisted: boolean,
  ) {
    super(engineLink);
  }

  /** 'leader' when this tab runs the engine, 'follower' when it forwards to another tab, 'single' when unshared. */
  get role(): 'leader' | 'follower' | 'single' {
    return this.engineLink instanceof TabTransport ? this.engineLink.role : 'single';
  }

  /**
   * Inserts rows. With `onProgress` (or `batch_size`) a large batch is sent in batches of
   * `batch_size` rows (default 1,000), each acknowledged on its own, reporting progress.
   * @throws CANCELLED when `signal` fires (details.inserted: rows already acknowledged).
   */
  override insert(req: InsertReq & CallOptions & { onProgress?: (p: RowProgress) => void; batch_size?: number }): ReturnType<VesperClient['insert']> {
    const { onProgress, batch_size: batchSize, ...rest } = req;
    if (onProgress === undefined && batchSize === undefined) return super.insert(rest);
    return chunkedInsert((r) => super.insert(r), rest, { batchSize: batchSize ?? 1000, ...(onProgress ? { onProgress } : {}), ...(rest.signal ? { signal: rest.signal } : {}) });
  }

  /**
   * Creates an index. With `onProgress` or `signal`, resolves only when the build finished,
   * reporting progress; aborting drops the index being built.
   * @throws CANCELLED when `signal` fires.
   */
  override async createIndex(req: IndexReq & { onProgress?: (p: IndexProgress) => void; signal?: AbortSignal }): ReturnType<VesperClient['createIndex']> {
    if (Array.isArray(req)) return super.createIndex(req);
    const { onProgress, signal, ...rest } = req as Exclude<IndexReq, unknown[]> & { onProgress?: (p: IndexProgress) => void; signal?: AbortSignal };
    const status = await super.createIndex(rest);
    if (onProgress !== undefined || signal !== undefined) {
      await waitForIndex(this, { collection_name: rest.collection_name, ...(typeof rest.field_name === 'string' ? { field_name: rest.field_name } : {}), ...(rest.db_name ? { db_name: rest.db_name } : {}) }, {
        ...(onProgress ? { onProgress } : {}),
        ...(signal ? { signal } : {}),
      });
    }
    return status;
  }

  override search(req: Parameters<VesperClient['search']>[0] & CallOptions): ReturnType<VesperClient['search']> {
    return super.search(req);
  }

  override query(req: Parameters<VesperClient['query']>[0] & CallOptions): ReturnType<VesperClient['query']> {
    return super.query(req);
  }

  /**
   * What the query workers hold and have done (in a follower tab: the leader's).
   * @throws SERVICE_UNAVAILABLE when the database is closed.
   */
  queryWorkerStats(): Promise<QueryWorkerStats> {
    return this.engineLink.call(QUERY_WORKER_STATS, {});
  }

  /**
   * The memory budget and the block caches of the engine worker and each query worker
   * (resident bytes, hits, misses, bytes read by range); in a follower tab, the leader's.
   * @throws SERVICE_UNAVAILABLE when the database is closed.
   */
  stats(): Promise<DatabaseStats> {
    return this.engineLink.call(DATABASE_STATS, {});
  }

  /** Origin storage usage and quota (`navigator.storage.estimate()`), and persistence. */
  storageStats(): Promise<StorageStats> {
    return storageStats();
  }

  /** Asks for persistent storage now; resolves whether it is granted. */
  requestPersistence(): Promise<boolean> {
    return requestPersistence();
  }

  /**
   * Ends this tab's part at once, as a closed tab would: a leader's worker is terminated
   * (pending calls reject with SERVICE_UNAVAILABLE) and another tab takes over. Acknowledged
   * writes survive; use close() for an orderly shutdown.
   */
  terminate(): void {
    this.engineLink.terminate();
  }
}

/**
 * A replica in a web page: the BrowserDatabase reads (search, query, get, count, describe),
 * answered in the engine worker from local storage; insert, upsert and delete forwarded to the
 * server (queued in IndexedDB while it is unreachable, sent in order and exactly once); sync,
 * status, and the queued writes the server refused. Other server operations reject with
 * UNIMPLEMENTED (10) "replica-write".
 */
export class BrowserReplica extends BrowserDatabase {
  private readonly rejectedListeners = new Set<(w: RejectedWrite) => void>();
  private readonly reported = new Set<string>();
  private watch: ReturnType<typeof setInterval> | undefined;

  /** @internal use openDatabase(url, { replicaOf }) */
  constructor(
    private readonly replicaLink: Engine,
    url: string,
    persisted: boolean,
  ) {
    super(replicaLink, url, persisted);
  }

  /**
   * Sends queued writes, then brings every replicated collection up to the server (in the
   * leader tab's engine worker).
   * @throws SERVICE_UNAVAILABLE when the server is unreachable (local reads go on) or the database is closed.
   */
  async sync(): Promise<void> {
    try {
      await this.replicaLink.call(REPLICA_SYNC, {});
    } finally {
      if (this.rejectedListeners.size > 0) await this.reportRejected().catch(() => undefined);
    }
  }

  /** Per collection: read timestamp, lag, bytes held, last sync, online, writes not yet acknowledged (asynchronous here: it lives in the worker). */
  replicaStatus(): Promise<ReplicaStatus[]> {
    return this.replicaLink.call(REPLICA_STATUS, {});
  }

  /** Queued writes the server refused (the most recent 100, oldest first). */
  rejectedWrites(): Promise<RejectedWrite[]> {
    return this.replicaLink.call(REJECTED_WRITES, {});
  }

  /**
   * Calls `listener` with each queued write the server refuses (checked after every `sync()`
   * and once a second while a listener is registered: the outbox lives in the engine worker).
   * @returns the unsubscribe function
   */
  onWriteRejected(listener: (w: RejectedWrite) => void): () => void {
    this.rejectedListeners.add(listener);
    this.watch ??= setInterval(() => void this.reportRejected().catch(() => undefined), REJECTED_POLL_MS);
    return () => {
      this.rejectedListeners.delete(listener);
      if (this.rejectedListeners.size === 0 && this.watch !== undefined) {
        clearInterval(this.watch);
        this.watch = undefined;
      }
    };
  }

  override async close(): Promise<void> {
    if (this.watch !== undefined) clearInterval(this.watch);
    this.watch = undefined;
    this.rejectedListeners.clear();
    await super.close();
  }

  private async reportRejected(): Promise<void> {
    for (const w of await this.rejectedWrites()) {
      if (this.reported.has(w.request_id)) continue;
      this.reported.add(w.request_id);
      for (const l of this.rejectedListeners) l(w);
    }
  }
}

/** How often a page with an onWriteRejected listener asks the engine worker for refused writes. */
const REJECTED_POLL_MS = 1000;

/** Starts the engine worker (a module worker bundlers can follow). */
function startEngineWorker(url: string): Worker {
  return new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module', name: `vesper ${url}` });
}

/**
 * How many query workers url gets (see OpenDatabaseOptions.queryWorkers).
 * @throws PARAMETER_INVALID for a count that is not a whole number in [0, MAX_QUERY_WORKERS].
 */
export function queryWorkerCount(url: string, requested: number | undefined): number {
  if (requested !== undefined && !(Number.isInteger(requested) && requested >= 0 && requested <= MAX_QUERY_WORKERS)) {
    throw new VesperError('PARAMETER_INVALID', `queryWorkers must be a whole number in [0, ${MAX_QUERY_WORKERS}], got ${String(requested)}`);
  }
  if (parseDatabaseUrl(url).scheme === 'memory') return 0;
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return requested ?? Math.min(MAX_QUERY_WORKERS, Math.max(1, (cores || 2) - 1));
}

async function startEngine(url: string, options: OpenDatabaseOptions, replicaOf?: ReplicaOf): Promise<WorkerTransport> {
  // a replica reads in the engine worker alone (its sealed files are not a database's to share)
  const queryWorkers = replicaOf === undefined ? queryWorkerCount(url, options.queryWorkers) : 0;
  const transport = new WorkerTransport(options.worker?.() ?? startEngineWorker(url), { transferVectors: options.transferVectors ?? false });
  try {
    const kernels = new URL(String(options.kernels ?? bundledKernelsUrl()), globalThis.location.href).href;
    await transport.open({
      url, queryWorkers, kernels, ...(options.engine === undefined ? {} : { engine: options.engine }),
      ...(options.memoryBudget === undefined ? {} : { memoryBudget: options.memoryBudget }),
      ...(replicaOf === undefined ? {} : { replicaOf }),
    });
  } catch (err) {
    transport.terminate();
    throw err;
  }
  return transport;
}

/** Whether `new Worker(url, { type: 'module' })` is honoured (a browser that ignores `type` never reads it). */
function moduleWorkersSupported(): boolean {
  if (typeof Worker !== 'function') return false;
  let read = false;
  const probe = {
    get type(): WorkerType {
      read = true;
      return 'module';
    },
  };
  try {
    new Worker('data:text/javascript,', probe).terminate();
  } catch {
    // a CSP refusing data: workers still read the options first
  }
  return read;
}

/**
 * What the page must offer, checked once at open time so a missing feature is one coded error
 * naming the way around it, not a failure deep in the worker at the first write:
 * module workers (the engine and query workers are module workers), OPFS for `opfs://`
 * (fallback `idb://`) and Web Locks for a database shared between tabs (fallback
 * `multiTab: false`; `queryWorkers: 0` where query workers cannot start).
 * @throws UNIMPLEMENTED (10)
 */
function checkEnvironment(scheme: string, options: OpenDatabaseOptions): void {
  const nav = (globalThis as { navigator?: { locks?: unknown } }).navigator;
  if (options.worker === undefined && !moduleWorkersSupported()) {
    throw new VesperError(
      'UNIMPLEMENTED',
      "this browser cannot start module workers (new Worker(url, { type: 'module' })): Vesper's engine runs in one; use a current browser, or pass `worker` (a function returning the engine worker you start yourself) with `queryWorkers: 0`",
    );
  }
  if (scheme === 'opfs' && !opfsSupported()) {
    throw new VesperError(
      'UNIMPLEMENTED',
      'the Origin Private File System (with FileSystemFileHandle.move) is not available here (an insecure http:// page, private browsing in some browsers, or an old browser): open `idb://<name>` instead to store the database in IndexedDB',
    );
  }
  if (scheme !== 'memory' && (options.multiTab ?? true) && nav?.locks === undefined) {
    throw new VesperError(
      'UNIMPLEMENTED',
      'Web Locks (navigator.locks) are not available here, so tabs cannot share this database safely: pass `multiTab: false` when only one tab opens it, or use `memory://`',
    );
  }
}

function canShare(): boolean {
  return typeof BroadcastChannel === 'function' && (globalThis as { navigator?: { locks?: unknown } }).navigator?.locks !== undefined;
}

/**
 * Opens (creating on first use) the database at url: 'opfs://name', 'idb://name' or
 * 'memory://'. Persistent databases are shared by the origin's tabs (see multiTab).
 * With `replicaOf`, a local read-only replica of server collections kept at url, synced with
 * the worker's fetch (the server must answer CORS, as the Vesper Worker does); tabs share it (one leads and syncs).
 * @throws PARAMETER_INVALID for a bad URL or queryWorkers, an option that does not apply to a replica;
 *   IO_FAILED / RESOURCE_EXHAUSTED when storage refuses; SERVICE_UNAVAILABLE when the worker cannot start,
 *   a replica has no local state and its server is unreachable;
 *   SERVICE_NOT_READY when kernels.wasm cannot be loaded.
 */
export async function openDatabase(url: string, options: ReplicaOpenOptions): Promise<BrowserReplica>;
export async function openDatabase(url: string, options?: OpenDatabaseOptions): Promise<BrowserDatabase>;
export async function openDatabase(url: string, options: OpenDatabaseOptions | ReplicaOpenOptions = {}): Promise<BrowserDatabase> {
  const { scheme } = parseDatabaseUrl(url); // reject a bad URL or option before starting a worker
  if ('replicaOf' in options && options.replicaOf !== undefined) {
    checkReplicaOptions(options);
    if (options.memoryBudget !== undefined) checkBudget(options.memoryBudget);
    checkEnvironment(scheme, options);
    const { replicaOf, multiTab, ...engineOptions } = options;
    const start = () => startEngine(url, engineOptions, replicaOf);
    const shared = scheme !== 'memory' && (multiTab ?? true) && canShare();
    const engine: Engine = shared ? await TabTransport.open({ url, startEngine: start }) : await start();
    const persisted = options.persist === true ? await requestPersistence() : (await storageStats()).persisted;
    return new BrowserReplica(engine, url, persisted);
  }
  options = options as OpenDatabaseOptions;
  queryWorkerCount(url, options.queryWorkers);
  if (options.memoryBudget !== undefined) checkBudget(options.memoryBudget);
  checkEnvironment(scheme, options);
  const shared = scheme !== 'memory' && (options.multiTab ?? true) && canShare();
  const engine: Engine = shared ? await TabTransport.open({ url, startEngine: () => startEngine(url, options) }) : await startEngine(url, options);
  const persisted = options.persist === true ? await requestPersistence() : (await storageStats()).persisted;
  return new BrowserDatabase(engine, url, persisted);
}

export type { KernelSource };
