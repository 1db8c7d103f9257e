/**
 * What the REST layer needs to know about a collection's schema to render results the way
 * Milvus's HTTP server does: the primary key, which fields are Int64 (strings unless
 * `Accept-Type-Allow-Int64: true`), and the vector fields with their dimensions (to reject a
 * malformed search vector with 1801 before it reaches the engine).
 */
import type { Engine } from '../rpc.ts';

/** One field of the engine's describeCollection `schema.fields` (the SDK's shape). */
export interface EngineField {
  readonly fieldID: string;
  readonly name: string;
  readonly description: string;
  readonly data_type: string;
  readonly is_primary_key: boolean;
  readonly autoID: boolean;
  readonly is_partition_key: boolean;
  readonly is_clustering_key: boolean;
  readonly nullable: boolean;
  readonly default_value?: unknown;
  readonly element_type?: string;
  readonly type_params: { key: string; value: string }[];
  readonly dim?: string;
}

export interface EngineFunction {
  readonly name: string;
  readonly description: string;
  readonly type: string;
  readonly input_field_names: string[];
  readonly output_field_names: string[];
  readonly params: { key: string; value: string }[];
}

export interface EngineDescription {
  readonly schema: {
    readonly description: string;
    readonly autoID: boolean;
    readonly enable_dynamic_field: boolean;
    readonly fields: EngineField[];
    readonly functions?: EngineFunction[];
  };
  readonly collectionID: string;
  readonly collection_name: string;
  readonly shards_num: number;
  readonly num_partitions: string;
  readonly aliases: string[];
  readonly consistency_level: string;
  readonly properties: { key: string; value: string }[];
  readonly loaded: boolean;
  /** Schema changes since create (addCollectionField); absent while none. */
  readonly schema_version?: number;
  readonly created_utc_timestamp: string;
}

export interface SchemaInfo {
  readonly pk: string;
  readonly pkIsInt64: boolean;
  readonly fields: readonly EngineField[];
  readonly int64Fields: ReadonlySet<string>;
  /** Array fields whose elements are Int64 (rendered element by element, like Int64 fields). */
  readonly int64ArrayFields: ReadonlySet<string>;
  readonly dynamic: boolean;
}

const VECTOR_TYPES = new Set(['FloatVector', 'Float16Vector', 'BFloat16Vector', 'BinaryVector', 'SparseFloatVector', 'Int8Vector']);

export function isVectorField(f: EngineField): boolean {
  return VECTOR_TYPES.has(f.data_type);
}

export async function describe(engine: Engine, collectionName: string): Promise<EngineDescription> {
  // the describe task answers the SDK's loosely typed shape (a record); EngineDescription names what REST reads of it
  const res: Record<string, unknown> = await engine.call('describeCollection', { collection_name: collectionName });
  return res as unknown as EngineDescription;
}

export function schemaInfo(desc: EngineDescription): SchemaInfo {
  const fields = desc.schema.fields;
  const pk = fields.find((f) => f.is_primary_key)!;
  return {
    pk: pk.name,
    pkIsInt64: pk.data_type === 'Int64',
    fields,
    int64Fields: new Set(fields.filter((f) => f.data_type === 'Int64').map((f) => f.name)),
    int64ArrayFields: new Set(fields.filter((f) => f.data_type === 'Array' && f.element_type === 'Int64').map((f) => f.name)),
    dynamic: desc.schema.enable_dynamic_field,
  };
}

/** An Int64 value as the REST API renders it. */
export function int64(v: unknown, allow: boolean): unknown {
  if (!allow) return typeof v === 'number' || typeof v === 'bigint' ? v.toString() : v;
  // numbers: exact digits (a bigint is written as its digits by the response encoder)
  const b = typeof v === 'string' && /^-?\d+$/.test(v) ? BigInt(v) : v;
  if (typeof b !== 'bigint') return b;
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

/** Primary keys from the engine's IDs shape (`{int_id:{data}}` or `{str_id:{data}}`). */
export function renderIds(ids: unknown, allow: boolean): unknown[] {
  const o = (ids ?? {}) as { int_id?: { data: string[] }; str_id?: { data: string[] } };
  if (o.int_id) return o.int_id.data.map((v) => int64(v, allow));
  return o.str_id?.data ?? [];
}
