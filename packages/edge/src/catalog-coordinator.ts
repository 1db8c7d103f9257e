/**
 * CatalogCoordinator: the Durable Object that owns one database (Milvus's RootCoord role, one
 * instance per database, addressed by `idFromName(dbName)`). In this step it hosts a whole
 * ProxyNode — catalog, TSO, segments, WAL and search — over DoSqlMetaStore + DoSqlWal in its
 * own SQLite storage and an R2ObjectStore under `db/<dbName>/` in the bucket.
 *
 * NEXT STEP (not built yet): ShardLeader DOs per (collection, shard) take over the WAL and the
 * growing segments, and QueryNode DOs load sealed segments from R2 and search them; this DO
 * then keeps only the catalog, TSO, segment metadata and manifest commits.
 *
 * RPC: `call(dbName, method, request)` answers `{ok:true,data}` or `{ok:false,error}` — errors
 * as data, never DO RPC's default error serialization. A non-default database's DO refuses
 * every call but createDatabase until that database exists (800), so requests naming unknown
 * databases write nothing.
 */
import { DurableObject } from 'cloudflare:workers';
import { ProxyNode, VesperError, getIndexFactory, initKernels, kernelsReady } from '@vesper/core';
import kernelsModule from '@vesper/core/kernels.wasm';
import { createEdgeStorage } from './adapters/index.ts';
import type { Env } from './bindings.ts';
import { asResult, type RpcResult } from './rpc.ts';

const DEFAULT_DB = 'default';

export class CatalogCoordinator extends DurableObject<Env> {
  private engine: Promise<ProxyNode> | undefined;

  /** Runs one ProxyNode method for database `dbName` (the DO's own database). */
  async call(dbName: string, method: string, request: Record<string, unknown>): Promise<RpcResult> {
    return asResult(async () => {
      if (dbName !== DEFAULT_DB && method !== 'createDatabase' && !this.hasData()) {
        throw new VesperError('DATABASE_NOT_FOUND', `database not found[database=${dbName}]`);
      }
      const node = await this.open(dbName);
      return node.handle(method, { ...request, db_name: request['db_name'] ?? dbName });
    });
  }

  /** Whether this DO's storage was ever initialized (a database was created here). */
  private hasData(): boolean {
    const row = this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE name = 'vesper_meta'").one();
    return row.n > 0;
  }

  private open(dbName: string): Promise<ProxyNode> {
    this.engine ??= (async () => {
      if (!kernelsReady()) await initKernels(kernelsModule);
      const storage = createEdgeStorage(this.ctx.storage, this.env.BUCKET, `db/${dbName}/`);
      return ProxyNode.open(storage, {
        indexFactory: getIndexFactory,
        onBackgroundError: (e) => console.error('vesper background work failed', e),
      });
    })().catch((e: unknown) => {
      this.engine = undefined;
      throw e;
    });
    return this.engine;
  }
}
