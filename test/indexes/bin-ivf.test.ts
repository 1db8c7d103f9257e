/**
 * BIN_IVF_FLAT against exact search (BIN_FLAT, itself checked against the TypeScript oracle):
 * probing every list gives BIN_FLAT's hits exactly (rows and distances, plain, filtered and
 * range), nprobe 16 of 64 lists reaches recall@10 ≥ 0.9 on clustered bits, small segments build
 * with fewer lists, files reopen to the same answers, and bad params, metrics and files are
 * coded errors. Seed: VESPER_SEED (printed in the titles).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testSeed } from '../../packages/core/src/util/random.ts';
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import type { MetricType } from '../../packages/core/src/schema/types.ts';
import type { BinaryVectorColumn } from '../../packages/core/src/schema/columns.ts';
import { loadKernelsNode } from '../../packages/core/src/node/kernels.ts';
import { BinIvfIndex, SUPPORTED_INDEX_TYPES, chooseAutoIndex, getIndexFactory, openIndex } from '../../packages/core/src/index/index.ts';
import type { TopK, VectorIndex } from '../../packages/core/src/index/index.ts';
import { bruteForce } from './oracle.ts';
import { clusteredBinary, randomAllow } from './fixtures.ts';

const seed = testSeed(process.env.VESPER_SEED);
const N = 5000;
const DIM = 128;
const NB = DIM / 8;
const NQ = 40;
const K = 10;
const NLIST = 64;

beforeAll(async () => {
  await loadKernelsNode();
});

// 100 prototypes, 15% of bits flipped: more clusters than lists, so probing few lists misses some
const bits = clusteredBinary(seed, N + NQ, DIM, 100, 0.15);
const col: BinaryVectorColumn = { type: DataType.BinaryVector, length: N, dim: DIM, data: bits.subarray(0, N * NB) };
const queries = bits.slice(N * NB);
const code = (error: string): unknown => expect.objectContaining({ error });

function same(a: TopK, b: TopK, what: string): void {
  expect(Array.from(a.rows), `${what}: rows (seed ${seed})`).toEqual(Array.from(b.rows));
  expect(Array.from(a.distances), `${what}: distances (seed ${seed})`).toEqual(Array.from(b.distances));
}

/**
 * Recall@k counting ties: a hit is a row whose distance is within the exact k-th distance
 * (HAMMING distances are small integers and tie a lot, so which of the tied rows is returned
 * is not a recall question).
 */
function recallWithTies(got: TopK, exact: TopK, k: number): number {
  let hit = 0;
  for (let q = 0; q < got.nq; q++) {
    const kth = exact.distances[q * k + k - 1]!;
    for (let i = 0; i < k; i++) if (got.rows[q * k + i]! >= 0 && got.distances[q * k + i]! <= kth) hit++;
  }
  return hit / (got.nq * k);
}

