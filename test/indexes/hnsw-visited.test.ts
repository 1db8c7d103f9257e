/**
 * HNSW's visited set is a u16 epoch per node, cleared when the epoch wraps after 65535
 * searches: results after the wrap equal results before it. Seed: VESPER_SEED.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testSeed } from '../../packages/core/src/util/random.ts';
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import type { FloatVectorColumn } from '../../packages/core/src/schema/columns.ts';
import { loadKernelsNode } from '../../packages/core/src/node/kernels.ts';
import { getIndexFactory } from '../../packages/core/src/index/index.ts';
import { clustered } from './fixtures.ts';

const seed = testSeed(process.env.VESPER_SEED);

beforeAll(async () => {
  await loadKernelsNode();
});

describe(`HNSW visited epochs (seed ${seed})`, () => {
  it('searches give the same hits across the u16 epoch wrap', async () => {
    const n = 300;
    const dim = 8;
    const nq = 16;
    const data = clustered(seed, n + nq, dim, { clusters: 4, rank: 4 });
    const col: FloatVectorColumn = { type: DataType.FloatVector, length: n, dim, data: data.subarray(0, n * dim) };
    const qs = data.slice(n * dim);
    const idx = await getIndexFactory('HNSW').build(col, 'L2', { M: 8, efConstruction: 40 });
    const before = idx.search(qs, nq, 5, { params: { ef: 16 } });
    const q0 = qs.subarray(0, dim);
    for (let i = 0; i < 70_000; i++) idx.search(q0, 1, 1, { params: { ef: 1 } });
    const after = idx.search(qs, nq, 5, { params: { ef: 16 } });
    expect(Array.from(after.rows)).toEqual(Array.from(before.rows));
    expect(Array.from(after.distances)).toEqual(Array.from(before.distances));
    idx.dispose?.();
  });
});
