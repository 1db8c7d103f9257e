/**
 * Test helper: the catalog entry of a collection for segment-level tests (one `_default`
 * partition, id 100; loaded), with the fields a test cares about given.
 */
import type { CollectionInfo } from '../catalog/types.ts';
import type { CollectionSchema } from '../schema/types.ts';
import { DataType } from '../schema/data-type.ts';
import { normalizeSchema } from '../schema/normalize.ts';

export function testCollection(schema: CollectionSchema, given: Pick<CollectionInfo, 'id'> & Partial<CollectionInfo>): CollectionInfo {
  return {
    dbId: 1,
    name: schema.name,
    schema,
    shardsNum: 1,
    consistencyLevel: 'Strong',
    properties: {},
    partitions: [{ id: 100, name: '_default', createdTs: '0' }],
    numPartitions: 0,
    indexes: [],
    createdTs: '0',
    loaded: true,
    ...given,
  };
}

/** Dimension of `indexedTestCollection`'s vector field. */
export const INDEXED_TEST_DIM = 8;

/**
 * A collection (id 3) of `id` Int64 key, `v` FloatVector (HNSW, L2), `n` Int32 (STL_SORT) and
 * `tag` VarChar(8): vector, scalar and unindexed columns for the holder tests.
 */
export function indexedTestCollection(): CollectionInfo {
  const schema = normalizeSchema({
    collection_name: 'h',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: INDEXED_TEST_DIM },
      { name: 'n', data_type: DataType.Int32 },
      { name: 'tag', data_type: DataType.VarChar, max_length: 8 },
    ],
  });
  return testCollection(schema, {
    id: 3,
    indexes: [
      { indexId: 11, indexName: 'v_idx', fieldName: 'v', indexType: 'HNSW', metricType: 'L2', params: { M: 8, efConstruction: 64 }, createdTs: '0' },
      { indexId: 12, indexName: 'n_idx', fieldName: 'n', indexType: 'STL_SORT', params: {}, createdTs: '0' },
    ],
  });
}
