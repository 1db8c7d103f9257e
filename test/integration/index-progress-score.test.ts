/**
 * Two Milvus semantics the embedded client must not blur (issue 18):
 * - describeIndex counts sealed (flushed) segments only, as Milvus's DataCoord does: rows that
 *   were only inserted are in no count, so `Finished` always comes with indexed = total rows.
 * - A user field or dynamic key named `score` comes back as itself in search hits (the Node
 *   SDK's order: output fields after the score); the distances then come in `distances`.
 *   Oracle: the same search without `score` among the outputs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DataType, Random, testSeed, type VesperClient } from '@vesper/core';
import { cleanup, memoryDb } from '../fixtures/open.ts';

afterAll(cleanup);

const seed = testSeed();
const rng = new Random(seed);
const vec = (): number[] => [rng.next(), rng.next(), rng.next(), rng.next()];

async function described(db: VesperClient, collection: string): Promise<{ state: string; indexed_rows: string; total_rows: string; pending_index_rows: string }> {
  return (await db.describeIndex({ collection_name: collection })).index_descriptions[0]!;
}

async function finished(db: VesperClient, collection: string) {
  let d = await described(db, collection);
  for (let i = 0; i < 300 && d.state !== 'Finished'; i++) {
    await new Promise((r) => setTimeout(r, 20));
    d = await described(db, collection);
  }
  return d;
}

describe('describeIndex row counts', () => {
  it('counts only sealed rows: growing rows are in no count, Finished means indexed = total', async () => {
    const db = await memoryDb();
    await db.createCollection({ collection_name: 'ip', dimension: 4, metric_type: 'L2' });
    await db.insert({ collection_name: 'ip', data: [{ id: 1, vector: vec() }, { id: 2, vector: vec() }] });
    expect(await described(db, 'ip')).toMatchObject({ state: 'Finished', indexed_rows: '0', total_rows: '0', pending_index_rows: '0' });
    await db.flush({ collection_names: ['ip'] });
    expect(await finished(db, 'ip')).toMatchObject({ state: 'Finished', indexed_rows: '2', total_rows: '2', pending_index_rows: '0' });
    // more growing rows after the flush change nothing until they are sealed too
    await db.insert({ collection_name: 'ip', data: [{ id: 3, vector: vec() }] });
    expect(await described(db, 'ip')).toMatchObject({ state: 'Finished', indexed_rows: '2', total_rows: '2', pending_index_rows: '0' });
    await db.flush({ collection_names: ['ip'] });
    expect(await finished(db, 'ip')).toMatchObject({ state: 'Finished', indexed_rows: '3', total_rows: '3', pending_index_rows: '0' });
    await db.close();
  });
});

describe(`a field named score in search hits (seed ${seed})`, () => {
  const rows = Array.from({ length: 40 }, (_, id) => ({ id, score: id * 10 + 0.5, vector: vec() }));

  it('a schema field: its own value under `score`, the distances in `distances`, nq > 1 too', async () => {
    const db = await memoryDb();
    await db.createCollection({
      collection_name: 'sf',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'score', data_type: DataType.Double },
        { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
      ],
      index_params: [{ field_name: 'vector', index_type: 'FLAT', metric_type: 'L2' }],
    });
    await db.insert({ collection_name: 'sf', data: rows.slice(0, 25) });
    await db.flush({ collection_names: ['sf'] });
    await db.insert({ collection_name: 'sf', data: rows.slice(25) });
    const q = [vec(), vec()];
    const plain = await db.search({ collection_name: 'sf', data: q, limit: 7, consistency_level: 'Strong' });
    expect(plain.distances).toBeUndefined();
    const withScore = await db.search({ collection_name: 'sf', data: q, limit: 7, output_fields: ['score'], consistency_level: 'Strong' });
    const a = plain.results as { id: string; score: number }[][];
    const b = withScore.results as { id: string; score: number }[][];
    expect(b.map((l) => l.map((h) => h.id))).toEqual(a.map((l) => l.map((h) => h.id)));
    expect(b.map((l) => l.map((h) => h.score))).toEqual(b.map((l) => l.map((h) => rows[Number(h.id)]!.score)));
    expect(withScore.distances).toEqual(a.map((l) => l.map((h) => h.score)));
    await db.close();
  });

  it('a dynamic key: the user value where the row has it, absent where not; the iterator still pages in distance order', async () => {
    const db = await memoryDb();
    await db.createCollection({ collection_name: 'dk', dimension: 4, metric_type: 'L2', enable_dynamic_field: true });
    const data = rows.map((r) => (r.id % 3 === 0 ? { id: r.id, vector: r.vector } : r));
    await db.insert({ collection_name: 'dk', data });
    const q = vec();
    const plain = (await db.search({ collection_name: 'dk', data: q, limit: 40, consistency_level: 'Strong' })).results as { id: string; score: number }[];
    const res = await db.search({ collection_name: 'dk', data: q, limit: 40, output_fields: ['score'], consistency_level: 'Strong' });
    const hits = res.results as Record<string, unknown>[];
    expect(hits.map((h) => h['id'])).toEqual(plain.map((h) => h.id));
    for (const h of hits) {
      const id = Number(h['id']);
      if (id % 3 === 0) expect(Object.hasOwn(h, 'score'), `row ${id}`).toBe(false);
      else expect(h['score']).toBe(rows[id]!.score);
    }
    expect(res.distances).toEqual([plain.map((h) => h.score)]);

    const pages: Record<string, unknown>[][] = [];
    for await (const page of await db.searchIterator({ collection_name: 'dk', data: q, batchSize: 6, output_fields: ['score'], consistency_level: 'Strong' })) pages.push(page);
    expect(pages.flat().map((h) => h['id'])).toEqual(plain.map((h) => h.id));
    await db.close();
  });

  it('hybrid search: the user value under `score`, the fused scores in `distances`', async () => {
    const db = await memoryDb();
    await db.createCollection({
      collection_name: 'hy',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'score', data_type: DataType.Double },
        { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
        { name: 'v2', data_type: DataType.FloatVector, dim: 4 },
      ],
      index_params: [
        { field_name: 'vector', index_type: 'FLAT', metric_type: 'L2' },
        { field_name: 'v2', index_type: 'FLAT', metric_type: 'IP' },
      ],
    });
    await db.insert({ collection_name: 'hy', data: rows.map((r) => ({ ...r, v2: vec() })) });
    const req = { collection_name: 'hy', data: [{ data: [vec()], anns_field: 'vector' }, { data: [vec()], anns_field: 'v2' }], rerank: { strategy: 'rrf' as const, params: { k: 60 } }, limit: 5, consistency_level: 'Strong' as const };
    const plain = (await db.hybridSearch(req)).results as { id: string; score: number }[];
    const res = await db.hybridSearch({ ...req, output_fields: ['score'] });
    expect((res.results as { id: string; score: number }[]).map((h) => [h.id, h.score])).toEqual(plain.map((h) => [h.id, rows[Number(h.id)]!.score]));
    expect(res.distances).toEqual([plain.map((h) => h.score)]);
    await db.close();
  });
});
