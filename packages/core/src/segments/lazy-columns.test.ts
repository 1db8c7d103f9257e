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
import { readQuery, readSearch } from '../query/read-executor.ts';
import type { QueryPlan } from '../query/read-plan.ts';
import { prepareQuery, prepareSearch } from '../proxy/prepared.ts';
import { SealedReplica, writerAssignment } from './sealed-replica.ts';
import { LEAN_HOLDING, REPLICA_HOLDING, type SealedHolding } from './holder-role.ts';
import { attachMaintenance } from './segment-maintenance.ts';
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

async function sealedWriter(info: CollectionInfo, rows: Record<string, unknown>[]): Promise<{ m: SegmentManager; io: IoCountingStorage; tso: Tso }> {
  const io = new IoCountingStorage(createMemoryStorage());
  const tso = await Tso.open(createMemoryStorage().meta);
  const m = await SegmentManager.open(
    { storage: io, tso, ids: new IdAllocator(io.meta, 'ids', 16), indexFactory: getIndexFactory, policy: { maxRows: N, maxBytes: 1 << 30, maxAgeMs: 1e9, compactBelowRows: 0, compactDeletedRatio: 1 } },
    info,
  );
  attachMaintenance(m);
  const batch = rowsToBatch(info.schema, rows);
  await m.write(0, (ts) => ({ type: 'insert', collectionId: info.id, partitionId: 100, ts, upsert: false, batch }), 100);
  await m.idle();
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
      const got = await replica.answer(['v', 'n', 'tag'], () => readQuery(replica.segments(), tso.current(), pq));
      expect(got.map((r) => r.row), `seed ${seed}`).toEqual(rows.slice(0, 20).map((r) => ({ id: BigInt(r.id), v: r.v, n: r.n, tag: r.tag })));
      replica.close();
      await m.close(false);
    });
  }
});
