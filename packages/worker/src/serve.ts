/**
 * serveEngine: the worker side of `@vesper/worker` — run it in a dedicated module Worker. It
 * opens the database's storage with the opener it is given (the browser package passes its
 * IndexedDB/OPFS `openStorage`), loads the WASM kernels from the page-supplied URL, opens a
 * ProxyNode (Milvus's Proxy) over them and answers `handle(method, request)` over the wire
 * protocol of wire.ts (one message per call and per answer; errors as VesperError JSON).
 * Insert/upsert rows may arrive packed as columns (row-packing.ts) and are rebuilt here.
 *
 * Invariants: one engine per worker; a failure resolves as a VesperError (see protocol.ts),
 * so the page always gets a code; nothing is acknowledged that the ProxyNode did not
 * acknowledge (the WAL append is durable before `insert` resolves). Writes with a request id
 * run one at a time under the storage's RequestLog, so a retried write whose first attempt
 * reached the WAL is answered from the log instead of being applied twice.
 *
 * With `spawnQueryWorker` and `queryWorkers > 0` in the config, sealed segments are searched
 * by that many query workers (reader-pool.ts); the engine stays the only writer, and
 * `handle('$queryWorkerStats')` answers what they hold. Closing the engine ends them.
 *
 * With `replicaOf` in the config the worker holds a local replica instead of a ProxyNode
 * (core openReplicaEngine, over the same storage, syncing with the worker's `fetch`):
 * `handle` answers reads from it, forwards its writes to the server, and answers the
 * replica control calls (`$replicaSync`, `$replicaStatus`, `$rejectedWrites`: protocol.ts's
 * WorkerControlCalls); a database worker answers those three with PARAMETER_INVALID.
 */
import { BlockCache, ProxyNode, VesperError, budgetedIndexFactory, checkBudget, defaultBlockCache, getIndexFactory, initKernels, kernelsMemoryBytes, kernelsReady, openReplicaEngine, type EngineOptions, type FetchFn, type ReplicaEngine, type StorageSet, showValue } from '@vesper/core';
import { WRITE_METHODS, type CallMeta } from './call-meta.ts';
import { isControlMethod, type ControlMethod, type DatabaseStats, type EngineApi, type EngineConfig, type RequestLog, type WorkerControlCalls, type WorkerMethod, type WorkerRequest, type WorkerResponse } from './protocol.ts';
import { WorkerReaderPool, type QueryWorkerStats } from './reader-pool.ts';
import { unpackRowsRequest } from './row-packing.ts';
import { WIRE_TAG, isWireRequest, type MessagePortLike, type WireRequest, type WireResponse } from './wire.ts';
import type { WorkerLike } from './worker-transport.ts';

export { serveReader, type ServeReaderOptions } from './serve-reader.ts';
export { WorkerReaderPool, type QueryWorkerStats } from './reader-pool.ts';

export interface ServeOptions {
  /** Opens the adapter set a database URL names (with a RequestLog when it can keep one). */
  openStorage(url: string): Promise<StorageSet & { readonly requests?: RequestLog }>;
  /** Engine options (seal policy, clock, ...) for every database this worker opens. */
  readonly engine?: EngineOptions;
  /**
   * Starts query worker `index`: a dedicated module Worker running serveReader over the same
   * storage. Without it the engine searches everything itself, whatever the config asks.
   */
  spawnQueryWorker?(index: number): WorkerLike;
  /** How a replica reaches its server; default: the worker's global `fetch`. */
  readonly fetch?: FetchFn;
}

const NO_QUERY_WORKERS: QueryWorkerStats = { workers: 0, enabled: false, reads: 0, ended: 0, retried: 0, perWorker: [] };

/** The answer to a retried write the log knows was applied but whose response was not kept. */
function appliedEarlier(requestId: string): Record<string, unknown> {
  const status = { error_code: 'Success', reason: '', code: 0 };
  return { status, succ_index: [], err_index: [], IDs: {}, acknowledged: true, insert_cnt: '0', delete_cnt: '0', upsert_cnt: '0', timestamp: '0', deduplicated: requestId };
}

function cancelledError(callId: string): VesperError {
  return new VesperError('CANCELLED', `the call was cancelled by its caller (call ${callId})`, { call_id: callId });
}

