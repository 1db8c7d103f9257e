/**
 * `@vesper/core`: the portable engine. Import `VesperClient` to use it; the layers below are
 * exported for the runtime packages (worker, browser, edge) that host the engine.
 */
export { VesperClient, type OpenOptions } from './client/vesper-client.ts';
export { LocalTransport, type Transport } from './client/transport.ts';
export {
  dumpCollection,
  restoreCollection,
  readDump,
  EXPORT_FORMAT_VERSION,
  EXPORT_FEATURES,
  type DumpOptions,
  type RestoreOptions,
  type ExportedCollection,
} from './client/collection-dump.ts';
export { ProxyNode } from './proxy/proxy-node.ts';
export { PROXY_METHODS, isEngineMethod, type EngineMethod, type EngineRequest, type EngineResponse } from './proxy/engine-api.ts';
export type { EngineOptions } from './proxy/proxy-context.ts';
export { SUCCESS, type Status } from './proxy/task.ts';
export * from './errors/index.ts';
export { DataType, dataTypeName, parseDataType, isVectorType } from './schema/data-type.ts';
export type { CollectionSchema, FieldSchema, FunctionSchema, MetricType, ConsistencyLevel } from './schema/types.ts';
export type { Column, ColumnSet, SparseVector, JsonValue } from './schema/columns.ts';
export { Bitset } from './util/bitset.ts';
export { showValue } from './util/show-value.ts';
export { isAggregateOutput } from './query/aggregate.ts';
export { Random, testSeed } from './util/random.ts';
export { arrowIpcRows } from './storage/import-rows.ts';
export * from './adapters/index.ts';
export { DEFAULT_SEAL_POLICY, type SealPolicy } from './segments/seal-policy.ts';
export { checkExprLength, compileFilter, EXPR_LIMITS, type CompiledFilter } from './expr/index.ts';
export { getIndexFactory, exactSearch, budgetedIndexFactory, defaultBlockCache, DEFAULT_MEMORY_BUDGET, type VectorIndex, type VectorIndexFactory, type TopK } from './index/index.ts';
export { BlockCache, checkBudget, type BlockCacheStats } from './util/block-cache.ts';
export { fromFloat16Bits, fromBFloat16Bits } from './util/float16.ts';
export { createAnalyzer, runAnalyzer, termHash, type Analyzer, type RunAnalyzerRequest, type AnalyzerResult, type AnalyzerTokenDetail, type Token } from './text/index.ts';
export { warmAnalyzers } from './text/analyzer-cache.ts';
export { initKernels, kernelsReady, kernelsMemoryBytes, bundledKernelsUrl, type KernelSource } from './kernels/index.ts';
export { REQUEST_LIMITS } from './proxy/request-limits.ts';
export { openReplica, openReplicaEngine, checkReplicaOf, type ReplicaOf, type OpenReplicaOptions, type ReplicaDatabase, type ReplicaEngine, type ReplicaControl } from './replica/open-replica.ts';
export type { RejectedWrite } from './replica/write-outbox.ts';
export { CollectionReplica, type ReplicaStatus, type CollectionReplicaOptions } from './replica/collection-replica.ts';
export { HttpReplicaTransport, type ReplicaTransport, type FetchFn, type FetchedFile } from './replica/replica-transport.ts';
