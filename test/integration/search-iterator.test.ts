/**
 * searchIterator in-process (Node, memory storage): the shared scenario against exact search
 * (test/read/search-iterator-scenario.ts), FLAT with L2 and IP and HNSW recall per page; bad
 * requests refused with 1100 by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, testSeed, type VesperClient } from '@vesper/core';
import { memoryDb, rejectsWithCode } from '../fixtures/open.ts';
import { searchIteratorScenario } from '../read/search-iterator-scenario.ts';

const seed = testSeed(process.env.VESPER_SEED);
let db: VesperClient;
beforeAll(async () => {
  db = await memoryDb();
});
afterAll(() => db.close());

describe(`searchIterator (seed ${seed})`, () => {
  it('pages in distance order equal exhaustive exact search; HNSW pages keep their recall', async () => {
    expect(await searchIteratorScenario(db, seed, 'sit', { hnsw: true })).toEqual([]);
  }, 60_000);

  it('bad batchSize, limit, several vectors and options it does not do are 1100', async () => {
    const C = { collection_name: 'sit_bad' };
    await db.createCollection({ ...C, fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'v', data_type: DataType.FloatVector, dim: 2 }], index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }] } as never);
    await db.loadCollection(C);
    await rejectsWithCode(db.searchIterator({ ...C, data: [[0, 0]], batchSize: 0 }), 1100);
    await rejectsWithCode(db.searchIterator({ ...C, data: [[0, 0]], batchSize: 5, limit: -3 }), 1100);
    await rejectsWithCode(db.searchIterator({ ...C, data: [[0, 0], [1, 1]], batchSize: 5 }), 1100);
    const err = await rejectsWithCode(db.searchIterator({ ...C, data: [[0, 0]], batchSize: 5, group_by_field: 'id' } as never), 1100);
    expect(err.message).toContain('group_by_field');
    await rejectsWithCode(db.search({ ...C, data: [[0, 0]], limit: 1, snapshot_ts: '99999999999999999999' }), 1100);
  });
});
