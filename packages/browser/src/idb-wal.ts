/**
 * IdbWal: the per-shard write-ahead log (Milvus's msgstream vchannel) on IndexedDB. A write
 * is acknowledged only after `append` resolves, and `append` resolves only after its
 * transaction's `done` with strict durability — so replay after a crash (tab closed, worker
 * terminated) restores every acknowledged write, and an unacknowledged append is either
 * wholly there or wholly absent (one transaction).
 *
 * Invariants: entries live under [channel, lsn] keys; each channel's last LSN lives in
 * `walChannels` and survives truncate and reopen (only dropChannel forgets it), so LSNs are
 * never reused. The counter is read once per channel (inside the first append's
 * transaction) and then kept here: this connection is the database's only writer (one
 * engine per database, see TabTransport), LSNs are reserved synchronously when an append's
 * transaction is created, and IndexedDB runs readwrite transactions over the same stores in
 * creation order — so concurrent appends get distinct consecutive LSNs and the stored
 * counter only grows. A failed append forgets the cached counter (the next append re-reads
 * it). While `requestTag` is set (IdbRequestLog.tagged), each append also records that
 * write request id in `requests` in the same transaction, so the record exists iff the entry
 * does; responses queued by IdbRequestLog.record ride along in the next append's transaction
 * (no transaction of their own).
 *
 * Payloads over BLOB_MIN_BYTES are stored as Blobs: Chromium would otherwise wrap (and try to
 * compress) such a large value itself, which costs about twice as long per append; Blobs are
 * committed by the same transaction, so durability and atomicity are unchanged.
 */
import { checkChannel, type Wal, type WalEntry } from '@vesper/core';
import type { IDBPTransaction } from 'idb';
import { DURABLE, openVesperIdb, type VesperIdb, type VesperIdbSchema } from './idb-schema.ts';

type AppendTx = IDBPTransaction<VesperIdbSchema, ['walChannels', 'wal', 'requests'], 'readwrite'>;
import { checkBytes, checkCount, guard, ownBytes } from './storage-errors.ts';

/** Payloads larger than this are stored as Blobs (see the header). */
export const BLOB_MIN_BYTES = 64 * 1024;

/** A request-log record waiting for the next append's transaction. */
export interface QueuedRecord {
  readonly at: number;
  readonly response: unknown;
}

/** What a payload is stored as: a Blob when large, else the bytes (copied when a view of a larger buffer). */
function storedValue(p: Uint8Array): Uint8Array | Blob {
  if (p.byteLength > BLOB_MIN_BYTES) return toBlob(p);
  return p.byteOffset === 0 && p.byteLength === p.buffer.byteLength ? p : ownBytes(p);
}

/** A Blob of the view's bytes (Blob parts cannot be views of shared memory: those are copied first). */
function toBlob(p: Uint8Array): Blob {
  return new Blob([p.buffer instanceof ArrayBuffer ? (p as Uint8Array<ArrayBuffer>) : p.slice()]);
}

export class IdbWal implements Wal {
  private constructor(
    private readonly db: VesperIdb,
    /** The IndexedDB database name. */
    readonly dbName: string,
  ) {}

