/**
 * Test helper: the catalog entry of a collection for segment-level tests (one `_default`
 * partition, id 100; loaded), with the fields a test cares about given.
 */
import type { CollectionInfo } from '../catalog/types.ts';
import type { CollectionSchema } from '../schema/types.ts';

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
