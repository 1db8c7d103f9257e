/**
 * MemoryWal: a Wal held in memory (Milvus's msgstream vchannel, for `memory://` databases and
 * tests). First-class, not a mock: it honours the whole contract.
 *
 * Invariants: per channel, LSNs start at 1, are consecutive and never reused — truncate keeps
 * the channel's last LSN (only dropChannel forgets it); an append assigns and stores all its
 * LSNs in one synchronous step, so concurrent appends get distinct increasing LSNs and readers
 * never see half a batch; payloads are copied on append and on read.
 */
import { checkChannel, checkCount, compareKeys, copyBytes } from './adapter-checks.ts';
import { checkBytes } from './memory-object-store.ts';
import type { Wal, WalEntry } from './wal.ts';

interface Channel {
  /** Entries still kept, LSN-ascending and consecutive. */
  entries: WalEntry[];
  lastLsn: number;
}

export class MemoryWal implements Wal {
  private readonly channelsByName = new Map<string, Channel>();

  async append(channel: string, payloads: readonly Uint8Array[]): Promise<number[]> {
    checkChannel(channel);
    payloads.forEach((p, i) => checkBytes(`${channel}[${i}]`, p));
    if (payloads.length === 0) return [];
    const ch = this.channelsByName.get(channel) ?? { entries: [], lastLsn: 0 };
    this.channelsByName.set(channel, ch);
    const lsns: number[] = [];
    for (const payload of payloads) {
      const lsn = ++ch.lastLsn;
      ch.entries.push({ lsn, payload: copyBytes(payload) });
      lsns.push(lsn);
    }
    return lsns;
  }

  async read(channel: string, afterLsn: number, limit?: number): Promise<WalEntry[]> {
    checkChannel(channel);
    checkCount('read afterLsn', afterLsn);
    if (limit !== undefined) checkCount('read limit', limit);
    const ch = this.channelsByName.get(channel);
    if (ch === undefined) return [];
    const first = ch.entries[0];
    // entries are consecutive, so the first wanted one sits at a computable index
    const start = first === undefined ? 0 : Math.max(0, afterLsn + 1 - first.lsn);
    const end = limit === undefined ? ch.entries.length : Math.min(ch.entries.length, start + limit);
    return ch.entries.slice(start, end).map((e) => ({ lsn: e.lsn, payload: copyBytes(e.payload) }));
  }

  async truncate(channel: string, uptoLsn: number): Promise<void> {
    checkChannel(channel);
    checkCount('truncate uptoLsn', uptoLsn);
    const ch = this.channelsByName.get(channel);
    if (ch === undefined) return;
    const first = ch.entries[0];
    if (first !== undefined) ch.entries.splice(0, Math.max(0, uptoLsn + 1 - first.lsn));
  }

  async lastLsn(channel: string): Promise<number> {
    checkChannel(channel);
    return this.channelsByName.get(channel)?.lastLsn ?? 0;
  }

  async channels(): Promise<string[]> {
    return [...this.channelsByName.keys()].sort(compareKeys);
  }

  async dropChannel(channel: string): Promise<void> {
    checkChannel(channel);
    this.channelsByName.delete(channel);
  }

  async close(): Promise<void> {}
}
