/**
 * ProxyNode: the engine's front door (Milvus's Proxy). `handle(method, request)` turns a
 * request into its task and runs it on the scheduler's DDL, DML or DQL queue. Method names
 * are the Milvus Node SDK's (`createCollection`, `insert`, `search`, ...), so a client in
 * another runtime (worker, Durable Object, HTTP) only forwards (method, request) pairs.
 * Every failure is a VesperError with a Milvus code.
 */
import { warmAnalyzers } from '../text/analyzer-cache.ts';
import { RunAnalyzerTask } from './tasks/run-analyzer-task.ts';
import { VesperError } from '../errors/index.ts';
import type { StorageSet } from '../adapters/storage-set.ts';
import { Catalog } from '../catalog/catalog.ts';
import { IdAllocator } from '../catalog/id-allocator.ts';
import { Tso } from '../catalog/tso.ts';
import { ProxyContext, type EngineOptions } from './proxy-context.ts';
import { TaskScheduler } from './task-scheduler.ts';
import type { Task } from './task.ts';
import { CreateCollectionTask } from './tasks/create-collection-task.ts';
import { DropCollectionTask } from './tasks/drop-collection-task.ts';
import { HasCollectionTask } from './tasks/has-collection-task.ts';
import { DescribeCollectionTask } from './tasks/describe-collection-task.ts';
import { ShowCollectionsTask } from './tasks/show-collections-task.ts';
import { RenameCollectionTask } from './tasks/rename-collection-task.ts';
import { AlterCollectionTask } from './tasks/alter-collection-task.ts';
import { AddCollectionFieldTask } from './tasks/add-collection-field-task.ts';
import { AlterIndexTask } from './tasks/alter-index-task.ts';
import { GetStatisticsTask } from './tasks/get-collection-statistics-task.ts';
import { CreatePartitionTask } from './tasks/create-partition-task.ts';
import { DropPartitionTask } from './tasks/drop-partition-task.ts';
import { HasPartitionTask } from './tasks/has-partition-task.ts';
import { ShowPartitionsTask } from './tasks/show-partitions-task.ts';
import { CreateAliasTask } from './tasks/create-alias-task.ts';
import { AlterAliasTask } from './tasks/alter-alias-task.ts';
import { DropAliasTask } from './tasks/drop-alias-task.ts';
import { DescribeAliasTask } from './tasks/describe-alias-task.ts';
import { ListAliasesTask } from './tasks/list-aliases-task.ts';
import { CreateDatabaseTask } from './tasks/create-database-task.ts';
import { DropDatabaseTask } from './tasks/drop-database-task.ts';
import { AlterDatabaseTask } from './tasks/alter-database-task.ts';
import { ListDatabasesTask } from './tasks/list-databases-task.ts';
import { DescribeDatabaseTask } from './tasks/describe-database-task.ts';
import { LoadCollectionTask, LoadPartitionsTask } from './tasks/load-collection-task.ts';
import { ReleaseCollectionTask, ReleasePartitionsTask } from './tasks/release-collection-task.ts';
import { GetLoadStateTask } from './tasks/get-load-state-task.ts';
import { FlushTask } from './tasks/flush-task.ts';
import { CompactTask } from './tasks/compact-task.ts';
import { GetCompactionStateTask } from './tasks/get-compaction-state-task.ts';
import { CreateIndexTask } from './tasks/create-index-task.ts';
import { DescribeIndexTask } from './tasks/describe-index-task.ts';
import { DropIndexTask } from './tasks/drop-index-task.ts';
import { ListIndexesTask } from './tasks/list-indexes-task.ts';
import { InsertTask } from './tasks/insert-task.ts';
import { UpsertTask } from './tasks/upsert-task.ts';
import { DeleteTask } from './tasks/delete-task.ts';
import { SearchTask } from './tasks/search-task.ts';
import { HybridSearchTask } from './tasks/hybrid-search-task.ts';
import { QueryTask } from './tasks/query-task.ts';

type TaskCtor = new (ctx: ProxyContext, req: never) => Task;

const TASKS: Readonly<Record<string, TaskCtor>> = {
  createCollection: CreateCollectionTask,
  dropCollection: DropCollectionTask,
  hasCollection: HasCollectionTask,
  runAnalyzer: RunAnalyzerTask,
  describeCollection: DescribeCollectionTask,
  showCollections: ShowCollectionsTask,
  listCollections: ShowCollectionsTask,
  renameCollection: RenameCollectionTask,
  alterCollection: AlterCollectionTask,
  alterCollectionProperties: AlterCollectionTask,
  addCollectionField: AddCollectionFieldTask,
  getCollectionStatistics: GetStatisticsTask,
  getPartitionStatistics: GetStatisticsTask,
  createPartition: CreatePartitionTask,
  dropPartition: DropPartitionTask,
  hasPartition: HasPartitionTask,
  showPartitions: ShowPartitionsTask,
  listPartitions: ShowPartitionsTask,
  createAlias: CreateAliasTask,
  alterAlias: AlterAliasTask,
  dropAlias: DropAliasTask,
  describeAlias: DescribeAliasTask,
  listAliases: ListAliasesTask,
  createDatabase: CreateDatabaseTask,
  dropDatabase: DropDatabaseTask,
  alterDatabase: AlterDatabaseTask,
  dropDatabaseProperties: AlterDatabaseTask,
  listDatabases: ListDatabasesTask,
  describeDatabase: DescribeDatabaseTask,
  loadCollection: LoadCollectionTask,
  loadPartitions: LoadPartitionsTask,
  releaseCollection: ReleaseCollectionTask,
  releasePartitions: ReleasePartitionsTask,
  getLoadState: GetLoadStateTask,
  flush: FlushTask,
  compact: CompactTask,
  getCompactionState: GetCompactionStateTask,
  createIndex: CreateIndexTask,
  describeIndex: DescribeIndexTask,
  dropIndex: DropIndexTask,
  alterIndexProperties: AlterIndexTask,
  dropIndexProperties: AlterIndexTask,
  listIndexes: ListIndexesTask,
  insert: InsertTask,
  upsert: UpsertTask,
  delete: DeleteTask,
  search: SearchTask,
  hybridSearch: HybridSearchTask,
  query: QueryTask,
  get: QueryTask,
};

export const PROXY_METHODS: readonly string[] = Object.keys(TASKS);

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
  async handle(method: string, request: unknown): Promise<unknown> {
    if (this.closed) throw new VesperError('SERVICE_UNAVAILABLE', 'the database is closed');
    const ctor = Object.prototype.hasOwnProperty.call(TASKS, method) ? TASKS[method] : undefined;
    if (!ctor) throw new VesperError('UNIMPLEMENTED', `unknown method ${method}`);
    if (request === null || typeof request !== 'object' || Array.isArray(request)) {
      throw new VesperError('PARAMETER_INVALID', `${method} expects a request object`);
    }
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
