/**
 * interceptStorage: wraps a StorageSet so every adapter call passes through one function,
 * the shared plumbing of the fault-injecting and IO-counting wrappers (adapters around
 * adapters, never mocks). The wrapper implements the interfaces exactly; `close` bypasses the
 * interceptor so a test can always release the inner storage, even after an injected crash.
 */
import type { MetaOp, MetaRecord, MetaStore } from './meta-store.ts';
import type { ObjectInfo, ObjectStore, PutOptions } from './object-store.ts';
import type { StorageSet } from './storage-set.ts';
import type { Wal, WalEntry } from './wal.ts';

export type AdapterName = 'objects' | 'meta' | 'wal';
export type ObjectStoreMethod = 'put' | 'get' | 'getRange' | 'head' | 'list' | 'delete';
export type MetaStoreMethod = 'get' | 'put' | 'delete' | 'list' | 'batch';
export type WalMethod = 'append' | 'read' | 'truncate' | 'lastLsn' | 'channels' | 'dropChannel';

/** One adapter call as an interceptor sees it. */
export type StorageCall =
  | { readonly adapter: 'objects'; readonly method: ObjectStoreMethod; readonly keys: readonly string[]; readonly args: readonly unknown[] }
  | { readonly adapter: 'meta'; readonly method: MetaStoreMethod; readonly keys: readonly string[]; readonly args: readonly unknown[] }
  | { readonly adapter: 'wal'; readonly method: WalMethod; readonly keys: readonly string[]; readonly args: readonly unknown[] };

/**
 * `keys` are what the call touches: the object or meta key(s), the WAL channel, the listing
 * prefix; empty for `wal.channels`. `run` performs the call on the inner adapter.
 */
export type StorageInterceptor = <T>(call: StorageCall, run: () => Promise<T>) => Promise<T>;

export function interceptStorage(inner: StorageSet, intercept: StorageInterceptor): StorageSet {
  return {
    objects: interceptObjects(inner.objects, intercept),
    meta: interceptMeta(inner.meta, intercept),
    wal: interceptWal(inner.wal, intercept),
  };
}

function interceptObjects(o: ObjectStore, intercept: StorageInterceptor): ObjectStore {
  const call = <T>(method: ObjectStoreMethod, keys: readonly string[], args: readonly unknown[], run: () => Promise<T>): Promise<T> =>
    intercept({ adapter: 'objects', method, keys, args }, run);
  return {
    // the same files: what a reader caches by identity stays valid through the wrapper
    ...(o.identity === undefined ? {} : { identity: o.identity }),
    put: (key: string, bytes: Uint8Array, opts?: PutOptions): Promise<void> =>
      call('put', [key], [key, bytes, opts], () => o.put(key, bytes, opts)),
    get: (key: string): Promise<Uint8Array | undefined> => call('get', [key], [key], () => o.get(key)),
    getRange: (key: string, offset: number, length: number): Promise<Uint8Array | undefined> =>
      call('getRange', [key], [key, offset, length], () => o.getRange(key, offset, length)),
    head: (key: string): Promise<ObjectInfo | undefined> => call('head', [key], [key], () => o.head(key)),
    list: (prefix: string): Promise<ObjectInfo[]> => call('list', [prefix], [prefix], () => o.list(prefix)),
    delete: (keys: readonly string[]): Promise<void> => call('delete', keys, [keys], () => o.delete(keys)),
    close: async (): Promise<void> => o.close?.(),
  };
}

function interceptMeta(m: MetaStore, intercept: StorageInterceptor): MetaStore {
  const call = <T>(method: MetaStoreMethod, keys: readonly string[], args: readonly unknown[], run: () => Promise<T>): Promise<T> =>
    intercept({ adapter: 'meta', method, keys, args }, run);
  return {
    get: (key: string): Promise<MetaRecord | undefined> => call('get', [key], [key], () => m.get(key)),
    put: (key: string, value: string, expectedVersion?: number): Promise<number> =>
      call('put', [key], [key, value, expectedVersion], () => m.put(key, value, expectedVersion)),
    delete: (key: string, expectedVersion?: number): Promise<void> =>
      call('delete', [key], [key, expectedVersion], () => m.delete(key, expectedVersion)),
    list: (prefix: string): Promise<Array<readonly [string, MetaRecord]>> => call('list', [prefix], [prefix], () => m.list(prefix)),
    batch: (ops: readonly MetaOp[]): Promise<void> =>
      call('batch', ops.map((op) => op.key), [ops], () => m.batch(ops)),
    close: async (): Promise<void> => m.close?.(),
  };
}

function interceptWal(w: Wal, intercept: StorageInterceptor): Wal {
  const call = <T>(method: WalMethod, keys: readonly string[], args: readonly unknown[], run: () => Promise<T>): Promise<T> =>
    intercept({ adapter: 'wal', method, keys, args }, run);
  return {
    append: (channel: string, payloads: readonly Uint8Array[]): Promise<number[]> =>
      call('append', [channel], [channel, payloads], () => w.append(channel, payloads)),
    read: (channel: string, afterLsn: number, limit?: number): Promise<WalEntry[]> =>
      call('read', [channel], [channel, afterLsn, limit], () => w.read(channel, afterLsn, limit)),
    truncate: (channel: string, uptoLsn: number): Promise<void> =>
      call('truncate', [channel], [channel, uptoLsn], () => w.truncate(channel, uptoLsn)),
    lastLsn: (channel: string): Promise<number> => call('lastLsn', [channel], [channel], () => w.lastLsn(channel)),
    channels: (): Promise<string[]> => call('channels', [], [], () => w.channels()),
    dropChannel: (channel: string): Promise<void> => call('dropChannel', [channel], [channel], () => w.dropChannel(channel)),
    close: async (): Promise<void> => w.close?.(),
  };
}
