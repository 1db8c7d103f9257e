/**
 * Some rows of an insert log's fixed-width columns, read by range through its column directory
 * (column-directory.ts): the output fields of a search or query's returned rows, on a holder
 * that left those columns in the object store (an edge QueryNode's vectors, a query worker's
 * IVF_PQ field). A row of a fixed-width column — vectors (float, float16, bfloat16, int8,
 * binary) and numeric or bool scalars — sits at `row × width` in its Arrow buffer (one bit of
 * a bool or validity bitmap), so only the checksummed blocks holding the wanted rows are read
 * (util/block-file.ts: each run of adjacent blocks in one request, each block checked), and
 * only those rows are decoded. Variable-width columns (strings, JSON, arrays, sparse vectors)
 * have no such address: their readers read the whole column (insert-log-reader.ts).
 */
import { Bool, FixedSizeBinary, FixedSizeList, makeData, makeVector, type Data, type DataType as ArrowType } from 'apache-arrow';
import { VesperError } from '../errors/index.ts';
import type { Column } from '../schema/columns.ts';
import type { FieldSchema } from '../schema/types.ts';
import { BlockReader, type RangeSource } from '../util/block-file.ts';
import { arrowToColumn, arrowTypeOf } from './arrow-columns.ts';
import type { ColumnDirectory, FieldLayout } from './column-directory.ts';

type TypedArrayCtor = { readonly BYTES_PER_ELEMENT: number; new (b: ArrayBufferLike, o: number, n: number): ArrayLike<unknown> };

/** Where a fixed-width field's rows are: its validity bitmap (when it has nulls) and its values. */
interface RowShape {
  readonly type: ArrowType;
  /** The type of the values buffer (a FixedSizeList's child, else the field's own type). */
  readonly valueType: ArrowType;
  /** Values per row in the values buffer (a FixedSizeList's size, else 1). */
  readonly perRow: number;
  readonly length: number;
  /** [offset, length] of the validity bitmap; undefined when the column has no nulls. */
  readonly validity: readonly [number, number] | undefined;
  readonly values: readonly [number, number];
  /** Bytes per row in the values buffer; 0 for a bool column (one bit per row). */
  readonly width: number;
}

/** Whether the rows of a field can be read on their own (a fixed-width Arrow layout). */
export function rowAddressable(f: FieldSchema): boolean {
  const t = arrowTypeOf(f);
  if (t instanceof FixedSizeList) return true;
  return t instanceof FixedSizeBinary || t instanceof Bool || arrayType(t) !== undefined;
}

function arrayType(t: ArrowType): TypedArrayCtor | undefined {
  if (t instanceof FixedSizeList || t instanceof Bool || t.typeId === 5 /* Utf8 */ || t.typeId === 4 /* Binary */) return undefined;
  return (t as unknown as { ArrayType?: TypedArrayCtor }).ArrayType;
}

function shapeOf(f: FieldSchema, layout: FieldLayout, what: string): RowShape {
  const bad = (why: string): VesperError => new VesperError('FORMAT_CORRUPT', `${what}: column ${f.name} ${why}`);
  const type = arrowTypeOf(f);
  const list = type instanceof FixedSizeList;
  const valueType = list ? type.children[0]!.type : type;
  const perRow = list ? type.listSize : 1;
  const want = list ? 3 : 2;
  if (layout.buffers.length !== want || layout.nodes.length !== (list ? 2 : 1)) throw bad(`has ${layout.nodes.length} nodes and ${layout.buffers.length} buffers, its type ${list ? 2 : 1} and ${want}`);
  const [length, nullCount] = layout.nodes[0]!;
  const validity = nullCount > 0 ? layout.buffers[0]! : undefined;
  if (validity !== undefined && validity[1] * 8 < length) throw bad('has a short validity bitmap');
  const values = layout.buffers[want - 1]!;
  const width = valueType instanceof Bool ? 0 : valueType instanceof FixedSizeBinary ? valueType.byteWidth : arrayType(valueType)!.BYTES_PER_ELEMENT * perRow;
  if (width === 0 ? values[1] * 8 < length : values[1] < length * width) throw bad(`holds ${values[1]} bytes of values for ${length} rows`);
  return { type, valueType, perRow, length, validity, values, width };
}

/** Bytes [offset, offset + length) of the file, copied out of the blocks that hold them. */
function copyOut(got: ReadonlyMap<number, Uint8Array>, bs: number, offset: number, length: number, out: Uint8Array, at: number): void {
  for (let done = 0; done < length;) {
    const b = Math.floor((offset + done) / bs);
    const block = got.get(b)!;
    const from = offset + done - b * bs;
    const n = Math.min(length - done, block.byteLength - from);
    out.set(block.subarray(from, from + n), at + done);
    done += n;
  }
}

