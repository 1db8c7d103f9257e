/**
 * A collection as one file and back (docs/format/export.md is the contract): what
 * `exportCollection`/`importCollection` of `@vesper/browser` (a Blob) and `@vesper/core/node`
 * (a file path) write and read. Everything goes through the public client, so it works in any
 * runtime and from a follower tab.
 *
 * The file is an Arrow IPC stream followed by the 24-byte CRC-32 trailer of batch files
 * (storage/batch-trailer.ts). The Arrow schema metadata holds the format version, the feature
 * flags a reader must understand, the collection (schema with functions and analyzer params,
 * dynamic field, consistency, shards, properties, partitions or the partition-key count,
 * load state) and its index definitions. Rows: one column per stored field (function outputs
 * are recomputed on import), `$meta` for dynamic keys, `$partition` for each row's partition;
 * primary keys are kept, auto_id ones included (written back with `restoreRows`). Every row is
 * read at one snapshot.
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
  List,
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
import { VesperError } from '../errors/index.ts';
import { DataType } from '../schema/data-type.ts';
import { checkTrailer, joinWithTrailer } from '../storage/batch-trailer.ts';
import { INDEX_KEYS } from '../proxy/properties.ts';
import type { VesperClient } from './vesper-client.ts';

/** The version this writer writes and the newest this reader reads. */
export const EXPORT_FORMAT_VERSION = 1;
export const EXPORT_KIND = 'collection-export';
/** Feature flags this reader understands; a file naming any other is FORMAT_UNSUPPORTED. */
export const EXPORT_FEATURES: readonly string[] = ['crc32-trailer', 'partitions', 'keep-primary-keys'];
const META = '$meta';
const PARTITION = '$partition';

export interface RowProgress {
  readonly done: number;
  readonly total: number;
}

interface Cancellable {
  readonly aborted: boolean;
}

export interface DumpOptions {
  readonly onProgress?: (p: RowProgress) => void;
  readonly signal?: Cancellable;
  /** Rows per query page (and per record batch), 1..16384. Default 5,000. */
  readonly pageSize?: number;
  readonly db_name?: string;
}

export interface RestoreOptions {
  /** The new collection's name; default the exported one. */
  readonly collection_name?: string;
  readonly onProgress?: (p: RowProgress) => void;
  readonly signal?: Cancellable;
  /** Rows per write. Default 1,000. */
  readonly batchSize?: number;
  readonly db_name?: string;
}

/** A field as describeCollection renders it (proxy/render.ts). */
interface DescribedField {
  name: string;
  dataType: number;
  description?: string;
  is_primary_key?: boolean;
  autoID?: boolean;
  is_partition_key?: boolean;
  is_clustering_key?: boolean;
  nullable?: boolean;
  is_function_output?: boolean;
  default_value?: unknown;
  element_type?: string;
  dim?: string;
  max_length?: string;
  max_capacity?: string;
  enable_analyzer?: string;
  enable_match?: string;
  analyzer_params?: string;
}

/** What the file says about the collection (metadata `vesper.collection`). */
export interface ExportedCollection {
  collection_name: string;
  description: string;
  enable_dynamic_field: boolean;
  /** createCollection's fields. */
  fields: Record<string, unknown>[];
  functions: Record<string, unknown>[];
  consistency_level: string;
  shards_num: number;
  /** Partition-key collections: how many partitions; absent otherwise. */
  num_partitions?: number;
  /** Manual partitions in creation order (`_default` included); empty for partition-key collections. */
  partitions: string[];
  properties: Record<string, string>;
  loaded: boolean;
  /** Partitions released while the collection stayed loaded (releasePartitions). */
  released_partitions: string[];
  rows: number;
}

interface ExportedIndex {
  field_name: string;
  index_name: string;
  index_type: string;
  metric_type: string;
  params: Record<string, string>;
  /** Index properties (alterIndexProperties: `mmap.enabled`); absent when none are set. */
  properties?: Record<string, string>;
}

function cancelled(signal: Cancellable | undefined, details: Record<string, unknown>): void {
  if (signal?.aborted === true) throw new VesperError('CANCELLED', 'the operation was cancelled by its AbortSignal', details);
}

