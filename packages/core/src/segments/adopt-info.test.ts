/**
 * SegmentManager.adoptInfo: a holder that learns of a dropped index only from a newer catalog
 * entry (an edge shard leader) forgets it in every sealed segment — a hollow segment's record
 * stops listing the file (so `hasIndex` is false for it), a whole
 * segment detaches its index and gets back the vector column the index served (its rows still
 * read the vectors they were written with). An entry with the same index set changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../adapters/memory-storage.ts';
import { IdAllocator } from '../catalog/id-allocator.ts';
import { Tso } from '../catalog/tso.ts';
import { loadTestKernels } from '../kernels/test-kernels.ts';
import { getIndexFactory } from '../index/index-registry.ts';
import { rowsToBatch } from '../schema/row-batch.ts';
import type { FloatVectorColumn } from '../schema/columns.ts';
import { Random, testSeed } from '../util/random.ts';
import { attachMaintenance } from './segment-maintenance.ts';
import { SegmentManager } from './segment-manager.ts';
import { HollowSealedSegment } from './hollow-sealed-segment.ts';
import { hollowLeaderRole, writerRole, type ManagerRole } from './holder-role.ts';
import { INDEXED_TEST_DIM, indexedTestCollection } from './test-collection.ts';

const seed = testSeed(process.env['VESPER_SEED']);
const DIM = INDEXED_TEST_DIM;
const ROWS = 40;
const info = indexedTestCollection();
const withoutV = { ...info, indexes: info.indexes.filter((i) => i.fieldName !== 'v') };

/** A manager of the role with one sealed, indexed segment of seeded rows; returns the rows' vectors too. */
async function sealedManager(role: ManagerRole): Promise<{ m: SegmentManager; vectors: Float32Array }> {
  await loadTestKernels();
  const storage = createMemoryStorage();
  const tso = await Tso.open(storage.meta);
  const m = await SegmentManager.open(
    {
      storage,
      tso,
      ids: new IdAllocator(storage.meta, 'ids', 16),
      indexFactory: getIndexFactory,
      policy: { maxRows: ROWS, maxBytes: 1 << 30, maxAgeMs: 1e9, compactBelowRows: 0, compactDeletedRatio: 1 },
      role,
    },
    info,
  );
  attachMaintenance(m);
  const rng = new Random(seed);
  const rows = Array.from({ length: ROWS }, (_, i) => ({ id: i, v: Array.from({ length: DIM }, () => Math.fround(rng.gaussian())), n: i, tag: 'a' }));
  const batch = rowsToBatch(info.schema, rows);
  await m.write(0, (ts) => ({ type: 'insert', collectionId: info.id, partitionId: 100, ts, upsert: false, batch }), 100);
  await m.idle();
  expect(m.sealed, `seed ${seed}`).toHaveLength(1);
  return { m, vectors: Float32Array.from(rows.flatMap((r) => r.v)) };
}

describe(`adoptInfo forgets dropped indexes (seed ${seed})`, () => {
  it('a hollow leader: the record stops listing the dropped index file', async () => {
    const { m } = await sealedManager(hollowLeaderRole(0));
    const [seg] = m.sealed;
    expect(seg, `seed ${seed}`).toBeInstanceOf(HollowSealedSegment);
    expect([seg!.hasIndex('v'), seg!.hasIndex('n')], `seed ${seed}`).toEqual([true, true]);
    expect(m.adoptInfo(info), `seed ${seed}`).toBe(false);
    expect(m.adoptInfo(withoutV), `seed ${seed}`).toBe(true);
    expect(m.adoptInfo(withoutV), `seed ${seed}`).toBe(false);
    expect([seg!.hasIndex('v'), seg!.hasIndex('n')], `seed ${seed}`).toEqual([false, true]);
    // no build of it is scheduled again: the segment's record no longer names the file
    expect(seg!.record.indexes.map((i) => i.field), `seed ${seed}`).toEqual(['n']);
    expect(m.info, `seed ${seed}`).toBe(withoutV);
    await m.close(false);
  });

  it('a whole writer: the index is detached and the column it served comes back', async () => {
    const { m, vectors } = await sealedManager(writerRole());
    const [seg] = m.sealed;
    expect([seg!.indexes.has('v'), seg!.isServed('v'), seg!.scalarIndexes.has('n')], `seed ${seed}`).toEqual([true, true, true]);
    expect(m.adoptInfo({ ...withoutV, indexes: [] }), `seed ${seed}`).toBe(true);
    expect([seg!.indexes.has('v'), seg!.isServed('v'), seg!.scalarIndexes.has('n')], `seed ${seed}`).toEqual([false, false, false]);
    const col = seg!.columns().get('v') as FloatVectorColumn | undefined;
    expect(col && Array.from(col.data), `seed ${seed}`).toEqual(Array.from(vectors));
    await m.close(false);
  });
});
