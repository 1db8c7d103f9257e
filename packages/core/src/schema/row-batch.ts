/**
 * Insert data as it arrives (an array of row objects, the Milvus SDK's `data`) turned into
 * columns, checked with Milvus's insert rules: every required field present, no unknown
 * field unless the dynamic field is on, vector dimensions, no NaN/Infinity, integer ranges,
 * VarChar max_length (UTF-8 bytes, as Milvus counts), Array max_capacity and element types,
 * nullable and default values, auto_id primary keys. Either the whole batch converts or a
 * VesperError says which row and field are wrong — nothing is stored for a rejected batch.
 */
import { VesperError } from '../errors/index.ts';
import { toBFloat16Bits, toFloat16Bits } from '../util/float16.ts';
import { DataType, INT_RANGE, dataTypeName, isIntegerType } from './data-type.ts';
import type { Column, JsonValue, SparseVector } from './columns.ts';
import { DYNAMIC_FIELD, type CollectionSchema, type FieldSchema } from './types.ts';
import { showValue } from '../util/show-value.ts';

export type Row = Readonly<Record<string, unknown>>;

export interface RowBatch {
  readonly count: number;
  /** One column per schema field (including `$meta` when dynamic), keyed by field name. */
  readonly columns: ReadonlyMap<string, Column>;
}

export const MAX_JSON_BYTES = 65536;
const FLOAT32_MAX = 3.4028234663852886e38;

function bad(row: number, field: string, what: string, error: 'INVALID_INSERT_DATA' | 'CHECK_PRIMARY_KEY' = 'INVALID_INSERT_DATA'): VesperError {
  return new VesperError(error, `invalid insert data at row ${row}, field ${field}: ${what}`, { row, field });
}

export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Converts one integer-ish value to bigint, or undefined if it is not an integer. */
export function toBigInt(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'string' && /^[+-]?\d{1,20}$/.test(v.trim())) return BigInt(v.trim());
  return undefined;
}

/**
 * An integer field's value as a row gives it: a JavaScript integer or a bigint; for Int64 also
 * its decimal text without spaces (`"12"`, `"-9223372036854775808"`), the form Vesper answers
 * Int64 values in and the Node SDK sends for values beyond 2^53. Other text (`" 8 "`, `"8"` for
 * Int32, `"1e3"`) is not an integer here: undefined.
 */
function rowInteger(t: DataType, v: unknown): bigint | undefined {
  if (typeof v === 'string') return t === DataType.Int64 && /^[+-]?\d{1,20}$/.test(v) ? BigInt(v) : undefined;
  return toBigInt(v);
}

function checkScalar(t: DataType, v: unknown, f: FieldSchema, row: number, field: string): unknown {
  switch (t) {
    case DataType.Bool:
      if (typeof v !== 'boolean') throw bad(row, field, `expected a boolean, got ${showValue(v)}`);
      return v;
    case DataType.Int8:
    case DataType.Int16:
    case DataType.Int32:
    case DataType.Int64: {
      const b = rowInteger(t, v);
      if (b === undefined) throw bad(row, field, `expected an integer (${dataTypeName(t)}), got ${showValue(v)}`);
      const [lo, hi] = INT_RANGE[t]!;
      if (b < lo || b > hi) throw bad(row, field, `value ${b} overflows ${dataTypeName(t)} (range ${lo} ~ ${hi})`);
      return t === DataType.Int64 ? b : Number(b);
    }
    case DataType.Float:
    case DataType.Double: {
      if (typeof v !== 'number') throw bad(row, field, `expected a number, got ${showValue(v)}`);
      if (!Number.isFinite(v)) throw bad(row, field, `value ${v} is NaN or Infinity`);
      if (t === DataType.Float && Math.abs(v) > FLOAT32_MAX) throw bad(row, field, `value ${v} overflows Float`);
      return v;
    }
    case DataType.VarChar: {
      if (typeof v !== 'string') throw bad(row, field, `expected a string, got ${showValue(v)}`);
      const max = f.max_length ?? 65535;
      // a UTF-16 code unit is at most 3 UTF-8 bytes: short strings need no counting
      if (v.length * 3 > max) {
        const len = utf8Length(v);
        if (len > max) throw bad(row, field, `length ${len} exceeds max_length ${max}`);
      }
      return v;
    }
    default:
      throw bad(row, field, `unsupported element type ${dataTypeName(t)}`);
  }
}

