/**
 * Search results against a brute-force oracle written here, independently of the engine:
 * plain top-k, range search (radius/range_filter), group-by, filters, partitions, offset and
 * nq > 1, for L2/IP/COSINE float vectors, HAMMING/JACCARD binary vectors and IP sparse
 * vectors — on growing and on flushed (sealed) segments. Exact search must match exactly
 * (distances within float tolerance; ties may reorder ids of equal distance).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, Random, testSeed, type VesperClient } from '@vesper/core';
import { memoryDb } from '../fixtures/open.ts';

const seed = testSeed(process.env.VESPER_SEED);
const N = 600;
const DIM = 12;
const GROUPS = ['a', 'b', 'c', 'd', 'e'];

interface Row {
  id: number;
  v: number[];
  b: number[];
  s: Record<string, number>;
  g: string;
  n: number;
}

const rng = new Random(seed);
const data: Row[] = Array.from({ length: N }, (_, id) => ({
  id,
  v: Array.from({ length: DIM }, () => Math.fround(rng.gaussian())),
  b: Array.from({ length: 4 }, () => rng.int(256)),
  s: Object.fromEntries(Array.from({ length: rng.range(1, 5) }, () => [String(rng.int(40)), Math.fround(rng.next())])),
  g: rng.pick(GROUPS),
  n: rng.int(100),
}));

function fdist(metric: string, a: number[], b: number[]): number {
  let dot = 0, na = 0, nb = 0, l2 = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
    l2 += (a[i]! - b[i]!) ** 2;
  }
  return metric === 'L2' ? l2 : metric === 'IP' ? dot : dot / Math.sqrt(na * nb);
}
function bdist(metric: string, a: number[], b: number[]): number {
  let x = 0, and = 0, or = 0;
  const pop = (v: number): number => v.toString(2).replace(/0/g, '').length;
  for (let i = 0; i < a.length; i++) {
    x += pop(a[i]! ^ b[i]!);
    and += pop(a[i]! & b[i]!);
    or += pop(a[i]! | b[i]!);
  }
  return metric === 'HAMMING' ? x : or === 0 ? 0 : 1 - and / or;
}
function sdist(a: Record<string, number>, b: Record<string, number>): number {
  return Object.entries(a).reduce((s, [k, v]) => s + v * (b[k] ?? 0), 0);
}
const similarity = (m: string): boolean => m === 'IP' || m === 'COSINE';

interface OracleHit {
  id: number;
  d: number;
}

function oracle(metric: string, dist: (r: Row) => number, opts: { limit: number; offset?: number; where?: (r: Row) => boolean; radius?: number; rangeFilter?: number }): OracleHit[] {
  const sim = similarity(metric);
  let hits = data.filter((r) => !opts.where || opts.where(r)).map((r) => ({ id: r.id, d: dist(r) }));
  if (opts.radius !== undefined) {
    hits = hits.filter((h) => (sim ? h.d > opts.radius! && (opts.rangeFilter === undefined || h.d <= opts.rangeFilter) : h.d < opts.radius! && (opts.rangeFilter === undefined || h.d >= opts.rangeFilter)));
  }
  hits.sort((x, y) => (sim ? y.d - x.d : x.d - y.d));
  return hits.slice(opts.offset ?? 0, (opts.offset ?? 0) + opts.limit);
}

function expectSame(got: { id: unknown; score: number }[], want: OracleHit[], dist: (id: number) => number, msg: string): void {
  expect(got.length, msg).toBe(want.length);
  got.forEach((h, i) => {
    expect(h.score, msg).toBeCloseTo(want[i]!.d, 3);
    expect(dist(Number(h.id)), msg).toBeCloseTo(h.score, 3);
  });
}

let db: VesperClient;
beforeAll(async () => {
  db = await memoryDb({ sealPolicy: { maxRows: 250, maxBytes: 1 << 30, maxAgeMs: 1 << 30, compactBelowRows: 0, compactDeletedRatio: 1 } });
  await db.createCollection({
    collection_name: 'o',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
      { name: 'b', data_type: DataType.BinaryVector, dim: 32 },
      { name: 's', data_type: DataType.SparseFloatVector },
      { name: 'g', data_type: DataType.VarChar, max_length: 4 },
      { name: 'n', data_type: DataType.Int32 },
    ],
    shards_num: 2,
  });
  await db.createPartition({ collection_name: 'o', partition_name: 'odd' });
  await db.loadCollection({ collection_name: 'o' });
  // even ids in _default, odd ids in "odd"; half flushed, half growing
  for (const part of ['_default', 'odd']) {
    const rows = data.filter((r) => (part === 'odd') === (r.id % 2 === 1));
    await db.insert({ collection_name: 'o', partition_name: part, data: rows });
  }
}, 60_000);
afterAll(() => db.close());

const strong = { collection_name: 'o', consistency_level: 'Strong' as const };

describe(`search vs brute force (seed ${seed})`, () => {
  for (const metric of ['L2', 'IP', 'COSINE']) {
    it(`${metric}: top-k, offset, nq > 1, filter, partitions`, async () => {
      const qs = [0, 1, 2].map(() => Array.from({ length: DIM }, () => Math.fround(rng.gaussian())));
      const res = await db.search({ ...strong, anns_field: 'v', data: qs, limit: 9, offset: 2, metric_type: metric });
      (res.results as { id: unknown; score: number }[][]).forEach((hits, i) => {
        const dist = (id: number): number => fdist(metric, qs[i]!, data[id]!.v);
        expectSame(hits, oracle(metric, (r) => dist(r.id), { limit: 9, offset: 2 }), dist, `${metric} q${i} seed ${seed}`);
      });
      const q = qs[0]!;
      const dist = (id: number): number => fdist(metric, q, data[id]!.v);
      const f = await db.search({ ...strong, anns_field: 'v', data: q, limit: 15, metric_type: metric, filter: 'n < 30 and g != "a"' });
      expectSame(f.results as never, oracle(metric, (r) => dist(r.id), { limit: 15, where: (r) => r.n < 30 && r.g !== 'a' }), dist, `filter seed ${seed}`);
      const p = await db.search({ ...strong, anns_field: 'v', data: q, limit: 15, metric_type: metric, partition_names: ['odd'] });
      expectSame(p.results as never, oracle(metric, (r) => dist(r.id), { limit: 15, where: (r) => r.id % 2 === 1 }), dist, `partition seed ${seed}`);
    });

    it(`${metric}: range search`, async () => {
      const q = Array.from({ length: DIM }, () => Math.fround(rng.gaussian()));
      const dist = (id: number): number => fdist(metric, q, data[id]!.v);
      const all = data.map((r) => dist(r.id)).sort((a, b) => a - b);
      // thresholds halfway between two rows' distances: the engine scores in float32 (Milvus's
      // precision), the oracle in float64, so a row exactly on a threshold could land either side
      const between = (i: number): number => (all[i]! + all[i + 1]!) / 2;
      const lo = between(Math.floor(N * 0.1));
      const hi = between(Math.floor(N * 0.4));
      const [radius, rangeFilter] = similarity(metric) ? [lo, hi] : [hi, lo];
      const res = await db.search({ ...strong, anns_field: 'v', data: q, limit: 1000, metric_type: metric, params: { radius, range_filter: rangeFilter } });
      expectSame(res.results as never, oracle(metric, (r) => dist(r.id), { limit: 1000, radius, rangeFilter }), dist, `range seed ${seed}`);
      expect((res.results as unknown[]).length).toBeGreaterThan(100);
    });
  }

  it('group-by: best groups, each with up to group_size hits', async () => {
    const q = Array.from({ length: DIM }, () => Math.fround(rng.gaussian()));
    const dist = (id: number): number => fdist('L2', q, data[id]!.v);
    const res = await db.search({ ...strong, anns_field: 'v', data: q, limit: 3, metric_type: 'L2', group_by_field: 'g', group_size: 2, output_fields: ['g'] });
    const sorted = oracle('L2', (r) => dist(r.id), { limit: N });
    const groups = new Map<string, number[]>();
    for (const h of sorted) {
      const g = data[h.id]!.g;
      if (!groups.has(g) && groups.size === 3) continue;
      const list = groups.get(g) ?? [];
      if (list.length < 2) list.push(h.id);
      groups.set(g, list);
    }
    const got = res.results as { id: string; g: string; score: number }[];
    expect(got.map((h) => Number(h.id)), `seed ${seed}`).toEqual([...groups.values()].flat());
    expect(new Set(got.map((h) => h.g)).size).toBe(3);
  });

  for (const metric of ['HAMMING', 'JACCARD']) {
    it(`${metric} on binary vectors`, async () => {
      const q = Array.from({ length: 4 }, () => rng.int(256));
      const dist = (id: number): number => bdist(metric, q, data[id]!.b);
      const res = await db.search({ ...strong, anns_field: 'b', data: q, limit: 20, metric_type: metric });
      expectSame(res.results as never, oracle(metric, (r) => dist(r.id), { limit: 20 }), dist, `${metric} seed ${seed}`);
    });
  }

  it('IP on sparse vectors', async () => {
    const q = { 1: 0.5, 7: 0.25, 13: 1, 30: 0.75 };
    const dist = (id: number): number => sdist(q, data[id]!.s);
    const res = await db.search({ ...strong, anns_field: 's', data: q, limit: 10, metric_type: 'IP' });
    expectSame(res.results as never, oracle('IP', (r) => dist(r.id), { limit: 10 }), dist, `sparse seed ${seed}`);
  });

  it('drop_ratio_search leaves the smallest query values out (knowhere\'s meaning)', async () => {
    const q = { 1: 0.5, 7: 0.25, 13: 1, 30: 0.75 };
    // ratio 0.5 of 4 values: the two smallest (7: 0.25, 1: 0.5) are dropped
    const pruned = { 13: 1, 30: 0.75 };
    const dist = (id: number): number => sdist(pruned, data[id]!.s);
    const res = await db.search({ ...strong, anns_field: 's', data: q, limit: 10, metric_type: 'IP', params: { drop_ratio_search: 0.5 } } as never);
    expectSame(res.results as never, oracle('IP', (r) => dist(r.id), { limit: 10 }), dist, `sparse drop seed ${seed}`);
    await expect(db.search({ ...strong, anns_field: 's', data: q, limit: 10, params: { drop_ratio_search: 1 } } as never)).rejects.toMatchObject({ code: 1100 });
  });

  it('the same answers after everything is flushed and sealed', async () => {
    const q = Array.from({ length: DIM }, () => Math.fround(rng.gaussian()));
    const before = await db.search({ ...strong, anns_field: 'v', data: q, limit: 25, metric_type: 'L2', filter: 'n >= 50' });
    await db.flush({ collection_names: ['o'] });
    const after = await db.search({ ...strong, anns_field: 'v', data: q, limit: 25, metric_type: 'L2', filter: 'n >= 50' });
    expect(after.results).toEqual(before.results);
  });

  it('bad searches are coded: wrong dim 1100, unknown field 1700, not loaded 101, metric mismatch 1100, topk 1100', async () => {
    await expect(db.search({ ...strong, anns_field: 'v', data: [1, 2, 3] })).rejects.toMatchObject({ code: 1100 });
    await expect(db.search({ ...strong, anns_field: 'nope', data: [1] })).rejects.toMatchObject({ code: 1700 });
    await expect(db.search({ ...strong, data: new Array(DIM).fill(0) })).rejects.toMatchObject({ code: 1100 });
    await expect(db.search({ ...strong, anns_field: 'v', data: new Array(DIM).fill(0), limit: 16385 })).rejects.toMatchObject({ code: 1100 });
    await expect(db.search({ ...strong, anns_field: 'v', data: new Array(DIM).fill(0), limit: 10, offset: 16380 })).rejects.toMatchObject({ code: 1100 });
    await expect(db.search({ ...strong, anns_field: 'b', data: [1, 2, 3, 4], metric_type: 'L2' })).rejects.toMatchObject({ code: 1100 });
    await expect(db.search({ ...strong, anns_field: 'v', data: new Array(DIM).fill(0), filter: 'n >' })).rejects.toMatchObject({ code: 1100 });
    await db.releaseCollection({ collection_name: 'o' });
    await expect(db.search({ ...strong, anns_field: 'v', data: new Array(DIM).fill(0) })).rejects.toMatchObject({ code: 101 });
    await expect(db.query({ ...strong, filter: 'id > 0' })).rejects.toMatchObject({ code: 101 });
    await db.loadCollection({ collection_name: 'o' });
  });
});
