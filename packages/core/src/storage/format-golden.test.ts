/**
 * The bytes we persist (insert logs, WAL insert records) do not change when the code that
 * writes them is made faster: a fixed batch of every common type (nulls, defaults, non-ASCII text, dynamic fields, typed-array and
 * number[] vectors, Int64 given as number and bigint) encodes to exactly the bytes the
 * original encoder (apache-arrow's tableToIPC, row-by-row conversion) produced, and those
 * bytes still decode to the same values. Golden length + CRC-32 taken from that encoder.
 */
import { describe, expect, it } from 'vitest';
import { DataType } from '../schema/data-type.ts';
import { normalizeSchema, type FieldInput } from '../schema/normalize.ts';
import { rowsToBatch, type Row } from '../schema/row-batch.ts';
import { valueAt } from '../schema/column-ops.ts';
import { crc32 } from '../util/crc32.ts';
import { decodeWalRecord, encodeWalRecord, type InsertRecord } from '../wal/wal-record.ts';
import { decodeBatch, encodeBatch } from './batch-file.ts';

const GOLDEN_FIELDS: FieldInput[] = [
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
  { name: 'fv', data_type: DataType.FloatVector, dim: 5 },
  { name: 'hv', data_type: DataType.Float16Vector, dim: 2 },
  { name: 'bv', data_type: DataType.BFloat16Vector, dim: 2 },
  { name: 'xv', data_type: DataType.BinaryVector, dim: 16 },
];

function goldenRows(n: number): Row[] {
  return Array.from({ length: n }, (_, i) => ({
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
    fv: i % 2 === 0 ? Array.from({ length: 5 }, (_, k) => (i * 5 + k) / 7 - 3) : Float32Array.from({ length: 5 }, (_, k) => (i * 5 + k) / 7 - 3),
    hv: [0.5, -i],
    bv: [1.5, i],
    xv: [i % 256, 255 - (i % 256)],
    ...(i % 2 === 1 ? { extra: i, more: { deep: [i] } } : {}),
  }));
}

const goldenSchema = normalizeSchema({ collection_name: 'golden', enable_dynamic_field: true, fields: GOLDEN_FIELDS });

describe('persisted bytes are unchanged', () => {
  it('an insert log encodes to the golden bytes and decodes back', () => {
    const batch = rowsToBatch(goldenSchema, goldenRows(40));
    const bytes = encodeBatch('insert', goldenSchema.fields, batch.columns, batch.count, { 'vesper.segment': '7' });
    expect({ length: bytes.length, crc: crc32(bytes).toString(16) }).toEqual({ length: 7658, crc: '58f820a7' });
    const back = decodeBatch(bytes, goldenSchema.fields, 'insert');
    for (const f of goldenSchema.fields) {
      for (let r = 0; r < batch.count; r++) {
        expect(valueAt(back.columns.get(f.name)!, r), `${f.name}[${r}]`).toEqual(valueAt(batch.columns.get(f.name)!, r));
      }
    }
  });

  it('a WAL insert record encodes to the golden bytes and decodes back', () => {
    const batch = rowsToBatch(goldenSchema, goldenRows(40));
    const bytes = encodeWalRecord({ type: 'insert', collectionId: 3, partitionId: 4, ts: 123456789012n, upsert: false, batch }, goldenSchema);
    expect({ length: bytes.length, crc: crc32(bytes).toString(16) }).toEqual({ length: 7683, crc: '930e7de6' });
    const back = decodeWalRecord(bytes, goldenSchema) as InsertRecord;
    expect(back.batch.count).toBe(40);
    for (const f of goldenSchema.fields) {
      for (let r = 0; r < batch.count; r++) {
        expect(valueAt(back.batch.columns.get(f.name)!, r), `${f.name}[${r}]`).toEqual(valueAt(batch.columns.get(f.name)!, r));
      }
    }
  });

  it('WAL records decode at every alignment of their Arrow body', () => {
    // the JSON header's length moves the body's start; decoded columns may be views of it
    const batch = rowsToBatch(goldenSchema, goldenRows(9));
    const values = (cols: ReadonlyMap<string, Parameters<typeof valueAt>[0]>) =>
      goldenSchema.fields.map((f) => Array.from({ length: batch.count }, (_, r) => valueAt(cols.get(f.name)!, r)));
    const want = values(batch.columns);
    for (const partitionId of [1, 22, 333, 4444, 55555, 666666, 7777777, 88888888]) {
      const rec = decodeWalRecord(encodeWalRecord({ type: 'insert', collectionId: 1, partitionId, ts: 5n, upsert: true, batch }, goldenSchema), goldenSchema) as InsertRecord;
      expect(rec.partitionId).toBe(partitionId);
      expect(values(rec.batch.columns), `partition ${partitionId}`).toEqual(want);
    }
  });
});
