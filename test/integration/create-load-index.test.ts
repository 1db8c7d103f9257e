/**
 * createCollection with index_params that leave a vector field without an index (Milvus's
 * create-then-load): the collection and the given indexes are created, the collection is not
 * loaded, and the call fails with 65535 naming the field; creating the missing index and
 * loading then works. index_params covering every vector field load at once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DataType } from '@vesper/core';
import { cleanup, memoryDb } from '../fixtures/open.ts';

afterAll(cleanup);

const fields = [
  { name: 'id', data_type: DataType.Int64, is_primary_key: true },
  { name: 'a', data_type: DataType.FloatVector, dim: 2 },
  { name: 'b', data_type: DataType.FloatVector, dim: 2 },
];

describe('createCollection and the load it implies', () => {
  it('fails with 65535 naming an unindexed vector field, leaving the collection created and not loaded', async () => {
    const db = await memoryDb();
    await expect(db.createCollection({ collection_name: 'half', fields, index_params: [{ field_name: 'a', index_type: 'FLAT', metric_type: 'L2' }] }))
      .rejects.toMatchObject({ code: 65535, message: expect.stringContaining('there is no vector index on field: [b]') });
    expect((await db.hasCollection({ collection_name: 'half' })).value).toBe(true);
    expect((await db.getLoadState({ collection_name: 'half' })).state).toBe('LoadStateNotLoad');
    expect((await db.listIndexes({ collection_name: 'half' })).indexes).toHaveLength(1);
    await db.createIndex({ collection_name: 'half', field_name: 'b', index_type: 'FLAT', metric_type: 'L2' });
    await db.loadCollection({ collection_name: 'half' });
    expect((await db.getLoadState({ collection_name: 'half' })).state).toBe('LoadStateLoaded');

    await db.createCollection({
      collection_name: 'whole',
      fields,
      index_params: [{ field_name: 'a', index_type: 'FLAT', metric_type: 'L2' }, { field_name: 'b', index_type: 'HNSW', metric_type: 'IP' }],
    });
    expect((await db.getLoadState({ collection_name: 'whole' })).state).toBe('LoadStateLoaded');
    await db.close();
  });
});
