/**
 * Rendering engine values into the Milvus Node SDK's response shapes: Int64 values become
 * decimal strings (as the SDK's protobuf loader renders int64), sparse vectors become
 * `{index: value}` objects, binary vectors arrays of bytes. Responses therefore hold only
 * JSON-safe data and cross worker, Durable Object and HTTP boundaries unchanged.
 */
import type { SparseVector } from '../schema/columns.ts';
import { DataType, dataTypeName } from '../schema/data-type.ts';
import type { CollectionSchema, FieldSchema } from '../schema/types.ts';
import type { CollectionInfo } from '../catalog/types.ts';
import { setOwn } from '../query/output.ts';

export function renderValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(renderValue);
  if (v !== null && typeof v === 'object' && 'indices' in v && 'values' in v && (v as SparseVector).indices instanceof Uint32Array) {
    const s = v as SparseVector;
    const out: Record<string, number> = {};
    s.indices.forEach((i, j) => (out[String(i)] = s.values[j]!));
    return out;
  }
  return v;
}

export function renderRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(row)) {
    const v = row[k];
    const r = typeof v === 'bigint' || (typeof v === 'object' && v !== null) ? renderValue(v) : v;
    // `__proto__` is a key like any other (an own property), never the prototype
    if (k === '__proto__') setOwn(out, k, r);
    else out[k] = r;
  }
  return out;
}

export function keyValuePairs(obj: Readonly<Record<string, unknown>>): { key: string; value: string }[] {
  return Object.entries(obj).map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) }));
}

export function renderField(f: FieldSchema): Record<string, unknown> {
  const typeParams: Record<string, string> = {};
  if (f.dim !== undefined) typeParams['dim'] = String(f.dim);
  if (f.max_length !== undefined) typeParams['max_length'] = String(f.max_length);
  if (f.max_capacity !== undefined) typeParams['max_capacity'] = String(f.max_capacity);
  if (f.enable_analyzer !== undefined) typeParams['enable_analyzer'] = String(f.enable_analyzer);
  if (f.enable_match !== undefined) typeParams['enable_match'] = String(f.enable_match);
  if (f.analyzer_params !== undefined) typeParams['analyzer_params'] = JSON.stringify(f.analyzer_params);
  return {
    fieldID: String(f.fieldID),
    name: f.name,
    description: f.description,
    data_type: dataTypeName(f.data_type),
    dataType: f.data_type,
    is_primary_key: f.is_primary_key,
    autoID: f.autoID,
    is_partition_key: f.is_partition_key,
    is_clustering_key: f.is_clustering_key,
    is_dynamic: f.is_dynamic,
    nullable: f.nullable,
    is_function_output: f.is_function_output === true,
    ...(f.default_value !== undefined ? { default_value: renderValue(f.default_value) } : {}),
    ...(f.element_type !== undefined ? { element_type: dataTypeName(f.element_type) } : {}),
    type_params: keyValuePairs(typeParams),
    ...typeParams,
  };
}

export function renderSchema(schema: CollectionSchema): Record<string, unknown> {
  const pk = schema.fields.find((f) => f.is_primary_key);
  return {
    name: schema.name,
    description: schema.description,
    autoID: pk?.autoID ?? false,
    enable_dynamic_field: schema.enable_dynamic_field,
    fields: schema.fields.filter((f) => !f.is_dynamic).map(renderField),
    functions: renderFunctions(schema),
  };
}

/** Milvus's FunctionSchema as the SDK shows it (field ids resolved, params as key/value pairs). */
export function renderFunctions(schema: CollectionSchema): Record<string, unknown>[] {
  const idOf = (name: string): string => String(schema.fields.find((f) => f.name === name)?.fieldID ?? -1);
  return (schema.functions ?? []).map((fn) => ({
    name: fn.name,
    description: fn.description,
    type: fn.type,
    input_field_names: [...fn.input_field_names],
    input_field_ids: fn.input_field_names.map(idOf),
    output_field_names: [...fn.output_field_names],
    output_field_ids: fn.output_field_names.map(idOf),
    params: keyValuePairs(fn.params),
  }));
}

export function channelNames(info: CollectionInfo): string[] {
  return Array.from({ length: info.shardsNum }, (_, i) => `c${info.id}-s${i}`);
}

export function isInt64Pk(schema: CollectionSchema): boolean {
  return schema.fields.some((f) => f.is_primary_key && f.data_type === DataType.Int64);
}

/** Milvus's IDs shape: `{int_id: {data}}` or `{str_id: {data}}` (int64s as strings). */
export function renderIds(schema: CollectionSchema, pks: readonly (bigint | string)[]): Record<string, { data: string[] }> {
  const data = pks.map((p) => p.toString());
  return isInt64Pk(schema) ? { int_id: { data } } : { str_id: { data } };
}
