/**
 * `buildsYieldToWrites`: an index build waits while writes keep arriving, runs once they have
 * been quiet for `quietMs`, and runs anyway once `maxWaitMs` have passed since it was
 * scheduled. The manager's clock is a hand-moved one, so what "quiet" means does not depend
 * on how loaded the machine is.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../adapters/memory-storage.ts';
import { IdAllocator } from '../catalog/id-allocator.ts';
import { Tso } from '../catalog/tso.ts';
import { getIndexFactory } from '../index/index-registry.ts';
import { loadTestKernels } from '../kernels/test-kernels.ts';
import { DataType } from '../schema/data-type.ts';
import { normalizeSchema } from '../schema/normalize.ts';
import { rowsToBatch } from '../schema/row-batch.ts';
import { attachMaintenance } from './segment-maintenance.ts';
import { SegmentManager } from './segment-manager.ts';
import { testCollection } from './test-collection.ts';

const schema = normalizeSchema({
  collection_name: 'y',
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'v', data_type: DataType.FloatVector, dim: 4 },
  ],
});

const info = testCollection(schema, {
  id: 5,
  indexes: [{ indexId: 9, indexName: 'v', fieldName: 'v', indexType: 'HNSW', metricType: 'L2', params: { M: 8, efConstruction: 32 }, createdTs: '0' }],
});

async function setup(quietMs: number, maxWaitMs: number) {
  await loadTestKernels();
  const storage = createMemoryStorage();
  const clock = { now: 1_000_000 };
  const m = await SegmentManager.open(
    {
      storage,
      tso: await Tso.open(storage.meta),
      ids: new IdAllocator(storage.meta, 'ids', 16),
      indexFactory: getIndexFactory,
      clock: () => clock.now,
      policy: { maxRows: 20, maxBytes: 1 << 30, maxAgeMs: 1e12, compactBelowRows: 1, compactDeletedRatio: 1 },
      buildsYieldToWrites: { quietMs, maxWaitMs },
    },
    info,
  );
  attachMaintenance(m);
  let next = 0;
  const write = (n: number) => {
    const batch = rowsToBatch(schema, Array.from({ length: n }, () => ({ id: next++, v: [next, 1, 2, 3] })));
    return m.write(0, (ts) => ({ type: 'insert', collectionId: info.id, partitionId: 100, ts, upsert: false, batch }), 100);
  };
  return { m, clock, write };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for the background seal the 20th row triggers. */
async function sealed(m: SegmentManager): Promise<void> {
  for (let i = 0; i < 500 && m.sealed.length === 0; i++) await settle(10);
  expect(m.sealed).toHaveLength(1);
}

describe('index builds yield to writes', () => {
  it('waits while writes keep coming, builds once they are quiet', async () => {
    const { m, clock, write } = await setup(1_000, 60_000);
    await write(20); // seals: one segment, its build scheduled
    await sealed(m);
    for (let i = 0; i < 5; i++) {
      clock.now += 500; // never 1 s without a write
      await write(1);
      await settle(120);
      expect(m.sealed[0]!.hasIndex('v'), `write ${i}`).toBe(false);
    }
    clock.now += 1_001;
    await m.idle();
    expect(m.sealed[0]!.hasIndex('v')).toBe(true);
    await m.close(false);
  });

  it('builds anyway once maxWaitMs have passed since it was scheduled', async () => {
    const { m, clock, write } = await setup(10_000, 2_000);
    await write(20);
    await sealed(m);
    await settle(150);
    expect(m.sealed[0]!.hasIndex('v')).toBe(false);
    clock.now += 1_000;
    await write(1); // writes are recent, but the wait is capped
    clock.now += 1_001;
    await m.idle();
    expect(m.sealed[0]!.hasIndex('v')).toBe(true);
    await m.close(false);
  });

  it('builds at once when unset', async () => {
    await loadTestKernels();
    const storage = createMemoryStorage();
    const m = await SegmentManager.open(
      { storage, tso: await Tso.open(storage.meta), ids: new IdAllocator(storage.meta, 'ids', 16), indexFactory: getIndexFactory, clock: () => 0, policy: { maxRows: 20, maxBytes: 1 << 30, maxAgeMs: 1e12, compactBelowRows: 1, compactDeletedRatio: 1 } },
      info,
    );
    attachMaintenance(m);
    const batch = rowsToBatch(schema, Array.from({ length: 20 }, (_, i) => ({ id: i, v: [i, 1, 2, 3] })));
    await m.write(0, (ts) => ({ type: 'insert', collectionId: info.id, partitionId: 100, ts, upsert: false, batch }), 100);
    await m.idle();
    expect(m.sealed[0]!.hasIndex('v')).toBe(true);
    await m.close(false);
  });
});
