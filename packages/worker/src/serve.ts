/**
 * serveEngine: the worker side of `@vesper/worker` — run it in a dedicated module Worker. It
 * opens the database's storage with the opener it is given (the browser package passes its
 * IndexedDB/OPFS `openStorage`), loads the WASM kernels from the page-supplied URL, opens a
 * ProxyNode (Milvus's Proxy) over them and answers `handle(method, request)` over comlink.
 *
 * Invariants: one engine per worker; a failure resolves as a VesperError (see protocol.ts),
 * so the page always gets a code; nothing is acknowledged that the ProxyNode did not
 * acknowledge (the WAL append is durable before `insert` resolves).
 */
import { expose, type Endpoint } from 'comlink';
import { ProxyNode, VesperError, getIndexFactory, initKernels, kernelsReady, type EngineOptions, type StorageSet } from '@vesper/core';
import { registerVesperErrorTransfer } from './error-transfer.ts';
import type { EngineApi, EngineConfig } from './protocol.ts';

export interface ServeOptions {
  /** Opens the adapter set a database URL names. */
  openStorage(url: string): Promise<StorageSet>;
  /** Engine options (seal policy, clock, ...) for every database this worker opens. */
  readonly engine?: EngineOptions;
}

/** The engine API served by a worker, before it is exposed (exported for in-page tests). */
export function createEngineApi(options: ServeOptions): EngineApi {
  let proxy: ProxyNode | undefined;
  let opening: Promise<void> | undefined;
  return {
    async open(config: EngineConfig): Promise<VesperError | undefined> {
      try {
        if (proxy !== undefined || opening !== undefined) throw new VesperError('PARAMETER_INVALID', 'this worker already serves a database');
        opening = (async () => {
          if (config.kernels !== undefined && !kernelsReady()) await initKernels(config.kernels);
          const storage = await options.openStorage(config.url);
          try {
            proxy = await ProxyNode.open(storage, { indexFactory: getIndexFactory, ...options.engine, ...config.engine });
          } catch (err) {
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
    async handle(method: string, request: unknown): Promise<unknown> {
      try {
        if (proxy === undefined) throw new VesperError('SERVICE_NOT_READY', 'the database is not open yet: call open(config) first');
        return await proxy.handle(method, request);
      } catch (err) {
        return VesperError.wrap(err);
      }
    },
    async close(): Promise<VesperError | undefined> {
      try {
        const p = proxy;
        proxy = undefined;
        await p?.close();
        return undefined;
      } catch (err) {
        return VesperError.wrap(err);
      }
    },
  };
}

/**
 * Serves the engine on `endpoint` (default: this worker's global scope).
 * @example  // engine-worker.ts
 *   serveEngine({ openStorage });
 */
export function serveEngine(options: ServeOptions, endpoint: Endpoint = globalThis as unknown as Endpoint): void {
  registerVesperErrorTransfer();
  expose(createEngineApi(options), endpoint);
}
