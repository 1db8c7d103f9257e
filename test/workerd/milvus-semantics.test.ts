/**
 * Milvus REST v2 semantics the official REST suite checks (issue 18), through the Worker's
 * fetch handler in workerd: Int64 default values, idempotent database drop, search by primary
 * keys (`ids`), with Milvus's codes for bad input. Oracles: search by ids must equal a search
 * with the entities' own vectors fetched by entities/get.
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Random } from '../../packages/core/src/util/random.ts';
import { randomVector, workerdSeed } from './seeded.ts';

const AUTH = { Authorization: 'Bearer root:Milvus' };

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...AUTH, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

describe('Int64 default values over REST', () => {
  it('creates the collection, describes the default and fills omitted values', async () => {
    const create = await post('collections/create', {
      collectionName: 'dv_int64',
      schema: {
        fields: [
          { fieldName: 'id', dataType: 'Int64', isPrimary: true },
          { fieldName: 'wc', dataType: 'Int64', defaultValue: 1000 },
          { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: '2' } },
        ],
      },
      indexParams: [{ fieldName: 'v', indexName: 'v', metricType: 'L2' }],
    });
    expect(create).toEqual({ code: 0, data: {} });
    expect((await post('entities/insert', { collectionName: 'dv_int64', data: [{ id: 1, v: [0, 1] }, { id: 2, wc: 7, v: [1, 0] }] }))['code']).toBe(0);
    const rows = await post('entities/query', { collectionName: 'dv_int64', filter: 'id > 0', outputFields: ['wc'], consistencyLevel: 'Strong' });
    expect(rows).toEqual({ code: 0, data: [{ id: 1, wc: 1000 }, { id: 2, wc: 7 }] });
  });
});

describe('databases/drop', () => {
  it('answers success for a database that does not exist, and still refuses default', async () => {
    expect(await post('databases/drop', { dbName: 'never_created_db' })).toEqual({ code: 0, data: {} });
    expect((await post('databases/drop', { dbName: 'default' }))['code']).toBe(1100);
    expect((await post('databases/create', { dbName: 'drop_me_db' }))['code']).toBe(0);
    expect(await post('databases/drop', { dbName: 'drop_me_db' })).toEqual({ code: 0, data: {} });
    expect((await post('databases/list', {}))['data']).not.toContain('drop_me_db');
  });
});

describe('search by primary keys (ids)', () => {
  const seed = workerdSeed();
  const dim = 8;

  async function collection(name: string, pk: 'Int64' | 'VarChar'): Promise<{ ids: (number | string)[] }> {
    console.log(`search-by-ids seed=${seed} (${name})`);
    const rng = new Random(seed);
    const fields = [
      pk === 'Int64' ? { fieldName: 'pk', dataType: 'Int64', isPrimary: true } : { fieldName: 'pk', dataType: 'VarChar', isPrimary: true, elementTypeParams: { max_length: '64' } },
      { fieldName: 'tag', dataType: 'Int64' },
      { fieldName: 'vec', dataType: 'FloatVector', elementTypeParams: { dim: String(dim) } },
    ];
    expect((await post('collections/create', { collectionName: name, schema: { fields }, indexParams: [{ fieldName: 'vec', indexName: 'vec', metricType: 'L2', indexType: 'FLAT' }] }))['code']).toBe(0);
    const ids = Array.from({ length: 60 }, (_, i) => (pk === 'Int64' ? i * 3 + 1 : `k${i}`));
    const data = ids.map((id, i) => ({ pk: id, tag: i % 4, vec: randomVector(rng, dim) }));
    expect((await post('entities/insert', { collectionName: name, data }))['code']).toBe(0);
    return { ids };
  }

  it('searches with the entities own vectors, in the order of ids (Int64 as numbers and strings)', async () => {
    const { ids } = await collection('by_ids_int', 'Int64');
    const query = [ids[5]!, ids[40]!, ids[17]!];
    const got = await post('entities/get', { collectionName: 'by_ids_int', id: query, outputFields: ['vec'], consistencyLevel: 'Strong' });
    const vecById = new Map((got['data'] as { pk: number; vec: number[] }[]).map((r) => [String(r.pk), r.vec]));
    const oracle = await post('entities/search', { collectionName: 'by_ids_int', data: query.map((id) => vecById.get(String(id))), limit: 5, outputFields: ['tag'], filter: 'tag != 3', consistencyLevel: 'Strong' });
    expect(oracle['code']).toBe(0);
    for (const asIds of [query, query.map(String)]) {
      const res = await post('entities/search', { collectionName: 'by_ids_int', ids: asIds, limit: 5, outputFields: ['tag'], filter: 'tag != 3', consistencyLevel: 'Strong' });
      expect(res).toEqual(oracle);
    }
  });

  it('works for a VarChar primary key and a named annsField', async () => {
    const { ids } = await collection('by_ids_str', 'VarChar');
    const res = await post('entities/search', { collectionName: 'by_ids_str', ids: [ids[3], ids[9]], annsField: 'vec', limit: 4, consistencyLevel: 'Strong' });
    expect(res['code']).toBe(0);
    expect(res['topks']).toEqual([4, 4]);
    const data = res['data'] as { pk: string; distance: number }[];
    expect(data[0]).toMatchObject({ pk: ids[3], distance: 0 });
    expect(data[4]).toMatchObject({ pk: ids[9], distance: 0 });
    expect((await post('entities/search', { collectionName: 'by_ids_str', ids: [''], limit: 4 }))['code']).toBe(1100);
  });

  it('refuses bad ids with Milvus codes', async () => {
    await collection('by_ids_bad', 'Int64');
    const s = (body: Record<string, unknown>) => post('entities/search', { collectionName: 'by_ids_bad', limit: 3, ...body }).then((r) => r['code']);
    expect(await s({ ids: [1], data: [Array(dim).fill(0)] })).toBe(1100);
    expect(await s({ ids: [] })).toBe(1802);
    expect(await s({ ids: [1.5, 2.7] })).toBe(1100);
    expect(await s({ ids: [true, false] })).toBe(1100);
    expect(await s({ ids: ['abc'] })).toBe(1100);
    expect(await s({ ids: [999999999, 888888888], consistencyLevel: 'Strong' })).toBe(1100);
    expect(await s({ ids: [1, 1], consistencyLevel: 'Strong' })).toBe(1100);
  });
});

describe('properties over REST', () => {
  it('indexes/alter_properties and drop_properties: mmap.enabled shown in describe, bad keys and values 1100', async () => {
    expect((await post('collections/create', { collectionName: 'idx_props', dimension: 4 }))['code']).toBe(0);
    const params = async (): Promise<Record<string, unknown>> => ((await post('indexes/describe', { collectionName: 'idx_props', indexName: 'vector' }))['data'] as { params: Record<string, unknown> }[])[0]!.params;
    const before = await params();
    expect(await post('indexes/alter_properties', { collectionName: 'idx_props', indexName: 'vector', properties: { 'mmap.enabled': true } })).toEqual({ code: 0, data: {} });
    expect(await params()).toEqual({ ...before, 'mmap.enabled': 'true' });
    expect((await post('indexes/alter_properties', { collectionName: 'idx_props', indexName: 'vector', properties: { invalid_key: true } }))['code']).toBe(1100);
    expect((await post('indexes/alter_properties', { collectionName: 'idx_props', indexName: 'vector', properties: { 'mmap.enabled': 'invalid_value' } }))['code']).toBe(1100);
    expect((await post('indexes/drop_properties', { collectionName: 'idx_props', indexName: 'vector', propertyKeys: ['nonexistent.key'] }))['code']).toBe(1100);
    expect(await post('indexes/drop_properties', { collectionName: 'idx_props', indexName: 'vector', propertyKeys: ['mmap.enabled'] })).toEqual({ code: 0, data: {} });
    expect(await params()).toEqual(before);
  });

  it('collections/alter_properties validates collection.ttl.seconds (1100, nothing changed)', async () => {
    expect((await post('collections/create', { collectionName: 'ttl_props', dimension: 4 }))['code']).toBe(0);
    expect((await post('collections/alter_properties', { collectionName: 'ttl_props', properties: { 'collection.ttl.seconds': 'abc' } }))['code']).toBe(1100);
    expect((await post('collections/alter_properties', { collectionName: 'ttl_props', properties: { 'collection.ttl.seconds': 60 } }))['code']).toBe(0);
    const desc = (await post('collections/describe', { collectionName: 'ttl_props' }))['data'] as { properties: { key: string; value: string }[] };
    expect(desc.properties).toContainEqual({ key: 'collection.ttl.seconds', value: '60' });
  });

  it('databases/drop_properties removes the keys', async () => {
    expect((await post('databases/create', { dbName: 'props_db', properties: { a: '1', b: '2' } }))['code']).toBe(0);
    expect(await post('databases/drop_properties', { dbName: 'props_db', propertyKeys: ['a'] })).toEqual({ code: 0, data: {} });
    const desc = (await post('databases/describe', { dbName: 'props_db' }))['data'] as { properties: unknown[] };
    expect(desc.properties).toEqual([{ key: 'b', value: '2' }]);
  });
});

describe('Milvus codes and phrases over REST', () => {
  it('search limit/offset out of range is 65535, as Milvus REST answers', async () => {
    expect((await post('collections/create', { collectionName: 'topk_codes', dimension: 4 }))['code']).toBe(0);
    const s = (extra: Record<string, unknown>) => post('entities/search', { collectionName: 'topk_codes', data: [[1, 0, 0, 0]], ...extra }).then((r) => r['code']);
    for (const extra of [{ limit: 0 }, { limit: 16385 }, { limit: 100, offset: -1 }, { limit: 100, offset: 100001 }, { limit: 10000, offset: 10000 }]) expect(await s(extra)).toBe(65535);
    expect(await s({ limit: 3 })).toBe(0);
    const sub = { data: [[1, 0, 0, 0]], annsField: 'vector', limit: 16485 };
    expect((await post('entities/hybrid_search', { collectionName: 'topk_codes', search: [sub, sub], rerank: { strategy: 'rrf', params: { k: 10 } }, limit: 10 }))['code']).toBe(65535);
  });

  it('schema checks answer 1100 with the phrases Milvus clients match', async () => {
    const vec = { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: '4' } };
    const pk = { fieldName: 'id', dataType: 'Int64', isPrimary: true };
    const create = (fields: unknown[]) => post('collections/create', { collectionName: 'schema_codes', schema: { fields } });
    const expectErr = async (fields: unknown[], phrase: string) => {
      const r = await create(fields);
      expect(r['code']).toBe(1100);
      expect(String(r['message'])).toContain(phrase);
    };
    await expectErr([pk, vec, { fieldName: 's', dataType: 'VARCHAR', elementTypeParams: { max_length: '8' } }], 'invalid dataType');
    await expectErr([{ ...pk, defaultValue: 123 }, vec], 'primary field not support default_value');
    await expectErr([pk, vec, { fieldName: 'p', dataType: 'Int64', isPartitionKey: true, nullable: true }], 'partition key field not support nullable');
    await expectErr([pk, vec, { fieldName: 'j', dataType: 'JSON', defaultValue: { key: 1 } }], 'convert defaultValue fail');
    await expectErr([pk, vec, { fieldName: 'a', dataType: 'Array', elementDataType: 'Int64', elementTypeParams: { max_capacity: '4' }, defaultValue: [1, 2] }], 'convert defaultValue fail');
    expect((await post('collections/has', { collectionName: 'schema_codes' }))['data']).toEqual({ has: false });
    const bad = await post('collections/create', { collectionName: 'test collection', dimension: 4 });
    expect(bad['code']).toBe(1100);
    expect(String(bad['message'])).toContain('Invalid collection name');
  });

  it('insert/upsert conversion errors are 1804 "fail to deal the insert data"; bad filters "failed to create query plan"', async () => {
    const fields = [
      { fieldName: 'id', dataType: 'Int64', isPrimary: true },
      { fieldName: 'w', dataType: 'Int64' },
      { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: '4' } },
    ];
    expect((await post('collections/create', { collectionName: 'dml_codes', schema: { autoId: true, fields }, indexParams: [{ fieldName: 'v', indexName: 'v', metricType: 'L2' }] }))['code']).toBe(0);
    const dim = await post('entities/insert', { collectionName: 'dml_codes', data: [{ w: 1, v: [1, 2, 3] }] });
    expect(dim['code']).toBe(1804);
    expect(String(dim['message'])).toContain('fail to deal the insert data');
    const up = await post('entities/upsert', { collectionName: 'dml_codes', data: [{ w: 1, v: [1, 2, 3, 4] }] });
    expect(up['code']).toBe(1804);
    expect(String(up['message'])).toContain('fail to deal the insert data');
    const q = await post('entities/query', { collectionName: 'dml_codes', filter: '[1, 2, 3]', limit: 3 });
    expect(q['code']).toBe(1100);
    expect(String(q['message'])).toContain('failed to create query plan');
    const s = await post('entities/search', { collectionName: 'dml_codes', data: [[1, 0, 0, 0]], filter: 'w >', limit: 3 });
    expect(String(s['message'])).toContain('failed to create query plan');
  });
});
