/**
 * IdbObjectStore: the ObjectStore (Milvus's MinIO/S3 binlog storage) on IndexedDB — what
 * `idb://` databases use, and the fallback where OPFS is missing. Bytes live in `objects`,
 * sizes in `objectSizes`, so head and list never load an object's bytes.
 *
 * Invariants: a put writes bytes and size in one readwrite transaction (strict durability,
 * resolved after `done`), so a crash leaves the old object or the new one, never half; a
 * create-only put checks and writes in that same transaction, so of racing creators — in
 * any tab or worker — exactly one wins. Stored bytes are copies (a view's own bytes only).
 * Objects over BLOB_MIN_BYTES are stored as Blobs, so `getRange` slices the Blob and reads
 * only the range asked for (a disk-resident index pages through its files that way); smaller
 * objects — and objects written before schema v4 — are plain bytes.
 */
import { checkObjectKey, type ObjectInfo, type ObjectStore, type PutOptions } from '@vesper/core';
import { DURABLE, openVesperIdb, type VesperIdb } from './idb-schema.ts';
import { checkBytes, checkCount, guard, objectExists, ownBytes } from './storage-errors.ts';
import { BLOB_MIN_BYTES } from './idb-wal.ts';

export class IdbObjectStore implements ObjectStore {
  private constructor(
    private readonly db: VesperIdb,
    /** The IndexedDB database name. */
    readonly dbName: string,
  ) {}

  /** The IndexedDB database. */
  get identity(): string {
    return `idb:${this.dbName}`;
  }

  /** Opens the object store of IndexedDB database `dbName` (created on first use). */
  static async open(dbName: string): Promise<IdbObjectStore> {
    return new IdbObjectStore(await openVesperIdb(dbName), dbName);
  }

  /** @throws COMMIT_CONFLICT when opts.ifAbsent and key exists; RESOURCE_EXHAUSTED over quota. */
  async put(key: string, bytes: Uint8Array, opts?: PutOptions): Promise<void> {
    checkObjectKey(key);
    checkBytes(`object ${JSON.stringify(key)}`, bytes);
    // a Blob copies the view's bytes itself (shared memory is copied first: Blob parts cannot view it)
    const copy: Uint8Array | Blob =
      bytes.byteLength > BLOB_MIN_BYTES ? new Blob([bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice()]) : ownBytes(bytes);
    let exists = false;
    await guard(`object put ${JSON.stringify(key)}`, async () => {
      const tx = this.db.transaction(['objects', 'objectSizes'], 'readwrite', DURABLE);
      const sizes = tx.objectStore('objectSizes');
      try {
        if (opts?.ifAbsent === true && (await sizes.get(key)) !== undefined) {
          exists = true;
          tx.abort();
          return;
        }
        await Promise.all([tx.objectStore('objects').put(copy, key), sizes.put(bytes.byteLength, key)]);
      } finally {
        await tx.done.catch((err: unknown) => {
          if (!exists) throw err;
        });
      }
    });
    if (exists) throw objectExists(key);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkObjectKey(key);
    return guard(`object get ${JSON.stringify(key)}`, async () => {
      const v = await this.db.get('objects', key);
      return v instanceof Blob ? new Uint8Array(await v.arrayBuffer()) : v;
    });
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    checkObjectKey(key);
    checkCount('getRange offset', offset);
    checkCount('getRange length', length);
    return guard(`object getRange ${JSON.stringify(key)}`, async () => {
      const v = await this.db.get('objects', key);
      if (v === undefined) return undefined;
      const size = v instanceof Blob ? v.size : v.length;
      const start = Math.min(offset, size);
      const end = Math.min(size, start + length);
      return v instanceof Blob ? new Uint8Array(await v.slice(start, end).arrayBuffer()) : v.slice(start, end);
    });
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    checkObjectKey(key);
    const size = await guard(`object head ${JSON.stringify(key)}`, () => this.db.get('objectSizes', key));
    return size === undefined ? undefined : { key, size };
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    return guard(`object list ${JSON.stringify(prefix)}`, async () => {
      const out: ObjectInfo[] = [];
      const tx = this.db.transaction('objectSizes', 'readonly');
      let cursor = await tx.store.openCursor(IDBKeyRange.lowerBound(prefix));
      while (cursor !== null && cursor.key.startsWith(prefix)) {
        out.push({ key: cursor.key, size: cursor.value });
        cursor = await cursor.continue();
      }
      await tx.done;
      return out;
    });
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) checkObjectKey(key);
    if (keys.length === 0) return;
    await guard('object delete', async () => {
      const tx = this.db.transaction(['objects', 'objectSizes'], 'readwrite', DURABLE);
      const writes: Promise<unknown>[] = [tx.done];
      for (const key of keys) writes.push(tx.objectStore('objects').delete(key), tx.objectStore('objectSizes').delete(key));
      await Promise.all(writes);
    });
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
