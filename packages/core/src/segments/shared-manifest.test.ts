/**
 * Several SegmentManagers on one collection, each owning some shards (the edge runtime's
 * ShardLeaders): their manifest commits race, the loser re-reads and re-applies its change, and
 * no writer's segment, delete log or checkpoint is lost. A manager that owns every shard, opened
 * afterwards, sees every row.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../adapters/memory-storage.ts';
import type { StorageSet } from '../adapters/storage-set.ts';
import { IdAllocator } from '../catalog/id-allocator.ts';
import { Tso } from '../catalog/tso.ts';
import { DataType } from '../schema/data-type.ts';
import { normalizeSchema } from '../schema/normalize.ts';
import { rowsToBatch } from '../schema/row-batch.ts';
import { ManifestStore } from '../storage/manifest.ts';
import { VesperError } from '../errors/index.ts';
import { attachMaintenance, flush } from './segment-maintenance.ts';
import { SegmentManager } from './segment-manager.ts';
import { writerRole } from './holder-role.ts';
import { testCollection } from './test-collection.ts';

const schema = normalizeSchema({
  collection_name: 'shared',
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'v', data_type: DataType.FloatVector, dim: 2 },
  ],
});

const info = testCollection(schema, { id: 7, shardsNum: 2, consistencyLevel: 'Bounded' });

async function manager(storage: StorageSet, tso: Tso, ownedShards?: number[]): Promise<SegmentManager> {
  // Each "process" has its own id allocator; they share the meta store (CAS keeps ids unique).
  const ids = new IdAllocator(storage.meta, 'ids', 16);
  const m = await SegmentManager.open({ storage, tso, ids, role: writerRole(ownedShards) }, info);
  attachMaintenance(m);
  return m;
}

function insert(m: SegmentManager, shard: number, ids: number[]): Promise<bigint> {
  const batch = rowsToBatch(schema, ids.map((id) => ({ id, v: [id, 1] })));
  return m.write(shard, (ts) => ({ type: 'insert', collectionId: info.id, partitionId: 100, ts, upsert: false, batch }), 100);
}

function liveRows(m: SegmentManager): number {
  return m.segments().reduce((n, s) => n + s.visibility(m.deps.tso.current()).toIndices().length, 0);
}

describe('SegmentManagers sharing one collection', () => {
  it('commit races lose no segment and keep every checkpoint', async () => {
    const storage = createMemoryStorage();
    const tso = await Tso.open(storage.meta);
    const a = await manager(storage, tso, [0]);
    const b = await manager(storage, tso, [1]);
    let next = 0;
    for (let round = 0; round < 12; round++) {
      const ra = Array.from({ length: 5 }, () => next++);
      const rb = Array.from({ length: 3 }, () => next++);
      await Promise.all([insert(a, 0, ra), insert(b, 1, rb)]);
      // Both flush at once: one of the two commits loses the race every round.
      await Promise.all([flush(a), flush(b)]);
    }
    const latest = await new ManifestStore(storage.objects).latest(info.id);
    const ids = latest.segments.map((s) => s.id);
    expect(new Set(ids).size).toBe(24);
    expect(latest.segments.filter((s) => s.shard === 0)).toHaveLength(12);
    expect(latest.segments.reduce((n, s) => n + s.rows, 0)).toBe(next);
    expect(latest.checkpoints['0']).toBe(a.shards[0]!.lastLsn);
    expect(latest.checkpoints['1']).toBe(b.shards[1]!.lastLsn);
    // Each keeps only its own shard's sealed segments.
    expect(a.sealed.every((s) => s.shard === 0)).toBe(true);
    expect(b.sealed.every((s) => s.shard === 1)).toBe(true);

    const all = await manager(storage, tso);
    expect(all.sealed).toHaveLength(24);
    expect(liveRows(all)).toBe(next);
  });

  it('deletes flushed by one owner survive the other owner\'s commits', async () => {
    const storage = createMemoryStorage();
    const tso = await Tso.open(storage.meta);
    const a = await manager(storage, tso, [0]);
    const b = await manager(storage, tso, [1]);
    await insert(a, 0, [1, 2, 3]);
    await insert(b, 1, [4, 5]);
    await Promise.all([flush(a), flush(b)]);
    await a.write(0, (ts) => ({ type: 'delete', collectionId: info.id, partitionId: -1, ts, pks: [2n] }));
    await insert(b, 1, [6]);
    await Promise.all([flush(a), flush(b)]);
    const reader = await manager(storage, tso);
    expect(liveRows(reader)).toBe(5);
    // A refreshing reader picks up later commits without reopening.
    await insert(b, 1, [7]);
    await flush(b);
    expect(await reader.refreshSealed()).toBe(true);
    expect(liveRows(reader)).toBe(6);
  });

  it('writes to a shard the manager does not own are refused', async () => {
    const storage = createMemoryStorage();
    const m = await manager(storage, await Tso.open(storage.meta), [1]);
    await expect(insert(m, 0, [1])).rejects.toSatisfy((e) => VesperError.is(e, 'PARAMETER_INVALID'));
    await expect(SegmentManager.open({ storage, tso: m.deps.tso, ids: m.deps.ids, role: writerRole([2]) }, info)).rejects.toThrow(/not a shard/);
  });

  it('replays only owned WAL channels after a restart', async () => {
    const storage = createMemoryStorage();
    const tso = await Tso.open(storage.meta);
    const a = await manager(storage, tso, [0]);
    const b = await manager(storage, tso, [1]);
    await insert(a, 0, [1, 2]);
    await insert(b, 1, [3]);
    const a2 = await manager(storage, tso, [0]);
    expect(liveRows(a2)).toBe(2);
    expect(a2.shards[1]!.growing.size).toBe(0);
  });
});