  /** The request id every append records while set (see IdbRequestLog); undefined: none. */
  requestTag: string | undefined;
  /** Whether an append committed with requestTag set since it was last cleared (IdbRequestLog reads it). */
  tagCommitted = false;
  /** Request-log records the next append writes in its own transaction (IdbRequestLog.record). */
  readonly queuedRecords = new Map<string, QueuedRecord>();
  /** Last LSN per channel, as reserved by this connection (see the header). */
  private readonly lastLsns = new Map<string, number>();
  /** Appends per channel still reading the stored counter (the cache is not used meanwhile). */
  private readonly reading = new Map<string, number>();

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
    const tag = this.requestTag;
    const what = `WAL append to ${JSON.stringify(channel)}`;
    const cached = this.reading.has(channel) ? undefined : this.lastLsns.get(channel);
    if (cached !== undefined) {
      // LSNs reserved now and values cloned into the transaction now: no copy, no read
      this.lastLsns.set(channel, cached + payloads.length);
      return guard(what, () => this.commit(channel, cached, payloads.map(storedValue), tag));
    }
    // the counter is read inside the transaction (first append, or one after a failure)
    const values = payloads.map((p) => (p.byteLength > BLOB_MIN_BYTES ? toBlob(p) : ownBytes(p)));
    this.reading.set(channel, (this.reading.get(channel) ?? 0) + 1);
    return guard(what, async () => {
      try {
        const tx = this.begin();
        const last = (await tx.objectStore('walChannels').get(channel))?.lastLsn ?? 0;
        this.lastLsns.set(channel, last + values.length);
        return await this.commit(channel, last, values, tag, tx);
      } finally {
        const n = (this.reading.get(channel) ?? 1) - 1;
        if (n > 0) this.reading.set(channel, n);
        else this.reading.delete(channel);
      }
    });
  }

  private begin(): AppendTx {
    return this.db.transaction(['walChannels', 'wal', 'requests'], 'readwrite', DURABLE);
  }

  /** Writes entries last+1.. (and the counter, the tag, queued records) and waits for the commit. */
  private async commit(channel: string, last: number, values: ReadonlyArray<Uint8Array | Blob>, tag: string | undefined, began?: AppendTx): Promise<number[]> {
    try {
      const tx = began ?? this.begin();
      const lsns = values.map((_, i) => last + 1 + i);
      const wal = tx.objectStore('wal');
      const requests = tx.objectStore('requests');
      const writes: Promise<unknown>[] = [tx.objectStore('walChannels').put({ lastLsn: last + values.length }, channel)];
      values.forEach((value, i) => writes.push(wal.put(value, [channel, lsns[i]!])));
      if (tag !== undefined) writes.push(requests.put({ at: Date.now() }, tag));
      for (const [id, rec] of this.queuedRecords) if (id !== tag) writes.push(requests.put({ at: rec.at, response: rec.response }, id));
      this.queuedRecords.clear(); // best effort: a failed append drops them
      await Promise.all([...writes, tx.done]);
      if (tag !== undefined && tag === this.requestTag) this.tagCommitted = true;
      return lsns;
    } catch (err) {
      this.lastLsns.delete(channel);
      throw err;
    }
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
      const payloads = await Promise.all(values.map(async (v) => (v instanceof Blob ? new Uint8Array(await v.arrayBuffer()) : v)));
      return keys.map((k, i) => ({ lsn: k[1], payload: payloads[i]! }));
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
    const cached = this.lastLsns.get(channel);
    if (cached !== undefined) return cached;
    return guard(`WAL lastLsn of ${JSON.stringify(channel)}`, async () => (await this.db.get('walChannels', channel))?.lastLsn ?? 0);
  }

  async channels(): Promise<string[]> {
    return guard('WAL channel listing', () => this.db.getAllKeys('walChannels'));
  }

  async dropChannel(channel: string): Promise<void> {
    checkChannel(channel);
    this.lastLsns.delete(channel);
    await guard(`WAL drop of ${JSON.stringify(channel)}`, async () => {
      const tx = this.db.transaction(['walChannels', 'wal'], 'readwrite', DURABLE);
      await Promise.all([
        tx.objectStore('walChannels').delete(channel),
        tx.objectStore('wal').delete(IDBKeyRange.bound([channel, -Infinity], [channel, Infinity])),
        tx.done,
      ]);
    });
  }

  /** Writes the queued request-log records (best effort), then closes the connection. */
  async close(): Promise<void> {
    if (this.queuedRecords.size > 0) {
      const tx = this.db.transaction('requests', 'readwrite');
      for (const [id, rec] of this.queuedRecords) void tx.store.put({ at: rec.at, response: rec.response }, id).catch(() => undefined);
      this.queuedRecords.clear();
      await tx.done.catch(() => undefined);
    }
    this.db.close();
  }
}
