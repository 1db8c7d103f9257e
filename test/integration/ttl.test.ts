/**
 * Collection TTL (`collection.ttl.seconds`) under a controlled clock (the TSO's and the
 * segment manager's `clock` option): a row is visible to every read — search, query, get,
 * count, hybrid search — until its write time plus the TTL passes the read's timestamp, then
 * invisible, on sealed and growing segments and on two shards alike; compaction removes the
 * expired rows for good (the collection's row count, which counts stored rows as Milvus's
 * does, drops). The oracle is each row's insert time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, Random, testSeed, type VesperClient } from '@vesper/core';
import { memoryDb } from '../fixtures/open.ts';

const seed = testSeed(process.env.VESPER_SEED);
const rng = new Random(seed);
const DIM = 4;
const TTL_S = 10;
const T0 = 1_800_000_000_000;
let now = T0;
let db: VesperClient;

// three waves of rows: written at T0 (then flushed), T0 + 4 s (flushed), T0 + 8 s (left growing)
const waves = [0, 4000, 8000].map((at, w) => ({ at, rows: Array.from({ length: 40 }, (_, i) => ({ id: w * 100 + i, v: Array.from({ length: DIM }, () => Math.fround(rng.gaussian())) })) }));
const STRONG = { consistency_level: 'Strong' as const };

beforeAll(async () => {
  db = await memoryDb({ clock: () => now });
  await db.createCollection({
    collection_name: 't',
    shards_num: 2,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
    ],
    index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
    properties: { 'collection.ttl.seconds': String(TTL_S) },
  });
  await db.loadCollection({ collection_name: 't' });
  for (const [w, wave] of waves.entries()) {
    now = T0 + wave.at;
    await db.insert({ collection_name: 't', data: wave.rows });
    if (w < 2) await db.flush({ collection_names: ['t'] });
  }
});
afterAll(() => db.close());

/** The ids alive at a clock time: written less than the TTL before it. */
const aliveAt = (t: number): number[] =>
  waves
    .filter((w) => T0 + w.at + TTL_S * 1000 > t)
    .flatMap((w) => w.rows.map((r) => r.id))
    .sort((a, b) => a - b);
const ids = (rows: readonly Record<string, unknown>[]): number[] => rows.map((r) => Number(r['id'])).sort((a, b) => a - b);

/** Every read at the current clock sees exactly the rows alive then. */
async function readsMatchOracle(): Promise<void> {
  const want = aliveAt(now);
  const q = await db.query({ collection_name: 't', filter: 'id >= 0', output_fields: ['id'], ...STRONG });
  expect(ids(q.data)).toEqual(want);
  const c = await db.query({ collection_name: 't', filter: '', output_fields: ['count(*)'], ...STRONG });
  expect(c.data[0]!['count(*)']).toBe(want.length);
  const g = await db.get({ collection_name: 't', ids: [0, 100, 200], output_fields: ['id'], ...STRONG });
  expect(ids(g.data)).toEqual([0, 100, 200].filter((i) => want.includes(i)));
  const s = await db.search({ collection_name: 't', data: [0, 0, 0, 0], limit: 200, ...STRONG });
  expect(ids(s.results as Record<string, unknown>[])).toEqual(want);
  const h = await db.hybridSearch({ collection_name: 't', data: [{ anns_field: 'v', data: [0, 0, 0, 0], limit: 200 }], rerank: { strategy: 'rrf' }, limit: 200, ...STRONG });
  expect(ids(h.results as Record<string, unknown>[])).toEqual(want);
}

// The clock only moves forward (the TSO never goes back), so the steps run in order.
describe(`collection TTL (seed ${seed})`, () => {
  it.each([9_000, 10_500, 14_500])('at T0 + %i ms every read sees exactly the unexpired rows', async (dt) => {
    now = T0 + dt;
    await readsMatchOracle();
  });

  it('compaction removes expired rows for good', async () => {
    now = T0 + 15_000; // the first two waves have expired
    const rowCount = async () => Number((await db.getCollectionStatistics({ collection_name: 't' })).data.row_count);
    expect(await rowCount()).toBe(120);
    const { compactionID } = await db.compact({ collection_name: 't' });
    for (let i = 0; i < 500 && (await db.getCompactionState({ compactionID })).state === 'Executing'; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await db.getCompactionState({ compactionID })).state).toBe('Completed');
    expect(await rowCount()).toBe(aliveAt(now).length);
    await readsMatchOracle();
  });

  it('at T0 + 18500 ms every row has expired', async () => {
    now = T0 + 18_500;
    expect(aliveAt(now)).toEqual([]);
    await readsMatchOracle();
  });
});
