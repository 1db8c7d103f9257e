/**
 * Arrow IPC files of column batches: segment insert logs, delete logs and WAL insert bodies
 * all use this one codec. A file is one Arrow IPC *file* (footer included) with exactly one
 * record batch; its schema metadata carries `vesper.kind`, `vesper.version` and
 * `vesper.features` (comma-separated flags a reader must understand). docs/format/segment.md
 * is the contract. Encoding goes through apache-arrow's file writer; its output chunks are
 * copied once, into the file or straight into a WAL record (`encodeBatchParts`).
 */
import { AsyncByteQueue, Field, RecordBatch, RecordBatchFileWriter, Schema, Struct, Table, makeData, tableFromIPC } from 'apache-arrow';
import { VesperError } from '../errors/index.ts';
import { DataType } from '../schema/data-type.ts';
import type { Column } from '../schema/columns.ts';
import type { FieldSchema } from '../schema/types.ts';
import { absentColumn } from '../schema/row-batch.ts';
import { arrowToColumn, arrowTypeOf, columnToArrow } from './arrow-columns.ts';
import { DIRECTORY_FLAG, TRAILER_FEATURE, checkTrailer, joinWithTrailer } from './batch-trailer.ts';
import { DIRECTORY_FEATURE, buildDirectory, encodeDirectory } from './column-directory.ts';

export const BATCH_FORMAT_VERSION = 1;
/** Feature flags this reader understands. */
const KNOWN_FEATURES = new Set<string>([TRAILER_FEATURE, DIRECTORY_FEATURE]);

export type BatchKind = 'insert' | 'delete' | 'wal-insert';

export interface BatchFile {
  readonly kind: BatchKind;
  readonly rowCount: number;
  readonly columns: Map<string, Column>;
  readonly meta: ReadonlyMap<string, string>;
}

/** The writer's output kept as the chunks it wrote (column buffers are views of the columns, not copies). */
class ChunkQueue extends AsyncByteQueue {
  chunks(): Uint8Array[] {
    return this._values;
  }
}

/** An encoded file as consecutive parts (views of the source columns among them): copy them out before the columns change. */
export interface EncodedParts {
  readonly parts: readonly Uint8Array[];
  readonly byteLength: number;
}

/**
 * Encodes columns (named by their fields) into an Arrow IPC file followed by its checksum
 * trailer (batch-trailer.ts; feature flag `crc32-trailer`): an insert log or a delete log.
 * Insert logs also carry a column directory before the trailer (column-directory.ts; feature
 * `column-directory`, trailer flag 1) so that readers fetch only the columns they keep.
 */
export function encodeBatch(
  kind: Exclude<BatchKind, 'wal-insert'>,
  fields: readonly FieldSchema[],
  columns: ReadonlyMap<string, Column>,
  rowCount: number,
  meta: Readonly<Record<string, string>> = {},
): Uint8Array {
  if (kind !== 'insert') {
    const { parts, byteLength } = encodeBatchParts(kind, fields, columns, rowCount, meta, [TRAILER_FEATURE]);
    return joinWithTrailer(parts, byteLength);
  }
  const { parts, byteLength } = encodeBatchParts(kind, fields, columns, rowCount, meta, [TRAILER_FEATURE, DIRECTORY_FEATURE]);
  const arrow = joinParts(parts, byteLength, 0);
  const section = encodeDirectory(buildDirectory(arrow, fields));
  return joinWithTrailer([arrow, section], byteLength + section.byteLength, DIRECTORY_FLAG);
}

