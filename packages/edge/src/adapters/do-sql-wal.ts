/**
 * DoSqlWal: the per-shard Wal (Milvus's msgstream vchannel) on a Durable Object's SQLite
 * storage. Tables: `vesper_wal_channels(channel, last_lsn)` keeps each channel's LSN counter
 * (so truncate never lets an LSN be reused; only dropChannel forgets it), and
 * `vesper_wal(channel, lsn, chunk, data)` holds the entries. A DO SQLite row holds at most
 * 2 MB, so a payload is split into 1 MiB chunks (an empty payload is one empty chunk) and
 * reassembled on read.
 *
 * An append assigns its LSNs and stores every chunk in one `transactionSync`: concurrent
 * appends get distinct increasing LSNs, readers never see half a batch, and the write is
 * durable before the DO's output gate lets any acknowledgement out.
 *
 * Idempotent writes: `tagNextAppend(key, value)` makes the next append also record `key →
 * value` in `vesper_wal_tags`, inside the append's own transaction, so a write is recorded as
 * applied exactly when its WAL entry is durable — never one without the other. `tag(key)`
 * answers a recorded value (a shard leader keeps the write's result there, and answers a
 * retry of the same request with it instead of writing twice). Tags older than TAG_RETAIN_MS
 * are forgotten when the WAL opens (a retry comes within seconds or, from an offline replica,
 * within a day).
 */
import { checkBytes, checkChannel, checkCount, compareKeys, type Wal, type WalEntry } from '@vesper/core';

/** Bytes per stored chunk: well under the 2 MB row limit. */
export const WAL_CHUNK_BYTES = 1 << 20;

/** How long an applied write's tag is kept. */
export const TAG_RETAIN_MS = 7 * 24 * 60 * 60 * 1000;

interface EntryRow extends Record<string, SqlStorageValue> {
  lsn: number;
  chunk: number;
  data: ArrayBuffer | null;
}

export class DoSqlWal implements Wal {
  private readonly sql: SqlStorage;
  /** The tag the next append records (set by the caller holding the channel's write lock). */
  private nextTag: { readonly key: string; readonly value: string } | undefined;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS vesper_wal_channels (channel TEXT PRIMARY KEY, last_lsn INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS vesper_wal (channel TEXT NOT NULL, lsn INTEGER NOT NULL, chunk INTEGER NOT NULL, data BLOB,
        PRIMARY KEY (channel, lsn, chunk));
      CREATE TABLE IF NOT EXISTS vesper_wal_tags (key TEXT PRIMARY KEY, value TEXT NOT NULL, at INTEGER NOT NULL)`);
    this.sql.exec('DELETE FROM vesper_wal_tags WHERE at < ?', Date.now() - TAG_RETAIN_MS);
  }

  /**
   * The next append records `key → value` in its own transaction. The caller must hold the
   * lock its appends run under, and call this synchronously before the append it tags.
   */
  tagNextAppend(key: string, value: string): void {
    this.nextTag = { key, value };
  }

  /** The value recorded for `key` by a tagged append, if that append is durable. */
  tag(key: string): string | undefined {
    return this.sql.exec<{ value: string }>('SELECT value FROM vesper_wal_tags WHERE key = ?', key).toArray()[0]?.value;
  }

  async append(channel: string, payloads: readonly Uint8Array[]): Promise<number[]> {
    // taken first, so a tag never outlives the append it was set for (even a refused one)
    const tag = this.nextTag;
    this.nextTag = undefined;
    checkChannel(channel);
    payloads.forEach((p, i) => checkBytes(`${channel}[${i}]`, p));
    if (payloads.length === 0) return [];
    return this.storage.transactionSync(() => {
      let lsn = this.last(channel);
      const lsns: number[] = [];
      for (const payload of payloads) {
        lsn++;
        lsns.push(lsn);
        const chunks = Math.max(1, Math.ceil(payload.length / WAL_CHUNK_BYTES));
        for (let c = 0; c < chunks; c++) {
          // slice copies, so the stored bytes are independent of the caller's buffer
          const part = payload.slice(c * WAL_CHUNK_BYTES, (c + 1) * WAL_CHUNK_BYTES);
          this.sql.exec('INSERT INTO vesper_wal (channel, lsn, chunk, data) VALUES (?, ?, ?, ?)', channel, lsn, c, part.buffer);
        }
      }
      this.sql.exec('INSERT OR REPLACE INTO vesper_wal_channels (channel, last_lsn) VALUES (?, ?)', channel, lsn);
      if (tag !== undefined) this.sql.exec('INSERT OR REPLACE INTO vesper_wal_tags (key, value, at) VALUES (?, ?, ?)', tag.key, tag.value, Date.now());
      return lsns;
    });
  }

  async read(channel: string, afterLsn: number, limit?: number): Promise<WalEntry[]> {
    checkChannel(channel);
    checkCount('read afterLsn', afterLsn);
    if (limit !== undefined) checkCount('read limit', limit);
    if (limit === 0) return [];
    const out: WalEntry[] = [];
    let lsn = -1;
    let parts: Uint8Array[] = [];
    const finish = (): void => {
      if (lsn >= 0) out.push({ lsn, payload: concat(parts) });
    };
    const rows = this.sql.exec<EntryRow>('SELECT lsn, chunk, data FROM vesper_wal WHERE channel = ? AND lsn > ? ORDER BY lsn, chunk', channel, afterLsn);
    for (const row of rows) {
      if (row.lsn !== lsn) {
        finish();
        if (limit !== undefined && out.length >= limit) return out;
        lsn = row.lsn;
        parts = [];
      }
      parts.push(row.data === null ? new Uint8Array(0) : new Uint8Array(row.data));
    }
    finish();
    return limit === undefined ? out : out.slice(0, limit);
  }

  async truncate(channel: string, uptoLsn: number): Promise<void> {
    checkChannel(channel);
    checkCount('truncate uptoLsn', uptoLsn);
    this.sql.exec('DELETE FROM vesper_wal WHERE channel = ? AND lsn <= ?', channel, uptoLsn);
  }

  async lastLsn(channel: string): Promise<number> {
    checkChannel(channel);
    return this.last(channel);
  }

  async channels(): Promise<string[]> {
    const rows = this.sql.exec<{ channel: string }>('SELECT channel FROM vesper_wal_channels').toArray();
    return rows.map((r) => r.channel).sort(compareKeys);
  }

  async dropChannel(channel: string): Promise<void> {
    checkChannel(channel);
    this.storage.transactionSync(() => {
      this.sql.exec('DELETE FROM vesper_wal WHERE channel = ?', channel);
      this.sql.exec('DELETE FROM vesper_wal_channels WHERE channel = ?', channel);
    });
  }

  async close(): Promise<void> {}

  private last(channel: string): number {
    const row = this.sql.exec<{ last_lsn: number }>('SELECT last_lsn FROM vesper_wal_channels WHERE channel = ?', channel).toArray()[0];
    return row?.last_lsn ?? 0;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
