/**
 * Column <-> Arrow conversion for every Milvus data type. Numeric columns map to Arrow's
 * primitive types with zero copies on write; FloatVector/Int8Vector/Float16Vector are
 * FixedSizeList columns, BinaryVector and BFloat16Vector FixedSizeBinary, VarChar Utf8,
 * JSON and Array columns Utf8 JSON text (Int64 array elements as decimal strings), sparse
 * vectors Binary (u32 count, u32 indices, f32 values, little-endian). docs/format/segment.md
 * is the contract.
 */
import {
  Binary,
  Bool as ArrowBool,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Float16 as ArrowFloat16,
  Float32 as ArrowFloat32,
  Float64 as ArrowFloat64,
  Int16 as ArrowInt16,
  Int32 as ArrowInt32,
  Int64 as ArrowInt64,
  Int8 as ArrowInt8,
  Utf8,
  makeData,
  type Data,
  type DataType as ArrowType,
  type Vector,
} from 'apache-arrow';
import { VesperError } from '../errors/index.ts';
import { DataType, dataTypeName } from '../schema/data-type.ts';
import type { Column, JsonValue, SparseVector } from '../schema/columns.ts';
import type { FieldSchema } from '../schema/types.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

export function arrowTypeOf(f: Pick<FieldSchema, 'data_type' | 'dim'>): ArrowType {
  const dim = f.dim ?? 0;
  switch (f.data_type) {
    case DataType.Bool: return new ArrowBool();
    case DataType.Int8: return new ArrowInt8();
    case DataType.Int16: return new ArrowInt16();
    case DataType.Int32: return new ArrowInt32();
    case DataType.Int64: return new ArrowInt64();
    case DataType.Float: return new ArrowFloat32();
    case DataType.Double: return new ArrowFloat64();
    case DataType.VarChar:
    case DataType.JSON:
    case DataType.Array:
      return new Utf8();
    case DataType.FloatVector: return new FixedSizeList(dim, new Field('item', new ArrowFloat32(), false));
    case DataType.Float16Vector: return new FixedSizeList(dim, new Field('item', new ArrowFloat16(), false));
    case DataType.Int8Vector: return new FixedSizeList(dim, new Field('item', new ArrowInt8(), false));
    case DataType.BFloat16Vector: return new FixedSizeBinary(dim * 2);
    case DataType.BinaryVector: return new FixedSizeBinary(dim / 8);
    case DataType.SparseFloatVector: return new Binary();
    default:
      throw new VesperError('FORMAT_UNSUPPORTED', `no Arrow mapping for ${dataTypeName(f.data_type)}`);
  }
}

function packBits(bytes: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (bytes[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

function unpackBits(bits: Uint8Array, offset: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = offset + i;
    out[i] = (bits[j >> 3]! >> (j & 7)) & 1;
  }
  return out;
}

function utf8Data(type: Utf8 | Binary, parts: Uint8Array[], nullBitmap: Uint8Array | undefined, nullCount: number): Data {
  const offsets = new Int32Array(parts.length + 1);
  let total = 0;
  for (let i = 0; i < parts.length; i++) {
    total += parts[i]!.length;
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < parts.length; i++) bytes.set(parts[i]!, offsets[i]!);
  return makeData({ type, length: parts.length, nullCount, nullBitmap, valueOffsets: offsets, data: bytes } as never);
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/**
 * Utf8 Data of n strings. Encodes them as one string when they are all ASCII (one encoder call,
 * offsets from the string lengths) — the common case for JSON text and ids — else one by one.
 * The bytes are the same either way.
 */
function utf8FromStrings(type: Utf8, strings: readonly string[], nullBitmap: Uint8Array | undefined, nullCount: number): Data {
  const n = strings.length;
  const offsets = new Int32Array(n + 1);
  let chars = 0;
  for (let i = 0; i < n; i++) {
    chars += strings[i]!.length;
    offsets[i + 1] = chars;
  }
  const bytes = enc.encode(strings.join(''));
  // some string is not ASCII (more bytes than UTF-16 units): encode them one by one
  if (bytes.length !== chars) return utf8Data(type, strings.map((x) => enc.encode(x)), nullBitmap, nullCount);
  return makeData({ type, length: n, nullCount, nullBitmap, valueOffsets: offsets, data: bytes } as never);
}

function jsonText(v: unknown): string {
  // {} is what every row of a dynamic field with nothing in it holds
  if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype && !('toJSON' in v) && isEmpty(v)) return '{}';
  try {
    // the same text as with the bigint replacer below whenever there is no bigint (which throws)
    return JSON.stringify(v);
  } catch {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  }
}

function encodeSparse(v: SparseVector | undefined): Uint8Array {
  const n = v?.indices.length ?? 0;
  const out = new Uint8Array(4 + n * 8);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, n, true);
  for (let i = 0; i < n; i++) {
    dv.setUint32(4 + i * 4, v!.indices[i]!, true);
    dv.setFloat32(4 + n * 4 + i * 4, v!.values[i]!, true);
  }
  return out;
}

function decodeSparse(b: Uint8Array): SparseVector {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = dv.getUint32(0, true);
  const indices = new Uint32Array(n);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    indices[i] = dv.getUint32(4 + i * 4, true);
    values[i] = dv.getFloat32(4 + n * 4 + i * 4, true);
  }
  return { indices, values };
}