function checkJson(v: unknown, row: number, field: string): JsonValue {
  let text: string;
  try {
    text = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  } catch {
    throw bad(row, field, 'value is not JSON-serializable');
  }
  if (text === undefined) throw bad(row, field, 'value is not JSON-serializable');
  if (utf8Length(text) > MAX_JSON_BYTES) throw bad(row, field, `JSON value exceeds ${MAX_JSON_BYTES} bytes`);
  return JSON.parse(text) as JsonValue;
}

function numbersOf(v: unknown): ArrayLike<number> | undefined {
  if (Array.isArray(v)) return v as number[];
  if (ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array)) {
    return v as unknown as ArrayLike<number>;
  }
  return undefined;
}

function parseSparse(v: unknown, row: number, field: string): SparseVector {
  let pairs: [number, number][];
  if (v !== null && typeof v === 'object' && 'indices' in v && 'values' in v) {
    const iv = v as { indices: ArrayLike<number>; values: ArrayLike<number> };
    if (iv.indices.length !== iv.values.length) throw bad(row, field, 'sparse vector indices and values differ in length');
    pairs = Array.from({ length: iv.indices.length }, (_, i) => [Number(iv.indices[i]), Number(iv.values[i])]);
  } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    pairs = Object.entries(v as Record<string, unknown>).map(([k, x]) => [Number(k), Number(x)]);
  } else {
    throw bad(row, field, 'a sparse vector is an object {index: value} or {indices, values}');
  }
  pairs.sort((a, b) => a[0] - b[0]);
  const indices = new Uint32Array(pairs.length);
  const values = new Float32Array(pairs.length);
  for (let i = 0; i < pairs.length; i++) {
    const [idx, val] = pairs[i]!;
    if (!Number.isInteger(idx) || idx < 0 || idx >= 2 ** 32 - 1) throw bad(row, field, `sparse index ${idx} is not a uint32`);
    if (i > 0 && idx === pairs[i - 1]![0]) throw bad(row, field, `sparse index ${idx} is repeated`);
    if (!Number.isFinite(val)) throw bad(row, field, `sparse value ${val} is NaN or Infinity`);
    indices[i] = idx;
    values[i] = val;
  }
  return { indices, values };
}

type ScalarTyped = Uint8Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

function scalarTyped(t: DataType, n: number): ScalarTyped | undefined {
  switch (t) {
    case DataType.Bool: return new Uint8Array(n);
    case DataType.Int8: return new Int8Array(n);
    case DataType.Int16: return new Int16Array(n);
    case DataType.Int32: return new Int32Array(n);
    case DataType.Int64: return new BigInt64Array(n);
    case DataType.Float: return new Float32Array(n);
    case DataType.Double: return new Float64Array(n);
    default: return undefined;
  }
}

const TWO32 = 4294967296;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Column accumulator for one field over a batch of n rows. Numeric and Bool values go straight
 * into the column's typed array (Int64 numbers as two 32-bit words: no bigint per row), dense
 * float vectors given as Float32Array or number[] are copied whole; anything unusual takes the
 * general path, which decides acceptance and error messages exactly as before.
 */
class FieldAccumulator {
  private readonly list: unknown[] | undefined;
  private readonly typed: ScalarTyped | undefined;
  /** Int64 only: the typed array's 32-bit words (little-endian hosts). */
  private readonly words: Int32Array | undefined;
  private readonly intRange: readonly [number, number] | undefined;
  private readonly valid: Uint8Array | undefined;
  private readonly dense: Float32Array | Uint16Array | Uint8Array | Int8Array | undefined;
  private readonly width: number;

