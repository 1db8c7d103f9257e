/**
 * Lazy columns (issue 17): a reader that loads a segment whose vector index answers searches
 * never reads the indexed vector column of the insert log — the index serves it (HNSW, L2) or
 * the holding leaves it in storage until an answer outputs it. Bytes read are counted by the
 * io-counting adapter; answers must equal those of the writer, which holds the segment whole.
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
import { executeSearch, readSearch } from '../query/read-executor.ts';
import { queryShare, searchShare } from '../proxy/local-reader-pool.ts';
import type { QueryPlan } from '../query/read-plan.ts';
import { prepareQuery, prepareSearch } from '../proxy/prepared.ts';
import { SealedReplica, writerAssignment } from './sealed-replica.ts';
import { LEAN_HOLDING, REPLICA_HOLDING, type SealedHolding } from './holder-role.ts';
import { attachMaintenance, compact, flush } from './segment-maintenance.ts';
import { SegmentManager } from './segment-manager.ts';
import { testCollection } from './test-collection.ts';

const seed = testSeed(process.env.VESPER_SEED);
const DIM = 96;
const N = 600;

function collection(metricType: 'L2' | 'COSINE'): CollectionInfo {
  const schema = normalizeSchema({
    collection_name: 'lazy',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
      { name: 'n', data_type: DataType.Int32, nullable: true },
      { name: 'tag', data_type: DataType.VarChar, max_length: 8 },
    ],
  });
  return testCollection(schema, {
    id: 3,
    indexes: [{ indexId: 11, indexName: 'v_idx', fieldName: 'v', indexType: 'HNSW', metricType, params: { M: 8, efConstruction: 32 }, createdTs: '0' }],
  });
}

/** A writer holding `rows` sealed, in segments of `chunk` rows (smaller ones may be compacted into one). */
async function sealedWriter(info: CollectionInfo, rows: Record<string, unknown>[], chunk = N): Promise<{ m: SegmentManager; io: IoCountingStorage; tso: Tso }> {
  const io = new IoCountingStorage(createMemoryStorage());
  const tso = await Tso.open(createMemoryStorage().meta);
  const m = await SegmentManager.open(
    { storage: io, tso, ids: new IdAllocator(io.meta, 'ids', 16), indexFactory: getIndexFactory, policy: { maxRows: N, maxBytes: 1 << 30, maxAgeMs: 1e9, compactBelowRows: chunk < N ? N : 0, compactDeletedRatio: 1 } },
    info,
  );
  attachMaintenance(m);
  for (let at = 0; at < rows.length; at += chunk) {
    const batch = rowsToBatch(info.schema, rows.slice(at, at + chunk));
    await m.write(0, (ts) => ({ type: 'insert', collectionId: info.id, partitionId: 100, ts, upsert: false, batch }), 100);
    if (chunk < N) await flush(m);
    await m.idle();
  }
  return { m, io, tso };
}

describe(`lazy columns: a reader never reads the indexed vectors it does not keep (seed ${seed})`, () => {
  const cases: [string, 'L2' | 'COSINE', SealedHolding, 'served' | 'dropped' | 'held'][] = [
    ['replica, HNSW L2 (the index serves the column)', 'L2', REPLICA_HOLDING, 'served'],
    ['lean replica, HNSW COSINE (left in storage)', 'COSINE', LEAN_HOLDING, 'dropped'],
    ['replica, HNSW COSINE (the column is kept, so read)', 'COSINE', REPLICA_HOLDING, 'held'],
  ];
  for (const [name, metric, holding, expected] of cases) {
    it(name, async () => {
      await loadTestKernels();
      const rng = new Random(seed);
      const info = collection(metric);
      const rows = Array.from({ length: N }, (_, i) => ({
        id: i,
        v: Array.from({ length: DIM }, () => Math.fround(rng.gaussian())),
        n: rng.bool(0.2) ? null : rng.range(-50, 50),
        tag: rng.pick(['a', 'b', 'c']),
      }));
      const { m, io, tso } = await sealedWriter(info, rows);
      const [rec] = writerAssignment(m).records;
      expect(rec, `seed ${seed}`).toBeDefined();
      const logBytes = (await io.inner.objects.head(rec!.insertLog))!.size;
      io.reset();
      const replica = new SealedReplica({ ...m.source, objects: io.objects }, holding);
      await replica.sync(writerAssignment(m));
      const [seg] = replica.segments();
      expect([seg!.isServed('v'), seg!.dropped.has('v'), seg!.columns().has('v')], `seed ${seed}`).toEqual([expected === 'served', expected === 'dropped', expected === 'held']);
      const read = io.get('objects').bytesRead;
      const indexBytes = rec!.indexes.reduce((s, i) => s + i.bytes, 0);
      const logRead = read - indexBytes;
      console.log(`${name}: insert log ${logBytes} B, read ${logRead} B of it (seed ${seed})`);
      // vectors are 96 of the ~106 bytes of a row: skipping them reads under a fifth of the log
      if (expected === 'held') expect(logRead, `seed ${seed}`).toBeGreaterThanOrEqual(logBytes * 0.9);
      else expect(logRead, `seed ${seed}`).toBeLessThan(logBytes * 0.2);
      // answers equal the writer's (whole segments): a search, and a query outputting the vectors
      const ps = prepareSearch(info, { data: [rows[7]!.v], anns_field: 'v', limit: 5, output_fields: ['n', 'tag'] });
      const want = readSearch(m.segments(), tso.current(), ps);
      expect(await replica.answer(['n', 'tag'], () => readSearch(replica.segments(), tso.current(), ps)), `seed ${seed}`).toEqual(want);
      const pq = prepareQuery(info, { filter: 'id < 20', output_fields: ['v', 'n', 'tag'] }) as QueryPlan;
      const got = await queryShare(replica, pq, tso.current());
      expect(got.map((r) => r.row), `seed ${seed}`).toEqual(rows.slice(0, 20).map((r) => ({ id: BigInt(r.id), v: r.v, n: r.n, tag: r.tag })));
      replica.close();
      await m.close(false);
    });
  }
});

