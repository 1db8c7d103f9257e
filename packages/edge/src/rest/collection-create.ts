/**
 * collections/create: Milvus REST v2's create body → the engine's createCollection request.
 * Quick setup (`dimension`: pk `id`, FloatVector `vector`, dynamic field, AUTOINDEX, loaded at
 * once) or a custom `schema` (indexed and loaded only when `indexParams` are given). The SDK
 * always adds metricType/primaryFieldName/vectorFieldName; they are documented no-ops with a
 * schema, while quick-setup-only keys (`dimension`, `idType`, `autoID`) beside a schema are 1100.
 *
 * Every nested object is checked against its shape (request-shape.ts): `params` takes
 * shardsNum, partitionsNum, consistencyLevel, ttlSeconds, partitionKeyIsolation,
 * max_length/enableDynamicField (quick setup), and Milvus property keys (any key with a dot,
 * e.g. `mmap.enabled`, `collection.ttl.seconds`), which become collection properties shown
 * by describe; any other key is 1100 naming it.
 */
import { DataType, VesperError, showValue } from '@vesper/core';
import { jsonText } from '@vesper/core/distributed';
import { Body, defined, missing, wrongType } from './body.ts';
import { checkKeys } from './request-shape.ts';

const FIELD_KEYS = [
  'fieldName',
  'name',
  'dataType',
  'elementDataType',
  'elementType',
  'defaultValue',
  'elementTypeParams',
  'typeParams',
  'isPrimary',
  'isPrimaryKey',
  'autoID',
  'isPartitionKey',
  'isClusteringKey',
  'nullable',
  'description',
];
const TYPE_PARAM_KEYS = ['dim', 'max_length', 'maxLength', 'max_capacity', 'maxCapacity', 'enable_analyzer', 'enableAnalyzer', 'enable_match', 'enableMatch', 'analyzer_params', 'analyzerParams'];
const FUNCTION_KEYS = ['name', 'description', 'type', 'inputFieldNames', 'input_field_names', 'outputFieldNames', 'output_field_names', 'params'];
const INDEX_PARAM_KEYS = ['fieldName', 'indexName', 'metricType', 'indexType', 'params'];
const SCHEMA_KEYS = ['autoID', 'enableDynamicField', 'enabledDynamicField', 'fields', 'functions'];
const PARAMS_KEYS = ['shardsNum', 'partitionsNum', 'consistencyLevel', 'ttlSeconds', 'partitionKeyIsolation'];
const QUICK_PARAMS_KEYS = [...PARAMS_KEYS, 'max_length', 'maxLength', 'enableDynamicField'];
/** Quick-setup keys that a custom schema would leave unread. */
const QUICK_ONLY = ['dimension', 'idType', 'autoID'];

/**
 * A `dataType` / `elementDataType` as Milvus's REST server reads it: schema.proto's names,
 * case-sensitive ("VarChar", not "VARCHAR"), 1100 otherwise. (Numbers pass to the engine.)
 */
function restDataType(value: unknown, field: string, what: string): unknown {
  if (typeof value !== 'string') return value;
  if (value === 'None' || typeof DataType[value as keyof typeof DataType] !== 'number') {
    throw new VesperError('PARAMETER_INVALID', `invalid ${what} ${showValue(value)} of field ${field}: data type names are case-sensitive, e.g. Int64, VarChar, FloatVector`);
  }
  return value;
}

/** The JSON type a `defaultValue` must have, by the field's data type (Milvus's convertDefaultValue). */
const DEFAULT_VALUE_JSON: Readonly<Record<string, 'boolean' | 'number' | 'string'>> = {
  Bool: 'boolean',
  Int8: 'number',
  Int16: 'number',
  Int32: 'number',
  Int64: 'number',
  Float: 'number',
  Double: 'number',
  VarChar: 'string',
};

/**
 * A `defaultValue` checked against its field's type as Milvus's REST server converts it: a JSON
 * boolean for Bool, a number for the integer and float types (an Int64 beyond 2^53 arrives as a
 * bigint, rest/json-codec.ts), a string for VarChar; JSON and Array fields have none. Whether the
 * value fits the type (range, max_length, an integer) is the engine's check.
 * @throws PARAMETER_INVALID (1100) "convert defaultValue fail, err:..."
 */
