/**
 * IdbWal: the per-shard write-ahead log (Milvus's msgstream vchannel) on IndexedDB. A write
 * is acknowledged only after `append` resolves, and `append` resolves only after its
 * transaction's `done` with strict durability — so replay after a crash (tab closed, worker
 * terminated) restores every acknowledged write, and an unacknowledged append is either
 * wholly there or wholly absent (one transaction).
 *
 * Invariants: entries live under [channel, lsn] keys; each channel's last LSN lives in
 * `walChannels` and survives truncate and reopen (only dropChannel forgets it), so LSNs are
 * never reused. Appends read and bump the counter inside their own readwrite transaction,
 * which IndexedDB serializes, so concurrent appends get distinct consecutive LSNs. While
 * `requestTag` is set (IdbRequestLog.tagged), each append also records that write request
 * id in `requests` in the same transaction, so the record exists iff the entry does.
 */
import { checkChannel, type Wal, type WalEntry } from '@vesper/core';
import { DURABLE, openVesperIdb, type VesperIdb } from './idb-schema.ts';
import { checkBytes, checkCount, guard, ownBytes } from './storage-errors.ts';

export class IdbWal implements Wal {
  private constructor(
    private readonly db: VesperIdb,
    /** The IndexedDB database name. */
    readonly dbName: string,
  ) {}

  /** The request id every append records while set (see IdbRequestLog); undefined: none. */
  requestTag: string | undefined;

  /** The IndexedDB connection (shared with IdbRequestLog). */
  get idb(): VesperIdb {
    return this.db;
  }

  /** Opens the WAL of IndexedDB database `dbName` (created on first use). */
  static async open(dbName: string): Promise<IdbWal> {
    return new IdbWal(await openVesperIdb(dbName), dbName);
  }

  async append(channel: string, payloads: readonly Uint8Array[]): Promise<number[]> {
    checkChannel(channel);
    payloads.forEach((p, i) => checkBytes(`WAL entry ${channel}[${i}]`, p));
    if (payloads.length === 0) return [];
    const copies = payloads.map(ownBytes);
    const tag = this.requestTag;
    return guard(`WAL append to ${JSON.stringify(channel)}`, async () => {
      const tx = this.db.transaction(['walChannels', 'wal', 'requests'], 'readwrite', DURABLE);
      const channels = tx.objectStore('walChannels');
      const wal = tx.objectStore('wal');
      const last = (await channels.get(channel))?.lastLsn ?? 0;
      const lsns = copies.map((_, i) => last + 1 + i);
      const writes: Promise<unknown>[] = [channels.put({ lastLsn: last + copies.length }, channel)];
      copies.forEach((payload, i) => writes.push(wal.put(payload, [channel, lsns[i]!])));
      if (tag !== undefined) writes.push(tx.objectStore('requests').put({ at: Date.now() }, tag));
      await Promise.all([...writes, tx.done]);
      return lsns;
    });
  }

  async read(channel: string, afterLsn: number, limit?: number): Promise<WalEntry[]> {
    checkChannel(channel);
    checkCount('read afterLsn', afterLsn);
    if (limit !== undefined) checkCount('read limit', limit);
    if (limit === 0) return []; // IndexedDB reads a count of 0 as "no limit"
    return guard(`WAL read of ${JSON.stringify(channel)}`, async () => {
      const tx = this.db.transaction('wal', 'readonly');
      const range = IDBKeyRange.bound([channel, afterLsn + 1], [channel, Infinity]);
      const [keys, values] = await Promise.all([tx.store.getAllKeys(range, limit), tx.store.getAll(range, limit), tx.done]);
      return keys.map((k, i) => ({ lsn: k[1], payload: values[i]! }));
    });
  }

  async truncate(channel: string, uptoLsn: number): Promise<void> {
    checkChannel(channel);
    checkCount('truncate uptoLsn', uptoLsn);
    if (uptoLsn === 0) return;
    await guard(`WAL truncate of ${JSON.stringify(channel)}`, async () => {
      const tx = this.db.transaction('wal', 'readwrite', DURABLE);
      await Promise.all([tx.store.delete(IDBKeyRange.bound([channel, 0], [channel, uptoLsn])), tx.done]);
    });
  }

  async lastLsn(channel: string): Promise<number> {
    checkChannel(channel);
    return guard(`WAL lastLsn of ${JSON.stringify(channel)}`, async () => (await this.db.get('walChannels', channel))?.lastLsn ?? 0);
  }

  async channels(): Promise<string[]> {
    return guard('WAL channel listing', () => this.db.getAllKeys('walChannels'));
  }

  async dropChannel(channel: string): Promise<void> {
    checkChannel(channel);
    await guard(`WAL drop of ${JSON.stringify(channel)}`, async () => {
      const tx = this.db.transaction(['walChannels', 'wal'], 'readwrite', DURABLE);
      await Promise.all([
        tx.objectStore('walChannels').delete(channel),
        tx.objectStore('wal').delete(IDBKeyRange.bound([channel, -Infinity], [channel, Infinity])),
        tx.done,
      ]);
    });
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
