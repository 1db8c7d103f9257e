/**
 * The edge storage adapters: MetaStore and Wal on Durable Object SQLite storage, ObjectStore
 * on R2 — the StorageSet a CatalogCoordinator (and later ShardLeader/QueryNode) opens with.
 */
import type { StorageSet } from '@vesper/core';
import { DoSqlMetaStore } from './do-sql-meta-store.ts';
import { DoSqlWal } from './do-sql-wal.ts';
import { R2ObjectStore } from './r2-object-store.ts';

export { DoSqlMetaStore } from './do-sql-meta-store.ts';
export { DoSqlWal, TAG_RETAIN_MS, WAL_CHUNK_BYTES } from './do-sql-wal.ts';
export { R2ObjectStore, putIfAbsent } from './r2-object-store.ts';

/** The storage set of one Durable Object: its SQLite storage plus its prefix of the bucket. */
export function createEdgeStorage(storage: DurableObjectStorage, bucket: R2Bucket, root: string, createOnce?: (key: string, bytes: Uint8Array) => Promise<boolean>): StorageSet {
  return { meta: new DoSqlMetaStore(storage), wal: new DoSqlWal(storage), objects: new R2ObjectStore(bucket, root, createOnce) };
}
