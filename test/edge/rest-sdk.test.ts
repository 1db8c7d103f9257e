/**
 * End to end: the official Milvus Node SDK's HttpClient (unchanged) against the Vesper Worker
 * running locally on workerd (unstable_startWorker, loopback). Every endpoint family built so
 * far — collections, entities (insert/upsert/get/query/count/delete/search/range/grouping/
 * hybrid), partitions, indexes, aliases, databases — plus auth denial and bad inputs, each
 * answered with Milvus's code and changing nothing. One Worker per file, always disposed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '@zilliz/milvus2-sdk-node';
import { Random, testSeed } from '../../packages/core/src/index.ts';
import { startVesperWorker, type RunningWorker } from './worker-harness.ts';

const seed = testSeed();
const DIM = 8;
const N = 120;
const STRONG = { consistencyLevel: 'Strong' as const };

/** What every REST reply looks like. */
type Reply = { code: number; message?: string; data?: unknown; topks?: number[] };

/**
 * The SDK's own request types demand fields its runtime fills in (dbName, outputFields); the
 * test sends what a JavaScript caller would, so each method takes any request object here.
 */
type Loose = { [K in keyof HttpClient]: HttpClient[K] extends (...args: never[]) => Promise<infer R> ? (req?: object) => Promise<R & Reply> : HttpClient[K] };
const sdk = (config: ConstructorParameters<typeof HttpClient>[0]): Loose => new HttpClient(config) as unknown as Loose;

let worker: RunningWorker;
let client: Loose;

type Row = { id: number; vector: number[]; color: string; age: number };
const rng = new Random(seed);
const rows: Row[] = Array.from({ length: N }, (_, i) => ({
  id: 1000 + i,
  vector: Array.from({ length: DIM }, () => rng.next() * 2 - 1),
  color: ['red', 'green', 'blue'][i % 3]!,
  age: i % 50,
}));

const data = <T>(r: Reply): T => {
  expect(r.code, r.message).toBe(0);
  return r.data as T;
};
const count = async (collectionName: string, filter = ''): Promise<string> =>
  data<{ 'count(*)': string }[]>(await client.query({ collectionName, filter, outputFields: ['count(*)'], ...STRONG }))[0]!['count(*)'];

beforeAll(async () => {
  worker = await startVesperWorker();
  client = sdk({ endpoint: worker.endpoint, username: 'root', password: 'Milvus' });
}, 90_000);

afterAll(async () => {
  await worker?.dispose();
});

