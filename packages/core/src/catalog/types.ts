/**
 * Catalog records (RootCoord's model.Database / model.Collection / model.Partition, plus
 * Vesper's index metadata, which Milvus keeps in DataCoord). Stored as JSON in the MetaStore.
 */
import type { CollectionSchema, ConsistencyLevel, MetricType } from '../schema/types.ts';

export interface DatabaseInfo {
  readonly id: number;
  readonly name: string;
  readonly createdTs: string;
  readonly properties: Readonly<Record<string, string>>;
}

export interface PartitionInfo {
  readonly id: number;
  readonly name: string;
  readonly createdTs: string;
}

export interface IndexInfo {
  readonly indexId: number;
  readonly indexName: string;
  readonly fieldName: string;
  readonly indexType: string;
  readonly metricType?: MetricType;
  readonly params: Readonly<Record<string, unknown>>;
  /** Alterable properties set by alterIndexProperties (`mmap.enabled`); absent when none. */
  readonly properties?: Readonly<Record<string, string>>;
  readonly createdTs: string;
}

export interface CollectionInfo {
  readonly id: number;
  readonly dbId: number;
  readonly name: string;
  readonly schema: CollectionSchema;
  readonly shardsNum: number;
  readonly consistencyLevel: ConsistencyLevel;
  readonly properties: Readonly<Record<string, string>>;
  readonly partitions: readonly PartitionInfo[];
  /** Partition-key collections: number of hash partitions (0 otherwise). */
  readonly numPartitions: number;
  readonly indexes: readonly IndexInfo[];
  /**
   * The metric each vector field was last indexed with (by field name), kept when the index
   * is dropped: a search of an unindexed field ranks by it, not by a type default. Absent in
   * catalogs written before it existed (and for fields never indexed).
   */
  readonly vectorMetrics?: Readonly<Record<string, MetricType>>;
  readonly createdTs: string;
  /** Whether the collection is loaded (searchable), as Milvus's load state. */
  readonly loaded: boolean;
  /**
   * Partitions released while the collection stays loaded (`releasePartitions`, or
   * `loadPartitions` of some partitions only): reads skip them, and a read naming one is 201.
   * Absent or empty: every partition of a loaded collection is loaded (a new one too).
   */
  readonly releasedPartitions?: readonly number[];
  /** How many times the schema changed since create (addCollectionField); absent: never. */
  readonly schemaVersion?: number;
}

export const DEFAULT_DATABASE = 'default';
export const DEFAULT_PARTITION = '_default';
