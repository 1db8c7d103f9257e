/**
 * Milvus's read options over REST v2 with the official SDK's HttpClient against the Vesper
 * Worker on workerd: query `orderByFields` against a sort done here, search `ignoreGrowing`
 * (rows flushed before vs. inserted after), partition release/load, collection TTL, and the refused options (`groupByFields`
 * without its field among the outputs, `functionScore`, a bad sort field) with code 1100.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '@zilliz/milvus2-sdk-node';
import { Random, testSeed } from '../../packages/core/src/index.ts';
import { startVesperWorker, type RunningWorker } from './worker-harness.ts';

const seed = testSeed();
const rng = new Random(seed);
const DIM = 4;
const STRONG = { consistencyLevel: 'Strong' as const };
type Reply = { code: number; message?: string; data?: unknown };
type Loose = Record<string, (req?: object) => Promise<Reply>>;

let worker: RunningWorker;
let client: Loose;
const rows = Array.from({ length: 90 }, (_, id) => ({ id, price: rng.int(6), rating: rng.int(100) / 10, vector: Array.from({ length: DIM }, () => rng.next() * 2 - 1) }));
const FLUSHED = 50;

const data = <T>(r: Reply): T => {
  expect(r.code, r.message).toBe(0);
  return r.data as T;
};

beforeAll(async () => {
  worker = await startVesperWorker();
  client = new HttpClient({ endpoint: worker.endpoint, username: 'root', password: 'Milvus' }) as unknown as Loose;
  data(
    await client.createCollection!({
      collectionName: 'ro',
      schema: {
        autoId: false,
        fields: [
          { fieldName: 'id', dataType: 'Int64', isPrimary: true },
          { fieldName: 'price', dataType: 'Int32' },
          { fieldName: 'rating', dataType: 'Double' },
          { fieldName: 'vector', dataType: 'FloatVector', elementTypeParams: { dim: DIM } },
        ],
      },
      indexParams: [{ fieldName: 'vector', indexName: 'v', metricType: 'L2', indexType: 'FLAT' }],
    }),
  );
  data(await client.insert!({ collectionName: 'ro', data: rows.slice(0, FLUSHED) }));
  data(await client.flushCollection!({ collectionName: 'ro' }));
  data(await client.insert!({ collectionName: 'ro', data: rows.slice(FLUSHED) }));
}, 120_000);

afterAll(async () => {
  await worker?.dispose();
});

describe(`REST read options (seed ${seed})`, () => {
  it('entities/query orderByFields: price asc, rating desc, ties by id, with offset', async () => {
    const got = data<{ id: number }[]>(
      await client.query!({ collectionName: 'ro', filter: 'id >= 0', outputFields: ['id'], orderByFields: ['price:asc', 'rating:desc'], limit: 30, offset: 7, ...STRONG }),
    );
    const want = [...rows]
      .sort((a, b) => a.price - b.price || b.rating - a.rating || a.id - b.id)
      .slice(7, 37)
      .map((r) => r.id);
    expect(got.map((r) => Number(r.id))).toEqual(want);
  });

  it('entities/search with searchParams.ignoreGrowing reads the flushed rows only', async () => {
    const q = [0, 0, 0, 0];
    const sealed = data<{ id: number }[]>(await client.search!({ collectionName: 'ro', data: [q], limit: 100, searchParams: { ignoreGrowing: true }, ...STRONG }));
    expect(sealed.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(rows.slice(0, FLUSHED).map((r) => r.id));
    const all = data<{ id: number }[]>(await client.search!({ collectionName: 'ro', data: [q], limit: 100, searchParams: { ignoreGrowing: false }, ...STRONG }));
    expect(all).toHaveLength(rows.length);
  });

  it('partitions/release leaves other partitions searchable; partitions/load back; unknown names 200', async () => {
    data(await client.createPartition!({ collectionName: 'ro', partitionName: 'pp' }));
    data(await client.insert!({ collectionName: 'ro', partitionName: 'pp', data: [{ id: 5000, price: 1, rating: 1, vector: [0, 0, 0, 0] }] }));
    const count = async (): Promise<number> => Number(data<{ 'count(*)': number }[]>(await client.query!({ collectionName: 'ro', filter: '', outputFields: ['count(*)'], ...STRONG }))[0]!['count(*)']);
    expect(await count()).toBe(rows.length + 1);
    data(await client.releasePartitions!({ collectionName: 'ro', partitionNames: ['pp'] }));
    expect(data(await client.getCollectionLoadState!({ collectionName: 'ro', partitionNames: ['pp'] }))).toEqual({ loadState: 'LoadStateNotLoad' });
    expect(data(await client.getCollectionLoadState!({ collectionName: 'ro' }))).toMatchObject({ loadState: 'LoadStateLoaded' });
    expect(await count()).toBe(rows.length);
    expect((await client.search!({ collectionName: 'ro', data: [[0, 0, 0, 0]], limit: 3, partitionNames: ['pp'], ...STRONG })).code).toBe(201);
    expect((await client.loadPartitions!({ collectionName: 'ro', partitionNames: ['nope'] })).code).toBe(200);
    data(await client.loadPartitions!({ collectionName: 'ro', partitionNames: ['pp'] }));
    expect(await count()).toBe(rows.length + 1);
  });

  it('collection TTL: a row is gone from every read once the TTL has passed since its write', async () => {
    data(
      await client.createCollection!({
        collectionName: 'ttl',
        dimension: DIM,
        metricType: 'L2',
        params: { ttlSeconds: 1 },
      }),
    );
    data(await client.insert!({ collectionName: 'ttl', data: [{ id: 1, vector: [0, 0, 0, 0] }] }));
    // only the expired state is asserted (the visible one depends on how fast this machine is; Node tests it with a clock)
    await new Promise((r) => setTimeout(r, 1300));
    expect(Number(data<{ 'count(*)': number }[]>(await client.query!({ collectionName: 'ttl', filter: '', outputFields: ['count(*)'], ...STRONG }))[0]!['count(*)'])).toBe(0);
    expect(data<unknown[]>(await client.search!({ collectionName: 'ttl', data: [[0, 0, 0, 0]], limit: 5, ...STRONG }))).toEqual([]);
    expect(data<unknown[]>(await client.get!({ collectionName: 'ttl', id: [1], ...STRONG }))).toEqual([]);
  });

  it('refused with 1100: a vector as sort field, groupByFields without its field as an output, functionScore', async () => {
    const bad = await client.query!({ collectionName: 'ro', filter: 'id >= 0', limit: 10, orderByFields: ['vector:asc'] });
    expect(bad.code).toBe(1100);
    expect(bad.message).toContain('not sortable');
    const agg = await client.query!({ collectionName: 'ro', filter: 'id >= 0', limit: 10, outputFields: ['count(*)'], groupByFields: ['price'] });
    expect(agg.code).toBe(1100);
    expect(agg.message).toContain('group_by_fields');
    const fs = await client.hybridSearch!({
      collectionName: 'ro',
      search: [{ data: [[0, 0, 0, 0]], annsField: 'vector', limit: 5 }],
      rerank: { strategy: 'rrf', params: { k: 60 } },
      functionScore: { functions: [{ name: 'd', type: 'Rerank', inputFieldNames: ['price'], params: { reranker: 'decay', function: 'gauss', origin: 0, scale: 1 } }] },
    });
    expect(fs.code).toBe(1100);
    expect(fs.message).toContain('functionScore');
  });
});