/** The engine API served by a worker, before it is exposed (exported for in-page tests). */
export function createEngineApi(options: ServeOptions): EngineApi {
  let proxy: ProxyNode | undefined;
  let replica: ReplicaEngine | undefined;
  let readers: WorkerReaderPool | undefined;
  let requests: RequestLog | undefined;
  /** The database's memoryBudget and the engine worker's share of it as a block cache. */
  let budget: number | undefined;
  let cache: BlockCache | undefined;
  let opening: Promise<void> | undefined;
  let writes: Promise<unknown> = Promise.resolve();
  const cancelled = new Set<string>();

  /** Runs a write with a request id: alone, deduped, tagged in the WAL. */
  const loggedWrite = (log: RequestLog, p: ProxyNode, method: string, request: unknown, meta: CallMeta & { requestId: string }): Promise<unknown> => {
    const run = async (): Promise<unknown> => {
      if (meta.callId !== undefined && cancelled.delete(meta.callId)) throw cancelledError(meta.callId);
      if (meta.retry === true) {
        const seen = await log.lookup(meta.requestId);
        if (seen !== undefined) return seen.response ?? appliedEarlier(meta.requestId);
      }
      const res = await log.tagged(meta.requestId, () => p.handle(method, request));
      void log.record(meta.requestId, res).catch(() => undefined);
      return res;
    };
    const next = writes.then(run, run);
    writes = next.catch(() => undefined);
    return next;
  };

  const queryWorkerStats = async (): Promise<QueryWorkerStats> => {
    if (proxy === undefined && replica === undefined) throw notOpen();
    return (await readers?.stats()) ?? NO_QUERY_WORKERS;
  };
  /** The replica a replica control call needs (a database has none: PARAMETER_INVALID naming the call). */
  const replicaFor = (method: ControlMethod): ReplicaEngine => {
    if (replica !== undefined) return replica;
    if (proxy === undefined) throw notOpen();
    throw new VesperError('PARAMETER_INVALID', `${method} needs a replica: open the database with replicaOf`);
  };
  /** The worker's own calls, one handler each (the compiler keeps this table and WorkerControlCalls the same). */
  const control: { readonly [M in ControlMethod]: () => Promise<WorkerControlCalls[M]['response']> } = {
    $queryWorkerStats: queryWorkerStats,
    async $databaseStats() {
      const workers = await queryWorkerStats();
      return { memoryBudget: budget, blockCache: (cache ?? defaultBlockCache()).stats(), wasmMemoryBytes: kernelsMemoryBytes(), queryWorkers: workers.perWorker.map((w) => w?.blockCache ?? null) } satisfies DatabaseStats;
    },
    async $replicaSync() {
      await replicaFor('$replicaSync').sync();
      return undefined;
    },
    $replicaStatus: async () => replicaFor('$replicaStatus').replicaStatus(),
    $rejectedWrites: async () => replicaFor('$rejectedWrites').rejectedWrites(),
  };

  return {
    async open(config: EngineConfig): Promise<VesperError | undefined> {
      try {
        if (proxy !== undefined || replica !== undefined || opening !== undefined) throw new VesperError('PARAMETER_INVALID', 'this worker already serves a database');
        opening = (async () => {
          // compiling the kernels and opening storage overlap (both sit on a cold open's path)
          const kernels = config.kernels !== undefined && !kernelsReady() ? initKernels(config.kernels) : undefined;
          const opened = options.openStorage(config.url);
          let storage: Awaited<typeof opened>;
          try {
            [, storage] = await Promise.all([kernels, opened]);
          } catch (err) {
            void opened.then((s) => s.close?.()).catch(() => undefined);
            throw err;
          }
          let pool: WorkerReaderPool | undefined;
          try {
            if (config.memoryBudget !== undefined) checkBudget(config.memoryBudget);
            // the budget is split evenly: the engine worker and each query worker get one share
            const share = config.memoryBudget === undefined ? undefined : Math.floor(config.memoryBudget / (1 + readerCount(options, config)));
            cache = share === undefined ? undefined : new BlockCache(share);
            budget = config.memoryBudget;
            const indexFactory = cache === undefined ? getIndexFactory : budgetedIndexFactory(cache);
            if (config.replicaOf !== undefined) {
              // the replica closes the storage when it fails to open, and so does the catch below: once is enough
              const inner = storage;
              let shut: Promise<void> | undefined;
              storage = { ...inner, close: () => (shut ??= inner.close?.() ?? Promise.resolve()) };
              const fetchFn = options.fetch ?? (globalThis.fetch.bind(globalThis) as unknown as FetchFn);
              replica = await openReplicaEngine({ replicaOf: config.replicaOf, storage, fetch: fetchFn, indexFactory });
              return;
            }
            pool = startReaders(options, config, share);
            if (pool !== undefined) storage = { ...storage, objects: pool.fence(storage.objects) };
            proxy = await ProxyNode.open(storage, { indexFactory, ...options.engine, ...config.engine, ...(pool ? { readers: pool } : {}) });
            readers = pool;
            requests = storage.requests;
          } catch (err) {
            pool?.close();
            await storage.close?.().catch(() => undefined);
            throw err;
          }
        })();
        await opening;
        return undefined;
      } catch (err) {
        opening = undefined;
        return VesperError.wrap(err);
      }
    },
    async handle<M extends WorkerMethod>(method: M, packed: WorkerRequest<M>, meta: CallMeta = {}): Promise<WorkerResponse<M> | VesperError> {
      try {
        if (meta.callId !== undefined && cancelled.delete(meta.callId)) throw cancelledError(meta.callId);
        if (isControlMethod(method)) return (await control[method]()) as WorkerResponse<M>;
        const request = unpackRowsRequest(packed);
        if (replica !== undefined) {
          // a write's request id goes with it to the server, which applies it once
          const withId = meta.requestId !== undefined && WRITE_METHODS.has(method) ? { ...(request as object), request_id: meta.requestId } : request;
          return (await replica.call(method, withId)) as WorkerResponse<M>;
        }
        if (proxy === undefined) throw notOpen();
        if (requests !== undefined && meta.requestId !== undefined && WRITE_METHODS.has(method)) {
          return (await loggedWrite(requests, proxy, method, request, { ...meta, requestId: meta.requestId })) as WorkerResponse<M>;
        }
        // an unknown method is the ProxyNode's to refuse (UNIMPLEMENTED, naming it)
        const out = await proxy.handle(method as string, request);
        if (meta.callId !== undefined && cancelled.delete(meta.callId)) throw cancelledError(meta.callId);
        return out as WorkerResponse<M>;
      } catch (err) {
        return VesperError.wrap(err);
      }
    },
    async cancel(callId: string): Promise<void> {
      // remembered until the call looks (a call that already finished leaves a stale id; bounded)
      if (cancelled.size > 10_000) cancelled.clear();
      cancelled.add(callId);
    },
    async close(): Promise<VesperError | undefined> {
      try {
        const p = proxy;
        const r = replica;
        const pool = readers;
        proxy = undefined;
        replica = undefined;
        readers = undefined;
        try {
          await writes;
          await p?.close();
          await r?.close();
        } finally {
          pool?.close();
        }
        return undefined;
      } catch (err) {
        return VesperError.wrap(err);
      }
    },
  };
}

