/**
 * VesperClient: the public API, shaped like the Milvus Node SDK's MilvusClient — same
 * method names, request fields and result shapes — over any Transport (in-process here; a
 * Web Worker or HTTP in other packages). Failures throw VesperError with Milvus's code
 * (the SDK returns them in `status`; throwing is the one deliberate difference).
 *
 * Session consistency: the client remembers the timestamp of its last write and sends it
 * with every read, so a Session read always sees this client's own writes.
 */
import type { RunAnalyzerTaskRequest } from '../proxy/tasks/run-analyzer-task.ts';
import type { AnalyzerResult } from '../text/run-analyzer.ts';
import type { StorageSet } from '../adapters/storage-set.ts';
import { createMemoryStorage } from '../adapters/index.ts';
import { VesperError } from '../errors/index.ts';
import { showValue } from '../util/show-value.ts';
import { getIndexFactory } from '../index/index-registry.ts';
import { initKernels, kernelsReady, type KernelSource } from '../kernels/loader.ts';
import { ProxyNode } from '../proxy/proxy-node.ts';
import type { EngineOptions } from '../proxy/proxy-context.ts';
import { SUCCESS, type Status } from '../proxy/task.ts';
import { DEFAULT_DATABASE } from '../catalog/types.ts';
import type { CreateCollectionRequest } from '../proxy/tasks/create-collection-task.ts';
import type { DropCollectionRequest } from '../proxy/tasks/drop-collection-task.ts';
import type { HasCollectionRequest } from '../proxy/tasks/has-collection-task.ts';
import type { DescribeCollectionRequest } from '../proxy/tasks/describe-collection-task.ts';
import type { ShowCollectionsRequest, CollectionEntry } from '../proxy/tasks/show-collections-task.ts';
import type { RenameCollectionRequest } from '../proxy/tasks/rename-collection-task.ts';
import type { AlterCollectionRequest } from '../proxy/tasks/alter-collection-task.ts';
import type { AddCollectionFieldRequest } from '../proxy/tasks/add-collection-field-task.ts';
import type { AlterCollectionFieldRequest } from '../proxy/tasks/alter-collection-field-task.ts';
import type { GetStatisticsRequest, StatisticsResponse } from '../proxy/tasks/get-collection-statistics-task.ts';
import type { PartitionRequest } from '../proxy/tasks/create-partition-task.ts';
import type { ShowPartitionsRequest, ShowPartitionsResponse } from '../proxy/tasks/show-partitions-task.ts';
import type { AliasRequest } from '../proxy/tasks/alias-request.ts';
import type { DescribeAliasResponse } from '../proxy/tasks/describe-alias-task.ts';
import type { ListAliasesRequest } from '../proxy/tasks/list-aliases-task.ts';
import type { DatabaseRequest } from '../proxy/tasks/database-request.ts';
import type { LoadRequest } from '../proxy/tasks/load-collection-task.ts';
import type { LoadStateResponse } from '../proxy/tasks/get-load-state-task.ts';
import type { FlushRequest, FlushResponse } from '../proxy/tasks/flush-task.ts';
import type { CompactRequest } from '../proxy/tasks/compact-task.ts';
import type { CompactionStateRequest, CompactionStateResponse } from '../proxy/tasks/get-compaction-state-task.ts';
import type { CreateIndexRequest } from '../proxy/tasks/create-index-task.ts';
import type { DescribeIndexRequest, IndexDescription } from '../proxy/tasks/describe-index-task.ts';
import type { DropIndexRequest } from '../proxy/tasks/drop-index-task.ts';
import type { AlterIndexRequest } from '../proxy/tasks/alter-index-task.ts';
import type { ListIndexesRequest } from '../proxy/tasks/list-indexes-task.ts';
import type { InsertRequest, MutationResult } from '../proxy/tasks/insert-task.ts';
import type { DeleteRequest } from '../proxy/tasks/delete-task.ts';
import type { SearchRequest, SearchResponse, SearchRow } from '../proxy/tasks/search-task.ts';
import type { MetricType } from '../schema/types.ts';
import type { HybridSearchRequest } from '../proxy/tasks/hybrid-search-task.ts';
import type { QueryRequest, QueryResponse } from '../proxy/tasks/query-task.ts';
import { queryIterator, type QueryIteratorRequest } from './query-iterator.ts';
import { searchIterator, type SearchIteratorRequest } from './search-iterator.ts';
import { LocalTransport, type Transport } from './transport.ts';
import type { EngineMethod, EngineRequest, EngineResponse } from '../proxy/engine-api.ts';