function arrowTypeOf(f: DescribedField): { type: ArrowType; json: boolean } {
  switch (f.dataType) {
    case DataType.Bool: return { type: new Bool(), json: false };
    case DataType.Int8: return { type: new Int8(), json: false };
    case DataType.Int16: return { type: new Int16(), json: false };
    case DataType.Int32: return { type: new Int32(), json: false };
    case DataType.Int64: return { type: new Int64(), json: false };
    case DataType.Float: return { type: new Float32(), json: false };
    case DataType.Double: return { type: new Float64(), json: false };
    case DataType.VarChar: return { type: new Utf8(), json: false };
    // half-float vectors widen to float32 exactly (and keep -0, which JSON text would lose)
    case DataType.FloatVector:
    case DataType.Float16Vector:
    case DataType.BFloat16Vector:
      return { type: new FixedSizeList(Number(f.dim), new Field('item', new Float32(), false)), json: false };
    case DataType.Array:
      if (FLOAT_ELEMENTS.has(String(f.element_type))) return { type: new List(new Field('item', new Float64(), true)), json: false };
      return { type: new Utf8(), json: true };
    default: return { type: new Utf8(), json: true };
  }
}

const FLOAT_ELEMENTS = new Set(['Float', 'Double']);
const isFloatList = (f: DescribedField): boolean =>
  f.dataType === DataType.FloatVector || f.dataType === DataType.Float16Vector || f.dataType === DataType.BFloat16Vector || (f.dataType === DataType.Array && FLOAT_ELEMENTS.has(String(f.element_type)));

const jsonText = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (ArrayBuffer.isView(x) ? Array.from(x as unknown as ArrayLike<number>) : typeof x === 'bigint' ? x.toString() : x));

function toArrowValue(f: DescribedField, json: boolean, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (json) return jsonText(v);
  if (f.dataType === DataType.Int64) return BigInt(v as string | number | bigint);
  if (f.dataType === DataType.Array && isFloatList(f)) return Float64Array.from(v as ArrayLike<number>);
  if (isFloatList(f)) return Float32Array.from(v as ArrayLike<number>);
  return v;
}

function fromArrowValue(f: DescribedField, json: boolean, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (json) return JSON.parse(v as string);
  if (isFloatList(f)) return Array.from(v as Iterable<number>);
  return v;
}

/** describeCollection's rendering back into createCollection's field shape. */
function createField(f: DescribedField): Record<string, unknown> {
  const out: Record<string, unknown> = { name: f.name, description: f.description ?? '', data_type: f.dataType };
  for (const k of ['is_primary_key', 'autoID', 'is_partition_key', 'is_clustering_key', 'nullable'] as const) if (f[k] === true) out[k] = true;
  if (f.default_value !== undefined) out['default_value'] = f.default_value;
  if (f.element_type !== undefined) out['element_type'] = f.element_type;
  for (const k of ['dim', 'max_length', 'max_capacity'] as const) if (f[k] !== undefined) out[k] = Number(f[k]);
  if (f.enable_analyzer !== undefined) out['enable_analyzer'] = f.enable_analyzer === 'true';
  if (f.enable_match !== undefined) out['enable_match'] = f.enable_match === 'true';
  if (f.analyzer_params !== undefined) out['analyzer_params'] = JSON.parse(f.analyzer_params) as unknown;
  return out;
}

const pairs = (kv: readonly { key: string; value: string }[] | undefined): Record<string, string> => Object.fromEntries((kv ?? []).map((p) => [p.key, p.value]));

/**
 * Exports collection `name` — definition, indexes, partitions and every visible row at one
 * snapshot — as the bytes of an export file. A collection or partitions that are not loaded are
 * loaded for the export and released again.
 * @throws COLLECTION_NOT_FOUND (100); CANCELLED (2200) when signal fires
 */
