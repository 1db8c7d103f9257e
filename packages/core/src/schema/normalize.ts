/**
 * Turns the schema shapes Milvus clients send (the Node SDK's `fields` with `data_type`,
 * `dim`, `type_params`; the quick-setup `dimension` form) into the engine's normalized
 * CollectionSchema, then validates it with Milvus's rules (schema/validate.ts).
 * Field ids start at 100 as in Milvus; the dynamic field is a hidden JSON field `$meta`.
 */
import { VesperError, check } from '../errors/index.ts';
import { DataType, parseDataType } from './data-type.ts';
import { DYNAMIC_FIELD, type CollectionSchema, type FieldSchema } from './types.ts';
import { normalizeDefaultValue, validateSchema } from './validate.ts';
import { normalizeFunctions } from '../functions/function-schema.ts';
import { showValue } from '../util/show-value.ts';

/** A field as the Milvus Node SDK describes it (snake_case; type params inline or nested). */
export interface FieldInput {
  name: string;
  data_type: DataType | string;
  description?: string;
  is_primary_key?: boolean;
  autoID?: boolean;
  is_partition_key?: boolean;
  is_clustering_key?: boolean;
  nullable?: boolean;
  default_value?: unknown;
  element_type?: DataType | string;
  dim?: number | string;
  max_length?: number | string;
  max_capacity?: number | string;
  /** VarChar full-text options (Milvus 2.5+): also accepted inside type_params, as strings. */
  enable_analyzer?: boolean | string;
  enable_match?: boolean | string;
  analyzer_params?: Record<string, unknown> | string;
  type_params?: Record<string, unknown>;
}

export interface SchemaInput {
  collection_name: string;
  description?: string;
  fields?: readonly FieldInput[];
  enable_dynamic_field?: boolean;
  /** Quick setup: an Int64 (or VarChar) primary key and one FloatVector field of this dim. */
  dimension?: number;
  primary_field_name?: string;
  vector_field_name?: string;
  id_type?: DataType | string;
  auto_id?: boolean;
  max_length?: number;
  /** Functions (BM25) computing output fields from input fields. */
  functions?: unknown;
}

export const FIRST_FIELD_ID = 100;

function intParam(value: unknown, what: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new VesperError('PARAMETER_INVALID', `${what} must be an integer, got ${showValue(value)}`);
  }
  return n;
}

function quickSetupFields(input: SchemaInput): FieldInput[] {
  const dim = input.dimension;
  check(typeof dim === 'number' && Number.isInteger(dim), `dimension must be an integer, got ${showValue(dim)}`);
  const idType = input.id_type === undefined ? DataType.Int64 : parseDataType(input.id_type, 'id_type');
  const pk: FieldInput = {
    name: input.primary_field_name ?? 'id',
    data_type: idType,
    is_primary_key: true,
    autoID: input.auto_id ?? false,
  };
  if (idType === DataType.VarChar) pk.max_length = input.max_length ?? 65535;
  return [pk, { name: input.vector_field_name ?? 'vector', data_type: DataType.FloatVector, dim }];
}

/** The keys of a field definition (FieldInput); anything else would be dropped, so it is refused. */
const FIELD_KEYS: ReadonlySet<string> = new Set([
  'name', 'data_type', 'description', 'is_primary_key', 'autoID', 'is_partition_key', 'is_clustering_key', 'nullable', 'default_value',
  'element_type', 'dim', 'max_length', 'max_capacity', 'enable_analyzer', 'enable_match', 'analyzer_params', 'type_params',
]);
/** The keys `type_params` may hold (the same settings, as Milvus's type params). */
const TYPE_PARAM_KEYS: ReadonlySet<string> = new Set(['dim', 'max_length', 'max_capacity', 'enable_analyzer', 'enable_match', 'analyzer_params']);

