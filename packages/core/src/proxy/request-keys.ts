/**
 * The request shape of every engine method: the keys its task reads. The Milvus Node SDK drops
 * keys it does not know into a gRPC message that ignores them; Vesper refuses them instead
 * (invariant 5, nothing silently ignored): a key outside its method's shape is
 * PARAMETER_INVALID (1100) naming the key, the method and the keys it takes, before anything
 * runs. A misspelt `consistency_levle` or an SDK option Vesper does not implement
 * (`resource_groups`, `transformers`) fails loudly instead of changing nothing.
 *
 * The table is typed against the tasks' request types: every key of a method's request type
 * must be listed (1: taken; 0: in the shared type but not taken by this method), so a key
 * added to a request type fails the typecheck until it is placed here. Nested option bags
 * (`params`, `search_params`, schema fields, index params, hybrid sub-searches) are checked
 * where they are read.
 */
import { VesperError } from '../errors/index.ts';
import { showValue } from '../util/show-value.ts';
import type { EngineMethod, EngineRequest } from './engine-api.ts';

type Shape<T> = { readonly [K in keyof Required<T>]: 0 | 1 };
type Shapes = { readonly [M in EngineMethod]: Shape<EngineRequest<M>> };

const COLLECTION = { db_name: 1, collection_name: 1 } as const;
const FILTER = { filter: 1, expr: 1, filter_params: 1, exprParams: 1 } as const;
const LOAD = { ...COLLECTION, partition_names: 1, replica_number: 1 } as const;
const SEARCH = {
  ...COLLECTION,
  ...FILTER,
  anns_field: 1,
  data: 1,
  vector: 1,
  vectors: 1,
  limit: 1,
  topk: 1,
  offset: 1,
  metric_type: 1,
  params: 1,
  search_params: 1,
  group_by_field: 1,
  group_size: 1,
  strict_group_size: 1,
  ignore_growing: 1,
  round_decimal: 1,
  rerank: 1,
  order_by_fields: 1,
  bm25: 1,
  output_fields: 1,
  partition_names: 1,
  consistency_level: 1,
  session_ts: 1,
  snapshot_ts: 1,
} as const;
const QUERY = {
  ...COLLECTION,
  ...FILTER,
  output_fields: 1,
  limit: 1,
  offset: 1,
  partition_names: 1,
  consistency_level: 1,
  session_ts: 1,
  ids: 1,
  ignore_growing: 1,
  order_by_fields: 1,
  order_by: 1,
  params: 1,
  group_by_fields: 1,
  snapshot_ts: 1,
} as const;
const ALTER_COLLECTION = { ...COLLECTION, properties: 1, delete_keys: 1 } as const;
const ALTER_INDEX = { ...COLLECTION, index_name: 1, params: 1, properties: 1, delete_keys: 1 } as const;
const DATABASE = { db_name: 1, properties: 1, delete_keys: 1 } as const;
const INSERT = { ...COLLECTION, partition_name: 1, data: 1, fields_data: 1, partial_update: 0 } as const;
const ALIAS = { db_name: 1, alias: 1, collection_name: 1 } as const;
const PARTITION = { ...COLLECTION, partition_name: 1 } as const;
const STATISTICS = { ...COLLECTION, partition_name: 1 } as const;
const INDEX_NAME = { ...COLLECTION, index_name: 1, field_name: 1 } as const;

