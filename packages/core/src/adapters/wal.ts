/**
 * Wal: the per-shard write-ahead log (Milvus's msgstream vchannel). A write is acknowledged
 * only after `append` resolves, and `append` resolves only when the records are durable, so
 * replaying the log after a crash restores every acknowledged write.
 *
 * LSNs are per channel, start at 1, strictly increase and are never reused, even after
 * truncate or a restart. Entries are opaque bytes (see wal/wal-record.ts for the encoding).
 */
export interface WalEntry {
  readonly lsn: number;
  readonly payload: Uint8Array;
}

export interface Wal {
  /** Appends payloads in order as one durable unit; returns their LSNs. */
  append(channel: string, payloads: readonly Uint8Array[]): Promise<number[]>;
  /** Entries with lsn > afterLsn in LSN order, at most `limit` of them (default: all). */
  read(channel: string, afterLsn: number, limit?: number): Promise<WalEntry[]>;
  /** Forgets entries with lsn <= uptoLsn (they are reflected in committed files). */
  truncate(channel: string, uptoLsn: number): Promise<void>;
  /** The last LSN ever assigned on the channel (0 when none), truncated or not. */
  lastLsn(channel: string): Promise<number>;
  /** Channels that have ever been appended to and not dropped, sorted. */
  channels(): Promise<string[]>;
  /** Removes a channel and its entries (collection dropped). */
  dropChannel(channel: string): Promise<void>;
  close?(): Promise<void>;
}
