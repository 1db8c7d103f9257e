/**
 * Arrow IPC files of column batches: segment insert logs, delete logs and WAL insert bodies
 * all use this one codec. A file is one Arrow IPC *file* (footer included) with exactly one
 * record batch; its schema metadata carries `vesper.kind`, `vesper.version` and
 * `vesper.features` (comma-separated flags a reader must understand). docs/format/segment.md
 * is the contract.
 */
import { Field, Schema, Struct, Table, RecordBatch, makeData, tableFromIPC, tableToIPC } from 'apache-arrow';
import { VesperError } from '../errors/index.ts';
import { DataType } from '../schema/data-type.ts';
import type { Column } from '../schema/columns.ts';
import type { FieldSchema } from '../schema/types.ts';
import { arrowToColumn, arrowTypeOf, columnToArrow } from './arrow-columns.ts';

export const BATCH_FORMAT_VERSION = 1;
/** Feature flags this reader understands. */
const KNOWN_FEATURES = new Set<string>([]);

export type BatchKind = 'insert' | 'delete' | 'wal-insert';

export interface BatchFile {
  readonly kind: BatchKind;
  readonly rowCount: number;
  readonly columns: Map<string, Column>;
  readonly meta: ReadonlyMap<string, string>;
}

/** Encodes columns (named by their fields) into an Arrow IPC file. */
export function encodeBatch(
  kind: BatchKind,
  fields: readonly FieldSchema[],
  columns: ReadonlyMap<string, Column>,
  rowCount: number,
  meta: Readonly<Record<string, string>> = {},
): Uint8Array {
  const arrowFields: Field[] = [];
  const children = [];
  for (const f of fields) {
    const col = columns.get(f.name);
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
      ['vesper.features', ''],
      ...Object.entries(meta),
    ]),
  );
  const struct = makeData({ type: new Struct(arrowFields), length: rowCount, nullCount: 0, children });
  const table = new Table(schema, [new RecordBatch(schema, struct)]);
  return tableToIPC(table, 'file');
}

/**
 * Decodes a file written by encodeBatch. `fields` says how to read each column back.
 * @throws FORMAT_UNSUPPORTED (newer version or unknown feature), FORMAT_CORRUPT (unreadable).
 */
export function decodeBatch(bytes: Uint8Array, fields: readonly FieldSchema[], expectKind?: BatchKind): BatchFile {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
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
  for (const flag of (meta.get('vesper.features') ?? '').split(',').filter(Boolean)) {
    if (!KNOWN_FEATURES.has(flag)) throw new VesperError('FORMAT_UNSUPPORTED', `${kind} file needs feature ${flag}, unknown to this reader`);
  }
  const columns = new Map<string, Column>();
  for (const f of fields) {
    const vec = table.getChild(f.name);
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

