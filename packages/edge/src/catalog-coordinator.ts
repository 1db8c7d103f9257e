/**
 * CatalogCoordinator: the Durable Object that owns one database (Milvus's RootCoord role, one
 * instance per database, addressed by `idFromName(dbName)`). In this step it hosts a whole
 * ProxyNode — catalog, TSO, segments, WAL and search — over DoSqlMetaStore + DoSqlWal in its
 * own SQLite storage and an R2ObjectStore under `db/<dbName>/` in the bucket. It also runs the
 * database's import jobs (import/import-jobs.ts, driven by the DO alarm) and holds its rate
 * limiter: every request of the database passes here, so the limit holds across isolates.
 *
 * Data lives elsewhere: the engine here runs as a `catalogView` (it holds no segment and writes no
 * WAL). Inserts, deletes, searches and queries go from the proxy straight to the ShardLeader
 * DOs (data/distributed-engine.ts); this DO starts each of them (`begin`: the collection's
 * catalog entry, the rate-limit charge, the read's guarantee timestamp, auto ids) and is the
 * timestamp oracle and id allocator every leader uses (`tsoNext`, `allocIds`).
 *
 * RPC: `call(dbName, method, request, options)` answers `{ok:true,data}` or `{ok:false,error}`
 * — errors as data, never DO RPC's default error serialization. A non-default database's DO
 * refuses every call but createDatabase until that database exists (800), so requests naming
 * unknown databases write nothing. `options.kind` charges the rate limit (1807) and
 * `options.deadline` (epoch ms) refuses work that arrives after its request timed out (10001).
 */
import { DurableObject } from 'cloudflare:workers';
import { ProxyNode, VesperError, getIndexFactory } from '@vesper/core';
import { KeyedQueue, guaranteeTs, parseConsistency, primaryField } from '@vesper/core/distributed';
import { TAG_RETAIN_MS, createEdgeStorage, putIfAbsent } from './adapters/index.ts';
import type { Env } from './bindings.ts';
import { loadEdgeKernels } from './kernels.ts';
import { ImportJobs } from './import/import-jobs.ts';
import { RateLimiter, rateFor, type RequestKind } from './limits.ts';
import { asResult, edgeMethod, unwrap, type EdgeMethod, type EdgeResponse, type RpcResult } from './rpc.ts';
import type { BeginOptions, Begun, CallOptions } from './data/types.ts';
import type { CatalogCoordinatorRpc } from './do-contracts.ts';
import { DistributedEngine } from './data/distributed-engine.ts';

const DEFAULT_DB = 'default';
const PROPS_TTL_MS = 5_000;

export class CatalogCoordinator extends DurableObject<Env> implements CatalogCoordinatorRpc {
  private engine: Promise<ProxyNode> | undefined;
  private readonly limiter = new RateLimiter();
  private props: { values: Record<string, string>; at: number } | undefined;
  private importJobs: ImportJobs | undefined;
  /** Create-only puts, one at a time per directory (createOnce). */
  private readonly creating = new KeyedQueue();

