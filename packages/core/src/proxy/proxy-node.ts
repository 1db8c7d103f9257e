/**
 * ProxyNode: the engine's front door (Milvus's Proxy). `handle(method, request)` turns a
 * request into its task and runs it on the scheduler's DDL, DML or DQL queue. Method names
 * are the Milvus Node SDK's (`createCollection`, `insert`, `search`, ...), so a client in
 * another runtime (worker, Durable Object, HTTP) only forwards (method, request) pairs.
 * Every failure is a VesperError with a Milvus code.
 */
import { warmAnalyzers } from '../text/analyzer-cache.ts';
import { VesperError } from '../errors/index.ts';
import type { StorageSet } from '../adapters/storage-set.ts';
import { Catalog } from '../catalog/catalog.ts';
import { IdAllocator } from '../catalog/id-allocator.ts';
import { Tso } from '../catalog/tso.ts';
import { ProxyContext, type EngineOptions } from './proxy-context.ts';
import { TaskScheduler } from './task-scheduler.ts';
import type { Task } from './task.ts';
import { checkRequestKeys } from './request-keys.ts';
import { ENGINE_TASKS, isEngineMethod, type EngineMethod, type EngineRequest, type EngineResponse } from './engine-api.ts';


/** Schemas whose analyzers are built (schemas are immutable; a built analyzer stays cached). */
const warmed = new WeakSet<object>();

export class ProxyNode {
  private closed = false;

  private constructor(
    readonly ctx: ProxyContext,
    private readonly scheduler: TaskScheduler,
  ) {}

  static async open(storage: StorageSet, options: EngineOptions = {}): Promise<ProxyNode> {
    const tso = await Tso.open(storage.meta, options.clock ? { clock: options.clock } : {});
    const ids = new IdAllocator(storage.meta, 'ids/global', 1000, 1);
    // auto_id keys: large, time-ordered like Milvus's, and still exact as JS numbers
    const autoIds = new IdAllocator(storage.meta, 'ids/auto', 100_000, Date.now() * 1000);
    const catalog = await Catalog.open(storage.meta, () => tso.next(), () => ids.alloc());
    const ctx = new ProxyContext(storage, catalog, tso, ids, autoIds, options);
    return new ProxyNode(ctx, new TaskScheduler());
  }

  /**
   * Runs one request.
   * @throws VesperError with the Milvus code of whatever failed (1100 invalid parameter,
   *   100 collection not found, 101 not loaded, 1804 bad insert data, ...).
   */
  handle<M extends EngineMethod>(method: M, request: EngineRequest<M>): Promise<EngineResponse<M>>;
  /** A (method, request) pair from a wire: both are checked before anything runs. */
  handle(method: string, request: unknown): Promise<unknown>;
  async handle(method: string, request: unknown): Promise<unknown> {
    if (this.closed) throw new VesperError('SERVICE_UNAVAILABLE', 'the database is closed');
    if (!isEngineMethod(method)) throw new VesperError('UNIMPLEMENTED', `unknown method ${method}`);
    const ctor: new (ctx: ProxyContext, req: never) => Task = ENGINE_TASKS[method];
    if (request === null || typeof request !== 'object' || Array.isArray(request)) {
      throw new VesperError('PARAMETER_INVALID', `${method} expects a request object`);
    }
    checkRequestKeys(method, request);
    try {
      // filters with text_match/phrase_match compile synchronously: the collection's analyzers are built first
      const r = request as { collection_name?: unknown; db_name?: unknown };
      if (typeof r.collection_name === 'string') {
        const info = this.ctx.catalog.findCollection(this.ctx.dbName(r), r.collection_name);
        if (info && !warmed.has(info.schema)) {
          await warmAnalyzers(info.schema);
          warmed.add(info.schema);
        }
      }
      return await this.scheduler.enqueue(new ctor(this.ctx, request as never));
    } catch (e) {
      throw VesperError.wrap(e);
    }
  }

  /** Waits for background work (seals, index builds, compactions) to finish. */
  async idle(): Promise<void> {
    for (const m of await this.ctx.openManagers()) await m.idle();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ctx.closeAll();
    await this.ctx.storage.close?.();
  }
}
