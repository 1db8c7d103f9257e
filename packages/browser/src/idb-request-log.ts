/**
 * IdbRequestLog: the RequestLog (see @vesper/worker) of a browser database — which write
 * request ids reached the WAL, kept in IndexedDB beside it. It is what makes a retried
 * write idempotent when the leader tab that received it died before answering.
 *
 * Invariants: `tagged` sets the IdbWal's requestTag for exactly one write (the engine worker
 * runs logged writes one at a time), so the id is recorded in the append's own transaction;
 * a record older than RETAIN_MS is pruned on open (a retry comes within seconds, not days).
 */
import type { RequestLog } from '@vesper/worker';
import type { IdbWal } from './idb-wal.ts';
import { guard } from './storage-errors.ts';

/** How long applied request ids are remembered. */
export const RETAIN_MS = 24 * 60 * 60 * 1000;

export class IdbRequestLog implements RequestLog {
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
    const rec = await guard(`request log lookup ${JSON.stringify(id)}`, () => this.wal.idb.get('requests', id));
    return rec === undefined ? undefined : rec.response === undefined ? {} : { response: rec.response };
  }

  async tagged<T>(id: string, fn: () => Promise<T>): Promise<T> {
    this.wal.requestTag = id;
    try {
      return await fn();
    } finally {
      this.wal.requestTag = undefined;
    }
  }

  async record(id: string, response: unknown): Promise<void> {
    await guard(`request log record ${JSON.stringify(id)}`, async () => {
      const tx = this.wal.idb.transaction('requests', 'readwrite');
      const rec = await tx.store.get(id);
      // only for writes that reached the WAL (a rejected write left no record)
      if (rec !== undefined) await tx.store.put({ ...rec, response }, id);
      await tx.done;
    });
  }
}
