/**
 * `@vesper/browser`: Vesper in a web page. `openDatabase('opfs://name' | 'idb://name' |
 * 'memory://')` runs the engine in a dedicated module Worker and returns a VesperClient with
 * the Milvus Node SDK's API. Also exported: the storage adapters a browser database opens
 * with (catalog and WAL in IndexedDB, files in OPFS or IndexedDB), `openStorage(url)` to
 * pick them, and the storage helpers (persistence, usage/quota).
 */
import { VesperClient, bundledKernelsUrl, initKernels, kernelsReady, type KernelSource } from '@vesper/core';

export { VesperClient, VesperError, DataType } from '@vesper/core';
export { openDatabase, BrowserDatabase, BrowserReplica, MAX_QUERY_WORKERS, type OpenDatabaseOptions, type CallOptions } from './open-database.ts';
export type { ReplicaOpenOptions } from './open-replica.ts';
export type { RejectedWrite, ReplicaOf, ReplicaStatus } from '@vesper/core';
export type { DatabaseStats, QueryWorkerStats, ReaderStats } from '@vesper/worker';
export { TabTransport, type TabTransportOptions } from './tab-transport.ts';
export { IdbRequestLog } from './idb-request-log.ts';
export { chunkedInsert, waitForIndex, type RowProgress, type IndexProgress } from './progress.ts';
export { openStorage, openReadOnlyObjects, parseDatabaseUrl, type ParsedDatabaseUrl, type StorageScheme } from './open-storage.ts';
export { requestPersistence, storageStats, type StorageStats } from './storage-stats.ts';
export { IdbMetaStore } from './idb-meta-store.ts';
export { IdbWal } from './idb-wal.ts';
export { IdbObjectStore } from './idb-object-store.ts';
export { OpfsObjectStore, opfsSupported } from './opfs-object-store.ts';
export { IDB_SCHEMA_VERSION } from './idb-schema.ts';
export { toStorageError } from './storage-errors.ts';

/**
 * Opens an in-memory database on the page's own thread (no worker). `kernels` is where the
 * WASM kernels come from (a URL, its bytes, or a module); default: the copy shipped in
 * @vesper/core.
 * @throws SERVICE_NOT_READY when kernels.wasm cannot be loaded.
 */
export async function openMemoryDatabase(kernels?: KernelSource): Promise<VesperClient> {
  if (!kernelsReady()) await initKernels(kernels ?? bundledKernelsUrl());
  return VesperClient.open({ storage: 'memory://' });
}
export { exportCollection, importCollection, type ExportOptions, type ImportOptions } from './arrow-io.ts';
