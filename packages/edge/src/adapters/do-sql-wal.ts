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
 */
import { checkBytes, checkChannel, checkCount, compareKeys, type Wal, type WalEntry } from '@vesper/core';

/** Bytes per stored chunk: well under the 2 MB row limit. */
export const WAL_CHUNK_BYTES = 1 << 20;

interface EntryRow extends Record<string, SqlStorageValue> {
  lsn: number;
  chunk: number;
  data: ArrayBuffer | null;
}

export class DoSqlWal implements Wal {
  private readonly sql: SqlStorage;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS vesper_wal_channels (channel TEXT PRIMARY KEY, last_lsn INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS vesper_wal (channel TEXT NOT NULL, lsn INTEGER NOT NULL, chunk INTEGER NOT NULL, data BLOB,
        PRIMARY KEY (channel, lsn, chunk))`);
  }

  async append(channel: string, payloads: readonly Uint8Array[]): Promise<number[]> {
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
