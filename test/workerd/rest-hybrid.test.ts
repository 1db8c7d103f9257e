/**
 * REST hybrid search through the Worker's fetch handler in workerd: `offset` skips the first
 * fused hits, `entities/advanced_search` (the endpoint's older name) answers like
 * `entities/hybrid_search`, and a sub-search's `outputFields` (sent by Milvus's own tests) is
 * read. Oracle: exact L2 top-k per vector field computed here, fused with RRF here
 * (Σ 1/(k + rank), rank from 1); every returned hit must carry its oracle score, and the page
 * must hold the oracle's scores at [offset, offset + limit) — ties in fused scores may order
 * equal-scored keys either way, so keys are checked through their scores.
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Random } from '../../packages/core/src/util/random.ts';
import { exactTopK, randomVector, workerdSeed } from './seeded.ts';

type Reply = { code: number; message?: string; data?: unknown; topks?: number[] };

async function post(path: string, body: unknown): Promise<Reply> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer root:Milvus' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Reply;
}

const seed = workerdSeed();
const DIM = 4;
const NB = 300;
const K = 10;
const SUB_LIMIT = 60;

describe(`REST hybrid search offset and advanced_search (seed ${seed})`, () => {
  const rng = new Random(seed);
  const rows = Array.from({ length: NB }, (_, id) => ({ id, tag: id % 7, a: randomVector(rng, DIM), b: randomVector(rng, DIM) }));
  const qa = randomVector(rng, DIM);
  const qb = randomVector(rng, DIM);

  /** RRF of the exact per-field top SUB_LIMIT lists: id → fused score. */
  function oracle(): Map<number, number> {
    const fused = new Map<number, number>();
    const lists = [exactTopK(rows.map((r) => ({ id: r.id, vector: r.a })), qa, SUB_LIMIT), exactTopK(rows.map((r) => ({ id: r.id, vector: r.b })), qb, SUB_LIMIT)];
    for (const list of lists) list.forEach((id, i) => fused.set(id, (fused.get(id) ?? 0) + 1 / (K + i + 1)));
    return fused;
  }

  const body = (extra: Record<string, unknown>) => ({
    collectionName: 'hyb_off',
    search: [
      { data: [qa], annsField: 'a', limit: SUB_LIMIT, outputFields: ['*'] },
      { data: [qb], annsField: 'b', limit: SUB_LIMIT, outputFields: ['*'] },
    ],
    rerank: { strategy: 'rrf', params: { k: K } },
    outputFields: ['tag'],
    consistencyLevel: 'Strong',
    ...extra,
  });

  it('skips the first offset fused hits; the page holds the oracle ranks [offset, offset + limit)', async () => {
    const create = await post('collections/create', {
      collectionName: 'hyb_off',
      schema: { fields: [
        { fieldName: 'id', dataType: 'Int64', isPrimary: true },
        { fieldName: 'tag', dataType: 'Int64' },
        { fieldName: 'a', dataType: 'FloatVector', elementTypeParams: { dim: DIM } },
        { fieldName: 'b', dataType: 'FloatVector', elementTypeParams: { dim: DIM } },
      ] },
      indexParams: [
        { fieldName: 'a', indexName: 'a', metricType: 'L2', indexType: 'FLAT' },
        { fieldName: 'b', indexName: 'b', metricType: 'L2', indexType: 'FLAT' },
      ],
    });
    expect(create.code, create.message).toBe(0);
    expect((await post('entities/insert', { collectionName: 'hyb_off', data: rows })).code).toBe(0);

    const want = oracle();
    const ranked = [...want.values()].sort((x, y) => y - x);
    for (const [offset, limit] of [[0, 10], [20, 10], [95, 30]] as const) {
      const r = await post('entities/hybrid_search', body({ offset, limit }));
      expect(r.code, r.message).toBe(0);
      const hits = r.data as { id: number; tag: number; distance: number }[];
      const expected = ranked.slice(offset, offset + limit);
      expect(hits.length, `offset ${offset}`).toBe(expected.length);
      expect(r.topks).toEqual([expected.length]);
      hits.forEach((h, i) => {
        expect(h.distance, `offset ${offset} rank ${i}`).toBeCloseTo(expected[i]!, 6);
        expect(want.get(h.id), `id ${h.id}`).toBeCloseTo(h.distance, 6);
        expect(h.tag).toBe(h.id % 7);
      });
    }
    // past the fused hits: an empty page, not an error
    const past = await post('entities/hybrid_search', body({ offset: want.size + 5, limit: 10 }));
    expect([past.code, past.data]).toEqual([0, []]);
  });

  it("refuses offset out of range with Milvus's REST code (65535) or the format code (1801)", async () => {
    for (const extra of [{ offset: -1, limit: 10 }, { offset: 16385, limit: 10 }, { offset: 16300, limit: 100 }]) {
      const r = await post('entities/hybrid_search', body(extra));
      expect(r.code, JSON.stringify(extra)).toBe(65535);
      expect(r.message).toMatch(/offset|invalid/);
    }
    const text = await post('entities/hybrid_search', body({ offset: 'abc', limit: 10 }));
    expect(text.code).toBe(1801);
    expect(text.message).toContain('offset');
    // a sub-search's outputFields must still be a list of names
    const bad = await post('entities/hybrid_search', { ...body({ limit: 10 }), search: [{ data: [qa], annsField: 'a', limit: 5, outputFields: 'tag' }] });
    expect(bad.code).toBe(1801);
  });

  it('entities/advanced_search is hybrid_search under its older name, unknown keys refused alike', async () => {
    const req = body({ offset: 3, limit: 12 });
    const hybrid = await post('entities/hybrid_search', req);
    const advanced = await post('entities/advanced_search', req);
    expect(advanced.code, advanced.message).toBe(0);
    expect(advanced.data).toEqual(hybrid.data);
    expect(advanced.topks).toEqual([12]);
    const unknown = await post('entities/advanced_search', { ...req, rerankk: 1 });
    expect(unknown.code).toBe(1100);
    expect(unknown.message).toContain('rerankk');
  });
});