function notOpen(): VesperError {
  return new VesperError('SERVICE_NOT_READY', 'the database is not open yet: call open(config) first');
}

/** The query workers the config asks for, started in the background (none for 0 or without a spawner). */
/** Query workers the engine starts for config. */
function readerCount(options: ServeOptions, config: EngineConfig): number {
  return options.spawnQueryWorker === undefined ? 0 : config.queryWorkers ?? 0;
}

function startReaders(options: ServeOptions, config: EngineConfig, memoryBudget: number | undefined): WorkerReaderPool | undefined {
  const n = readerCount(options, config);
  if (n === 0) return undefined;
  const report = options.engine?.onBackgroundError ?? ((err: unknown) => console.warn('[vesper] query workers:', err));
  const pool = new WorkerReaderPool({
    workers: n,
    spawn: (i) => options.spawnQueryWorker!(i),
    reader: { url: config.url, ...(config.kernels === undefined ? {} : { kernels: config.kernels }), ...(memoryBudget === undefined ? {} : { memoryBudget }) },
    onError: report,
  });
  pool.start();
  return pool;
}

/** Runs one wire request against the API; never throws (a failure answers as VesperError JSON). */
async function answer(api: EngineApi, req: WireRequest): Promise<WireResponse> {
  try {
    const [a, b, c] = req.args;
    const value =
      // the method arrives as a string: handle refuses one it does not know, with a code
      req.op === 'handle' ? await api.handle(a as WorkerMethod, b as never, c as CallMeta | undefined)
      : req.op === 'open' ? await api.open(a as EngineConfig)
      : req.op === 'cancel' ? await api.cancel(a as string)
      : req.op === 'close' ? await api.close()
      : new VesperError('PARAMETER_INVALID', `unknown engine operation ${showValue(req.op)}`);
    return value instanceof VesperError ? { tag: WIRE_TAG, id: req.id, error: value.toJSON() } : { tag: WIRE_TAG, id: req.id, value };
  } catch (err) {
    return { tag: WIRE_TAG, id: req.id, error: VesperError.wrap(err).toJSON() };
  }
}

/**
 * Serves the engine on `endpoint` (default: this worker's global scope) over wire.ts.
 * @example  // engine-worker.ts
 *   serveEngine({ openStorage });
 */
export function serveEngine(options: ServeOptions, endpoint: MessagePortLike = globalThis as unknown as MessagePortLike): void {
  const api = createEngineApi(options);
  (endpoint as { start?: () => void }).start?.(); // a MessagePort delivers only once started
  endpoint.addEventListener('message', (event: MessageEvent) => {
    const req: unknown = event.data;
    if (!isWireRequest(req)) return;
    void answer(api, req).then((res) => {
      try {
        endpoint.postMessage(res, []);
      } catch (err) {
        // the result could not be cloned: answer with why, so the call never hangs
        endpoint.postMessage({ tag: WIRE_TAG, id: req.id, error: VesperError.wrap(err).toJSON() } satisfies WireResponse, []);
      }
    });
  });
}
