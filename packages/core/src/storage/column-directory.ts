/**
 * The column directory of insert logs (docs/format/segment.md, feature `column-directory`):
 * between the Arrow IPC file and the checksum trailer, a section listing each Arrow field's
 * nodes (row count, null count) and buffers (file offset, length), then a CRC-32 per block of
 * the Arrow bytes (docs/format/block-file.md; `blockSizeFor`). A reader that keeps only some columns reads the
 * directory from the end of the file and then only the blocks holding those columns' buffers,
 * each checked against its CRC — a holder that drops indexed vectors never reads them.
 *
 * Section, little-endian: u32 blockSize | u32 fieldCount | per field: u16 nameLength, name
 * (UTF-8), u32 Milvus data type, u32 nodeCount, u32 bufferCount, nodeCount × (u64 length,
 * u64 nullCount), bufferCount × (u64 offset, u64 length) | ceil(arrowLength / blockSize) × u32
 * block CRC | u64 arrowLength | u32 sectionLength (all of it, these 16 bytes included) | u32
 * CRC-32 of the section's bytes before this word.
 */
import {
  Binary,
  FixedSizeBinary,
  FixedSizeList,
  Message,
  MessageHeader,
  makeData,
  makeVector,
  type Data,
  type DataType as ArrowType,
} from 'apache-arrow';
import { VesperError } from '../errors/index.ts';
import type { Column } from '../schema/columns.ts';
import type { FieldSchema } from '../schema/types.ts';
import { crc32 } from '../util/crc32.ts';
import { blockChecksums, type RangeSource } from '../util/block-file.ts';
import { arrowToColumn, arrowTypeOf } from './arrow-columns.ts';

/** The Arrow metadata feature flag of insert logs with a column directory. */
export const DIRECTORY_FEATURE = 'column-directory';
/** The smallest block of the Arrow bytes checked on its own when read by range. */
export const MIN_BLOCK_SIZE = 4096;
/** At most this many blocks (a CRC table of at most 16 KiB, read with the directory). */
export const MAX_BLOCKS = 4096;

/**
 * The block size of a file of `arrowLength` Arrow bytes: the smallest power of two from 4 KiB
 * up that cuts it into at most MAX_BLOCKS blocks (a reader skipping a column reads at most a
 * block on either side of each column it wants).
 */
export function blockSizeFor(arrowLength: number): number {
  let size = MIN_BLOCK_SIZE;
  while (size * MAX_BLOCKS < arrowLength) size *= 2;
  return size;
}
/** The fixed end of the section: u64 arrowLength, u32 sectionLength, u32 crc. */
export const SECTION_TAIL_BYTES = 16;

const enc = new TextEncoder();
const dec = new TextDecoder();

export interface FieldLayout {
  readonly name: string;
  readonly dataType: number;
  /** [length, nullCount] of the field's node and its children's, depth first. */
  readonly nodes: readonly (readonly [number, number])[];
  /** [file offset, length] of each buffer, in Arrow order. */
  readonly buffers: readonly (readonly [number, number])[];
}

export interface ColumnDirectory {
  readonly arrowLength: number;
  readonly blockSize: number;
  readonly fields: readonly FieldLayout[];
  readonly checksums: Uint32Array;
}

/** How many nodes and buffers Arrow writes for a field of this type (ours: see arrowTypeOf). */
function layoutCount(t: ArrowType): { nodes: number; buffers: number } {
  if (t instanceof FixedSizeList) {
    const child = layoutCount(t.children[0]!.type);
    return { nodes: 1 + child.nodes, buffers: 1 + child.buffers };
  }
  if (t instanceof Binary || t.typeId === 5 /* Utf8 */) return { nodes: 1, buffers: 3 };
  return { nodes: 1, buffers: 2 };
}

/**
 * The directory of an Arrow IPC file written by encodeBatchParts (one schema message, one
 * record batch): read back from the record batch message the writer produced.
 */
