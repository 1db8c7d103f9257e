/**
 * Milvus's read options, each against an oracle computed here from the rows: `ignore_growing`
 * (search, query, count), `round_decimal`, `strict_group_size`, grouping in hybrid search,
 * `order_by_fields` on query; and the options Vesper does not implement refused by name
 * (function rerankers, rerank on search, query aggregation).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, Random, testSeed, type VesperClient } from '@vesper/core';
import { memoryDb, rejectsWithCode } from '../fixtures/open.ts';

const seed = testSeed(process.env.VESPER_SEED);
const rng = new Random(seed);
const DIM = 4;
const vec = (): number[] => Array.from({ length: DIM }, () => Math.fround(rng.gaussian()));
const l2 = (x: readonly number[], y: readonly number[]): number => x.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0);

/** Brute-force grouping of rows sorted best first: the first `limit` groups, each its first `size` rows. */
function bruteGroups<R extends { id: number; g: number }>(sorted: readonly R[], limit: number, size: number): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const r of sorted) {
    const b = groups.get(r.g) ?? (groups.size < limit ? [] : undefined);
    if (b === undefined) continue;
    groups.set(r.g, b);
    if (b.length < size) b.push(r.id);
  }
  return groups;
}

/** A loaded collection: Int64 primary key `id`, the given scalar fields, FLAT/L2 (or `index`) vector fields of dimension DIM, `shards` shards. */
async function collection(db: VesperClient, name: string, scalars: object[], vectors: string[], index: object = { index_type: 'FLAT' }, shards = 1): Promise<void> {
  await db.createCollection({
    collection_name: name,
    shards_num: shards,
    fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, ...scalars, ...vectors.map((v) => ({ name: v, data_type: DataType.FloatVector, dim: DIM }))],
    index_params: vectors.map((v) => ({ field_name: v, metric_type: 'L2', ...index })),
  } as never);
  await db.loadCollection({ collection_name: name });
}

type Hit = { id: string; score: number } & Record<string, unknown>;
const hitsOf = (res: { results: unknown }): Hit[] => res.results as Hit[];
const idsOf = (hits: readonly { id: unknown }[]): number[] => hits.map((h) => Number(h.id));

