/**
 * The three adapters an engine opens with. A runtime supplies one set: memory, Node fs,
 * IndexedDB + OPFS, or DO storage + R2.
 */
import type { MetaStore } from './meta-store.ts';
import type { ObjectStore } from './object-store.ts';
import type { Wal } from './wal.ts';

export interface StorageSet {
  readonly meta: MetaStore;
  readonly objects: ObjectStore;
  readonly wal: Wal;
  /** Releases the set (file locks, handles). */
  close?(): Promise<void>;
}
