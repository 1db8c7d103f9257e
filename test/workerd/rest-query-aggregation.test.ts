/**
 * REST query aggregation (`groupByFields` with `count(*)` and friends) through the Worker in
 * workerd: two shards, sealed and growing segments (the pool seals at 150 rows), so each
 * shard's rows come up and are grouped once at the top. Oracle: the groups computed here from
 * the rows inserted. Counts and integer sums are Int64 values (strings with
 * `Accept-Type-Allow-Int64: false`).
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

type Reply = { code: number; message?: string; data?: Record<string, unknown>[] };

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer root:Milvus', ...headers },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Reply;
}

const NB = 200;
const rows = Array.from({ length: NB }, (_, i) => ({ id: i, category: `category_${i % 5}`, price: 10 + (i % 10), score: (i * 17 + 11) % NB, vec: [i, 0] }));

describe('REST query aggregation', () => {
  it('groups rows by groupByFields with count(*), ordered by orderByFields, limit counting groups', async () => {
    const create = await post('collections/create', {
      collectionName: 'agg_rest',
      schema: { fields: [
        { fieldName: 'id', dataType: 'Int64', isPrimary: true },
        { fieldName: 'category', dataType: 'VarChar', elementTypeParams: { max_length: '32' } },
        { fieldName: 'price', dataType: 'Double' },
        { fieldName: 'score', dataType: 'Int64' },
        { fieldName: 'vec', dataType: 'FloatVector', elementTypeParams: { dim: '2' } },
      ] },
      indexParams: [{ fieldName: 'vec', indexName: 'vec', metricType: 'L2' }],
      params: { shardsNum: 2 },
    });
    expect(create.code, create.message).toBe(0);
    expect((await post('entities/insert', { collectionName: 'agg_rest', data: rows.slice(0, 160) })).code).toBe(0);
    expect((await post('collections/flush', { collectionName: 'agg_rest' })).code).toBe(0);
    expect((await post('entities/insert', { collectionName: 'agg_rest', data: rows.slice(160) })).code).toBe(0);

    // the official suite's request
    const r = await post('entities/query', {
      collectionName: 'agg_rest', filter: 'id >= 0', limit: 5, consistencyLevel: 'Strong',
      outputFields: ['category', 'count(*)'], groupByFields: ['category'], orderByFields: ['category:asc'],
    });
    expect(r.code, r.message).toBe(0);
    expect(r.data).toEqual([0, 1, 2, 3, 4].map((i) => ({ category: `category_${i}`, 'count(*)': NB / 5 })));

    // the oracle, with a filter, sums and a descending page
    const where = rows.filter((x) => x.score < 120);
    const want = [...new Set(where.map((x) => x.category))]
      .sort()
      .reverse()
      .map((category) => {
        const g = where.filter((x) => x.category === category);
        return { category, 'count(*)': g.length, 'sum(score)': g.reduce((s, x) => s + x.score, 0), 'max(price)': Math.max(...g.map((x) => x.price)), 'avg(price)': g.reduce((s, x) => s + x.price, 0) / g.length };
      });
    const page = await post('entities/query', {
      collectionName: 'agg_rest', filter: 'score < 120', offset: 1, limit: 3, consistencyLevel: 'Strong',
      outputFields: ['category', 'count(*)', 'sum(score)', 'max(price)', 'avg(price)'], groupByFields: ['category'], orderByFields: ['category:desc'],
    });
    expect(page.code, page.message).toBe(0);
    expect(page.data).toHaveLength(3);
    page.data!.forEach((row, i) => {
      const w = want[i + 1]!;
      expect({ ...row, 'avg(price)': undefined }).toEqual({ ...w, 'avg(price)': undefined });
      expect(row['avg(price)']).toBeCloseTo(w['avg(price)'], 9);
    });

    const asText = await post('entities/query', { collectionName: 'agg_rest', filter: 'id < 10', outputFields: ['count(*)', 'sum(score)'], groupByFields: [], consistencyLevel: 'Strong' }, { 'Accept-Type-Allow-Int64': 'false' });
    const ten = rows.slice(0, 10);
    expect(asText.data).toEqual([{ 'count(*)': '10', 'sum(score)': String(ten.reduce((s, x) => s + x.score, 0)) }]);
  });

  it('refuses a group field missing from outputFields and ordering by a non-group field (1100)', async () => {
    const base = { collectionName: 'agg_rest', filter: 'id >= 0', consistencyLevel: 'Strong' };
    expect((await post('entities/query', { ...base, outputFields: ['count(*)'], groupByFields: ['category'] })).code).toBe(1100);
    expect((await post('entities/query', { ...base, outputFields: ['category', 'count(*)'], groupByFields: ['category'], orderByFields: ['price:asc'] })).code).toBe(1100);
    expect((await post('entities/query', { ...base, outputFields: ['vec', 'count(*)'], groupByFields: ['vec'] })).code).toBe(1100);
  });
});
