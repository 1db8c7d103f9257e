/**
 * The Milvus Node SDK calls VesperClient adds over the engine's tasks (issue 18): useDatabase
 * (and its other name `use`), getIndexState, getIndexBuildProgress, getLoadingProgress and
 * getLoadState, with the SDK's answer shapes and Milvus's codes for bad input.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DataType } from '@vesper/core';
import { cleanup, memoryDb, rejectsWithCode } from '../fixtures/open.ts';

afterAll(cleanup);

const SUCCESS = { error_code: 'Success', reason: '' };
const rows = (n: number) => Array.from({ length: n }, (_, id) => ({ id, vector: [id, 1, 0, 0] }));

describe('useDatabase', () => {
  it('routes requests that name no database to it; explicit db_name wins; unknown is 800 and changes nothing', async () => {
    const db = await memoryDb();
    await db.createDatabase({ db_name: 'shop' });
    await db.createCollection({ collection_name: 'in_default', dimension: 4 });
    expect(await db.useDatabase({ db_name: 'shop' })).toMatchObject(SUCCESS);
    await db.createCollection({ collection_name: 'items', dimension: 4 });
    await db.insert({ collection_name: 'items', data: rows(3) });
    expect((await db.listCollections()).collection_names).toEqual(['items']);
    expect((await db.count({ collection_name: 'items', consistency_level: 'Strong' })).data).toBe(3);
    expect((await db.hasCollection({ collection_name: 'items', db_name: 'default' })).value).toBe(false);
    expect((await db.hasCollection({ collection_name: 'in_default', db_name: 'default' })).value).toBe(true);
    // the database calls keep their own db_name
    expect((await db.listDatabases()).db_names).toEqual(expect.arrayContaining(['default', 'shop']));

    const err = await rejectsWithCode(db.useDatabase({ db_name: 'nope' }), 800);
    expect(err.message).toContain('nope');
    expect((await db.listCollections()).collection_names).toEqual(['items']);
    await rejectsWithCode(db.useDatabase({ db_name: 5 as unknown as string }), 1100);

    // back to default: no name, '' and 'default' all do it; `use` is the same call
    await db.use({ db_name: '' });
    expect((await db.listCollections()).collection_names).toEqual(['in_default']);
    await db.useDatabase({ db_name: 'shop' });
    await db.useDatabase();
    expect((await db.listCollections()).collection_names).toEqual(['in_default']);
    await db.use({ db_name: 'shop' });
    expect((await db.describeCollection({ collection_name: 'items' }))['db_name']).toBe('shop');
    await db.useDatabase({ db_name: 'default' });
    await rejectsWithCode(db.describeCollection({ collection_name: 'items' }), 100);

    // a used database that is dropped later: its calls fail with 800
    await db.createDatabase({ db_name: 'gone' });
    await db.useDatabase({ db_name: 'gone' });
    await db.dropDatabase({ db_name: 'gone' });
    await rejectsWithCode(db.listCollections(), 800);
    await db.close();
  });
});

describe('index state and build progress', () => {
  it('answers the SDK shapes over describeIndex; 700 for no index, 702 when the name is ambiguous', async () => {
    const db = await memoryDb();
    await db.createCollection({
      collection_name: 'ix',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'n', data_type: DataType.Int32 },
        { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
      ],
      index_params: [{ field_name: 'vector', index_type: 'FLAT', metric_type: 'L2' }],
    });
    await db.insert({ collection_name: 'ix', data: rows(5).map((r) => ({ ...r, n: r.id })) });
    expect(await db.getIndexState({ collection_name: 'ix', index_name: 'vector' })).toEqual({ status: expect.objectContaining(SUCCESS), state: 'Finished' });
    expect(await db.getIndexBuildProgress({ collection_name: 'ix', field_name: 'vector' })).toEqual({
      status: expect.objectContaining(SUCCESS),
      indexed_rows: '0',
      total_rows: '0',
      pending_index_rows: '0',
    });
    await db.flush({ collection_names: ['ix'] });
    let p = await db.getIndexBuildProgress({ collection_name: 'ix', index_name: 'vector' });
    for (let i = 0; i < 200 && p.pending_index_rows !== '0'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      p = await db.getIndexBuildProgress({ collection_name: 'ix', index_name: 'vector' });
    }
    expect(p).toMatchObject({ indexed_rows: '5', total_rows: '5', pending_index_rows: '0' });
    expect((await db.getIndexState({ collection_name: 'ix' })).state).toBe('Finished');

    await rejectsWithCode(db.getIndexState({ collection_name: 'ix', index_name: 'nope' }), 700);
    await rejectsWithCode(db.getIndexBuildProgress({ collection_name: 'ix', field_name: 'n' }), 700);
    await rejectsWithCode(db.getIndexState({ collection_name: 'missing' }), 100);
    await db.releaseCollection({ collection_name: 'ix' });
    await db.createIndex({ collection_name: 'ix', field_name: 'n', index_type: 'STL_SORT' });
    const dup = await rejectsWithCode(db.getIndexState({ collection_name: 'ix' }), 702);
    expect(dup.message).toContain('index_name');
    await rejectsWithCode(db.getIndexBuildProgress({ collection_name: 'ix' }), 702);
    expect((await db.getIndexState({ collection_name: 'ix', index_name: 'n' })).state).toBe('Finished');
    await db.close();
  });
});

describe('loading progress and load state', () => {
  it('100 when loaded; 101 for a released collection, 201 naming a released partition, 200 for an unknown one', async () => {
    const db = await memoryDb();
    await db.createCollection({ collection_name: 'lp', dimension: 4 });
    await db.createPartition({ collection_name: 'lp', partition_name: 'p1' });
    expect(await db.getLoadingProgress({ collection_name: 'lp' })).toEqual({ status: expect.objectContaining(SUCCESS), progress: '100' });
    expect((await db.getLoadingProgress({ collection_name: 'lp', partition_names: ['_default', 'p1'] })).progress).toBe('100');
    expect((await db.getLoadState({ collection_name: 'lp' })).state).toBe('LoadStateLoaded');

    await db.releasePartitions({ collection_name: 'lp', partition_names: ['p1'] });
    const part = await rejectsWithCode(db.getLoadingProgress({ collection_name: 'lp', partition_names: ['_default', 'p1'] }), 201);
    expect(part.message).toContain('p1');
    expect((await db.getLoadingProgress({ collection_name: 'lp', partition_names: ['_default'] })).progress).toBe('100');
    expect((await db.getLoadState({ collection_name: 'lp', partition_names: ['p1'] })).state).toBe('LoadStateNotLoad');
    await rejectsWithCode(db.getLoadingProgress({ collection_name: 'lp', partition_names: ['nope'] }), 200);

    await db.releaseCollection({ collection_name: 'lp' });
    expect((await db.getLoadState({ collection_name: 'lp' })).state).toBe('LoadStateNotLoad');
    await rejectsWithCode(db.getLoadingProgress({ collection_name: 'lp' }), 101);
    await rejectsWithCode(db.getLoadingProgress({ collection_name: 'missing' }), 100);
    await db.loadCollection({ collection_name: 'lp' });
    expect((await db.getLoadingProgress({ collection_name: 'lp' })).progress).toBe('100');
    await db.close();
  });
});

describe('drop-properties calls take the Node SDK shape', () => {
  it('properties: [keys] (the SDK) or delete_keys (the proto) remove keys; neither, both or non-strings are 1100 and change nothing', async () => {
    const db = await memoryDb();
    await db.createDatabase({ db_name: 'props_db', properties: { 'database.max.collections': '10', 'app.tag': 'x' } } as never);
    await db.createCollection({
      collection_name: 'pr',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
      ],
      index_params: [{ field_name: 'vector', index_name: 'vi', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 32 } }],
      properties: { 'app.a': '1', 'app.b': '2', 'app.c': '3' },
    } as never);
    const keys = async (): Promise<string[]> =>
      ((await db.describeCollection({ collection_name: 'pr' })) as unknown as { properties: { key: string }[] }).properties.map((p) => p.key).sort();
    await db.dropCollectionProperties({ collection_name: 'pr', properties: ['app.a'] });
    expect(await keys()).toEqual(['app.b', 'app.c']);
    await db.dropCollectionProperties({ collection_name: 'pr', delete_keys: ['app.b'] });
    expect(await keys()).toEqual(['app.c']);
    for (const bad of [{}, { properties: ['app.c'], delete_keys: ['app.c'] }, { properties: [] }, { properties: [7] }, { properties: 'app.c' }]) {
      await rejectsWithCode(db.dropCollectionProperties({ collection_name: 'pr', ...bad } as never), 1100);
    }
    expect(await keys()).toEqual(['app.c']);
    // index and database properties: the same two shapes
    await db.alterIndexProperties({ collection_name: 'pr', index_name: 'vi', params: { 'mmap.enabled': true } } as never);
    await db.dropIndexProperties({ collection_name: 'pr', index_name: 'vi', properties: ['mmap.enabled'] });
    const idx = (await db.describeIndex({ collection_name: 'pr', index_name: 'vi' })) as unknown as { index_descriptions: { params: { key: string }[] }[] };
    expect(idx.index_descriptions[0]!.params.map((p) => p.key)).not.toContain('mmap.enabled');
    await rejectsWithCode(db.dropIndexProperties({ collection_name: 'pr', index_name: 'vi' } as never), 1100);
    await db.dropDatabaseProperties({ db_name: 'props_db', properties: ['app.tag'] });
    const dbProps = ((await db.describeDatabase({ db_name: 'props_db' })) as unknown as { properties: { key: string }[] }).properties.map((p) => p.key);
    expect(dbProps).toEqual(['database.max.collections']);
  });
});