describe(`BIN_IVF_FLAT vs exact search (seed ${seed})`, () => {
  for (const metric of ['HAMMING', 'JACCARD'] as MetricType[]) {
    it(`${metric}: nprobe = nlist equals BIN_FLAT (plain, filtered, range); nprobe 16 reaches recall@10 >= 0.9; reopen`, async () => {
      const flat = await getIndexFactory('BIN_FLAT').build(col, metric, {});
      const ivf = await getIndexFactory('BIN_IVF_FLAT').build(col, metric, { nlist: String(NLIST) });
      expect(ivf).toBeInstanceOf(BinIvfIndex);
      expect((ivf as BinIvfIndex).nlist).toBe(NLIST);
      const reopened = await openIndex(ivf.serialize());
      expect(reopened.indexType).toBe('BIN_IVF_FLAT');
      const all = { params: { nprobe: NLIST } };
      const exact = flat.search(queries, NQ, K);
      // BIN_FLAT itself against the oracle (ties by lower row, as the kernel's heap orders them)
      const truth = bruteForce(metric, col.data, N, NB, queries, NQ, K);
      expect(Array.from(exact.distances)).toEqual(Array.from(truth.distances, (d) => Math.fround(d)));
      if (metric === 'HAMMING') expect(Array.from(exact.rows)).toEqual(Array.from(truth.rows));
      for (const ix of [ivf, reopened]) {
        same(ix.search(queries, NQ, K, all), exact, `${metric} nprobe=nlist`);
        same(ix.search(queries, NQ, K, { params: { nprobe: 65536 } }), exact, `${metric} nprobe 65536 clamps to nlist`);
        for (const ratio of [0.3, 0.01]) {
          const allow = randomAllow(seed + 7, N, ratio);
          same(ix.search(queries, NQ, K, { ...all, allow }), flat.search(queries, NQ, K, { allow }), `${metric} filter ${ratio}`);
          const partial = ix.search(queries, NQ, K, { params: { nprobe: 8 }, allow });
          for (const r of partial.rows) if (r >= 0) expect(allow.get(r), `row ${r} passed a filter that excludes it (seed ${seed})`).toBe(true);
        }
      }
      // range search: a window from the 3rd to the 30th exact neighbour of each query
      const window = flat.search(queries, NQ, 40);
      for (let q = 0; q < NQ; q++) {
        const qv = queries.subarray(q * NB, (q + 1) * NB);
        const rangeFilter = window.distances[q * 40 + 2]!;
        const radius = window.distances[q * 40 + 29]! + (metric === 'HAMMING' ? 1 : 1e-6);
        const opts = { radius, rangeFilter };
        same(ivf.search(qv, 1, 50, { ...opts, params: { nprobe: NLIST } }), flat.search(qv, 1, 50, opts), `${metric} range q=${q}`);
      }
      const one = recallWithTies(ivf.search(queries, NQ, K, { params: { nprobe: 1 } }), exact, K);
      const approx = ivf.search(queries, NQ, K, { params: { nprobe: 16 } });
      const rec = recallWithTies(approx, exact, K);
      console.log(`BIN_IVF_FLAT ${metric} nlist ${NLIST}: recall@${K} nprobe 1 ${one.toFixed(3)}, nprobe 16 ${rec.toFixed(3)} (seed ${seed})`);
      expect(rec, `recall@${K} (seed ${seed})`).toBeGreaterThanOrEqual(0.9);
      expect(rec, `more lists, no fewer true neighbours (seed ${seed})`).toBeGreaterThanOrEqual(one);
      same(reopened.search(queries, NQ, K, { params: { nprobe: 16 } }), approx, `${metric} reopened nprobe 16`);
      expect(reopened.serialize()).toEqual(ivf.serialize());
      expect(ivf.bytesUsed()).toBeGreaterThan(N * NB);
      for (const ix of [flat, ivf, reopened]) ix.dispose?.();
    });
  }

  it('a segment smaller than nlist builds fewer lists and answers exactly (50 rows, nlist 512)', async () => {
    const small: BinaryVectorColumn = { ...col, length: 50 };
    const idx = await getIndexFactory('BIN_IVF_FLAT').build(small, 'HAMMING', { nlist: '512' });
    expect((idx as BinIvfIndex).nlist).toBe(1);
    const flat = await getIndexFactory('BIN_FLAT').build(small, 'HAMMING', {});
    same(idx.search(queries, NQ, K), flat.search(queries, NQ, K), '50 rows');
    const some = await getIndexFactory('BIN_IVF_FLAT').build({ ...col, length: 3000 }, 'JACCARD', { nlist: 512 });
    expect((some as BinIvfIndex).nlist).toBe(Math.floor(3000 / 39));
    const none = await getIndexFactory('BIN_IVF_FLAT').build({ ...col, length: 0 }, 'HAMMING', {});
    expect(Array.from(none.search(queries, 1, 3).rows)).toEqual([-1, -1, -1]);
    const reNone = await openIndex(none.serialize());
    expect(reNone.count).toBe(0);
    for (const ix of [idx, flat, some, none, reNone]) ix.dispose?.();
  });

  it('the same seed builds the same file; another seed other lists', async () => {
    const a = await getIndexFactory('BIN_IVF_FLAT').build({ ...col, length: 2000 }, 'HAMMING', { nlist: 16 });
    const b = await getIndexFactory('BIN_IVF_FLAT').build({ ...col, length: 2000 }, 'HAMMING', { nlist: 16 });
    const c = await getIndexFactory('BIN_IVF_FLAT').build({ ...col, length: 2000 }, 'HAMMING', { nlist: 16, seed: 7 });
    expect(a.serialize()).toEqual(b.serialize());
    expect(c.serialize()).not.toEqual(a.serialize());
  });
});

