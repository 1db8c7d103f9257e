/**
 * Query aggregation (`group_by_fields` with count / sum / min / max / avg outputs) in-process,
 * against a naive oracle computed here from the rows the collection holds: seeded rows over
 * two flushed segments and a growing one, with deletes and an upsert, so only live rows may
 * count. Groups come ordered by their values (or `order_by_fields`), `limit`/`offset` page groups.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, Random, testSeed, type VesperClient } from '@vesper/core';
import { memoryDb, rejectsWithCode } from '../fixtures/open.ts';

const seed = testSeed(process.env.VESPER_SEED);
const rng = new Random(seed);
type Row = { id: number; cat: string | null; tier: number; n: number; big: bigint; price: number };
const CATS = ['red', 'green', 'blue', 'amber'];
let rows: Row[] = Array.from({ length: 240 }, (_, id) => ({
  id,
  cat: rng.int(9) === 0 ? null : CATS[rng.int(CATS.length)]!,
  tier: rng.int(3),
  n: rng.int(1000) - 300,
  big: 9007199254740993n + BigInt(rng.int(100)),
  price: Math.fround(rng.next() * 100),
}));
let db: VesperClient;

beforeAll(async () => {
  db = await memoryDb();
  await db.createCollection({
    collection_name: 'agg',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'cat', data_type: DataType.VarChar, max_length: 16, nullable: true },
      { name: 'tier', data_type: DataType.Int32 },
      { name: 'n', data_type: DataType.Int32 },
      { name: 'big', data_type: DataType.Int64 },
      { name: 'price', data_type: DataType.Float },
      { name: 'v', data_type: DataType.FloatVector, dim: 2 },
    ],
  });
  const put = (rs: Row[]) => db.insert({ collection_name: 'agg', data: rs.map((r) => ({ ...r, v: [r.n, 1] })) });
  await put(rows.slice(0, 100));
  await db.flush({ collection_names: ['agg'] });
  await put(rows.slice(100, 200));
  await db.flush({ collection_names: ['agg'] });
  await put(rows.slice(200));
  await db.loadCollection({ collection_name: 'agg' });
  // deletes across segments, and an upsert that moves a row to another group
  await db.delete({ collection_name: 'agg', filter: 'id in [3, 150, 201]' });
  const moved = { ...rows[10]!, cat: 'violet', n: 5 };
  await db.upsert({ collection_name: 'agg', data: [{ ...moved, v: [5, 1] }] });
  rows = rows.filter((r) => ![3, 150, 201].includes(r.id)).map((r) => (r.id === 10 ? moved : r));
});
afterAll(() => db.close());

type Out = Record<string, unknown>;
const query = async (req: Record<string, unknown>): Promise<Out[]> => (await db.query({ collection_name: 'agg', consistency_level: 'Strong', ...req } as never)).data;

/** The oracle: groups by `keys`, SQL aggregates skipping nulls, sorted by keys ascending (nulls last). */
function oracle(keys: (keyof Row)[], where: (r: Row) => boolean = () => true): Out[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows.filter(where)) {
    const k = JSON.stringify(keys.map((key) => r[key]), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const cmp = (a: unknown, b: unknown): number => (a === b ? 0 : a === null ? 1 : b === null ? -1 : (a as number) < (b as number) ? -1 : 1);
  return [...groups.values()]
    .map((g) => {
      const out: Out = {};
      for (const key of keys) out[key] = g[0]![key];
      const prices = g.map((r) => r.price);
      const row: Out = {
        ...out,
        'count(*)': g.length,
        'count(cat)': g.filter((r) => r.cat !== null).length,
        'sum(n)': g.reduce((s, r) => s + BigInt(r.n), 0n).toString(),
        'sum(big)': g.reduce((s, r) => s + r.big, 0n).toString(),
        'min(price)': Math.min(...prices),
        'max(price)': Math.max(...prices),
        'avg(n)': g.reduce((s, r) => s + r.n, 0) / g.length,
      };
      return row;
    })
    .sort((a, b) => keys.reduce((c, key) => c || cmp(a[key], b[key]), 0));
}

const AGGS = ['count(*)', 'count(cat)', 'sum(n)', 'sum(big)', 'min(price)', 'max(price)', 'avg(n)'];

function expectRows(got: Out[], want: Out[]): void {
  expect(got.length, `seed ${seed}`).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    for (const [k, v] of Object.entries(w)) {
      if (k === 'avg(n)') expect(g[k], `seed ${seed} ${k}`).toBeCloseTo(v as number, 9);
      else expect(g[k], `seed ${seed} row ${i} ${k}`).toEqual(v);
    }
    expect(Object.keys(g).sort()).toEqual(Object.keys(w).sort());
  });
}

describe(`query aggregation (seed ${seed})`, () => {
  it('groups by one field (null is a group) with every aggregate, live rows only', async () => {
    const got = await query({ group_by_fields: ['cat'], output_fields: ['cat', ...AGGS] });
    expectRows(got, oracle(['cat']));
    expect(got.map((r) => r['cat'])).toContain('violet');
  });

  it('groups by two fields under a filter, ordered by the group fields, paged by groups', async () => {
    const where = (r: Row) => r.n > 0;
    const all = oracle(['tier', 'cat'], where);
    const got = await query({ filter: 'n > 0', group_by_fields: ['tier', 'cat'], output_fields: ['tier', 'cat', ...AGGS] });
    expectRows(got, all);
    const byTierDesc = [...all].sort((a, b) => (b['tier'] as number) - (a['tier'] as number));
    const page = await query({ filter: 'n > 0', group_by_fields: ['tier', 'cat'], output_fields: ['tier', 'cat', ...AGGS], order_by_fields: ['tier:desc'], offset: 2, limit: 4 });
    // within a tier, groups keep their value order (cat ascending, null last)
    expectRows(page, byTierDesc.slice(2, 6));
  });

  it('aggregates without groups: one row, even when nothing matches', async () => {
    const [one] = oracle([]);
    expectRows(await query({ output_fields: AGGS }), [one!]);
    const none = await query({ filter: 'n > 100000', output_fields: ['count(*)', 'sum(n)', 'max(price)'] });
    expect(none).toEqual([{ 'count(*)': 0, 'sum(n)': null, 'max(price)': null }]);
    // count(*) alone stays the plain count
    expect(await query({ output_fields: ['count(*)'] })).toEqual([{ 'count(*)': rows.length }]);
  });

  it('refuses what it cannot aggregate (1100)', async () => {
    const bad: Record<string, unknown>[] = [
      { group_by_fields: ['cat'], output_fields: ['count(*)'] }, // group field not an output
      { group_by_fields: ['cat'], output_fields: ['cat', 'n', 'count(*)'] }, // a plain field outside the groups
      { group_by_fields: ['v'], output_fields: ['v', 'count(*)'] }, // a vector
      { group_by_fields: ['nope'], output_fields: ['nope'] },
      { group_by_fields: ['cat'], output_fields: ['cat', 'sum(cat)'] }, // sum of VarChar
      { group_by_fields: ['cat'], output_fields: ['cat', 'median(n)'] },
      { group_by_fields: ['cat'], output_fields: ['cat', 'sum(*)'] },
      { group_by_fields: ['cat'], output_fields: ['cat', 'count(*)'], order_by_fields: ['n:asc'] },
      { group_by_fields: 'cat', output_fields: ['cat'], limit: 20000 },
    ];
    for (const req of bad) await rejectsWithCode(query(req), 1100);
  });
});
