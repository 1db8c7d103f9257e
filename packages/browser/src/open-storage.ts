/**
 * openStorage: the adapter set a browser database URL names (Milvus's etcd + msgstream +
 * MinIO, as one StorageSet). Runs where the engine runs — inside the engine worker.
 *
 *   opfs://name  catalog + WAL in IndexedDB "vesper-opfs/name", files in OPFS
 *                "vesper/name" (IndexedDB files instead where OPFS or its move() is missing)
 *   idb://name   catalog + WAL + files in IndexedDB "vesper-idb/name"
 *   memory://    the memory adapters (gone when the worker ends)
 *
 * The two schemes keep separate IndexedDB databases, so an opfs:// catalog never points at
 * files an idb:// database holds, or the reverse. Query workers open only the object store,
 * read-only (`openReadOnlyObjects`), through the same choice of backend as the writer.
 */
import { VesperError, createMemoryStorage, type ObjectStore, type StorageSet, showValue } from '@vesper/core';
import type { RequestLog } from '@vesper/worker';
import { IdbMetaStore } from './idb-meta-store.ts';
import { IdbObjectStore } from './idb-object-store.ts';
import { IdbRequestLog } from './idb-request-log.ts';
import { IdbWal } from './idb-wal.ts';
import { OpfsObjectStore, opfsSupported } from './opfs-object-store.ts';
import { checkDatabaseName } from './storage-errors.ts';

export type StorageScheme = 'opfs' | 'idb' | 'memory';

export interface ParsedDatabaseUrl {
  readonly scheme: StorageScheme;
  /** The database name ('' for memory://). */
  readonly name: string;
}

/**
 * Splits a database URL.
 * @throws PARAMETER_INVALID for another scheme or a bad name.
 */
export function parseDatabaseUrl(url: string): ParsedDatabaseUrl {
  if (url === 'memory://') return { scheme: 'memory', name: '' };
  const m = typeof url === 'string' ? /^(opfs|idb):\/\/(.*)$/.exec(url) : null;
  if (m === null) {
    throw new VesperError('PARAMETER_INVALID', `database URL must be 'opfs://name', 'idb://name' or 'memory://', got ${showValue(url)}`);
  }
  checkDatabaseName(m[2]!);
  return { scheme: m[1] as StorageScheme, name: m[2]! };
}

/** The object store of a persistent database (the writer's, or a reader's read-only view). */
function openObjectStore(scheme: 'opfs' | 'idb', name: string, readOnly: boolean): Promise<ObjectStore & { close(): Promise<void> }> {
  if (scheme === 'opfs' && opfsSupported()) return OpfsObjectStore.open(`vesper/${name}`, { readOnly });
  const idb = IdbObjectStore.open(`vesper-${scheme}/${name}`);
  return readOnly ? idb.then(readOnlyObjects) : idb;
}

/**
 * The object store of url for a query worker: the writer's files, read-only — put and delete
 * are refused, and opening creates and cleans nothing.
 * @throws PARAMETER_INVALID for a bad URL or memory:// (nothing to share); IO_FAILED when storage refuses.
 */
export async function openReadOnlyObjects(url: string): Promise<ObjectStore & { close(): Promise<void> }> {
  const { scheme, name } = parseDatabaseUrl(url);
  if (scheme === 'memory') throw new VesperError('PARAMETER_INVALID', 'memory:// databases keep their files in the engine worker: query workers cannot read them');
  return openObjectStore(scheme, name, true);
}

function readOnlyObjects(store: ObjectStore & { close(): Promise<void> }): ObjectStore & { close(): Promise<void> } {
  const refuse = (what: string) => Promise.reject(new VesperError('INTERNAL', `object ${what}: this store was opened read-only (a query worker never writes)`));
  return {
    put: (key) => refuse(`put ${JSON.stringify(key)}`),
    delete: (keys) => refuse(`delete ${JSON.stringify(keys[0])}`),
    get: (key) => store.get(key),
    getRange: (key, offset, length) => store.getRange(key, offset, length),
    head: (key) => store.head(key),
    list: (prefix) => store.list(prefix),
    close: () => store.close(),
  };
}

/**
 * Opens the adapters for url (see the header).
 * @throws PARAMETER_INVALID for a bad URL; IO_FAILED / RESOURCE_EXHAUSTED when storage refuses.
 */
export async function openStorage(url: string): Promise<StorageSet & { readonly requests?: RequestLog }> {
  const { scheme, name } = parseDatabaseUrl(url);
  if (scheme === 'memory') return createMemoryStorage();
  const dbName = `vesper-${scheme}/${name}`;
  // the three adapters open in parallel (IndexedDB queues same-version opens behind a first upgrade)
  const settled = await Promise.allSettled([
    IdbMetaStore.open(dbName),
    IdbWal.open(dbName),
    openObjectStore(scheme, name, false),
  ] as const);
  const opened = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value as { close(): Promise<void> }] : []));
  try {
    const [metaR, walR, objectsR] = settled;
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    const meta = (metaR as PromiseFulfilledResult<IdbMetaStore>).value;
    const wal = (walR as PromiseFulfilledResult<IdbWal>).value;
    const objects = (objectsR as PromiseFulfilledResult<ObjectStore & { close(): Promise<void> }>).value;
    const requests = await IdbRequestLog.open(wal);
    return {
      meta,
      wal,
      objects,
      requests,
      async close() {
        await Promise.all(opened.map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
    throw err;
  }
}
