/**
 * DoSqlMetaStore: the MetaStore (Milvus's etcd) on a Durable Object's SQLite storage. One
 * table `vesper_meta(key, value, version)`; a batch is planned against the current rows with
 * core's planMetaBatch (the same rules the memory store keeps) and applied inside
 * `transactionSync`, so it is atomic and — the DO being single-threaded with synchronous SQL —
 * isolated from concurrent callers. Writes are durable before the DO's output gate opens, so no
 * caller outside the DO ever sees an acknowledgement for a write that could still be lost.
 *
 * Listings are sorted in JS: SQLite compares TEXT as UTF-8 bytes, which differs from the
 * contract's UTF-16 code-unit order for astral characters. A prefix is still one contiguous
 * range in byte order, so listing walks the index from the prefix and stops at the first miss.
 */
import {
  VesperError,
  applyMetaChanges,
  checkMetaKey,
  compareKeys,
  planMetaBatch,
  type MetaOp,
  type MetaRecord,
  type MetaStore,
  showValue,
} from '@vesper/core';

interface MetaRow extends Record<string, SqlStorageValue> {
  key: string;
  value: string;
  version: number;
}

/** Largest value a row may hold: DO SQLite rows are limited to 2 MB. */
const MAX_VALUE_BYTES = 2_000_000 - 4096;

export class DoSqlMetaStore implements MetaStore {
  private readonly sql: SqlStorage;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.sql.exec('CREATE TABLE IF NOT EXISTS vesper_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL, version INTEGER NOT NULL)');
  }

  async get(key: string): Promise<MetaRecord | undefined> {
    checkMetaKey(key);
    return this.read(key);
  }

  /** @throws COMMIT_CONFLICT when expectedVersion is given and differs. */
  async put(key: string, value: string, expectedVersion?: number): Promise<number> {
    const changes = this.apply([{ type: 'put', key, value, ...(expectedVersion !== undefined ? { expectedVersion } : {}) }]);
    return changes.get(key)?.version ?? 0;
  }

  /** @throws COMMIT_CONFLICT when expectedVersion is given and differs. */
  async delete(key: string, expectedVersion?: number): Promise<void> {
    this.apply([{ type: 'delete', key, ...(expectedVersion !== undefined ? { expectedVersion } : {}) }]);
  }

  async list(prefix: string): Promise<Array<readonly [string, MetaRecord]>> {
    const out: Array<readonly [string, MetaRecord]> = [];
    for (const row of this.sql.exec<MetaRow>('SELECT key, value, version FROM vesper_meta WHERE key >= ? ORDER BY key', prefix)) {
      if (!row.key.startsWith(prefix)) break;
      out.push([row.key, Object.freeze({ value: row.value, version: row.version })]);
    }
    return out.sort((a, b) => compareKeys(a[0], b[0]));
  }

  /** @throws COMMIT_CONFLICT when any expectedVersion differs (nothing is applied). */
  async batch(ops: readonly MetaOp[]): Promise<void> {
    this.apply(ops);
  }

  async close(): Promise<void> {}

  private read(key: string): MetaRecord | undefined {
    const row = this.sql.exec<MetaRow>('SELECT key, value, version FROM vesper_meta WHERE key = ?', key).toArray()[0];
    return row === undefined ? undefined : Object.freeze({ value: row.value, version: row.version });
  }

  /** Plans against the rows the ops touch, then writes every change in one transaction. */
  private apply(ops: readonly MetaOp[]): Map<string, MetaRecord | undefined> {
    for (const op of ops) {
      if (op.type === 'put' && typeof op.value === 'string' && op.value.length * 3 > MAX_VALUE_BYTES && new TextEncoder().encode(op.value).length > MAX_VALUE_BYTES) {
        throw new VesperError('PARAMETER_TOO_LARGE', `meta value for ${showValue(op.key)} exceeds ${MAX_VALUE_BYTES} bytes (a Durable Object SQLite row holds at most 2 MB)`);
      }
    }
    return this.storage.transactionSync(() => {
      const current = new Map<string, MetaRecord>();
      for (const op of ops) {
        if (typeof op.key !== 'string' || current.has(op.key)) continue;
        checkMetaKey(op.key);
        const rec = this.read(op.key);
        if (rec !== undefined) current.set(op.key, rec);
      }
      const changes = planMetaBatch(current, ops);
      for (const [key, rec] of changes) {
        if (rec === undefined) this.sql.exec('DELETE FROM vesper_meta WHERE key = ?', key);
        else this.sql.exec('INSERT OR REPLACE INTO vesper_meta (key, value, version) VALUES (?, ?, ?)', key, rec.value, rec.version);
      }
      applyMetaChanges(current, changes);
      return changes;
    });
  }
}
