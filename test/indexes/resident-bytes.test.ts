/**
 * What a reader keeps of a sealed segment (`residentSegmentBytes`), the estimate a shard leader
 * spreads sealed data over query nodes by: for an IVF_PQ field it is the index's hot parts
 * (`ivfPqResidentBytes`, from its params) — equal to what a real index built, written and
 * opened by range here reports (`bytesUsed`, for several shapes), and at least 4× below the
 * rows' full size, so a node under the same byte cap holds 4× the rows; for HNSW and unindexed
 * fields it is the rows' full size. `splitAssignment` balances by it. Seed: VESPER_SEED (printed).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testSeed } from '../../packages/core/src/util/random.ts';
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import type { CollectionSchema } from '../../packages/core/src/schema/types.ts';
import type { IndexInfo } from '../../packages/core/src/catalog/types.ts';
import type { FloatVectorColumn } from '../../packages/core/src/schema/columns.ts';
import type { SegmentRecord } from '../../packages/core/src/storage/manifest.ts';
import { loadKernelsNode } from '../../packages/core/src/node/kernels.ts';
import { MemoryObjectStore } from '../../packages/core/src/adapters/memory-object-store.ts';
import { BlockCache } from '../../packages/core/src/util/block-cache.ts';
import { objectRange } from '../../packages/core/src/util/block-file.ts';
import { getIndexFactory, rangeIndexResidentBytes } from '../../packages/core/src/index/index-registry.ts';
import { openIvfPq } from '../../packages/core/src/index/ivf-pq-index.ts';
import { estimatedRowBytes, residentSegmentBytes } from '../../packages/core/src/segments/row-bytes.ts';
import { splitAssignment } from '../../packages/core/src/segments/sealed-replica.ts';
import { clustered } from './fixtures.ts';

const seed = testSeed(process.env.VESPER_SEED);
const N = 3000;
const DIM = 128;

const schema = {
  name: 'resident',
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'v', data_type: DataType.FloatVector, dim: DIM },
  ],
} as unknown as CollectionSchema;

const PQ = { nlist: 32, m: 16, nbits: 6 };
const indexes = [
  { indexId: 1, indexName: 'v', fieldName: 'v', indexType: 'IVF_PQ', metricType: 'L2', params: PQ, createdTs: '1' },
  { indexId: 2, indexName: 'v', fieldName: 'v', indexType: 'HNSW', metricType: 'L2', params: { M: 16, efConstruction: 64 }, createdTs: '1' },
] as IndexInfo[];

/** A manifest record of `rows` rows whose field v has index `indexId` (of `indexes`), if any. */
function record(id: number, rows: number, indexId?: number): SegmentRecord {
  const idx = indexes.find((i) => i.indexId === indexId);
  return {
    id, partitionId: 0, shard: 0, rows, insertLog: `seg/${id}`, deltaLogs: [], minTs: '1', maxTs: '1', level: 0,
    indexes: idx ? [{ field: 'v', indexName: 'v', indexId: idx.indexId, indexType: idx.indexType, metricType: 'L2', key: `idx/${id}`, bytes: 1 }] : [],
  } as unknown as SegmentRecord;
}

const resident = (rec: SegmentRecord): number => residentSegmentBytes(schema, indexes, rec, rangeIndexResidentBytes);

beforeAll(async () => {
  await loadKernelsNode();
});

describe(`resident bytes of a sealed segment (seed ${seed})`, () => {
  it('IVF_PQ: what an opened index keeps, from its params alone, at least 4× below the rows', async () => {
    console.log(`resident-bytes seed ${seed}`);
    const data = clustered(seed, N, DIM, { clusters: 16, rank: 16 });
    for (const [rows, params] of [[N, PQ], [N, { nlist: 8, m: 8, nbits: 8 }], [200, { nlist: 300, m: 32, nbits: 4 }]] as const) {
      const column: FloatVectorColumn = { type: DataType.FloatVector, length: rows, dim: DIM, data: data.subarray(0, rows * DIM) };
      const file = (await getIndexFactory('IVF_PQ').build(column, 'L2', params)).serialize();
      const store = new MemoryObjectStore();
      await store.put('idx', file);
      const opened = await openIvfPq(objectRange(store, 'idx'), new BlockCache(64 * 1024));
      expect(rangeIndexResidentBytes('IVF_PQ', rows, DIM, params), JSON.stringify(params)).toBe(opened.bytesUsed());
      opened.dispose();
    }
    const full = N * estimatedRowBytes(schema);
    const est = resident(record(1, N, 1));
    console.log(`IVF_PQ ${N}×${DIM} ${JSON.stringify(PQ)}: a reader keeps ${est} B of ${full} B of rows (${(full / est).toFixed(1)}× less)`);
    expect(est).toBe(N * (estimatedRowBytes(schema) - DIM * 4) + rangeIndexResidentBytes('IVF_PQ', N, DIM, PQ)!);
    expect(full / est).toBeGreaterThanOrEqual(4);
  });

  it('HNSW and unindexed segments cost their rows; placement balances by the estimate', () => {
    const full = (rows: number): number => rows * estimatedRowBytes(schema);
    expect(resident(record(1, N, 2))).toBe(full(N));
    expect(resident(record(2, N))).toBe(full(N));
    expect(rangeIndexResidentBytes('hnsw', N, DIM, {})).toBeUndefined();
    expect(rangeIndexResidentBytes('NOPE', N, DIM, {})).toBeUndefined();

    // one unindexed segment outweighs four disk-resident ones of its size: two shares by the
    // estimate are {unindexed} and {the four}, where shares by rows would mix them
    const records = [record(10, N), ...[11, 12, 13, 14].map((id) => record(id, N, 1))];
    const shares = splitAssignment({ records, pending: [] }, 2, resident).map((s) => s.records.map((r) => r.id));
    expect(shares).toContainEqual([10]);
    expect(shares).toContainEqual([11, 12, 13, 14]);
    const byRows = splitAssignment({ records, pending: [] }, 2).map((s) => s.records.length);
    expect(byRows.sort()).toEqual([2, 3]);
  });
});