describe(`ignore_growing and round_decimal (seed ${seed})`, () => {
  let db: VesperClient;
  const SEALED = 120;
  const rows = Array.from({ length: 200 }, (_, id) => ({ id, v: vec() }));
  beforeAll(async () => {
    db = await memoryDb();
    await collection(db, 'g', [], ['v']);
    await db.insert({ collection_name: 'g', data: rows.slice(0, SEALED) });
    await db.flush({ collection_names: ['g'] });
    await db.insert({ collection_name: 'g', data: rows.slice(SEALED) });
  });
  afterAll(() => db.close());

  const q = vec();
  const exact = (from: readonly (typeof rows)[number][], k: number) =>
    from
      .map((r) => ({ id: r.id, d: l2(q, r.v) }))
      .sort((a, b) => a.d - b.d || a.id - b.id)
      .slice(0, k);

  it('search with ignore_growing reads sealed rows only (top level, in params, in search_params)', async () => {
    const want = exact(rows.slice(0, SEALED), 30).map((h) => h.id);
    const top = await db.search({ collection_name: 'g', consistency_level: 'Strong', data: q, limit: 30, ignore_growing: true });
    expect(idsOf(hitsOf(top))).toEqual(want);
    const inParams = await db.search({ collection_name: 'g', consistency_level: 'Strong', data: q, limit: 30, params: { ignore_growing: true } });
    expect(idsOf(hitsOf(inParams))).toEqual(want);
    const inSearchParams = await db.search({ collection_name: 'g', consistency_level: 'Strong', data: q, limit: 30, search_params: { ignore_growing: 'true' } });
    expect(idsOf(hitsOf(inSearchParams))).toEqual(want);
    const all = await db.search({ collection_name: 'g', consistency_level: 'Strong', data: q, limit: 30, ignore_growing: false });
    expect(idsOf(hitsOf(all))).toEqual(exact(rows, 30).map((h) => h.id));
  });

  it('query and count with ignore_growing see sealed rows only', async () => {
    const res = await db.query({ collection_name: 'g', consistency_level: 'Strong', filter: 'id >= 0', output_fields: ['id'], ignore_growing: true });
    expect(res.data.map((r) => Number(r['id']))).toEqual(rows.slice(0, SEALED).map((r) => r.id));
    const viaParams = await db.query({ collection_name: 'g', consistency_level: 'Strong', filter: 'id >= 0', output_fields: ['count(*)'], params: { ignore_growing: true } });
    expect(viaParams.data[0]!['count(*)']).toBe(SEALED);
    const all = await db.query({ collection_name: 'g', consistency_level: 'Strong', filter: 'id >= 0', output_fields: ['count(*)'] });
    expect(all.data[0]!['count(*)']).toBe(rows.length);
  });

  it('round_decimal rounds every score half up, order unchanged; -1 leaves them', async () => {
    const raw = hitsOf(await db.search({ collection_name: 'g', consistency_level: 'Strong', data: q, limit: 20 }));
    for (const d of [0, 2, 6]) {
      const rounded = hitsOf(await db.search({ collection_name: 'g', consistency_level: 'Strong', data: q, limit: 20, round_decimal: d }));
      expect(idsOf(rounded)).toEqual(idsOf(raw));
      rounded.forEach((h, i) => expect(h.score).toBe(Math.floor(raw[i]!.score * 10 ** d + 0.5) / 10 ** d));
    }
    const off = hitsOf(await db.search({ collection_name: 'g', consistency_level: 'Strong', data: q, limit: 20, round_decimal: -1 }));
    expect(off.map((h) => h.score)).toEqual(raw.map((h) => h.score));
  });

  it.each([7, -2, 1.5, 'x'])('round_decimal %s is 1100', async (bad) => {
    const err = await rejectsWithCode(db.search({ collection_name: 'g', data: q, round_decimal: bad as number }), 1100);
    expect(err.message).toContain('should be -1 or an integer in range [0, 6]');
  });

  it('ignore_growing that is not a boolean is 1100', async () => {
    await rejectsWithCode(db.search({ collection_name: 'g', data: q, ignore_growing: 3 as unknown as boolean }), 1100);
    await rejectsWithCode(db.query({ collection_name: 'g', filter: 'id > 0', ignore_growing: 'yes' as unknown as boolean }), 1100);
  });

  it('rerank and order_by_fields on a plain search are refused by name', async () => {
    const decay = { name: 'd', type: 'Rerank', input_field_names: ['id'], params: { reranker: 'decay', function: 'gauss', origin: 0, scale: 10 } };
    expect((await rejectsWithCode(db.search({ collection_name: 'g', data: q, rerank: decay }), 1100)).message).toContain('decay');
    expect((await rejectsWithCode(db.search({ collection_name: 'g', data: q, order_by_fields: 'id:desc' }), 1100)).message).toContain('order_by_fields');
  });
});

describe(`strict_group_size (seed ${seed})`, () => {
  let db: VesperClient;
  // Groups 1 and 2: one row near the query, nine far away; group 0: 600 rows in between.
  // Without strict the far rows are outside the candidates and groups 1, 2 come back with one hit.
  const q = [0, 0, 0, 0];
  const shell = (r: number): number[] => {
    const v = vec();
    const n = Math.sqrt(l2(v, q)) || 1;
    return v.map((x) => Math.fround((x / n) * r));
  };
  // (groups 1 and 2 first, so they land in the sealed, indexed segment)
  const rows = [
    ...[1, 2].flatMap((g) => Array.from({ length: 10 }, (_, i) => ({ id: 1000 * g + i, g, v: shell(i === 0 ? 0.2 * g : 50 + rng.next()) }))),
    ...Array.from({ length: 600 }, (_, i) => ({ id: i, g: 0, v: shell(1 + rng.next()) })),
  ];
  beforeAll(async () => {
    db = await memoryDb();
    await collection(db, 's', [{ name: 'g', data_type: DataType.Int64 }], ['v'], { index_type: 'HNSW', params: { M: 8, efConstruction: 64 } });
    await db.insert({ collection_name: 's', data: rows.slice(0, 400) });
    await db.flush({ collection_names: ['s'] });
    await db.insert({ collection_name: 's', data: rows.slice(400) });
  });
  afterAll(() => db.close());

  /** Brute-force grouping: groups ranked by their best row, each its best `size` rows. */
  function oracle(limit: number, size: number): Map<number, number[]> {
    return bruteGroups(
      rows.map((r) => ({ ...r, d: l2(q, r.v) })).sort((a, b) => a.d - b.d || a.id - b.id),
      limit,
      size,
    );
  }

  it('fills every group to group_size when the rows exist', async () => {
    const res = await db.search({ collection_name: 's', consistency_level: 'Strong', data: q, limit: 3, group_by_field: 'g', group_size: 4, strict_group_size: true, output_fields: ['g'] });
    const got = new Map<number, number[]>();
    for (const h of hitsOf(res)) got.set(Number(h['g']), [...(got.get(Number(h['g'])) ?? []), Number(h.id)]);
    const want = oracle(3, 4);
    expect([...got.keys()]).toEqual([...want.keys()]);
    for (const [g, ids] of want) expect(got.get(g)).toEqual(ids);
  });

  it('strict_group_size that is not a boolean is 1100', async () => {
    await rejectsWithCode(db.search({ collection_name: 's', data: q, group_by_field: 'g', strict_group_size: 'sometimes' as unknown as boolean }), 1100);
  });
});

