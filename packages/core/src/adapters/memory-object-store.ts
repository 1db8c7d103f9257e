/**
 * MemoryObjectStore: an ObjectStore held in a Map (Milvus's MinIO/S3 binlog storage, for
 * `memory://` databases and tests). First-class, not a mock: it honours the whole contract.
 *
 * Invariants: bytes are copied on put and on every read, so no caller can mutate stored data;
 * a create-only put checks and inserts in one synchronous step, so of concurrent racers for a
 * key exactly one wins; listings are sorted by key in code-unit order.
 */
import { VesperError } from '../errors/index.ts';
import { checkCount, checkObjectKey, compareKeys, copyBytes, objectExists } from './adapter-checks.ts';
import type { ObjectInfo, ObjectStore, PutOptions } from './object-store.ts';
import { showValue } from '../util/show-value.ts';

let memoryStores = 0;

export class MemoryObjectStore implements ObjectStore {
  /** Each memory store is its own set of files. */
  readonly identity = `memory:${++memoryStores}`;
  private readonly objects = new Map<string, Uint8Array>();
  private readonly uploaded = new Map<string, number>();

  /** @throws COMMIT_CONFLICT when opts.ifAbsent and key exists; PARAMETER_INVALID on a bad key. */
  async put(key: string, bytes: Uint8Array, opts?: PutOptions): Promise<void> {
    checkObjectKey(key);
    checkBytes(key, bytes);
    if (opts?.ifAbsent === true && this.objects.has(key)) throw objectExists(key);
    this.objects.set(key, copyBytes(bytes));
    this.uploaded.set(key, Date.now());
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkObjectKey(key);
    const bytes = this.objects.get(key);
    return bytes === undefined ? undefined : copyBytes(bytes);
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    checkObjectKey(key);
    checkCount('getRange offset', offset);
    checkCount('getRange length', length);
    const bytes = this.objects.get(key);
    if (bytes === undefined) return undefined;
    const start = Math.min(offset, bytes.length);
    return bytes.slice(start, Math.min(bytes.length, start + length));
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    checkObjectKey(key);
    const bytes = this.objects.get(key);
    return bytes === undefined ? undefined : { key, size: bytes.length, uploaded: this.uploaded.get(key)! };
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    for (const [key, bytes] of this.objects) {
      if (key.startsWith(prefix)) out.push({ key, size: bytes.length, uploaded: this.uploaded.get(key)! });
    }
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) checkObjectKey(key);
    for (const key of keys) {
      this.objects.delete(key);
      this.uploaded.delete(key);
    }
  }

  async close(): Promise<void> {}
}

/** @throws PARAMETER_INVALID unless bytes is a Uint8Array. */
export function checkBytes(key: string, bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new VesperError('PARAMETER_INVALID', `object ${showValue(key)}: bytes must be a Uint8Array`);
  }
}