  constructor(readonly field: FieldSchema, readonly n: number) {
    const t = field.data_type;
    this.valid = field.nullable ? new Uint8Array(n) : undefined;
    const dim = field.dim ?? 0;
    this.width = t === DataType.BinaryVector ? dim / 8 : dim;
    this.dense =
      t === DataType.FloatVector ? new Float32Array(n * dim)
      : t === DataType.Float16Vector || t === DataType.BFloat16Vector ? new Uint16Array(n * dim)
      : t === DataType.BinaryVector ? new Uint8Array((n * dim) / 8)
      : t === DataType.Int8Vector ? new Int8Array(n * dim)
      : undefined;
    this.typed = this.dense ? undefined : scalarTyped(t, n);
    // filled in row order (index == length), so the array stays packed
    this.list = this.dense || this.typed ? undefined : [];
    this.words = this.typed instanceof BigInt64Array && LITTLE_ENDIAN ? new Int32Array(this.typed.buffer) : undefined;
    const range = t !== DataType.Int64 ? INT_RANGE[t] : undefined;
    this.intRange = range ? [Number(range[0]), Number(range[1])] : undefined;
  }

  set(row: number, v: unknown): void {
    const f = this.field;
    const name = f.name;
    const t = f.data_type;
    if (v === null || v === undefined) {
      if (f.default_value !== undefined) v = f.default_value;
      else if (f.nullable) {
        if (this.list) this.list[row] = null;
        return;
      } else throw bad(row, name, `the field is required (not nullable, no default value) but missing`);
    }
    if (this.valid) this.valid[row] = 1;
    if (this.dense) return this.setDense(row, v);
    const typed = this.typed;
    if (typed) {
      if (typeof v === 'number') {
        if (this.words !== undefined && Number.isSafeInteger(v)) {
          const hi = Math.floor(v / TWO32);
          this.words[2 * row] = v - hi * TWO32;
          this.words[2 * row + 1] = hi;
          return;
        }
        const range = this.intRange;
        if (range !== undefined && Number.isInteger(v) && v >= range[0] && v <= range[1]) {
          typed[row] = v;
          return;
        }
      }
      const x = checkScalar(t, v, f, row, name);
      if (t === DataType.Bool) typed[row] = x === true ? 1 : 0;
      else typed[row] = x as number & bigint;
      return;
    }
    const list = this.list!;
    if (t === DataType.SparseFloatVector) list[row] = parseSparse(v, row, name);
    else if (t === DataType.JSON) list[row] = checkJson(v, row, name);
    else if (t === DataType.Array) {
      if (!Array.isArray(v)) throw bad(row, name, `expected an array, got ${showValue(v)}`);
      const cap = f.max_capacity ?? 0;
      if (v.length > cap) throw bad(row, name, `array length ${v.length} exceeds max_capacity ${cap}`);
      list[row] = v.map((x) => checkScalar(f.element_type!, x, f, row, name));
    } else list[row] = checkScalar(t, v, f, row, name);
  }

  private setDense(row: number, v: unknown): void {
    if (this.field.data_type === DataType.FloatVector) {
      const w = this.width;
      const dense = this.dense as Float32Array;
      const base = row * w;
      if (v instanceof Float32Array && v.length === w) {
        // a float32 can only be non-finite, never out of range: one pass to check, one copy
        let ok = true;
        for (let i = 0; i < w; i++) {
          const x = v[i]!;
          if (x - x !== 0) {
            ok = false;
            break;
          }
        }
        if (ok) {
          dense.set(v, base);
          return;
        }
      } else if (Array.isArray(v) && v.length === w) {
        let i = 0;
        for (; i < w; i++) {
          const x: unknown = v[i];
          if (typeof x !== 'number' || !(Math.abs(x) <= FLOAT32_MAX)) break;
          dense[base + i] = x;
        }
        if (i === w) return;
      }
    }
    this.setDenseGeneral(row, v);
  }

