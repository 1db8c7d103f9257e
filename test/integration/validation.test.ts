/**
 * Every schema and insert rule of the foundation issue rejects with its Milvus code and
 * stores nothing: after each rejected call the collection list / row count is unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, type VesperClient } from '@vesper/core';
import { allTypesFields, allTypesRows, DIM } from '../fixtures/collections.ts';
import { memoryDb, rejectsWithCode } from '../fixtures/open.ts';

let db: VesperClient;
beforeAll(async () => {
  db = await memoryDb();
});
afterAll(() => db.close());

const pk = { name: 'id', data_type: DataType.Int64, is_primary_key: true };
const vec = { name: 'v', data_type: DataType.FloatVector, dim: 4 };

describe('schema validation (code 105 illegal schema / 1100 invalid parameter / 1701 bad field name)', () => {
  const cases: [string, Record<string, unknown>, number][] = [
    ['no primary key', { fields: [vec] }, 105],
    ['two primary keys', { fields: [pk, { ...pk, name: 'id2' }, vec] }, 105],
    ['float primary key', { fields: [{ ...pk, data_type: DataType.Float }, vec] }, 105],
    ['VarChar pk without max_length', { fields: [{ ...pk, data_type: DataType.VarChar }, vec] }, 105],
    ['no vector field', { fields: [pk] }, 105],
    ['five vector fields', { fields: [pk, ...[1, 2, 3, 4, 5].map((i) => ({ ...vec, name: `v${i}` }))] }, 105],
    ['duplicate field names', { fields: [pk, vec, { ...vec }] }, 105],
    ['invalid field name', { fields: [pk, { ...vec, name: '1abc' }] }, 1701],
    ['reserved $meta', { fields: [pk, vec, { name: '$meta', data_type: DataType.JSON }] }, 105],
    ['dim 0', { fields: [pk, { ...vec, dim: 0 }] }, 105],
    ['dim 32769', { fields: [pk, { ...vec, dim: 32769 }] }, 105],
    ['binary dim not a multiple of 8', { fields: [pk, { ...vec, data_type: DataType.BinaryVector, dim: 12 }] }, 105],
    ['VarChar max_length 65536', { fields: [pk, vec, { name: 's', data_type: DataType.VarChar, max_length: 65536 }] }, 105],
    ['Array without element type', { fields: [pk, vec, { name: 'a', data_type: DataType.Array, max_capacity: 4 }] }, 105],
    ['Array of JSON', { fields: [pk, vec, { name: 'a', data_type: DataType.Array, element_type: DataType.JSON, max_capacity: 4 }] }, 105],
    ['Array capacity 4097', { fields: [pk, vec, { name: 'a', data_type: DataType.Array, element_type: DataType.Int32, max_capacity: 4097 }] }, 105],
    ['auto_id on a non-pk', { fields: [pk, vec, { name: 'x', data_type: DataType.Int64, autoID: true }] }, 105],
    ['nullable pk', { fields: [{ ...pk, nullable: true }, vec] }, 105],
    ['nullable vector', { fields: [pk, { ...vec, nullable: true }] }, 105],
    ['partition key on a float', { fields: [pk, vec, { name: 'p', data_type: DataType.Float, is_partition_key: true }] }, 105],
    ['two partition keys', { fields: [pk, vec, { name: 'p', data_type: DataType.Int64, is_partition_key: true }, { name: 'q', data_type: DataType.Int64, is_partition_key: true }] }, 105],
    ['default of the wrong type', { fields: [pk, vec, { name: 'n', data_type: DataType.Int32, default_value: 'x' }] }, 105],
    ['default out of range', { fields: [pk, vec, { name: 'n', data_type: DataType.Int8, default_value: 300 }] }, 105],
    ['65 fields', { fields: [pk, vec, ...Array.from({ length: 63 }, (_, i) => ({ name: `f${i}`, data_type: DataType.Bool }))] }, 105],
    ['nullable partition key (Milvus: 1100)', { fields: [pk, vec, { name: 'p', data_type: DataType.Int64, is_partition_key: true, nullable: true }] }, 1100],
    ['primary key with a default (Milvus: 1100)', { fields: [{ ...pk, default_value: 1 }, vec] }, 1100],
    ['17 shards', { fields: [pk, vec], shards_num: 17 }, 1100],
    ['unknown data type', { fields: [pk, vec, { name: 'x', data_type: 'Decimal' }] }, 1100],
    ['bad consistency level', { fields: [pk, vec], consistency_level: 'Sometimes' }, 1100],
  ];
  it.each(cases)('%s', async (_name, extra, code) => {
    const before = (await db.showCollections()).data.length;
    await rejectsWithCode(db.createCollection({ collection_name: 'bad', ...extra } as never), code);
    expect((await db.showCollections()).data.length).toBe(before);
  });

  it('rejects invalid collection names with 1100', async () => {
    for (const name of ['', '9lives', 'has-dash', 'x'.repeat(256)]) {
      await rejectsWithCode(db.createCollection({ collection_name: name, dimension: 4 }), name === '' ? 1101 : 1100);
    }
  });

  it('an Int64 default beyond 2^53 (a bigint) is kept exact and fills omitted values; a bigint of the wrong type is coded', async () => {
    const big = 9007199254740993n;
    await db.createCollection({ collection_name: 'big_default', fields: [pk, vec, { name: 'n', data_type: DataType.Int64, default_value: big }] as never });
    await db.insert({ collection_name: 'big_default', data: [{ id: 1, v: [0, 0, 0, 1] }] });
    await db.loadCollection({ collection_name: 'big_default' });
    const rows = await db.query({ collection_name: 'big_default', filter: 'id == 1', output_fields: ['n'], consistency_level: 'Strong' });
    expect(BigInt(rows.data[0]!['n'] as string | bigint)).toBe(big);
    await db.dropCollection({ collection_name: 'big_default' });
    // a message that shows a bigint must not fail while being written (it was code 5)
    await rejectsWithCode(db.createCollection({ collection_name: 'big_bad', fields: [pk, vec, { name: 'b', data_type: DataType.Bool, default_value: big }] as never }), 105);
    expect((await db.listCollections()).collection_names ?? []).not.toContain('big_bad');
  });

  it('accepts the limits themselves (64 fields, 4 vectors, dim 32768, 16 shards)', async () => {
    const fields = [pk, ...[1, 2, 3].map((i) => ({ ...vec, name: `v${i}` })), { ...vec, name: 'big', dim: 32768 }];
    fields.push(...Array.from({ length: 59 }, (_, i) => ({ name: `f${i}`, data_type: DataType.Bool, dim: 0 })));
    await db.createCollection({ collection_name: 'limits', fields: fields as never, shards_num: 16 });
    const d = await db.describeCollection({ collection_name: 'limits' });
    expect((d['schema'] as { fields: unknown[] }).fields).toHaveLength(64);
    expect(d['shards_num']).toBe(16);
    await db.dropCollection({ collection_name: 'limits' });
  });
});

describe('insert validation (1804 bad data, 1806 primary key) stores nothing', () => {
  beforeAll(async () => {
    await db.createCollection({ collection_name: 'all', fields: allTypesFields as never, enable_dynamic_field: false });
    await db.loadCollection({ collection_name: 'all' });
    await db.createCollection({
      collection_name: 'auto',
      fields: [{ ...pk, autoID: true }, vec, { name: 'n', data_type: DataType.Int32 }],
    });
    await db.loadCollection({ collection_name: 'auto' });
  });

  const good = (): Record<string, unknown> => ({ ...allTypesRows(7, 1, 1)[0]!, color: undefined, score: undefined });
  const bad: [string, (r: Record<string, unknown>) => void, number][] = [
    ['NaN in a vector', (r) => ((r['vec'] as number[])[2] = NaN), 1804],
    ['Infinity in a vector', (r) => ((r['vec'] as number[])[0] = Infinity), 1804],
    ['wrong dimension', (r) => (r['vec'] = [1, 2, 3]), 1804],
    ['Int8 overflow', (r) => (r['i8'] = 128), 1804],
    ['Int64 overflow', (r) => (r['i64'] = 9223372036854775808n), 1804],
    ['Float overflow', (r) => (r['f32'] = 1e39), 1804],
    ['non-integer into Int32', (r) => (r['i32'] = 1.5), 1804],
    ['VarChar over max_length', (r) => (r['tag'] = 'x'.repeat(17)), 1804],
    ['VarChar max_length counts UTF-8 bytes', (r) => (r['tag'] = 'ééééééééé'), 1804],
    ['Array over max_capacity', (r) => (r['tags'] = ['a', 'b', 'c', 'd', 'e']), 1804],
    ['Array element of the wrong type', (r) => (r['nums'] = [1, 'two']), 1804],
    ['Array element over max_length', (r) => (r['tags'] = ['abcdefghi']), 1804],
    ['missing required field', (r) => delete r['tag'], 1804],
    ['null in a non-nullable field', (r) => (r['flag'] = null), 1804],
    ['unknown field without dynamic field', (r) => (r['color'] = 'red'), 1804],
    ['missing primary key', (r) => delete r['pk'], 1806],
    ['bool as a number', (r) => (r['flag'] = 1), 1804],
    // the in-process client takes numbers for numeric fields (REST converts its text forms first)
    ['booleans in a FloatVector', (r) => (r['vec'] = (r['vec'] as number[]).map((_, i) => i % 2 === 0)), 1804],
    ['a numeric string in a FloatVector', (r) => ((r['vec'] as unknown[])[1] = '0.5'), 1804],
    ['digits as text into Int32', (r) => (r['i32'] = '8'), 1804],
    ['digits with spaces into Int32', (r) => (r['i32'] = ' 8 '), 1804],
    ['digits as text into Int8', (r) => (r['i8'] = '8'), 1804],
    ['digits with spaces into Int64', (r) => (r['i64'] = ' 12 '), 1804],
    ['an exponent as text into Int64', (r) => (r['i64'] = '1e3'), 1804],
    ['digits with spaces as the Int64 primary key', (r) => (r['pk'] = ' 12 '), 1804],
    ['a number as text into Float', (r) => (r['f32'] = '2.5'), 1804],
    ['digits with spaces in an Array<Int64>', (r) => (r['nums'] = [1, ' 2']), 1804],
  ];
  it.each(bad)('%s', async (_name, mutate, code) => {
    const rows = allTypesRows(11, 100, 5).map((r) => {
      delete r['color'];
      delete r['score'];
      return r;
    });
    const row = good();
    delete row['color'];
    delete row['score'];
    mutate(row);
    rows.splice(3, 0, row);
    await rejectsWithCode(db.insert({ collection_name: 'all', data: rows }), code);
    expect((await db.count({ collection_name: 'all', consistency_level: 'Strong' })).data).toBe(0);
  });

  it('names the field and the row of a refused value', async () => {
    const row = good();
    delete row['color'];
    delete row['score'];
    const err = await rejectsWithCode(db.insert({ collection_name: 'all', data: [{ ...row, pk: 1 }, { ...row, pk: 2, i32: ' 8 ' }] }), 1804);
    expect(err.message).toContain('row 1, field i32');
    expect(err.message).toContain('" 8 "');
  });

  it('an Int64 takes its exact decimal text (the form answers give it in), Int64 primary key too', async () => {
    const row = good();
    delete row['color'];
    delete row['score'];
    await db.insert({ collection_name: 'all', data: [{ ...row, pk: '12', i64: '-9223372036854775808', nums: ['9223372036854775807', 1] }] });
    const got = await db.query({ collection_name: 'all', filter: 'pk == 12', output_fields: ['i64', 'nums'], consistency_level: 'Strong' });
    expect(got.data).toEqual([{ pk: '12', i64: '-9223372036854775808', nums: ['9223372036854775807', '1'] }]);
    await db.delete({ collection_name: 'all', ids: ['12'] });
    expect((await db.count({ collection_name: 'all', consistency_level: 'Strong' })).data).toBe(0);
  });

  it('auto_id: passing the key is 1806, keys are generated otherwise', async () => {
    await rejectsWithCode(db.insert({ collection_name: 'auto', data: [{ id: 5, v: [1, 2, 3, 4], n: 1 }] }), 1806);
    const res = await db.insert({ collection_name: 'auto', data: [{ v: [1, 2, 3, 4], n: 1 }, { v: [4, 3, 2, 1], n: 2 }] });
    const ids = res.IDs['int_id']!.data;
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    const got = await db.get({ collection_name: 'auto', ids, output_fields: ['n'], consistency_level: 'Strong' });
    expect(got.data.map((r) => r['n']).sort()).toEqual([1, 2]);
  });

  it('upsert of a key repeated in one batch keeps its last row (as insert does; issue 11 item 11)', async () => {
    const rows = allTypesRows(3, 1, 3).map(({ color: _c, score: _s, ...r }) => r);
    rows[2]!['pk'] = rows[0]!['pk'];
    rows[0]!['tag'] = 'first';
    rows[2]!['tag'] = 'last';
    await db.upsert({ collection_name: 'all', data: rows });
    expect((await db.count({ collection_name: 'all', consistency_level: 'Strong' })).data).toBe(2);
    const got = await db.get({ collection_name: 'all', ids: [rows[0]!['pk']], output_fields: ['*'], consistency_level: 'Strong' });
    expect(got.data).toHaveLength(1);
    expect(got.data[0]!['tag']).toBe('last');
    await db.delete({ collection_name: 'all', ids: [rows[0]!['pk'], rows[1]!['pk']] });
    expect((await db.count({ collection_name: 'all', consistency_level: 'Strong' })).data).toBe(0);
  });

  it('unknown collection is 100, unknown partition is 200, empty data is 1804', async () => {
    await rejectsWithCode(db.insert({ collection_name: 'nope', data: [{}] }), 100);
    await rejectsWithCode(db.insert({ collection_name: 'all', partition_name: 'nope', data: allTypesRows(1, 1, 1) }), 200);
    await rejectsWithCode(db.insert({ collection_name: 'all', data: [] }), 1804);
  });

  it('dynamic field: unknown keys land in $meta and come back', async () => {
    await db.createCollection({ collection_name: 'dyn', dimension: DIM });
    await db.insert({ collection_name: 'dyn', data: [{ id: 1, vector: new Array(DIM).fill(0.5), color: 'red', size: 3 }] });
    const q = await db.query({ collection_name: 'dyn', filter: 'id == 1', output_fields: ['*'], consistency_level: 'Strong' });
    expect(q.data[0]).toMatchObject({ id: '1', color: 'red', size: 3 });
    const only = await db.query({ collection_name: 'dyn', filter: 'color == "red"', output_fields: ['size'], consistency_level: 'Strong' });
    expect(only.data).toEqual([{ id: '1', size: 3 }]);
  });
});
