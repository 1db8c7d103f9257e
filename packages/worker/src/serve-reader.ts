/**
 * serveReader: the query-worker side of parallel search (a Milvus QueryNode's worker
 * segments). Run it in a dedicated module Worker that the engine worker starts; it opens the
 * database's object store READ-ONLY (the caller's opener), loads the WASM kernels, and keeps
 * one SealedReplica per collection. Each call names this reader's share of the writer's
 * sealed segments; the reader syncs its replica to the share and answers the writer's read
 * plan with a partial (core's read pipeline, query/read-executor.ts), which the writer
 * merges — as LocalReaderPool does in one thread.
 *
 * Invariants: a reader never writes (no WAL, no manifest, no object put or delete); calls
 * about one collection run one at a time, sync then read with nothing in between, so a read
 * sees exactly its share and never a neighbour call's half-finished sync; a failure answers
 * as a VesperError, never a hang; a reader whose last sync failed or that lacks what a call
 * names answers `resend` (reader-protocol.ts) instead of reading a state nobody asked for.
 */
import { BlockCache, VesperError, budgetedIndexFactory, checkBudget, defaultBlockCache, getIndexFactory, initKernels, kernelsReady, type ObjectStore, type VectorIndexFactory, showValue } from '@vesper/core';
import {
  SealedReplica,
  bm25StatsShare,
  countShare,
  queryShare,
  searchShare,
  type Bm25StatsRequest,
  type CollectionInfo,
  type CountPlan,
  type QueryPlan,
  type SearchPlan,
} from '@vesper/core/distributed';
import {
  READER_TAG,
  isReaderRequest,
  type InfoRef,
  type ReaderConfig,
  type ReaderRequest,
  type ReaderResponse,
  type ReaderStats,
  type ShareRef,
} from './reader-protocol.ts';
import type { MessagePortLike } from './wire.ts';

export interface ServeReaderOptions {
  /** Opens the object store a database URL names, read-only (never puts or deletes). */
  openObjects(url: string): Promise<ObjectStore>;
}

interface Held {
  readonly replica: SealedReplica;
  info: CollectionInfo | undefined;
  infoV: number;
  /** The share key of the last sync that completed; undefined after a failed one. */
  synced: string | undefined;
  /** Calls about this collection, in arrival order. */
  chain: Promise<unknown>;
}

const RESEND = Symbol('resend');