describe('BIN_IVF_FLAT errors', () => {
  const f = (): ReturnType<typeof getIndexFactory> => getIndexFactory('BIN_IVF_FLAT');

  it('is registered, listed, and not what AUTOINDEX picks', () => {
    expect(SUPPORTED_INDEX_TYPES).toContain('BIN_IVF_FLAT');
    expect(getIndexFactory('bin_ivf_flat').indexType).toBe('BIN_IVF_FLAT');
    expect(chooseAutoIndex(DataType.BinaryVector, 1_000_000).indexType).toBe('BIN_FLAT');
  });

  it('bad build params and float metrics are PARAMETER_INVALID, before any work', async () => {
    for (const metric of ['L2', 'IP', 'COSINE'] as MetricType[]) {
      expect(() => f().validateParams({ nlist: 8 }, metric)).toThrow(code('PARAMETER_INVALID'));
      await expect(f().build(col, metric, { nlist: 8 })).rejects.toEqual(code('PARAMETER_INVALID'));
    }
    for (const params of [{ nlist: 0 }, { nlist: 65537 }, { nlist: '1.5' }, { nlist: 'x' }, { nprobe_typo: 3 }, { seed: -1 }, { M: 16 }]) {
      expect(() => f().validateParams(params, 'HAMMING'), JSON.stringify(params)).toThrow(code('PARAMETER_INVALID'));
    }
    expect(() => f().validateParams({ nlist: '65536', seed: '3' }, 'JACCARD')).not.toThrow();
    const floats = { type: DataType.FloatVector, length: 2, dim: 4, data: new Float32Array(8) } as const;
    await expect(f().build(floats, 'HAMMING', {})).rejects.toEqual(code('PARAMETER_INVALID'));
  });

  it('bad search params are PARAMETER_INVALID and leave the index as it was', async () => {
    const idx: VectorIndex = await f().build({ ...col, length: 1000 }, 'HAMMING', { nlist: 8 });
    const before = idx.search(queries, 2, 5);
    for (const nprobe of [0, 65537, 'two', 2.5]) {
      expect(() => idx.search(queries, 2, 5, { params: { nprobe } }), String(nprobe)).toThrow(code('PARAMETER_INVALID'));
    }
    expect(() => idx.search(new Float32Array(NB * 2), 2, 5)).toThrow(code('PARAMETER_INVALID'));
    same(idx.search(queries, 2, 5), before, 'after errors');
    expect(idx.search(queries, 2, 5, { params: { nprobe: '8' } }).rows).toEqual(before.rows);
  });

  it('corrupt files are FORMAT_CORRUPT', async () => {
    const bytes = (await f().build({ ...col, length: 500 }, 'HAMMING', { nlist: 4 })).serialize();
    const json = new TextDecoder().decode(bytes.subarray(16, 16 + new DataView(bytes.buffer).getUint32(12, true)));
    const rewrite = (from: string, to: string): Uint8Array => {
      expect(json).toContain(from);
      const out = bytes.slice();
      out.set(new TextEncoder().encode(json.replace(from, to.padEnd(from.length, ' '))), 16);
      return out;
    };
    expect(() => openIndex(rewrite('"metricType":"HAMMING"', '"metricType":"L2"'))).toThrow(code('FORMAT_CORRUPT'));
    expect(() => openIndex(rewrite('"nlist":4', '"nlist":5'))).toThrow(code('FORMAT_CORRUPT'));
    expect(() => openIndex(rewrite('"dim":128', '"dim":127'))).toThrow(code('FORMAT_CORRUPT'));
    expect(() => openIndex(bytes.subarray(0, bytes.length - 64))).toThrow(code('FORMAT_CORRUPT'));
    const flagged = bytes.slice();
    flagged[8] = 1; // FLAG_NORMALIZED: known, but not a BIN_IVF_FLAT writer's
    expect(() => openIndex(flagged)).toThrow(code('FORMAT_CORRUPT'));
  });
});
