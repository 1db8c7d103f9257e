/**
 * WorkerReaderPool: parallel search in the browser — core's ReaderPool over N query workers
 * (Milvus's QueryNodes of one shard delegator), each a dedicated Worker running serveReader
 * over the database's object store, read-only. The engine worker stays the one writer: it
 * searches its growing segments itself, and for the sealed ones it splits the task's
 * assignment with `splitAssignment` (as LocalReaderPool does), sends every query worker its
 * share with the request and the read timestamp, and merges their partials.
 *
 * Invariants:
 * - Same answers as one process: a reader reads exactly the share it is sent, at the task's
 *   timestamp; a call lost with its worker runs again, once, on a fresh worker (same share,
 *   same timestamp), else fails with a retriable SERVICE_UNAVAILABLE — never a partial answer.
 * - `covers` says yes for a collection only once its readers hold the writer's current
 *   sealed segments (files, delete logs and indexes; pending deletes are cheap and ride
 *   along with each call). Until then — cold open, a new segment, a new index file, a
 *   restarted worker — the writer answers alone while the readers load in the background,
 *   so a query never waits for a reader's load and a cold open is no slower than without
 *   readers. No sealed segment, no readers asked.
 * - Files a read may still need are not deleted under it: the writer's object store is
 *   wrapped (`fence`) so that a delete (GC after compaction, a dropped collection) first
 *   waits for the reads in flight when it was asked — every later read's assignment was
 *   taken after the commit that dropped those files (bounded by `fenceMs`).
 * - A pool that cannot start its workers three times in a row turns itself off (`covers`
 *   false), and the writer answers everything, as with `queryWorkers: 0`.
 */
import { VesperError, type ObjectStore } from '@vesper/core';
import {
  sumStats,
  type Bm25Stats,
  type Bm25StatsRequest,
  splitAssignment,
  writerAssignment,
  type CollectionInfo,
  type PartialRow,
  type PartialSearch,
  type QueryPlan,
  type CountPlan,
  type ReaderPool,
  type ReplicaAssignment,
  type SearchPlan,
  type SegmentManager,
} from '@vesper/core/distributed';
import { QueryWorkerLink, type ReaderJob } from './query-worker-link.ts';
import { recordsKey, shareKey, type ReaderConfig, type ReaderStats } from './reader-protocol.ts';
import type { WorkerLike } from './worker-transport.ts';

export interface WorkerReaderPoolOptions {
  /** Query workers to run (at least 1). */
  readonly workers: number;
  /** Starts query worker `index` (a dedicated module Worker running serveReader). */
  spawn(index: number): WorkerLike;
  /** The database URL and kernels the readers open. */
  readonly reader: Omit<ReaderConfig, 'lifeLock'>;
  /** Longest a delete waits for reads in flight, in ms. Default 30,000. */
  readonly fenceMs?: number;
  /** Told about failures no caller waits on (a background load, a worker that ended). */
  onError?(err: VesperError): void;
}

/** What `BrowserDatabase.queryWorkerStats()` answers. */
export interface QueryWorkerStats {
  /** Query workers configured (0: the engine worker searches everything itself). */
  readonly workers: number;
  /** False when there are none, or the pool turned itself off after failed starts. */
  readonly enabled: boolean;
  /** Searches, queries and counts the query workers answered for (each over all workers). */
  readonly reads: number;
  /** Query workers that ended unexpectedly (each is started again at once). */
  readonly ended: number;
  /** Calls run again on a fresh worker because theirs ended while answering. */
  readonly retried: number;
  /** Per worker: what it holds; null while it is not running. */
  readonly perWorker: readonly (ReaderStats | null)[];
}

interface CollectionState {
  /** recordsKey of the assignment every reader holds now. */
  ready: string | undefined;
  warming: Promise<void> | undefined;
  /** After a failed load, no new one before this time (ms). */
  retryAt: number;
  /** Loads or reads that failed in a row (the wait before the next load doubles with each). */
  failures: number;
}

const RETRY_LOAD_MS = 500;
const MAX_RETRY_LOAD_MS = 30_000;
const MAX_FAILED_STARTS = 3;

export class WorkerReaderPool implements ReaderPool {
  private readonly links: QueryWorkerLink[];
  private readonly collections = new Map<number, CollectionState>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly watched = new WeakSet<object>();
  private readonly infoVersions = new WeakMap<CollectionInfo, number>();
  private nextInfoV = 1;
  private reads = 0;
  /** Bumped whenever a worker ends: a load that began before cannot vouch for the fresh worker. */
  private epoch = 0;
  private closed = false;
  private disabled = false;

