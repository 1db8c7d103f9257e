/**
 * openDatabase: a Vesper database in a web page. The engine (ProxyNode, segments, indexes,
 * WAL) runs in a dedicated module Worker started here; the page gets a VesperClient — the
 * same Milvus-SDK-shaped API as in-process — whose transport forwards to that worker.
 *
 * Durability is the worker's: a write resolves only after its WAL record is committed in
 * IndexedDB, and segment files are flushed to OPFS before the metadata that names them, so
 * a reload, a closed tab or a terminated worker reopens to exactly the acknowledged state.
 */
import { VesperClient, type KernelSource } from '@vesper/core';
import { WorkerTransport, type CloneableEngineOptions, type WorkerLike } from '@vesper/worker';
import { parseDatabaseUrl } from './open-storage.ts';
import { requestPersistence, storageStats, type StorageStats } from './storage-stats.ts';

export interface OpenDatabaseOptions {
  /**
   * Where kernels.wasm is (with Vite: `import kernels from '@vesper/core/kernels.wasm?url'`).
   * Needed for ANN indexes (HNSW, IVF); without it search is exact on the scalar kernels.
   */
  readonly kernels?: string | URL;
  /** Ask the browser for persistent storage (`navigator.storage.persist()`). Default false. */
  readonly persist?: boolean;
  /** Transfer Float32Array vectors in requests to the worker zero-copy (detaching them). Default false. */
  readonly transferVectors?: boolean;
  /** A worker already running the engine entry (tests, custom bundling); default: a new one. */
  readonly worker?: WorkerLike;
  /** Engine options (seal policy, bounded staleness) for this database. */
  readonly engine?: CloneableEngineOptions;
}

/** A VesperClient whose engine runs in a worker, plus the browser storage helpers. */
export class BrowserDatabase extends VesperClient {
  constructor(
    private readonly workerTransport: WorkerTransport,
    /** The URL the database was opened with. */
    readonly url: string,
    /** Whether the browser granted persistent storage when the database opened. */
    readonly persisted: boolean,
  ) {
    super(workerTransport);
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
   * Ends the engine worker at once, as a crash would (pending calls reject with
   * SERVICE_UNAVAILABLE). Acknowledged writes survive; use close() for an orderly shutdown.
   */
  terminate(): void {
    this.workerTransport.terminate();
  }
}

/** Starts the engine worker (a module worker bundlers can follow). */
function startEngineWorker(url: string): Worker {
  return new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module', name: `vesper ${url}` });
}

/**
 * Opens (creating on first use) the database at url: 'opfs://name', 'idb://name' or 'memory://'.
 * @throws PARAMETER_INVALID for a bad URL; IO_FAILED / RESOURCE_EXHAUSTED when storage refuses;
 *   SERVICE_UNAVAILABLE when the worker cannot start.
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<BrowserDatabase> {
  parseDatabaseUrl(url); // reject a bad URL before starting a worker
  const transport = new WorkerTransport(options.worker ?? startEngineWorker(url), { transferVectors: options.transferVectors ?? false });
  try {
    const kernels = options.kernels === undefined ? undefined : new URL(String(options.kernels), globalThis.location.href).href;
    await transport.open({ url, ...(kernels === undefined ? {} : { kernels }), ...(options.engine === undefined ? {} : { engine: options.engine }) });
  } catch (err) {
    transport.terminate();
    throw err;
  }
  const persisted = options.persist === true ? await requestPersistence() : (await storageStats()).persisted;
  return new BrowserDatabase(transport, url, persisted);
}

export type { KernelSource };
