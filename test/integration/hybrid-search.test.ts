/**
 * Hybrid search against an oracle: two float vector fields searched with their own metrics,
 * filters and limits, fused with RRF and with weighted reranking, computed here from
 * brute-force rankings independently of the engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, Random, testSeed, type VesperClient } from '@vesper/core';
import { memoryDb } from '../fixtures/open.ts';

const seed = testSeed(process.env.VESPER_SEED);
const rng = new Random(seed);
const N = 400;
const rows = Array.from({ length: N }, (_, id) => ({
  id,
  a: Array.from({ length: 6 }, () => Math.fround(rng.gaussian())),
  b: Array.from({ length: 3 }, () => Math.fround(rng.gaussian())),
  n: rng.int(10),
}));
let db: VesperClient;

const l2 = (x: number[], y: number[]): number => x.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0);
const cos = (x: number[], y: number[]): number => {
  const dot = x.reduce((s, v, i) => s + v * y[i]!, 0);
  return dot / Math.sqrt(x.reduce((s, v) => s + v * v, 0) * y.reduce((s, v) => s + v * v, 0));
};

function ranked(dist: (r: (typeof rows)[number]) => number, asc: boolean, limit: number, where?: (r: (typeof rows)[number]) => boolean) {
  return rows
    .filter((r) => !where || where(r))
    .map((r) => ({ id: r.id, d: dist(r) }))
    .sort((x, y) => (asc ? x.d - y.d : y.d - x.d))
    .slice(0, limit);
}

beforeAll(async () => {
  db = await memoryDb();
  await db.createCollection({
    collection_name: 'h',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'a', data_type: DataType.FloatVector, dim: 6 },
      { name: 'b', data_type: DataType.FloatVector, dim: 3 },
      { name: 'n', data_type: DataType.Int32 },
    ],
    index_params: [
      { field_name: 'a', index_type: 'FLAT', metric_type: 'L2' },
      { field_name: 'b', index_type: 'FLAT', metric_type: 'COSINE' },
    ],
  });
  await db.insert({ collection_name: 'h', data: rows });
});
afterAll(() => db.close());

describe(`hybrid search (seed ${seed})`, () => {
  const qa = Array.from({ length: 6 }, () => Math.fround(rng.gaussian()));
  const qb = Array.from({ length: 3 }, () => Math.fround(rng.gaussian()));
  const subA = () => ranked((r) => l2(qa, r.a), true, 30);
  const subB = () => ranked((r) => cos(qb, r.b), false, 20, (r) => r.n < 5);
  const request = (rerank: { strategy: 'rrf' | 'weighted'; params?: { k?: number; weights?: number[] } }) => ({
    collection_name: 'h',
    consistency_level: 'Strong' as const,
    data: [
      { anns_field: 'a', data: qa, limit: 30 },
      { anns_field: 'b', data: qb, limit: 20, filter: 'n < 5' },
    ],
    rerank,
    limit: 12,
    output_fields: ['n'],
  });

  function expectFused(got: { id: string; score: number }[], fused: Map<number, number>): void {
    const want = [...fused].sort((x, y) => y[1] - x[1]).slice(0, 12);
    expect(got.map((h) => h.score), `seed ${seed}`).toEqual(want.map(([, s]) => expect.closeTo(s, 6)));
    got.forEach((h) => expect(fused.get(Number(h.id))!, `seed ${seed}`).toBeCloseTo(h.score, 6));
  }

  it('RRF fuses ranks', async () => {
    const fused = new Map<number, number>();
    for (const list of [subA(), subB()]) list.forEach((h, i) => fused.set(h.id, (fused.get(h.id) ?? 0) + 1 / (60 + i + 1)));
    const res = await db.hybridSearch(request({ strategy: 'rrf', params: { k: 60 } }));
    expectFused(res.results as never, fused);
  });

  it('weighted fuses normalized distances', async () => {
    const fused = new Map<number, number>();
    subA().forEach((h) => fused.set(h.id, (fused.get(h.id) ?? 0) + 0.7 * (1 - (2 * Math.atan(h.d)) / Math.PI)));
    subB().forEach((h) => fused.set(h.id, (fused.get(h.id) ?? 0) + 0.3 * ((1 + h.d) / 2)));
    const res = await db.hybridSearch(request({ strategy: 'weighted', params: { weights: [0.7, 0.3] } }));
    expectFused(res.results as never, fused);
  });

  it('offset skips the first fused hits (the oracle ranks [offset, offset + limit)); Milvus limits are 1100', async () => {
    const fused = new Map<number, number>();
    for (const list of [subA(), subB()]) list.forEach((h, i) => fused.set(h.id, (fused.get(h.id) ?? 0) + 1 / (60 + i + 1)));
    const want = [...fused.values()].sort((x, y) => y - x);
    for (const offset of [0, 5, 33, fused.size - 3, fused.size + 2]) {
      const res = await db.hybridSearch({ ...request({ strategy: 'rrf', params: { k: 60 } }), offset, limit: 7 });
      const got = res.results as unknown as { id: string; score: number }[];
      expect(got.map((h) => h.score), `seed ${seed} offset ${offset}`).toEqual(want.slice(offset, offset + 7).map((s) => expect.closeTo(s, 6)));
      got.forEach((h) => expect(fused.get(Number(h.id))!, `seed ${seed}`).toBeCloseTo(h.score, 6));
    }
    for (const bad of [{ offset: -1 }, { offset: 16385 }, { offset: 16380, limit: 5 }, { offset: 1.5 }]) {
      await expect(db.hybridSearch({ ...request({ strategy: 'rrf' }), ...bad }), JSON.stringify(bad)).rejects.toMatchObject({ code: 1100 });
    }
  });

  it('bad rerankers and mismatched nq are 1100', async () => {
    await expect(db.hybridSearch(request({ strategy: 'weighted', params: { weights: [1] } }))).rejects.toMatchObject({ code: 1100 });
    await expect(db.hybridSearch(request({ strategy: 'magic' } as never))).rejects.toMatchObject({ code: 1100 });
    await expect(
      db.hybridSearch({ collection_name: 'h', data: [{ anns_field: 'a', data: [qa, qa] }, { anns_field: 'b', data: qb }], rerank: { strategy: 'rrf' } }),
    ).rejects.toMatchObject({ code: 1100 });
  });
});
