/**
 * User sparse vectors (SPLADE / BGE-M3 style, metric IP) under every sparse index type and
 * algorithm, against brute force over the visible rows: top-k, filters (the allow-bitset),
 * range search (radius / range_filter), drop_ratio_search, after deletes, in three layouts
 * (growing only; flushed segments over 3 shards; sealed segments answered by 2 readers).
 * Scores must equal the oracle's to float tolerance; ids must match except across exact ties.
 * Seed: VESPER_SEED (printed in the test names).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VesperClient, createMemoryStorage, getIndexFactory, testSeed, DataType, Random } from '@vesper/core';
import { LocalReaderPool } from '@vesper/core/distributed';

const seed = testSeed(process.env.VESPER_SEED);
const N = 600;
const DIMS = 400;

type Sparse = Record<number, number>;
interface Row {
  id: number;
  s: Sparse;
  n: number;
  dense: number[];
}

const rng = new Random(seed);
/** Term ids drawn with a skew (a few frequent terms, a long tail), weights in (0, 2]. */
function sparseVector(r: Random, terms: number): Sparse {
  const v: Sparse = {};
  for (let i = 0; i < terms; i++) {
    const t = Math.floor(DIMS * r.next() ** 2);
    v[t] = Math.fround(0.05 + 1.95 * r.next());
  }
  return v;
}
const rows: Row[] = Array.from({ length: N }, (_, id) => ({ id, s: sparseVector(rng, rng.range(1, 24)), n: id % 10, dense: [1, 0] }));
const queries = Array.from({ length: 6 }, () => sparseVector(rng, rng.range(1, 8)));
const deleted = new Set(Array.from({ length: 40 }, () => rng.int(N)));

/** IP in float32 steps as the engine sums (query value × row value, term by term). */
function ip(q: Sparse, s: Sparse): number | undefined {
  let sum = 0;
  let shared = false;
  for (const [t, qv] of Object.entries(q)) {
    const sv = s[Number(t)];
    if (sv !== undefined) {
      shared = true;
      sum += qv * sv;
    }
  }
  return shared ? sum : undefined; // a row sharing no term with the query is not a hit
}

function oracle(q: Sparse, opts: { limit: number; keep?: (r: Row) => boolean; radius?: number; rangeFilter?: number }): { id: number; score: number }[] {
  const hits: { id: number; score: number }[] = [];
  for (const r of rows) {
    if (deleted.has(r.id) || (opts.keep && !opts.keep(r))) continue;
    const score = ip(q, r.s);
    if (score === undefined) continue;
    if (opts.radius !== undefined && !(score > opts.radius && (opts.rangeFilter === undefined || score <= opts.rangeFilter))) continue;
    hits.push({ id: r.id, score });
  }
  hits.sort((a, b) => b.score - a.score || a.id - b.id);
  return hits.slice(0, opts.limit);
}

function expectSame(got: { id: unknown; score: number }[], want: { id: number; score: number }[], what: string): void {
  expect(got.length, what).toBe(want.length);
  const tol = 1e-4;
  for (let i = 0; i < want.length; i++) {
    expect(got[i]!.score, `${what} rank ${i}`).toBeCloseTo(want[i]!.score, 4);
    if (Number(got[i]!.id) !== want[i]!.id) {
      // only an exact tie may swap ids
      expect(Math.abs(got[i]!.score - want[i]!.score), `${what} rank ${i}: id ${String(got[i]!.id)} vs ${want[i]!.id}`).toBeLessThan(tol);
    }
  }
}

const INDEXES: { name: string; index_type: string; params: Record<string, unknown> }[] = [
  { name: 'SPARSE_INVERTED_INDEX (DAAT_MAXSCORE)', index_type: 'SPARSE_INVERTED_INDEX', params: { inverted_index_algo: 'DAAT_MAXSCORE' } },
  { name: 'SPARSE_INVERTED_INDEX (TAAT_NAIVE)', index_type: 'SPARSE_INVERTED_INDEX', params: { inverted_index_algo: 'TAAT_NAIVE' } },
  { name: 'SPARSE_WAND', index_type: 'SPARSE_WAND', params: {} },
];
const LAYOUTS = [
  { name: 'growing', shards: 1, flush: false, readers: 0 },
  { name: 'flushed, 3 shards', shards: 3, flush: true, readers: 0 },
  { name: 'sealed on 2 readers', shards: 2, flush: true, readers: 2 },
];