  constructor(private readonly options: WorkerReaderPoolOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new VesperError('PARAMETER_INVALID', `queryWorkers must be a whole number ≥ 1 for a pool, got ${options.workers}`);
    }
    this.links = Array.from({ length: options.workers }, (_, i) => new QueryWorkerLink(i, options.spawn, options.reader, (link, reason) => this.onEnded(link, reason)));
  }

  /** Starts every query worker in the background (calls also start them on demand). */
  start(): void {
    for (const link of this.links) void link.ready().catch((err: unknown) => this.onStartFailed(err));
  }

  covers(mgr: SegmentManager): boolean {
    if (this.closed || this.disabled) return false;
    this.watch(mgr);
    const a = writerAssignment(mgr);
    if (a.records.length === 0) return false;
    const key = recordsKey(a);
    const st = this.state(mgr.info.id);
    if (st.ready === key) return true;
    if (st.warming === undefined && Date.now() >= st.retryAt) this.load(mgr.info, a, key, st);
    return false;
  }

  search(info: CollectionInfo, a: ReplicaAssignment, plan: SearchPlan, ts: bigint): Promise<PartialSearch[]> {
    return this.read<PartialSearch>('search', info, a, plan, ts, []);
  }

  query(info: CollectionInfo, a: ReplicaAssignment, plan: QueryPlan, ts: bigint): Promise<PartialRow[][]> {
    return this.read<PartialRow[]>('query', info, a, plan, ts, []);
  }

  count(info: CollectionInfo, a: ReplicaAssignment, plan: CountPlan, ts: bigint): Promise<number[]> {
    return this.read<number>('count', info, a, plan, ts, 0);
  }

  async bm25Stats(info: CollectionInfo, a: ReplicaAssignment, request: Bm25StatsRequest, ts: bigint): Promise<Bm25Stats> {
    const parts = await this.read<Bm25Stats | undefined>('bm25Stats', info, a, request, ts, undefined);
    return sumStats(parts.filter((p): p is Bm25Stats => p !== undefined), request.terms.length);
  }

  /**
   * The writer's object store with deletes fenced behind the reads in flight (see the header).
   * Everything else passes straight through.
   */
  fence(objects: ObjectStore): ObjectStore {
    return {
      put: (key, bytes, opts) => objects.put(key, bytes, opts),
      get: (key) => objects.get(key),
      getRange: (key, offset, length) => objects.getRange(key, offset, length),
      head: (key) => objects.head(key),
      list: (prefix) => objects.list(prefix),
      delete: async (keys) => {
        await this.quiesce();
        return objects.delete(keys);
      },
      ...(objects.close ? { close: () => objects.close!() } : {}),
    };
  }

  async stats(): Promise<QueryWorkerStats> {
    const perWorker = await Promise.all(this.links.map((l) => l.call('stats', []).then((s) => (s as ReaderStats | undefined) ?? null, () => null)));
    return {
      workers: this.links.length,
      enabled: !this.closed && !this.disabled,
      reads: this.reads,
      ended: this.links.reduce((n, l) => n + l.ended, 0),
      retried: this.links.reduce((n, l) => n + l.retried, 0),
      perWorker,
    };
  }

  /** Ends every query worker; calls in flight reject with SERVICE_UNAVAILABLE. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const reason = new VesperError('SERVICE_UNAVAILABLE', 'the database is closed');
    for (const link of this.links) link.close(reason);
    this.collections.clear();
  }

  /** Sends every reader its share of `a` and collects the answers (`empty` for a reader with nothing to read). */
  private read<T>(op: 'search' | 'query' | 'count' | 'bm25Stats', info: CollectionInfo, a: ReplicaAssignment, request: unknown, ts: bigint, empty: T): Promise<T[]> {
    // registered before anything else happens: the fence must see it (see the header)
    const done = this.track(
      Promise.resolve().then(() => {
        const jobs = this.jobs(op, info, a, request, ts);
        return Promise.all(jobs.map((job, i) => (job === undefined ? empty : (this.links[i]!.run(job) as Promise<T>))));
      }),
    );
    this.reads++;
    return done.catch((err: unknown) => {
      // this call fails (its writer half is already computed without the sealed segments);
      // the next ones are answered by the writer alone until the readers have loaded again
      const st = this.collections.get(info.id);
      // a burst of reads failing together (one worker ending under them) counts once
      if (st?.ready !== undefined) this.failed(st);
      this.checkStarts();
      throw err;
    });
  }

  /** A load or read of the collection failed: not ready, and the next load waits (backing off). */
  private failed(st: CollectionState): void {
    this.checkStarts();
    st.ready = undefined;
    st.failures++;
    st.retryAt = Date.now() + Math.min(MAX_RETRY_LOAD_MS, RETRY_LOAD_MS * 2 ** (st.failures - 1));
  }

  /** One job per reader; undefined where the share is empty and the reader holds nothing of the collection. */
  private jobs(op: ReaderJob['op'], info: CollectionInfo, a: ReplicaAssignment, request: unknown, ts: bigint | undefined): (ReaderJob | undefined)[] {
    if (this.closed) throw new VesperError('SERVICE_UNAVAILABLE', 'the database is closed');
    const infoV = this.infoVersion(info);
    return splitAssignment(a, this.links.length).map((share, i) =>
      share.records.length === 0 && !this.links[i]!.mayHold(info.id)
        ? undefined
        : { op, collectionId: info.id, info, infoV, share, key: shareKey(share), ...(request === undefined ? {} : { request }), ...(ts === undefined ? {} : { ts }) },
    );
  }

  /** Loads the writer's current sealed segments into the readers, in the background. */
  private load(info: CollectionInfo, a: ReplicaAssignment, key: string, st: CollectionState): void {
    const jobs = this.jobs('sync', info, a, undefined, undefined);
    const epoch = this.epoch;
    const loaded = this.track(Promise.all(jobs.map((job, i) => (job === undefined ? undefined : this.links[i]!.run(job)))));
    st.warming = loaded.then(
      () => {
        if (this.collections.get(info.id) !== st || this.epoch !== epoch) return;
        st.ready = key;
        st.failures = 0;
      },
      (err: unknown) => {
        this.failed(st);
        if (!this.closed) this.options.onError?.(VesperError.wrap(err));
      },
    );
    void st.warming.finally(() => (st.warming = undefined));
  }

  private state(id: number): CollectionState {
    let st = this.collections.get(id);
    if (st === undefined) {
      st = { ready: undefined, warming: undefined, retryAt: 0, failures: 0 };
      this.collections.set(id, st);
    }
    return st;
  }

  /** Drops a collection from the readers when its manager closes (release, drop, close). */
  private watch(mgr: SegmentManager): void {
    if (this.watched.has(mgr)) return;
    this.watched.add(mgr);
    const id = mgr.info.id;
    mgr.abort.signal.addEventListener(
      'abort',
      () => {
        if (this.closed) return;
        this.collections.delete(id);
        for (const link of this.links) link.drop(id);
      },
      { once: true },
    );
  }

  private infoVersion(info: CollectionInfo): number {
    let v = this.infoVersions.get(info);
    if (v === undefined) {
      v = this.nextInfoV++;
      this.infoVersions.set(info, v);
    }
    return v;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    const settled = (): void => void this.inFlight.delete(p);
    p.then(settled, settled);
    return p;
  }

  /** Resolves when every read in flight now has settled (or after fenceMs). */
  private async quiesce(): Promise<void> {
    const now = [...this.inFlight];
    if (now.length === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<void>((r) => (timer = setTimeout(r, this.options.fenceMs ?? 30_000)));
    await Promise.race([Promise.allSettled(now), limit]);
    clearTimeout(timer);
  }

  private onEnded(link: QueryWorkerLink, reason: VesperError): void {
    // the fresh worker holds nothing: every collection loads again before readers answer
    this.epoch++;
    for (const st of this.collections.values()) st.ready = undefined;
    this.options.onError?.(reason);
    void link.ready().catch((err: unknown) => this.onStartFailed(err));
  }

  private onStartFailed(err: unknown): void {
    if (this.closed) return;
    this.options.onError?.(VesperError.wrap(err));
    this.checkStarts();
  }

  /** Turns the pool off once a worker failed to start MAX_FAILED_STARTS times in a row. */
  private checkStarts(): void {
    if (this.disabled || !this.links.some((l) => l.failedStarts >= MAX_FAILED_STARTS)) return;
    this.disabled = true;
    this.options.onError?.(new VesperError('SERVICE_UNAVAILABLE', `query workers did not start ${MAX_FAILED_STARTS} times in a row: the engine worker searches everything itself from now on`));
  }
}