/** The reader API behind the wire (exported for in-page tests). */
export function createReader(options: ServeReaderOptions): (req: ReaderRequest) => Promise<ReaderResponse> {
  let objects: ObjectStore | undefined;
  const held = new Map<number, Held>();
  let calls = 0;

  // a worker given a share of the memory budget reads disk-resident indexes through its own cache
  let cache: BlockCache | undefined;
  let indexFactory: (indexType: string) => VectorIndexFactory = getIndexFactory;
  const source = (info: CollectionInfo) => ({ objects: objects!, schema: info.schema, indexFactory });

  /** Runs fn after earlier calls about the collection, with its state brought to (infoRef, shareRef). */
  const withShare = <T>(id: number, infoRef: InfoRef, shareRef: ShareRef, fn: (h: Held, info: CollectionInfo) => T): Promise<T | typeof RESEND> => {
    if (objects === undefined) return Promise.reject(new VesperError('SERVICE_NOT_READY', 'query worker: open it first'));
    let h = held.get(id);
    if (h === undefined) {
      if (infoRef.info === undefined) return Promise.resolve(RESEND);
      h = { replica: new SealedReplica(source(infoRef.info)), info: undefined, infoV: -1, synced: undefined, chain: Promise.resolve() };
      held.set(id, h);
    }
    const state = h;
    const run = async (): Promise<T | typeof RESEND> => {
      if (infoRef.info !== undefined) {
        state.info = infoRef.info;
        state.infoV = infoRef.v;
        state.replica.setSource(source(infoRef.info));
      } else if (state.infoV !== infoRef.v) {
        return RESEND;
      }
      if (shareRef.share !== undefined) {
        state.synced = undefined;
        await state.replica.sync(shareRef.share);
        state.synced = shareRef.key;
      } else if (state.synced !== shareRef.key) {
        return RESEND;
      }
      return fn(state, state.info!);
    };
    const next = state.chain.then(run, run);
    state.chain = next.catch(() => undefined);
    return next;
  };

  const ops: Record<ReaderRequest['op'], (args: readonly unknown[]) => Promise<unknown>> = {
    async open(args) {
      const config = args[0] as ReaderConfig;
      if (objects !== undefined) throw new VesperError('PARAMETER_INVALID', 'this query worker is already open');
      if (config.memoryBudget !== undefined) {
        checkBudget(config.memoryBudget);
        cache = new BlockCache(config.memoryBudget);
        indexFactory = budgetedIndexFactory(cache);
      }
      if (config.lifeLock !== undefined) await holdForLife(config.lifeLock);
      const kernels = config.kernels !== undefined && !kernelsReady() ? initKernels(config.kernels) : undefined;
      const [, store] = await Promise.all([kernels, options.openObjects(config.url)]);
      objects = store;
      return undefined;
    },
    sync: ([id, info, share]) => withShare(id as number, info as InfoRef, share as ShareRef, () => undefined),
    search: ([id, info, share, plan, ts]) =>
      withShare(id as number, info as InfoRef, share as ShareRef, (h) => searchShare(h.replica, plan as SearchPlan, ts as bigint)),
    query: ([id, info, share, plan, ts]) =>
      withShare(id as number, info as InfoRef, share as ShareRef, (h) => queryShare(h.replica, plan as QueryPlan, ts as bigint)),
    count: ([id, info, share, plan, ts]) =>
      withShare(id as number, info as InfoRef, share as ShareRef, (h) => countShare(h.replica, plan as CountPlan, ts as bigint)),
    bm25Stats: ([id, info, share, request, ts]) =>
      withShare(id as number, info as InfoRef, share as ShareRef, (h) => bm25StatsShare(h.replica, request as Bm25StatsRequest, ts as bigint)),
    async drop([id]) {
      const h = held.get(id as number);
      if (h === undefined) return undefined;
      held.delete(id as number);
      // after the calls already queued for it
      await h.chain;
      h.replica.close();
      return undefined;
    },
    async stats(): Promise<ReaderStats> {
      let segments = 0;
      let rows = 0;
      for (const h of held.values()) {
        segments += h.replica.ids().length;
        rows += h.replica.rowCount;
      }
      return { collections: held.size, segments, rows, calls, blockCache: (cache ?? defaultBlockCache()).stats() };
    },
  };

  return async (req: ReaderRequest): Promise<ReaderResponse> => {
    calls++;
    try {
      const op = Object.prototype.hasOwnProperty.call(ops, req.op) ? ops[req.op] : undefined;
      if (op === undefined) throw new VesperError('PARAMETER_INVALID', `unknown query worker operation ${showValue(req.op)}`);
      const value = await op(req.args);
      return value === RESEND ? { tag: READER_TAG, id: req.id, resend: true } : { tag: READER_TAG, id: req.id, value };
    } catch (err) {
      return { tag: READER_TAG, id: req.id, error: VesperError.wrap(err).toJSON() };
    }
  };
}

/** Takes the Web Lock `name` and keeps it until this worker ends (resolves once held). */
function holdForLife(name: string): Promise<void> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (locks === undefined) return Promise.resolve();
  return new Promise<void>((held, failed) => {
    locks
      .request(name, () => {
        held();
        return new Promise<never>(() => undefined);
      })
      .catch(failed);
  });
}

/**
 * Serves a query worker on `endpoint` (default: this worker's global scope). Messages of the
 * engine protocol (wire.ts) on the same endpoint are left alone.
 */
export function serveReader(options: ServeReaderOptions, endpoint: MessagePortLike = globalThis as unknown as MessagePortLike): void {
  const handle = createReader(options);
  (endpoint as { start?: () => void }).start?.();
  endpoint.addEventListener('message', (event: MessageEvent) => {
    const req: unknown = event.data;
    if (!isReaderRequest(req)) return;
    void handle(req).then((res) => {
      try {
        endpoint.postMessage(res, []);
      } catch (err) {
        endpoint.postMessage({ tag: READER_TAG, id: req.id, error: VesperError.wrap(err).toJSON() } satisfies ReaderResponse, []);
      }
    });
  });
}
