/**
 * Column-at-a-time data: the one in-memory shape of a segment's field values, shared by
 * growing segments (buffers that grow), sealed segments (decoded from Arrow IPC), the filter
 * compiler and the vector indexes.
 *
 * Invariants: `length` is the number of rows; typed arrays may be longer than `length`
 * (growing buffers keep spare capacity) and readers must not look past it. `valid`, when
 * present, has one byte per row, 1 = value present, 0 = null; absent means no nulls.
 */
import type { ScalarIndex } from '../expr/scalar-index/scalar-index.ts';
import type { DataType } from './data-type.ts';

/** A sparse float vector: strictly increasing indices and their values. */
export interface SparseVector {
  readonly indices: Uint32Array;
  readonly values: Float32Array;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

interface ColumnBase<T extends DataType, D> {
  readonly type: T;
  readonly length: number;
  readonly data: D;
  readonly valid?: Uint8Array;
}

export type BoolColumn = ColumnBase<DataType.Bool, Uint8Array>;
export type Int8Column = ColumnBase<DataType.Int8, Int8Array>;
export type Int16Column = ColumnBase<DataType.Int16, Int16Array>;
export type Int32Column = ColumnBase<DataType.Int32, Int32Array>;
export type Int64Column = ColumnBase<DataType.Int64, BigInt64Array>;
export type FloatColumn = ColumnBase<DataType.Float, Float32Array>;
export type DoubleColumn = ColumnBase<DataType.Double, Float64Array>;
export type VarCharColumn = ColumnBase<DataType.VarChar, readonly string[]>;
/** Parsed JSON values; `null` where the row is null (see `valid`). */
export type JsonColumn = ColumnBase<DataType.JSON, readonly JsonValue[]>;
/** Array field: one JS array per row (bigint elements for Int64 arrays). */
export interface ArrayColumn extends ColumnBase<DataType.Array, readonly (readonly unknown[] | null)[]> {
  readonly elementType: DataType;
}

interface VectorColumnBase<T extends DataType, D> extends ColumnBase<T, D> {
  readonly dim: number;
}
/** Row i is data[i*dim, (i+1)*dim). */
export type FloatVectorColumn = VectorColumnBase<DataType.FloatVector, Float32Array>;
/** IEEE half (Float16) or bfloat16 bit patterns, row i is data[i*dim, (i+1)*dim). */
export type Float16VectorColumn = VectorColumnBase<DataType.Float16Vector, Uint16Array>;
export type BFloat16VectorColumn = VectorColumnBase<DataType.BFloat16Vector, Uint16Array>;
/** dim bits per row, packed 8 per byte (row i is data[i*dim/8, (i+1)*dim/8)). */
export type BinaryVectorColumn = VectorColumnBase<DataType.BinaryVector, Uint8Array>;
export type Int8VectorColumn = VectorColumnBase<DataType.Int8Vector, Int8Array>;
export type SparseVectorColumn = ColumnBase<DataType.SparseFloatVector, readonly SparseVector[]>;

export type ScalarColumn =
  | BoolColumn
  | Int8Column
  | Int16Column
  | Int32Column
  | Int64Column
  | FloatColumn
  | DoubleColumn
  | VarCharColumn
  | JsonColumn
  | ArrayColumn;

export type DenseVectorColumn =
  | FloatVectorColumn
  | Float16VectorColumn
  | BFloat16VectorColumn
  | BinaryVectorColumn
  | Int8VectorColumn;

export type VectorColumn = DenseVectorColumn | SparseVectorColumn;
export type Column = ScalarColumn | VectorColumn;

/**
 * A segment's columns as the filter compiler and searchers see them. The dynamic field is the
 * JSON column named `$meta`. `rowCount` is the number of rows (visibility is separate: a
 * bitset computed per read snapshot).
 */
export interface ColumnSet {
  readonly rowCount: number;
  column(name: string): Column | undefined;
  /** A scalar index over a field, when the segment has one; the filter compiler uses it for eq/in/range/prefix leaves. */
  scalarIndex?(field: string): ScalarIndex | undefined;
  /**
   * One row's vector of a field whose column the set does not hold because its index serves it
   * (segments/sealed-segment.ts), as `valueAt` returns it; undefined for any other field.
   */
  vectorValue?(field: string, row: number): number[] | undefined;
  /** Fields whose column the holder left in the object store (read back by range for an answer's rows). */
  readonly inStore?: ReadonlySet<string>;
}

export function isNull(col: Column, row: number): boolean {
  return col.valid !== undefined && col.valid[row] === 0;
}
