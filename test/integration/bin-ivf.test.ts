/**
 * BIN_IVF_FLAT through the Node client, end to end: created on a BinaryVector field with nlist
 * given as a string (as Milvus's suites send it), built when segments seal, described, searched
 * with HAMMING and JACCARD (probing every list returns the exact answer, checked against an
 * oracle written here; a filter and range search too), reopened from disk with the same
 * answers; bad metrics and params are code 1100 and change nothing. Seed: VESPER_SEED.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DataType, Random, testSeed, type VesperClient } from '@vesper/core';
import { openDatabase } from '@vesper/core/node';
import { cleanup, tempDir } from '../fixtures/open.ts';

const seed = testSeed(process.env.VESPER_SEED);
const N = 1500;
const BYTES = 8;
const rng = new Random(seed);
const protos = Array.from({ length: 20 }, () => Array.from({ length: BYTES }, () => rng.int(256)));
const rows = Array.from({ length: N }, (_, id) => ({
  id,
  b: rng.pick(protos).map((x) => x ^ (rng.int(256) & rng.int(256) & rng.int(256))),
  n: rng.int(100),
}));

const pop = (v: number): number => v.toString(2).replace(/0/g, '').length;
function dist(metric: string, a: number[], b: number[]): number {
  let x = 0, and = 0, or = 0;
  for (let i = 0; i < a.length; i++) {
    x += pop(a[i]! ^ b[i]!);
    and += pop(a[i]! & b[i]!);
    or += pop(a[i]! | b[i]!);
  }
  return metric === 'HAMMING' ? x : or === 0 ? 0 : 1 - and / or;
}

/** Exact top `limit` (ties: the lower id, as the binary scans order them). */
function oracle(metric: string, q: number[], limit: number, keep: (r: (typeof rows)[number]) => boolean = () => true): { id: number; d: number }[] {
  return rows.filter(keep).map((r) => ({ id: r.id, d: Math.fround(dist(metric, q, r.b)) })).sort((x, y) => x.d - y.d || x.id - y.id).slice(0, limit);
}

afterAll(cleanup);

describe(`BIN_IVF_FLAT through the client (seed ${seed})`, () => {
  it('creates, builds, searches exactly with every list probed, reopens, refuses bad params', async () => {
    const dir = await tempDir();
    let db: VesperClient = await openDatabase({ path: dir });
    await db.createCollection({
      collection_name: 'bin',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'b', data_type: DataType.BinaryVector, dim: BYTES * 8 },
        { name: 'n', data_type: DataType.Int32 },
      ],
    });
    for (const bad of [
      { metric_type: 'L2', params: { nlist: '512' } },
      { metric_type: 'COSINE', params: { nlist: '512' } },
      { metric_type: 'HAMMING', params: { nlist: '0' } },
      { metric_type: 'HAMMING', params: { nlist: 65537 } },
      { metric_type: 'HAMMING', params: { nlist: 16, M: 8 } },
    ]) {
      await expect(db.createIndex({ collection_name: 'bin', field_name: 'b', index_type: 'BIN_IVF_FLAT', ...bad }), JSON.stringify(bad)).rejects.toMatchObject({ code: 1100 });
    }
    expect((await db.listIndexes({ collection_name: 'bin' })).indexes).toEqual([]);
    await db.createIndex({ collection_name: 'bin', field_name: 'b', index_type: 'BIN_IVF_FLAT', metric_type: 'HAMMING', params: { nlist: '512' } });
    await db.insert({ collection_name: 'bin', data: rows });
    await db.flush({ collection_names: ['bin'] });
    let d = (await db.describeIndex({ collection_name: 'bin', index_name: 'b' })).index_descriptions[0]!;
    for (let i = 0; i < 500 && d.state !== 'Finished'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      d = (await db.describeIndex({ collection_name: 'bin', index_name: 'b' })).index_descriptions[0]!;
    }
    expect(d).toMatchObject({ index_type: 'BIN_IVF_FLAT', metric_type: 'HAMMING', state: 'Finished', indexed_rows: String(N) });
    await db.loadCollection({ collection_name: 'bin' });

    const q = Array.from({ length: BYTES }, () => rng.int(256));
    const search = (extra: Record<string, unknown>): Promise<{ id: number; d: number }[]> =>
      db.search({ collection_name: 'bin', anns_field: 'b', data: q, limit: 15, consistency_level: 'Strong', ...extra } as never)
        .then((res) => (res.results as { id: unknown; score: number }[]).map((h) => ({ id: Number(h.id), d: h.score })));
    const all = { params: { nprobe: 65536 } };
    const exact = oracle('HAMMING', q, 15);
    expect(await search(all), `seed ${seed}`).toEqual(exact);
    expect(await search({ ...all, filter: 'n < 10' }), `seed ${seed}`).toEqual(oracle('HAMMING', q, 15, (r) => r.n < 10));
    const radius = exact[14]!.d + 1;
    const rangeFilter = exact[3]!.d;
    const inWindow = oracle('HAMMING', q, N).filter((h) => h.d >= rangeFilter && h.d < radius).slice(0, 15);
    expect(await search({ params: { nprobe: 65536, radius, range_filter: rangeFilter } }), `seed ${seed}`).toEqual(inWindow);
    // two lists may hold fewer than 15 rows (k-means lists are uneven): at most 15 hits, true distances, in order
    const approx = await search({ params: { nprobe: '2' } });
    expect(approx.length, `seed ${seed}`).toBeGreaterThan(0);
    expect(approx.length).toBeLessThanOrEqual(15);
    for (const h of approx) expect(h.d).toBe(dist('HAMMING', q, rows[h.id]!.b));
    for (let i = 1; i < approx.length; i++) expect(approx[i]!.d).toBeGreaterThanOrEqual(approx[i - 1]!.d);
    await expect(search({ params: { nprobe: 0 } })).rejects.toMatchObject({ code: 1100 });

    // reopen: the index file is read back, not rebuilt, and answers the same
    await db.close();
    db = await openDatabase({ path: dir });
    await db.loadCollection({ collection_name: 'bin' });
    expect(await search(all), `after reopen, seed ${seed}`).toEqual(exact);

    // JACCARD: a new index on the same field
    await db.releaseCollection({ collection_name: 'bin' });
    await db.dropIndex({ collection_name: 'bin', index_name: 'b' });
    await db.createIndex({ collection_name: 'bin', field_name: 'b', index_type: 'BIN_IVF_FLAT', metric_type: 'JACCARD', params: { nlist: 8 } });
    for (let i = 0; i < 500; i++) {
      d = (await db.describeIndex({ collection_name: 'bin', index_name: 'b' })).index_descriptions[0]!;
      if (d.state === 'Finished') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(d).toMatchObject({ index_type: 'BIN_IVF_FLAT', metric_type: 'JACCARD', state: 'Finished' });
    await db.loadCollection({ collection_name: 'bin' });
    expect(await search({ params: { nprobe: 8 } }), `JACCARD seed ${seed}`).toEqual(oracle('JACCARD', q, 15));
    await db.close();
  }, 60_000);
});