export async function dumpCollection(db: VesperClient, name: string, opts: DumpOptions = {}): Promise<{ bytes: Uint8Array; rows: number; collection: ExportedCollection }> {
  const dbName = opts.db_name === undefined ? {} : { db_name: opts.db_name };
  const at = { collection_name: name, ...dbName };
  const desc = await db.describeCollection(at);
  const schema = desc['schema'] as { fields: DescribedField[]; enable_dynamic_field?: boolean; description?: string; functions?: Array<Record<string, unknown>> };
  const pk = schema.fields.find((f) => f.is_primary_key);
  if (pk === undefined) throw new VesperError('COLLECTION_ILLEGAL_SCHEMA', `collection ${name} has no primary key`);
  const indexes: ExportedIndex[] = await db.describeIndex(at).then(
    (r) => r.index_descriptions.map((i) => {
      // describeIndex lists build parameters and index properties together: keep them apart
      const listed = i.params.filter((p) => p.key !== 'index_type' && p.key !== 'metric_type');
      const properties = listed.filter((p) => INDEX_KEYS.has(p.key));
      return {
        field_name: i.field_name,
        index_name: i.index_name,
        index_type: i.index_type,
        metric_type: i.metric_type,
        params: Object.fromEntries(listed.filter((p) => !INDEX_KEYS.has(p.key)).map((p) => [p.key, p.value])),
        ...(properties.length > 0 ? { properties: pairs(properties) } : {}),
      };
    }),
    (e: unknown) => {
      if (VesperError.is(e, 'INDEX_NOT_FOUND')) return [];
      throw e;
    },
  );
  const partitionKey = schema.fields.some((f) => f.is_partition_key === true);
  const partitions = (await db.showPartitions(at)).partition_names;
  const loaded = (await db.getLoadState(at)).state === 'LoadStateLoaded';
  const released: string[] = [];
  if (loaded && !partitionKey) {
    for (const p of partitions) if ((await db.getLoadState({ ...at, partition_names: [p] })).state !== 'LoadStateLoaded') released.push(p);
  }
  // every row is read: load what is not loaded for the export, and put the load state back after
  if (!loaded) await db.loadCollection(at);
  else if (released.length > 0) await db.loadPartitions({ ...at, partition_names: released });
  try {
    const stored = schema.fields.filter((f) => f.is_function_output !== true);
    const columns = stored.map((f) => ({ f, ...arrowTypeOf(f) }));
    const dynamic = schema.enable_dynamic_field === true;
    const arrowFields = columns.map((c) => new Field(c.f.name, c.type, true, c.json ? new Map([['vesper.json', '1']]) : new Map()));
    if (dynamic) arrowFields.push(new Field(META, new Utf8(), true, new Map([['vesper.json', '1']])));
    if (!partitionKey) arrowFields.push(new Field(PARTITION, new Utf8(), false));
    // one snapshot for the count and every page
    const counted = await db.query({ ...at, filter: '', output_fields: ['count(*)'], consistency_level: 'Strong' });
    const total = Number(counted.data[0]?.['count(*)'] ?? 0);
    const snapshot = counted.session_ts;
    const pageSize = opts.pageSize ?? 5000;
    const known = new Set(schema.fields.map((f) => f.name));
    const pages: Array<Record<string, Vector>> = [];
    let done = 0;
    for (const part of partitionKey ? [undefined] : partitions) {
      let last: unknown;
      for (;;) {
        cancelled(opts.signal, { exported: done, total });
        const page = await db.query({
          ...at,
          ...(part === undefined ? {} : { partition_names: [part] }),
          filter: last === undefined ? '' : `${pk.name} > {vesper_dump_last}`,
          ...(last === undefined ? {} : { filter_params: { vesper_dump_last: last } }),
          output_fields: ['*'],
          limit: pageSize,
          snapshot_ts: snapshot,
        });
        const rows = page.data;
        if (rows.length === 0) break;
        const data: Record<string, Vector> = {};
        columns.forEach((c) => {
          data[c.f.name] = vectorFromArray(rows.map((r) => toArrowValue(c.f, c.json, r[c.f.name])), c.type as never) as Vector;
        });
        if (dynamic) data[META] = vectorFromArray(rows.map((r) => jsonText(Object.fromEntries(Object.entries(r).filter(([k]) => !known.has(k))))), new Utf8()) as Vector;
        if (part !== undefined) data[PARTITION] = vectorFromArray(rows.map(() => part), new Utf8()) as Vector;
        pages.push(data);
        done += rows.length;
        const key = rows[rows.length - 1]![pk.name];
        last = pk.dataType === DataType.Int64 ? BigInt(key as string) : key;
        opts.onProgress?.({ done, total });
        if (rows.length < pageSize) break;
      }
    }
    const collection: ExportedCollection = {
      collection_name: typeof desc['collection_name'] === 'string' ? desc['collection_name'] : name,
      description: schema.description ?? '',
      enable_dynamic_field: dynamic,
      fields: schema.fields.map(createField),
      functions: (schema.functions ?? []).map((fn) => ({
        name: fn['name'],
        description: fn['description'],
        type: fn['type'],
        input_field_names: fn['input_field_names'],
        output_field_names: fn['output_field_names'],
        params: pairs(fn['params'] as { key: string; value: string }[]),
      })),
      consistency_level: String(desc['consistency_level']),
      shards_num: Number(desc['shards_num']),
      ...(partitionKey ? { num_partitions: Number(desc['num_partitions']) } : {}),
      partitions: partitionKey ? [] : partitions,
      properties: pairs(desc['properties'] as { key: string; value: string }[]),
      loaded,
      released_partitions: released,
      rows: done,
    };
    const arrowSchema = new Schema(arrowFields, new Map([
      ['vesper.kind', EXPORT_KIND],
      ['vesper.version', String(EXPORT_FORMAT_VERSION)],
      ['vesper.features', EXPORT_FEATURES.join(',')],
      ['vesper.collection', JSON.stringify(collection)],
      ['vesper.indexes', JSON.stringify(indexes)],
    ]));
    const batches = pages.flatMap((data) => new Table(data).batches.map((b) => new RecordBatch(arrowSchema, b.data)));
    const table = batches.length > 0 ? new Table(batches) : new Table(arrowSchema);
    const arrow = tableToIPC(table, 'stream');
    return { bytes: joinWithTrailer([arrow], arrow.byteLength), rows: done, collection };
  } finally {
    if (!loaded) await db.releaseCollection(at);
    else if (released.length > 0) await db.releasePartitions({ ...at, partition_names: released });
  }
}

