/**
 * A writer holding its sealed segments hollow (primary keys, timestamps and deletes only;
 * the `hollowLeader` role) behaves like one holding them whole. Two SegmentManagers get the same seeded
 * stream of inserts, re-inserts, upserts, deletes by key and by filter, seals, compactions and
 * index builds; the hollow one's sealed rows are read through a SealedReplica synced from it
 * (what an edge QueryNode does). After every round the manifests, the per-segment row and
 * delete counts, search and query answers must agree, and the hollow writer must hold nothing
 * but keys.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../adapters/memory-storage.ts';
import { IdAllocator } from '../catalog/id-allocator.ts';
import { Tso } from '../catalog/tso.ts';
import { loadTestKernels } from '../kernels/test-kernels.ts';
import { getIndexFactory } from '../index/index-registry.ts';
import { rowsToBatch } from '../schema/row-batch.ts';
import { Random, testSeed } from '../util/random.ts';
import { mergeSearch } from '../query/partial.ts';
import { queryKeys } from '../query/query-executor.ts';
import { readQuery, readSearch } from '../query/read-executor.ts';
import { StoredCells } from '../query/output.ts';
import { queryShare } from '../proxy/local-reader-pool.ts';
import type { QueryPlan } from '../query/read-plan.ts';
import { prepareQuery, prepareSearch } from '../proxy/prepared.ts';
import { filterPlan, requestFilter } from '../proxy/filter.ts';
import { keysShare } from '../proxy/local-reader-pool.ts';
import { SealedReplica, writerAssignment } from './sealed-replica.ts';
import { HollowSealedSegment } from './hollow-sealed-segment.ts';
import { LEAN_HOLDING, hollowLeaderRole, writerRole } from './holder-role.ts';
import { attachMaintenance, compact, flush } from './segment-maintenance.ts';
import { SegmentManager } from './segment-manager.ts';
import { INDEXED_TEST_DIM, indexedTestCollection } from './test-collection.ts';
import type { PkValue, Segment } from './segment.ts';

const seed = testSeed(process.env.VESPER_SEED);
const DIM = INDEXED_TEST_DIM;
const info = indexedTestCollection();
const schema = info.schema;

async function manager(tso: Tso, hollow: boolean, collection = info): Promise<SegmentManager> {
  const storage = createMemoryStorage();
  const m = await SegmentManager.open(
    {
      storage,
      tso,
      ids: new IdAllocator(storage.meta, 'ids', 16),
      indexFactory: getIndexFactory,
      policy: { maxRows: 40, maxBytes: 1 << 30, maxAgeMs: 1e9, compactBelowRows: 30, compactDeletedRatio: 0.2 },
      role: hollow ? hollowLeaderRole(0) : writerRole(),
    },
    collection,
  );
  attachMaintenance(m);
  return m;
}

describe(`hollow sealed segments = whole ones (seed ${seed})`, () => {
  it('agrees on manifests, counts, search, query and filtered deletes, holding keys only', async () => {
    await loadTestKernels();
    const rng = new Random(seed);
    const tso = await Tso.open(createMemoryStorage().meta);
    const whole = await manager(tso, false);
    const hollow = await manager(tso, true);
    // a reader of the hollow writer's files loads whole segments
    const replica = new SealedReplica(hollow.source);
    // and a lean one (an edge query node): vector columns with an open index stay in storage
    const lean = new SealedReplica(hollow.source, LEAN_HOLDING);
    const vec = () => Array.from({ length: DIM }, () => Math.fround(rng.gaussian()));
    const both = async (f: (m: SegmentManager) => Promise<unknown>) => {
      await f(whole);
      await f(hollow);
    };
    /** The hollow side's readable segments: its growing ones and the replica's sealed ones. */
    const hollowView = async (): Promise<Segment[]> => {
      await replica.sync(writerAssignment(hollow));
      return [...hollow.segments().filter((s) => !s.sealed), ...replica.segments()];
    };
    let next = 0;
    for (let round = 0; round < 8; round++) {
      const ctx = `seed ${seed}, round ${round}`;
      for (let b = 0; b < 3; b++) {
        const rows = Array.from({ length: 25 }, () => {
          const id = rng.next() < 0.25 && next > 0 ? rng.int(next) : next++;
          return { id, v: vec(), n: rng.int(40), tag: rng.pick(['a', 'b', 'c']) };
        });
        const unique = [...new Map(rows.map((r) => [r.id, r])).values()];
        const upsert = rng.next() < 0.3;
        const batch = rowsToBatch(schema, upsert ? unique : rows);
        await both((m) => m.write(0, (ts) => ({ type: 'insert', collectionId: info.id, partitionId: 100, ts, upsert, batch }), 100));
      }
      const gone = Array.from({ length: 4 }, () => BigInt(rng.int(Math.max(next, 1))));
      await both((m) => m.write(0, (ts) => ({ type: 'delete', collectionId: info.id, partitionId: -1, ts, pks: gone })));

      // delete by filter: the hollow writer finds its sealed keys through the replica
      const filterReq = { filter: `n == ${rng.int(40)} or tag == "c" and n < 3` };
      const at = tso.current();
      const wantKeys = queryKeys(whole.segments(), at, requestFilter(schema, filterReq));
      await replica.sync(writerAssignment(hollow));
      const growingKeys = queryKeys(hollow.segments().filter((s) => !s.sealed), at, requestFilter(schema, filterReq));
      const gotKeys = [...new Set<PkValue>([...growingKeys, ...keysShare(replica, filterPlan(schema, filterReq)!, at, -1)])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(gotKeys, ctx).toEqual(wantKeys);
      if (wantKeys.length > 0) await both((m) => m.write(0, (ts) => ({ type: 'delete', collectionId: info.id, partitionId: -1, ts, pks: wantKeys })));

      if (round % 3 === 2) await both((m) => flush(m));
      if (round === 4 || round === 7) await both((m) => compact(m).then(() => m.idle()));
      await both((m) => m.idle());

      // the same segments, rows, deletes and committed files
      const shape = (m: SegmentManager) =>
        m.manifest.segments.map((r) => ({ id: r.id, rows: r.rows, level: r.level, deltas: r.deltaLogs.length, indexes: r.indexes.map((i) => i.field).sort() }));
      expect(shape(hollow), ctx).toEqual(shape(whole));
      const counts = (m: SegmentManager) => m.sealed.map((s) => [s.id, s.rowCount, s.liveCount, s.deletedCount, s.pendingDeletes.length, s.hasIndex('v'), s.hasIndex('n')]);
      expect(counts(hollow), ctx).toEqual(counts(whole));
      for (const s of hollow.sealed) {
        expect(s, ctx).toBeInstanceOf(HollowSealedSegment);
        expect([...s.columns().keys()], ctx).toEqual(['id']);
        expect(s.indexes.size + s.scalarIndexes.size, ctx).toBe(0);
      }

      const ts = tso.current();
      const wholeSegs = whole.segments();
      const hollowSegs = await hollowView();
      const q = { data: [vec(), vec()], anns_field: 'v', limit: 12, filter: 'n > 5', output_fields: ['n', 'tag'], params: { ef: 64 } };
      const ps = prepareSearch(info, q);
      const merge = (hits: ReturnType<typeof readSearch>) => mergeSearch([hits], { metric: ps.metric, limit: ps.limit, offset: 0 });
      const want = merge(readSearch(wholeSegs, ts, ps));
      expect(want.flat().length, ctx).toBeGreaterThan(0);
      expect(merge(readSearch(hollowSegs, ts, ps)), ctx).toEqual(want);
      const pq = prepareQuery(info, { filter: 'n < 20 and tag != "b"', output_fields: ['n', 'tag', 'v'] }) as QueryPlan;
      // row timestamps differ between the two writers (one oracle, interleaved): compare the rows
      const byPk = (rows: ReturnType<typeof readQuery>) => [...rows].sort((a, b) => (a.pk < b.pk ? -1 : a.pk > b.pk ? 1 : 0)).map((r) => ({ ...r, ts: undefined }));
      const wantRows = byPk(readQuery(wholeSegs, ts, pq));
      expect(byPk(readQuery(hollowSegs, ts, pq)), ctx).toEqual(wantRows);

      // the lean replica: indexed segments hold no vector column, yet answer the same
      await lean.sync(writerAssignment(hollow));
      const leanSegs = () => [...hollow.segments().filter((s) => !s.sealed), ...lean.segments()];
      for (const s of lean.segments()) expect(s.columns().has('v'), `${ctx}, segment ${s.id}`).toBe(!s.indexes.has('v'));
      expect(await lean.answer(['n', 'tag'], () => merge(readSearch(leanSegs(), ts, ps))), ctx).toEqual(want);
      // outputting vectors reads the returned rows of them from the insert logs
      const withVectors = async (): Promise<ReturnType<typeof byPk>> => {
        const later = new StoredCells(pq.output);
        const rows = readQuery(leanSegs(), ts, pq, later);
        await later.fill(lean);
        return byPk(rows);
      };
      expect(await lean.answer(['n', 'tag', 'v'], withVectors), ctx).toEqual(wantRows);
    }
    // the replica opened the index files the hollow writer built without holding them
    expect(replica.segments().some((s) => s.indexes.has('v')), `seed ${seed}`).toBe(true);
    expect(hollow.sealed.length, `seed ${seed}`).toBeGreaterThan(2);
    // compaction ran over hollow segments (read back from their insert logs)
    expect(hollow.manifest.segments.some((r) => r.level > 0), `seed ${seed}`).toBe(true);
    // an L2 HNSW index holds the vectors as inserted: it serves them, nothing is read back
    expect(lean.segments().some((s) => s.indexes.has('v')), `seed ${seed}`).toBe(true);
    expect(lean.segments().every((s) => !s.indexes.has('v') || (s.isServed('v') && !s.columns().has('v') && !s.dropped.has('v'))), `seed ${seed}`).toBe(true);
    replica.close();
    lean.close();
    await whole.close(false);
    await hollow.close(false);
  });

  it('a lean reader reads the returned rows of a COSINE-indexed vector column for one request', async () => {
    await loadTestKernels();
    const tso = await Tso.open(createMemoryStorage().meta);
    // COSINE rows are normalized in the index, so the column is not served by it
    const cosine: typeof info = { ...info, indexes: info.indexes.map((i) => (i.fieldName === 'v' ? { ...i, metricType: 'COSINE' as const } : i)) };
    const m = await manager(tso, true, cosine);
    const rng = new Random(seed);
    const rows = Array.from({ length: 40 }, (_, i) => ({ id: i, v: Array.from({ length: DIM }, () => Math.fround(rng.gaussian())), n: i, tag: 'a' }));
    const batch = rowsToBatch(schema, rows);
    await m.write(0, (ts) => ({ type: 'insert', collectionId: cosine.id, partitionId: 100, ts, upsert: false, batch }), 100);
    await m.idle();
    const lean = new SealedReplica(m.source, LEAN_HOLDING);
    await lean.sync(writerAssignment(m));
    const [seg] = lean.segments();
    expect([seg!.indexes.has('v'), seg!.isServed('v'), seg!.dropped.has('v')], `seed ${seed}`).toEqual([true, false, true]);
    const pq = prepareQuery(cosine, { filter: 'n < 5', output_fields: ['v'] }) as QueryPlan;
    const got = await queryShare(lean, pq, tso.current());
    expect(got.map((r) => r.row['v']), `seed ${seed}`).toEqual(rows.slice(0, 5).map((r) => r.v));
    // only the returned rows were read: the column stays in the store
    expect([seg!.columns().has('v'), seg!.dropped.has('v')], `seed ${seed}`).toEqual([false, true]);
    lean.close();
    await m.close(false);
  });

  it('a lean reader reads a vector column back when its index is dropped', async () => {
    await loadTestKernels();
    const tso = await Tso.open(createMemoryStorage().meta);
    const m = await manager(tso, true);
    const rng = new Random(seed);
    const batch = rowsToBatch(schema, Array.from({ length: 40 }, (_, i) => ({ id: i, v: Array.from({ length: DIM }, () => Math.fround(rng.gaussian())), n: i, tag: 'a' })));
    await m.write(0, (ts) => ({ type: 'insert', collectionId: info.id, partitionId: 100, ts, upsert: false, batch }), 100);
    await m.idle();
    const lean = new SealedReplica(m.source, LEAN_HOLDING);
    await lean.sync(writerAssignment(m));
    const [seg] = lean.segments();
    expect(seg!.indexes.has('v'), `seed ${seed}`).toBe(true);
    expect(seg!.columns().has('v'), `seed ${seed}`).toBe(false);
    // the index is dropped: the record no longer lists it, and the segment is searched exactly
    const a = writerAssignment(m);
    await lean.sync({ ...a, records: a.records.map((r) => ({ ...r, indexes: r.indexes.filter((i) => i.field !== 'v') })) });
    expect(seg!.indexes.has('v'), `seed ${seed}`).toBe(false);
    expect(seg!.columns().has('v'), `seed ${seed}`).toBe(true);
    const ps = prepareSearch(info, { data: [Array.from({ length: DIM }, () => 0)], anns_field: 'v', limit: 3 });
    expect(readSearch(lean.segments(), tso.current(), ps)[0], `seed ${seed}`).toHaveLength(3);
    lean.close();
    await m.close(false);
  });
});
