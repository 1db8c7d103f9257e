/**
 * "Local replica of the edge collection": `openDatabase('opfs://vesper-demo-replica-<name>',
 * { replicaOf })` (`@vesper/browser`'s BrowserReplica) copies one collection of the edge
 * endpoint into this origin's OPFS and IndexedDB and follows it every two seconds. Reads are
 * the browser backend's calls, answered in the engine worker from the copy (offline too);
 * insert, upsert and delete are forwarded to the edge exactly once (queued in IndexedDB while
 * it is unreachable) and show here once a sync brings them back.
 *
 * The page's own reads use Session consistency: local, except that a read after this tab's
 * write waits until the copy has it (the replica syncs when needed). DDL (create, drop, index,
 * flush) belongs to the server: the panels that would do it are hidden for this backend, and the
 * index description comes from the edge (the replica copies data, not index DDL), kept from
 * the last time the edge answered.
 */
import { openDatabase, type BrowserReplica, type RejectedWrite, type ReplicaStatus } from '@vesper/browser';
import kernels from '@vesper/core/kernels.wasm?url';
import type { CollectionInfo, Consistency, Row } from './backend.ts';
import { BrowserBackend, guarded } from './browser-backend.ts';
import { EdgeBackend } from './edge-backend.ts';
import { keysetScan } from './keyset-scan.ts';

/** How often the replica asks the edge for changes. */
export const POLL_MS = 2000;

/** What to replicate: one collection of an edge endpoint, with the edge backend's credential. */
export interface ReplicaSource {
  readonly endpoint: string;
  readonly token: string;
  readonly collection: string;
}

/** The first open of a replica URL in this browser: the initial sync, kept in localStorage. */
export interface InitialSync {
  readonly bytes: number;
  readonly ms: number;
  /** When it happened (epoch ms). */
  readonly at: number;
}

export const replicaUrl = (collection: string): string => `opfs://vesper-demo-replica-${collection}`;
const initialKey = (s: ReplicaSource): string => `vesper-demo-replica-initial:${s.endpoint}:${s.collection}`;

export class ReplicaBackend extends BrowserBackend {
  override readonly kind = 'replica' as const;
  protected override readonly readLevel: Consistency = 'Session';
  /** The edge this replica copies: the index description, and the side-by-side latency readout. */
  readonly edge: EdgeBackend;
  /** Request id of the last write when it was queued (the edge unreachable); undefined when applied. */
  lastWriteQueued: string | undefined;
  private readonly indexes = new Map<string, CollectionInfo['index']>();
  private readonly unwatch: () => void;

  private constructor(
    readonly replica: BrowserReplica,
    readonly source: ReplicaSource,
    /** The initial sync (this open's, or the first one's when the copy was already here). */
    readonly initial: InitialSync,
    /** How long this open took (ms): the initial sync, or a reopen from storage. */
    readonly openMs: number,
    /** Whether this open made the initial sync (nothing of this copy was held before). */
    readonly firstOpen: boolean,
    onRejected: (w: RejectedWrite) => void,
  ) {
    super(replica);
    this.edge = new EdgeBackend(source.endpoint, source.token);
    this.unwatch = replica.onWriteRejected(onRejected);
  }

  /**
   * Opens (first time: copies) the replica of source.collection. Offline, a copy already here
   * opens from storage; without one it fails with code 2.
   */
  static async replicate(source: ReplicaSource, onRejected: (w: RejectedWrite) => void): Promise<ReplicaBackend> {
    const t0 = performance.now();
    const db = await guarded(() =>
      openDatabase(replicaUrl(source.collection), { kernels, replicaOf: { url: source.endpoint, token: source.token, collections: [source.collection], pollIntervalMs: POLL_MS } }),
    );
    const openMs = performance.now() - t0;
    const key = initialKey(source);
    let initial = readInitial(key);
    const firstOpen = initial === undefined;
    if (initial === undefined) {
      const [s] = await db.replicaStatus();
      initial = { bytes: s?.bytes ?? 0, ms: openMs, at: Date.now() };
      localStorage.setItem(key, JSON.stringify(initial));
    }
    return new ReplicaBackend(db, source, initial, openMs, firstOpen, onRejected);
  }

  override get label(): string {
    return `local replica of ${this.source.collection} (${this.db.url}, ${this.role} tab)`;
  }

  /** The replica's state, one entry per replicated collection (one here). */
  async status(): Promise<ReplicaStatus | undefined> {
    return (await this.replica.replicaStatus())[0];
  }

  rejectedWrites(): Promise<RejectedWrite[]> {
    return this.replica.rejectedWrites();
  }

  /** Sends queued writes, then brings the copy up to the edge. @throws code 2 offline */
  sync(): Promise<void> {
    return guarded(() => this.replica.sync());
  }

  /** The edge's index description, or the last one it gave when it cannot be reached. */
  protected override async indexOf(name: string): Promise<CollectionInfo['index']> {
    try {
      const index = await this.edge.indexOf(name);
      this.indexes.set(name, index);
      return index;
    } catch {
      return this.indexes.get(name);
    }
  }

  /** Always loaded: the replica answers from its copy (loadCollection is server DDL). */
  override async load(): Promise<void> {}

  override async insert(name: string, rows: Row[]): Promise<number> {
    return this.forwarded('insert_cnt', () => this.replica.insert({ collection_name: name, data: rows }));
  }

  override async upsert(name: string, rows: Row[]): Promise<number> {
    return this.forwarded('upsert_cnt', () => this.replica.upsert({ collection_name: name, data: rows }));
  }

  override async deleteByIds(name: string, ids: readonly unknown[]): Promise<number> {
    return this.forwarded('delete_cnt', () => this.replica.delete({ collection_name: name, ids: ids as (string | number)[] }));
  }

  /** The replica's query iterator pins a snapshot (snapshot_ts), which a replica refuses: keyset pages. */
  override async *scan(name: string, o: { filter: string; outputFields: readonly string[]; batchSize: number }): AsyncIterable<Row[]> {
    const info = await this.describe(name);
    yield* keysetScan(info, o, async (filter, outputFields, limit) => (await this.query(name, { filter, offset: 0, limit, outputFields, consistency: 'Session' })).value);
  }

  override async close(): Promise<void> {
    this.unwatch();
    await super.close();
  }

  /** A forwarded write: the edge's count, or 0 and the request id kept when it was queued. */
  private async forwarded(count: 'insert_cnt' | 'upsert_cnt' | 'delete_cnt', write: () => Promise<object>): Promise<number> {
    const res = (await guarded(write)) as Partial<Record<typeof count, unknown>> & { queued?: boolean; request_id?: string };
    this.lastWriteQueued = res.queued === true ? res.request_id : undefined;
    return Number(res[count] ?? 0);
  }
}

function readInitial(key: string): InitialSync | undefined {
  try {
    const v = JSON.parse(localStorage.getItem(key) ?? 'null') as InitialSync | null;
    return v !== null && typeof v.bytes === 'number' && typeof v.ms === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}
