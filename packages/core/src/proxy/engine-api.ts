/**
 * The engine API, typed once: every method `ProxyNode.handle` answers, the task that runs it,
 * and — derived from that task — its request and response types. `VesperClient`, the worker
 * protocol and the edge's REST layer name methods and read responses through these types, so
 * a response shape is declared in exactly one place (the task's `postExecute`).
 */
import type { ProxyContext } from './proxy-context.ts';
import type { Task } from './task.ts';
import { RunAnalyzerTask } from './tasks/run-analyzer-task.ts';
import { CreateCollectionTask } from './tasks/create-collection-task.ts';
import { DropCollectionTask } from './tasks/drop-collection-task.ts';
import { HasCollectionTask } from './tasks/has-collection-task.ts';
import { DescribeCollectionTask } from './tasks/describe-collection-task.ts';
import { ShowCollectionsTask } from './tasks/show-collections-task.ts';
import { RenameCollectionTask } from './tasks/rename-collection-task.ts';
import { AlterCollectionTask } from './tasks/alter-collection-task.ts';
import { AddCollectionFieldTask } from './tasks/add-collection-field-task.ts';
import { AlterCollectionFieldTask } from './tasks/alter-collection-field-task.ts';
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
import { RestoreRowsTask } from './tasks/restore-rows-task.ts';
import { DeleteTask } from './tasks/delete-task.ts';
import { SearchTask } from './tasks/search-task.ts';
import { HybridSearchTask } from './tasks/hybrid-search-task.ts';
import { QueryTask } from './tasks/query-task.ts';

type TaskCtor = new (ctx: ProxyContext, req: never) => Task;

export const ENGINE_TASKS = {
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
  alterCollectionField: AlterCollectionFieldTask,
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
  restoreRows: RestoreRowsTask,
  delete: DeleteTask,
  search: SearchTask,
  hybridSearch: HybridSearchTask,
  query: QueryTask,
  get: QueryTask,
} as const satisfies Readonly<Record<string, TaskCtor>>;


/** The engine's method names (the Milvus Node SDK's). */
export type EngineMethod = keyof typeof ENGINE_TASKS;

/** What method M accepts: its task's request, plus the database it runs in. */
export type EngineRequest<M extends EngineMethod> = ConstructorParameters<(typeof ENGINE_TASKS)[M]>[1] & { db_name?: string };

/** What method M answers: its task's `postExecute` result. */
export type EngineResponse<M extends EngineMethod> = Awaited<ReturnType<InstanceType<(typeof ENGINE_TASKS)[M]>['postExecute']>>;

export const PROXY_METHODS: readonly EngineMethod[] = Object.keys(ENGINE_TASKS) as EngineMethod[];

/** Whether `method` names an engine method (an own key: `constructor` or `toString` are not). */
export function isEngineMethod(method: string): method is EngineMethod {
  return Object.prototype.hasOwnProperty.call(ENGINE_TASKS, method);
}