describe(`hybrid search grouping and rerank functions (seed ${seed})`, () => {
  let db: VesperClient;
  const rows = Array.from({ length: 300 }, (_, id) => ({ id, g: rng.int(12), a: vec(), b: vec() }));
  beforeAll(async () => {
    db = await memoryDb();
    await collection(db, 'h', [{ name: 'g', data_type: DataType.Int32 }], ['a', 'b']);
    await db.insert({ collection_name: 'h', data: rows });
  });
  afterAll(() => db.close());

  /** Grouped sub-search by brute force: the best `limit` groups, `size` rows each, group after group (as a grouped search answers). */
  function groupedSub(field: 'a' | 'b', qv: number[], limit: number, size: number): number[] {
    const sorted = rows.map((r) => ({ id: r.id, g: r.g, d: l2(qv, r[field]) })).sort((x, y) => x.d - y.d || x.id - y.id);
    return [...bruteGroups(sorted, limit, size).values()].flat();
  }

  it('group_by_field groups the RRF-fused hits: groups by best fused hit, group_size each, limit groups', async () => {
    const qa = vec();
    const qb = vec();
    const [limit, size, k] = [4, 2, 60];
    const res = await db.hybridSearch({
      collection_name: 'h',
      consistency_level: 'Strong',
      data: [
        { anns_field: 'a', data: qa, limit: 6 },
        { anns_field: 'b', data: qb, limit: 6 },
      ],
      rerank: { strategy: 'rrf', params: { k } },
      limit,
      group_by_field: 'g',
      group_size: size,
      output_fields: ['g'],
    });
    const fused = new Map<number, number>();
    for (const list of [groupedSub('a', qa, 6, size), groupedSub('b', qb, 6, size)]) list.forEach((id, i) => fused.set(id, (fused.get(id) ?? 0) + 1 / (k + i + 1)));
    const ranked = [...fused].sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    const want = [...bruteGroups(ranked.map(([id]) => ({ id, g: rows[id]!.g })), limit, size).values()].flat();
    expect(idsOf(hitsOf(res))).toEqual(want);
  });

  it('Milvus 2.6 rerank functions are refused by name (decay, model)', async () => {
    const sub = [{ anns_field: 'a', data: vec() }];
    const decay = { name: 'd', type: 'Rerank', input_field_names: ['g'], params: { reranker: 'decay', function: 'exp', origin: 0, scale: 5 } };
    const model = { functions: [{ name: 'm', type: 'Rerank', input_field_names: ['g'], params: { reranker: 'model', provider: 'tei', queries: ['x'] } }], params: {} };
    expect((await rejectsWithCode(db.hybridSearch({ collection_name: 'h', data: sub, rerank: decay as never }), 1100)).message).toContain('decay reranker function');
    expect((await rejectsWithCode(db.hybridSearch({ collection_name: 'h', data: sub, rerank: model as never }), 1100)).message).toContain('model reranker function');
    await rejectsWithCode(db.hybridSearch({ collection_name: 'h', data: sub, rerank: { strategy: 'rrf' }, rank_group_scorer: 'sum', group_by_field: 'g' }), 1100);
  });

  it('round_decimal rounds the fused scores', async () => {
    const sub = [{ anns_field: 'a', data: vec(), limit: 10 }];
    const raw = hitsOf(await db.hybridSearch({ collection_name: 'h', consistency_level: 'Strong', data: sub, rerank: { strategy: 'rrf' }, limit: 10 }));
    const r = hitsOf(await db.hybridSearch({ collection_name: 'h', consistency_level: 'Strong', data: sub, rerank: { strategy: 'rrf' }, limit: 10, round_decimal: 3 }));
    expect(r.map((h) => h.score)).toEqual(raw.map((h) => Math.floor(h.score * 1000 + 0.5) / 1000));
  });
});