describe(`lazy columns: the directory is read once, outputs only for the returned rows (seed ${seed})`, () => {
  const randomRows = (rng: Random): Record<string, unknown>[] =>
    Array.from({ length: N }, (_, i) => ({ id: i, v: Array.from({ length: DIM }, () => Math.fround(rng.gaussian())), n: rng.bool(0.2) ? null : rng.range(-50, 50), tag: rng.pick(['a', 'b', 'c']) }));
  const calls = (io: IoCountingStorage, op: 'objects.head' | 'objects.getRange' | 'objects.get'): number => io.get(op).calls;

  it('a load reads each insert log directory once; another holder of the same files reads none', async () => {
    await loadTestKernels();
    const info = collection('COSINE');
    const { m, io: writerIo } = await sealedWriter(info, randomRows(new Random(seed)), N / 2);
    expect(writerAssignment(m).records.length, `seed ${seed}`).toBe(2);
    // REPLICA_HOLDING keeps a COSINE index's column: phase one reads the scalars, phase two the vectors
    for (const [holder, heads] of [['first', 2], ['second (same files, another store)', 0]] as const) {
      const io = new IoCountingStorage(writerIo.inner);
      const replica = new SealedReplica({ ...m.source, objects: io.objects }, REPLICA_HOLDING);
      await replica.sync(writerAssignment(m));
      expect(replica.segments().every((s) => s.columns().has('v')), `seed ${seed}`).toBe(true);
      console.log(`${holder} load of 2 segments: ${JSON.stringify(io.snapshot())}`);
      // (before: a head and a tail read per phase, 4 of each)
      expect([calls(io, 'objects.head'), io.get('objects.getRange').calls >= heads], `${holder} (seed ${seed})`).toEqual([heads, true]);
      replica.close();
    }
    await m.close(false);
  });

  it('a lean reader reads only the returned rows of a dropped vector column, again and again, and after a compaction', async () => {
    await loadTestKernels();
    const info = collection('COSINE');
    const rng = new Random(seed ^ 9);
    const rows = randomRows(rng);
    const { m, tso, io: writerIo } = await sealedWriter(info, rows, N / 2);
    const io = new IoCountingStorage(writerIo.inner);
    const lean = new SealedReplica({ ...m.source, objects: io.objects }, LEAN_HOLDING);
    await lean.sync(writerAssignment(m));
    expect(lean.segments().every((s) => s.dropped.has('v')), `seed ${seed}`).toBe(true);
    const check = async (what: string): Promise<void> => {
      for (let t = 0; t < 2; t++) {
        const ids = Array.from({ length: 1 + rng.int(8) }, () => rng.int(N));
        const pq = prepareQuery(info, { filter: `id in [${ids.join(',')}]`, output_fields: ['v', 'n'] }) as QueryPlan;
        io.reset();
        const got = await queryShare(lean, pq, tso.current());
        const want = [...new Set(ids)].sort((a, z) => a - z).map((i) => ({ id: BigInt(i), v: rows[i]!['v'], n: rows[i]!['n'] }));
        expect(got.map((r) => r.row), `${what} (seed ${seed})`).toEqual(want);
        // each row is 384 B, in at most two 4 KiB blocks: no head, no directory, no whole column
        const read = io.get('objects.getRange');
        console.log(`${what}: ${want.length} rows of v read ${read.bytesRead} B in ${read.calls} requests`);
        expect([calls(io, 'objects.head'), calls(io, 'objects.get')], `${what} (seed ${seed})`).toEqual([0, 0]);
        expect(read.bytesRead, `${what} (seed ${seed})`).toBeLessThanOrEqual(want.length * 2 * 4096);
        expect(read.calls, `${what} (seed ${seed})`).toBeLessThanOrEqual(want.length * 2);
        // and the column stays in the store
        expect(lean.segments().every((s) => s.dropped.has('v') && !s.columns().has('v')), `seed ${seed}`).toBe(true);
      }
      // a search outputting the vectors answers as the writer does
      const ps = prepareSearch(info, { data: [rows[rng.int(N)]!['v'] as number[]], anns_field: 'v', limit: 7, output_fields: ['v', 'tag'] });
      const writer = await executeSearch(ps, tso.current(), { segments: m.segments(), store: m.storedColumns }, false);
      expect(await searchShare(lean, ps, tso.current()), `${what} (seed ${seed})`).toEqual(writer);
    };
    await check('two segments');
    const before = writerAssignment(m).records.map((r) => r.insertLog);
    await compact(m);
    await m.idle();
    const after = writerAssignment(m).records;
    expect(after.length, `seed ${seed}`).toBe(1);
    expect(before.includes(after[0]!.insertLog), `seed ${seed}`).toBe(false);
    io.reset();
    await lean.sync(writerAssignment(m));
    expect(calls(io, 'objects.head'), `seed ${seed}`).toBe(1);
    await check('after compaction (a new insert log)');
    lean.close();
    await m.close(false);
  });
});