/** Bit `row` of the bitmap at `offset`. */
function bitAt(got: ReadonlyMap<number, Uint8Array>, bs: number, offset: number, row: number): number {
  const byte = offset + (row >> 3);
  const b = Math.floor(byte / bs);
  return (got.get(b)![byte - b * bs]! >> (row & 7)) & 1;
}

function gatherBits(got: ReadonlyMap<number, Uint8Array>, bs: number, offset: number, rows: ArrayLike<number>): { bits: Uint8Array; ones: number } {
  const bits = new Uint8Array((rows.length + 7) >> 3);
  let ones = 0;
  for (let i = 0; i < rows.length; i++) {
    if (bitAt(got, bs, offset, rows[i]!) === 0) continue;
    bits[i >> 3]! |= 1 << (i & 7);
    ones++;
  }
  return { bits, ones };
}

/** The field's Arrow Data of the listed rows alone, in their order. */
function rowsData(s: RowShape, got: ReadonlyMap<number, Uint8Array>, bs: number, rows: ArrayLike<number>): Data {
  const k = rows.length;
  let nullCount = 0;
  let nullBitmap: Uint8Array | undefined;
  if (s.validity !== undefined) {
    const { bits, ones } = gatherBits(got, bs, s.validity[0], rows);
    nullBitmap = bits;
    nullCount = k - ones;
  }
  if (s.width === 0) return makeData({ type: s.type, length: k, nullCount, nullBitmap, data: gatherBits(got, bs, s.values[0], rows).bits } as never);
  const bytes = new Uint8Array(k * s.width);
  for (let i = 0; i < k; i++) copyOut(got, bs, s.values[0] + rows[i]! * s.width, s.width, bytes, i * s.width);
  const AT = s.valueType instanceof FixedSizeBinary ? Uint8Array : arrayType(s.valueType)!;
  const data = new AT(bytes.buffer, 0, bytes.byteLength / AT.BYTES_PER_ELEMENT);
  if (!(s.type instanceof FixedSizeList)) return makeData({ type: s.type, length: k, nullCount, nullBitmap, data } as never);
  const child = makeData({ type: s.valueType, length: k * s.perRow, nullCount: 0, data } as never);
  return makeData({ type: s.type, length: k, nullCount, nullBitmap, child } as never);
}

/**
 * The listed rows (in their order, repeats allowed) of the named fixed-width fields
 * (`rowAddressable`): only the blocks holding them are fetched — each run of adjacent blocks
 * in one range request — and each is checked against its CRC. A field absent from the file
 * (added later) reads as undefined (the caller fills it).
 * @throws FORMAT_CORRUPT (a block's checksum, a short read, a layout that does not fit the
 *   type), IO_KEY_NOT_FOUND (the file is gone), INTERNAL (a row outside the file, a
 *   variable-width field).
 */
export async function readDirectoryRows(source: RangeSource, dir: ColumnDirectory, fields: readonly FieldSchema[], rows: ArrayLike<number>, what: string): Promise<Map<string, Column | undefined>> {
  const reader = new BlockReader(source, { offset: 0, length: dir.arrowLength, blockSize: dir.blockSize, checksums: dir.checksums });
  const bs = dir.blockSize;
  const byName = new Map(dir.fields.map((f) => [f.name, f]));
  const shapes: [FieldSchema, RowShape][] = [];
  const blocks = new Set<number>();
  const out = new Map<string, Column | undefined>();
  for (const f of fields) {
    out.set(f.name, undefined);
    const layout = byName.get(f.name);
    if (!layout) continue;
    if (layout.dataType !== f.data_type) throw new VesperError('FORMAT_CORRUPT', `${what}: column ${f.name} holds data type ${layout.dataType}, the schema says ${f.data_type}`);
    if (!rowAddressable(f)) throw new VesperError('INTERNAL', `${what}: column ${f.name} is variable-width; its rows are read with the whole column`);
    const s = shapeOf(f, layout, what);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (!Number.isInteger(r) || r < 0 || r >= s.length) throw new VesperError('INTERNAL', `${what}: row ${r} outside the ${s.length} rows of column ${f.name}`);
      if (s.validity !== undefined) blocks.add(Math.floor((s.validity[0] + (r >> 3)) / bs));
      const [first, last] = s.width === 0 ? [s.values[0] + (r >> 3), s.values[0] + (r >> 3)] : [s.values[0] + r * s.width, s.values[0] + (r + 1) * s.width - 1];
      for (let b = Math.floor(first / bs); b <= Math.floor(last / bs); b++) blocks.add(b);
    }
    shapes.push([f, s]);
  }
  const got = await reader.blocks(blocks);
  for (const [f, s] of shapes) out.set(f.name, arrowToColumn(makeVector(rowsData(s, got, bs, rows)), f));
  return out;
}