const SHAPES: Shapes = {
  createCollection: {
    db_name: 1,
    collection_name: 1,
    description: 1,
    fields: 1,
    enable_dynamic_field: 1,
    enableDynamicField: 1,
    dimension: 1,
    primary_field_name: 1,
    vector_field_name: 1,
    id_type: 1,
    auto_id: 1,
    max_length: 1,
    functions: 1,
    num_shards: 1,
    shards_num: 1,
    num_partitions: 1,
    consistency_level: 1,
    properties: 1,
    index_params: 1,
    metric_type: 1,
  },
  dropCollection: COLLECTION,
  hasCollection: COLLECTION,
  runAnalyzer: { db_name: 1, collection_name: 1, field_name: 1, analyzer_names: 1, text: 1, analyzer_params: 1, with_detail: 1, with_hash: 1 },
  describeCollection: COLLECTION,
  showCollections: { db_name: 1, collection_names: 1 },
  listCollections: { db_name: 1, collection_names: 1 },
  renameCollection: { ...COLLECTION, new_collection_name: 1, new_db_name: 1 },
  alterCollection: ALTER_COLLECTION,
  alterCollectionProperties: ALTER_COLLECTION,
  addCollectionField: { ...COLLECTION, field: 1 },
  alterCollectionField: { ...COLLECTION, field_name: 1, field_params: 1 },
  getCollectionStatistics: { ...STATISTICS, partition_name: 0 },
  getPartitionStatistics: STATISTICS,
  createPartition: PARTITION,
  dropPartition: PARTITION,
  hasPartition: PARTITION,
  showPartitions: COLLECTION,
  listPartitions: COLLECTION,
  createAlias: ALIAS,
  alterAlias: ALIAS,
  dropAlias: ALIAS,
  describeAlias: ALIAS,
  listAliases: { db_name: 1, collection_name: 1 },
  createDatabase: DATABASE,
  dropDatabase: { ...DATABASE, properties: 0, delete_keys: 0 },
  alterDatabase: DATABASE,
  dropDatabaseProperties: DATABASE,
  listDatabases: { db_name: 1 },
  describeDatabase: { ...DATABASE, properties: 0, delete_keys: 0 },
  loadCollection: LOAD,
  loadPartitions: LOAD,
  releaseCollection: { ...LOAD, replica_number: 0 },
  releasePartitions: { ...LOAD, replica_number: 0 },
  getLoadState: { ...LOAD, replica_number: 0 },
  flush: { db_name: 1, collection_names: 1 },
  compact: COLLECTION,
  getCompactionState: { compactionID: 1, db_name: 1 },
  createIndex: { ...COLLECTION, field_name: 1, index_name: 1, index_type: 1, metric_type: 1, params: 1, extra_params: 1 },
  describeIndex: INDEX_NAME,
  dropIndex: INDEX_NAME,
  alterIndexProperties: ALTER_INDEX,
  dropIndexProperties: ALTER_INDEX,
  listIndexes: { ...COLLECTION, field_name: 1 },
  insert: INSERT,
  upsert: { ...INSERT, partial_update: 1 },
  restoreRows: INSERT,
  delete: { ...COLLECTION, ...FILTER, partition_name: 1, ids: 1 },
  search: SEARCH,
  hybridSearch: {
    ...COLLECTION,
    data: 1,
    search: 1,
    rerank: 1,
    limit: 1,
    offset: 1,
    output_fields: 1,
    partition_names: 1,
    consistency_level: 1,
    session_ts: 1,
    ignore_growing: 1,
    group_by_field: 1,
    group_size: 1,
    strict_group_size: 1,
    rank_group_scorer: 1,
    round_decimal: 1,
  },
  query: QUERY,
  get: QUERY,
};

/** Keys each method takes, as sets (built once). */
const TAKEN: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries(SHAPES).map(([m, shape]) => [m, new Set(Object.entries(shape as Record<string, 0 | 1>).filter(([, v]) => v === 1).map(([k]) => k))]),
);

/**
 * Why a key Milvus's clients send is not taken, where that is worth saying (the general
 * message lists the keys the method takes).
 */
const WHY: Readonly<Record<string, string>> = {
  signal: 'cancelling a call with an AbortSignal is an option of the browser client (@vesper/browser); an in-process call cannot be abandoned half-way',
  request_id: 'a write idempotency key is an option of the browser client (@vesper/browser) and of replicas',
  resource_groups: 'Vesper has no resource groups (one process holds every replica)',
  load_fields: 'Vesper loads every field (partial field loading is not implemented)',
  skip_load_dynamic_field: 'Vesper loads every field (partial field loading is not implemented)',
  refresh: 'loading reads every flushed segment already; use refresh_load over REST or load again',
  transformers: 'result transformers of the Node SDK are not implemented',
  nq: 'the number of queries is the length of data',
  hints: 'search hints are not implemented',
  exprValues: 'the template values of a filter are filter_params (or exprParams)',
  expr_values: 'the template values of a filter are filter_params (or exprParams)',
  partial_update: 'partial_update is an option of upsert',
};

/**
 * Refuses a request with a key its method does not take (1100, naming the key).
 * @throws PARAMETER_INVALID for the first unknown key
 */
export function checkRequestKeys(method: EngineMethod, request: object): void {
  const taken = TAKEN.get(method)!;
  for (const key in request) {
    if (!Object.hasOwn(request, key) || taken.has(key)) continue;
    // an undefined optional key is what `{ ...opts }` spreads leave behind: nothing to ignore
    if ((request as Record<string, unknown>)[key] === undefined) continue;
    const why = WHY[key];
    throw new VesperError(
      'PARAMETER_INVALID',
      `${method} does not take ${showValue(key)}${why ? `: ${why}` : ''} (it takes ${[...taken].filter((k) => k !== 'session_ts' && k !== 'snapshot_ts' && k !== 'bm25').join(', ') || 'no keys'})`,
      { param: key },
    );
  }
}
