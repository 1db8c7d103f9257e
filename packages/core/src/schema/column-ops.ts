/**
 * Operations on Columns: an appendable builder (the growing segment's buffers, with doubling
 * capacity so appends are amortized O(1) and a view is O(1)), row gathering (compaction,
 * outputs) and reading a single value back in the engine's value form.
 */
import { VesperError } from '../errors/index.ts';
import { DataType, dataTypeName } from './data-type.ts';
import type { Column, JsonValue, SparseVector } from './columns.ts';
import type { FieldSchema } from './types.ts';

type Typed = Uint8Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array | Uint16Array;
type TypedCtor = { new (n: number): Typed };

function typedCtor(t: DataType): TypedCtor | undefined {
  switch (t) {
    case DataType.Bool:
    case DataType.BinaryVector:
      return Uint8Array;
    case DataType.Int8:
    case DataType.Int8Vector:
      return Int8Array;
    case DataType.Int16:
      return Int16Array;
    case DataType.Int32:
      return Int32Array;
    case DataType.Int64:
      return BigInt64Array;
    case DataType.Float:
    case DataType.FloatVector:
      return Float32Array;
    case DataType.Double:
      return Float64Array;
    case DataType.Float16Vector:
    case DataType.BFloat16Vector:
      return Uint16Array;
    default:
      return undefined;
  }
}

/** Elements per row in a column's data (dim for vectors, 1 for scalars). */
export function widthOf(field: Pick<FieldSchema, 'data_type' | 'dim'>): number {
  const t = field.data_type;
  if (t === DataType.BinaryVector) return (field.dim ?? 0) / 8;
  if (t >= DataType.FloatVector && t <= DataType.Int8Vector && t !== DataType.SparseFloatVector) return field.dim ?? 0;
  return 1;
}

export class ColumnBuilder {
  private typed: Typed | undefined;
  private readonly list: unknown[] | undefined;
  private valid: Uint8Array | undefined;
  private n = 0;
  private readonly width: number;
  private readonly ctor: TypedCtor | undefined;

  constructor(readonly field: FieldSchema, capacity = 1024) {
    this.width = widthOf(field);
    this.ctor = typedCtor(field.data_type);
    if (this.ctor) this.typed = new this.ctor(capacity * this.width);
    else this.list = [];
    if (field.nullable) this.valid = new Uint8Array(capacity);
  }

  get length(): number {
    return this.n;
  }

  append(col: Column): void {
    this.cached = undefined;
    const m = col.length;
    const need = this.n + m;
    if (this.typed) {
      if (need * this.width > this.typed.length) this.typed = grow(this.typed, this.ctor!, Math.max(need, this.n * 2) * this.width);
      (this.typed as Uint8Array).set((col.data as Uint8Array).subarray(0, m * this.width), this.n * this.width);
    } else {
      const src = col.data as readonly unknown[];
      for (let i = 0; i < m; i++) this.list!.push(src[i]);
    }
    if (this.valid) {
      if (need > this.valid.length) this.valid = grow(this.valid, Uint8Array, Math.max(need, this.n * 2)) as Uint8Array;
      if (col.valid) this.valid.set(col.valid.subarray(0, m), this.n);
      else this.valid.fill(1, this.n, need);
    }
    this.n = need;
  }

  /** The last view, until the next append (reads ask for a column on every call). */
  private cached: Column | undefined;

  /** A Column over the current contents (shares memory; valid until the next append). */
  view(): Column {
    return (this.cached ??= this.makeView());
  }

  private makeView(): Column {
    const f = this.field;
    const base = { type: f.data_type, length: this.n, data: this.typed ?? this.list, ...(this.valid ? { valid: this.valid } : {}) };
    if (f.data_type === DataType.Array) return { ...base, elementType: f.element_type! } as Column;
    if (f.dim !== undefined && f.data_type !== DataType.SparseFloatVector) return { ...base, dim: f.dim } as Column;
    return base as Column;
  }

  bytesUsed(): number {
    return (this.typed?.byteLength ?? this.n * 64) + (this.valid?.byteLength ?? 0);
  }
}

function grow(a: Typed, ctor: TypedCtor, size: number): Typed {
  const b = new ctor(size);
  (b as Uint8Array).set(a as Uint8Array);
  return b;
}

/** The rows of `col` at the given offsets, in that order, as a new compact Column. */
export function takeRows(col: Column, rows: ArrayLike<number>, field: FieldSchema): Column {
  const n = rows.length;
  const w = widthOf(field);
  const ctor = typedCtor(col.type);
  let data: unknown;
  if (ctor) {
    const src = col.data as Uint8Array;
    const out = new ctor(n * w) as Uint8Array;
    if (w === 1) for (let i = 0; i < n; i++) out[i] = src[rows[i]!]!;
    else for (let i = 0; i < n; i++) out.set(src.subarray(rows[i]! * w, rows[i]! * w + w), i * w);
    data = out;
  } else {
    const src = col.data as readonly unknown[];
    data = Array.from({ length: n }, (_, i) => src[rows[i]!]);
  }
  const valid = col.valid ? { valid: Uint8Array.from({ length: n }, (_, i) => col.valid![rows[i]!]!) } : {};
  const extra = col.type === DataType.Array ? { elementType: col.elementType } : 'dim' in col ? { dim: col.dim } : {};
  return { type: col.type, length: n, data, ...valid, ...extra } as Column;
}

export function concatColumns(cols: readonly Column[], field: FieldSchema): Column {
  const total = cols.reduce((s, c) => s + c.length, 0);
  const b = new ColumnBuilder(field, Math.max(total, 1));
  for (const c of cols) b.append(c);
  return b.view();
}

/**
 * The value of one cell in the engine's form: boolean, number, bigint (Int64), string,
 * parsed JSON, arrays, number[] for float/f16/bf16/int8 vectors, Uint8Array bytes for
 * binary vectors, SparseVector for sparse; null for a null cell.
 */
export function valueAt(col: Column, row: number): unknown {
  if (col.valid && col.valid[row] === 0) return null;
  switch (col.type) {
    case DataType.Bool:
      return col.data[row] === 1;
    case DataType.Int8:
    case DataType.Int16:
    case DataType.Int32:
    case DataType.Int64:
    case DataType.Float:
    case DataType.Double:
      return col.data[row];
    case DataType.VarChar:
    case DataType.Array:
      return col.data[row];
    case DataType.JSON:
      return col.data[row] as JsonValue;
    case DataType.FloatVector:
    case DataType.Int8Vector:
    case DataType.Float16Vector:
    case DataType.BFloat16Vector:
      return Array.from(col.data.subarray(row * col.dim, row * col.dim + col.dim));
    case DataType.BinaryVector:
      return col.data.slice((row * col.dim) / 8, ((row + 1) * col.dim) / 8);
    case DataType.SparseFloatVector:
      return col.data[row] as SparseVector;
    default:
      throw new VesperError('INTERNAL', `no value reader for ${dataTypeName((col as Column).type)}`);
  }
}
