/**
 * The Done-when test of a memory budget in Chromium: an opfs:// collection of 40k×64 float
 * vectors (10 MB of vectors) under IVF_PQ, reopened with `memoryBudget: 2 MB` and one query
 * worker, searches at recall@10 ≥ 0.95 against brute force while every block cache (the engine
 * worker's and the query worker's, each half the budget) stays under its share. The fixed
 * overhead outside the budget — centroids, PQ codes, ids, block tables — is reported by the
 * index (bytesUsed) and is not asserted here. Seeded (VESPER_SEED); the seed is in every message.
 */
import { describe, expect, it } from 'vitest';
import kernelsUrl from '@vesper/core/kernels.wasm?url';
import { openDatabase } from '../../packages/browser/src/index.ts';
import { clustered, recall } from '../indexes/fixtures.ts';
import { bruteForce } from '../indexes/oracle.ts';
import { browserSeed, freshName, removeOpfsDir } from './browser-helpers.ts';
import { BUDGET, DIM, K, N, NQ, SEAL_POLICY, fillBudgetCollection, searchBudgetCollection } from '../fixtures/budget-collection.ts';

const seed = browserSeed();

describe(`memoryBudget in Chromium (seed ${seed})`, () => {
  it('a collection 4x its budget reopens and searches at recall@10 >= 0.95 with every cache under its share', async () => {
    const data = clustered(seed, N + NQ, DIM, { clusters: 40, rank: 16 });
    const base = data.subarray(0, N * DIM);
    const queries = data.slice(N * DIM);
    const name = freshName('budget');
    const url = `opfs://${name}`;
    const opts = { kernels: kernelsUrl, memoryBudget: BUDGET, queryWorkers: 1, multiTab: false };
    let db = await openDatabase(url, { ...opts, engine: { sealPolicy: SEAL_POLICY } });
    try {
      await fillBudgetCollection(db, base, seed);
      await db.close();

      db = await openDatabase(url, opts);
      await db.loadCollection({ collection_name: 'big' });
      const truth = bruteForce('L2', base, N, DIM, queries, NQ, K);
      const got = await searchBudgetCollection(db, queries);
      const r = recall(got, truth.rows, NQ, K);
      const stats = await db.stats();
      console.log(`memory-budget (Chromium) seed ${seed} recall@10=${r.toFixed(3)} stats=${JSON.stringify(stats)}`);
      expect(r, `seed ${seed}`).toBeGreaterThanOrEqual(0.95);
      expect(stats.memoryBudget).toBe(BUDGET);
      // the engine worker's WASM memory is reported (the kernels are loaded there)
      expect(stats.wasmMemoryBytes, `seed ${seed}`).toBeGreaterThan(0);
      const caches = [stats.blockCache, ...stats.queryWorkers.filter((c) => c !== null)];
      let resident = 0;
      let read = 0;
      for (const c of caches) {
        expect(c.capacity, `seed ${seed}`).toBe(BUDGET / 2);
        expect(c.residentBytes, `seed ${seed}`).toBeLessThanOrEqual(c.capacity);
        resident += c.residentBytes;
        read += c.bytesRead;
      }
      expect(resident, `seed ${seed}`).toBeLessThanOrEqual(BUDGET);
      expect(read, `seed ${seed}: searches read re-rank vectors by range`).toBeGreaterThan(0);
    } finally {
      await db.close();
      await removeOpfsDir(`vesper/${name}`);
    }
  }, 600_000);

  it('an invalid memoryBudget is PARAMETER_INVALID naming it, before a worker starts', async () => {
    for (const bad of [-1, 0.5, 2 ** 60]) {
      await expect(openDatabase(`opfs://${freshName('bad')}`, { memoryBudget: bad })).rejects.toMatchObject({ error: 'PARAMETER_INVALID', message: expect.stringContaining('memoryBudget') as string });
    }
  });
});