describe(`Milvus SDK HttpClient against the Vesper Worker (seed ${seed})`, () => {
  it('collections: create (quick + custom schema), list, has, describe, stats, load state, rename, flush, compact, properties', async () => {
    data(await client.createCollection({ collectionName: 'quick', dimension: DIM, metricType: 'L2' }));
    data(
      await client.createCollection({
        collectionName: 'people',
        schema: {
          autoId: false,
          enabledDynamicField: true,
          fields: [
            { fieldName: 'id', dataType: 'Int64', isPrimary: true },
            { fieldName: 'vector', dataType: 'FloatVector', elementTypeParams: { dim: DIM } },
            { fieldName: 'color', dataType: 'VarChar', elementTypeParams: { max_length: 16 } },
            { fieldName: 'age', dataType: 'Int32' },
          ],
        },
        indexParams: [{ fieldName: 'vector', indexName: 'vec_idx', metricType: 'L2', indexType: 'FLAT' }],
      } as never),
    );
    expect(data<string[]>(await client.listCollections({})).sort()).toEqual(['people', 'quick']);
    expect(data(await client.hasCollection({ collectionName: 'people' }))).toEqual({ has: true });
    expect(data(await client.hasCollection({ collectionName: 'nope' }))).toEqual({ has: false });
    const d = data<Record<string, unknown>>(await client.describeCollection({ collectionName: 'people' }));
    expect(d).toMatchObject({ collectionName: 'people', autoId: false, enableDynamicField: true, load: 'LoadStateLoaded', shardsNum: 1 });
    expect((d['fields'] as { name: string; type: string; primaryKey: boolean }[]).map((f) => [f.name, f.type, f.primaryKey])).toEqual([
      ['id', 'Int64', true],
      ['vector', 'FloatVector', false],
      ['color', 'VarChar', false],
      ['age', 'Int32', false],
    ]);
    expect(d['indexes']).toEqual([{ indexName: 'vec_idx', fieldName: 'vector', metricType: 'L2' }]);
    expect(data(await client.getCollectionLoadState({ collectionName: 'people' }))).toMatchObject({ loadState: 'LoadStateLoaded' });
    data(await client.alterCollectionProperties({ collectionName: 'quick', properties: { 'collection.ttl.seconds': 60 } } as never));
    const props = data<{ properties: { key: string; value: string }[] }>(await client.describeCollection({ collectionName: 'quick' })).properties;
    expect(props).toContainEqual({ key: 'collection.ttl.seconds', value: '60' });
    data(await client.renameCollection({ collectionName: 'quick', newCollectionName: 'quick2' }));
    expect(data(await client.hasCollection({ collectionName: 'quick' }))).toEqual({ has: false });
    data(await client.dropCollection({ collectionName: 'quick2' }));
    data(await client.dropCollection({ collectionName: 'quick2' })); // idempotent
  });

  it('entities: insert, exact top-1, filters, get, upsert, delete then count, stats', async () => {
    const ins = data<{ insertCount: number; insertIds: string[] }>(await client.insert({ collectionName: 'people', data: rows }));
    expect(ins.insertCount).toBe(N);
    expect(ins.insertIds).toEqual(rows.map((r) => String(r.id)));
    expect(await count('people')).toBe(String(N));
    data(await client.flushCollection({ collectionName: 'people' }));
    expect(data(await client.getCollectionStatistics({ collectionName: 'people' }))).toEqual({ rowCount: N });
    const { compactionID } = data<{ compactionID: number }>(await client.compactCollection({ collectionName: 'people' }));
    expect(compactionID).toBeGreaterThan(0);
    const state = data<{ state: string }>(await client.getCompactionState({ compactionID } as never));
    expect(['Executing', 'Completed']).toContain(state.state);

    for (const probe of [rows[0]!, rows[57]!, rows[N - 1]!]) {
      const hits = data<Record<string, unknown>[]>(await client.search({ collectionName: 'people', data: [probe.vector], limit: 3, outputFields: ['color'], ...STRONG }));
      expect(hits[0]).toEqual({ id: String(probe.id), color: probe.color, distance: 0 });
      expect(hits).toHaveLength(3);
    }
    const two = await client.search({ collectionName: 'people', data: [rows[3]!.vector, rows[4]!.vector], limit: 2, ...STRONG });
    expect(two.topks).toEqual([2, 2]);
    expect((two.data as unknown as { id: string }[][]).map((l) => l[0]!.id)).toEqual([String(rows[3]!.id), String(rows[4]!.id)]);

    const filtered = data<Row[]>(await client.query({ collectionName: 'people', filter: 'color == "red" and age < 10', outputFields: ['id', 'age', 'color'], ...STRONG }));
    const want = rows.filter((r) => r.color === 'red' && r.age < 10).map((r) => String(r.id));
    expect(filtered.map((r) => String(r.id)).sort()).toEqual(want.sort());
    const templ = data<Row[]>(await client.query({ collectionName: 'people', filter: 'age in {ages}', exprParams: { ages: [1, 2] }, outputFields: ['age'], ...STRONG } as never));
    expect(templ.every((r) => r.age === 1 || r.age === 2)).toBe(true);
    const searchF = data<{ color: string }[]>(await client.search({ collectionName: 'people', data: [rows[0]!.vector], filter: 'color == "blue"', outputFields: ['color'], limit: 5, ...STRONG }));
    expect(searchF.every((h) => h.color === 'blue')).toBe(true);

    const got = data<Record<string, unknown>[]>(await client.get({ collectionName: 'people', id: [rows[5]!.id, rows[6]!.id], outputFields: ['id', 'color'] } as never));
    expect(got).toEqual([{ id: String(rows[5]!.id), color: rows[5]!.color }, { id: String(rows[6]!.id), color: rows[6]!.color }]);

    const up = data<{ upsertCount: number }>(await client.upsert({ collectionName: 'people', data: [{ ...rows[5]!, color: 'pink', extra: 'dyn' }] }));
    expect(up.upsertCount).toBe(1);
    const after = data<Record<string, unknown>[]>(await client.query({ collectionName: 'people', filter: `id == ${rows[5]!.id}`, outputFields: ['*'], ...STRONG }));
    expect(after[0]).toMatchObject({ id: String(rows[5]!.id), color: 'pink', extra: 'dyn' });

    const del = data<{ deleteCount: number }>(await client.delete({ collectionName: 'people', filter: 'age >= 45' }));
    const removed = rows.filter((r) => r.age >= 45).length;
    expect(del.deleteCount).toBe(removed);
    expect(await count('people')).toBe(String(N - removed));
    expect(await count('people', 'age >= 45')).toBe('0');
  });

  it('search: range search and grouping', async () => {
    const probe = rows[1]!;
    const ranged = data<{ distance: number }[]>(
      await client.search({ collectionName: 'people', data: [probe.vector], limit: 50, searchParams: { params: { radius: 2.0, range_filter: 0.0 } }, ...STRONG } as never),
    );
    expect(ranged.length).toBeGreaterThan(0);
    for (const h of ranged) expect(h.distance >= 0 && h.distance < 2.0).toBe(true);
    const grouped = data<{ color: string }[]>(
      await client.search({ collectionName: 'people', data: [probe.vector], limit: 3, groupingField: 'color', outputFields: ['color'], ...STRONG } as never),
    );
    expect(new Set(grouped.map((g) => g.color)).size).toBe(grouped.length);
  });

  it('hybrid search with rrf and weighted rerank', async () => {
    const p = rows[2]!;
    for (const rerank of [{ strategy: 'rrf', params: { k: 60 } }, { strategy: 'weighted', params: { weights: [0.7, 0.3] } }]) {
      const res = data<{ id: string; distance: number }[]>(
        await client.hybridSearch({
          collectionName: 'people',
          search: [
            { data: [p.vector], annsField: 'vector', limit: 5 },
            { data: [p.vector], annsField: 'vector', limit: 5, filter: `color == "${p.color}"` },
          ],
          rerank,
          limit: 3,
          outputFields: ['color'],
          ...STRONG,
        } as never),
      );
      expect(res[0]!.id).toBe(String(p.id));
      expect(res).toHaveLength(3);
    }
  });

  it('full text: a BM25 function, text-only inserts, search by text, text_match, hybrid with a dense field (oracle: naive BM25)', async () => {
    const texts = ['vector search in the browser', 'the edge runs vector search', 'graph index for search', 'browser storage and workers', 'nothing relevant here'];
    data(
      await client.createCollection({
        collectionName: 'fts',
        schema: {
          fields: [
            { fieldName: 'id', dataType: 'Int64', isPrimary: true },
            { fieldName: 'text', dataType: 'VarChar', elementTypeParams: { max_length: 200, enable_analyzer: true, enable_match: true } },
            { fieldName: 'sparse', dataType: 'SparseFloatVector' },
            { fieldName: 'dense', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
          ],
          functions: [{ name: 'bm25', type: 'BM25', inputFieldNames: ['text'], outputFieldNames: ['sparse'], params: {} }],
        },
        indexParams: [
          { fieldName: 'sparse', indexType: 'SPARSE_INVERTED_INDEX', metricType: 'BM25' },
          { fieldName: 'dense', indexType: 'FLAT', metricType: 'L2' },
        ],
      }),
    );
    data(await client.insert({ collectionName: 'fts', data: texts.map((text, i) => ({ id: i, text, dense: [i, 0] })) }));
    // naive BM25 over the standard analyzer's tokens (lowercased words), k1 1.2, b 0.75
    const toks = texts.map((t) => t.toLowerCase().split(/\W+/).filter(Boolean));
    const avgdl = toks.reduce((n, t) => n + t.length, 0) / toks.length;
    const q = ['vector', 'search'];
    const want = toks
      .map((dt, id) => {
        let score = 0;
        for (const term of q) {
          const tf = dt.filter((x) => x === term).length;
          if (tf === 0) continue;
          const df = toks.filter((x) => x.includes(term)).length;
          score += (Math.log(1 + (toks.length - df + 0.5) / (df + 0.5)) * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * dt.length) / avgdl));
        }
        return { id, score };
      })
      .filter((h) => h.score > 0)
      .sort((a, b) => b.score - a.score);
    const hits = data<{ id: string; distance: number }[]>(await client.search({ collectionName: 'fts', annsField: 'sparse', data: ['vector search'], limit: 5, ...STRONG }));
    expect(hits.map((h) => Number(h.id))).toEqual(want.map((h) => h.id));
    hits.forEach((h, i) => expect(h.distance).toBeCloseTo(want[i]!.score, 4));
    const matched = data<{ id: string }[]>(await client.query({ collectionName: 'fts', filter: "text_match(text, 'browser')", outputFields: ['id'], ...STRONG }));
    expect(matched.map((r) => Number(r.id)).sort()).toEqual([0, 3]);
    const fused = data<{ id: string }[]>(
      await client.hybridSearch({
        collectionName: 'fts',
        search: [
          { annsField: 'sparse', data: ['graph'], limit: 3 },
          { annsField: 'dense', data: [[2, 0]], limit: 3 },
        ],
        rerank: { strategy: 'rrf', params: { k: 60 } },
        limit: 2,
        ...STRONG,
      }),
    );
    expect(Number(fused[0]!.id)).toBe(2); // first in both lists
    const bad = await client.insert({ collectionName: 'fts', data: [{ id: 9, text: 'x', dense: [0, 0], sparse: { 1: 1 } }] });
    expect(bad.code).toBe(1100);
  });

  it('partitions and indexes', async () => {
    data(await client.createPartition({ collectionName: 'people', partitionName: 'p1' }));
    expect(data<string[]>(await client.listPartitions({ collectionName: 'people' }))).toEqual(['_default', 'p1']);
    expect(data(await client.hasPartition({ collectionName: 'people', partitionName: 'p1' }))).toEqual({ has: true });
    data(await client.insert({ collectionName: 'people', partitionName: 'p1', data: [{ id: 5000, vector: rows[0]!.vector, color: 'p', age: 1 }] }));
    expect(data(await client.getPartitionStatistics({ collectionName: 'people', partitionName: 'p1' }))).toEqual({ rowCount: 1 });
    const inP1 = data<{ id: string }[]>(await client.query({ collectionName: 'people', filter: 'id > 0', partitionNames: ['p1'], outputFields: ['id'], ...STRONG }));
    expect(inP1).toEqual([{ id: '5000' }]);
    data(await client.loadPartitions({ collectionName: 'people', partitionNames: ['p1'] }));
    data(await client.dropPartition({ collectionName: 'people', partitionName: 'p1' }));
    expect(data(await client.hasPartition({ collectionName: 'people', partitionName: 'p1' }))).toEqual({ has: false });

    expect(data(await client.listIndexes({ collectionName: 'people' }))).toEqual(['vec_idx']);
    const idx = data<Record<string, unknown>[]>(await client.describeIndex({ collectionName: 'people', indexName: 'vec_idx' }));
    expect(idx[0]).toMatchObject({ indexName: 'vec_idx', fieldName: 'vector', indexType: 'FLAT', metricType: 'L2' });
    data(await client.createIndex({ collectionName: 'people', indexParams: [{ fieldName: 'age', indexName: 'age_idx', indexType: 'STL_SORT' }] } as never));
    expect(data<string[]>(await client.listIndexes({ collectionName: 'people' })).sort()).toEqual(['age_idx', 'vec_idx']);
    data(await client.releaseCollection({ collectionName: 'people' }));
    expect(data(await client.getCollectionLoadState({ collectionName: 'people' }))).toEqual({ loadState: 'LoadStateNotLoad' });
    data(await client.dropIndex({ collectionName: 'people', indexName: 'age_idx' }));
    data(await client.loadCollection({ collectionName: 'people' }));
    expect(data(await client.listIndexes({ collectionName: 'people' }))).toEqual(['vec_idx']);
  });

  it('aliases', async () => {
    data(await client.createAlias({ collectionName: 'people', aliasName: 'folks' }));
    expect(data(await client.listAliases({ collectionName: 'people' }))).toEqual(['folks']);
    expect(data(await client.describeAlias({ aliasName: 'folks' }))).toMatchObject({ aliasName: 'folks', collectionName: 'people' });
    expect(await count('folks')).toBe(await count('people'));
    data(await client.createCollection({ collectionName: 'other', dimension: DIM }));
    data(await client.alterAlias({ collectionName: 'other', aliasName: 'folks' }));
    expect(await count('folks')).toBe('0');
    data(await client.dropAlias({ aliasName: 'folks' }));
    expect((await client.describeAlias({ aliasName: 'folks' })).code).toBe(1600);
  });

  it('databases isolate collections', async () => {
    data(await client.createDatabase({ dbName: 'tenant_a' }));
    expect(data<string[]>(await client.listDatabases()).sort()).toEqual(['default', 'tenant_a']);
    const a = sdk({ endpoint: worker.endpoint, username: 'root', password: 'Milvus', database: 'tenant_a' });
    data(await a.createCollection({ collectionName: 'only_a', dimension: 4 }));
    expect(data(await a.listCollections({}))).toEqual(['only_a']);
    expect(data<string[]>(await client.listCollections({}))).not.toContain('only_a');
    expect(data(await client.describeDatabase({ dbName: 'tenant_a' }))).toMatchObject({ dbName: 'tenant_a' });
    expect((await client.dropDatabase({ dbName: 'tenant_a' })).code).toBe(804); // not empty
    data(await a.dropCollection({ collectionName: 'only_a' }));
    data(await client.dropDatabase({ dbName: 'tenant_a' }));
    expect(data(await client.listDatabases())).toEqual(['default']);
    expect((await a.listCollections({})).code).toBe(800);
  });

  it('denies a wrong password with 401', async () => {
    const bad = sdk({ endpoint: worker.endpoint, username: 'root', password: 'nope' });
    await expect(bad.listCollections({})).rejects.toMatchObject({ status: 401 });
    const res = await fetch(`${worker.endpoint}/v2/vectordb/collections/list`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 1800 });
  });

  it('rejects bad inputs with Milvus codes and changes nothing', async () => {
    const before = await count('people');
    const wrongDim = await client.insert({ collectionName: 'people', data: [{ id: 9999, vector: [1, 2], color: 'x', age: 1 }] });
    expect(wrongDim.code).toBe(1804);
    const missingField = await client.insert({ collectionName: 'people', data: [{ id: 9998, vector: rows[0]!.vector, age: 1 }] });
    expect(missingField.code).toBe(1804);
    expect((await client.insert({ collectionName: 'nope', data: rows.slice(0, 1) })).code).toBe(100);
    expect((await client.query({ collectionName: 'people', filter: 'age >>> 3' })).code).toBe(1100);
    expect((await client.search({ collectionName: 'people', data: [[1, 2, 3]] })).code).toBe(1801);
    expect((await client.search({ collectionName: 'people', data: [rows[0]!.vector], consistencyLevel: 'Sometimes' } as never)).code).toBe(1100);
    expect((await client.delete({ collectionName: 'people', filter: '' })).code).toBe(1802);
    const raw = await fetch(`${worker.endpoint}/v2/vectordb/entities/insert`, {
      method: 'POST',
      headers: { Authorization: 'Bearer root:Milvus', ContentType: 'application/json' },
      body: '{"collectionName": "people", "data": [',
    });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toMatchObject({ code: 1801 });
    expect(await count('people')).toBe(before);
    expect(data<Row[]>(await client.query({ collectionName: 'people', filter: 'id in [9999, 9998]', ...STRONG }))).toEqual([]);
  });

  it('renders Int64 as numbers with Accept-Type-Allow-Int64: true', async () => {
    const c = sdk({ endpoint: worker.endpoint, username: 'root', password: 'Milvus', acceptInt64: true } as never);
    const r = data<{ id: unknown }[]>(await c.query({ collectionName: 'people', filter: `id == ${rows[0]!.id}`, outputFields: ['id'], ...STRONG }));
    expect(r).toEqual([{ id: rows[0]!.id }]);
    expect(data(await c.query({ collectionName: 'other', outputFields: ['count(*)'], ...STRONG }))).toEqual([{ 'count(*)': 0 }]);
  });
});
