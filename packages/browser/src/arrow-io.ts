/**
 * Export a collection to Arrow IPC (a Blob the user can download) and import one back into a
 * new collection, with progress — Milvus's bulk export/import, through the public API, so it
 * works from a follower tab too.
 *
 * Format (Arrow IPC stream): one column per schema field — Int8..Int64, Float, Double, Bool
 * and VarChar as the matching Arrow types, FloatVector as FixedSizeList<Float32>[dim], every
 * other type (JSON, Array, other vector types) as Utf8 JSON text with field metadata
 * `vesper.json=1` — plus a `$meta` JSON column for dynamic fields. Schema metadata
 * `vesper.collection` holds the collection's schema (describeCollection's fields) and
 * `vesper.indexes` its index definitions, so an import recreates both. Rows are paged by
 * primary key, so an export reads a consistent, ordered snapshot of each page.
 */
import {
  Bool,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  RecordBatch,
  Schema,
  Table,
  Utf8,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type DataType as ArrowType,
  type Vector,
} from 'apache-arrow';
import { DataType, VesperError, type VesperClient } from '@vesper/core';
import { throwIfAborted, type RowProgress } from './progress.ts';

export interface ExportOptions {
  readonly onProgress?: (p: RowProgress) => void;
  readonly signal?: AbortSignal;
  /** Rows per page (and per record batch). Default 5,000. */
  readonly pageSize?: number;
  readonly db_name?: string;
}

export interface ImportOptions {
  /** The new collection's name; default the exported one. */
  readonly collection_name?: string;
  readonly onProgress?: (p: RowProgress) => void;
  readonly signal?: AbortSignal;
  /** Rows per insert. Default 1,000. */
  readonly batchSize?: number;
  readonly db_name?: string;
}

interface ExportedField {
  name: string;
  dataType: number;
  is_primary_key?: boolean;
  autoID?: boolean;
  dim?: string;
  [key: string]: unknown;
}

const META = '$meta';

function arrowTypeOf(f: ExportedField): { type: ArrowType; json: boolean } {
  switch (f.dataType) {
    case DataType.Bool: return { type: new Bool(), json: false };
    case DataType.Int8: return { type: new Int8(), json: false };
    case DataType.Int16: return { type: new Int16(), json: false };
    case DataType.Int32: return { type: new Int32(), json: false };
    case DataType.Int64: return { type: new Int64(), json: false };
    case DataType.Float: return { type: new Float32(), json: false };
    case DataType.Double: return { type: new Float64(), json: false };
    case DataType.VarChar: return { type: new Utf8(), json: false };
    case DataType.FloatVector: return { type: new FixedSizeList(Number(f.dim), new Field('item', new Float32(), false)), json: false };
    default: return { type: new Utf8(), json: true };
  }
}

function toArrowValue(f: ExportedField, json: boolean, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (json) return JSON.stringify(v, (_k, x: unknown) => (ArrayBuffer.isView(x) ? Array.from(x as unknown as ArrayLike<number>) : typeof x === 'bigint' ? x.toString() : x));
  if (f.dataType === DataType.Int64) return BigInt(v as string | number | bigint);
  if (f.dataType === DataType.FloatVector) return Float32Array.from(v as ArrayLike<number>);
  return v;
}

function fromArrowValue(f: ExportedField | undefined, json: boolean, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (json) return JSON.parse(v as string);
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (f?.dataType === DataType.FloatVector) return Array.from(v as Iterable<number>);
  return v;
}

function pkFilter(pk: ExportedField, last: unknown): string {
  if (last === undefined) return pk.dataType === DataType.VarChar ? `${pk.name} >= ""` : `${pk.name} >= -9223372036854775808`;
  return pk.dataType === DataType.VarChar ? `${pk.name} > ${JSON.stringify(String(last))}` : `${pk.name} > ${String(last)}`;
}

/**
 * Exports every row of collection `name` as an Arrow IPC stream.
 * @throws COLLECTION_NOT_FOUND; CANCELLED when signal fires.
 */