export function buildDirectory(arrow: Uint8Array, fields: readonly FieldSchema[], blockSize = blockSizeFor(arrow.byteLength)): ColumnDirectory {
  const view = new DataView(arrow.buffer, arrow.byteOffset, arrow.byteLength);
  let at = 8; // "ARROW1\0\0"
  for (;;) {
    if (at + 8 > arrow.byteLength || view.getUint32(at, true) !== 0xffffffff) throw new VesperError('INTERNAL', 'column directory: no record batch in the written Arrow file');
    const metaLength = view.getInt32(at + 4, true);
    const msg = Message.decode(arrow.subarray(at + 8, at + 8 + metaLength));
    const bodyStart = at + 8 + metaLength;
    if (msg.headerType === MessageHeader.RecordBatch) {
      const header = msg.header() as unknown as { nodes: { length: number; nullCount: number }[]; buffers: { offset: number; length: number }[] };
      const out: FieldLayout[] = [];
      let n = 0;
      let b = 0;
      for (const f of fields) {
        const c = layoutCount(arrowTypeOf(f));
        out.push({
          name: f.name,
          dataType: f.data_type,
          nodes: header.nodes.slice(n, n + c.nodes).map((x) => [Number(x.length), Number(x.nullCount)] as const),
          buffers: header.buffers.slice(b, b + c.buffers).map((x) => [bodyStart + Number(x.offset), Number(x.length)] as const),
        });
        n += c.nodes;
        b += c.buffers;
      }
      if (n !== header.nodes.length || b !== header.buffers.length) throw new VesperError('INTERNAL', 'column directory: record batch layout does not match the fields');
      return { arrowLength: arrow.byteLength, blockSize, fields: out, checksums: blockChecksums(arrow, blockSize) };
    }
    at = bodyStart + Number(msg.bodyLength);
  }
}

/** The section's bytes. */
export function encodeDirectory(dir: ColumnDirectory): Uint8Array {
  const names = dir.fields.map((f) => enc.encode(f.name));
  let size = 8;
  dir.fields.forEach((f, i) => (size += 2 + names[i]!.byteLength + 12 + 16 * (f.nodes.length + f.buffers.length)));
  size += 4 * dir.checksums.length + SECTION_TAIL_BYTES;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let at = 0;
  const u32 = (x: number): void => void (v.setUint32(at, x, true), (at += 4));
  const u64 = (x: number): void => void (v.setBigUint64(at, BigInt(x), true), (at += 8));
  u32(dir.blockSize);
  u32(dir.fields.length);
  dir.fields.forEach((f, i) => {
    v.setUint16(at, names[i]!.byteLength, true);
    out.set(names[i]!, at + 2);
    at += 2 + names[i]!.byteLength;
    u32(f.dataType);
    u32(f.nodes.length);
    u32(f.buffers.length);
    for (const pair of [...f.nodes, ...f.buffers]) pair.forEach(u64);
  });
  for (const c of dir.checksums) u32(c);
  u64(dir.arrowLength);
  u32(size);
  u32(crc32(out.subarray(0, at)));
  return out;
}

/**
 * The length of the section that ends `tail` (the section's last 16 bytes), checked against
 * what the file can hold.
 */
export function sectionLength(tail: Uint8Array, before: number, what: string): { arrowLength: number; length: number } {
  const v = new DataView(tail.buffer, tail.byteOffset, SECTION_TAIL_BYTES);
  const arrowLength = Number(v.getBigUint64(0, true));
  const length = v.getUint32(8, true);
  if (length < 8 + SECTION_TAIL_BYTES || arrowLength + length !== before) {
    throw new VesperError('FORMAT_CORRUPT', `${what}: column directory of ${length} bytes after ${arrowLength} Arrow bytes does not fill the ${before} bytes before the trailer`);
  }
  return { arrowLength, length };
}

/**
 * Parses a section (its bytes, all of them).
 * @throws FORMAT_CORRUPT on a checksum mismatch or a layout that does not add up.
 */