const corrupt = (why: string): VesperError => new VesperError('FORMAT_CORRUPT', `not a readable Vesper collection export: ${why}`);

function parseJson<T>(text: string | undefined, key: string): T {
  if (text === undefined) throw corrupt(`the Arrow schema has no ${key} metadata`);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw corrupt(`${key} metadata is not valid JSON`);
  }
}

/** Reads and checks an export file (trailer, Arrow, version, flags, columns, row count); creates nothing. */
export function readDump(bytes: Uint8Array): { table: Table; collection: ExportedCollection; indexes: ExportedIndex[] } {
  const { arrow, sealed } = checkTrailer(bytes, 'collection export');
  if (!sealed) throw corrupt('it does not end with the checksum trailer');
  let table: Table;
  try {
    table = tableFromIPC(arrow);
  } catch (e) {
    throw corrupt(`the Arrow stream does not parse (${(e as Error).message})`);
  }
  const meta = table.schema.metadata;
  if (meta.get('vesper.kind') !== EXPORT_KIND) throw corrupt(`vesper.kind is ${JSON.stringify(meta.get('vesper.kind') ?? null)}, not ${EXPORT_KIND}`);
  const version = Number(meta.get('vesper.version'));
  if (!Number.isInteger(version) || version < 1) throw corrupt(`vesper.version ${JSON.stringify(meta.get('vesper.version') ?? null)} is not a version`);
  if (version > EXPORT_FORMAT_VERSION) throw new VesperError('FORMAT_UNSUPPORTED', `collection export version ${version} is newer than this reader (${EXPORT_FORMAT_VERSION}); upgrade Vesper`);
  const features = (meta.get('vesper.features') ?? '').split(',').filter((f) => f !== '');
  const unknown = features.filter((f) => !EXPORT_FEATURES.includes(f));
  if (unknown.length > 0) throw new VesperError('FORMAT_UNSUPPORTED', `collection export needs features this reader does not understand: ${unknown.join(', ')}; upgrade Vesper`);
  const collection = parseJson<ExportedCollection>(meta.get('vesper.collection'), 'vesper.collection');
  const indexes = parseJson<ExportedIndex[]>(meta.get('vesper.indexes'), 'vesper.indexes');
  if (typeof collection !== 'object' || collection === null || typeof collection.collection_name !== 'string' || !Array.isArray(collection.fields) || !Array.isArray(collection.partitions) || !Array.isArray(indexes)) {
    throw corrupt('vesper.collection or vesper.indexes lacks required members');
  }
  if (collection.rows !== table.numRows) throw corrupt(`the metadata counts ${collection.rows} rows, the stream holds ${table.numRows}`);
  const need = collection.fields.filter((f) => f['is_function_output'] !== true).map((f) => String(f['name']));
  if (collection.enable_dynamic_field) need.push(META);
  if (collection.num_partitions === undefined) need.push(PARTITION);
  const missing = need.filter((n) => table.getChild(n) === null);
  if (missing.length > 0) throw corrupt(`columns missing: ${missing.join(', ')}`);
  return { table, collection, indexes };
}

