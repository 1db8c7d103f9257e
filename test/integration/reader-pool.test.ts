/**
 * Sealed segments served by readers (SealedReplica via LocalReaderPool) give the same answers
 * as one process holding everything. Two engines get the same seeded stream of inserts,
 * re-inserts, upserts, deletes (by key and by filter), flushes and compactions; after every
 * round, search (filter, offset, nq = 2, grouping, range), query, get, count and hybrid
 * search must agree. The single-process engine is itself checked against brute force in
 * search-oracle.test.ts, so it is the oracle here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, Random, createMemoryStorage, getIndexFactory, testSeed, VesperClient } from '@vesper/core';
import { LocalReaderPool } from '@vesper/core/distributed';

const seed = testSeed(process.env.VESPER_SEED);
const DIM = 8;
const GROUPS = ['a', 'b', 'c', 'd'];
let plain: VesperClient;
let split: VesperClient;
let pool: LocalReaderPool;

const schema = {
  collection_name: 'r',
  shards_num: 2,
  enable_dynamic_field: true,
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'v', data_type: DataType.FloatVector, dim: DIM },
    { name: 'g', data_type: DataType.VarChar, max_length: 8 },
    { name: 'n', data_type: DataType.Int32 },
  ],
  index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
};

beforeAll(async () => {
  plain = await VesperClient.open({ storage: createMemoryStorage(), indexFactory: getIndexFactory });
  const storage = createMemoryStorage();
  pool = new LocalReaderPool(3, storage.objects, getIndexFactory);
  split = await VesperClient.open({ storage, indexFactory: getIndexFactory, readers: pool });
  for (const db of [plain, split]) await db.createCollection(schema);
});
afterAll(async () => {
  await plain.close();
  await split.close();
  pool.close();
});

describe(`reader pool = single process (seed ${seed})`, () => {
  it('agrees after every round of writes, flushes and compactions', async () => {
    const rng = new Random(seed);
    const vec = () => Array.from({ length: DIM }, () => Math.fround(rng.gaussian()));
    // session_ts differs between two engines (their clocks); everything else must not.
    const strip = (r: unknown) => (r && typeof r === 'object' ? { ...(r as object), session_ts: undefined, timestamp: undefined } : r);
    const both = async (f: (db: VesperClient) => Promise<unknown>) => {
      const [a, b] = await Promise.all([f(plain), f(split)]);
      return [strip(a), strip(b)] as const;
    };
    let next = 0;
    for (let round = 0; round < 8; round++) {
      const rows = Array.from({ length: 60 }, () => {
        const id = rng.next() < 0.25 && next > 0 ? rng.int(next) : next++;
        return { id, v: vec(), g: rng.pick(GROUPS), n: rng.int(50), extra: rng.int(5) };
      });
      await both((db) => db.insert({ collection_name: 'r', data: rows }));
      const up = Array.from({ length: 10 }, () => ({ id: rng.int(next), v: vec(), g: rng.pick(GROUPS), n: rng.int(50) }));
      const uniq = [...new Map(up.map((r) => [r.id, r])).values()];
      await both((db) => db.upsert({ collection_name: 'r', data: uniq }));
      const gone = Array.from({ length: 5 }, () => rng.int(next));
      await both((db) => db.delete({ collection_name: 'r', ids: gone }));
      const cut = rng.int(50);
      await both((db) => db.delete({ collection_name: 'r', filter: `n == ${cut}` }));
      if (round % 2 === 1) await both((db) => db.flush({ collection_names: ['r'] }));
      if (round === 5) await both(async (db) => db.compact({ collection_name: 'r' }));

      const ctx = `seed ${seed}, round ${round}`;
      const q = [vec(), vec()];
      const searches = [
        { data: q[0], limit: 7, filter: 'n > 10', output_fields: ['g', 'n', 'extra'] },
        { data: q, limit: 5, offset: 3, output_fields: ['*'] },
        { data: q[1], limit: 10, group_by_field: 'g', group_size: 2, output_fields: ['g'] },
        { data: q[0], limit: 20, params: { radius: 12, range_filter: 2 } },
      ];
      for (const s of searches) {
        const [a, b] = await both((db) => db.search({ collection_name: 'r', consistency_level: 'Strong', ...s }));
        expect(b, `${ctx} ${JSON.stringify(s).slice(0, 80)}`).toEqual(a);
      }
      const queries = [
        { filter: 'n < 25', limit: 30, offset: 4, output_fields: ['n', 'g', 'extra'] },
        { filter: 'g in ["a", "c"]', output_fields: ['count(*)'] },
        { output_fields: ['count(*)'] },
        { ids: [0, 1, 2, 3, 5, 8, 13, 21], output_fields: ['v', 'n'] },
      ];
      for (const qr of queries) {
        const [a, b] = await both((db) => db.query({ collection_name: 'r', consistency_level: 'Strong', ...qr }));
        expect(b, `${ctx} ${JSON.stringify(qr)}`).toEqual(a);
      }
      const [ha, hb] = await both((db) =>
        db.hybridSearch({
          collection_name: 'r',
          consistency_level: 'Strong',
          data: [
            { anns_field: 'v', data: q[0], limit: 15 },
            { anns_field: 'v', data: q[1], limit: 15, filter: 'n >= 20' },
          ],
          rerank: { strategy: 'rrf' },
          limit: 8,
          output_fields: ['n'],
        }),
      );
      expect(hb, ctx).toEqual(ha);
    }
    // The readers really served the sealed data.
    expect(pool.stats().segments, `seed ${seed}`).toBeGreaterThan(1);
  });
});
