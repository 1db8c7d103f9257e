/**
 * Index behaviour beyond recall: range search vs brute force (Milvus radius/range_filter
 * semantics), BIN_FLAT and exactSearch against the oracle, cancellation and progress,
 * coded errors for bad params/metrics/files, AUTOINDEX choices, SQ8 memory. Seed: VESPER_SEED.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testSeed } from '../../packages/core/src/util/random.ts';
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import type { MetricType } from '../../packages/core/src/schema/types.ts';
import type { BinaryVectorColumn, FloatVectorColumn } from '../../packages/core/src/schema/columns.ts';
import { loadKernelsNode } from '../../packages/core/src/node/kernels.ts';
import { chooseAutoIndex, exactSearch, getIndexFactory, openIndex } from '../../packages/core/src/index/index.ts';
import { bruteForce } from './oracle.ts';
import { clustered, randomAllow, randomBinary, recall } from './fixtures.ts';

const seed = testSeed(process.env.VESPER_SEED);
const N = 3000;
const DIM = 37;
const NQ = 20;

beforeAll(async () => {
  await loadKernelsNode();
});

const data = clustered(seed, N + NQ, DIM, { clusters: 10, rank: 8 });
const base = data.subarray(0, N * DIM);
const queries = data.slice(N * DIM);
const column: FloatVectorColumn = { type: DataType.FloatVector, length: N, dim: DIM, data: base };
const code = (error: string): unknown => expect.objectContaining({ error });

describe(`range search (seed ${seed})`, () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, number]> = [
    ['FLAT', {}, {}, 0.99],
    ['HNSW', { M: 12, efConstruction: 80 }, { ef: 64 }, 0.9],
    ['IVF_FLAT', { nlist: 16 }, { nprobe: 16 }, 0.99],
    ['IVF_SQ8', { nlist: 16 }, { nprobe: 16 }, 0.75],
  ];
  for (const [type, build, search, min] of cases) {
    for (const metric of ['L2', 'IP', 'COSINE'] as MetricType[]) {
      it(`${type} ${metric}: window (range_filter, radius) matches brute force`, async () => {
        const k = 10;
        const idx = await getIndexFactory(type).build(column, metric, build);
        const truthAll = bruteForce(metric, base, N, DIM, queries, NQ, N).all;
        let hit = 0;
        let total = 0;
        for (let q = 0; q < NQ; q++) {
          const hits = truthAll[q]!;
          // window from the 5th to the 40th neighbour: range_filter excludes the closest ones
          // (bounds between neighbours, so float32-vs-float64 rounding cannot flip a boundary row)
          const inner = (hits[4]![1] + hits[5]![1]) / 2;
          const outer = (hits[40]![1] + hits[41]![1]) / 2;
          const sim = metric !== 'L2';
          const opts = { radius: outer, rangeFilter: inner, params: search };
          const got = idx.search(queries.subarray(q * DIM, (q + 1) * DIM), 1, k, opts);
          const want = hits.filter(([, d]) => (sim ? d > outer && d <= inner : d >= inner && d < outer)).slice(0, k).map(([r]) => r);
          for (let i = 0; i < k; i++) {
            const d = got.distances[i]!;
            if (got.rows[i]! < 0) continue;
            const ok = sim ? d > outer - 1e-4 && d <= inner + 1e-4 : d >= inner - 1e-4 && d < outer + 1e-4;
            expect(ok, `${type} ${metric} q=${q} d=${d} window=(${inner}, ${outer}) seed=${seed}`).toBe(true);
          }
          const set = new Set(Array.from(got.rows));
          total += want.length;
          for (const r of want) if (set.has(r)) hit++;
        }
        expect(hit / total, `${type} ${metric} range recall seed=${seed}`).toBeGreaterThanOrEqual(min);
        idx.dispose?.();
      });
    }
  }

  it('rejects inconsistent windows with PARAMETER_INVALID', async () => {
    const idx = await getIndexFactory('FLAT').build(column, 'L2', {});
    expect(() => idx.search(queries, 1, 5, { radius: 1, rangeFilter: 2 })).toThrow(code('PARAMETER_INVALID'));
    expect(() => idx.search(queries, 1, 5, { rangeFilter: 2 })).toThrow(code('PARAMETER_INVALID'));
    const ip = await getIndexFactory('FLAT').build(column, 'IP', {});
    expect(() => ip.search(queries, 1, 5, { radius: 2, rangeFilter: 1 })).toThrow(code('PARAMETER_INVALID'));
  });
});

describe(`BIN_FLAT and exactSearch (seed ${seed})`, () => {
  for (const metric of ['HAMMING', 'JACCARD'] as MetricType[]) {
    it(`BIN_FLAT ${metric} equals brute force, with and without filters, after reopen`, async () => {
      const dim = 136;
      const nb = dim / 8;
      const bin = randomBinary(seed, N + NQ, dim);
      const col: BinaryVectorColumn = { type: DataType.BinaryVector, length: N, dim, data: bin.subarray(0, N * nb) };
      const qs = bin.slice(N * nb);
      const idx = await getIndexFactory('BIN_FLAT').build(col, metric, {});
      const reopened = await openIndex(idx.serialize());
      for (const ratio of [1, 0.3, 0.01]) {
        const allow = ratio === 1 ? undefined : randomAllow(seed + 7, N, ratio);
        const truth = bruteForce(metric, col.data, N, nb, qs, NQ, 10, allow);
        for (const ix of [idx, reopened]) {
          const got = ix.search(qs, NQ, 10, allow ? { allow } : undefined);
          for (let i = 0; i < NQ * 10; i++) {
            expect(Math.abs(got.distances[i]! - truth.distances[i]!) < 1e-5 || (Number.isNaN(got.distances[i]!) && Number.isNaN(truth.distances[i]!)), `i=${i} seed=${seed}`).toBe(true);
          }
        }
        const ex = exactSearch(col, metric, qs, NQ, 10, allow ? { allow } : undefined);
        expect(Array.from(ex.distances)).toEqual(Array.from(idx.search(qs, NQ, 10, allow ? { allow } : undefined).distances));
      }
    });
  }

  it('exactSearch over Float32, Float16 and Int8 columns', () => {
    const truth = bruteForce('L2', base, N, DIM, queries, NQ, 10);
    const got = exactSearch(column, 'L2', queries, NQ, 10);
    expect(recall(got.rows, truth.rows, NQ, 10)).toBeGreaterThanOrEqual(0.999);
    const allow = randomAllow(seed, N, 0.2);
    const tf = bruteForce('COSINE', base, N, DIM, queries, NQ, 10, allow);
    const gf = exactSearch(column, 'COSINE', queries, NQ, 10, { allow });
    expect(recall(gf.rows, tf.rows, NQ, 10)).toBeGreaterThanOrEqual(0.999);
    // Float16: exact halves (small integers) so the conversion is lossless
    const half = new Uint16Array([0x3c00, 0x4000, 0x0000, 0xbc00]); // 1, 2, 0, -1 as two 2-d rows
    const h = exactSearch({ type: DataType.Float16Vector, length: 2, dim: 2, data: half }, 'L2', new Uint16Array([0x0000, 0xbc00]), 1, 2);
    expect(Array.from(h.rows)).toEqual([1, 0]);
    expect(h.distances[0]).toBe(0);
    const i8 = exactSearch({ type: DataType.Int8Vector, length: 2, dim: 2, data: new Int8Array([1, 2, 0, -1]) }, 'IP', new Int8Array([1, 1]), 1, 1);
    expect(i8.rows[0]).toBe(0);
    expect(i8.distances[0]).toBe(3);
    expect(() => exactSearch(column, 'HAMMING', queries, 1, 10)).toThrow(code('PARAMETER_INVALID'));
  });
});

describe('build progress, cancellation, errors', () => {
  it('HNSW build reports monotonic progress ending at 1, and can be cancelled mid-build', async () => {
    const big = clustered(seed, 12000, 64);
    const col: FloatVectorColumn = { type: DataType.FloatVector, length: 12000, dim: 64, data: big };
    const seen: number[] = [];
    const ctrl = new AbortController();
    const p = getIndexFactory('HNSW').build(col, 'L2', { M: 16, efConstruction: 200 }, {
      signal: ctrl.signal,
      onProgress: (f) => {
        seen.push(f);
        if (f > 0 && f < 1) ctrl.abort();
      },
    });
    await expect(p).rejects.toEqual(code('CANCELLED'));
    expect(seen.length).toBeGreaterThan(0);
    const small = { ...col, length: 2000 };
    const progress: number[] = [];
    await getIndexFactory('HNSW').build(small, 'L2', { M: 8, efConstruction: 40 }, { onProgress: (f) => progress.push(f) });
    expect(progress.at(-1)).toBe(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);
  });

  it('an already-aborted signal cancels every index type before work', async () => {
    const ctrl = new AbortController();
    ctrl.abort();
    for (const t of ['FLAT', 'HNSW', 'IVF_FLAT', 'IVF_SQ8']) {
      await expect(getIndexFactory(t).build(column, 'L2', {}, { signal: ctrl.signal })).rejects.toEqual(code('CANCELLED'));
    }
    const ctrl2 = new AbortController();
    const p = getIndexFactory('IVF_FLAT').build(column, 'L2', { nlist: 64 }, { signal: ctrl2.signal });
    ctrl2.abort();
    await expect(p).rejects.toEqual(code('CANCELLED'));
  });

  it('unknown types, bad params and metrics are coded errors', () => {
    expect(() => getIndexFactory('DISKANN_X')).toThrow(code('INDEX_NOT_SUPPORTED'));
    expect(getIndexFactory('hnsw').indexType).toBe('HNSW');
    expect(() => getIndexFactory('HNSW').validateParams({ M: 1 }, 'L2')).toThrow(code('PARAMETER_INVALID'));
    expect(() => getIndexFactory('HNSW').validateParams({ M: 'x' }, 'L2')).toThrow(code('PARAMETER_INVALID'));
    expect(() => getIndexFactory('HNSW').validateParams({ M: '16', efConstruction: 100 }, 'L2')).not.toThrow();
    expect(() => getIndexFactory('HNSW').validateParams({}, 'HAMMING')).toThrow(code('PARAMETER_INVALID'));
    expect(() => getIndexFactory('IVF_FLAT').validateParams({ nlist: 0 }, 'L2')).toThrow(code('PARAMETER_INVALID'));
    expect(() => getIndexFactory('BIN_FLAT').validateParams({}, 'L2')).toThrow(code('PARAMETER_INVALID'));
  });

  it('bad search arguments and corrupt files are coded errors', async () => {
    const idx = await getIndexFactory('HNSW').build({ ...column, length: 500 }, 'L2', { M: 8, efConstruction: 40 });
    expect(() => idx.search(queries, 1, 10, { params: { ef: 0 } })).toThrow(code('PARAMETER_INVALID'));
    expect(() => idx.search(queries, 1, 0)).toThrow(code('PARAMETER_INVALID'));
    expect(() => idx.search(queries.subarray(0, 5), 1, 10)).toThrow(code('PARAMETER_INVALID'));
    const bytes = idx.serialize();
    const bad = bytes.slice();
    bad[0] = 0;
    expect(() => openIndex(bad)).toThrow(code('FORMAT_CORRUPT'));
    const future = bytes.slice();
    future[11] = 0x80; // an unknown feature flag
    expect(() => openIndex(future)).toThrow(code('FORMAT_UNSUPPORTED'));
    expect(() => openIndex(bytes.subarray(0, 40))).toThrow(code('FORMAT_CORRUPT'));
  });

  it('AUTOINDEX picks FLAT for small, HNSW for large float segments and BIN_FLAT for binary', async () => {
    expect(chooseAutoIndex(DataType.FloatVector, 100).indexType).toBe('FLAT');
    expect(chooseAutoIndex(DataType.FloatVector, 100000).indexType).toBe('HNSW');
    expect(chooseAutoIndex(DataType.BinaryVector, 100000).indexType).toBe('BIN_FLAT');
    const idx = await getIndexFactory('AUTOINDEX').build({ ...column, length: 1000 }, 'COSINE', {});
    expect(idx.indexType).toBe('FLAT');
    const re = await getIndexFactory('AUTOINDEX').open(idx.serialize());
    expect(re.indexType).toBe('FLAT');
  });

  it('IVF_SQ8 holds under 0.3x the float bytes per vector (dim 128)', async () => {
    const n = 4000;
    const d = clustered(seed, n, 128);
    const col: FloatVectorColumn = { type: DataType.FloatVector, length: n, dim: 128, data: d };
    const sq8 = await getIndexFactory('IVF_SQ8').build(col, 'L2', { nlist: 16 });
    expect(sq8.bytesUsed() / (n * 128 * 4)).toBeLessThanOrEqual(0.3);
  });
});