/** One field in the engine's form (not yet validated against the rest of its schema). */
export function normalizeField(f: FieldInput, fieldID: number): FieldSchema {
  check(f !== null && typeof f === 'object' && !Array.isArray(f), `field definitions must be objects, got ${showValue(f)}`);
  check(typeof f.name === 'string', `field name must be a string, got ${showValue(f.name)}`);
  for (const k in f) {
    check(!Object.hasOwn(f, k) || FIELD_KEYS.has(k), `field ${f.name}: unknown parameter ${showValue(k)}; a field takes ${[...FIELD_KEYS].join(', ')}`);
  }
  const tp = f.type_params ?? {};
  check(typeof tp === 'object' && tp !== null && !Array.isArray(tp), `field ${f.name}: type_params must be an object, got ${showValue(tp)}`);
  for (const k in tp) {
    check(!Object.hasOwn(tp, k) || TYPE_PARAM_KEYS.has(k), `field ${f.name}: unknown type param ${showValue(k)}; type_params takes ${[...TYPE_PARAM_KEYS].join(', ')}`);
  }
  const dataType = parseDataType(f.data_type, `field ${f.name}: data_type`);
  const elementType =
    f.element_type === undefined ? undefined : parseDataType(f.element_type, `field ${f.name}: element_type`);
  const field: FieldSchema = {
    fieldID,
    name: f.name,
    description: f.description ?? '',
    data_type: dataType,
    ...(elementType !== undefined ? { element_type: elementType } : {}),
    is_primary_key: f.is_primary_key === true,
    autoID: f.autoID === true,
    is_partition_key: f.is_partition_key === true,
    is_clustering_key: f.is_clustering_key === true,
    is_dynamic: false,
    nullable: f.nullable === true,
    ...optionalInt('dim', f.dim ?? tp['dim'], f.name),
    ...optionalInt('max_length', f.max_length ?? tp['max_length'], f.name),
    ...optionalInt('max_capacity', f.max_capacity ?? tp['max_capacity'], f.name),
    ...textOptions(f, tp),
  };
  if (f.default_value === undefined || f.default_value === null) return field;
  return { ...field, default_value: normalizeDefaultValue(field, f.default_value) };
}

function boolParam(value: unknown, what: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new VesperError('PARAMETER_INVALID', `${what} must be true or false, got ${showValue(value)}`);
}

/** enable_analyzer / enable_match / analyzer_params, given top-level or in type_params (JSON string). */
function textOptions(f: FieldInput, tp: Record<string, unknown>): Partial<FieldSchema> {
  const analyzer = boolParam(f.enable_analyzer ?? tp['enable_analyzer'], `field ${f.name}: enable_analyzer`);
  const match = boolParam(f.enable_match ?? tp['enable_match'], `field ${f.name}: enable_match`);
  let params: unknown = f.analyzer_params ?? tp['analyzer_params'];
  if (typeof params === 'string') {
    const text = params;
    try {
      params = JSON.parse(text) as unknown;
    } catch {
      throw new VesperError('PARAMETER_INVALID', `field ${f.name}: analyzer_params is not valid JSON: ${text.slice(0, 80)}`);
    }
  }
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
    throw new VesperError('PARAMETER_INVALID', `field ${f.name}: analyzer_params must be an object, got ${showValue(params)}`);
  }
  return {
    ...(analyzer !== undefined ? { enable_analyzer: analyzer } : {}),
    ...(match !== undefined ? { enable_match: match } : {}),
    ...(params !== undefined ? { analyzer_params: params as Record<string, unknown> } : {}),
  };
}

function optionalInt(key: 'dim' | 'max_length' | 'max_capacity', value: unknown, field: string): Record<string, number> {
  const n = intParam(value, `field ${field}: ${key}`);
  return n === undefined ? {} : { [key]: n };
}

/**
 * Builds and validates a collection schema from a create request.
 * @throws PARAMETER_INVALID (1100) or COLLECTION_ILLEGAL_SCHEMA (105) with the rule broken.
 */
export function normalizeSchema(input: SchemaInput): CollectionSchema {
  const useQuick = input.fields === undefined || input.fields.length === 0;
  if (useQuick && input.dimension === undefined) {
    throw new VesperError('PARAMETER_MISSING', `create collection ${input.collection_name}: give either fields or dimension`);
  }
  const inputs = useQuick ? quickSetupFields(input) : input.fields!;
  check(Array.isArray(inputs), 'fields must be an array');
  const fields = inputs.map((f, i) => normalizeField(f, FIRST_FIELD_ID + i));
  const dynamic = input.enable_dynamic_field ?? useQuick;
  if (dynamic) {
    fields.push({
      fieldID: FIRST_FIELD_ID + fields.length,
      name: DYNAMIC_FIELD,
      description: 'dynamic field',
      data_type: DataType.JSON,
      is_primary_key: false,
      autoID: false,
      is_partition_key: false,
      is_clustering_key: false,
      is_dynamic: true,
      nullable: false,
    });
  }
  validateSchema({ name: input.collection_name, description: input.description ?? '', fields, enable_dynamic_field: dynamic });
  const withFunctions = normalizeFunctions(input.functions, fields);
  const schema: CollectionSchema = {
    name: input.collection_name,
    description: input.description ?? '',
    fields: withFunctions.fields,
    enable_dynamic_field: dynamic,
    ...(withFunctions.functions.length > 0 ? { functions: withFunctions.functions } : {}),
  };
  return schema;
}