/** Builds the Arrow Data for a column (first `col.length` rows). */
export function columnToArrow(col: Column, field: Pick<FieldSchema, 'data_type' | 'dim' | 'name'>): Data {
  const n = col.length;
  const type = arrowTypeOf(field);
  let nullCount = 0;
  let nullBitmap: Uint8Array | undefined;
  if (col.valid) {
    for (let i = 0; i < n; i++) if (col.valid[i] === 0) nullCount++;
    if (nullCount > 0) nullBitmap = packBits(col.valid, n);
  }
  const base = { type, length: n, nullCount, nullBitmap } as const;
  switch (col.type) {
    case DataType.Bool:
      return makeData({ ...base, data: packBits(col.data, n) } as never);
    case DataType.Int8:
    case DataType.Int16:
    case DataType.Int32:
    case DataType.Int64:
    case DataType.Float:
    case DataType.Double:
      return makeData({ ...base, data: col.data.subarray(0, n) } as never);
    case DataType.VarChar:
      return utf8FromStrings(type as Utf8, col.data.length === n ? col.data : col.data.slice(0, n), nullBitmap, nullCount);
    case DataType.JSON:
    case DataType.Array:
      return utf8FromStrings(
        type as Utf8,
        (col.data as readonly unknown[]).slice(0, n).map((v) => (v === null || v === undefined ? '' : jsonText(v))),
        nullBitmap,
        nullCount,
      );
    case DataType.SparseFloatVector:
      return utf8Data(type as Binary, col.data.slice(0, n).map(encodeSparse), undefined, 0);
    case DataType.FloatVector:
    case DataType.Float16Vector:
    case DataType.Int8Vector: {
      const fsl = type as FixedSizeList;
      const child = makeData({ type: fsl.children[0]!.type, length: n * col.dim, data: col.data.subarray(0, n * col.dim) } as never);
      return makeData({ ...base, child } as never);
    }
    case DataType.BFloat16Vector: {
      const bytes = new Uint8Array(col.data.buffer, col.data.byteOffset, n * col.dim * 2);
      return makeData({ ...base, data: bytes } as never);
    }
    case DataType.BinaryVector:
      return makeData({ ...base, data: col.data.subarray(0, (n * col.dim) / 8) } as never);
  }
}

function validOf(data: Data): Uint8Array | undefined {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return undefined;
  return unpackBits(data.nullBitmap, data.offset, data.length);
}

function bytesAt(data: Data, i: number): Uint8Array {
  const offsets = data.valueOffsets as Int32Array;
  const values = data.values as Uint8Array;
  const j = data.offset + i;
  return values.subarray(offsets[j]!, offsets[j + 1]!);
}

