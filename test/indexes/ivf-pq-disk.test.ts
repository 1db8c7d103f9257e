/**
 * IVF_PQ read by range: recall against brute force (oracle.ts) for every float metric, with
 * filters of several selectivities and range search, opened from an object store through a
 * block cache far smaller than its vectors; the cache never exceeds its ceiling; a torn file is
 * FORMAT_CORRUPT. Seed: VESPER_SEED (printed).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testSeed } from '../../packages/core/src/util/random.ts';
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import type { MetricType } from '../../packages/core/src/schema/types.ts';
import type { FloatVectorColumn } from '../../packages/core/src/schema/columns.ts';
import { loadKernelsNode } from '../../packages/core/src/node/kernels.ts';
import { MemoryObjectStore } from '../../packages/core/src/adapters/memory-object-store.ts';
import { BlockCache } from '../../packages/core/src/util/block-cache.ts';
import { objectRange } from '../../packages/core/src/util/block-file.ts';
import { getIndexFactory, openIndex } from '../../packages/core/src/index/index.ts';
import { ivfPqFactory, openIvfPq, openIvfPqSync, type IvfPqIndex } from '../../packages/core/src/index/ivf-pq-index.ts';
import type { IndexSearchParams } from '../../packages/core/src/index/vector-index.ts';
import { Bitset } from '../../packages/core/src/util/bitset.ts';
import { bruteForce } from './oracle.ts';
import { clustered, randomAllow, recall } from './fixtures.ts';

const seed = testSeed(process.env.VESPER_SEED);
const N = 6000;
const DIM = 32;
const NQ = 40;
const K = 10;
const BUILD = { nlist: 48, m: 8, nbits: 8 };
const SEARCH = { nprobe: 12, refine_k: 8 };

beforeAll(async () => {
  await loadKernelsNode();
});

async function search(idx: IvfPqIndex, q: Float32Array, nq: number, k: number, opts: IndexSearchParams): Promise<ReturnType<IvfPqIndex['search']>> {
  const release = await idx.prepareSearch(q, nq, k, opts);
  try {
    return idx.search(q, nq, k, opts);
  } finally {
    release();
  }
}

describe(`IVF_PQ by range vs brute force (seed ${seed})`, () => {
  const data = clustered(seed, N + NQ, DIM, { clusters: 24, rank: 12 });
  const base = data.subarray(0, N * DIM);
  const queries = data.slice(N * DIM);
  const column: FloatVectorColumn = { type: DataType.FloatVector, length: N, dim: DIM, data: base };

  for (const metric of ['L2', 'IP', 'COSINE'] as MetricType[]) {
    it(`${metric}: recall@10 >= 0.95 under a cache of 1/8 of the vectors, filters and range`, async () => {
      console.log(`ivf-pq-disk seed ${seed}`);
      const built = await getIndexFactory('IVF_PQ').build(column, metric, BUILD);
      const store = new MemoryObjectStore();
      await store.put('idx', built.serialize());
      const cap = Math.floor((N * DIM * 4) / 8);
      const cache = new BlockCache(cap);
      const idx = await openIvfPq(objectRange(store, 'idx'), cache);
      expect(idx.count).toBe(N);
      for (const ratio of [1, 0.3, 0.02]) {
        const allow = ratio === 1 ? undefined : randomAllow(seed + Math.round(ratio * 1000), N, ratio);
        const truth = bruteForce(metric, base, N, DIM, queries, NQ, K, allow);
        const opts = { params: SEARCH, ...(allow ? { allow } : {}) };
        const got = await search(idx, queries, NQ, K, opts);
        const r = recall(got.rows, truth.rows, NQ, K);
        expect(r, `${metric} ratio=${ratio} recall=${r} seed=${seed}`).toBeGreaterThanOrEqual(ratio < 0.05 ? 0.999 : 0.95);
        if (allow) for (const row of got.rows) if (row >= 0) expect(allow.get(row)).toBe(true);
        // re-ranked distances are exact
        if (got.rows[0] === truth.rows[0]) expect(Math.abs(got.distances[0]! - truth.distances[0]!)).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(truth.distances[0]!)));
        // the index built in memory answers the same
        expect(Array.from(built.search(queries, NQ, K, opts).rows)).toEqual(Array.from(got.rows));
        expect(cache.stats().residentBytes).toBeLessThanOrEqual(cap);
      }
      // range search: every hit inside the window, and they are the oracle's best ones in it
      const truth = bruteForce(metric, base, N, DIM, queries, 1, N);
      const tenth = truth.distances[9]!;
      const radius = metric === 'L2' ? tenth * 1.0001 : tenth - 1e-4 * Math.abs(tenth);
      const got = await search(idx, queries, 1, K, { params: SEARCH, radius });
      const inside = truth.all[0]!.filter(([, d]) => (metric === 'L2' ? d < radius : d > radius)).map(([r]) => r);
      const hits = Array.from(got.rows).filter((r) => r >= 0);
      expect(hits.length).toBeGreaterThanOrEqual(Math.min(K, inside.length) - 1);
      for (const r of hits) expect(inside).toContain(r);
      const s = cache.stats();
      expect(s.residentBytes).toBeLessThanOrEqual(cap);
      expect(s.bytesRead).toBeGreaterThan(0);
      // whole-file open answers the same as open by range
      const whole = await openIndex(built.serialize());
      expect(whole.indexType).toBe('IVF_PQ');
      expect(Array.from(whole.search(queries, NQ, K, { params: SEARCH }).rows)).toEqual(Array.from((await search(idx, queries, NQ, K, { params: SEARCH })).rows));
    });
  }

  it('the WASM scan answers as its TypeScript twin path (every metric, nbits 4 and 8, filtered)', async () => {
    for (const metric of ['L2', 'IP', 'COSINE'] as MetricType[]) {
      for (const nbits of [4, 8]) {
        const built = await getIndexFactory('IVF_PQ').build(column, metric, { ...BUILD, nbits });
        const bytes = built.serialize();
        const wasm = openIvfPqSync(bytes);
        const ts = openIvfPqSync(bytes, { kernel: 'ts' });
        const allow = randomAllow(seed + nbits, N, 0.5);
        for (const opts of [{ params: SEARCH }, { params: SEARCH, allow }]) {
          const a = wasm.search(queries, NQ, K, opts);
          const b = ts.search(queries, NQ, K, opts);
          // the re-rank is exact and shared: the candidate sets match up to f32 rounding of near-ties
          let same = 0;
          for (let qi = 0; qi < NQ; qi++) {
            const want = new Set(Array.from(b.rows.subarray(qi * K, (qi + 1) * K)));
            for (const r of a.rows.subarray(qi * K, (qi + 1) * K)) if (want.has(r)) same++;
          }
          expect(same / (NQ * K), `${metric} nbits=${nbits} filtered=${opts !== undefined && 'allow' in opts} seed=${seed}`).toBeGreaterThanOrEqual(0.99);
        }
        for (const i of [built, wasm, ts]) i.dispose?.();
      }
    }
  });

  it('search without prepareSearch on a cold index is a coded error, not a partial answer', async () => {
    const built = await getIndexFactory('IVF_PQ').build(column, 'L2', BUILD);
    const store = new MemoryObjectStore();
    await store.put('idx', built.serialize());
    const idx = await ivfPqFactory(new BlockCache(0)).openRange(objectRange(store, 'idx'));
    expect(() => idx.search(queries, 1, K)).toThrow(expect.objectContaining({ error: 'INTERNAL' }) as Error);
  });

  it('a byte flipped in the vectors region is FORMAT_CORRUPT at search; in the codes, at open', async () => {
    const built = await getIndexFactory('IVF_PQ').build(column, 'L2', BUILD);
    const bytes = built.serialize().slice();
    const store = new MemoryObjectStore();
    const torn = bytes.slice();
    torn[torn.length - 100]! ^= 1; // the vectors section is last
    await store.put('torn', torn);
    const idx = await openIvfPq(objectRange(store, 'torn'), new BlockCache(1 << 20));
    // a search allowed one row reads only that row's block: rows stored outside the torn block
    // still answer (the vectors are stored by list, so which rows share the torn block depends
    // on the seed; of 16 rows most live elsewhere)
    let answered = 0;
    for (let r = 0; r < 16; r++) {
      const one = new Bitset(N);
      one.set(r);
      try {
        const release = await idx.prepareSearch(queries, 1, K, { allow: one, params: { nprobe: BUILD.nlist } });
        release();
        answered++;
      } catch (e) {
        expect(e).toMatchObject({ error: 'FORMAT_CORRUPT' });
      }
    }
    expect(answered, `seed=${seed}`).toBeGreaterThan(0);
    // an exact search over every row reads every block
    let failed: unknown;
    try {
      const everything = randomAllow(seed, N, 1);
      await idx.prepareSearch(queries, 1, N >> 6, { allow: everything, params: { nprobe: BUILD.nlist, refine_k: 64 } });
    } catch (e) {
      failed = e;
    }
    expect(failed).toMatchObject({ error: 'FORMAT_CORRUPT' });
    const header = new TextDecoder().decode(bytes.subarray(16, 16 + new DataView(bytes.buffer).getUint32(12, true)));
    const codes = (JSON.parse(header) as { sections: { name: string; offset: number }[] }).sections.find((s) => s.name === 'codes')!;
    const bad = bytes.slice();
    bad[codes.offset + 3]! ^= 1;
    await store.put('bad', bad);
    await expect(openIvfPq(objectRange(store, 'bad'))).rejects.toMatchObject({ error: 'FORMAT_CORRUPT' });
  });

  it('bad params are PARAMETER_INVALID naming the param; build reports progress and cancels', async () => {
    const f = getIndexFactory('IVF_PQ');
    await expect(f.build(column, 'L2', { m: 7 })).rejects.toMatchObject({ error: 'PARAMETER_INVALID', details: { param: 'm' } });
    await expect(f.build(column, 'L2', { nbits: 9 })).rejects.toMatchObject({ error: 'PARAMETER_INVALID', details: { param: 'nbits' } });
    const idx = await f.build(column, 'L2', BUILD);
    expect(() => idx.search(queries, 1, K, { params: { refine_k: 0.5 } })).toThrow(expect.objectContaining({ error: 'PARAMETER_INVALID' }) as Error);
    const seen: number[] = [];
    await f.build(column, 'L2', BUILD, { onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    const ac = new AbortController();
    const p = f.build(column, 'L2', BUILD, { onProgress: (x) => { if (x > 0.2) ac.abort(); }, signal: ac.signal });
    await expect(p).rejects.toMatchObject({ error: 'CANCELLED' });
    // cancelled while the codebooks are trained, and while the rows are encoded
    for (const at of [0.45, 0.7]) {
      const late = new AbortController();
      const q = f.build(column, 'L2', BUILD, { onProgress: (x) => { if (x > at) late.abort(); }, signal: late.signal });
      await expect(q, `abort after ${at}`).rejects.toMatchObject({ error: 'CANCELLED' });
    }
  });

  it('a build is deterministic for a given seed (the same file bytes), and the seed matters', async () => {
    const f = getIndexFactory('IVF_PQ');
    const a = (await f.build(column, 'L2', { ...BUILD, seed: seed % 1000 })).serialize();
    const b = (await f.build(column, 'L2', { ...BUILD, seed: seed % 1000 })).serialize();
    const c = (await f.build(column, 'L2', { ...BUILD, seed: (seed % 1000) + 1 })).serialize();
    expect(Buffer.from(a).equals(Buffer.from(b)), `seed ${seed}`).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c)), `seed ${seed}`).toBe(false);
  });
});
