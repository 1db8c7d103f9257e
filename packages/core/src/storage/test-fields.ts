/**
 * Test helper: fields of random Milvus types (every type an insert log holds, nullable or not)
 * with generators of their values, for the insert log codec's range-read tests.
 */
import { DataType } from '../schema/data-type.ts';
import type { FieldSchema } from '../schema/types.ts';
import type { Random } from '../util/random.ts';

export function testField(name: string, data_type: DataType, nullable: boolean, extra: Partial<FieldSchema> = {}): FieldSchema {
  return { fieldID: 100, name, description: '', data_type, is_primary_key: false, autoID: false, is_partition_key: false, is_clustering_key: false, is_dynamic: false, nullable, ...extra };
}

/** A field of a random type and a generator of its values (null in about 30% of rows when nullable; sparse vectors are never null). */
export function randomField(rng: Random, i: number): { f: FieldSchema; value: () => unknown } {
  const nullable = rng.bool();
  const name = `f${i}`;
  const withNull = (x: () => unknown): (() => unknown) => (nullable ? () => (rng.bool(0.3) ? null : x()) : x);
  const dim = rng.pick([1, 3, 16, 40, 100]);
  switch (rng.int(16)) {
    case 0: return { f: testField(name, DataType.Bool, nullable), value: withNull(() => rng.bool()) };
    case 1: return { f: testField(name, DataType.Int8, nullable), value: withNull(() => rng.range(-128, 127)) };
    case 2: return { f: testField(name, DataType.Int16, nullable), value: withNull(() => rng.range(-3000, 3000)) };
    case 3: return { f: testField(name, DataType.Int32, nullable), value: withNull(() => rng.range(-1e9, 1e9)) };
    case 4: return { f: testField(name, DataType.Int64, nullable), value: withNull(() => BigInt(rng.range(-1e9, 1e9)) * 1000003n) };
    case 5: return { f: testField(name, DataType.Float, nullable), value: withNull(() => Math.fround(rng.gaussian())) };
    case 6: return { f: testField(name, DataType.Double, nullable), value: withNull(() => rng.gaussian()) };
    case 7: return { f: testField(name, DataType.VarChar, nullable, { max_length: 64 }), value: withNull(() => 'ké'.repeat(rng.int(20))) };
    case 8: return { f: testField(name, DataType.JSON, nullable), value: withNull(() => ({ a: rng.int(9), s: 'x'.repeat(rng.int(5)) })) };
    case 9: return { f: testField(name, DataType.Array, nullable, { element_type: DataType.Int64, max_capacity: 4 }), value: withNull(() => Array.from({ length: rng.int(5) }, () => BigInt(rng.range(-9, 9)))) };
    case 10: return { f: testField(name, DataType.FloatVector, nullable, { dim }), value: withNull(() => Array.from({ length: dim }, () => Math.fround(rng.gaussian()))) };
    case 11: return { f: testField(name, DataType.Float16Vector, nullable, { dim }), value: withNull(() => Array.from({ length: dim }, () => rng.int(8) / 4)) };
    case 12: return { f: testField(name, DataType.BFloat16Vector, nullable, { dim }), value: withNull(() => Array.from({ length: dim }, () => rng.int(8) / 4)) };
    case 13: return { f: testField(name, DataType.Int8Vector, nullable, { dim }), value: withNull(() => Array.from({ length: dim }, () => rng.range(-128, 127))) };
    case 14: return { f: testField(name, DataType.BinaryVector, nullable, { dim: dim * 8 }), value: withNull(() => Array.from({ length: dim }, () => rng.int(256))) };
    default: return { f: testField(name, DataType.SparseFloatVector, false), value: () => ({ [rng.int(50)]: Math.fround(rng.next()), [50 + rng.int(50)]: 1 }) };
  }
}