/** Copies parts into a new array of `prefix + byteLength` bytes, from offset `prefix` on. */
export function joinParts(parts: readonly Uint8Array[], byteLength: number, prefix: number): Uint8Array {
  const out = new Uint8Array(prefix + byteLength);
  let at = prefix;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * The Arrow IPC file alone, as the parts the writer produced (no join, no trailer), so a
 * caller that frames and checks the file itself (a WAL record) copies each byte once.
 * `features` go to `vesper.features`.
 */
export function encodeBatchParts(
  kind: BatchKind,
  fields: readonly FieldSchema[],
  columns: ReadonlyMap<string, Column>,
  rowCount: number,
  meta: Readonly<Record<string, string>> = {},
  features: readonly string[] = [],
): EncodedParts {
  const arrowFields: Field[] = [];
  const children = [];
  for (const f of fields) {
    // a batch converted just before addCollectionField committed lacks the new field's column
    const col = columns.get(f.name) ?? (f.added_later === true ? absentColumn(f, rowCount) : undefined);
    if (!col) throw new VesperError('INTERNAL', `encode ${kind}: column ${f.name} missing`);
    if (col.length !== rowCount) throw new VesperError('INTERNAL', `encode ${kind}: column ${f.name} has ${col.length} rows, expected ${rowCount}`);
    arrowFields.push(new Field(f.name, arrowTypeOf(f), f.nullable, new Map([['vesper.type', String(f.data_type)]])));
    children.push(columnToArrow(col, f));
  }
  const schema = new Schema(
    arrowFields,
    new Map([
      ['vesper.kind', kind],
      ['vesper.version', String(BATCH_FORMAT_VERSION)],
      ['vesper.features', features.join(',')],
      ...Object.entries(meta),
    ]),
  );
  const struct = makeData({ type: new Struct(arrowFields), length: rowCount, nullCount: 0, children });
  const table = new Table(schema, [new RecordBatch(schema, struct)]);
  const sink = new ChunkQueue();
  // what tableToIPC(table, 'file') does, minus its join of the written chunks
  new RecordBatchFileWriter().reset(sink).writeAll(table);
  const parts = sink.chunks();
  let byteLength = 0;
  for (const p of parts) byteLength += p.byteLength;
  return { parts, byteLength };
}

/**
 * Decodes a file written by encodeBatch. `fields` says how to read each column back. Numeric
 * and vector columns are views of `bytes` (a sealed segment's 150 MB of vectors are not
 * copied again): the caller hands over `bytes` and does not write to them afterwards.
 * A file with a checksum trailer is checked before the Arrow reader sees a byte of it.
 * @throws FORMAT_UNSUPPORTED (newer version or unknown feature), FORMAT_CORRUPT (unreadable,
 *   checksum mismatch, or a file whose metadata promises a trailer that is not there).
 */
export function decodeBatch(bytes: Uint8Array, fields: readonly FieldSchema[], expectKind?: BatchKind): BatchFile {
  const { arrow, sealed, directory } = checkTrailer(bytes, `${expectKind ?? 'batch'} file`);
  let table: Table;
  try {
    table = tableFromIPC(arrow);
  } catch (e) {
    throw new VesperError('FORMAT_CORRUPT', `not a readable Arrow IPC file: ${(e as Error).message}`);
  }
  const meta = table.schema.metadata;
  const kind = meta.get('vesper.kind') as BatchKind | undefined;
  const version = Number(meta.get('vesper.version'));
  if (!kind || !Number.isInteger(version)) throw new VesperError('FORMAT_CORRUPT', 'Arrow file lacks vesper.kind/vesper.version metadata');
  if (expectKind && kind !== expectKind) throw new VesperError('FORMAT_CORRUPT', `expected a ${expectKind} file, got ${kind}`);
  if (version > BATCH_FORMAT_VERSION) {
    throw new VesperError('FORMAT_UNSUPPORTED', `${kind} file version ${version} is newer than this reader (${BATCH_FORMAT_VERSION}); upgrade Vesper`);
  }
  const features = (meta.get('vesper.features') ?? '').split(',').filter(Boolean);
  for (const flag of features) {
    if (!KNOWN_FEATURES.has(flag)) throw new VesperError('FORMAT_UNSUPPORTED', `${kind} file needs feature ${flag}, unknown to this reader`);
  }
  if (features.includes(TRAILER_FEATURE) && !sealed) throw new VesperError('FORMAT_CORRUPT', `${kind} file lost its checksum trailer (torn)`);
  if (features.includes(DIRECTORY_FEATURE) !== directory) throw new VesperError('FORMAT_CORRUPT', `${kind} file: its metadata and its trailer disagree on a column directory`);
  const columns = new Map<string, Column>();
  for (const f of fields) {
    const vec = table.getChild(f.name);
    if (!vec && f.added_later === true) {
      // written before addCollectionField: every row reads the field's default, else null
      columns.set(f.name, absentColumn(f, table.numRows));
      continue;
    }
    if (!vec) throw new VesperError('FORMAT_CORRUPT', `${kind} file lacks column ${f.name}`);
    columns.set(f.name, arrowToColumn(vec, f));
  }
  return { kind, rowCount: table.numRows, columns, meta };
}

/** The hidden per-row timestamp column of insert logs. */
export const TS_FIELD: FieldSchema = {
  fieldID: 1,
  name: '$ts',
  description: 'row timestamp',
  data_type: DataType.Int64,
  is_primary_key: false,
  autoID: false,
  is_partition_key: false,
  is_clustering_key: false,
  is_dynamic: false,
  nullable: false,
};