export function decodeDirectory(bytes: Uint8Array, what: string): ColumnDirectory {
  const bad = (why: string): VesperError => new VesperError('FORMAT_CORRUPT', `${what}: column directory ${why}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.byteLength - 4;
  if (end < 8 + SECTION_TAIL_BYTES - 4 || crc32(bytes.subarray(0, end)) !== v.getUint32(end, true)) throw bad('fails its checksum (torn or damaged file)');
  const arrowLength = Number(v.getBigUint64(end - 12, true));
  let at = 0;
  const need = (n: number): void => {
    if (at + n > end - 12) throw bad('overruns its section');
  };
  const u32 = (): number => (need(4), (at += 4), v.getUint32(at - 4, true));
  const u64 = (): number => (need(8), (at += 8), Number(v.getBigUint64(at - 8, true)));
  const blockSize = u32();
  const count = u32();
  const fields: FieldLayout[] = [];
  for (let i = 0; i < count; i++) {
    need(2);
    const nameLength = v.getUint16(at, true);
    at += 2;
    need(nameLength);
    const name = dec.decode(bytes.subarray(at, at + nameLength));
    at += nameLength;
    const dataType = u32();
    const nNodes = u32();
    const nBuffers = u32();
    const nodes = Array.from({ length: nNodes }, () => [u64(), u64()] as const);
    const buffers = Array.from({ length: nBuffers }, () => [u64(), u64()] as const);
    for (const [off, len] of buffers) if (off + len > arrowLength) throw bad(`puts a buffer of ${name} outside the Arrow bytes`);
    fields.push({ name, dataType, nodes, buffers });
  }
  if (blockSize < 64) throw bad(`has a block size of ${blockSize}`);
  const blocks = Math.ceil(arrowLength / blockSize);
  if (at + 4 * blocks !== end - 12) throw bad(`holds ${(end - 12 - at) / 4} block checksums, ${blocks} expected`);
  const checksums = new Uint32Array(blocks);
  for (let b = 0; b < blocks; b++) checksums[b] = u32();
  return { arrowLength, blockSize, fields, checksums };
}

/** Rebuilds a field's Arrow Data from its buffers (`buf(i)` = the i-th buffer's bytes). */
function fieldData(type: ArrowType, layout: FieldLayout, buf: (i: number) => Uint8Array, what: string): Data {
  let n = 0;
  let b = 0;
  const build = (t: ArrowType): Data => {
    const node = layout.nodes[n++];
    if (!node) throw new VesperError('FORMAT_CORRUPT', `${what}: column ${layout.name} lacks a node`);
    const [length, nullCount] = node;
    const validity = buf(b++);
    const nullBitmap = nullCount > 0 ? validity : undefined;
    if (nullCount > 0 && validity.byteLength * 8 < length) throw new VesperError('FORMAT_CORRUPT', `${what}: column ${layout.name} has a short validity bitmap`);
    if (t instanceof FixedSizeList) {
      const child = build(t.children[0]!.type);
      return makeData({ type: t, length, nullCount, nullBitmap, child } as never);
    }
    if (t instanceof Binary || t.typeId === 5) {
      const offsets = buf(b++);
      const data = buf(b++);
      return makeData({ type: t, length, nullCount, nullBitmap, valueOffsets: new Int32Array(offsets.buffer, offsets.byteOffset, offsets.byteLength >> 2), data } as never);
    }
    const raw = buf(b++);
    const ArrayType = (t as unknown as { ArrayType: { BYTES_PER_ELEMENT: number; new (b: ArrayBufferLike, o: number, n: number): ArrayLike<number> } }).ArrayType;
    const width = t instanceof FixedSizeBinary || t.typeId === 6 /* Bool */ ? 1 : ArrayType.BYTES_PER_ELEMENT;
    const data = width === 1 ? raw : new ArrayType(raw.buffer, raw.byteOffset, Math.floor(raw.byteLength / width));
    return makeData({ type: t, length, nullCount, nullBitmap, data } as never);
  };
  const out = build(type);
  if (n !== layout.nodes.length || b !== layout.buffers.length) throw new VesperError('FORMAT_CORRUPT', `${what}: column ${layout.name} has ${layout.nodes.length} nodes and ${layout.buffers.length} buffers, its type ${n} and ${b}`);
  return out;
}

/**
 * Reads the named fields' columns through the directory: only the blocks holding their
 * buffers are fetched — each run of adjacent blocks in one range request — and each block is
 * checked against its CRC. The columns are views of the fetched runs (no further copy). A
 * field absent from the file (added later) reads as undefined (the caller fills it).
 * @throws FORMAT_CORRUPT (block checksum, short read, a field of another type), IO_KEY_NOT_FOUND.
 */
export async function readDirectoryColumns(source: RangeSource, dir: ColumnDirectory, fields: readonly FieldSchema[], what: string): Promise<Map<string, Column | undefined>> {
  const bs = dir.blockSize;
  const blockCount = dir.checksums.length;
  const byName = new Map(dir.fields.map((f) => [f.name, f]));
  const wanted: { f: FieldSchema; layout: FieldLayout; first: number; last: number }[] = [];
  for (const f of fields) {
    const layout = byName.get(f.name);
    if (!layout) continue;
    if (layout.dataType !== f.data_type) throw new VesperError('FORMAT_CORRUPT', `${what}: column ${f.name} holds data type ${layout.dataType}, the schema says ${f.data_type}`);
    const start = Math.min(...layout.buffers.map(([o]) => o));
    const end = Math.max(...layout.buffers.map(([o, l]) => o + l));
    wanted.push({ f, layout, first: Math.floor(start / bs), last: Math.max(Math.floor(start / bs), Math.ceil(end / bs) - 1) });
  }
  // runs of blocks: the fields' block spans, merged where they touch or overlap
  const spans = wanted.map((w) => [w.first, Math.min(w.last, blockCount - 1)] as [number, number]).filter(([a, z]) => a <= z).sort((x, y) => x[0] - y[0]);
  const runs: [number, number][] = [];
  for (const sp of spans) {
    const prev = runs.at(-1);
    if (prev && sp[0] <= prev[1] + 1) prev[1] = Math.max(prev[1], sp[1]);
    else runs.push([...sp]);
  }
  const fetched = await Promise.all(runs.map(([a, z]) => fetchRun(source, dir, a, z)));
  const out = new Map<string, Column | undefined>();
  for (const f of fields) out.set(f.name, undefined);
  for (const { f, layout } of wanted) {
    const data = fieldData(arrowTypeOf(f), layout, (i) => {
      const [o, l] = layout.buffers[i]!;
      if (l === 0) return new Uint8Array(0);
      const r = runs.findIndex(([a, z]) => o >= a * bs && o + l <= (z + 1) * bs);
      const base = runs[r]![0] * bs;
      return fetched[r]!.subarray(o - base, o - base + l);
    }, what);
    out.set(f.name, arrowToColumn(makeVector(data), f));
  }
  return out;
}

/**
 * Blocks first..last of the Arrow bytes in one range request, each checked against its CRC; the
 * bytes start 8-byte aligned so that typed-array views of Arrow buffers are valid.
 */
async function fetchRun(source: RangeSource, dir: ColumnDirectory, first: number, last: number): Promise<Uint8Array> {
  const bs = dir.blockSize;
  const start = first * bs;
  const end = Math.min(dir.arrowLength, (last + 1) * bs);
  let bytes = await source.getRange(start, end - start);
  if (bytes === undefined) throw new VesperError('IO_KEY_NOT_FOUND', `${source.id} is missing (evicted or deleted)`);
  if (bytes.byteLength !== end - start) {
    throw new VesperError('FORMAT_CORRUPT', `${source.id}: range read of blocks ${first}..${last} returned ${bytes.byteLength} of ${end - start} bytes (file truncated)`);
  }
  for (let b = first; b <= last; b++) {
    if (crc32(bytes.subarray((b - first) * bs, Math.min(bytes.byteLength, (b - first + 1) * bs))) !== dir.checksums[b]) {
      throw new VesperError('FORMAT_CORRUPT', `${source.id}: block ${b} of the insert log fails its checksum (torn or overwritten file)`);
    }
  }
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  return bytes;
}
