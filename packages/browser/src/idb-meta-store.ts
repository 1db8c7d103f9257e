/**
 * IdbMetaStore: the MetaStore (Milvus's etcd) on IndexedDB. Holds the catalog, the id
 * allocators and the timestamp oracle's high-water mark of a browser database.
 *
 * Invariants: every put, delete and batch checks its expected versions and writes in ONE
 * readwrite transaction over `meta`, so compare-and-set is atomic — IndexedDB runs
 * overlapping readwrite transactions one at a time, across tabs and workers too. A failed
 * check aborts the transaction, so nothing is applied. Calls resolve only after the
 * transaction's `done` (strict durability), so a resolved write survives a crash.
 */
import { checkMetaKey, VesperError, type MetaOp, type MetaRecord, type MetaStore, showValue } from '@vesper/core';
import { DURABLE, openVesperIdb, type VesperIdb } from './idb-schema.ts';
import { checkExpectedVersion, guard, versionConflict } from './storage-errors.ts';

export class IdbMetaStore implements MetaStore {
  private constructor(
    private readonly db: VesperIdb,
    /** The IndexedDB database name. */
    readonly dbName: string,
  ) {}

  /** Opens the meta store of IndexedDB database `dbName` (created on first use). */
  static async open(dbName: string): Promise<IdbMetaStore> {
    return new IdbMetaStore(await openVesperIdb(dbName), dbName);
  }

  async get(key: string): Promise<MetaRecord | undefined> {
    checkMetaKey(key);
    return guard(`meta get ${JSON.stringify(key)}`, async () => {
      const rec = await this.db.get('meta', key);
      return rec === undefined ? undefined : { value: rec.value, version: rec.version };
    });
  }

  /** @throws COMMIT_CONFLICT when expectedVersion is given and differs. */
  async put(key: string, value: string, expectedVersion?: number): Promise<number> {
    const versions = await this.apply([{ type: 'put', key, value, expectedVersion }]);
    return versions.get(key) ?? 0;
  }

  /** @throws COMMIT_CONFLICT when expectedVersion is given and differs. */
  async delete(key: string, expectedVersion?: number): Promise<void> {
    await this.apply([{ type: 'delete', key, expectedVersion }]);
  }

  async list(prefix: string): Promise<Array<readonly [string, MetaRecord]>> {
    return guard(`meta list ${JSON.stringify(prefix)}`, async () => {
      const out: Array<readonly [string, MetaRecord]> = [];
      const tx = this.db.transaction('meta', 'readonly');
      // IndexedDB orders string keys by code unit, the order the contract asks for
      let cursor = await tx.store.openCursor(IDBKeyRange.lowerBound(prefix));
      while (cursor !== null && cursor.key.startsWith(prefix)) {
        out.push([cursor.key, { value: cursor.value.value, version: cursor.value.version }]);
        cursor = await cursor.continue();
      }
      await tx.done;
      return out;
    });
  }

  /** @throws COMMIT_CONFLICT when any expectedVersion differs (nothing is applied). */
  async batch(ops: readonly MetaOp[]): Promise<void> {
    await this.apply(ops);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** Checks every op, then plans and writes them in one transaction; returns key → new version (0 = deleted). */
  private async apply(ops: readonly MetaOp[]): Promise<Map<string, number>> {
    for (const op of ops) {
      checkMetaKey(op.key);
      checkExpectedVersion(op.key, op.expectedVersion);
      if (op.type === 'put' && typeof op.value !== 'string') {
        throw new VesperError('PARAMETER_INVALID', `meta value for ${showValue(op.key)} must be a string, got ${typeof op.value}`);
      }
    }
    const result = new Map<string, number>();
    if (ops.length === 0) return result;
    let conflict: VesperError | undefined;
    await guard('meta write', async () => {
      const tx = this.db.transaction('meta', 'readwrite', DURABLE);
      try {
        const keys = [...new Set(ops.map((op) => op.key))];
        const current = await Promise.all(keys.map((k) => tx.store.get(k)));
        const versions = new Map(keys.map((k, i) => [k, current[i]?.version ?? 0]));
        const next = new Map<string, string | undefined>();
        for (const op of ops) {
          const version = versions.get(op.key) ?? 0;
          if (op.expectedVersion !== undefined && op.expectedVersion !== version) {
            conflict = versionConflict(op.key, op.expectedVersion, version);
            break;
          }
          versions.set(op.key, op.type === 'put' ? version + 1 : 0);
          next.set(op.key, op.type === 'put' ? op.value : undefined);
        }
        if (conflict !== undefined) {
          tx.abort();
        } else {
          const writes: Promise<unknown>[] = [];
          for (const [key, value] of next) {
            const version = versions.get(key) ?? 0;
            result.set(key, version);
            writes.push(value === undefined ? tx.store.delete(key) : tx.store.put({ value, version }, key));
          }
          await Promise.all(writes);
        }
      } finally {
        await tx.done.catch((err: unknown) => {
          if (conflict === undefined) throw err;
        });
      }
    });
    if (conflict !== undefined) throw conflict;
    return result;
  }
}
