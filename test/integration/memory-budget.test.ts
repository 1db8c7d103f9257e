/**
 * A file-backed database four times larger than its memory budget (Node): 40k×64 float vectors
 * (10 MB) under an IVF_PQ index, reopened with `memoryBudget: 2 MB`. Searches read the re-rank
 * vectors by range through the block cache; recall@10 against brute force is ≥ 0.95 and the
 * cache never holds more than the budget. Seed: VESPER_SEED (printed).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { testSeed } from '@vesper/core';
import { openDatabase, type NodeDatabase } from '@vesper/core/node';
import { clustered, recall } from '../indexes/fixtures.ts';
import { bruteForce } from '../indexes/oracle.ts';
import { cleanup, tempDir } from '../fixtures/open.ts';
import { BUDGET, DIM, K, N, NQ, SEAL_POLICY, fillBudgetCollection, searchBudgetCollection } from '../fixtures/budget-collection.ts';

afterAll(cleanup);

const seed = testSeed(process.env.VESPER_SEED);

describe(`memoryBudget in Node (seed ${seed})`, () => {
  it('a collection 4x its budget reopens and searches at recall@10 >= 0.95 with the cache under the budget', async () => {
    console.log(`memory-budget seed ${seed}`);
    const data = clustered(seed, N + NQ, DIM, { clusters: 40, rank: 16 });
    const base = data.subarray(0, N * DIM);
    const queries = data.slice(N * DIM);
    const dir = await tempDir();
    let db: NodeDatabase = await openDatabase({ path: dir, memoryBudget: BUDGET, sealPolicy: SEAL_POLICY });
    await fillBudgetCollection(db, base, seed);
    await db.close();

    db = await openDatabase({ path: dir, memoryBudget: BUDGET });
    await db.loadCollection({ collection_name: 'big' });
    const truth = bruteForce('L2', base, N, DIM, queries, NQ, K);
    const got = await searchBudgetCollection(db, queries);
    const r = recall(got, truth.rows, NQ, K);
    const s = db.stats().blockCache;
    console.log(`memory-budget recall@10=${r.toFixed(3)} cache=${JSON.stringify(s)} bytesRead/query=${Math.round(s.bytesRead / NQ)}`);
    expect(r, `recall seed=${seed}`).toBeGreaterThanOrEqual(0.95);
    expect(s.capacity).toBe(BUDGET);
    expect(s.bytesRead).toBeGreaterThan(0);
    expect(s.residentBytes).toBeLessThanOrEqual(BUDGET);
    // the hot parts live in WASM memory: at least the PQ codes (m = 16 bytes a row)
    expect(db.stats().wasmMemoryBytes, `seed ${seed}`).toBeGreaterThan(N * 16);
    // a filtered search reads by range too and returns only allowed rows
    const f = await db.search({ collection_name: 'big', data: [Array.from(queries.subarray(0, DIM))], limit: K, filter: 'id < 1000', params: { nprobe: 16 }, consistency_level: 'Strong' });
    const ft = bruteForce('L2', base, 1000, DIM, queries, 1, K);
    expect((f.results as { id: string }[][])[0]!.map((h) => Number(h.id))).toEqual(Array.from(ft.rows));
    await db.close();
  }, 300_000);

  it('an invalid memoryBudget is PARAMETER_INVALID naming it, before anything opens', async () => {
    for (const bad of [-1, 0.5, 'big', 2 ** 60]) {
      await expect(openDatabase({ memoryBudget: bad as number })).rejects.toMatchObject({ error: 'PARAMETER_INVALID', message: expect.stringContaining('memoryBudget') as string });
    }
  });
});
