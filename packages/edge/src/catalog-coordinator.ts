/**
 * CatalogCoordinator: the Durable Object that owns one database (Milvus's RootCoord role, one
 * instance per database, addressed by `idFromName(dbName)`). In this step it hosts a whole
 * ProxyNode — catalog, TSO, segments, WAL and search — over DoSqlMetaStore + DoSqlWal in its
 * own SQLite storage and an R2ObjectStore under `db/<dbName>/` in the bucket. It also runs the
 * database's import jobs (import/import-jobs.ts, driven by the DO alarm) and holds its rate
 * limiter: every request of the database passes here, so the limit holds across isolates.
 *
 * NEXT STEP (not built yet): ShardLeader DOs per (collection, shard) take over the WAL and the
 * growing segments, and QueryNode DOs load sealed segments from R2 and search them; this DO
 * then keeps only the catalog, TSO, segment metadata and manifest commits.
 *
 * RPC: `call(dbName, method, request, options)` answers `{ok:true,data}` or `{ok:false,error}`
 * — errors as data, never DO RPC's default error serialization. A non-default database's DO
 * refuses every call but createDatabase until that database exists (800), so requests naming
 * unknown databases write nothing. `options.kind` charges the rate limit (1807) and
 * `options.deadline` (epoch ms) refuses work that arrives after its request timed out (10001).
 */
import { DurableObject } from 'cloudflare:workers';
import { ProxyNode, VesperError, getIndexFactory, initKernels, kernelsReady } from '@vesper/core';
import kernelsModule from '@vesper/core/kernels.wasm';
import { createEdgeStorage } from './adapters/index.ts';
import type { Env } from './bindings.ts';
import { ImportJobs } from './import/import-jobs.ts';
import { RateLimiter, rateFor, type RequestKind } from './limits.ts';
import { asResult, type RpcResult } from './rpc.ts';

const DEFAULT_DB = 'default';
const PROPS_TTL_MS = 5_000;

export interface CallOptions {
  /** Charge one request of this kind to the database's rate limit. */
  readonly kind?: RequestKind;
  /** Epoch ms after which the request's caller has given up. */
  readonly deadline?: number;
}

export class CatalogCoordinator extends DurableObject<Env> {
  private engine: Promise<ProxyNode> | undefined;
  private readonly limiter = new RateLimiter();
  private props: { values: Record<string, string>; at: number } | undefined;
  private importJobs: ImportJobs | undefined;

  /** Runs one ProxyNode method (or import-job method) for database `dbName` (the DO's own database). */
  async call(dbName: string, method: string, request: Record<string, unknown>, options: CallOptions = {}): Promise<RpcResult> {
    return asResult(async () => {
      if (options.deadline !== undefined && Date.now() > options.deadline) {
        throw new VesperError('TIMEOUT', `${method} arrived after its request timed out; nothing was done`);
      }
      if (dbName !== DEFAULT_DB && method !== 'createDatabase' && !this.hasData()) {
        throw new VesperError('DATABASE_NOT_FOUND', `database not found[database=${dbName}]`);
      }
      if (options.kind !== undefined) await this.admit(dbName, options.kind);
      if (method === 'alterDatabase') this.props = undefined;
      switch (method) {
        case 'importCreate': {
          const jobId = await this.imports().create(dbName, String(request['collection_name']), String(request['partition_name'] ?? ''), request['files'] as string[]);
          await this.ctx.storage.setAlarm(Date.now());
          return { jobId };
        }
        case 'importList':
          await this.resumeImports();
          return this.imports().list(request['collection_name'] as string | undefined);
        case 'importProgress':
          await this.resumeImports();
          return this.imports().get(String(request['job_id']));
      }
      return this.run(dbName, method, request);
    });
  }

  /**
   * Runs one import chunk per invocation, so each stays far inside the CPU limit and other
   * requests interleave; re-arms itself while jobs remain (a restarted DO resumes here).
   */
  override async alarm(): Promise<void> {
    if (await this.imports().step()) await this.ctx.storage.setAlarm(Date.now());
  }

  /** Re-arms the alarm if jobs remain but none is scheduled (an alarm lost to a crash). */
  private async resumeImports(): Promise<void> {
    if (this.imports().pending() && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  private run(dbName: string, method: string, request: Record<string, unknown>): Promise<unknown> {
    return this.open(dbName).then((node) => node.handle(method, { ...request, db_name: request['db_name'] ?? dbName }));
  }

  private imports(): ImportJobs {
    this.importJobs ??= new ImportJobs(this.ctx.storage.sql, this.env.BUCKET, { call: (db, m, r) => this.run(db, m, r) });
    return this.importJobs;
  }

  private async admit(dbName: string, kind: RequestKind): Promise<void> {
    const now = Date.now();
    if (this.props === undefined || now - this.props.at > PROPS_TTL_MS) {
      const values: Record<string, string> = {};
      try {
        const desc = (await this.run(dbName, 'describeDatabase', { db_name: dbName })) as { properties?: { key: string; value: string }[] };
        for (const p of desc.properties ?? []) values[p.key] = p.value;
      } catch {
        // A database being created has no properties yet.
      }
      this.props = { values, at: now };
    }
    this.limiter.admit(dbName, kind, rateFor(kind, this.props.values, this.env as unknown as Record<string, unknown>), now);
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
