/**
 * The DDL surface as a Milvus user drives it: databases, collections (create, describe,
 * list, rename, alter, drop), partitions and partition keys, aliases, indexes, load/release,
 * flush, compaction and garbage collection — with Milvus's result shapes and error codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, VesperClient, createMemoryStorage, type StorageSet } from '@vesper/core';
import { loadKernelsNode } from '@vesper/core/node';

let db: VesperClient;
let storage: StorageSet;
beforeAll(async () => {
  await loadKernelsNode();
  storage = createMemoryStorage();
  db = await VesperClient.open({ storage, sealPolicy: { maxRows: 100, maxBytes: 1 << 30, maxAgeMs: 1 << 30, compactBelowRows: 1000, compactDeletedRatio: 0.1 } });
});
afterAll(() => db.close());

const vecs = (n: number, from = 0): Record<string, unknown>[] =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, vector: [Math.sin(from + i), Math.cos(from + i), 1, (from + i) % 7] }));

describe('databases', () => {
  it('create, list, describe, alter, isolate, drop', async () => {
    await db.createDatabase({ db_name: 'tenant_a' });
    await expect(db.createDatabase({ db_name: 'tenant_a' })).rejects.toMatchObject({ code: 803 });
    await expect(db.createDatabase({ db_name: 'bad-name' })).rejects.toMatchObject({ code: 802 });
    expect((await db.listDatabases()).db_names).toEqual(['default', 'tenant_a']);
    await db.alterDatabase({ db_name: 'tenant_a', properties: { 'database.max.collections': 10 } });
    const d = await db.describeDatabase({ db_name: 'tenant_a' });
    expect(d['properties']).toEqual([{ key: 'database.max.collections', value: '10' }]);
    await db.createCollection({ db_name: 'tenant_a', collection_name: 'c', dimension: 4 });
    expect((await db.hasCollection({ collection_name: 'c' })).value).toBe(false);
    expect((await db.hasCollection({ db_name: 'tenant_a', collection_name: 'c' })).value).toBe(true);
    await expect(db.dropDatabase({ db_name: 'tenant_a' })).rejects.toMatchObject({ code: 804 });
    await expect(db.createCollection({ db_name: 'nope', collection_name: 'c', dimension: 4 })).rejects.toMatchObject({ code: 800 });
    await db.dropCollection({ db_name: 'tenant_a', collection_name: 'c' });
    await db.dropDatabase({ db_name: 'tenant_a' });
    expect((await db.listDatabases()).db_names).toEqual(['default']);
    await expect(db.dropDatabase({ db_name: 'default' })).rejects.toMatchObject({ code: 1100 });
  });
});

describe('collections', () => {
  it('quick setup is indexed and loaded; describe has Milvus fields', async () => {
    await db.createCollection({ collection_name: 'quick', dimension: 4, metric_type: 'L2' });
    expect((await db.getLoadState({ collection_name: 'quick' })).state).toBe('LoadStateLoaded');
    const d = await db.describeCollection({ collection_name: 'quick' });
    expect(d).toMatchObject({ collection_name: 'quick', shards_num: 1, consistency_level: 'Bounded' });
    const fields = (d['schema'] as { fields: Record<string, unknown>[]; enable_dynamic_field: boolean }).fields;
    expect(fields.map((f) => [f['name'], f['data_type'], f['is_primary_key']])).toEqual([
      ['id', 'Int64', true],
      ['vector', 'FloatVector', false],
    ]);
    expect(fields[1]!['dim']).toBe('4');
    const idx = (await db.describeIndex({ collection_name: 'quick' })).index_descriptions;
    expect(idx).toHaveLength(1);
    expect(idx[0]).toMatchObject({ field_name: 'vector', index_type: 'AUTOINDEX', metric_type: 'L2' });
    // re-creating the same collection is fine; a different schema is not
    await db.createCollection({ collection_name: 'quick', dimension: 4, metric_type: 'L2' });
    await expect(db.createCollection({ collection_name: 'quick', dimension: 8 })).rejects.toMatchObject({ code: 1100 });
  });

  it('a custom schema without index_params starts released (101 on search)', async () => {
    await db.createCollection({
      collection_name: 'custom',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
      ],
    });
    expect((await db.getLoadState({ collection_name: 'custom' })).state).toBe('LoadStateNotLoad');
    await db.insert({ collection_name: 'custom', data: vecs(10) });
    await expect(db.search({ collection_name: 'custom', data: [1, 0, 1, 0] })).rejects.toMatchObject({ code: 101 });
    await db.loadCollection({ collection_name: 'custom' });
    const r = await db.search({ collection_name: 'custom', data: vecs(1, 3)[0]!['vector'] as number[], limit: 1, metric_type: 'L2', consistency_level: 'Strong' });
    expect((r.results as { id: string }[])[0]!.id).toBe('3');
  });

  it('rename, alter properties, list, drop (idempotent)', async () => {
    await db.renameCollection({ collection_name: 'custom', new_collection_name: 'custom2' });
    expect((await db.hasCollection({ collection_name: 'custom' })).value).toBe(false);
    expect((await db.count({ collection_name: 'custom2', consistency_level: 'Strong' })).data).toBe(10);
    await expect(db.renameCollection({ collection_name: 'custom2', new_collection_name: 'quick' })).rejects.toMatchObject({ code: 1100 });
    await db.alterCollection({ collection_name: 'custom2', properties: { 'collection.ttl.seconds': 60 } });
    const d = await db.describeCollection({ collection_name: 'custom2' });
    expect(d['properties']).toEqual([{ key: 'collection.ttl.seconds', value: '60' }]);
    const names = (await db.showCollections()).data.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['quick', 'custom2']));
    await db.dropCollection({ collection_name: 'custom2' });
    await db.dropCollection({ collection_name: 'custom2' });
    await expect(db.describeCollection({ collection_name: 'custom2' })).rejects.toMatchObject({ code: 100 });
    // the dropped collection's files and WAL are gone
    const objects = await storage.objects.list('');
    const d2 = d['collectionID'] as string;
    expect(objects.filter((o) => o.key.startsWith(`c${d2}/`))).toEqual([]);
    expect(await storage.wal.channels()).not.toContain(`c${d2}-s0`);
  });
});

describe('partitions and partition keys', () => {
  it('create/has/list/drop; writes and reads by partition', async () => {
    await db.createPartition({ collection_name: 'quick', partition_name: 'p1' });
    await db.createPartition({ collection_name: 'quick', partition_name: 'p1' });
    expect((await db.hasPartition({ collection_name: 'quick', partition_name: 'p1' })).value).toBe(true);
    expect((await db.showPartitions({ collection_name: 'quick' })).partition_names).toEqual(['_default', 'p1']);
    await db.insert({ collection_name: 'quick', partition_name: 'p1', data: vecs(5, 100) });
    await db.insert({ collection_name: 'quick', data: vecs(3, 200) });
    const inP1 = await db.query({ collection_name: 'quick', filter: 'id >= 0', partition_names: ['p1'], consistency_level: 'Strong' });
    expect(inP1.data.map((r) => r['id'])).toEqual(['100', '101', '102', '103', '104']);
    expect((await db.getPartitionStatistics({ collection_name: 'quick', partition_name: 'p1' })).data.row_count).toBe('5');
    await expect(db.query({ collection_name: 'quick', filter: 'id > 0', partition_names: ['nope'] })).rejects.toMatchObject({ code: 200 });
    await expect(db.dropPartition({ collection_name: 'quick', partition_name: '_default' })).rejects.toMatchObject({ code: 1100 });
    await db.dropPartition({ collection_name: 'quick', partition_name: 'p1' });
    expect((await db.count({ collection_name: 'quick', consistency_level: 'Strong' })).data).toBe(3);
  });

  it('partition key hashes rows to _default_N partitions', async () => {
    await db.createCollection({
      collection_name: 'pk',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'tenant', data_type: DataType.VarChar, max_length: 8, is_partition_key: true },
        { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
      ],
      num_partitions: 4,
      index_params: { field_name: 'vector', index_type: 'FLAT', metric_type: 'L2' },
    });
    expect((await db.showPartitions({ collection_name: 'pk' })).partition_names).toEqual(['_default_0', '_default_1', '_default_2', '_default_3']);
    await expect(db.createPartition({ collection_name: 'pk', partition_name: 'x' })).rejects.toMatchObject({ code: 1100 });
    const rows = vecs(40).map((r, i) => ({ ...r, tenant: `t${i % 5}` }));
    await db.insert({ collection_name: 'pk', data: rows });
    await expect(db.insert({ collection_name: 'pk', partition_name: '_default_0', data: rows.slice(0, 1) })).rejects.toMatchObject({ code: 1100 });
    const t3 = await db.query({ collection_name: 'pk', filter: 'tenant == "t3"', output_fields: ['tenant'], consistency_level: 'Strong' });
    expect(t3.data).toHaveLength(8);
    let total = 0;
    for (const p of ['_default_0', '_default_1', '_default_2', '_default_3']) {
      total += Number((await db.getPartitionStatistics({ collection_name: 'pk', partition_name: p })).data.row_count);
    }
    expect(total).toBe(40);
  });
});

describe('aliases', () => {
  it('create, describe, list, alter, drop; reads through an alias', async () => {
    await db.createAlias({ collection_name: 'quick', alias: 'live' });
    await expect(db.createAlias({ collection_name: 'pk', alias: 'live' })).rejects.toMatchObject({ code: 1602 });
    await expect(db.createAlias({ collection_name: 'pk', alias: 'quick' })).rejects.toMatchObject({ code: 1601 });
    expect((await db.describeAlias({ alias: 'live' })).collection).toBe('quick');
    expect((await db.listAliases({ collection_name: 'quick' })).aliases).toEqual(['live']);
    expect((await db.count({ collection_name: 'live', consistency_level: 'Strong' })).data).toBe(3);
    await db.alterAlias({ collection_name: 'pk', alias: 'live' });
    expect((await db.count({ collection_name: 'live', consistency_level: 'Strong' })).data).toBe(40);
    expect((await db.describeCollection({ collection_name: 'pk' }))['aliases']).toEqual(['live']);
    await db.dropAlias({ alias: 'live' });
    await expect(db.describeAlias({ alias: 'live' })).rejects.toMatchObject({ code: 1600 });
    await expect(db.alterAlias({ collection_name: 'pk', alias: 'ghost' })).rejects.toMatchObject({ code: 1600 });
  });
});

describe('indexes', () => {
  it('create/describe/list/drop with Milvus checks', async () => {
    await db.createCollection({
      collection_name: 'ix',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
        { name: 'n', data_type: DataType.Int32 },
        { name: 'j', data_type: DataType.JSON },
      ],
    });
    await db.insert({ collection_name: 'ix', data: vecs(250).map((r, i) => ({ ...r, n: i, j: {} })) });
    await db.createIndex({ collection_name: 'ix', field_name: 'vector', index_type: 'HNSW', metric_type: 'COSINE', params: { M: 8, efConstruction: 40 } });
    await db.createIndex({ collection_name: 'ix', field_name: 'n', index_type: 'STL_SORT' });
    await expect(db.createIndex({ collection_name: 'ix', field_name: 'vector', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 8 } })).rejects.toMatchObject({ code: 702 });
    await expect(db.createIndex({ collection_name: 'ix', field_name: 'nope' })).rejects.toMatchObject({ code: 1700 });
    await expect(db.createIndex({ collection_name: 'ix', field_name: 'j', index_type: 'INVERTED' })).rejects.toMatchObject({ code: 1100 });
    await expect(db.createIndex({ collection_name: 'ix', field_name: 'n', index_name: 'other', index_type: 'TRIE' })).rejects.toMatchObject({ code: 1100 });
    expect((await db.listIndexes({ collection_name: 'ix' })).indexes).toEqual(['vector', 'n']);
    await db.flush({ collection_names: ['ix'] });
    let d = (await db.describeIndex({ collection_name: 'ix', index_name: 'vector' })).index_descriptions[0]!;
    for (let i = 0; i < 200 && d.state !== 'Finished'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      d = (await db.describeIndex({ collection_name: 'ix', index_name: 'vector' })).index_descriptions[0]!;
    }
    expect(d).toMatchObject({ index_type: 'HNSW', metric_type: 'COSINE', state: 'Finished', indexed_rows: '250', total_rows: '250' });
    await db.loadCollection({ collection_name: 'ix' });
    await expect(db.search({ collection_name: 'ix', data: [1, 0, 0, 0], metric_type: 'L2' })).rejects.toMatchObject({ code: 1100 });
    await expect(db.dropIndex({ collection_name: 'ix', index_name: 'vector' })).rejects.toMatchObject({ code: 1100 });
    await db.releaseCollection({ collection_name: 'ix' });
    await db.dropIndex({ collection_name: 'ix', index_name: 'vector' });
    await expect(db.describeIndex({ collection_name: 'ix', index_name: 'vector' })).rejects.toMatchObject({ code: 700 });
  });
});

describe('flush, compaction, garbage collection', () => {
  it('compaction merges small segments (at most a seal\'s rows each) and purges deletes; GC removes the old files', async () => {
    await db.createCollection({ collection_name: 'gc', dimension: 4, metric_type: 'L2' });
    for (let b = 0; b < 5; b++) {
      await db.insert({ collection_name: 'gc', data: vecs(30, b * 30) });
      await db.flush({ collection_names: ['gc'] });
    }
    await db.delete({ collection_name: 'gc', filter: 'id < 40' });
    await db.flush({ collection_names: ['gc'] });
    const id = (await db.describeCollection({ collection_name: 'gc' }))['collectionID'] as string;
    const before = (await storage.objects.list(`c${id}/`)).map((o) => o.key);
    expect(before.filter((k) => k.endsWith('insert.arrow'))).toHaveLength(5);
    expect(before.some((k) => k.includes('/delta-'))).toBe(true);
    const q = await db.query({ collection_name: 'gc', filter: 'id >= 0', output_fields: ['vector'], consistency_level: 'Strong' });
    const { compactionID } = await db.compact({ collection_name: 'gc' });
    for (let i = 0; i < 200 && (await db.getCompactionState({ compactionID })).state === 'Executing'; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await db.getCompactionState({ compactionID })).state).toBe('Completed');
    const after = (await storage.objects.list(`c${id}/`)).map((o) => o.key);
    // 110 live rows out of 5 segments; compaction output is capped at a seal's 100 rows: two segments
    expect(after.filter((k) => k.endsWith('insert.arrow'))).toHaveLength(2);
    expect(after.some((k) => k.includes('/delta-'))).toBe(false);
    expect(after.filter((k) => k.includes('/manifest/')).length).toBeLessThanOrEqual(2);
    const q2 = await db.query({ collection_name: 'gc', filter: 'id >= 0', output_fields: ['vector'], consistency_level: 'Strong' });
    expect(q2.data).toEqual(q.data);
    expect(q2.data).toHaveLength(110);
    expect((await db.getCollectionStatistics({ collection_name: 'gc' })).data.row_count).toBe('110');
  });

  it('release frees the collection; writes still land and a reload sees everything', async () => {
    const before = (await db.count({ collection_name: 'gc', consistency_level: 'Strong' })).data;
    await db.releaseCollection({ collection_name: 'gc' });
    await expect(db.count({ collection_name: 'gc' })).rejects.toMatchObject({ code: 101 });
    await db.insert({ collection_name: 'gc', data: vecs(5, 10_000) });
    await db.loadCollection({ collection_name: 'gc' });
    expect((await db.count({ collection_name: 'gc', consistency_level: 'Strong' })).data).toBe(before + 5);
  });
});
