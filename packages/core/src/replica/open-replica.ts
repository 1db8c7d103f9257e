/**
 * Opens a database that is a local replica of server collections: one CollectionReplica per
 * collection over the given storage, a VesperClient whose transport answers reads locally
 * (replica-reads.ts), and a poller that syncs every `pollIntervalMs`. The runtimes wrap this:
 * `openDatabase({ path, replicaOf })` in Node, `openDatabase('opfs://…', { replicaOf })` in
 * the browser.
 */
import { VesperError } from '../errors/index.ts';
import type { StorageSet } from '../adapters/storage-set.ts';
import { VesperClient } from '../client/vesper-client.ts';
import type { Transport } from '../client/transport.ts';
import type { VectorIndexFactory } from '../index/vector-index.ts';
import { CollectionReplica, type ReplicaStatus } from './collection-replica.ts';
import { ReplicaReads } from './replica-reads.ts';
import { WriteOutbox, type RejectedWrite } from './write-outbox.ts';
import { HttpReplicaTransport, type FetchFn, type ReplicaTransport } from './replica-transport.ts';
import { showValue } from '../util/show-value.ts';

export interface ReplicaOf {
  /** The server's origin (the Worker's URL). */
  readonly url: string;
  /** `user:password` or an API key whose role holds Query or Search on the collections. */
  readonly token?: string;
  /** The server database (default "default"). */
  readonly db?: string;
  readonly collections: readonly string[];
  /** Sync every this many ms (0 or absent: only when `sync()` is called). */
  readonly pollIntervalMs?: number;
  /** A Bounded read syncs first when the last sync is older than this (ms; default 5,000, Milvus's). */
  readonly boundedStalenessMs?: number;
  /**
   * A write made while the server is unreachable: `'queue'` (default) keeps it durably and
   * sends it, in order and exactly once, when the server answers again; `'reject'` fails it
   * with SERVICE_UNAVAILABLE.
   */
  readonly offlineWrites?: 'queue' | 'reject';
}

export interface OpenReplicaOptions {
  readonly replicaOf: ReplicaOf;
  readonly storage: StorageSet;
  /** The runtime's fetch (core has none); ignored when `transport` is given. */
  readonly fetch?: FetchFn;
  /** Reaches the server some other way (tests in workerd: the Worker's own fetch). */
  readonly transport?: ReplicaTransport;
  readonly indexFactory?: (indexType: string) => VectorIndexFactory;
}

/** What a replica adds to a client: sync, status, and the fate of queued writes. */
export interface ReplicaControl {
  /** Sends queued writes, then brings every replicated collection up to the server. @throws SERVICE_UNAVAILABLE offline */
  sync(): Promise<void>;
  /** Per collection: read timestamp, lag, bytes, last sync, online, writes not yet acknowledged. */
  replicaStatus(): ReplicaStatus[];
  /** Queued writes the server refused (the most recent 100, oldest first). */
  rejectedWrites(): RejectedWrite[];
  /** Calls `listener` with each queued write the server refuses; returns the unsubscribe function. */
  onWriteRejected(listener: (w: RejectedWrite) => void): () => void;
}

/** A replica database: the Milvus-shaped client (reads here, writes forwarded), plus sync and status. */
export interface ReplicaDatabase extends VesperClient, ReplicaControl {}

/**
 * A replica without its client: the Transport that answers reads locally, plus sync, status
 * and close. `openReplica` wraps it in a VesperClient; the browser's engine worker serves it
 * over its wire protocol instead (the page holds the client, the worker the replica).
 */
export interface ReplicaEngine extends Transport, ReplicaControl {
  /** Stops polling, closes the replicas and the storage. */
  close(): Promise<void>;
}

/**
 * @throws PARAMETER_INVALID for a bad `replicaOf`; SERVICE_UNAVAILABLE when a collection has
 * no local state yet and the server is unreachable.
 */