function checkDefaultValue(value: unknown, dataType: unknown, name: string): void {
  if (typeof dataType !== 'string') return;
  const fail = (why: string): VesperError => new VesperError('PARAMETER_INVALID', `convert defaultValue fail, err:${why} (field ${name})`);
  if (dataType === 'JSON' || dataType === 'Array') throw fail(`invalid default value: a ${dataType} field cannot have a default value`);
  const want = DEFAULT_VALUE_JSON[dataType];
  if (want === undefined) return;
  const got = typeof value === 'bigint' ? 'number' : typeof value;
  if (got !== want) throw fail(`Wrong defaultValue type: invalid default value ${showValue(value)} for a ${dataType} field[expected=${want}][actual=${got}]`);
}

/**
 * One field of a REST schema in the engine's shape (collections/create, collections/fields/add).
 * @throws PARAMETER_INVALID (1100) on a key outside the field's shape
 */
export function field(raw: unknown, autoId: boolean | undefined, where = 'schema.fields[]'): Record<string, unknown> {
  const f = Body.of(raw, where);
  checkKeys(f, FIELD_KEYS, where);
  const name = f.need('fieldName', 'name');
  const rawType = f.get('dataType');
  if (rawType === undefined) throw missing(`dataType of field ${name}`);
  const dataType = restDataType(rawType, name, 'dataType');
  const elementType = f.get('elementDataType', 'elementType');
  const defaultValue = f.get('defaultValue');
  if (defaultValue !== undefined) checkDefaultValue(defaultValue, dataType, name);
  const tp = f.obj('elementTypeParams') ?? f.obj('typeParams');
  if (tp !== undefined) checkKeys(tp, TYPE_PARAM_KEYS, `elementTypeParams of field ${name}`);
  const primary = f.bool('isPrimary') ?? f.bool('isPrimaryKey') ?? false;
  return defined({
    name,
    data_type: dataType,
    description: f.str('description'),
    is_primary_key: primary,
    autoID: primary ? (f.bool('autoID') ?? autoId ?? false) : false,
    is_partition_key: f.bool('isPartitionKey'),
    is_clustering_key: f.bool('isClusteringKey'),
    nullable: f.bool('nullable'),
    default_value: defaultValue,
    element_type: elementType === undefined ? undefined : restDataType(elementType, name, 'elementDataType'),
    dim: tp?.get('dim'),
    max_length: tp?.get('max_length', 'maxLength'),
    max_capacity: tp?.get('max_capacity', 'maxCapacity'),
    enable_analyzer: tp?.get('enable_analyzer', 'enableAnalyzer'),
    enable_match: tp?.get('enable_match', 'enableMatch'),
    analyzer_params: tp?.get('analyzer_params', 'analyzerParams'),
  });
}

/** A schema function (`{name, type: "BM25", inputFieldNames, outputFieldNames, params}`) in the engine's shape. */
function schemaFunction(raw: unknown): Record<string, unknown> {
  const f = Body.of(raw, 'schema.functions[]');
  checkKeys(f, FUNCTION_KEYS, 'schema.functions[]');
  return defined({
    name: f.get('name'),
    description: f.get('description'),
    type: f.get('type'),
    input_field_names: f.get('inputFieldNames', 'input_field_names'),
    output_field_names: f.get('outputFieldNames', 'output_field_names'),
    params: f.get('params'),
  });
}

export function indexParam(raw: unknown): Record<string, unknown> {
  const p = Body.of(raw, 'indexParams[]');
  checkKeys(p, INDEX_PARAM_KEYS, 'indexParams[]');
  const params = p.get('params');
  if (params !== undefined && (typeof params !== 'object' || Array.isArray(params))) throw wrongType('indexParams[].params', 'an object', params);
  const extra = Body.of(params ?? {});
  return defined({
    field_name: p.need('fieldName'),
    index_name: p.str('indexName'),
    metric_type: p.str('metricType') ?? extra.str('metric_type', 'metricType'),
    index_type: p.str('indexType') ?? extra.str('index_type', 'indexType'),
    params: params === undefined ? undefined : Object.fromEntries(Object.entries(extra.raw).filter(([k]) => !/^(index_?type|metric_?type)$/i.test(k))),
  });
}

