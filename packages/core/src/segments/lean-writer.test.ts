/**
 * The writer keeps indexed vectors on disk (issue 17): once a vector index is built, a sealed
 * segment's vector column leaves memory (the index serves it, or — COSINE, IVF, PQ, whose
 * index holds no exact copy — it stays in the insert log), and a reopen never reads it. Answers
 * that output it read the returned rows back; an exact scan (index dropped) reads the column
 * back first. Oracles: the inserted rows and an exact search over them.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../adapters/memory-storage.ts';
import { IoCountingStorage } from '../adapters/io-counting.ts';
import { IdAllocator } from '../catalog/id-allocator.ts';
import { Tso } from '../catalog/tso.ts';
import type { CollectionInfo } from '../catalog/types.ts';
import { loadTestKernels } from '../kernels/test-kernels.ts';
import { getIndexFactory } from '../index/index-registry.ts';
import { DataType } from '../schema/data-type.ts';
import { normalizeSchema } from '../schema/normalize.ts';
import { rowsToBatch } from '../schema/row-batch.ts';
import { Random, testSeed } from '../util/random.ts';
import { executeQuery, executeSearch, type ReadHost } from '../query/read-executor.ts';
import type { QueryPlan } from '../query/read-plan.ts';
import { prepareQuery, prepareSearch } from '../proxy/prepared.ts';
import { attachMaintenance, collectGarbage, compact, dropIndexFiles } from './segment-maintenance.ts';
import { SegmentManager } from './segment-manager.ts';
import { testCollection } from './test-collection.ts';
import type { StorageSet } from '../adapters/storage-set.ts';

const seed = testSeed(process.env.VESPER_SEED);
const DIM = 64;
const N = 2000;

const schema = normalizeSchema({
  collection_name: 'lean',
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'v', data_type: DataType.FloatVector, dim: DIM },
    { name: 'n', data_type: DataType.Int32 },
  ],
});

function collection(indexType: string, params: Record<string, unknown>): CollectionInfo {
  return testCollection(schema, { id: 4, indexes: [{ indexId: 12, indexName: 'v_idx', fieldName: 'v', indexType, metricType: 'COSINE', params, createdTs: '0' }] });
}

async function open(storage: StorageSet, tso: Tso, info: CollectionInfo, compactDeletedRatio = 1): Promise<SegmentManager> {
  const m = await SegmentManager.open(
    { storage, tso, ids: new IdAllocator(storage.meta, 'ids', 16), indexFactory: getIndexFactory, policy: { maxRows: 1000, maxBytes: 1 << 30, maxAgeMs: 1e9, compactBelowRows: 0, compactDeletedRatio } },
    info,
  );
  attachMaintenance(m);
  return m;
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return d / Math.sqrt(na * nb);
}

describe(`the writer keeps indexed vectors on disk (seed ${seed})`, () => {
  for (const [indexType, params, searchParams] of [
    ['HNSW', { M: 8, efConstruction: 32 }, { ef: 64 }],
    ['IVF_FLAT', { nlist: 8 }, { nprobe: 8 }],
  ] as const) {
    it(`${indexType} COSINE: no vector column in memory or read at reopen; outputs and exact scans read it back`, async () => {
      await loadTestKernels();
      const rng = new Random(seed);
      const info = collection(indexType, params);
      const rows = Array.from({ length: N }, (_, id) => ({ id, v: Array.from({ length: DIM }, () => Math.fround(rng.gaussian())), n: rng.int(5) }));
      const io = new IoCountingStorage(createMemoryStorage());
      const tso = await Tso.open(createMemoryStorage().meta);
      let m = await open(io, tso, info);
      for (const part of [rows.slice(0, 1000), rows.slice(1000)]) {
        await m.write(0, (ts) => ({ type: 'insert', collectionId: info.id, partitionId: 100, ts, upsert: false, batch: rowsToBatch(schema, part) }), 100);
      }
      await m.idle();
      expect(m.sealed.length, `seed ${seed}`).toBe(2);
      for (const s of m.sealed) expect([s.columns().has('v'), s.inStore.has('v'), s.indexes.has('v')], `after the build, segment ${s.id}`).toEqual([false, true, true]);

      // reopen: the insert logs' vector columns are not read
      const logBytes = (await Promise.all(m.manifest.segments.map(async (r) => (await io.inner.objects.head(r.insertLog))!.size))).reduce((a, b) => a + b, 0);
      const indexBytes = m.manifest.segments.flatMap((r) => r.indexes).reduce((a, i) => a + i.bytes, 0);
      await m.close(false);
      io.reset();
      m = await open(io, tso, info);
      const read = io.get('objects').bytesRead;
      console.log(`${indexType}: reopen read ${read} B (insert logs ${logBytes} B, index files ${indexBytes} B; seed ${seed})`);
      // vectors are 256 of ~270 bytes a row: the logs' share read is under a fifth of them
      expect(read - indexBytes, `seed ${seed}`).toBeLessThan(logBytes * 0.2);
      for (const s of m.sealed) expect([s.columns().has('v'), s.inStore.has('v')], `after reopen, segment ${s.id}`).toEqual([false, true]);

      const host = (): ReadHost => ({ segments: m.segments(), store: m.storedColumns });
      const byId = new Map(rows.map((r) => [r.id, r]));
      // a search outputting the vectors: each hit's inserted vector, its score that vector's
      const q = rows[3]!.v;
      const ps = prepareSearch(info, { data: [q], anns_field: 'v', limit: 8, output_fields: ['v', 'n'], params: searchParams });
      const [hits] = await executeSearch(ps, tso.current(), host(), true);
      expect(hits!.length, `seed ${seed}`).toBe(8);
      for (const h of hits!) {
        const want = byId.get(Number(h.pk))!;
        expect({ v: h.row['v'], n: h.row['n'] }, `hit ${String(h.pk)}, seed ${seed}`).toEqual({ v: want.v, n: want.n });
        expect(h.distance, `hit ${String(h.pk)}, seed ${seed}`).toBeCloseTo(cosine(q, want.v), 4);
      }
      // a query outputting them, across both segments
      const pq = prepareQuery(info, { filter: 'id % 97 == 0', output_fields: ['v'] }) as QueryPlan;
      const got = await executeQuery(pq, tso.current(), host(), true);
      expect(got.map((r) => r.row), `seed ${seed}`).toEqual(rows.filter((r) => r.id % 97 === 0).map((r) => ({ id: BigInt(r.id), v: r.v })));
      for (const s of m.sealed) expect(s.columns().has('v'), 'outputs read rows without keeping the column').toBe(false);

      // the index dropped: the exact scan reads the column back and ranks every row
      await dropIndexFiles(m, 'v');
      const exact = rows.map((r) => ({ id: r.id, s: cosine(q, r.v) })).sort((a, b) => b.s - a.s || a.id - b.id).slice(0, 8);
      const [scanned] = await executeSearch(prepareSearch(info, { data: [q], anns_field: 'v', limit: 8 }), tso.current(), host(), true);
      expect(scanned!.map((h) => Number(h.pk)), `seed ${seed}`).toEqual(exact.map((e) => e.id));
      for (const s of m.sealed) expect(s.columns().has('v'), 'an exact scan holds its column').toBe(true);
      await m.close(false);
    });
  }

  it('a read still filling stored cells holds its segments\' files: a compaction and garbage collection meanwhile delete them only after it', async () => {
    await loadTestKernels();
    const rng = new Random(seed + 1);
    const info = collection('IVF_FLAT', { nlist: 4 });
    const rows = Array.from({ length: N }, (_, id) => ({ id, v: Array.from({ length: DIM }, () => Math.fround(rng.gaussian())), n: rng.int(5) }));
    const storage = createMemoryStorage();
    const tso = await Tso.open(createMemoryStorage().meta);
    // segments of 1,000 rows; one with any deleted row is rewritten by compaction
    const m = await open(storage, tso, info, 0);
    for (const part of [rows.slice(0, 1000), rows.slice(1000)]) {
      await m.write(0, (ts) => ({ type: 'insert', collectionId: info.id, partitionId: 100, ts, upsert: false, batch: rowsToBatch(schema, part) }), 100);
    }
    await m.idle();
    const old = m.manifest.segments.map((r) => r.insertLog);
    expect(old.length, `seed ${seed}`).toBe(2);
    await m.write(0, (ts) => ({ type: 'delete', collectionId: info.id, partitionId: -1, ts, pks: [3n, 1500n] }));
    rows.splice(1500, 1);
    rows.splice(3, 1);

    // a read outputting stored cells holds its segments' files from its synchronous part until it settles
    const pq = prepareQuery(info, { filter: 'id % 89 == 0', output_fields: ['v'] }) as QueryPlan;
    const want = rows.filter((r) => r.id % 89 === 0).map((r) => ({ id: BigInt(r.id), v: r.v }));
    const pending = executeQuery(pq, tso.current(), { segments: m.segments(), store: m.storedColumns }, true);
    expect(pending).toBeInstanceOf(Promise);
    expect(old.every((k) => m.readHolds.has(k)), 'held while the read fills its cells').toBe(true);
    expect((await pending).map((r) => r.row), `seed ${seed}`).toEqual(want);
    expect(m.readHolds.size, 'released when the read settles').toBe(0);

    // what a hold buys: a compaction and garbage collection meanwhile leave the files its segments read
    const before = m.segments();
    const release = m.storedColumns.hold(before);
    expect((await compact(m)).merged, `seed ${seed}`).toBe(2);
    expect(m.manifest.segments.some((r) => old.includes(r.insertLog)), 'both segments rewritten').toBe(false);
    await collectGarbage(m);
    for (const k of old) expect(await storage.objects.head(k), `${k} spared while held`).toBeDefined();
    const late = await executeQuery(pq, tso.current(), { segments: before, store: { ...m.storedColumns, hold: () => () => undefined } }, true);
    expect(late.map((r) => r.row), 'the held segments still answer').toEqual(want);
    release();
    release();
    expect(m.readHolds.size, 'a release counts once').toBe(0);
    await collectGarbage(m);
    for (const k of old) expect(await storage.objects.head(k), `${k} deleted once released`).toBeUndefined();
    await m.close(false);
  });
});
