/**
 * `@vesper/core/node`: the Node-only entry point — file-system storage adapters and the
 * directory-locked StorageSet. Only Node code imports this; the portable engine never does.
 */
export { FsObjectStore } from './fs-object-store.ts';
export { FsMetaStore, type FsMetaStoreOptions } from './fs-meta-store.ts';
export { FsWal } from './fs-wal.ts';
export { openFsStorage, type FsStorage, type FsStorageOptions } from './fs-storage.ts';
export { KERNELS_WASM_PATH, loadKernelsNode } from './kernels.ts';
export { openDatabase, DEFAULT_MEMORY_BUDGET, type NodeOpenOptions, type NodeDatabase, type DatabaseStats } from './open-database.ts';
export { exportCollection, importCollection, type ExportOptions, type ImportOptions } from './collection-file.ts';
