/**
 * Partial update at the edge (Milvus 2.6 `entities/upsert` with `partialUpdate: true`, and the
 * engine's `upsert` with `partial_update`), in workerd against an oracle kept here: a stored row
 * keeps the fields the update leaves out — rows sealed on query nodes and growing on the
 * leaders, two shards, nullable, default-valued and dynamic fields; a new key needs a full row
 * (1804, nothing written). Concurrency: partial updates of different fields of the same rows,
 * sent all at once, lose none of them (each shard leader reads, merges and writes alone).
 */
import { exports, env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { DataType } from '@vesper/core';
import { Random } from '../../packages/core/src/util/random.ts';
import { databaseEngine } from '../../packages/edge/src/index.ts';
import { workerdSeed } from './seeded.ts';

const AUTH = { Authorization: 'Bearer root:Milvus' };
const seed = workerdSeed();

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...AUTH },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

type Stored = { id: number; a: number; s: string; maybe: number | null; v: number[]; extra?: string };

async function stored(name: string): Promise<Stored[]> {
  const res = await post('entities/query', { collectionName: name, filter: 'id >= 0', outputFields: ['*'], limit: 1000, consistencyLevel: 'Strong' });
  expect(res['code']).toBe(0);
  return (res['data'] as Record<string, unknown>[])
    .map((r) => ({ id: Number(r['id']), a: r['a'] as number, s: r['s'] as string, maybe: r['maybe'] as number | null, v: r['v'] as number[], ...(r['extra'] !== undefined ? { extra: r['extra'] as string } : {}) }))
    .sort((x, y) => x.id - y.id);
}

describe(`edge partial update (seed ${seed})`, () => {
  const name = 'pu_edge';
  const oracle = new Map<number, Stored>();
  const want = () => [...oracle.values()].sort((x, y) => x.id - y.id);

  it('fields left out keep their stored values, in sealed and growing rows; a new key takes a full row', async () => {
    const rng = new Random(seed);
    const create = await post('collections/create', {
      collectionName: name,
      schema: {
        enableDynamicField: true,
        fields: [
          { fieldName: 'id', dataType: 'Int64', isPrimary: true },
          { fieldName: 'a', dataType: 'Int32' },
          { fieldName: 's', dataType: 'VarChar', elementTypeParams: { max_length: '20' }, defaultValue: 'dflt' },
          { fieldName: 'maybe', dataType: 'Int32', nullable: true },
          { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: '2' } },
        ],
      },
      params: { shardsNum: 2 },
      indexParams: [{ fieldName: 'v', indexName: 'v', metricType: 'L2', indexType: 'FLAT' }],
    });
    expect(create['code']).toBe(0);
    const rows = Array.from({ length: 60 }, (_, id) => ({ id, a: rng.int(100), s: `s${id}`, maybe: rng.int(3) === 0 ? null : rng.int(9), v: [Math.fround(rng.next()), Math.fround(rng.next())], extra: `e${id}` }));
    expect((await post('entities/insert', { collectionName: name, data: rows.slice(0, 30) }))['code']).toBe(0);
    expect((await post('collections/flush', { collectionName: name }))['code']).toBe(0);
    expect((await post('entities/insert', { collectionName: name, data: rows.slice(30) }))['code']).toBe(0);
    for (const r of rows) oracle.set(r.id, r);

    const updates = [
      { id: 3, a: 1000 },
      { id: 40, s: 'changed', maybe: null },
      { id: 7, v: [9, 9], extra: 'x' },
      { id: 500, a: 5, s: 'new', maybe: 1, v: [0, 1] },
    ];
    const res = await post('entities/upsert', { collectionName: name, data: updates, partialUpdate: true });
    expect(res).toMatchObject({ code: 0, data: { upsertCount: 4 } });
    for (const u of updates) oracle.set(u.id, { ...(oracle.get(u.id) ?? {}), ...u } as Stored);
    expect(await stored(name)).toEqual(want());
  });

  it('a new key with a missing required field is 1804 and nothing is written; partialUpdate must be a boolean', async () => {
    const res = await post('entities/upsert', { collectionName: name, data: [{ id: 4, a: 1 }, { id: 777, a: 1 }], partialUpdate: true });
    expect(res['code']).toBe(1804);
    expect(await stored(name)).toEqual(want());
    expect((await post('entities/upsert', { collectionName: name, data: [{ id: 4, a: 1 }], partialUpdate: 'yes' }))['code']).toBe(1801);
    // without partialUpdate an upsert replaces the whole row: a row missing `a` is refused
    expect((await post('entities/upsert', { collectionName: name, data: [{ id: 4, a: 1 }] }))['code']).toBe(1804);
    const engine = databaseEngine(env, 'default');
    await expect(engine.call('insert', { collection_name: name, data: [{ id: 4, a: 1 }], partial_update: true })).rejects.toMatchObject({ code: 1100 });
    expect(await stored(name)).toEqual(want());
  });

  it('concurrent partial updates of different fields of the same rows lose none of them', async () => {
    const engine = databaseEngine(env, 'default');
    const cname = 'pu_edge_race';
    const F = 8;
    await engine.call('createCollection', {
      collection_name: cname,
      shards_num: 2,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        ...Array.from({ length: F }, (_, i) => ({ name: `f${i}`, data_type: DataType.Int32 })),
        { name: 'v', data_type: DataType.FloatVector, dim: 2 },
      ],
      index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
    });
    await engine.call('loadCollection', { collection_name: cname });
    const ids = Array.from({ length: 40 }, (_, i) => i);
    const base = ids.map((id) => ({ id, v: [id, 0], ...Object.fromEntries(Array.from({ length: F }, (_, i) => [`f${i}`, 0])) }));
    await engine.call('insert', { collection_name: cname, data: base.slice(0, 20) });
    await engine.call('flush', { collection_names: [cname] });
    await engine.call('insert', { collection_name: cname, data: base.slice(20) });
    for (let round = 1; round <= 3; round++) {
      await Promise.all(Array.from({ length: F }, (_, i) => engine.call('upsert', { collection_name: cname, partial_update: true, data: ids.map((id) => ({ id, [`f${i}`]: round * 100 + i })) })));
      const res = (await engine.call('query', { collection_name: cname, filter: 'id >= 0', output_fields: ['*'], limit: 100, consistency_level: 'Strong' })) as { data: Record<string, unknown>[] };
      expect(res.data).toHaveLength(ids.length);
      for (const r of res.data) {
        for (let i = 0; i < F; i++) expect(r[`f${i}`], `round ${round} row ${String(r['id'])} f${i}`).toBe(round * 100 + i);
        expect(r['v']).toEqual([Number(r['id']), 0]);
      }
    }
  });
});