/**
 * Imports an export file into a new collection: creates it (under `opts.collection_name` or
 * the exported name) with its partitions, indexes and properties, writes every row into its
 * partition with its primary key, and loads it when the exported collection was loaded. All or
 * nothing: when any step fails, or signal fires, the new collection is dropped again.
 * @throws FORMAT_CORRUPT (2002) / FORMAT_UNSUPPORTED (2001) for a damaged or newer file;
 *   PARAMETER_INVALID (1100) when the collection exists; CANCELLED (2200) when signal fires
 */
export async function restoreCollection(db: VesperClient, bytes: Uint8Array, opts: RestoreOptions = {}): Promise<{ collection_name: string; rows: number }> {
  const { table, collection: coll, indexes } = readDump(bytes);
  const dbName = opts.db_name === undefined ? {} : { db_name: opts.db_name };
  const name = opts.collection_name ?? coll.collection_name;
  const at = { collection_name: name, ...dbName };
  if ((await db.hasCollection(at)).value) {
    throw new VesperError('PARAMETER_INVALID', `cannot import into collection ${name}: it already exists (import creates a new collection; pick another collection_name)`, { collection_name: name });
  }
  await db.createCollection({
    ...at,
    description: coll.description,
    enable_dynamic_field: coll.enable_dynamic_field,
    fields: coll.fields as never,
    ...(coll.functions.length > 0 ? { functions: coll.functions as never } : {}),
    consistency_level: coll.consistency_level as never,
    shards_num: coll.shards_num,
    ...(coll.num_partitions !== undefined ? { num_partitions: coll.num_partitions } : {}),
    properties: coll.properties,
  });
  try {
    for (const p of coll.partitions) if (p !== '_default') await db.createPartition({ ...at, partition_name: p });
    for (const { properties, ...idx } of indexes) {
      await db.createIndex({ ...at, ...idx } as never);
      if (properties !== undefined) await db.alterIndexProperties({ ...at, index_name: idx.index_name, params: properties });
    }
    const byName = new Map(coll.fields.map((f) => [String(f['name']), { name: String(f['name']), dataType: Number(f['data_type']), element_type: f['element_type'] } as DescribedField]));
    const cols = table.schema.fields.map((f, i) => ({ name: f.name, json: f.metadata.get('vesper.json') === '1', field: byName.get(f.name), vector: table.getChildAt(i)! }));
    const partCol = table.getChild(PARTITION);
    const total = table.numRows;
    const batchSize = opts.batchSize ?? 1000;
    let done = 0;
    const write = async (rows: Record<string, unknown>[], partition: string | undefined): Promise<void> => {
      if (rows.length === 0) return;
      await db.restoreRows({ ...at, data: rows, ...(partition === undefined ? {} : { partition_name: partition }) });
      done += rows.length;
      opts.onProgress?.({ done, total });
    };
    let rows: Record<string, unknown>[] = [];
    let rowsPartition: string | undefined;
    for (let r = 0; r < total; r++) {
      const partition = partCol === null ? undefined : String(partCol.get(r));
      if (rows.length >= batchSize || (rows.length > 0 && partition !== rowsPartition)) {
        cancelled(opts.signal, { imported: done, total });
        await write(rows, rowsPartition);
        rows = [];
      }
      rowsPartition = partition;
      let row: Record<string, unknown> = {};
      for (const c of cols) {
        if (c.name === PARTITION) continue;
        if (c.name === META) {
          row = { ...(fromArrowValue({ name: META, dataType: DataType.JSON }, true, c.vector.get(r)) as Record<string, unknown>), ...row };
          continue;
        }
        if (c.field === undefined) throw corrupt(`column ${c.name} is not a field of the exported schema`);
        row[c.name] = fromArrowValue(c.field, c.json, c.vector.get(r));
      }
      rows.push(row);
    }
    cancelled(opts.signal, { imported: done, total });
    await write(rows, rowsPartition);
    if (coll.loaded) {
      await db.loadCollection(at);
      const released = coll.released_partitions ?? [];
      if (released.length > 0) await db.releasePartitions({ ...at, partition_names: released });
    }
    return { collection_name: name, rows: total };
  } catch (e) {
    await db.dropCollection(at).catch(() => undefined);
    throw e;
  }
}
