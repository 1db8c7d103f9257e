/**
 * REST v2 request shapes inside workerd: REQUEST_KEYS (rest/request-shape.ts) names exactly
 * the routes the router answers, so a new endpoint cannot skip the unknown-key check; and
 * collections/fields/add end to end in the Workers pool (CatalogCoordinator + ShardLeader DOs
 * + R2): rows flushed before the add read the default, new rows carry the field. The full
 * table of routes × unknown keys runs against wrangler in test/edge/rest-request-shapes.test.ts.
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../packages/edge/src/rest/router.ts';
import { REQUEST_KEYS } from '../../packages/edge/src/rest/request-shape.ts';

async function post(path: string, body: unknown): Promise<{ code: number; message?: string; data?: unknown }> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, {
    method: 'POST',
    headers: { ContentType: 'application/json', Authorization: 'Bearer root:Milvus' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { code: number; message?: string; data?: unknown };
}

async function ok<T>(path: string, body: unknown): Promise<T> {
  const r = await post(path, body);
  expect(r.code, `${path}: ${r.message}`).toBe(0);
  return r.data as T;
}

describe('REST request shapes in workerd', () => {
  it('reads the older names older clients send: primaryField, vectorField, expr, vector', async () => {
    await ok('collections/create', { collectionName: 'w_old', dimension: 2, metricType: 'L2', primaryField: 'pk', vectorField: 'emb', params: { consistencyLevel: 'Strong' } });
    const d = await ok<{ fields: { name: string; primaryKey?: boolean }[] }>('collections/describe', { collectionName: 'w_old' });
    expect(d.fields.map((f) => f.name)).toEqual(['pk', 'emb']);
    await ok('entities/insert', { collectionName: 'w_old', data: [{ pk: 1, emb: [0, 1] }, { pk: 2, emb: [1, 0] }] });
    expect(await ok('entities/query', { collectionName: 'w_old', expr: 'pk == 2', outputFields: ['pk'] })).toEqual([{ pk: 2 }]);
    expect((await post('entities/query', { collectionName: 'w_old', expr: 'pk == 2', filter: 'pk == 1' })).code).toBe(1100);
    const hits = await ok<{ pk: number }[]>('entities/search', { collectionName: 'w_old', vector: [1, 0], limit: 1 });
    expect(hits.map((h) => h.pk)).toEqual([2]);
    expect((await post('entities/search', { collectionName: 'w_old', vector: [1, 0], data: [[1, 0]], limit: 1 })).code).toBe(1100);
  });

  it('reads byte vectors written as base64 (BinaryVector, Float16Vector), as Milvus does', async () => {
    await ok('collections/create', { collectionName: 'w_b64', schema: { fields: [
      { fieldName: 'id', dataType: 'Int64', isPrimary: true },
      { fieldName: 'bv', dataType: 'BinaryVector', elementTypeParams: { dim: 16 } },
      { fieldName: 'hv', dataType: 'Float16Vector', elementTypeParams: { dim: 2 } },
    ] }, indexParams: [
      { fieldName: 'bv', indexName: 'bv', metricType: 'HAMMING', indexType: 'BIN_FLAT' },
      { fieldName: 'hv', indexName: 'hv', metricType: 'L2', indexType: 'FLAT' },
    ] });
    // 0x01 0xff; half floats 1.0 (0x3c00) and -2.0 (0xc000), little-endian
    const hv = btoa(String.fromCharCode(0x00, 0x3c, 0x00, 0xc0));
    await ok('entities/insert', { collectionName: 'w_b64', data: [{ id: 1, bv: 'Af8=', hv }, { id: 2, bv: [2, 0], hv: [0.5, 0.5] }] });
    const rows = await ok<{ id: number; bv: number[]; hv: number[] }[]>('entities/query', { collectionName: 'w_b64', filter: 'id >= 1', outputFields: ['bv', 'hv'], consistencyLevel: 'Strong' });
    const one = rows.find((r) => Number(r.id) === 1)!;
    expect(one.bv).toEqual([1, 255]);
    expect(one.hv).toEqual([1, -2]);
    // text that is not base64 is a coded refusal, and nothing is written
    expect((await post('entities/insert', { collectionName: 'w_b64', data: [{ id: 3, bv: '***', hv: [0, 0] }] })).code).toBe(1804);
    expect(await ok('entities/query', { collectionName: 'w_b64', outputFields: ['count(*)'], consistencyLevel: 'Strong' })).toEqual([{ 'count(*)': 2 }]);
  });

  it('reads booleans written as text with Go ParseBool spellings; other text is 1801', async () => {
    for (const [i, flag] of (['False', '0', 'f'] as const).entries()) {
      const name = `w_bool_${i}`;
      await ok('collections/create', { collectionName: name, schema: { enableDynamicField: flag, fields: [
        { fieldName: 'id', dataType: 'Int64', isPrimary: true },
        { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
      ] } });
      const d = await ok<{ enableDynamicField: boolean }>('collections/describe', { collectionName: name });
      expect(d.enableDynamicField, flag).toBe(false);
    }
    await ok('collections/create', { collectionName: 'w_bool_t', schema: { enableDynamicField: 'TRUE', fields: [
      { fieldName: 'id', dataType: 'Int64', isPrimary: true },
      { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
    ] } });
    expect((await ok<{ enableDynamicField: boolean }>('collections/describe', { collectionName: 'w_bool_t' })).enableDynamicField).toBe(true);
    const bad = await post('collections/create', { collectionName: 'w_bool_bad', schema: { enableDynamicField: 'yes', fields: [{ fieldName: 'id', dataType: 'Int64', isPrimary: true }] } });
    expect(bad.code).toBe(1801);
  });

  it('every route has a shape, and every shape a route', () => {
    expect(Object.keys(ROUTES).filter((r) => REQUEST_KEYS[r] === undefined)).toEqual([]);
    expect(Object.keys(REQUEST_KEYS).filter((r) => ROUTES[r] === undefined)).toEqual([]);
  });

  it('refuses an unknown key before anything runs', async () => {
    const r = await post('collections/create', { collectionName: 'w_shape', dimension: 2, replicaNumber: 1 });
    expect([r.code, r.message]).toEqual([1100, expect.stringContaining('replicaNumber')]);
    expect(await ok<string[]>('collections/list', {})).not.toContain('w_shape');
  });

  it('collections/fields/add: flushed rows read the default, new rows carry the field', async () => {
    await ok('collections/create', { collectionName: 'w_add', dimension: 2 });
    await ok('entities/insert', { collectionName: 'w_add', data: [0, 1, 2, 3].map((id) => ({ id, vector: [id, 1] })) });
    await ok('collections/flush', { collectionName: 'w_add' });
    await ok('collections/fields/add', { collectionName: 'w_add', schema: { fieldName: 'rank', dataType: 'Int16', nullable: true, defaultValue: 5 } });
    await ok('entities/insert', { collectionName: 'w_add', data: [{ id: 9, vector: [0, 0], rank: 1 }] });
    const rows = await ok<{ id: string; rank: number }[]>('entities/query', { collectionName: 'w_add', filter: 'rank >= 0', outputFields: ['rank'], consistencyLevel: 'Strong' });
    expect(rows.map((r) => [Number(r.id), r.rank]).sort((a, b) => a[0]! - b[0]!)).toEqual([[0, 5], [1, 5], [2, 5], [3, 5], [9, 1]]);
  });

  it('collections/fields/alter_properties changes max_length for later inserts on every shard; describe shows it', async () => {
    await ok('collections/create', {
      collectionName: 'w_alter',
      schema: { fields: [
        { fieldName: 'id', dataType: 'Int64', isPrimary: true },
        { fieldName: 'd', dataType: 'VarChar', elementTypeParams: { max_length: '256' } },
        { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: '2' } },
      ] },
      indexParams: [{ fieldName: 'v', indexName: 'v', metricType: 'L2' }],
      params: { shardsNum: 2 },
    });
    const longRows = Array.from({ length: 6 }, (_, i) => ({ id: i, d: 'x'.repeat(150), v: [i, 1] }));
    await ok('entities/insert', { collectionName: 'w_alter', data: longRows });
    await ok('collections/fields/alter_properties', { collectionName: 'w_alter', fieldName: 'd', fieldParams: { max_length: '100' } });
    const desc = await ok<{ fields: { name: string; params: { key: string; value: string }[] }[] }>('collections/describe', { collectionName: 'w_alter' });
    expect(desc.fields.find((f) => f.name === 'd')!.params).toContainEqual({ key: 'max_length', value: '100' });
    // every shard's leader checks the new bound (rows spread over both shards)
    const refused = await post('entities/insert', { collectionName: 'w_alter', data: longRows.map((r) => ({ ...r, id: r.id + 10 })) });
    expect(refused.code).toBe(1804);
    await ok('entities/insert', { collectionName: 'w_alter', data: [{ id: 20, d: 'x'.repeat(100), v: [0, 0] }] });
    const count = await ok<{ 'count(*)': number }[]>('entities/query', { collectionName: 'w_alter', outputFields: ['count(*)'], consistencyLevel: 'Strong' });
    expect(count[0]!['count(*)']).toBe(7);
    expect((await post('collections/fields/alter_properties', { collectionName: 'w_alter', fieldName: 'd', fieldParams: { 'mmap.enabled': true } })).code).toBe(1100);
    expect((await post('collections/fields/alter_properties', { collectionName: 'w_alter', fieldName: 'd' })).code).not.toBe(0);
  });

  it('collections/create indexing one of two vector fields: 65535, created with its index, not loaded (as Milvus)', async () => {
    const r = await post('collections/create', {
      collectionName: 'w_half',
      schema: { fields: [
        { fieldName: 'id', dataType: 'Int64', isPrimary: true },
        { fieldName: 'a', dataType: 'FloatVector', elementTypeParams: { dim: '2' } },
        { fieldName: 'b', dataType: 'FloatVector', elementTypeParams: { dim: '2' } },
      ] },
      indexParams: [{ fieldName: 'a', indexName: 'a_idx', metricType: 'L2' }],
    });
    expect([r.code, r.message]).toEqual([65535, expect.stringContaining('there is no vector index on field: [b]')]);
    const d = await ok<{ load: string; indexes: unknown[] }>('collections/describe', { collectionName: 'w_half' });
    expect(d.load).toBe('LoadStateNotLoad');
    expect(d.indexes).toHaveLength(1);
  });
});