export interface OpenOptions extends EngineOptions {
  /** `'memory://'` or an adapter set (Node files: `openFsStorage` from `@vesper/core/node`). */
  readonly storage: 'memory://' | StorageSet;
  /** Where the WASM kernels come from (a WebAssembly.Module, bytes or a URL); needed for ANN indexes. */
  readonly kernels?: KernelSource;
}

/**
 * A request as the Milvus Node SDK types it: the task's fields, the database, and `timeout`
 * (milliseconds: the call rejects with TIMEOUT, 10001, when it has not answered by then).
 */
type Req<T> = T & { db_name?: string; timeout?: number };

/** Methods that change something: after a timeout, they may still be applied. */
const READ_ONLY = /^(has|describe|show|list|get|search|hybridSearch|query|count)/;

/** Methods whose `db_name` names the database they act on (or that take none): useDatabase leaves them alone. */
const DATABASE_METHODS: ReadonlySet<EngineMethod> = new Set<EngineMethod>(['createDatabase', 'dropDatabase', 'alterDatabase', 'dropDatabaseProperties', 'describeDatabase', 'listDatabases']);

/** The Milvus Node SDK's GetIndexState answer (IndexState names). */
export interface IndexStateResponse {
  status: Status;
  state: IndexDescription['state'];
}

/** The Milvus Node SDK's GetIndexBuildProgress answer; row counts are int64, as decimal strings (as the SDK's gRPC answers them). */
export interface IndexBuildProgressResponse {
  status: Status;
  indexed_rows: string;
  total_rows: string;
  pending_index_rows: string;
}

/** The Milvus Node SDK's GetLoadingProgress answer: `progress` in percent, as a decimal string. */
export interface LoadingProgressResponse {
  status: Status;
  progress: string;
}

export class VesperClient {
  private sessionTs = 0n;
  /** sessionTs as sent with every read. */
  private sessionText = '0';

  /** The database of requests that name none (useDatabase); undefined: Milvus's `default`. */
  private database: string | undefined;

  constructor(private readonly transport: Transport) {}

  /**
   * Opens an embedded database: replays nothing until a collection is first used.
   * @throws VesperError when the storage cannot be opened.
   */
  static async open(opts: OpenOptions): Promise<VesperClient> {
    if (opts.kernels !== undefined && !kernelsReady()) await initKernels(opts.kernels);
    const storage = opts.storage === 'memory://' ? createMemoryStorage() : opts.storage;
    if (typeof storage !== 'object' || storage === null || !('meta' in storage)) {
      throw new VesperError('PARAMETER_INVALID', `storage must be 'memory://' or an adapter set, got ${String(opts.storage)}`);
    }
    const proxy = await ProxyNode.open(storage, { indexFactory: getIndexFactory, ...opts });
    return new VesperClient(new LocalTransport(proxy));
  }

