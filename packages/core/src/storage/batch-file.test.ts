/** Every Milvus data type survives Arrow IPC encode → decode unchanged (nulls included). */
import { describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { DataType } from '../schema/data-type.ts';
import { normalizeSchema } from '../schema/normalize.ts';
import { rowsToBatch } from '../schema/row-batch.ts';
import { valueAt } from '../schema/column-ops.ts';
import { decodeBatch, encodeBatch } from './batch-file.ts';
import { TRAILER_BYTES } from './batch-trailer.ts';

// Six vector types exceed a collection's limit of four, so two valid schemas are merged.
const extra = normalizeSchema({
  collection_name: 'extra',
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'iv', data_type: DataType.Int8Vector, dim: 2 },
    { name: 'sv', data_type: DataType.SparseFloatVector },
  ],
});
const base = normalizeSchema({
  collection_name: 'all',
  enable_dynamic_field: true,
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'b', data_type: DataType.Bool, nullable: true },
    { name: 'i8', data_type: DataType.Int8 },
    { name: 'i16', data_type: DataType.Int16 },
    { name: 'i32', data_type: DataType.Int32, nullable: true },
    { name: 'i64', data_type: DataType.Int64 },
    { name: 'f', data_type: DataType.Float },
    { name: 'd', data_type: DataType.Double },
    { name: 's', data_type: DataType.VarChar, max_length: 32, nullable: true },
    { name: 'j', data_type: DataType.JSON, nullable: true },
    { name: 'a', data_type: DataType.Array, element_type: DataType.Int64, max_capacity: 4 },
    { name: 'as', data_type: DataType.Array, element_type: DataType.VarChar, max_capacity: 4, max_length: 8 },
    { name: 'fv', data_type: DataType.FloatVector, dim: 3 },
    { name: 'hv', data_type: DataType.Float16Vector, dim: 2 },
    { name: 'bv', data_type: DataType.BFloat16Vector, dim: 2 },
    { name: 'xv', data_type: DataType.BinaryVector, dim: 16 },
  ],
});
const schema = { ...base, fields: [...base.fields, ...extra.fields.filter((f) => f.name === 'iv' || f.name === 'sv')] };

const rows = [0, 1, 2].map((i) => ({
  id: BigInt(i) - 9007199254740993n,
  b: i === 1 ? null : i === 0,
  i8: -128 + i,
  i16: 32767 - i,
  i32: i === 2 ? null : -2147483648 + i,
  i64: 9223372036854775807n - BigInt(i),
  f: Math.fround(1.5 + i),
  d: Math.PI * i,
  s: i === 0 ? null : `héllo${i}`,
  j: i === 1 ? null : { k: i, nested: [1, 'two', { x: null }] },
  a: [BigInt(i), 2n ** 60n],
  as: ['x', 'yy'].slice(0, i),
  fv: [i, 0.5, -1],
  hv: [0.5, -2],
  bv: [1.5, i],
  xv: [i, 255],
  iv: [-128, 127],
  sv: { [i + 1]: 0.25, 100: 1 },
  extra: i,
}));

describe('Arrow IPC batch files', () => {
  it('round-trips every type', () => {
    const batch = rowsToBatch(schema, rows);
    const bytes = encodeBatch('insert', schema.fields, batch.columns, batch.count, { 'vesper.segment': '7' });
    const back = decodeBatch(bytes, schema.fields, 'insert');
    expect(back.rowCount).toBe(3);
    expect(back.meta.get('vesper.segment')).toBe('7');
    for (const f of schema.fields) {
      for (let r = 0; r < 3; r++) {
        expect(valueAt(back.columns.get(f.name)!, r), `${f.name}[${r}]`).toEqual(valueAt(batch.columns.get(f.name)!, r));
      }
    }
  });

  it('is a real Arrow IPC file other readers open (without its column directory and trailer), with typed columns', () => {
    const batch = rowsToBatch(schema, rows);
    const bytes = encodeBatch('insert', schema.fields, batch.columns, batch.count);
    // the directory's tail starts with the Arrow file's length (docs/format/segment.md)
    const arrowLength = Number(new DataView(bytes.buffer, bytes.length - TRAILER_BYTES - 16, 8).getBigUint64(0, true));
    const table = tableFromIPC(bytes.subarray(0, arrowLength));
    expect(table.numRows).toBe(3);
    expect(String(table.schema.fields.find((f) => f.name === 'fv')!.type)).toBe('FixedSizeList[3]<Float32>');
    expect(table.getChild('i64')!.get(0)).toBe(9223372036854775807n);
    expect(table.getChild('s')!.get(0)).toBe(null);
  });

  it('rejects files from a newer format version and non-Arrow bytes with coded errors', () => {
    const batch = rowsToBatch(schema, rows);
    const bytes = encodeBatch('insert', schema.fields, batch.columns, batch.count, { 'vesper.version': '99' });
    expect(() => decodeBatch(bytes, schema.fields)).toThrow(expect.objectContaining({ code: 2001 }));
    expect(() => decodeBatch(new Uint8Array([1, 2, 3, 4]), schema.fields)).toThrow(expect.objectContaining({ code: 2002 }));
  });
});
