/**
 * Grouping over-fetches from each segment; on a 20,000-row indexed segment the internal k
 * must stay within the index's topk bound (16384) instead of failing the search, and the
 * answer must still be the exact grouped search's (oracle: rows sorted by distance, walked
 * group by group in the test) even when a group's members lie beyond any k the index accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, Random, testSeed, type VesperClient } from '@vesper/core';
import { memoryDb } from '../fixtures/open.ts';
import { groupedOracle } from '../read/grouped-oracle.ts';

const seed = testSeed();
const N = 20_000;
const DIM = 4;
const POLICY = { maxRows: N * 2, maxBytes: 1 << 30, maxAgeMs: 1 << 30, compactBelowRows: 0, compactDeletedRatio: 1 };

type Hit = { id: unknown; g: unknown; distance: number };

async function bigCollection(db: VesperClient, name: string, index: Record<string, unknown>, rows: readonly Record<string, unknown>[]): Promise<void> {
  await db.createCollection({
    collection_name: name,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'g', data_type: DataType.Int64 },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
    ],
    index_params: [{ field_name: 'v', metric_type: 'L2', ...index }],
  });
  await db.loadCollection({ collection_name: name });
  await db.insert({ collection_name: name, data: [...rows] });
  await db.flush({ collection_names: [name] });
  // the sealed segment's index must be built, or the search scans the segment exactly anyway
  let d = (await db.describeIndex({ collection_name: name })).index_descriptions[0]!;
  for (let i = 0; i < 3000 && d.state !== 'Finished'; i++) {
    await new Promise((r) => setTimeout(r, 20));
    d = (await db.describeIndex({ collection_name: name })).index_descriptions[0]!;
  }
  expect(d, `seed ${seed}`).toMatchObject({ state: 'Finished', indexed_rows: String(N) });
}

function byGroup(hits: readonly Hit[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const h of hits) {
    const g = Number(h.g);
    out.set(g, [...(out.get(g) ?? []), Number(h.id)]);
  }
  return out;
}

let db: VesperClient;
beforeAll(async () => {
  db = await memoryDb({ sealPolicy: POLICY });
});
afterAll(() => db.close());

describe(`grouping search on a 20,000-row indexed segment (seed ${seed})`, () => {
  it('limit 100 + group_size 30 over FLAT stays within the index topk bound', async () => {
    const rng = new Random(seed);
    const GROUPS = 50;
    const rows = Array.from({ length: N }, (_, id) => ({ id, g: id % GROUPS, v: Array.from({ length: DIM }, () => Math.fround(rng.gaussian())) }));
    await bigCollection(db, 'big', { index_type: 'FLAT' }, rows);
    const q = Array.from({ length: DIM }, () => Math.fround(rng.gaussian()));
    const res = await db.search({ collection_name: 'big', consistency_level: 'Strong', anns_field: 'v', data: q, limit: 100, group_by_field: 'g', group_size: 30, output_fields: ['g'] });
    const groups = byGroup(res.results as unknown as Hit[]);
    expect(groups, `seed ${seed}`).toEqual(groupedOracle(rows, q, 100, 30));
    expect(groups.size, `seed ${seed}`).toBe(GROUPS);
  }, 120_000);

  it('limit 100 + group_size 30 over HNSW equals the exact grouped search, far group members included', async () => {
    const rng = new Random(seed + 1);
    const q = [0, 0, 0, 0];
    // group 0: one row at the query, its other 39 rows farther than every other row — beyond
    // the 16384 nearest, so no index search of at most 16384 hits finds them
    const rows = Array.from({ length: N }, (_, id) => {
      if (id === 0) return { id, g: 0, v: [1e-3, 0, 0, 0] };
      if (id <= 39) return { id, g: 0, v: Array.from({ length: DIM }, () => Math.fround(100 + rng.next())) };
      return { id, g: 1 + (id % 199), v: Array.from({ length: DIM }, () => Math.fround(rng.gaussian())) };
    });
    await bigCollection(db, 'big_hnsw', { index_type: 'HNSW', params: { M: 8, efConstruction: 40 } }, rows);
    const res = await db.search({ collection_name: 'big_hnsw', consistency_level: 'Strong', anns_field: 'v', data: q, limit: 100, group_by_field: 'g', group_size: 30, output_fields: ['g'] });
    const hits = res.results as unknown as Hit[];
    const want = groupedOracle(rows, q, 100, 30);
    expect(want.get(0)!.length, `seed ${seed}`).toBe(30);
    expect(byGroup(hits), `seed ${seed}`).toEqual(want);
  }, 120_000);
});