  /** Every dense vector type and form; the reference for what is accepted and how errors read. */
  private setDenseGeneral(row: number, v: unknown): void {
    const f = this.field;
    const t = f.data_type;
    const dense = this.dense!;
    const w = this.width;
    const nums = numbersOf(v);
    // Half-precision vectors may also arrive as their raw bytes (2 per element).
    if (nums && (t === DataType.Float16Vector || t === DataType.BFloat16Vector) && v instanceof Uint8Array) {
      if (v.length !== w * 2) throw bad(row, f.name, `expected ${w * 2} bytes for dim ${w}, got ${v.length}`);
      dense.set(new Uint16Array(v.slice().buffer), row * w);
      return;
    }
    if (!nums) throw bad(row, f.name, `expected a vector (array of numbers), got ${typeof v}`);
    if (nums.length !== w) {
      const unit = t === DataType.BinaryVector ? ` bytes (dim ${f.dim} bits)` : '';
      throw bad(row, f.name, `the dim (${nums.length}) of the vector doesn't match the field's dim (${w}${unit})`);
    }
    const base = row * w;
    for (let i = 0; i < w; i++) {
      const e: unknown = nums[i];
      // only numbers: a boolean or a string is not a vector element (the typed arrays hold numbers)
      if (typeof e !== 'number') throw bad(row, f.name, `vector element ${i} is ${showValue(e)}, not a number`);
      const x = e;
      if (!Number.isFinite(x)) throw bad(row, f.name, `vector element ${i} is ${String(e)}: NaN and Infinity are not allowed`);
      if (t === DataType.FloatVector) {
        if (Math.abs(x) > FLOAT32_MAX) throw bad(row, f.name, `vector element ${i} overflows float32`);
        dense[base + i] = x;
      } else if (t === DataType.Float16Vector) dense[base + i] = toFloat16Bits(x);
      else if (t === DataType.BFloat16Vector) dense[base + i] = toBFloat16Bits(x);
      else {
        const [lo, hi] = t === DataType.BinaryVector ? [0, 255] : [-128, 127];
        if (!Number.isInteger(x) || x < lo || x > hi) throw bad(row, f.name, `vector element ${i} (${x}) is not in ${lo} ~ ${hi}`);
        dense[base + i] = x;
      }
    }
  }

  column(): Column {
    const f = this.field;
    const t = f.data_type;
    const n = this.n;
    const valid = this.valid ? { valid: this.valid } : {};
    if (this.dense) return { type: t, length: n, dim: f.dim!, data: this.dense, ...valid } as Column;
    if (this.typed) return { type: t, length: n, data: this.typed, ...valid } as Column;
    const s = this.list!;
    switch (t) {
      case DataType.VarChar:
        for (let i = 0; i < n; i++) s[i] ??= '';
        return { type: t, length: n, data: s as string[], ...valid };
      case DataType.JSON:
        return { type: t, length: n, data: s as JsonValue[], ...valid };
      case DataType.Array:
        return { type: t, length: n, elementType: f.element_type!, data: s as unknown[][], ...valid };
      case DataType.SparseFloatVector:
        return { type: t, length: n, data: s as SparseVector[] };
      default:
        throw new VesperError('INTERNAL', `no column for type ${dataTypeName(t)}`);
    }
  }
}

export interface RowBatchOptions {
  /** Primary keys to use for an auto_id collection (one per row). */
  readonly autoIds?: readonly (bigint | string)[];
  /** Upsert: an auto_id primary key may (must) be given. */
  readonly allowAutoIdInput?: boolean;
  /**
   * How to compute the schema's function output fields (functions/bm25-function.ts
   * `functionOutputs`); required when the schema has functions.
   */
  readonly functionOutputs?: ReadonlyMap<string, { readonly input: string; compute(text: unknown): SparseVector }>;
}

/**
 * Converts rows to a RowBatch.
 * @throws INVALID_INSERT_DATA (1804) for a bad row; CHECK_PRIMARY_KEY (1806) for primary key misuse.
 */
