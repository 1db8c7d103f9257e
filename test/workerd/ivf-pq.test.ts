/**
 * IVF_PQ at the edge, over REST v2 in workerd: a collection indexed with IVF_PQ is flushed (the
 * shard leaders build the index into R2), its QueryNodes open the index by range (centroids and
 * codes in memory, the f32 rows re-ranked from R2 blocks through the isolate's block cache), and
 * searches — plain and filtered — reach recall@10 ≥ 0.9 against an exact oracle computed here,
 * with distances that are exact L2 for the rows returned. Seeded; the seed is in the title.
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Random } from '../../packages/core/src/util/random.ts';
import { l2sq, workerdSeed } from './seeded.ts';

const seed = workerdSeed();
const DIM = 16;
const N = 2_000;
const K = 10;
const AUTH = { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' };

async function ok<T>(path: string, body: unknown): Promise<T> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) });
  const reply = (await res.json()) as { code: number; message?: string; data?: unknown };
  expect(reply.code, `${path}: ${reply.message} (seed ${seed})`).toBe(0);
  return reply.data as T;
}

/** Clustered vectors (PQ's use case): 12 centres, small spread, float32-exact. */
function dataset(rng: Random): { id: number; vector: number[]; n: number }[] {
  const centres = Array.from({ length: 12 }, () => Array.from({ length: DIM }, () => rng.next() * 2 - 1));
  return Array.from({ length: N }, (_, id) => {
    const c = centres[rng.int(centres.length)]!;
    return { id, vector: c.map((x) => Math.fround(x + (rng.next() - 0.5) * 0.3)), n: rng.int(10) };
  });
}

describe(`IVF_PQ over REST in workerd (seed ${seed})`, () => {
  it('builds at flush, serves by range from R2 and reaches the recall of exact search', async () => {
    const rng = new Random(seed);
    const rows = dataset(rng);
    await ok('collections/create', {
      collectionName: 'pq',
      schema: { fields: [
        { fieldName: 'id', dataType: 'Int64', isPrimary: true },
        { fieldName: 'vector', dataType: 'FloatVector', elementTypeParams: { dim: DIM } },
        { fieldName: 'n', dataType: 'Int32' },
      ] },
      indexParams: [{ fieldName: 'vector', indexName: 'vector', metricType: 'L2', indexType: 'IVF_PQ', params: { nlist: 16, m: 4, nbits: 8 } }],
    });
    for (let i = 0; i < N; i += 500) await ok('entities/insert', { collectionName: 'pq', data: rows.slice(i, i + 500) });
    await ok('collections/flush', { collectionName: 'pq' });
    const deadline = Date.now() + 120_000;
    for (;;) {
      const d = await ok<{ indexType: string; indexedRows: number; totalRows: number }[]>('indexes/describe', { collectionName: 'pq', indexName: 'vector' });
      expect(d[0]!.indexType).toBe('IVF_PQ');
      if (d[0]!.indexedRows === N) break;
      expect(Date.now(), `index never finished: ${JSON.stringify(d)} (seed ${seed})`).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 200));
    }
    let hit = 0;
    let total = 0;
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (let q = 0; q < 20; q++) {
      const query = rows[rng.int(N)]!.vector.map((x) => Math.fround(x + (rng.next() - 0.5) * 0.05));
      const filtered = q % 2 === 1;
      const pool = filtered ? rows.filter((r) => r.n < 5) : rows;
      const truth = new Set(pool.map((r) => ({ id: r.id, d: l2sq(r.vector, query) })).sort((a, b) => a.d - b.d || a.id - b.id).slice(0, K).map((r) => r.id));
      const got = await ok<{ id: number; distance: number }[]>('entities/search', {
        collectionName: 'pq', data: [query], limit: K, outputFields: ['n'], consistencyLevel: 'Strong',
        searchParams: { params: { nprobe: 16, refine_k: 8 } }, ...(filtered ? { filter: 'n < 5' } : {}),
      });
      expect(got).toHaveLength(K);
      for (const h of got) {
        const row = byId.get(Number(h.id))!;
        if (filtered) expect(row.n).toBeLessThan(5);
        // re-ranked from the f32 rows: the distance is exact (to float32 rounding)
        expect(h.distance).toBeCloseTo(l2sq(row.vector, query), 3);
        if (truth.has(row.id)) hit++;
      }
      total += K;
    }
    expect(hit / total, `recall@${K} (seed ${seed})`).toBeGreaterThanOrEqual(0.9);
  }, 180_000);
});
