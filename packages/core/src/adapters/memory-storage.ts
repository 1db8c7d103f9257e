/**
 * createMemoryStorage: a fresh StorageSet of the three memory adapters, what a `memory://`
 * database opens with. Nothing is shared between two calls.
 */
import { MemoryMetaStore } from './memory-meta-store.ts';
import { MemoryObjectStore } from './memory-object-store.ts';
import { MemoryWal } from './memory-wal.ts';
import type { StorageSet } from './storage-set.ts';

export function createMemoryStorage(): StorageSet {
  return { meta: new MemoryMetaStore(), objects: new MemoryObjectStore(), wal: new MemoryWal() };
}