  /** Runs one ProxyNode method (or import-job method) for database `dbName` (the DO's own database). */
  async call(dbName: string, method: string, request: Record<string, unknown>, options: CallOptions = {}): Promise<RpcResult> {
    return asResult(async () => {
      edgeMethod(method); // a name neither core nor the edge answers is refused before it is charged
      await this.enter(dbName, method, options);
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
   * Starts a data request of the proxy (Milvus's proxy asking RootCoord and the TSO): the
   * collection's catalog entry (alias resolved), the rate-limit charge, and for a read its
   * consistency level and guarantee timestamp; for an auto-id insert, the reserved ids.
   */
  async begin(dbName: string, collection: string, options: BeginOptions = {}): Promise<RpcResult<Begun>> {
    return asResult(async () => {
      await this.enter(dbName, 'begin', options);
      const node = await this.open(dbName);
      const info = node.ctx.collection({ db_name: dbName, collection_name: collection });
      const level = parseConsistency(options.consistencyLevel, info.consistencyLevel);
      const guarantee = options.read ? await guaranteeTs(node.ctx.tso, level, options.sessionTs, node.ctx.options.boundedStalenessMs) : 0n;
      const out: Begun = { info, guarantee, level };
      if (options.autoIds !== undefined && options.autoIds > 0 && primaryField(info.schema).autoID === true) {
        const again = options.requestId === undefined ? undefined : this.reservedIds(options.requestId, options.autoIds);
        if (again !== undefined) return { ...out, autoIdStart: again };
        const [first] = await node.ctx.autoIds.allocRange(options.autoIds);
        if (options.requestId !== undefined) this.reserveIds(options.requestId, options.autoIds, first);
        return { ...out, autoIdStart: first };
      }
      return out;
    });
  }

  /**
   * Auto ids reserved for a write with a request id, so its retry writes the same rows (the
   * shard leaders answer the retry from their record of it). Kept as long as the leaders keep
   * theirs (TAG_RETAIN_MS); the same id with another row count is refused (a different write).
   */
  private reservedIds(requestId: string, n: number): number | undefined {
    this.ensureReservations();
    const row = this.ctx.storage.sql.exec<{ first: number; n: number }>('SELECT first, n FROM vesper_request_ids WHERE request_id = ?', requestId).toArray()[0];
    if (row !== undefined && row.n !== n) {
      throw new VesperError('PARAMETER_INVALID', `request_id ${requestId} was used by an insert of ${row.n} rows; a retry must resend the same rows (use a new request_id for a new write)`);
    }
    return row?.first;
  }

  private reserveIds(requestId: string, n: number, first: number): void {
    this.ensureReservations();
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO vesper_request_ids (request_id, first, n, at) VALUES (?, ?, ?, ?)', requestId, first, n, Date.now());
  }

  private reservationsReady = false;

  private ensureReservations(): void {
    if (this.reservationsReady) return;
    const sql = this.ctx.storage.sql;
    sql.exec('CREATE TABLE IF NOT EXISTS vesper_request_ids (request_id TEXT PRIMARY KEY, first INTEGER NOT NULL, n INTEGER NOT NULL, at INTEGER NOT NULL)');
    sql.exec('DELETE FROM vesper_request_ids WHERE at < ?', Date.now() - TAG_RETAIN_MS);
    this.reservationsReady = true;
  }

  /** The next timestamp of the database's oracle (shard leaders stamp writes with it). */
  async tsoNext(dbName: string): Promise<RpcResult<bigint>> {
    return asResult(async () => (await this.open(dbName)).ctx.tso.next());
  }

  /**
   * A create-only put of a manifest version for any writer of the database (its shard leaders
   * and this object's own engine). This one object runs them one at a time per directory, and
   * writes a key only when no key of its directory sorts at or before it: manifest keys count
   * versions down, so that is "no version at or above this one exists" — of writers racing for
   * a version exactly one writes it, and a writer whose view is stale cannot write a version
   * that garbage collection removed from below the head (it would be a commit nobody reads:
   * the ghost version made a shard leader believe a compaction committed that the chain lost,
   * and deleted rows came back). False means COMMIT_CONFLICT for the writer.
   */
  async createOnce(key: string, bytes: Uint8Array): Promise<RpcResult<boolean>> {
    return asResult(() => this.createHere(key, bytes));
  }

  private createHere(key: string, bytes: Uint8Array): Promise<boolean> {
    const dir = key.slice(0, key.lastIndexOf('/') + 1);
    return this.creating.run([dir], async () => {
      const first = (await this.env.BUCKET.list({ prefix: dir, limit: 1 })).objects[0]?.key;
      if (first !== undefined && first <= key) return false;
      return putIfAbsent(this.env.BUCKET, key, bytes);
    });
  }

  /** Ids unique in the database (segment ids of every shard leader); returns the first of n. */
  async allocIds(dbName: string, n: number): Promise<RpcResult<number>> {
    return asResult(async () => {
      const ids = (await this.open(dbName)).ctx.ids;
      if (n === 1) return ids.alloc();
      return (await ids.allocRange(n))[0];
    });
  }

  private async enter(dbName: string, method: string, options: CallOptions): Promise<void> {
    if (options.deadline !== undefined && Date.now() > options.deadline) {
      throw new VesperError('TIMEOUT', `${method} arrived after its request timed out; nothing was done`);
    }
    if (dbName !== DEFAULT_DB && method !== 'createDatabase' && !this.hasData()) {
      throw new VesperError('DATABASE_NOT_FOUND', `database not found[database=${dbName}]`);
    }
    if (options.kind !== undefined) await this.admit(dbName, options.kind);
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
    // Imported rows are inserted like any other: routed to the shard leaders.
    this.importJobs ??= new ImportJobs(this.ctx.storage.sql, this.env.BUCKET, {
      call: (db, m, r) =>
        new DistributedEngine(this.env, db, {
          // this DO's own call, answered as data (RpcResult<unknown>): typed again by the method it ran
          call: async <M extends EdgeMethod>(d: string, method: M, req: Record<string, unknown>) => unwrap(await this.call(d, method, req)) as EdgeResponse<M>,
          begin: async (d, coll, opts) => unwrap(await this.begin(d, coll, opts)),
        }).call(m, r),
    });
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
      await loadEdgeKernels();
      const storage = createEdgeStorage(this.ctx.storage, this.env.BUCKET, `db/${dbName}/`, (key, bytes) => this.createHere(key, bytes));
      return ProxyNode.open(storage, {
        indexFactory: getIndexFactory,
        role: 'catalogView',
        onBackgroundError: (e) => console.error('vesper background work failed', e),
      });
    })().catch((e: unknown) => {
      this.engine = undefined;
      throw e;
    });
    return this.engine;
  }
}
