/**
 * Storage adapters: the three interfaces runtime-specific storage enters core through
 * (Milvus's MinIO/S3, etcd and msgstream), their memory implementations, and the wrappers
 * that inject faults and count IO. Node fs implementations live in `@vesper/core/node`.
 */
export type { ObjectInfo, ObjectStore, PutOptions } from './object-store.ts';
export type { MetaOp, MetaRecord, MetaStore } from './meta-store.ts';
export type { Wal, WalEntry } from './wal.ts';
export type { StorageSet } from './storage-set.ts';
export {
  MAX_OBJECT_KEY_LENGTH,
  checkChannel,
  checkObjectKey,
  checkMetaKey,
  checkCount,
  checkExpectedVersion,
  compareKeys,
  copyBytes,
  objectExists,
  versionConflict,
} from './adapter-checks.ts';
export { MemoryObjectStore, checkBytes } from './memory-object-store.ts';
export { MemoryMetaStore, planMetaBatch, applyMetaChanges } from './memory-meta-store.ts';
export { MemoryWal } from './memory-wal.ts';
export { createMemoryStorage } from './memory-storage.ts';
export {
  interceptStorage,
  type AdapterName,
  type MetaStoreMethod,
  type ObjectStoreMethod,
  type StorageCall,
  type StorageInterceptor,
  type WalMethod,
} from './intercept-storage.ts';
export {
  FaultInjectingStorage,
  type CrashOptions,
  type FaultHandle,
  type FaultMatch,
  type FaultRule,
} from './fault-injecting.ts';
export { IoCountingStorage, type IoStats, type IoStatsByOp } from './io-counting.ts';
export { QuotaLimitedStorage, type QuotaOptions } from './quota-limited.ts';
