/**
 * Issue 11 item 3: a vector field without an index is searched with the metric the
 * collection was created / last indexed with, not a type default. For L2, IP and COSINE:
 * index, flush, release, drop the index, load again, then search without naming a metric —
 * and after a reopen of the file database between the drop and the search (the "crash
 * between drop and create" case). The oracle is brute force written here.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DataType, Random, testSeed } from '@vesper/core';
import { openDatabase } from '@vesper/core/node';
import { cleanup, tempDir } from '../fixtures/open.ts';

const seed = testSeed(process.env.VESPER_SEED);
const DIM = 6;
const N = 120;

afterAll(cleanup);

function score(metric: string, a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let l2 = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
    l2 += (a[i]! - b[i]!) ** 2;
  }
  if (metric === 'L2') return l2;
  if (metric === 'IP') return dot;
  return dot / Math.sqrt(na * nb);
}

describe(`search of an unindexed field keeps the collection's metric (seed ${seed})`, () => {
  for (const metric of ['L2', 'IP', 'COSINE'] as const) {
    for (const how of ['created with the metric', 'indexed later'] as const) {
      it(`${metric}, ${how}`, async () => {
        const rng = new Random(seed);
        const rows = Array.from({ length: N }, (_, id) => ({ id, v: Array.from({ length: DIM }, () => Math.fround(rng.gaussian() * (1 + (id % 3)))) }));
        const queries = Array.from({ length: 3 }, () => Array.from({ length: DIM }, () => Math.fround(rng.gaussian())));
        const dir = await tempDir();
        let db = await openDatabase({ path: dir });
        const fields = [
          { name: 'id', data_type: DataType.Int64, is_primary_key: true },
          { name: 'v', data_type: DataType.FloatVector, dim: DIM },
        ];
        const index = { field_name: 'v', index_type: 'FLAT', metric_type: metric };
        if (how === 'created with the metric') await db.createCollection({ collection_name: 'c', fields, index_params: [index] });
        else {
          await db.createCollection({ collection_name: 'c', fields });
          await db.createIndex({ collection_name: 'c', ...index });
          await db.loadCollection({ collection_name: 'c' });
        }
        await db.insert({ collection_name: 'c', data: rows.slice(0, N / 2) });
        await db.flush({ collection_names: ['c'] });
        await db.insert({ collection_name: 'c', data: rows.slice(N / 2) });
        await db.releaseCollection({ collection_name: 'c' });
        await db.dropIndex({ collection_name: 'c', index_name: 'v' });
        // the process ends between the drop and a new createIndex
        await db.close();
        db = await openDatabase({ path: dir });
        await db.loadCollection({ collection_name: 'c' });
        const k = 10;
        const res = await db.search({ collection_name: 'c', data: queries, limit: k, consistency_level: 'Strong' });
        const similarity = metric !== 'L2';
        queries.forEach((q, qi) => {
          const want = rows
            .map((r) => ({ id: r.id, d: score(metric, r.v, q) }))
            .sort((a, b) => (similarity ? b.d - a.d : a.d - b.d) || a.id - b.id)
            .slice(0, k);
          const got = (res.results as Record<string, unknown>[][])[qi]!.map((h) => ({ id: Number(h['id']), d: Number(h['score']) }));
          expect(got.map((h) => h.d), `seed ${seed} q${qi}`).toEqual(want.map((w) => expect.closeTo(w.d, 4)));
          expect(new Set(got.map((h) => h.id))).toEqual(new Set(want.map((w) => w.id)));
        });
        await db.close();
      });
    }
  }
});
