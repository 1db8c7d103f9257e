/**
 * IdbRequestLog: the RequestLog (see @vesper/worker) of a browser database — which write
 * request ids reached the WAL, kept in IndexedDB beside it. It is what makes a retried
 * write idempotent when the leader tab that received it died before answering.
 *
 * Invariants: `tagged` sets the IdbWal's requestTag for exactly one write (the engine worker
 * runs logged writes one at a time), so the id is recorded in the append's own transaction;
 * a record older than RETAIN_MS is pruned on open (a retry comes within seconds, not days).
 * A write's response (best effort) is queued on the IdbWal and written by the next append's
 * transaction, so recording it costs no transaction of its own and never delays that next
 * write; until then lookup answers from the queue.
 */
import type { RequestLog } from '@vesper/worker';
import type { IdbWal } from './idb-wal.ts';
import { guard } from './storage-errors.ts';

/** How long applied request ids are remembered. */
export const RETAIN_MS = 24 * 60 * 60 * 1000;

export class IdbRequestLog implements RequestLog {
  /** The last write whose tagged append committed (record keeps a response only for it). */
  private applied: string | undefined;

  private constructor(private readonly wal: IdbWal) {}

  /** The log of `wal`'s database; drops records older than RETAIN_MS. */
  static async open(wal: IdbWal): Promise<IdbRequestLog> {
    await guard('pruning the request log', async () => {
      const tx = wal.idb.transaction('requests', 'readwrite');
      const cutoff = Date.now() - RETAIN_MS;
      let cursor = await tx.store.openCursor();
      while (cursor !== null) {
        if (cursor.value.at < cutoff) await cursor.delete();
        cursor = await cursor.continue();
      }
      await tx.done;
    });
    return new IdbRequestLog(wal);
  }

  async lookup(id: string): Promise<{ readonly response?: unknown } | undefined> {
    const queued = this.wal.queuedRecords.get(id);
    if (queued !== undefined) return { response: queued.response };
    const rec = await guard(`request log lookup ${JSON.stringify(id)}`, () => this.wal.idb.get('requests', id));
    return rec === undefined ? undefined : rec.response === undefined ? {} : { response: rec.response };
  }

  async tagged<T>(id: string, fn: () => Promise<T>): Promise<T> {
    this.wal.requestTag = id;
    this.wal.tagCommitted = false;
    this.applied = undefined;
    try {
      const out = await fn();
      if (this.wal.tagCommitted) this.applied = id;
      return out;
    } finally {
      this.wal.requestTag = undefined;
      this.wal.tagCommitted = false;
    }
  }

  async record(id: string, response: unknown): Promise<void> {
    // only for writes that reached the WAL (a rejected write left no record)
    if (id !== this.applied) return;
    this.applied = undefined;
    this.wal.queuedRecords.set(id, { at: Date.now(), response });
  }
}
