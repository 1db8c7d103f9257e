/**
 * ObjectStore: where immutable files live (Milvus's MinIO/S3 binlog storage). Segment files,
 * delete logs, index files and manifests are written once and never modified; a commit is a
 * create-only put (`ifAbsent`), which is how two writers racing for the same manifest version
 * are told apart. Implementations: memory (core), Node fs (@vesper/core/node), OPFS/IndexedDB
 * (browser), R2 (edge).
 */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  /** When the object was written (epoch ms), where the store knows (R2, memory); for GC grace periods. */
  readonly uploaded?: number;
}

export interface PutOptions {
  /** Create-only: reject with COMMIT_CONFLICT (2100) if the key already exists. */
  readonly ifAbsent?: boolean;
}

export interface ObjectStore {
  /**
   * Names the files behind the store (its directory, database or bucket prefix): two instances
   * over the same files have the same identity. Readers cache what never changes under a key —
   * an insert log's column directory — by (identity, key), so a store rebuilt per request (an
   * edge QueryNode's) still hits. Undefined: nothing is cached for this store.
   */
  readonly identity?: string;
  /** Stores bytes under key; resolves once they are durable. */
  put(key: string, bytes: Uint8Array, opts?: PutOptions): Promise<void>;
  /** The whole object, or undefined when absent. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** bytes [offset, offset + length) clamped to the object, or undefined when absent. */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Objects whose key starts with prefix, sorted ascending by key (code-unit order). */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Deletes keys; missing keys are ignored. */
  delete(keys: readonly string[]): Promise<void>;
  close?(): Promise<void>;
}