/**
 * `params` of collections/create → collection properties: Milvus property keys (with a dot)
 * as given, `ttlSeconds` and `partitionKeyIsolation` under their property names. Values are
 * checked by the engine (TTL, mmap).
 */
function paramProperties(params: Body, quick: boolean): Record<string, string> | undefined {
  const props: Record<string, string> = {};
  for (const [k, v] of Object.entries(params.raw)) {
    if (k.includes('.')) props[k] = typeof v === 'string' ? v : jsonText(v);
  }
  const known = quick ? QUICK_PARAMS_KEYS : PARAMS_KEYS;
  checkKeys(new Body(Object.fromEntries(Object.entries(params.raw).filter(([k]) => !k.includes('.')))), known, quick ? 'params' : 'params (with a schema)');
  const ttl = params.get('ttlSeconds');
  if (ttl !== undefined) props['collection.ttl.seconds'] = String(ttl);
  const isolation = params.get('partitionKeyIsolation');
  if (isolation !== undefined) props['partitionkey.isolation'] = String(isolation);
  return Object.keys(props).length === 0 ? undefined : props;
}

export function createCollectionRequest(body: Body): Record<string, unknown> {
  const name = body.need('collectionName');
  const params = body.obj('params') ?? new Body({});
  const schema = body.obj('schema');
  const indexParams = body.list('indexParams');
  const common = defined({
    collection_name: name,
    description: body.str('description'),
    shards_num: params.int('shardsNum'),
    num_partitions: params.int('partitionsNum'),
    consistency_level: params.str('consistencyLevel'),
    index_params: indexParams?.map(indexParam),
    properties: paramProperties(params, schema === undefined),
  });
  if (schema !== undefined) {
    checkKeys(schema, SCHEMA_KEYS, 'schema');
    for (const k of QUICK_ONLY) {
      if (body.get(k) !== undefined) throw new VesperError('PARAMETER_INVALID', `${k} applies to quick setup only and would be ignored beside a schema: set it in schema (autoID) or drop it`);
    }
    const fields = schema.list('fields');
    if (fields === undefined || fields.length === 0) throw missing('schema.fields');
    const autoId = schema.bool('autoID');
    return defined({
      ...common,
      fields: fields.map((f) => field(f, autoId)),
      functions: schema.list('functions')?.map(schemaFunction),
      enable_dynamic_field: schema.bool('enableDynamicField') ?? schema.bool('enabledDynamicField') ?? false,
    });
  }
  const dimension = body.int('dimension');
  if (dimension === undefined) throw missing('dimension');
  const idType = body.str('idType');
  if (idType !== undefined && !/^(int64|varchar)$/i.test(idType)) {
    throw new VesperError('PARAMETER_INVALID', `idType must be Int64 or VarChar, got ${idType}`);
  }
  const maxLength = params.int('max_length') ?? params.int('maxLength');
  if (maxLength !== undefined && !/^varchar$/i.test(idType ?? '')) {
    throw new VesperError('PARAMETER_INVALID', `params.max_length applies to a VarChar primary key (idType VarChar) and would be ignored with idType ${idType ?? 'Int64'}`);
  }
  const metric = body.str('metricType') ?? 'COSINE';
  const vectorField = body.strAlias('vectorFieldName', 'vectorField') ?? 'vector';
  return defined({
    ...common,
    dimension,
    metric_type: metric,
    id_type: idType,
    auto_id: body.bool('autoID'),
    primary_field_name: body.strAlias('primaryFieldName', 'primaryField'),
    vector_field_name: vectorField,
    max_length: maxLength,
    enable_dynamic_field: body.bool('enableDynamicField') ?? body.bool('enabledDynamicField') ?? params.bool('enableDynamicField') ?? true,
    // Quick setup always gets an AUTOINDEX on its vector with the requested metric.
    index_params: indexParams?.map(indexParam) ?? [{ field_name: vectorField, index_type: 'AUTOINDEX', metric_type: metric }],
  });
}
