/**
 * One copy of the vectors: a sealed segment whose vector index holds every row's vector
 * exactly (HNSW and FLAT over FloatVector with L2/IP) drops its own column and serves output
 * vectors from the index; a COSINE index (normalized rows) leaves the column in place. The
 * oracle is the inserted data: every vector a search, query or get returns must be bit-identical
 * to what was inserted — after the index build, after compaction (which reads the vectors back
 * from the index), after the index is dropped (the column comes back) and after a reopen from
 * the files. Seed: VESPER_SEED (printed in the test name).
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../adapters/memory-storage.ts';
import type { StorageSet } from '../adapters/storage-set.ts';
import { IdAllocator } from '../catalog/id-allocator.ts';
import { Tso } from '../catalog/tso.ts';
import { loadTestKernels } from '../kernels/test-kernels.ts';
import { getIndexFactory } from '../index/index-registry.ts';
import { DataType } from '../schema/data-type.ts';
import { normalizeSchema } from '../schema/normalize.ts';
import { rowsToBatch } from '../schema/row-batch.ts';
import { Random, testSeed } from '../util/random.ts';
import { mergeSearch } from '../query/partial.ts';
import { executeQuery, readQuery, readSearch } from '../query/read-executor.ts';
import type { QueryPlan } from '../query/read-plan.ts';
import { prepareQuery, prepareSearch } from '../proxy/prepared.ts';
import { attachMaintenance, compact, dropIndexFiles, flush } from './segment-maintenance.ts';
import { SegmentManager } from './segment-manager.ts';
import { testCollection } from './test-collection.ts';

const seed = testSeed(process.env.VESPER_SEED);
const DIM = 12;
const N = 120;

const schema = normalizeSchema({
  collection_name: 'served',
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'v', data_type: DataType.FloatVector, dim: DIM },
    { name: 'w', data_type: DataType.FloatVector, dim: DIM },
    { name: 'c', data_type: DataType.FloatVector, dim: DIM },
    { name: 'n', data_type: DataType.Int32 },
  ],
});

const info = testCollection(schema, {
  id: 7,
  indexes: [
    { indexId: 21, indexName: 'v_idx', fieldName: 'v', indexType: 'HNSW', metricType: 'L2', params: { M: 8, efConstruction: 64 }, createdTs: '0' },
    { indexId: 22, indexName: 'w_idx', fieldName: 'w', indexType: 'FLAT', metricType: 'IP', params: {}, createdTs: '0' },
    { indexId: 23, indexName: 'c_idx', fieldName: 'c', indexType: 'HNSW', metricType: 'COSINE', params: { M: 8, efConstruction: 64 }, createdTs: '0' },
  ],
});

async function manager(storage: StorageSet, tso: Tso): Promise<SegmentManager> {
  const m = await SegmentManager.open(
    {
      storage,
      tso,
      ids: new IdAllocator(storage.meta, 'ids', 16),
      indexFactory: getIndexFactory,
      policy: { maxRows: 40, maxBytes: 1 << 30, maxAgeMs: 1e9, compactBelowRows: 30, compactDeletedRatio: 0.2 },
    },
    info,
  );
  attachMaintenance(m);
  return m;
}

type Row = { id: number; v: number[]; w: number[]; c: number[]; n: number };

function l2(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
}

describe(`vectors served by their index (seed ${seed})`, () => {
  it('returns bit-identical vectors from the index copy through build, compaction, index drop and reopen', async () => {
    await loadTestKernels();
    const rng = new Random(seed);
    const vec = () => Array.from({ length: DIM }, () => Math.fround(rng.gaussian()));
    const rows: Row[] = Array.from({ length: N }, (_, id) => ({ id, v: vec(), w: vec(), c: vec(), n: rng.int(6) }));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const storage = createMemoryStorage();
    const tso = await Tso.open(storage.meta);
    let m = await manager(storage, tso);
    for (let s = 0; s < N; s += 40) {
      const batch = rowsToBatch(schema, rows.slice(s, s + 40));
      await m.write(0, (ts) => ({ type: 'insert', collectionId: info.id, partitionId: 100, ts, upsert: false, batch }), 100);
    }
    await flush(m);
    await m.idle();

    /** Every sealed segment: v and w served by their index, c (COSINE: the index holds normalized copies) left in the object store. */
    const expectServed = (ctx: string, v = true) => {
      expect(m.sealed.length, ctx).toBeGreaterThan(0);
      for (const s of m.sealed) {
        expect([s.isServed('v'), s.isServed('w'), s.isServed('c')], `${ctx}, segment ${s.id}`).toEqual([v, true, false]);
        expect([s.columns().has('v'), s.columns().has('w'), s.columns().has('c')], `${ctx}, segment ${s.id}`).toEqual([!v, false, false]);
        expect(s.inStore.has('c'), `${ctx}, segment ${s.id}`).toBe(true);
      }
    };
    const live = new Set(rows.map((r) => r.id));
    /** A query of every live row outputs exactly the inserted vectors (c read back from the insert log by the writer's host). */
    const expectRows = async (ctx: string) => {
      const pq = prepareQuery(info, { filter: 'id >= 0', output_fields: ['v', 'w', 'c', 'n'], limit: 1000 }) as QueryPlan;
      expect(() => readQuery(m.segments(), tso.current(), pq), 'a read that cannot read the store refuses, never a null cell').toThrow(/object store/);
      const got = (await executeQuery(pq, tso.current(), { segments: m.segments(), store: m.storedColumns }, true)).map((r) => r.row).sort((a, b) => Number(a['id']) - Number(b['id']));
      expect(got.map((r) => Number(r['id'])), ctx).toEqual([...live].sort((a, b) => a - b));
      for (const r of got) {
        const want = byId.get(Number(r['id']))!;
        expect({ v: r['v'], w: r['w'], c: r['c'], n: r['n'] }, `${ctx}, id ${String(r['id'])}`).toEqual({ v: want.v, w: want.w, c: want.c, n: want.n });
      }
    };
    /** Searches output the hits' inserted vectors; distances are the inserted vectors' distances. */
    const expectSearch = (ctx: string, extra: Record<string, unknown> = {}) => {
      const q = vec();
      const ps = prepareSearch(info, { data: [q], anns_field: 'v', limit: 10, output_fields: ['v', 'w'], params: { ef: 64 }, ...extra });
      const hits = mergeSearch([readSearch(m.segments(), tso.current(), ps)], { metric: ps.metric, limit: ps.limit, offset: 0 })[0]!;
      expect(hits.length, ctx).toBeGreaterThan(0);
      for (const h of hits) {
        const want = byId.get(Number(h.pk))!;
        expect({ v: h.row['v'], w: h.row['w'] }, `${ctx}, id ${String(h.pk)}`).toEqual({ v: want.v, w: want.w });
        expect(h.distance, `${ctx}, id ${String(h.pk)}`).toBeCloseTo(l2(q, want.v), 3);
      }
      return hits;
    };

    expectServed('after the index builds');
    await expectRows('after the index builds');
    expectSearch('after the index builds');
    // strict group-by skips the index: the exact scan reads a whole-column copy from the index
    const grouped = expectSearch('strict group-by', { group_by_field: 'n', group_size: 2, strict_group_size: true });
    const q0 = grouped.length;
    expect(q0, `seed ${seed}`).toBeGreaterThan(0);

    // deletes, then compaction: the merged segment's vectors come out of the source indexes
    const gone = rows.filter(() => rng.next() < 0.4).map((r) => BigInt(r.id));
    await m.write(0, (ts) => ({ type: 'delete', collectionId: info.id, partitionId: -1, ts, pks: gone }));
    for (const pk of gone) live.delete(Number(pk));
    await flush(m);
    const r = await compact(m);
    await m.idle();
    expect(r.produced, `seed ${seed}`).toBeGreaterThan(0);
    expect(m.manifest.segments.some((s) => s.level > 0), `seed ${seed}`).toBe(true);
    expectServed('after compaction');
    await expectRows('after compaction');
    expectSearch('after compaction');

    // reopening from the files serves the vectors from the opened index files
    await m.close(false);
    m = await manager(storage, tso);
    expectServed('after reopen');
    await expectRows('after reopen');
    expectSearch('after reopen');

    // dropping the index puts the column back (copied out of the index before it is freed)
    await dropIndexFiles(m, 'v');
    expectServed('after dropping the v index', false);
    await expectRows('after dropping the v index');
    expectSearch('after dropping the v index');
    await m.close(false);
  });
});