export async function exportCollection(db: VesperClient, name: string, opts: ExportOptions = {}): Promise<Blob> {
  const dbName = opts.db_name === undefined ? {} : { db_name: opts.db_name };
  const desc = await db.describeCollection({ collection_name: name, ...dbName });
  const schema = desc['schema'] as { fields: ExportedField[]; enable_dynamic_field?: boolean; description?: string };
  const indexes = await db.describeIndex({ collection_name: name, ...dbName }).then((r) => r.index_descriptions, () => []);
  const pk = schema.fields.find((f) => f.is_primary_key);
  if (pk === undefined) throw new VesperError('COLLECTION_ILLEGAL_SCHEMA', `collection ${name} has no primary key`);
  const columns = schema.fields.map((f) => ({ f, ...arrowTypeOf(f) }));
  const dynamic = schema.enable_dynamic_field === true;
  const arrowFields = columns.map((c) => new Field(c.f.name, c.type, true, c.json ? new Map([['vesper.json', '1']]) : new Map()));
  if (dynamic) arrowFields.push(new Field(META, new Utf8(), true, new Map([['vesper.json', '1']])));
  const metadata = new Map([
    ['vesper.collection', JSON.stringify({ collection_name: name, description: schema.description ?? '', enable_dynamic_field: dynamic, fields: schema.fields, consistency_level: desc['consistency_level'] })],
    ['vesper.indexes', JSON.stringify(indexes.map((i) => ({ field_name: i.field_name, index_name: i.index_name, index_type: i.index_type, metric_type: i.metric_type, params: Object.fromEntries(i.params.filter((p) => p.key !== 'index_type' && p.key !== 'metric_type').map((p) => [p.key, p.value])) })))],
  ]);
  const arrowSchema = new Schema(arrowFields, metadata);
  const total = (await db.count({ collection_name: name, consistency_level: 'Strong', ...dbName })).data;
  const pageSize = opts.pageSize ?? 5000;
  const batches: RecordBatch[] = [];
  const known = new Set(schema.fields.map((f) => f.name));
  let done = 0;
  let last: unknown;
  for (;;) {
    throwIfAborted(opts.signal, { exported: done, total });
    const page = await db.query({ collection_name: name, filter: pkFilter(pk, last), output_fields: ['*'], limit: pageSize, consistency_level: 'Strong', ...dbName });
    const rows = page.data;
    if (rows.length === 0) break;
    const vectors: Vector[] = columns.map((c) => vectorFromArray(rows.map((r) => toArrowValue(c.f, c.json, r[c.f.name])), c.type as never) as Vector);
    if (dynamic) {
      const metaValues = rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => !known.has(k)))));
      vectors.push(vectorFromArray(metaValues, new Utf8()) as Vector);
    }
    const data = Object.fromEntries(arrowFields.map((f, i) => [f.name, vectors[i]!]));
    batches.push(...new Table(data).batches.map((b) => new RecordBatch(arrowSchema, b.data)));
    done += rows.length;
    last = rows[rows.length - 1]![pk.name];
    opts.onProgress?.({ done, total });
    if (rows.length < pageSize) break;
  }
  const table = batches.length > 0 ? new Table(batches) : new Table(arrowSchema);
  return new Blob([tableToIPC(table, 'stream') as Uint8Array<ArrayBuffer>], { type: 'application/vnd.apache.arrow.stream' });
}

/**
 * Imports an export into a new collection (schema and indexes from the file's metadata) and
 * loads it.
 * @throws FORMAT_CORRUPT when the file is not a Vesper export; PARAMETER_INVALID when the
 *   collection exists; CANCELLED when signal fires (rows already inserted stay).
 */
export async function importCollection(db: VesperClient, file: Blob, opts: ImportOptions = {}): Promise<{ collection_name: string; rows: number }> {
  const dbName = opts.db_name === undefined ? {} : { db_name: opts.db_name };
  const table = tableFromIPC(new Uint8Array(await file.arrayBuffer()));
  const spec = table.schema.metadata.get('vesper.collection');
  if (spec === undefined) throw new VesperError('FORMAT_CORRUPT', 'not a Vesper collection export: the Arrow schema has no vesper.collection metadata');
  const coll = JSON.parse(spec) as { collection_name: string; description: string; enable_dynamic_field: boolean; fields: ExportedField[]; consistency_level?: string };
  const indexes = JSON.parse(table.schema.metadata.get('vesper.indexes') ?? '[]') as Array<Record<string, unknown>>;
  const name = opts.collection_name ?? coll.collection_name;
  if ((await db.hasCollection({ collection_name: name, ...dbName })).value) {
    throw new VesperError('PARAMETER_INVALID', `cannot import into collection ${name}: it already exists (import creates a new collection; pick another collection_name)`, { collection_name: name });
  }
  const fields = coll.fields.map((f) => {
    const { type_params: _t, data_type: _d, dataType, fieldID: _id, ...rest } = f;
    return { ...rest, data_type: dataType };
  });
  await db.createCollection({
    collection_name: name,
    description: coll.description,
    enable_dynamic_field: coll.enable_dynamic_field,
    fields: fields as never,
    ...(coll.consistency_level === undefined ? {} : { consistency_level: coll.consistency_level as never }),
    ...dbName,
  });
  for (const idx of indexes) await db.createIndex({ collection_name: name, ...idx, ...dbName } as never);
  const byName = new Map(coll.fields.map((f) => [f.name, f]));
  const autoPk = coll.fields.find((f) => f.is_primary_key && f.autoID === true)?.name;
  const cols = table.schema.fields.map((f, i) => ({ name: f.name, json: f.metadata.get('vesper.json') === '1', field: byName.get(f.name), vector: table.getChildAt(i)! }));
  const total = table.numRows;
  const batchSize = opts.batchSize ?? 1000;
  let done = 0;
  for (let at = 0; at < total; at += batchSize) {
    throwIfAborted(opts.signal, { imported: done, total });
    const end = Math.min(total, at + batchSize);
    const rows: Record<string, unknown>[] = [];
    for (let r = at; r < end; r++) {
      let row: Record<string, unknown> = {};
      for (const c of cols) {
        const v = fromArrowValue(c.field, c.json, c.vector.get(r));
        if (c.name === META) row = { ...(v as Record<string, unknown>), ...row };
        else if (c.name !== autoPk && v !== null) row[c.name] = v;
      }
      rows.push(row);
    }
    await db.insert({ collection_name: name, data: rows, ...dbName });
    done = end;
    opts.onProgress?.({ done, total });
  }
  await db.loadCollection({ collection_name: name, ...dbName });
  return { collection_name: name, rows: total };
}