describe(`query order_by_fields (seed ${seed})`, () => {
  let db: VesperClient;
  const rows = Array.from({ length: 240 }, (_, id) => ({
    id,
    price: rng.int(8),
    rating: Math.round(rng.next() * 50) / 10,
    name: `n${rng.int(30)}`,
    maybe: rng.int(4) === 0 ? null : rng.int(20),
    j: { id },
    v: vec(),
  }));
  beforeAll(async () => {
    db = await memoryDb();
    const scalars = [
      { name: 'price', data_type: DataType.Int32 },
      { name: 'rating', data_type: DataType.Double },
      { name: 'name', data_type: DataType.VarChar, max_length: 16 },
      { name: 'maybe', data_type: DataType.Int32, nullable: true },
      { name: 'j', data_type: DataType.JSON },
    ];
    await collection(db, 'o', scalars, ['v'], undefined, 2);
    await db.insert({ collection_name: 'o', data: rows.slice(0, 150) });
    await db.flush({ collection_names: ['o'] });
    await db.insert({ collection_name: 'o', data: rows.slice(150) });
  });
  afterAll(() => db.close());

  type Row = (typeof rows)[number];
  type Key = { f: 'price' | 'rating' | 'name' | 'maybe'; desc?: boolean; nullsFirst?: boolean };
  function oracle(keys: readonly Key[], where: (r: Row) => boolean, offset: number, limit: number): number[] {
    const cmp = (a: Row, b: Row): number => {
      for (const k of keys) {
        const [x, y] = [a[k.f], b[k.f]];
        const nf = k.nullsFirst ?? k.desc === true;
        if (x === null || y === null) {
          if (x === y) continue;
          return (x === null) === nf ? -1 : 1;
        }
        const c = x < y ? -1 : x > y ? 1 : 0;
        if (c !== 0) return k.desc ? -c : c;
      }
      return a.id - b.id;
    };
    return rows.filter(where).sort(cmp).slice(offset, offset + limit).map((r) => r.id);
  }
  const query = async (order: unknown, filter: string, offset: number, limit: number, output = ['id']): Promise<Record<string, unknown>[]> =>
    (await db.query({ collection_name: 'o', consistency_level: 'Strong', filter, offset, limit, output_fields: output, order_by_fields: order })).data;

  it.each([
    ['price', [{ f: 'price' }]],
    ['price:desc', [{ f: 'price', desc: true }]],
    [['price:asc', 'rating:desc'], [{ f: 'price' }, { f: 'rating', desc: true }]],
    [[{ field: 'name', order: 'desc' }, 'price'], [{ f: 'name', desc: true }, { f: 'price' }]],
    ['maybe:asc', [{ f: 'maybe' }]],
    ['maybe:desc', [{ f: 'maybe', desc: true }]],
    ['maybe:asc:nulls_first', [{ f: 'maybe', nullsFirst: true }]],
    ['maybe:desc:nulls_last,price', [{ f: 'maybe', desc: true, nullsFirst: false }, { f: 'price' }]],
  ] as [unknown, Key[]][])('%j across sealed and growing segments on two shards', async (order, keys) => {
    for (const [offset, limit] of [
      [0, 20],
      [17, 40],
      [0, 240],
    ] as const) {
      const got = await query(order, 'id >= 0', offset, limit);
      expect(got.map((r) => Number(r['id']))).toEqual(oracle(keys, () => true, offset, limit));
    }
    const filtered = await query(order, 'rating > 2', 5, 30);
    expect(filtered.map((r) => Number(r['id']))).toEqual(oracle(keys, (r) => r.rating > 2, 5, 30));
  });

  it('a sort field need not be an output field', async () => {
    const got = await query('rating:desc', 'id >= 0', 0, 10, ['name']);
    expect(got.every((r) => !('rating' in r))).toBe(true);
    expect(got.map((r) => Number(r['id']))).toEqual(oracle([{ f: 'rating', desc: true }], () => true, 0, 10));
  });

  it.each([
    ['v:asc', 'not sortable'],
    ['j:asc', 'not sortable'],
    ['nope:asc', 'does not exist'],
    [':asc', 'does not exist'],
    ['price:sideways', 'invalid order direction'],
  ])('%s is 1100 (%s)', async (order, phrase) => {
    const err = await rejectsWithCode(db.query({ collection_name: 'o', filter: 'id >= 0', limit: 10, order_by_fields: [order] }), 1100);
    expect(err.message).toContain(phrase);
  });

  it('group_by_fields (query aggregation) needs its group fields among the outputs (1100 naming it); query-aggregation.test.ts checks the groups', async () => {
    const err = await rejectsWithCode(db.query({ collection_name: 'o', filter: 'id >= 0', limit: 10, output_fields: ['count(*)'], group_by_fields: ['price'] }), 1100);
    expect(err.message).toContain('group_by_fields');
  });
});
