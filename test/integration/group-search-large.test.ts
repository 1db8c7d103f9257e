/**
 * Grouping over-fetches from each segment; on a 20,000-row indexed segment the internal k
 * must stay within the index's topk bound (16384) instead of failing the search.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DataType, Random, testSeed, type VesperClient } from '@vesper/core';
import { memoryDb } from '../fixtures/open.ts';

const seed = testSeed();
const rng = new Random(seed);
const N = 20_000;
const DIM = 4;
const GROUPS = 50;
const rows = Array.from({ length: N }, (_, id) => ({ id, g: id % GROUPS, v: Array.from({ length: DIM }, () => Math.fround(rng.gaussian())) }));

let db: VesperClient;
beforeAll(async () => {
  db = await memoryDb({ sealPolicy: { maxRows: N * 2, maxBytes: 1 << 30, maxAgeMs: 1 << 30, compactBelowRows: 0, compactDeletedRatio: 1 } });
  await db.createCollection({
    collection_name: 'big',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'g', data_type: DataType.Int64 },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
    ],
    index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
  });
  await db.loadCollection({ collection_name: 'big' });
  await db.insert({ collection_name: 'big', data: rows });
  await db.flush({ collection_names: ['big'] });
}, 120_000);
afterAll(() => db.close());

it(`limit 100 + group_size 30 on a 20,000-row indexed segment (seed ${seed})`, async () => {
  const q = Array.from({ length: DIM }, () => Math.fround(rng.gaussian()));
  const res = await db.search({ collection_name: 'big', consistency_level: 'Strong', anns_field: 'v', data: q, limit: 100, group_by_field: 'g', group_size: 30, output_fields: ['g'] });
  const hits = res.results as unknown as { id: unknown; g: unknown }[];
  const byGroup = new Map<number, number>();
  for (const h of hits) byGroup.set(Number(h.g), (byGroup.get(Number(h.g)) ?? 0) + 1);
  expect(byGroup.size, `seed ${seed}`).toBe(GROUPS);
  for (const c of byGroup.values()) expect(c, `seed ${seed}`).toBeLessThanOrEqual(30);
  expect(hits.length, `seed ${seed}`).toBeGreaterThan(GROUPS);
});
