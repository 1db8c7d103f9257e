/**
 * MetaStore: small metadata records with compare-and-set (Milvus's etcd). The catalog,
 * id allocators and the timestamp oracle's high-water mark live here. Values are strings
 * (JSON text) so every backend (IndexedDB, DO SQLite, a file) stores them as-is.
 *
 * Versions: a record's version starts at 1 on create and grows by 1 on every put. An
 * `expectedVersion` of 0 means "must not exist"; a mismatch rejects with COMMIT_CONFLICT
 * (2100) and changes nothing.
 */
export interface MetaRecord {
  readonly value: string;
  readonly version: number;
}

export type MetaOp =
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly expectedVersion?: number }
  | { readonly type: 'delete'; readonly key: string; readonly expectedVersion?: number };

export interface MetaStore {
  get(key: string): Promise<MetaRecord | undefined>;
  /** Writes value; returns the new version. */
  put(key: string, value: string, expectedVersion?: number): Promise<number>;
  /** Deletes key (missing keys are fine unless expectedVersion is given and differs). */
  delete(key: string, expectedVersion?: number): Promise<void>;
  /** Records whose key starts with prefix, sorted ascending by key. */
  list(prefix: string): Promise<Array<readonly [string, MetaRecord]>>;
  /** Applies every op or none (all expectedVersions are checked first). Durable on resolve. */
  batch(ops: readonly MetaOp[]): Promise<void>;
  close?(): Promise<void>;
}