const cleanup: (() => void | Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

describe.each(INDEXES.flatMap((ix) => LAYOUTS.map((l) => ({ ...l, ix }))))(`user sparse vectors, IP: $ix.name, $name (seed ${seed})`, (c) => {
  let db: VesperClient;
  const strong = { collection_name: 'sp', anns_field: 's', consistency_level: 'Strong' as const };
  beforeAll(async () => {
    const storage = createMemoryStorage();
    const pool = c.readers > 0 ? new LocalReaderPool(c.readers, storage.objects, getIndexFactory) : undefined;
    db = await VesperClient.open({ storage, indexFactory: getIndexFactory, ...(pool ? { readers: pool } : {}) });
    cleanup.push(() => db.close(), () => pool?.close());
    await db.createCollection({
      collection_name: 'sp',
      shards_num: c.shards,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 's', data_type: DataType.SparseFloatVector },
        { name: 'n', data_type: DataType.Int32 },
        { name: 'dense', data_type: DataType.FloatVector, dim: 2 },
      ],
      index_params: [
        { field_name: 's', index_type: c.ix.index_type, metric_type: 'IP', params: c.ix.params },
        { field_name: 'dense', index_type: 'FLAT', metric_type: 'L2' },
      ],
    } as never);
    for (let i = 0; i < N; i += 150) {
      await db.insert({ collection_name: 'sp', data: rows.slice(i, i + 150) });
      if (c.flush) await db.flush({ collection_names: ['sp'] });
    }
    await db.delete({ collection_name: 'sp', ids: [...deleted] });
  }, 60_000);

  it('top-k and top-k with a filter equal brute force', async () => {
    for (const [i, q] of queries.entries()) {
      const res = await db.search({ ...strong, data: q, limit: 15, metric_type: 'IP' } as never);
      expectSame(res.results as never, oracle(q, { limit: 15 }), `query ${i}`);
      const f = await db.search({ ...strong, data: q, limit: 15, filter: 'n in [1, 3, 7] and id > 50' } as never);
      expectSame(f.results as never, oracle(q, { limit: 15, keep: (r) => [1, 3, 7].includes(r.n) && r.id > 50 }), `query ${i} filtered`);
    }
  });

  it('range search keeps scores in (radius, range_filter]', async () => {
    for (const [i, q] of queries.entries()) {
      const all = oracle(q, { limit: N });
      if (all.length < 4) continue;
      // thresholds halfway between neighbouring scores, so float rounding cannot move a row across
      const mid = (k: number): number => (all[k]!.score + all[k + 1]!.score) / 2;
      const rangeFilter = mid(0);
      const radius = mid(Math.min(all.length - 2, 20));
      const res = await db.search({ ...strong, data: q, limit: 100, params: { radius, range_filter: rangeFilter } } as never);
      expectSame(res.results as never, oracle(q, { limit: 100, radius, rangeFilter }), `query ${i} range`);
    }
  });

  it('drop_ratio_search drops the smallest query values before scoring', async () => {
    const q = queries.find((x) => Object.keys(x).length >= 4)!;
    const entries = Object.entries(q).sort((a, b) => a[1] - b[1]);
    const kept = Object.fromEntries(entries.slice(Math.floor(entries.length * 0.5))) as Sparse;
    const res = await db.search({ ...strong, data: q, limit: 10, params: { drop_ratio_search: 0.5 } } as never);
    expectSame(res.results as never, oracle(Object.fromEntries(Object.entries(kept).map(([k, v]) => [Number(k), v])), { limit: 10 }), 'drop 0.5');
  });
});
