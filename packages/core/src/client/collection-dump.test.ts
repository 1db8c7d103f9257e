/**
 * The collection export file (docs/format/export.md) is a contract: a fixed collection of every
 * common type (nulls, defaults, non-ASCII text, JSON, arrays, float, half-float, bfloat16 and
 * binary vectors, dynamic keys, Int64 keys beyond 2^53, two partitions, a FLAT index and a
 * property) dumps to a recorded length and CRC-32 whose metadata says what the page says, and
 * restores into a fresh database row for row.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { DataType } from '../schema/data-type.ts';
import { crc32 } from '../util/crc32.ts';
import { loadTestKernels } from '../kernels/test-kernels.ts';
import { VesperClient } from './vesper-client.ts';
import { EXPORT_FEATURES, dumpCollection, readDump, restoreCollection } from './collection-dump.ts';

beforeAll(loadTestKernels);

const rows = Array.from({ length: 40 }, (_, i) => ({
  id: i % 3 === 0 ? i * 1000003 : BigInt(i) - 9007199254740993n,
  b: i % 4 === 1 ? null : i % 2 === 0,
  i8: (i % 256) - 128,
  ...(i % 5 === 0 ? {} : { i16: 32767 - i }),
  i32: i % 7 === 2 ? null : -2147483648 + i * 7919,
  f: Math.fround(1.5 + i / 3),
  d: Math.PI * i,
  s: i % 6 === 0 ? null : i % 5 === 1 ? `héllo${i}` : `id-${i}`,
  j: i % 4 === 3 ? null : i % 3 === 0 ? { k: i, nested: [1, 'two', { x: null }] } : i % 3 === 1 ? 'text' : [i],
  a: [BigInt(i), 2n ** 60n].slice(0, i % 3),
  af: i % 5 === 4 ? null : [-0, i / 3, -1e300].slice(0, i % 4),
  fv: Array.from({ length: 5 }, (_, k) => (i * 5 + k) / 8 - 3),
  hv: [0.5, -i],
  bv: [1.5, i],
  xv: [i % 256, 255 - (i % 256)],
  ...(i % 2 === 1 ? { extra: i, more: { deep: [i] } } : {}),
}));

async function golden(): Promise<VesperClient> {
  const db = await VesperClient.open({ storage: 'memory://' });
  await db.createCollection({
    collection_name: 'golden',
    enable_dynamic_field: true,
    properties: { 'collection.ttl.seconds': '3600' },
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'b', data_type: DataType.Bool, nullable: true },
      { name: 'i8', data_type: DataType.Int8 },
      { name: 'i16', data_type: DataType.Int16, default_value: 7 },
      { name: 'i32', data_type: DataType.Int32, nullable: true },
      { name: 'f', data_type: DataType.Float },
      { name: 'd', data_type: DataType.Double },
      { name: 's', data_type: DataType.VarChar, max_length: 32, nullable: true },
      { name: 'j', data_type: DataType.JSON, nullable: true },
      { name: 'a', data_type: DataType.Array, element_type: DataType.Int64, max_capacity: 4 },
      { name: 'af', data_type: DataType.Array, element_type: DataType.Double, max_capacity: 3, nullable: true },
      { name: 'fv', data_type: DataType.FloatVector, dim: 5 },
      { name: 'hv', data_type: DataType.Float16Vector, dim: 2 },
      { name: 'bv', data_type: DataType.BFloat16Vector, dim: 2 },
      { name: 'xv', data_type: DataType.BinaryVector, dim: 16 },
    ],
    index_params: [
      { field_name: 'fv', index_type: 'FLAT', metric_type: 'L2', index_name: 'fv_flat' },
      { field_name: 'hv', index_type: 'FLAT', metric_type: 'IP' },
      { field_name: 'bv', index_type: 'FLAT', metric_type: 'COSINE' },
      { field_name: 'xv', index_type: 'BIN_FLAT', metric_type: 'HAMMING' },
    ],
  });
  await db.createPartition({ collection_name: 'golden', partition_name: 'odd' });
  await db.insert({ collection_name: 'golden', data: rows.filter((_, i) => i % 2 === 0) });
  await db.insert({ collection_name: 'golden', partition_name: 'odd', data: rows.filter((_, i) => i % 2 === 1) });
  return db;
}

describe('collection export file', () => {
  it('dumps a fixed collection to the golden bytes and restores it row for row', async () => {
    const db = await golden();
    const { bytes, rows: n } = await dumpCollection(db, 'golden', { pageSize: 7 });
    expect(n).toBe(40);
    expect({ length: bytes.length, crc: crc32(bytes).toString(16) }).toEqual({ length: 18448, crc: 'f7fb8fbc' });
    // any Arrow reader opens the stream as it is (the trailer follows the end-of-stream marker)
    const table = tableFromIPC(bytes);
    expect(table.numRows).toBe(40);
    expect(table.schema.metadata.get('vesper.kind')).toBe('collection-export');
    expect(table.schema.metadata.get('vesper.version')).toBe('1');
    expect(table.schema.metadata.get('vesper.features')).toBe(EXPORT_FEATURES.join(','));
    expect(table.schema.fields.map((f) => f.name)).toEqual(['id', 'b', 'i8', 'i16', 'i32', 'f', 'd', 's', 'j', 'a', 'af', 'fv', 'hv', 'bv', 'xv', '$meta', '$partition']);
    const { collection } = readDump(bytes);
    expect(collection).toMatchObject({ collection_name: 'golden', partitions: ['_default', 'odd'], properties: { 'collection.ttl.seconds': '3600' }, loaded: true, released_partitions: [], rows: 40 });

    const other = await VesperClient.open({ storage: 'memory://' });
    expect(await restoreCollection(other, bytes)).toEqual({ collection_name: 'golden', rows: 40 });
    for (const p of ['_default', 'odd']) {
      const all = async (d: VesperClient): Promise<unknown[]> => (await d.query({ collection_name: 'golden', partition_names: [p], filter: '', output_fields: ['*'], limit: 100, consistency_level: 'Strong' })).data;
      const want = await all(db);
      expect(want).toHaveLength(20);
      expect(await all(other)).toEqual(want);
    }
    await db.close();
    await other.close();
  });
});
