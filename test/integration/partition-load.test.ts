/**
 * Partition-level load and release (Milvus's loadPartitions / releasePartitions): releasing
 * one partition leaves the others loaded and searchable; a read naming a released partition is
 * 201; load state per partition; unknown names are 200 and change nothing; releasing the last
 * loaded partition releases the collection. The oracle is the rows each partition was given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, Random, testSeed, type VesperClient } from '@vesper/core';
import { memoryDb, rejectsWithCode } from '../fixtures/open.ts';

const seed = testSeed(process.env.VESPER_SEED);
const rng = new Random(seed);
const DIM = 4;
const PARTS = ['_default', 'p1', 'p2'] as const;
const rowsOf = (p: number) => Array.from({ length: 30 }, (_, i) => ({ id: p * 100 + i, v: Array.from({ length: DIM }, () => Math.fround(rng.gaussian())) }));
const byPart = PARTS.map((_, p) => rowsOf(p));
let db: VesperClient;
const C = { collection_name: 'pl' };
const STRONG = { consistency_level: 'Strong' as const };

beforeAll(async () => {
  db = await memoryDb();
  await db.createCollection({
    ...C,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
    ],
    index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
  });
  for (const p of ['p1', 'p2']) await db.createPartition({ ...C, partition_name: p });
  for (const [i, p] of PARTS.entries()) await db.insert({ ...C, partition_name: p, data: byPart[i]! });
  await db.flush({ collection_names: ['pl'] });
  await db.loadCollection(C);
});
afterAll(() => db.close());

/** The ids of the loaded partitions' rows. */
const idsIn = (parts: readonly string[]): number[] => parts.flatMap((p) => byPart[PARTS.indexOf(p as (typeof PARTS)[number])]!.map((r) => r.id)).sort((a, b) => a - b);
const ids = (rows: readonly Record<string, unknown>[]): number[] => rows.map((r) => Number(r['id'])).sort((a, b) => a - b);
const state = async (partition_names?: string[]) => (await db.getLoadState({ ...C, ...(partition_names ? { partition_names } : {}) })).state;

async function readsSee(parts: readonly string[]): Promise<void> {
  const q = await db.query({ ...C, filter: 'id >= 0', output_fields: ['id'], ...STRONG });
  expect(ids(q.data)).toEqual(idsIn(parts));
  const s = await db.search({ ...C, data: [0, 0, 0, 0], limit: 100, ...STRONG });
  expect(ids(s.results as Record<string, unknown>[])).toEqual(idsIn(parts));
  const c = await db.query({ ...C, filter: '', output_fields: ['count(*)'], ...STRONG });
  expect(c.data[0]!['count(*)']).toBe(idsIn(parts).length);
}

describe(`partition load and release (seed ${seed})`, () => {
  it('releasing one partition leaves the others loaded and searchable; naming it is 201', async () => {
    await db.releasePartitions({ ...C, partition_names: ['p1'] });
    expect(await state()).toBe('LoadStateLoaded');
    expect(await state(['p1'])).toBe('LoadStateNotLoad');
    expect(await state(['_default', 'p2'])).toBe('LoadStateLoaded');
    await readsSee(['_default', 'p2']);
    const only = await db.search({ ...C, data: [0, 0, 0, 0], limit: 100, partition_names: ['p2'], ...STRONG });
    expect(ids(only.results as Record<string, unknown>[])).toEqual(idsIn(['p2']));
    await rejectsWithCode(db.search({ ...C, data: [0, 0, 0, 0], partition_names: ['p1'] }), 201);
    await rejectsWithCode(db.query({ ...C, filter: 'id >= 0', partition_names: ['p2', 'p1'] }), 201);
    const parts = await db.showPartitions(C);
    expect(parts.data.map((p) => [p.name, p.loadedPercentage])).toEqual([
      ['_default', '100'],
      ['p1', '0'],
      ['p2', '100'],
    ]);
  });

  it('unknown partition names are 200 and change nothing', async () => {
    await rejectsWithCode(db.loadPartitions({ ...C, partition_names: ['p1', 'nope'] }), 200);
    await rejectsWithCode(db.releasePartitions({ ...C, partition_names: ['nope'] }), 200);
    await rejectsWithCode(db.getLoadState({ ...C, partition_names: ['nope'] }), 200);
    expect(await state(['p1'])).toBe('LoadStateNotLoad');
    await readsSee(['_default', 'p2']);
  });

  it('loading the partition back makes its rows visible again', async () => {
    await db.loadPartitions({ ...C, partition_names: ['p1'] });
    expect(await state(['p1'])).toBe('LoadStateLoaded');
    await readsSee(PARTS);
  });

  it('releasing every partition releases the collection; loading some loads those only', async () => {
    await db.releasePartitions({ ...C, partition_names: ['_default', 'p2'] });
    await db.releasePartitions({ ...C, partition_names: ['p1'] });
    expect(await state()).toBe('LoadStateNotLoad');
    await rejectsWithCode(db.query({ ...C, filter: 'id >= 0' }), 101);
    await db.loadPartitions({ ...C, partition_names: ['p2'] });
    expect(await state()).toBe('LoadStateLoaded');
    expect(await state(['p1'])).toBe('LoadStateNotLoad');
    await readsSee(['p2']);
    await db.loadCollection(C);
    await readsSee(PARTS);
  });
});
