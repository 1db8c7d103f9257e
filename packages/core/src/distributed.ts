/**
 * `@vesper/core/distributed`: the engine's pieces for runtimes that spread one collection
 * over several processes — the edge's ShardLeader and QueryNode Durable Objects, the
 * browser's query workers. The write side (SegmentManager and its maintenance), the read
 * side (SealedReplica), request preparation and the partial search/query with their merges.
 * Everything here is also what ProxyNode uses in a single process.
 */
export { SegmentManager, channelName, purgeCollection, type SegmentManagerDeps, type ShardState } from './segments/segment-manager.ts';
export { attachMaintenance, flush, scheduleIndexBuilds, compact, collectGarbage, dropIndexFiles, type CompactionResult } from './segments/segment-maintenance.ts';
export { SealedReplica, writerAssignment, splitAssignment, type ReplicaAssignment } from './segments/sealed-replica.ts';
export type { SegmentSource } from './segments/segment-loader.ts';
export type { PkValue, PendingDelete, Segment } from './segments/segment.ts';
export type { SealedSegment } from './segments/sealed-segment.ts';
export { writerRole, hollowLeaderRole, catalogViewRole, WHOLE_HOLDING, HOLLOW_HOLDING, REPLICA_HOLDING, LEAN_HOLDING, type HolderKind, type ManagerRole, type SealedHolding } from './segments/holder-role.ts';
export { mergeSearch, mergeQuery, mergeQueryPartials, type PartialHit, type PartialSearch, type PartialRow, type MergeSpec } from './query/partial.ts';
export { existingKeys } from './query/query-executor.ts';
export type { ReadPlan, SearchPlan, QueryPlan, CountPlan, HybridPlan, FilterPlan } from './query/read-plan.ts';
export { filterKeys, partitionSet } from './query/read-plan.ts';
export {
  executeSearch,
  executeQuery,
  executeCount,
  executeHybrid,
  mergeSearchPlan,
  mergeQueryPlan,
  readKeys,
  type ReadHost,
  type PartialReader,
  type ReaderPool,
} from './query/read-executor.ts';
export type { Fused, Reranker } from './query/rerank.ts';
export { prepareSearch, prepareQuery, prepareHybrid, resolvedSub, type SearchRequestBody, type QueryRequestBody, type HybridSearchRequest, type HybridText } from './proxy/prepared.ts';
export { hybridRows } from './proxy/tasks/hybrid-search-task.ts';
export { searchRows, searchResults, type SearchRow, type SearchRows, type SearchResponse } from './proxy/tasks/search-task.ts';
export { requestFilter, filterPlan, parseIds, type FilterRequest } from './proxy/filter.ts';
export { guaranteeTs, snapshotTs, parseConsistency, partitionIds, jsonText } from './proxy/request-utils.ts';
export { routeBatch, routeKeys, targetPartition, type RoutedBatch } from './proxy/write-routing.ts';
export { renderIds, renderRow, renderValue } from './proxy/render.ts';
export { partialKeys, storedRowsPlan, mergeStoredRows } from './proxy/partial-update.ts';
export { rowsToBatch, primaryKeysOf, type RowBatch, type Row } from './schema/row-batch.ts';
export { functionOutputs } from './functions/bm25-function.ts';
export { primaryField } from './schema/types.ts';
export type { CollectionInfo, IndexInfo, PartitionInfo } from './catalog/types.ts';
export type { Manifest, SegmentRecord } from './storage/manifest.ts';
export type { WalRecord } from './wal/wal-record.ts';
export { composeTs, physicalMs } from './catalog/tso.ts';
export { bucketOf } from './util/hash.ts';
export { LocalReaderPool, searchShare, queryShare, countShare, keysShare, bm25StatsShare } from './proxy/local-reader-pool.ts';
export { textSearch, probeRequest, resolvedRequest, statsShare, sumStats, type TextSearch, type Bm25Stats, type Bm25StatsRequest } from './proxy/text-search.ts';
export { estimatedRowBytes, residentSegmentBytes } from './segments/row-bytes.ts';
export { rangeIndexResidentBytes } from './index/index-registry.ts';
export { shardFeed } from './replica/shard-feed.ts';
export { toWire, fromWire, toWireBinary, fromWireBinary, WIRE_BINARY_TYPE, recordKeys, REPLICA_API_PREFIX, type ReplicaFeed, type ShardFeed, type ShardPosition, type ReplicaFile, type TailEntry } from './replica/replica-wire.ts';
export { parseManifest } from './storage/manifest.ts';
export { crc32 } from './util/crc32.ts';
export { KeyedQueue } from './util/keyed-queue.ts';
