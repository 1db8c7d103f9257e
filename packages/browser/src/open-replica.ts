/**
 * The browser's local replica: `openDatabase('opfs://docs', { replicaOf })` keeps a copy of
 * server collections in this origin's storage, answers reads offline and forwards writes.
 *
 * The replica lives in the engine worker, like a database: OPFS sync access handles exist only
 * in workers, and the worker already opens the storage a URL names (open-storage.ts). The page
 * sends `replicaOf` with the engine's open; the worker runs core's openReplicaEngine over its
 * storage set with its own `fetch` and answers calls through the same wire protocol
 * (`handle`): reads, forwarded writes, and the replica's own methods (REPLICA_SYNC,
 * REPLICA_STATUS, REJECTED_WRITES of @vesper/worker).
 *
 * Tabs share a replica as they share a database (tab-transport.ts): the tab holding the URL's
 * Web Lock runs the engine worker — it alone syncs and writes the files — and the other tabs
 * send their calls to it over a BroadcastChannel, so every tab reads the same copy; when the
 * leader tab closes, the next one opens the copy from storage and leads.
 */
import { VesperError, checkReplicaOf, type ReplicaOf } from '@vesper/core';
// types only: open-database.ts imports this module (BrowserReplica lives there)
import type { OpenDatabaseOptions } from './open-options.ts';

/** The openDatabase options a replica takes; the others (engine, queryWorkers) do not apply. */
export interface ReplicaOpenOptions extends Pick<OpenDatabaseOptions, 'kernels' | 'persist' | 'transferVectors' | 'worker' | 'memoryBudget' | 'multiTab'> {
  /** The server and the collections to copy (core ReplicaOf: url, token, db, collections, pollIntervalMs). */
  readonly replicaOf: ReplicaOf;
}

const REPLICA_OPTIONS: readonly string[] = ['replicaOf', 'kernels', 'persist', 'transferVectors', 'worker', 'memoryBudget', 'multiTab'];

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
