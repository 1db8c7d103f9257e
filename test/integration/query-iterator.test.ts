/**
 * queryIterator against an oracle: every matching row exactly once, in primary-key order,
 * `batchSize` at a time, up to `limit`, past the 16,384-row window of one query; writes made
 * while iterating (inserts, deletes) do not show, since every batch reads the first one's
 * snapshot. Int64 and VarChar primary keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, Random, testSeed, type VesperClient } from '@vesper/core';
import { memoryDb, rejectsWithCode } from '../fixtures/open.ts';

const seed = testSeed(process.env.VESPER_SEED);
const rng = new Random(seed);
const N = 17_000;
let db: VesperClient;
const rows = Array.from({ length: N }, (_, i) => ({ id: i * 3 + rng.int(3), k: `k${String(i).padStart(6, '0')}`, n: rng.int(10), v: [rng.next(), rng.next()] }));

async function drain(it: AsyncIterable<Record<string, unknown>[]>, during?: (batch: number) => Promise<void>): Promise<{ sizes: number[]; rows: Record<string, unknown>[] }> {
  const sizes: number[] = [];
  const out: Record<string, unknown>[] = [];
  for await (const batch of it) {
    sizes.push(batch.length);
    out.push(...batch);
    if (during) await during(sizes.length);
  }
  return { sizes, rows: out };
}

beforeAll(async () => {
  db = await memoryDb();
  for (const [name, pk] of [
    ['i', { name: 'id', data_type: DataType.Int64, is_primary_key: true }],
    ['s', { name: 'k', data_type: DataType.VarChar, max_length: 16, is_primary_key: true }],
  ] as const) {
    const other = name === 'i' ? { name: 'k', data_type: DataType.VarChar, max_length: 16 } : { name: 'id', data_type: DataType.Int64 };
    await db.createCollection({
      collection_name: name,
      shards_num: 2,
      fields: [pk, other, { name: 'n', data_type: DataType.Int32 }, { name: 'v', data_type: DataType.FloatVector, dim: 2 }],
    } as never);
    await db.loadCollection({ collection_name: name });
    await db.insert({ collection_name: name, data: rows.slice(0, N / 2) });
    await db.flush({ collection_names: [name] });
    await db.insert({ collection_name: name, data: rows.slice(N / 2) });
  }
}, 120_000);
afterAll(() => db.close());

describe(`queryIterator (seed ${seed})`, () => {
  it('Int64 key: every row once, in key order, in batches, past 16,384 rows', async () => {
    const { sizes, rows: got } = await drain(await db.queryIterator({ collection_name: 'i', batchSize: 5000, output_fields: ['id', 'n'], consistency_level: 'Strong' }));
    expect(sizes).toEqual([5000, 5000, 5000, 2000]);
    expect(got.map((r) => Number(r['id']))).toEqual(rows.map((r) => r.id));
    expect(got.every((r) => Object.keys(r).sort().join() === 'id,n')).toBe(true);
  });

  it('VarChar key with a filter and a limit', async () => {
    const want = rows.filter((r) => r.n < 3).map((r) => r.k).slice(0, 1234);
    const { sizes, rows: got } = await drain(await db.queryIterator({ collection_name: 's', filter: 'n < 3', batchSize: 500, limit: 1234, output_fields: ['n'], consistency_level: 'Strong' }));
    expect(sizes).toEqual([500, 500, 234]);
    expect(got.map((r) => r['k'])).toEqual(want);
  });

  it('writes while iterating do not show: every batch reads the first snapshot', async () => {
    const before = rows.filter((r) => r.n === 7).map((r) => r.id);
    const { rows: got } = await drain(await db.queryIterator({ collection_name: 'i', filter: 'n == 7', batchSize: 300, consistency_level: 'Strong' }), async (b) => {
      if (b !== 1) return;
      await db.insert({ collection_name: 'i', data: [{ id: 10 ** 9, k: 'new', n: 7, v: [0, 0] }] });
      await db.delete({ collection_name: 'i', filter: `id == ${before[before.length - 1]!}` });
    });
    expect(got.map((r) => Number(r['id']))).toEqual(before);
  });

  it('bad batchSize or limit is 1100; a snapshot_ts from the future is 1100', async () => {
    await rejectsWithCode(db.queryIterator({ collection_name: 'i', batchSize: 0 }), 1100);
    await rejectsWithCode(db.queryIterator({ collection_name: 'i', batchSize: 10, limit: -5 }), 1100);
    await rejectsWithCode(db.query({ collection_name: 'i', filter: 'id > 0', limit: 1, snapshot_ts: '99999999999999999999' }), 1100);
  });

  it('a snapshot older than a compaction that purged rows is 1100; a fresh iterator reads what is left', async () => {
    const C = { collection_name: 'gc_it' };
    await db.createCollection({ ...C, fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'v', data_type: DataType.FloatVector, dim: 2 }] } as never);
    await db.loadCollection(C);
    await db.insert({ ...C, data: Array.from({ length: 300 }, (_, id) => ({ id, v: [id, 0] })) });
    await db.flush({ collection_names: ['gc_it'] });
    const it = (await db.queryIterator({ ...C, batchSize: 100, consistency_level: 'Strong' }))[Symbol.asyncIterator]();
    expect(((await it.next()).value as unknown[]).length).toBe(100);
    await db.delete({ ...C, filter: 'id < 200' });
    const { compactionID } = await db.compact(C);
    for (let i = 0; i < 200 && (await db.getCompactionState({ compactionID })).state === 'Executing'; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await db.getCompactionState({ compactionID })).state).toBe('Completed');
    await rejectsWithCode(it.next(), 1100);
    const { rows: left } = await drain(await db.queryIterator({ ...C, batchSize: 64, consistency_level: 'Strong' }));
    expect(left.map((r) => Number(r['id']))).toEqual(Array.from({ length: 100 }, (_, i) => 200 + i));
  });
});