export function rowsToBatch(schema: CollectionSchema, rows: readonly Row[], opts: RowBatchOptions = {}): RowBatch {
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new VesperError('INVALID_INSERT_DATA', 'insert data is empty: give at least one row');
  }
  const n = rows.length;
  const userFields = schema.fields.filter((f) => !f.is_dynamic);
  const byName = new Map(userFields.map((f) => [f.name, f]));
  const dynamic = schema.fields.find((f) => f.is_dynamic);
  const acc = userFields.map((f) => new FieldAccumulator(f, n));
  const meta: JsonValue[] = [];
  for (let r = 0; r < n; r++) {
    const row = rows[r];
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw bad(r, '*', 'each row must be an object');
    let extra: Record<string, unknown> | undefined;
    for (const key of Object.keys(row)) {
      if (byName.has(key) || key === DYNAMIC_FIELD) continue;
      if (!dynamic) throw bad(r, key, `field ${key} does not exist in the collection schema and the dynamic field is off`);
      // null prototype: a key named `__proto__` is stored like any other, not swallowed
      (extra ??= Object.create(null) as Record<string, unknown>)[key] = row[key];
    }
    for (let j = 0; j < userFields.length; j++) {
      const f = userFields[j]!;
      let v = row[f.name];
      if (f.is_primary_key && f.autoID) {
        if (v !== undefined && !opts.allowAutoIdInput) {
          throw bad(r, f.name, 'the primary key is auto_id: do not pass it', 'CHECK_PRIMARY_KEY');
        }
        if (v === undefined) {
          if (!opts.autoIds) throw bad(r, f.name, 'the auto_id primary key is missing', 'CHECK_PRIMARY_KEY');
          v = opts.autoIds[r];
        }
      } else if (f.is_primary_key && (v === undefined || v === null)) {
        throw bad(r, f.name, 'the primary key is missing', 'CHECK_PRIMARY_KEY');
      } else if (f.is_function_output) {
        if (v !== undefined && v !== null) {
          throw new VesperError('PARAMETER_INVALID', `row ${r}: field ${f.name} is the output of a function and cannot be given; it is computed from the input text`);
        }
        const fn = opts.functionOutputs?.get(f.name);
        if (!fn) throw new VesperError('INTERNAL', `no function computes output field ${f.name}`);
        v = fn.compute(row[fn.input]);
      }
      acc[j]!.set(r, v);
    }
    if (dynamic) {
      const given = row[DYNAMIC_FIELD];
      if (given !== undefined && given !== null && (typeof given !== 'object' || Array.isArray(given))) {
        throw bad(r, DYNAMIC_FIELD, 'the dynamic field must be an object');
      }
      // nothing dynamic in this row: its $meta is {} (what the JSON round trip of {} gives)
      meta[r] = extra === undefined && (given === undefined || given === null) ? {} : checkJson({ ...(given as object | undefined), ...extra }, r, DYNAMIC_FIELD);
    }
  }
  const columns = new Map<string, Column>();
  for (const a of acc) columns.set(a.field.name, a.column());
  if (dynamic) columns.set(DYNAMIC_FIELD, { type: DataType.JSON, length: n, data: meta });
  return { count: n, columns };
}

/**
 * The column of a field that data written before the field existed lacks (`added_later`):
 * the field's default value in each of `n` rows, else null.
 */
export function absentColumn(field: FieldSchema, n: number): Column {
  const acc = new FieldAccumulator(field, n);
  for (let r = 0; r < n; r++) acc.set(r, undefined);
  return acc.column();
}

/** Primary key values of a batch in row order (bigint for Int64, string for VarChar). */
export function primaryKeysOf(batch: RowBatch, pkField: FieldSchema): (bigint | string)[] {
  const col = batch.columns.get(pkField.name)!;
  return isIntegerType(col.type) ? Array.from(col.data as BigInt64Array) : [...(col.data as string[])];
}
