/**
 * The browser's local replica: `openDatabase('opfs://docs', { replicaOf })` keeps a read-only
 * copy of server collections in this origin's storage and answers reads offline.
 *
 * The replica lives in the engine worker, like a database: OPFS sync access handles exist only
 * in workers, and the worker already opens the storage a URL names (open-storage.ts). The page
 * sends `replicaOf` with the engine's open; the worker runs core's openReplicaEngine over its
 * storage set with its own `fetch`, answers reads through the same wire protocol (`handle`),
 * and `sync` / `replicaStatus` travel as their own operations (wire.ts), not as method names.
 * Writes are refused by core's ReplicaReads with UNIMPLEMENTED "replica-write", as in Node.
 *
 * One tab at a time: the tab holds the URL's Web Lock (the one tabs of a shared database
 * elect their leader with) for as long as the replica is open, and a second tab is refused
 * with SERVICE_UNAVAILABLE — sharing a replica between tabs is not built yet.
 */
import { VesperError, checkReplicaOf, type ReplicaOf, type Transport } from '@vesper/core';
import type { WorkerTransport } from '@vesper/worker';
// types only: open-database.ts imports this module (BrowserReplica lives there)
import type { OpenDatabaseOptions } from './open-options.ts';

/** The openDatabase options a replica takes; the others (engine, queryWorkers, multiTab) do not apply. */
export interface ReplicaOpenOptions extends Pick<OpenDatabaseOptions, 'kernels' | 'persist' | 'transferVectors' | 'worker' | 'memoryBudget'> {
  /** The server and the collections to copy (core ReplicaOf: url, token, db, collections, pollIntervalMs). */
  readonly replicaOf: ReplicaOf;
}

const REPLICA_OPTIONS: readonly string[] = ['replicaOf', 'kernels', 'persist', 'transferVectors', 'worker', 'memoryBudget'];

/**
 * Checks a replica's options before a worker starts.
 * @throws PARAMETER_INVALID naming an option that does not apply to a replica, or a bad replicaOf
 */
export function checkReplicaOptions(options: ReplicaOpenOptions): void {
  const extra = Object.keys(options).filter((k) => !REPLICA_OPTIONS.includes(k));
  if (extra.length > 0) {
    throw new VesperError('PARAMETER_INVALID', `openDatabase with replicaOf: option ${extra.join(', ')} does not apply to a replica (known: ${REPLICA_OPTIONS.join(', ')})`);
  }
  checkReplicaOf(options.replicaOf);
}

/** A replica's engine link: the worker transport, and the tab's lock released when it ends. */
export class ReplicaLink implements Transport {
  constructor(
    readonly worker: WorkerTransport,
    private readonly release: () => void,
  ) {}

  call(method: string, request: unknown): Promise<unknown> {
    return this.worker.call(method, request);
  }

  async close(): Promise<void> {
    try {
      await this.worker.close();
    } finally {
      this.release();
    }
  }

  terminate(): void {
    this.worker.terminate();
    this.release();
  }
}

/**
 * Takes the URL's Web Lock for the replica's lifetime; resolves its release.
 * @throws SERVICE_UNAVAILABLE when another tab (or a database of this URL) holds it.
 */
async function holdTabLock(url: string): Promise<() => void> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (locks === undefined || url === 'memory://') return () => undefined;
  return new Promise<() => void>((resolve, reject) => {
    locks
      .request(`vesper-leader:${url}`, { mode: 'exclusive', ifAvailable: true }, async (lock) => {
        if (lock === null) {
          reject(new VesperError('SERVICE_UNAVAILABLE', `${url} is open in another tab of this origin: a replica is opened by one tab at a time (sharing a replica between tabs is not implemented yet); close it there first`));
          return;
        }
        await new Promise<void>((release) => resolve(release));
      })
      .catch((err: unknown) => reject(VesperError.wrap(err)));
  });
}

/**
 * Starts the replica's engine worker under the tab's lock (options checked by openDatabase).
 * @throws SERVICE_UNAVAILABLE when another tab holds url, or a collection has no local state and the server is unreachable.
 */
export async function openReplicaLink(url: string, start: () => Promise<WorkerTransport>): Promise<ReplicaLink> {
  const release = await holdTabLock(url);
  try {
    return new ReplicaLink(await start(), release);
  } catch (err) {
    release();
    throw err;
  }
}
