/**
 * REST v2 request shapes on the Vesper Worker (workerd): every endpoint refuses a body key it
 * would not read with 1100 naming it (table-driven over all routes), nested shapes too
 * (collection params, schema, fields, type params, index params, hybrid sub-searches, rerank),
 * and a refused request changes nothing. The keys Vesper reads are honoured and visible:
 * shardsNum, consistencyLevel, partitionsNum, ttlSeconds, partitionKeyIsolation, Milvus
 * property keys (`mmap.enabled`, any dotted key) and quick setup's enableDynamicField.
 * Then collections/fields/add: rows written before (flushed and growing) read the default or
 * null, new rows carry the field, filters and outputs see it; Milvus's refusals are 1100.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_KEYS } from '../../packages/edge/src/rest/request-shape.ts';
import { startVesperWorker, type RunningWorker } from './worker-harness.ts';

type Reply = { code: number; message?: string; data?: unknown };

let worker: RunningWorker;

async function post(route: string, body: unknown): Promise<Reply> {
  const res = await fetch(`${worker.endpoint}/v2/vectordb/${route}`, {
    method: 'POST',
    headers: { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Reply;
}

const ok = async <T>(route: string, body: unknown): Promise<T> => {
  const r = await post(route, body);
  expect(r.code, `${route}: ${r.message}`).toBe(0);
  return r.data as T;
};

async function refused(route: string, body: unknown, key: string): Promise<void> {
  const r = await post(route, body);
  expect(r.code, `${route} with ${key}: ${r.message}`).toBe(1100);
  expect(r.message).toContain(key);
}

const SCHEMA = {
  autoID: false,
  fields: [
    { fieldName: 'id', dataType: 'Int64', isPrimary: true },
    { fieldName: 'tag', dataType: 'VarChar', elementTypeParams: { max_length: 8 } },
    { fieldName: 'vector', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
  ],
};
const INDEX = [{ fieldName: 'vector', indexName: 'v', metricType: 'L2', indexType: 'FLAT' }];

beforeAll(async () => {
  worker = await startVesperWorker();
}, 120_000);

afterAll(async () => {
  await worker?.dispose();
});

describe('REST request shapes', () => {
  // test/workerd/rest-request-shapes.test.ts checks that REQUEST_KEYS names every route
  it('every route refuses an unknown key with 1100 naming it', async () => {
    for (const route of Object.keys(REQUEST_KEYS)) await refused(route, { vesperUnknownKey: 1 }, 'vesperUnknownKey');
    // keys match case-insensitively, as Body reads them; dbName is everywhere
    await ok('collections/list', { DBNAME: 'default' });
  });

  it('a refused create or insert changes nothing', async () => {
    await refused('collections/create', { collectionName: 'shape_a', schema: SCHEMA, indexParams: INDEX, replicaNumber: 2 }, 'replicaNumber');
    expect(await ok<string[]>('collections/list', {})).not.toContain('shape_a');
    await ok('collections/create', { collectionName: 'shape_a', schema: SCHEMA, indexParams: INDEX });
    await refused('entities/insert', { collectionName: 'shape_a', data: [{ id: 1, tag: 'x', vector: [0, 0] }], skipCheck: true }, 'skipCheck');
    const count = await ok<{ 'count(*)': unknown }[]>('entities/query', { collectionName: 'shape_a', outputFields: ['count(*)'], consistencyLevel: 'Strong' });
    expect(Number(count[0]!['count(*)'])).toBe(0);
  });

  it('nested shapes refuse unknown keys', async () => {
    const create = (over: Record<string, unknown>) => ({ collectionName: 'shape_n', schema: SCHEMA, indexParams: INDEX, ...over });
    await refused('collections/create', create({ params: { replicas: 2 } }), 'replicas');
    await refused('collections/create', create({ params: { enableDynamicField: true } }), 'enableDynamicField');
    await refused('collections/create', create({ schema: { ...SCHEMA, strict: true } }), 'strict');
    await refused('collections/create', create({ schema: { fields: [...SCHEMA.fields, { fieldName: 'x', dataType: 'Int8', isNullable: true }] } }), 'isNullable');
    await refused('collections/create', create({ schema: { fields: [...SCHEMA.fields, { fieldName: 'x', dataType: 'VarChar', elementTypeParams: { max_length: 4, 'mmap.enabled': true } }] } }), 'mmap.enabled');
    await refused('collections/create', create({ indexParams: [{ ...INDEX[0], indexConfig: {} }] }), 'indexConfig');
    await refused('collections/create', create({ dimension: 4 }), 'dimension');
    await refused('collections/create', { collectionName: 'shape_n', dimension: 2, params: { max_length: 10 } }, 'max_length');
    await refused('indexes/create', { collectionName: 'shape_a', indexParams: [{ fieldName: 'tag', indexType: 'INVERTED', unknown_knob: 1 }] }, 'unknown_knob');
    expect(await ok<string[]>('collections/list', {})).not.toContain('shape_n');
    const sub = { data: [[0, 0]], annsField: 'vector', limit: 2 };
    const hybrid = (over: Record<string, unknown>) => ({ collectionName: 'shape_a', search: [sub], rerank: { strategy: 'rrf', params: { k: 10 } }, ...over });
    await ok('collections/load', { collectionName: 'shape_a' });
    await ok('entities/hybrid_search', hybrid({}));
    await refused('entities/hybrid_search', hybrid({ search: [{ ...sub, groupingField: 'tag' }] }), 'groupingField');
    await refused('entities/hybrid_search', hybrid({ rerank: { strategy: 'rrf', params: { k: 10 }, normalize: true } }), 'normalize');
    await refused('entities/hybrid_search', hybrid({ rerank: { strategy: 'rrf', params: { k: 10, decay: 1 } } }), 'decay');
  });

  it('collection params are honoured and visible in describe', async () => {
    await ok('collections/create', {
      collectionName: 'shape_p',
      schema: { fields: [...SCHEMA.fields, { fieldName: 'team', dataType: 'Int64', isPartitionKey: true }] },
      params: { shardsNum: 2, partitionsNum: 4, consistencyLevel: 'Strong', ttlSeconds: 3600, partitionKeyIsolation: true, 'mmap.enabled': 'false', 'app.owner': 'search-team' },
    });
    const d = await ok<{ shardsNum: number; partitionsNum: number; consistencyLevel: string; properties: { key: string; value: string }[] }>('collections/describe', { collectionName: 'shape_p' });
    expect(d.shardsNum).toBe(2);
    expect(d.partitionsNum).toBe(4);
    expect(d.consistencyLevel).toBe('Strong');
    expect(Object.fromEntries(d.properties.map((p) => [p.key, p.value]))).toEqual({
      'collection.ttl.seconds': '3600',
      'partitionkey.isolation': 'true',
      'mmap.enabled': 'false',
      'app.owner': 'search-team',
    });
    // checked values of property keys are still checked
    const bad = await post('collections/create', { collectionName: 'shape_q', schema: SCHEMA, params: { 'mmap.enabled': 'maybe' } });
    expect(bad.code).toBe(1100);
    await ok('collections/create', { collectionName: 'shape_quick', dimension: 2, params: { enableDynamicField: false } });
    expect((await ok<{ enableDynamicField: boolean }>('collections/describe', { collectionName: 'shape_quick' })).enableDynamicField).toBe(false);
  });
});

describe('collections/fields/add', () => {
  type Out = { id: string; tag: string; score: number | null; note: string | null };
  const query = (filter: string) => ok<Out[]>('entities/query', { collectionName: 'shape_f', filter, outputFields: ['tag', 'score', 'note'], limit: 1000, consistencyLevel: 'Strong' });

  it('old rows read the default or null, new rows carry the field', async () => {
    await ok('collections/create', { collectionName: 'shape_f', schema: SCHEMA, indexParams: INDEX, params: { shardsNum: 2 } });
    const old = Array.from({ length: 40 }, (_, i) => ({ id: i, tag: `t${i % 3}`, vector: [i, 1] }));
    await ok('entities/insert', { collectionName: 'shape_f', data: old.slice(0, 30) });
    await ok('collections/flush', { collectionName: 'shape_f' });
    await ok('entities/insert', { collectionName: 'shape_f', data: old.slice(30) });
    // warm the REST layer's cached description before the schema changes
    expect(await ok('entities/query', { collectionName: 'shape_f', filter: 'id < 3', outputFields: ['tag'], consistencyLevel: 'Strong' })).toHaveLength(3);
    await ok('collections/fields/add', { collectionName: 'shape_f', schema: { fieldName: 'score', dataType: 'Int32', nullable: true, defaultValue: 7 } });
    await ok('collections/fields/add', { collectionName: 'shape_f', schema: { fieldName: 'note', dataType: 'VarChar', nullable: true, elementTypeParams: { max_length: 16 } } });
    const before = await query('id >= 0');
    expect(before).toHaveLength(40);
    for (const r of before) expect([r.score, r.note]).toEqual([7, null]);
    await ok('entities/insert', { collectionName: 'shape_f', data: [{ id: 100, tag: 'n', vector: [0, 0], score: 3, note: 'new' }, { id: 101, tag: 'n', vector: [0, 0], score: null }] });
    const fresh = await query('id >= 100');
    expect(fresh.map((r) => [Number(r.id), r.score, r.note])).toEqual([
      [100, 3, 'new'],
      [101, 7, null],
    ]);
    expect(await query('score == 7 and id < 100')).toHaveLength(40);
    expect(await query('note is null')).toHaveLength(41);
    const hits = await ok<{ id: string; note: string | null }[]>('entities/search', { collectionName: 'shape_f', data: [[0, 0]], limit: 1, filter: 'note == "new"', outputFields: ['note'], consistencyLevel: 'Strong' });
    expect(hits.map((h) => [Number(h.id), h.note])).toEqual([[100, 'new']]);
    await ok('collections/flush', { collectionName: 'shape_f' });
    expect(await query('score == 7')).toHaveLength(41);
    const d = await ok<{ fields: { name: string; nullable: boolean; defaultValue?: unknown }[] }>('collections/describe', { collectionName: 'shape_f' });
    expect(d.fields.map((f) => f.name)).toEqual(['id', 'tag', 'vector', 'score', 'note']);
  });

  it("refuses what Milvus refuses (1100) and field properties it does not implement", async () => {
    const add = (schema: unknown) => post('collections/fields/add', { collectionName: 'shape_f', schema });
    const r = await add({ fieldName: 'x', dataType: 'Int64' });
    expect([r.code, r.message]).toEqual([1100, expect.stringContaining('added field must be nullable, please check it, field name = x')]);
    expect((await add({ fieldName: 'x', dataType: 'FloatVector', nullable: true, elementTypeParams: { dim: 2 } })).code).toBe(1100);
    expect((await add({ fieldName: 'x', dataType: 'Int64', nullable: true, isPartitionKey: true })).code).toBe(1100);
    await refused('collections/fields/add', { collectionName: 'shape_f', schema: { fieldName: 'x', dataType: 'Int64', nullable: true, mmapEnabled: true } }, 'mmapEnabled');
    await refused('collections/fields/alter_properties', { collectionName: 'shape_f', fieldName: 'note', fieldParams: { 'mmap.enabled': true } }, 'mmap.enabled');
    const d = await ok<{ fields: unknown[] }>('collections/describe', { collectionName: 'shape_f' });
    expect(d.fields).toHaveLength(5);
  });
});