function isAscii(bytes: Uint8Array): boolean {
  let i = 0;
  const n = bytes.length;
  if ((bytes.byteOffset & 3) === 0) {
    const words = new Int32Array(bytes.buffer, bytes.byteOffset, n >> 2);
    for (let w = 0; w < words.length; w++) if ((words[w]! & 0x80808080) !== 0) return false;
    i = words.length << 2;
  }
  for (; i < n; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

/**
 * The strings of a Utf8 Data's rows. All-ASCII values (ids, JSON text) decode as one string
 * cut at the offsets; otherwise row by row. Same strings either way.
 */
function utf8Strings(data: Data): string[] {
  const n = data.length;
  const offsets = data.valueOffsets as Int32Array;
  const o = data.offset;
  const start = offsets[o]!;
  const all = (data.values as Uint8Array).subarray(start, offsets[o + n]!);
  if (!isAscii(all)) return Array.from({ length: n }, (_, i) => dec.decode(bytesAt(data, i)));
  const text = dec.decode(all);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = text.slice(offsets[o + i]! - start, offsets[o + i + 1]! - start);
  return out;
}

/** JSON.parse, with the empty object (every row of an unused dynamic field) short-cut. */
function parseJson(text: string): unknown {
  return text === '{}' ? {} : JSON.parse(text);
}

/** A typed view of Arrow values [from, from + n) — no copy; Arrow already copied any misaligned body. */
function viewOf<T extends Int8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array | Uint16Array | Uint8Array>(values: T, from: number, n: number): T {
  return values.subarray(from, from + n) as T;
}

function reviveArray(text: string, elementType: DataType | undefined): unknown[] {
  const arr = JSON.parse(text) as unknown[];
  return elementType === DataType.Int64 ? arr.map((x) => BigInt(x as string | number)) : arr;
}

/**
 * Reads one Arrow vector (a single chunk or several) back into a Column. Numeric and vector
 * columns are views of the Arrow buffers (so of the file's bytes): callers keep those bytes
 * unchanged while the column lives.
 */
export function arrowToColumn(vec: Vector, field: FieldSchema): Column {
  const chunks = vec.data;
  if (chunks.length !== 1) {
    throw new VesperError('FORMAT_CORRUPT', `column ${field.name}: expected one record batch per file, got ${chunks.length}`);
  }
  const data = chunks[0]!;
  const n = data.length;
  const valid = validOf(data);
  const v = valid ? { valid } : {};
  const t = field.data_type;
  switch (t) {
    case DataType.Bool:
      return { type: t, length: n, data: unpackBits(data.values as Uint8Array, data.offset, n), ...v };
    case DataType.Int8:
    case DataType.Int16:
    case DataType.Int32:
    case DataType.Int64:
    case DataType.Float:
    case DataType.Double:
      return { type: t, length: n, data: viewOf(data.values as Int32Array, data.offset, n), ...v } as Column;
    case DataType.VarChar:
      return { type: t, length: n, data: utf8Strings(data), ...v };
    case DataType.JSON: {
      const text = utf8Strings(data);
      return { type: t, length: n, data: text.map((x, i) => (valid && valid[i] === 0 ? null : (parseJson(x) as JsonValue))), ...v };
    }
    case DataType.Array: {
      const text = utf8Strings(data);
      return {
        type: t,
        length: n,
        elementType: field.element_type!,
        data: text.map((x, i) => (valid && valid[i] === 0 ? null : reviveArray(x, field.element_type))),
        ...v,
      };
    }
    case DataType.SparseFloatVector:
      return { type: t, length: n, data: Array.from({ length: n }, (_, i) => decodeSparse(bytesAt(data, i))) };
    case DataType.FloatVector:
    case DataType.Float16Vector:
    case DataType.Int8Vector: {
      const dim = field.dim!;
      const child = data.children[0]!;
      const start = child.offset + data.offset * dim;
      return { type: t, length: n, dim, data: viewOf(child.values as Float32Array, start, n * dim) } as Column;
    }
    case DataType.BFloat16Vector: {
      const dim = field.dim!;
      const values = data.values as Uint8Array;
      const at = values.byteOffset + data.offset * dim * 2;
      // FixedSizeBinary bytes; a 2-aligned range is viewed in place, anything else copied
      const u16 = (at & 1) === 0 ? new Uint16Array(values.buffer, at, n * dim) : new Uint16Array(values.slice(data.offset * dim * 2, (data.offset + n) * dim * 2).buffer);
      return { type: t, length: n, dim, data: u16 };
    }
    case DataType.BinaryVector: {
      const dim = field.dim!;
      const w = dim / 8;
      return { type: t, length: n, dim, data: viewOf(data.values as Uint8Array, data.offset * w, n * w) };
    }
    default:
      throw new VesperError('FORMAT_UNSUPPORTED', `no Arrow mapping for ${dataTypeName(t)}`);
  }
}
