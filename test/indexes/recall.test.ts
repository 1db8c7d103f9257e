/**
 * Recall of every index and metric against brute force (oracle.ts) on seeded clustered data,
 * without and with allow bitsets of several selectivities (down to ~0.1% of rows, which takes
 * the exact-over-survivors path), and again after serialize -> open. Seed: VESPER_SEED.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testSeed } from '../../packages/core/src/util/random.ts';
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import type { MetricType } from '../../packages/core/src/schema/types.ts';
import type { FloatVectorColumn } from '../../packages/core/src/schema/columns.ts';
import { loadKernelsNode } from '../../packages/core/src/node/kernels.ts';
import { getIndexFactory, openIndex } from '../../packages/core/src/index/index.ts';
import { bruteForce } from './oracle.ts';
import { clustered, randomAllow, recall } from './fixtures.ts';

const seed = testSeed(process.env.VESPER_SEED);
const N = 4000;
const DIM = 48; // not a multiple of 16: exercises the SIMD tails
const NQ = 40;
const K = 10;

beforeAll(async () => {
  await loadKernelsNode();
});

const cases: Array<{ type: string; build: Record<string, unknown>; search: Record<string, unknown>; min: number }> = [
  { type: 'FLAT', build: {}, search: {}, min: 0.999 },
  { type: 'HNSW', build: { M: 12, efConstruction: 100 }, search: { ef: 80 }, min: 0.95 },
  // SQ8 traversal + FP32 re-ranking: held to the HNSW thresholds (the same graph)
  { type: 'HNSW_SQ', build: { M: 12, efConstruction: 100, sq_type: 'SQ8', refine: true, refine_type: 'FP32' }, search: { ef: 80 }, min: 0.95 },
  { type: 'IVF_FLAT', build: { nlist: 32 }, search: { nprobe: 12 }, min: 0.93 },
  { type: 'IVF_SQ8', build: { nlist: 32 }, search: { nprobe: 12 }, min: 0.85 },
];
const metrics: MetricType[] = ['L2', 'IP', 'COSINE'];
const ratios = [1, 0.5, 0.1, 0.01, 0.002];

describe(`index recall vs brute force (seed ${seed})`, () => {
  const data = clustered(seed, N + NQ, DIM, { clusters: 20, rank: 12 });
  const base = data.subarray(0, N * DIM);
  const queries = data.slice(N * DIM);
  const column: FloatVectorColumn = { type: DataType.FloatVector, length: N, dim: DIM, data: base };

  for (const c of cases) {
    for (const metric of metrics) {
      it(`${c.type} ${metric}`, async () => {
        const factory = getIndexFactory(c.type);
        const idx = await factory.build(column, metric, c.build);
        const reopened = await openIndex(idx.serialize());
        expect(reopened.indexType).toBe(c.type);
        expect(reopened.count).toBe(N);
        expect(idx.bytesUsed()).toBeGreaterThan(0);
        for (const ratio of ratios) {
          const allow = ratio === 1 ? undefined : randomAllow(seed + Math.round(ratio * 1000), N, ratio);
          const truth = bruteForce(metric, base, N, DIM, queries, NQ, K, allow);
          const opts = { params: c.search, ...(allow ? { allow } : {}) };
          const got = idx.search(queries, NQ, K, opts);
          const r = recall(got.rows, truth.rows, NQ, K);
          // HNSW under raw IP: the -dot "distance" is not a metric, so the heuristic leaves some
          // low-norm rows with no in-links (hnswlib has the same limit); unfiltered top-k rarely
          // needs them, a filter that removes the high-norm hubs does. Known gap, see the report.
          const ipFiltered = c.type.startsWith('HNSW') && metric === 'IP' && ratio < 1 ? 0.85 : undefined;
          const min = ratio < 0.05 ? (c.type === 'IVF_SQ8' ? 0.97 : 0.999) : ipFiltered ?? (ratio < 1 && c.type === 'IVF_SQ8' ? c.min - 0.05 : c.min);
          expect(r, `${c.type} ${metric} ratio=${ratio} recall=${r} seed=${seed}`).toBeGreaterThanOrEqual(min);
          if (allow) for (const row of got.rows) if (row >= 0) expect(allow.get(row), `row ${row} not allowed, seed=${seed}`).toBe(true);
          // the first hit's distance agrees with the oracle (SQ8 is approximate)
          if (truth.rows[0] === got.rows[0] && c.type !== 'IVF_SQ8') {
            expect(Math.abs(got.distances[0]! - truth.distances[0]!)).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(truth.distances[0]!)));
          }
          const again = reopened.search(queries, NQ, K, opts);
          expect(Array.from(again.rows), `reopened ${c.type} ${metric} ratio=${ratio} seed=${seed}`).toEqual(Array.from(got.rows));
        }
        idx.dispose?.();
        reopened.dispose?.();
      });
    }
  }

  it('distances follow Milvus conventions (L2 ascending, IP/COSINE descending)', async () => {
    for (const metric of metrics) {
      const idx = await getIndexFactory('FLAT').build(column, metric, {});
      const got = idx.search(queries, 1, K);
      const d = Array.from(got.distances);
      const sorted = [...d].sort((a, b) => (metric === 'L2' ? a - b : b - a));
      expect(d).toEqual(sorted);
      idx.dispose?.();
    }
  });

  it('fewer allowed rows than k: unused slots are -1 / NaN', async () => {
    const idx = await getIndexFactory('HNSW').build(column, 'L2', { M: 8, efConstruction: 40 });
    const allow = randomAllow(seed, N, 0);
    allow.set(7);
    allow.set(99);
    const got = idx.search(queries, 2, K, { allow });
    expect(new Set(Array.from(got.rows.subarray(0, 2)))).toEqual(new Set([7, 99]));
    expect(got.rows[2]).toBe(-1);
    expect(Number.isNaN(got.distances[2]!)).toBe(true);
    idx.dispose?.();
  });
});
