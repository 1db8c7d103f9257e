/**
 * Over REST v2 with the official SDK's HttpClient against the Vesper Worker on workerd (issue 18):
 * - `indexes/describe` counts sealed rows only, as Milvus's DataCoord: inserted, unflushed rows
 *   are in no count, so `Finished` always comes with indexedRows = totalRows.
 * - A user field or dynamic key named `score` comes back as itself beside `distance` (Milvus's
 *   REST hits carry `distance` and the output fields). Oracle: the same search without it.
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
type Progress = { indexState: string; indexedRows: number; totalRows: number; pendingRows: number };

let worker: RunningWorker;
let client: Loose;
const vec = (): number[] => Array.from({ length: DIM }, () => rng.next() * 2 - 1);
const rows = Array.from({ length: 30 }, (_, id) => ({ id, score: id * 10 + 0.5, vector: vec() }));

const data = <T>(r: Reply): T => {
  expect(r.code, r.message).toBe(0);
  return r.data as T;
};

beforeAll(async () => {
  worker = await startVesperWorker();
  client = new HttpClient({ endpoint: worker.endpoint, username: 'root', password: 'Milvus' }) as unknown as Loose;
}, 120_000);

afterAll(async () => {
  await worker?.dispose();
});

describe(`REST index progress and a field named score (seed ${seed})`, () => {
  it('indexes/describe: Finished with 0 of 0 rows before a flush, every sealed row counted after it', async () => {
    data(await client.createCollection!({ collectionName: 'ixp', dimension: DIM, metricType: 'L2' }));
    data(await client.insert!({ collectionName: 'ixp', data: [{ id: 1, vector: vec() }, { id: 2, vector: vec() }] }));
    const progress = async (): Promise<Progress> => data<Progress[]>(await client.describeIndex!({ collectionName: 'ixp', indexName: 'vector' }))[0]!;
    expect(await progress()).toMatchObject({ indexState: 'Finished', indexedRows: 0, totalRows: 0, pendingRows: 0 });
    data(await client.flushCollection!({ collectionName: 'ixp' }));
    let p = await progress();
    for (let i = 0; i < 200 && p.indexState !== 'Finished'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      p = await progress();
    }
    expect(p).toMatchObject({ indexState: 'Finished', indexedRows: 2, totalRows: 2, pendingRows: 0 });
    data(await client.insert!({ collectionName: 'ixp', data: [{ id: 3, vector: vec() }] }));
    expect(await progress()).toMatchObject({ indexState: 'Finished', indexedRows: 2, totalRows: 2 });
  });

  it('entities/search: a schema field named score is returned as itself, the distance as distance', async () => {
    data(
      await client.createCollection!({
        collectionName: 'sf',
        schema: {
          autoId: false,
          fields: [
            { fieldName: 'id', dataType: 'Int64', isPrimary: true },
            { fieldName: 'score', dataType: 'Double' },
            { fieldName: 'vector', dataType: 'FloatVector', elementTypeParams: { dim: DIM } },
          ],
        },
        indexParams: [{ fieldName: 'vector', indexName: 'v', metricType: 'L2', indexType: 'FLAT' }],
      }),
    );
    data(await client.insert!({ collectionName: 'sf', data: rows.slice(0, 20) }));
    data(await client.flushCollection!({ collectionName: 'sf' }));
    data(await client.insert!({ collectionName: 'sf', data: rows.slice(20) }));
    const q = [vec(), vec()];
    // two query vectors: the SDK answers a list per query
    const plain = data<{ id: string; distance: number }[][]>(await client.search!({ collectionName: 'sf', data: q, limit: 6, ...STRONG })).flat();
    expect(plain).toHaveLength(12);
    expect(plain.every((h) => !('score' in h))).toBe(true);
    const got = data<{ id: string; score: number; distance: number }[][]>(await client.search!({ collectionName: 'sf', data: q, limit: 6, outputFields: ['score'], ...STRONG })).flat();
    expect(got.map((h) => [h.id, h.distance])).toEqual(plain.map((h) => [h.id, h.distance]));
    expect(got.map((h) => h.score)).toEqual(got.map((h) => rows[Number(h.id)]!.score));
  });

  it('entities/search and hybrid_search: a dynamic key named score where the row has it, nothing where not', async () => {
    data(
      await client.createCollection!({
        collectionName: 'dk',
        schema: {
          autoId: false,
          enableDynamicField: true,
          fields: [
            { fieldName: 'id', dataType: 'Int64', isPrimary: true },
            { fieldName: 'vector', dataType: 'FloatVector', elementTypeParams: { dim: DIM } },
          ],
        },
        indexParams: [{ fieldName: 'vector', indexName: 'v', metricType: 'L2', indexType: 'FLAT' }],
      }),
    );
    data(await client.insert!({ collectionName: 'dk', data: rows.map((r) => (r.id % 3 === 0 ? { id: r.id, vector: r.vector } : r)) }));
    const q = vec();
    const plain = data<{ id: number; distance: number }[]>(await client.search!({ collectionName: 'dk', data: [q], limit: 30, ...STRONG }));
    const got = data<Record<string, number>[]>(await client.search!({ collectionName: 'dk', data: [q], limit: 30, outputFields: ['score'], ...STRONG }));
    expect(got.map((h) => [h['id'], h['distance']])).toEqual(plain.map((h) => [h.id, h.distance]));
    for (const h of got) {
      if (Number(h['id']) % 3 === 0) expect(Object.hasOwn(h, 'score')).toBe(false);
      else expect(h['score']).toBe(rows[Number(h['id'])]!.score);
    }
    expect(got.filter((h) => Object.hasOwn(h, 'score'))).toHaveLength(20);
    const hybrid = { collectionName: 'dk', search: [{ data: [q], annsField: 'vector', limit: 5 }], rerank: { strategy: 'rrf', params: { k: 60 } }, limit: 5, ...STRONG };
    const fusedPlain = data<{ id: number; distance: number }[]>(await client.hybridSearch!(hybrid));
    const fused = data<Record<string, number>[]>(await client.hybridSearch!({ ...hybrid, outputFields: ['score'] }));
    expect(fused.map((h) => [h['id'], h['distance']])).toEqual(fusedPlain.map((h) => [h.id, h.distance]));
    for (const h of fused) expect(h['score']).toBe(Number(h['id']) % 3 === 0 ? undefined : rows[Number(h['id'])]!.score);
  });
});
