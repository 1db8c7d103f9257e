/**
 * MemoryMetaStore: a MetaStore held in a Map (Milvus's etcd, for `memory://` databases and
 * tests). First-class, not a mock: it honours the whole contract.
 *
 * Invariants: a record's version is 1 on create and +1 per put (a delete forgets it, so a
 * re-create starts at 1 again); an expectedVersion of 0 means "must not exist"; a batch is
 * checked and applied in one synchronous step, so it is atomic and isolated from concurrent
 * callers, and a failing check applies nothing. Values are strings, so no copying is needed.
 */
import { checkExpectedVersion, checkMetaKey, checkMetaValue, compareKeys, versionConflict } from './adapter-checks.ts';
import type { MetaOp, MetaRecord, MetaStore } from './meta-store.ts';

export class MemoryMetaStore implements MetaStore {
  private readonly records = new Map<string, MetaRecord>();

  async get(key: string): Promise<MetaRecord | undefined> {
    checkMetaKey(key);
    return this.records.get(key);
  }

  /** @throws COMMIT_CONFLICT when expectedVersion is given and differs. */
  async put(key: string, value: string, expectedVersion?: number): Promise<number> {
    const changes = planMetaBatch(this.records, [{ type: 'put', key, value, expectedVersion }]);
    applyMetaChanges(this.records, changes);
    return changes.get(key)?.version ?? 0;
  }

  /** @throws COMMIT_CONFLICT when expectedVersion is given and differs. */
  async delete(key: string, expectedVersion?: number): Promise<void> {
    applyMetaChanges(this.records, planMetaBatch(this.records, [{ type: 'delete', key, expectedVersion }]));
  }

  async list(prefix: string): Promise<Array<readonly [string, MetaRecord]>> {
    return listMetaRecords(this.records, prefix);
  }

  /** @throws COMMIT_CONFLICT when any expectedVersion differs (nothing is applied). */
  async batch(ops: readonly MetaOp[]): Promise<void> {
    applyMetaChanges(this.records, planMetaBatch(this.records, ops));
  }

  async close(): Promise<void> {}
}

/**
 * The net effect of a batch: key → its new record, or undefined when deleted. Ops are checked
 * in order against the state as the earlier ops of the same batch leave it; nothing is
 * changed here, so a conflict anywhere leaves the store untouched. Shared with FsMetaStore.
 * @throws COMMIT_CONFLICT on a version mismatch; PARAMETER_INVALID on a bad op.
 */
export function planMetaBatch(
  records: ReadonlyMap<string, MetaRecord>,
  ops: readonly MetaOp[],
): Map<string, MetaRecord | undefined> {
  const changes = new Map<string, MetaRecord | undefined>();
  for (const op of ops) {
    checkMetaKey(op.key);
    checkExpectedVersion(op.key, op.expectedVersion);
    if (op.type === 'put') checkMetaValue(op.key, op.value);
  }
  for (const op of ops) {
    const current = changes.has(op.key) ? changes.get(op.key) : records.get(op.key);
    const version = current?.version ?? 0;
    if (op.expectedVersion !== undefined && op.expectedVersion !== version) {
      throw versionConflict(op.key, op.expectedVersion, version);
    }
    changes.set(op.key, op.type === 'put' ? Object.freeze({ value: op.value, version: version + 1 }) : undefined);
  }
  return changes;
}

/** Applies planMetaBatch's result. */
export function applyMetaChanges(records: Map<string, MetaRecord>, changes: ReadonlyMap<string, MetaRecord | undefined>): void {
  for (const [key, record] of changes) {
    if (record === undefined) records.delete(key);
    else records.set(key, record);
  }
}

/** Records whose key starts with prefix, sorted by key. */
export function listMetaRecords(records: ReadonlyMap<string, MetaRecord>, prefix: string): Array<readonly [string, MetaRecord]> {
  const out: Array<readonly [string, MetaRecord]> = [];
  for (const entry of records) if (entry[0].startsWith(prefix)) out.push(entry);
  return out.sort((a, b) => compareKeys(a[0], b[0]));
}
