/**
 * Partial update (`upsert` with `partial_update: true`, Milvus 2.6) against an oracle kept
 * here: a stored row keeps the fields the update leaves out; a new key needs a full row
 * (1804 otherwise, nothing written); rows in sealed and growing segments, on two shards, with
 * nullable and default-valued fields and a dynamic field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, Random, testSeed, type VesperClient } from '@vesper/core';
import { memoryDb, rejectsWithCode } from '../fixtures/open.ts';

const seed = testSeed(process.env.VESPER_SEED);
const rng = new Random(seed);
let db: VesperClient;
type Stored = { id: number; a: number; s: string; maybe: number | null; v: number[]; extra?: string };
const oracle = new Map<number, Stored>();
const C = { collection_name: 'pu' };

beforeAll(async () => {
  db = await memoryDb();
  await db.createCollection({
    ...C,
    shards_num: 2,
    enable_dynamic_field: true,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'a', data_type: DataType.Int32 },
      { name: 's', data_type: DataType.VarChar, max_length: 20, default_value: 'dflt' },
      { name: 'maybe', data_type: DataType.Int32, nullable: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 2 },
    ],
  });
  await db.loadCollection(C);
  const rows = Array.from({ length: 60 }, (_, id) => ({ id, a: rng.int(100), s: `s${id}`, maybe: rng.int(3) === 0 ? null : rng.int(9), v: [Math.fround(rng.next()), Math.fround(rng.next())], extra: `e${id}` }));
  await db.insert({ ...C, data: rows.slice(0, 30) });
  await db.flush({ collection_names: ['pu'] });
  await db.insert({ ...C, data: rows.slice(30) });
  for (const r of rows) oracle.set(r.id, r);
});
afterAll(() => db.close());

async function stored(): Promise<Stored[]> {
  const res = await db.query({ ...C, filter: 'id >= 0', output_fields: ['*'], consistency_level: 'Strong' });
  return res.data.map((r) => ({ id: Number(r['id']), a: r['a'] as number, s: r['s'] as string, maybe: r['maybe'] as number | null, v: r['v'] as number[], ...(r['extra'] !== undefined ? { extra: r['extra'] as string } : {}) }));
}

describe(`partial update (seed ${seed})`, () => {
  it('fields left out keep their stored values, in sealed and growing rows; a new key takes a full row', async () => {
    const updates = [
      { id: 3, a: 1000 },
      { id: 40, s: 'changed', maybe: null },
      { id: 7, v: [9, 9], extra: 'x' },
      { id: 500, a: 5, s: 'new', maybe: 1, v: [0, 1] },
    ];
    await db.upsert({ ...C, data: updates, partial_update: true });
    for (const u of updates) oracle.set(u.id, { ...(oracle.get(u.id) ?? {}), ...u } as Stored);
    expect(await stored()).toEqual([...oracle.values()].sort((x, y) => x.id - y.id));
  });

  it('a new key with a missing required field is 1804 and nothing is written', async () => {
    await rejectsWithCode(db.upsert({ ...C, data: [{ id: 4, a: 1 }, { id: 777, a: 1 }], partial_update: true }), 1804);
    expect(await stored()).toEqual([...oracle.values()].sort((x, y) => x.id - y.id));
  });

  it('partial_update on insert or not a boolean is 1100', async () => {
    await rejectsWithCode(db.insert({ ...C, data: [{ id: 1, a: 1 }], partial_update: true }), 1100);
    await rejectsWithCode(db.upsert({ ...C, data: [{ id: 1, a: 1 }], partial_update: 'yes' as unknown as boolean }), 1100);
  });
});
