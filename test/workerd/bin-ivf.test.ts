/**
 * BIN_IVF_FLAT over REST v2 in workerd, as Milvus's REST suite asks for it: a BinaryVector
 * collection created with `indexParams` whose `params` carry `index_type: BIN_IVF_FLAT` and
 * `nlist: "512"` (a string, on segments of far fewer rows), rows inserted and flushed, the
 * index built into R2, searches with HAMMING answered exactly when every list is probed (the
 * distances of an oracle computed here) and with true distances at the default nprobe; a
 * float metric is a coded refusal. Seeded; the seed is in the title.
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Random } from '../../packages/core/src/util/random.ts';
import { workerdSeed } from './seeded.ts';

const seed = workerdSeed();
const BYTES = 8;
const N = 600;
const K = 10;
const AUTH = { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' };

async function post(path: string, body: unknown): Promise<{ code: number; message?: string; data?: unknown }> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) });
  return (await res.json()) as { code: number; message?: string; data?: unknown };
}

async function ok<T>(path: string, body: unknown): Promise<T> {
  const reply = await post(path, body);
  expect(reply.code, `${path}: ${reply.message} (seed ${seed})`).toBe(0);
  return reply.data as T;
}

function hamming(a: readonly number[], b: readonly number[]): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += (a[i]! ^ b[i]!).toString(2).replace(/0/g, '').length;
  return d;
}

describe(`BIN_IVF_FLAT over REST in workerd (seed ${seed})`, () => {
  it('creates with nlist "512", builds at flush, and searches with HAMMING', async () => {
    const rng = new Random(seed);
    const protos = Array.from({ length: 12 }, () => Array.from({ length: BYTES }, () => rng.int(256)));
    const rows = Array.from({ length: N }, (_, id) => ({ id, bv: rng.pick(protos).map((x) => x ^ (rng.int(256) & rng.int(256))) }));
    const fields = [
      { fieldName: 'id', dataType: 'Int64', isPrimary: true },
      { fieldName: 'bv', dataType: 'BinaryVector', elementTypeParams: { dim: BYTES * 8 } },
    ];
    const refused = await post('collections/create', {
      collectionName: 'bivf_l2', schema: { fields },
      indexParams: [{ fieldName: 'bv', indexName: 'bv', metricType: 'L2', params: { index_type: 'BIN_IVF_FLAT', nlist: '512' } }],
    });
    expect(refused.code, `${refused.message} (seed ${seed})`).toBe(1100);
    await ok('collections/create', {
      collectionName: 'bivf', schema: { fields },
      indexParams: [{ fieldName: 'bv', indexName: 'bv', metricType: 'HAMMING', params: { index_type: 'BIN_IVF_FLAT', nlist: '512' } }],
    });
    for (let i = 0; i < N; i += 200) await ok('entities/insert', { collectionName: 'bivf', data: rows.slice(i, i + 200) });
    await ok('collections/flush', { collectionName: 'bivf' });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const d = await ok<{ indexType: string; metricType: string; indexedRows: number }[]>('indexes/describe', { collectionName: 'bivf', indexName: 'bv' });
      expect([d[0]!.indexType, d[0]!.metricType]).toEqual(['BIN_IVF_FLAT', 'HAMMING']);
      if (d[0]!.indexedRows === N) break;
      expect(Date.now(), `index never finished: ${JSON.stringify(d)} (seed ${seed})`).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 200));
    }
    const byId = new Map(rows.map((r) => [r.id, r.bv]));
    for (let q = 0; q < 8; q++) {
      const query = rng.pick(protos).map((x) => x ^ (rng.int(256) & rng.int(256) & rng.int(256)));
      const exact = rows.map((r) => hamming(r.bv, query)).sort((a, b) => a - b).slice(0, K);
      const all = await ok<{ id: number; distance: number }[]>('entities/search', {
        collectionName: 'bivf', data: [query], annsField: 'bv', limit: K, consistencyLevel: 'Strong', searchParams: { metricType: 'HAMMING', params: { nprobe: '512' } },
      });
      // every list probed: the exact distances (which of several rows at a tied distance comes back may differ)
      expect(all.map((h) => h.distance), `q=${q} (seed ${seed})`).toEqual(exact);
      for (const h of all) expect(hamming(byId.get(Number(h.id))!, query)).toBe(h.distance);
      const some = await ok<{ id: number; distance: number }[]>('entities/search', {
        collectionName: 'bivf', data: [query], annsField: 'bv', limit: K, consistencyLevel: 'Strong',
      });
      expect(some).toHaveLength(K);
      for (const h of some) expect(hamming(byId.get(Number(h.id))!, query)).toBe(h.distance);
    }
    const bad = await post('entities/search', { collectionName: 'bivf', data: [rows[0]!.bv], annsField: 'bv', limit: K, searchParams: { params: { nprobe: 0 } } });
    expect(bad.code).toBe(1100);
  }, 120_000);
});
