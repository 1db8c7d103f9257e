/**
 * R2ObjectStore: the ObjectStore (Milvus's MinIO/S3 binlog storage) on an R2 bucket binding.
 * Every key lives under a root prefix (one per database, e.g. `db/default/`), so one bucket
 * serves many databases and tests get fresh, isolated stores.
 *
 * Invariants: a create-only put (a manifest version) of concurrent racers lets exactly one win
 * and gives the others COMMIT_CONFLICT. Writers in several Durable Objects (shard leaders)
 * pass `createOnce`, which sends it through their database's CatalogCoordinator: one at a time
 * per directory, and refused when a version at or above it exists — garbage collection
 * deletes old manifest versions, and a conditional put of a deleted version succeeds, so a
 * shard leader with a stale view once "committed" a version below the head that no reader
 * ever saw (test/workerd/replica-random.test.ts found it: deleted rows came back). On its own
 * the store makes one conditional R2 put (`If-None-Match: *`), enough for a single writer. Listings follow R2's cursor to the end and are re-sorted in UTF-16
 * code-unit order (R2 sorts by UTF-8 bytes); bytes returned are fresh copies.
 */
import { VesperError, checkBytes, checkCount, checkObjectKey, compareKeys, objectExists, type ObjectInfo, type ObjectStore, type PutOptions } from '@vesper/core';

export class R2ObjectStore implements ObjectStore {
  /**
   * @param bucket the R2 binding
   * @param root key prefix for this store: '' or a path ending in '/'
   */
  constructor(
    private readonly bucket: R2Bucket,
    private readonly root = '',
    /** Writes a create-only put (bucket key with the root) if absent, serialized per key; answers whether it wrote. */
    private readonly createOnce?: (key: string, bytes: Uint8Array) => Promise<boolean>,
  ) {}

  /** The database's prefix in the bucket: a QueryNode builds a store per request over the same files. */
  get identity(): string {
    return `r2:${this.root}`;
  }

  /** @throws COMMIT_CONFLICT when opts.ifAbsent and key exists; PARAMETER_INVALID on a bad key. */
  async put(key: string, bytes: Uint8Array, opts?: PutOptions): Promise<void> {
    checkObjectKey(key);
    checkBytes(key, bytes);
    // slice: R2 must get exactly the view's bytes, never the rest of its backing buffer
    const body = bytes.slice();
    if (opts?.ifAbsent === true) {
      const written = this.createOnce ? await this.createOnce(this.root + key, body) : await putIfAbsent(this.bucket, this.root + key, body);
      if (!written) throw objectExists(key);
      return;
    }
    await this.bucket.put(this.root + key, body);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkObjectKey(key);
    const obj = await this.bucket.get(this.root + key);
    return obj === null ? undefined : new Uint8Array(await obj.arrayBuffer());
  }

  /**
   * One R2 operation per read: a ranged GET (its answer is clamped to the object's end). R2
   * refuses a range that starts past the end (416) and an empty range, so those — rare: a
   * reader past the last block, or a zero-length read — learn the size from a `head` instead:
   * missing is undefined, past the end is empty. A GET that fails for a range inside the object
   * fails the read.
   */
  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    checkObjectKey(key);
    checkCount('getRange offset', offset);
    checkCount('getRange length', length);
    if (length > 0) {
      let obj: R2ObjectBody | null;
      try {
        obj = await this.bucket.get(this.root + key, { range: { offset, length } });
      } catch (e) {
        const head = await this.bucket.head(this.root + key);
        if (head === null) return undefined;
        if (offset < head.size) throw e;
        return new Uint8Array(0);
      }
      if (obj === null) return undefined;
      const bytes = new Uint8Array(await obj.arrayBuffer());
      if (bytes.length > length) throw new VesperError('INTERNAL', `R2 answered ${bytes.length} bytes for a ${length}-byte range of ${key}`);
      return bytes;
    }
    return (await this.bucket.head(this.root + key)) === null ? undefined : new Uint8Array(0);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    checkObjectKey(key);
    const obj = await this.bucket.head(this.root + key);
    return obj === null ? undefined : { key, size: obj.size, uploaded: obj.uploaded.getTime() };
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await this.bucket.list({ prefix: this.root + prefix, limit: 1000, ...(cursor !== undefined ? { cursor } : {}) });
      for (const o of page.objects) out.push({ key: o.key.slice(this.root.length), size: o.size, uploaded: o.uploaded.getTime() });
      if (!page.truncated) break;
      cursor = page.cursor;
    }
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) checkObjectKey(key);
    // R2 deletes at most 1000 keys per call
    for (let i = 0; i < keys.length; i += 1000) await this.bucket.delete(keys.slice(i, i + 1000).map((k) => this.root + k));
  }

  async close(): Promise<void> {}
}

/**
 * One conditional R2 put of `bytes` at bucket key `key` if nothing is there: true when it
 * wrote. Atomic only within one caller at a time (see the header): CatalogCoordinator.createOnce
 * serializes callers per key before calling it.
 */
export async function putIfAbsent(bucket: R2Bucket, key: string, bytes: Uint8Array): Promise<boolean> {
  return (await bucket.put(key, bytes, { onlyIf: new Headers({ 'If-None-Match': '*' }) })) !== null;
}
