/**
 * FLAT's query-blocked path (nq > 1 goes through scanTopkManyF32, up to 64 queries a crossing)
 * returns what one-query-at-a-time search returns, for every float metric, with and without
 * an allow bitset, for nq not a multiple of the block of four or of 64. Seed: VESPER_SEED.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testSeed } from '../../packages/core/src/util/random.ts';
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import type { MetricType } from '../../packages/core/src/schema/types.ts';
import type { FloatVectorColumn } from '../../packages/core/src/schema/columns.ts';
import { loadKernelsNode } from '../../packages/core/src/node/kernels.ts';
import { getIndexFactory } from '../../packages/core/src/index/index.ts';
import { clustered, randomAllow } from './fixtures.ts';

const seed = testSeed(process.env.VESPER_SEED);

beforeAll(async () => {
  await loadKernelsNode();
});

describe(`FLAT batched search (seed ${seed})`, () => {
  for (const dim of [5, 64, 130]) {
    for (const metric of ['L2', 'IP', 'COSINE'] as MetricType[]) {
      it(`dim ${dim} ${metric}: batch equals per-query search`, async () => {
        const n = 1500;
        const nq = 71;
        const k = 9;
        const data = clustered(seed + dim, n + nq, dim, { clusters: 8, rank: 6 });
        const col: FloatVectorColumn = { type: DataType.FloatVector, length: n, dim, data: data.subarray(0, n * dim) };
        const qs = data.slice(n * dim);
        const idx = await getIndexFactory('FLAT').build(col, metric, {});
        for (const allow of [undefined, randomAllow(seed, n, 0.5)]) {
          const all = idx.search(qs, nq, k, { allow });
          for (let qi = 0; qi < nq; qi++) {
            const one = idx.search(qs.subarray(qi * dim, (qi + 1) * dim), 1, k, { allow });
            for (let i = 0; i < k; i++) {
              const d1 = one.distances[i] as number;
              const d2 = all.distances[qi * k + i] as number;
              expect(Math.abs(d1 - d2), `q=${qi} i=${i}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(d1)));
              if (all.rows[qi * k + i] !== one.rows[i]) {
                // a tie (or a near-tie within rounding) may order two rows differently, and at
                // the k-th place may pick a different row of the tie that straddles the cut
                const j = Array.from(one.rows).indexOf(all.rows[qi * k + i] as number);
                const last = one.distances[k - 1] as number;
                const tiesAtCut = Math.abs(d2 - last) <= 1e-5 * Math.max(1, Math.abs(last));
                expect(j >= 0 || tiesAtCut, `row ${all.rows[qi * k + i]} of q=${qi} i=${i} (d=${d2}, k-th single d=${last})`).toBe(true);
              }
              if (allow !== undefined) expect(allow.get(all.rows[qi * k + i] as number)).toBe(true);
            }
          }
        }
        idx.dispose?.();
      });
    }
  }
});
