/**
 * Iterators at the edge: `VesperClient.queryIterator` over the Worker's DistributedEngine (two
 * shard leaders, sealed rows on query nodes) reads every batch at the first one's snapshot
 * (`snapshot_ts` pinned on every leader) — inserts and deletes made while iterating do not
 * show; a snapshot older than a compaction that purged rows is refused with 1100, as are
 * malformed and future ones. Oracle: the rows as they stood when the iterator began.
 * `searchIterator` runs the shared scenario (test/read/search-iterator-scenario.ts) the same way.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { DataType, VesperClient } from '@vesper/core';
import { Random } from '../../packages/core/src/util/random.ts';
import { databaseEngine } from '../../packages/edge/src/index.ts';
import { edgeMethod } from '../../packages/edge/src/rpc.ts';
import { randomVector, workerdSeed } from './seeded.ts';
import { searchIteratorScenario } from '../read/search-iterator-scenario.ts';

const seed = workerdSeed();
const DIM = 4;

function edgeClient(): VesperClient {
  const engine = databaseEngine(env, 'default');
  return new VesperClient({ call: (method, request) => engine.call(edgeMethod(method), request as Record<string, unknown>) });
}

async function collection(db: VesperClient, name: string, rng: Random, n: number): Promise<{ id: number; n: number; v: number[] }[]> {
  await db.createCollection({
    collection_name: name,
    shards_num: 2,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'n', data_type: DataType.Int32 },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
    ],
    index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
  } as never);
  await db.loadCollection({ collection_name: name });
  const rows = Array.from({ length: n }, (_, i) => ({ id: i * 2 + 10, n: rng.int(5), v: randomVector(rng, DIM) }));
  await db.insert({ collection_name: name, data: rows.slice(0, n / 2) });
  await db.flush({ collection_names: [name] });
  await db.insert({ collection_name: name, data: rows.slice(n / 2) });
  return rows;
}

describe(`edge queryIterator at one snapshot (seed ${seed})`, () => {
  it('every batch reads the first one snapshot: writes made while iterating do not show', async () => {
    const rng = new Random(seed);
    const db = edgeClient();
    const rows = await collection(db, 'qit_edge', rng, 400);
    const want = rows.filter((r) => r.n !== 0).map((r) => r.id);
    const got: number[] = [];
    const sizes: number[] = [];
    for await (const batch of await db.queryIterator({ collection_name: 'qit_edge', filter: 'n != 0', batchSize: 50, output_fields: ['n'], consistency_level: 'Strong' })) {
      sizes.push(batch.length);
      got.push(...batch.map((r) => Number(r['id'])));
      // rows ahead of the cursor and behind it, inserted, deleted and rewritten between batches
      const k = sizes.length;
      await db.insert({ collection_name: 'qit_edge', data: [{ id: 100_000 + k, n: 1, v: randomVector(rng, DIM) }, { id: 2 * k + 11, n: 1, v: randomVector(rng, DIM) }] });
      await db.delete({ collection_name: 'qit_edge', ids: [want[want.length - k]!] });
      await db.upsert({ collection_name: 'qit_edge', data: [{ id: want[want.length - 10 - k]!, n: 0, v: randomVector(rng, DIM) }] });
    }
    expect(got).toEqual(want);
    expect(sizes.slice(0, -1).every((s) => s === 50)).toBe(true);
  });

  it('a snapshot older than a compaction that purged rows is 1100; malformed and future ones too', async () => {
    const rng = new Random(seed + 1);
    const db = edgeClient();
    const rows = await collection(db, 'qit_gc', rng, 300);
    const it = (await db.queryIterator({ collection_name: 'qit_gc', batchSize: 100, consistency_level: 'Strong' }))[Symbol.asyncIterator]();
    const first = await it.next();
    expect((first.value as unknown[]).length).toBe(100);
    await db.delete({ collection_name: 'qit_gc', ids: rows.slice(0, 140).map((r) => r.id) });
    await db.compact({ collection_name: 'qit_gc' });
    await expect(it.next()).rejects.toMatchObject({ code: 1100 });
    const now = await db.query({ collection_name: 'qit_gc', filter: 'id >= 0', limit: 1, consistency_level: 'Strong' });
    for (const bad of ['abc', '0', '-5', (BigInt(now.session_ts!) + (1n << 40n)).toString()]) {
      await expect(db.query({ collection_name: 'qit_gc', filter: 'id >= 0', limit: 1, snapshot_ts: bad } as never)).rejects.toMatchObject({ code: 1100 });
    }
    // a fresh iterator after the compaction reads everything that is left
    let left = 0;
    for await (const batch of await db.queryIterator({ collection_name: 'qit_gc', batchSize: 64, consistency_level: 'Strong' })) left += batch.length;
    expect(left).toBe(160);
  });
});

describe(`edge searchIterator (seed ${seed})`, () => {
  it('pages in distance order equal exhaustive exact search, at one snapshot across shard leaders', async () => {
    expect(await searchIteratorScenario(edgeClient(), seed, 'sit_edge', { rows: 600 })).toEqual([]);
  });
});