export async function openReplicaEngine(opts: OpenReplicaOptions): Promise<ReplicaEngine> {
  const r = checkReplicaOf(opts.replicaOf);
  const transport = opts.transport ?? (opts.fetch ? new HttpReplicaTransport({ url: r.url, token: r.token, fetch: opts.fetch }) : undefined);
  if (!transport) throw new VesperError('PARAMETER_INVALID', 'replicaOf needs a fetch function (the runtime passes its own)');
  const replicas = new Map<string, CollectionReplica>();
  try {
    for (const name of r.collections) {
      replicas.set(name, await CollectionReplica.open({ transport, objects: opts.storage.objects, meta: opts.storage.meta, db: r.db, collection: name, indexFactory: opts.indexFactory }));
    }
  } catch (e) {
    for (const x of replicas.values()) x.close();
    await opts.storage.close?.();
    throw e;
  }
  const outbox = await WriteOutbox.open(opts.storage.meta, (db, collection, method, request, id) => transport.write(db, collection, method, request, id), r.offlineWrites);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const syncAll = async () => {
    // queued writes first, so the sync brings them back; an unreachable server fails the sync below
    await outbox.drain();
    for (const x of replicas.values()) await x.sync();
  };
  const poll = () => {
    if (closed || !r.pollIntervalMs) return;
    timer = setTimeout(() => {
      // a failed poll is reported by replicaStatus (online: false, lastError); the next one retries
      void syncAll()
        .catch(() => undefined)
        .finally(poll);
    }, r.pollIntervalMs);
  };
  poll();
  const reads = new ReplicaReads(replicas, r.url, r.boundedStalenessMs, outbox);
  return {
    call: (method, request) => reads.call(method, request),
    sync: syncAll,
    replicaStatus: () => [...replicas.values()].map((x) => ({ ...x.status(), pendingWrites: outbox.pending(x.name) })),
    rejectedWrites: () => outbox.rejected(),
    onWriteRejected: (listener) => outbox.onRejected(listener),
    close: async () => {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const x of replicas.values()) x.close();
      await opts.storage.close?.();
    },
  };
}

/**
 * @throws PARAMETER_INVALID for a bad `replicaOf`; SERVICE_UNAVAILABLE when a collection has
 * no local state yet and the server is unreachable.
 */
export async function openReplica(opts: OpenReplicaOptions): Promise<ReplicaDatabase> {
  const engine = await openReplicaEngine(opts);
  const client = new VesperClient({ call: (method, request) => engine.call(method, request), close: () => engine.close() });
  const control: ReplicaControl = {
    sync: () => engine.sync(),
    replicaStatus: () => engine.replicaStatus(),
    rejectedWrites: () => engine.rejectedWrites(),
    onWriteRejected: (listener) => engine.onWriteRejected(listener),
  };
  return Object.assign(client, control);
}

/** @throws PARAMETER_INVALID naming the bad or unknown key */
export function checkReplicaOf(v: ReplicaOf): ReplicaOf {
  const known = ['url', 'token', 'db', 'collections', 'pollIntervalMs', 'boundedStalenessMs', 'offlineWrites'];
  const extra = Object.keys(v ?? {}).filter((k) => !known.includes(k));
  if (extra.length > 0) throw new VesperError('PARAMETER_INVALID', `replicaOf: unknown option ${extra.join(', ')} (known: ${known.join(', ')})`);
  if (typeof v.url !== 'string' || !/^https?:\/\//.test(v.url)) throw new VesperError('PARAMETER_INVALID', `replicaOf.url must be the server's http(s) origin, got ${showValue(v.url)}`);
  if (!Array.isArray(v.collections) || v.collections.length === 0 || !v.collections.every((c) => typeof c === 'string' && c !== '')) {
    throw new VesperError('PARAMETER_INVALID', 'replicaOf.collections must name at least one collection');
  }
  if (v.pollIntervalMs !== undefined && !(Number.isFinite(v.pollIntervalMs) && v.pollIntervalMs >= 0)) {
    throw new VesperError('PARAMETER_INVALID', `replicaOf.pollIntervalMs must be a non-negative number of ms, got ${String(v.pollIntervalMs)}`);
  }
  if (v.boundedStalenessMs !== undefined && !(Number.isFinite(v.boundedStalenessMs) && v.boundedStalenessMs >= 0)) {
    throw new VesperError('PARAMETER_INVALID', `replicaOf.boundedStalenessMs must be a non-negative number of ms, got ${String(v.boundedStalenessMs)}`);
  }
  if (v.offlineWrites !== undefined && v.offlineWrites !== 'queue' && v.offlineWrites !== 'reject') {
    throw new VesperError('PARAMETER_INVALID', `replicaOf.offlineWrites must be 'queue' or 'reject', got ${showValue(v.offlineWrites)}`);
  }
  return v;
}