  /** The transport's promise itself (no async frame of its own); a synchronous throw becomes a rejection. */
  private call<M extends EngineMethod>(method: M, req: EngineRequest<M>): Promise<EngineResponse<M>> {
    try {
      if (typeof req === 'object' && req !== null && Object.hasOwn(req, 'timeout')) return this.callWithin(method, req);
      const db = this.database;
      const routed = db !== undefined && !DATABASE_METHODS.has(method) && typeof req === 'object' && req !== null && req.db_name === undefined ? { ...req, db_name: db } : req;
      // the transport is a wire: what comes back is what the engine's task answered for M
      return this.transport.call(method, routed) as Promise<EngineResponse<M>>;
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /** A call under the SDK's per-call `timeout` (ms): the answer, or TIMEOUT once the time has passed. */
  private callWithin<M extends EngineMethod>(method: M, req: EngineRequest<M>): Promise<EngineResponse<M>> {
    const { timeout, ...rest } = req as EngineRequest<M> & { timeout?: unknown };
    if (timeout === undefined) return this.call(method, rest as EngineRequest<M>);
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
      throw new VesperError('PARAMETER_INVALID', `timeout must be a positive number of milliseconds, got ${showValue(timeout)}`, { param: 'timeout' });
    }
    const answer = this.call(method, rest as EngineRequest<M>);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const after = READ_ONLY.test(method) ? 'it changes nothing' : 'the engine may still apply it: check before retrying';
        reject(new VesperError('TIMEOUT', `${method} did not answer within its timeout of ${timeout} ms; ${after}`, { timeout }));
      }, timeout);
    });
    return Promise.race([answer, late]).finally(() => clearTimeout(timer));
  }

  private async write(method: 'insert' | 'upsert' | 'delete' | 'restoreRows', req: EngineRequest<'insert' | 'upsert' | 'delete' | 'restoreRows'>): Promise<MutationResult> {
    const res: MutationResult = await this.call(method, req as never);
    const ts = BigInt(res.timestamp);
    if (ts > this.sessionTs) {
      this.sessionTs = ts;
      this.sessionText = ts.toString();
    }
    return res;
  }

  private session<T extends object>(req: T): T & { session_ts: string } {
    return { ...req, session_ts: this.sessionText };
  }

  // ---- collections ----
  createCollection(req: Req<CreateCollectionRequest>): Promise<Status> {
    return this.call('createCollection', req);
  }
  dropCollection(req: Req<DropCollectionRequest>): Promise<Status> {
    return this.call('dropCollection', req);
  }
  /** Milvus's runAnalyzer: the tokens an analyzer (given, or a field's) makes of some texts. */
  runAnalyzer(req: Req<RunAnalyzerTaskRequest>): Promise<{ status: Status; results: AnalyzerResult[] }> {
    return this.call('runAnalyzer', req);
  }
  hasCollection(req: Req<HasCollectionRequest>): Promise<{ status: Status; value: boolean }> {
    return this.call('hasCollection', req);
  }
  describeCollection(req: Req<DescribeCollectionRequest>): Promise<Record<string, unknown>> {
    return this.call('describeCollection', req);
  }
  showCollections(req: Req<ShowCollectionsRequest> = {}): Promise<{ status: Status; data: CollectionEntry[]; collection_names: string[] }> {
    return this.call('showCollections', req);
  }
  listCollections(req: Req<ShowCollectionsRequest> = {}): Promise<{ status: Status; data: CollectionEntry[]; collection_names: string[] }> {
    return this.call('listCollections', req);
  }
  renameCollection(req: Req<RenameCollectionRequest>): Promise<Status> {
    return this.call('renameCollection', req);
  }
  alterCollection(req: Req<AlterCollectionRequest>): Promise<Status> {
    return this.call('alterCollection', req);
  }
  /** Sets collection properties (`collection.ttl.seconds`, `mmap.enabled`, or any key). */
  alterCollectionProperties(req: Req<Omit<AlterCollectionRequest, 'delete_keys'>> & { properties: Record<string, unknown> }): Promise<Status> {
    return this.call('alterCollectionProperties', req);
  }
  /** Removes collection properties by key: `properties` (the Node SDK's name) or `delete_keys` (the proto's). */
  async dropCollectionProperties(req: Req<Omit<AlterCollectionRequest, 'properties' | 'delete_keys'>> & DropKeys): Promise<Status> {
    return this.call('alterCollectionProperties', dropKeysRequest(req, 'dropCollectionProperties'));
  }
  /**
   * Adds a nullable scalar field to an existing collection (Milvus 2.6): rows written before
   * read its `default_value`, else null; new rows may carry it. Persisted with the catalog.
   * @throws PARAMETER_INVALID (1100) when the field is not nullable, is a primary or partition key, auto_id or a vector
   * @throws COLLECTION_NOT_FOUND (100)
   */
  addCollectionField(req: Req<AddCollectionFieldRequest>): Promise<Status> {
    return this.call('addCollectionField', req);
  }
  /** Changes a field's max_length or max_capacity (Milvus's alterCollectionField). */
  alterCollectionField(req: Req<AlterCollectionFieldRequest>): Promise<Status> {
    return this.call('alterCollectionField', req);
  }
  getCollectionStatistics(req: Req<GetStatisticsRequest>): Promise<StatisticsResponse> {
    return this.call('getCollectionStatistics', req);
  }
  loadCollection(req: Req<LoadRequest>): Promise<Status> {
    return this.call('loadCollection', req);
  }
  /** Loading is synchronous in Vesper; kept for SDK parity. */
  loadCollectionSync(req: Req<LoadRequest>): Promise<Status> {
    return this.call('loadCollection', req);
  }
  releaseCollection(req: Req<LoadRequest>): Promise<Status> {
    return this.call('releaseCollection', req);
  }
  getLoadState(req: Req<LoadRequest>): Promise<LoadStateResponse> {
    return this.call('getLoadState', req);
  }
  /**
   * How much of the collection, or of the named partitions, is loaded (Milvus's
   * GetLoadingProgress): loading is synchronous in Vesper, so a loaded target answers `'100'`.
   * @throws COLLECTION_NOT_LOADED (101) when the collection is not loaded (no partition names)
   * @throws PARTITION_NOT_LOADED (201) naming the first named partition that is not loaded
   * @throws PARTITION_NOT_FOUND (200) for an unknown partition name; COLLECTION_NOT_FOUND (100)
   */
  async getLoadingProgress(req: Req<LoadRequest>): Promise<LoadingProgressResponse> {
    const state = await this.getLoadState(req);
    if (state.state !== 'LoadStateLoaded') {
      const names = req.partition_names ?? [];
      if (names.length === 0) throw new VesperError('COLLECTION_NOT_LOADED', `collection not loaded[collection=${req.collection_name}]`);
      for (const name of names) {
        if ((await this.getLoadState({ ...req, partition_names: [name] })).state !== 'LoadStateLoaded') {
          throw new VesperError('PARTITION_NOT_LOADED', `partition not loaded[partition=${name}]`);
        }
      }
    }
    return { status: { ...SUCCESS }, progress: '100' };
  }
  flush(req: Req<FlushRequest>): Promise<FlushResponse> {
    return this.call('flush', req);
  }
  /** Flush and wait until the data is durable (the SDK's flushSync). */
  flushSync(req: Req<FlushRequest>): Promise<FlushResponse> {
    return this.call('flush', req);
  }
  compact(req: Req<CompactRequest>): Promise<{ status: Status; compactionID: string }> {
    return this.call('compact', req);
  }
  getCompactionState(req: CompactionStateRequest & { timeout?: number }): Promise<CompactionStateResponse> {
    return this.call('getCompactionState', req);
  }

  // ---- partitions ----
  createPartition(req: Req<PartitionRequest>): Promise<Status> {
    return this.call('createPartition', req);
  }
  dropPartition(req: Req<PartitionRequest>): Promise<Status> {
    return this.call('dropPartition', req);
  }
  hasPartition(req: Req<PartitionRequest>): Promise<{ status: Status; value: boolean }> {
    return this.call('hasPartition', req);
  }
  showPartitions(req: Req<ShowPartitionsRequest>): Promise<ShowPartitionsResponse> {
    return this.call('showPartitions', req);
  }
  listPartitions(req: Req<ShowPartitionsRequest>): Promise<ShowPartitionsResponse> {
    return this.call('listPartitions', req);
  }
  getPartitionStatistics(req: Req<GetStatisticsRequest>): Promise<StatisticsResponse> {
    return this.call('getPartitionStatistics', req);
  }
  loadPartitions(req: Req<LoadRequest>): Promise<Status> {
    return this.call('loadPartitions', req);
  }
  releasePartitions(req: Req<LoadRequest>): Promise<Status> {
    return this.call('releasePartitions', req);
  }

  // ---- aliases ----
  createAlias(req: Req<AliasRequest>): Promise<Status> {
    return this.call('createAlias', req);
  }
  alterAlias(req: Req<AliasRequest>): Promise<Status> {
    return this.call('alterAlias', req);
  }
  dropAlias(req: Req<AliasRequest>): Promise<Status> {
    return this.call('dropAlias', req);
  }
  describeAlias(req: Req<AliasRequest>): Promise<DescribeAliasResponse> {
    return this.call('describeAlias', req);
  }
  listAliases(req: Req<ListAliasesRequest> = {}): Promise<{ status: Status; aliases: string[] }> {
    return this.call('listAliases', req);
  }

  // ---- databases ----
  createDatabase(req: DatabaseRequest & { timeout?: number }): Promise<Status> {
    return this.call('createDatabase', req);
  }
  dropDatabase(req: DatabaseRequest & { timeout?: number }): Promise<Status> {
    return this.call('dropDatabase', req);
  }
  alterDatabase(req: DatabaseRequest & { timeout?: number }): Promise<Status> {
    return this.call('alterDatabase', req);
  }
  /** Removes database properties by key: `properties` (the Node SDK's name) or `delete_keys` (the proto's). */
  async dropDatabaseProperties(req: { db_name: string; timeout?: number } & DropKeys): Promise<Status> {
    return this.call('dropDatabaseProperties', dropKeysRequest(req, 'dropDatabaseProperties'));
  }
  listDatabases(): Promise<{ status: Status; db_names: string[]; db_ids: string[] }> {
    return this.call('listDatabases', {});
  }
  describeDatabase(req: DatabaseRequest & { timeout?: number }): Promise<Record<string, unknown>> {
    return this.call('describeDatabase', req);
  }
  /**
   * Makes `db_name` the database of every later request that names none (Milvus's
   * `useDatabase`); no name or `''` goes back to `default`. Requests that pass `db_name` keep it.
   * Unlike the Node SDK, which only records the name, the database must exist (as pymilvus's
   * `use_database`, whose connect the server refuses).
   * @throws DATABASE_NOT_FOUND (800) when the database does not exist; the current one stays
   */
  async useDatabase(req: { db_name?: string } = {}): Promise<Status> {
    const name = req.db_name;
    if (name !== undefined && typeof name !== 'string') throw new VesperError('PARAMETER_INVALID', `db_name must be a string, got ${typeof name}`);
    if (name === undefined || name === '' || name === DEFAULT_DATABASE) {
      this.database = undefined;
      return { ...SUCCESS };
    }
    await this.call('describeDatabase', { db_name: name });
    this.database = name;
    return { ...SUCCESS };
  }
  /** The Node SDK's other name for useDatabase. */
  use(req: { db_name?: string } = {}): Promise<Status> {
    return this.useDatabase(req);
  }

  // ---- indexes ----
  createIndex(req: Req<CreateIndexRequest> | Req<CreateIndexRequest>[]): Promise<Status> {
    if (Array.isArray(req)) {
      return req.reduce<Promise<Status>>((p, r) => p.then(() => this.call('createIndex', r)), Promise.resolve({} as Status));
    }
    return this.call('createIndex', req);
  }
  describeIndex(req: Req<DescribeIndexRequest>): Promise<{ status: Status; index_descriptions: IndexDescription[] }> {
    return this.call('describeIndex', req);
  }
  /**
   * The state of one index (Milvus's GetIndexState): `Finished` when every sealed row has it.
   * @throws INDEX_NOT_FOUND (700) when no index matches index_name / field_name
   * @throws INDEX_DUPLICATE (702) when several do (name the index)
   */
  async getIndexState(req: Req<DescribeIndexRequest>): Promise<IndexStateResponse> {
    const d = await this.oneIndex(req);
    return { status: { ...SUCCESS }, state: d.state };
  }
  /**
   * The build progress of one index (Milvus's GetIndexBuildProgress), counted over sealed rows.
   * @throws INDEX_NOT_FOUND (700) when no index matches index_name / field_name
   * @throws INDEX_DUPLICATE (702) when several do (name the index)
   */
  async getIndexBuildProgress(req: Req<DescribeIndexRequest>): Promise<IndexBuildProgressResponse> {
    const d = await this.oneIndex(req);
    return { status: { ...SUCCESS }, indexed_rows: d.indexed_rows, total_rows: d.total_rows, pending_index_rows: d.pending_index_rows };
  }
  /** describeIndex narrowed to one index, as Milvus's DataCoord resolves GetIndexState. */
  private async oneIndex(req: Req<DescribeIndexRequest>): Promise<IndexDescription> {
    const all = (await this.describeIndex(req)).index_descriptions;
    if (all.length > 1) {
      throw new VesperError('INDEX_DUPLICATE', `there are multiple indexes, please specify the index_name[collection=${req.collection_name}][indexes=${all.map((d) => d.index_name).join(',')}]`);
    }
    return all[0]!;
  }
  dropIndex(req: Req<DropIndexRequest>): Promise<Status> {
    return this.call('dropIndex', req);
  }
  /** Sets alterable index properties (`params`, e.g. `{'mmap.enabled': true}`: a documented no-op). */
  alterIndexProperties(req: Req<Omit<AlterIndexRequest, 'delete_keys'>>): Promise<Status> {
    return this.call('alterIndexProperties', req);
  }
  /** Removes index properties by key: `properties` (the Node SDK's name) or `delete_keys` (the proto's). */
  async dropIndexProperties(req: Req<Omit<AlterIndexRequest, 'params' | 'properties' | 'delete_keys'>> & DropKeys): Promise<Status> {
    return this.call('dropIndexProperties', dropKeysRequest(req, 'dropIndexProperties'));
  }
  listIndexes(req: Req<ListIndexesRequest>): Promise<{ status: Status; indexes: string[] }> {
    return this.call('listIndexes', req);
  }

  // ---- data ----
  insert(req: Req<InsertRequest>): Promise<MutationResult> {
    return this.write('insert', req);
  }
  upsert(req: Req<InsertRequest>): Promise<MutationResult> {
    return this.write('upsert', req);
  }
  /**
   * Vesper-only (what `importCollection` writes with): inserts rows that bring their own
   * primary keys, also into an auto_id collection; later auto ids stay above the keys given.
   * @throws CHECK_PRIMARY_KEY (1806) when a row has no primary key; as insert otherwise
   */
  restoreRows(req: Req<InsertRequest>): Promise<MutationResult> {
    return this.write('restoreRows', req);
  }
  delete(req: Req<DeleteRequest>): Promise<MutationResult> {
    return this.write('delete', req);
  }
  /** The SDK's older name for delete by filter (`expr`). */
  deleteEntities(req: Req<DeleteRequest>): Promise<MutationResult> {
    return this.write('delete', req);
  }
  search(req: Req<SearchRequest>): Promise<SearchResponse> {
    return this.call('search', this.session(req));
  }
  /** Several ANN searches fused by RRF or weighted reranking (Milvus's hybrid search). */
  hybridSearch(req: Req<HybridSearchRequest>): Promise<SearchResponse> {
    return this.call('hybridSearch', this.session(req));
  }
  query(req: Req<QueryRequest>): Promise<QueryResponse> {
    return this.call('query', this.session(req));
  }
  /**
   * The Milvus SDK's query iterator: `for await (const batch of await client.queryIterator({...}))`,
   * `batchSize` rows at a time in primary-key order, up to `limit`, all at one snapshot.
   */
  async queryIterator(req: Req<QueryIteratorRequest>): Promise<AsyncIterable<Record<string, unknown>[]>> {
    const describe = async () => {
      const d = await this.describeCollection({ collection_name: req.collection_name, ...(req.db_name !== undefined ? { db_name: req.db_name } : {}) });
      const fields = (d['schema'] as { fields: { name: string; is_primary_key: boolean; data_type: string }[] }).fields;
      const pk = fields.find((f) => f.is_primary_key)!;
      return { pk: pk.name, int64: pk.data_type === 'Int64' };
    };
    return queryIterator(req, describe, (r) => this.query(r));
  }
  /**
   * The Milvus SDK's search iterator: `for await (const page of await client.searchIterator({...}))`,
   * the hits of one query vector in distance order, `batchSize` at a time, up to `limit`, all at
   * one snapshot; `params.radius`/`range_filter` bound it.
   * @throws PARAMETER_INVALID (1100) for a bad batchSize or limit, several query vectors, or an option it does not do (named)
   */
  async searchIterator(req: Req<SearchIteratorRequest>): Promise<AsyncIterable<SearchRow[]>> {
    const target = async () => {
      const db = req.db_name !== undefined ? { db_name: req.db_name } : {};
      const d = await this.describeCollection({ collection_name: req.collection_name, ...db });
      const fields = (d['schema'] as { fields: { name: string; is_primary_key: boolean; data_type: string }[] }).fields;
      const pk = fields.find((f) => f.is_primary_key)!;
      const given = req.metric_type ?? req.params?.['metric_type'];
      let metric = typeof given === 'string' && given !== '' ? given : undefined;
      if (metric === undefined) {
        const idx = await this.describeIndex({ collection_name: req.collection_name, ...db, ...(req.anns_field !== undefined ? { field_name: req.anns_field } : {}) });
        metric = idx.index_descriptions.find((i) => i.metric_type !== '')?.metric_type;
      }
      if (metric === undefined) throw new VesperError('PARAMETER_MISSING', `searchIterator needs the metric of ${req.collection_name}'s vector field: pass metric_type`);
      return { pk: pk.name, int64: pk.data_type === 'Int64', metric: metric.toUpperCase() as MetricType };
    };
    return searchIterator(req, target, (r) => this.search(r));
  }
  get(req: Req<QueryRequest> & { ids: unknown }): Promise<QueryResponse> {
    return this.call('get', this.session(req));
  }
  async count(req: Req<Omit<QueryRequest, 'output_fields'>>): Promise<{ status: Status; data: number }> {
    const res = await this.call('query', this.session({ ...req, output_fields: ['count(*)'] }));
    return { status: res.status, data: Number(res.data[0]?.['count(*)'] ?? 0) };
  }

  /** Closes the database (flushes nothing: the WAL already holds every acknowledged write). */
  async close(): Promise<void> {
    await this.transport.close?.();
  }
}

/** The keys a drop-properties call removes, under the Node SDK's name or the proto's. */
export type DropKeys = { readonly properties: readonly string[]; readonly delete_keys?: undefined } | { readonly delete_keys: readonly string[]; readonly properties?: undefined };

/**
 * A drop-properties request as the engine takes it (`delete_keys`), from the Node SDK's shape
 * (`properties: string[]`) or the proto's; neither, both, or keys that are not strings: 1100.
 */
function dropKeysRequest<T extends { readonly properties?: unknown; readonly delete_keys?: unknown }>(req: T, what: string): Omit<T, 'properties'> & { delete_keys: string[] } {
  const { properties, delete_keys: deleteKeys, ...rest } = req;
  if ((properties === undefined) === (deleteKeys === undefined)) {
    throw new VesperError('PARAMETER_INVALID', `${what} needs the keys to remove: properties (a list of keys, as the Node SDK names it) or delete_keys, not ${properties === undefined ? 'neither' : 'both'}`);
  }
  const keys = properties ?? deleteKeys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'string')) {
    throw new VesperError('PARAMETER_INVALID', `${what}: the keys to remove must be a non-empty list of strings, got ${JSON.stringify(keys)?.slice(0, 80)}`);
  }
  return { ...(rest as Omit<T, 'properties' | 'delete_keys'>), delete_keys: keys as string[] } as Omit<T, 'properties'> & { delete_keys: string[] };
}

