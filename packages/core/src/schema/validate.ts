/**
 * Milvus's schema rules (proxy/validate_util.go and util.go in Milvus): names, one primary
 * key of Int64 or VarChar, at least one and at most four vector fields, at most 64 fields,
 * dim 1..32768, VarChar max_length 1..65535, Array element types and max_capacity 1..4096,
 * partition key and nullable/default restrictions.
 */
import { VesperError } from '../errors/index.ts';
import {
  DataType,
  INT_RANGE,
  dataTypeName,
  isDenseVectorType,
  isFloatType,
  isIntegerType,
  isVectorType,
} from './data-type.ts';
import { DYNAMIC_FIELD, type CollectionSchema, type FieldSchema } from './types.ts';
import { showValue } from '../util/show-value.ts';

export const LIMITS = {
  maxNameLength: 255,
  maxFields: 64,
  maxVectorFields: 4,
  maxDim: 32768,
  maxVarCharLength: 65535,
  maxArrayCapacity: 4096,
  maxShards: 16,
  maxPartitions: 1024,
  defaultPartitionKeyPartitions: 16,
} as const;

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function illegal(message: string): VesperError {
  return new VesperError('COLLECTION_ILLEGAL_SCHEMA', message);
}

/**
 * Validates a collection, partition, alias, database or field name.
 * @throws PARAMETER_INVALID (1100), or DATABASE_INVALID_NAME (802) for databases.
 */
export function validateName(name: unknown, what: 'collection' | 'partition' | 'alias' | 'database' | 'field'): string {
  const error = what === 'database' ? 'DATABASE_INVALID_NAME' : what === 'field' ? 'FIELD_INVALID_NAME' : 'PARAMETER_INVALID';
  if (typeof name !== 'string' || name.length === 0) {
    throw new VesperError(error, `the ${what} name should not be empty`);
  }
  if (name.length > LIMITS.maxNameLength) {
    throw new VesperError(error, `Invalid ${what} name ${name}: the length of a ${what} name must be less than ${LIMITS.maxNameLength} characters`);
  }
  if (!NAME_RE.test(name)) {
    throw new VesperError(
      error,
      `Invalid ${what} name ${name}: the first character must be an underscore or a letter, and the rest underscores, letters or digits`,
    );
  }
  return name;
}

export function validateSchema(schema: CollectionSchema): void {
  validateName(schema.name, 'collection');
  const user = schema.fields.filter((f) => !f.is_dynamic);
  if (user.length > LIMITS.maxFields) {
    throw illegal(`collection ${schema.name} has ${user.length} fields; the maximum is ${LIMITS.maxFields}`);
  }
  const seen = new Set<string>();
  for (const f of user) {
    if (f.name === DYNAMIC_FIELD) throw illegal(`field name ${DYNAMIC_FIELD} is reserved for the dynamic field`);
    validateName(f.name, 'field');
    if (seen.has(f.name)) throw illegal(`duplicated field name ${f.name}`);
    seen.add(f.name);
    validateField(f);
  }
  const pks = user.filter((f) => f.is_primary_key);
  if (pks.length !== 1) {
    throw illegal(`a collection needs exactly one primary key field, ${schema.name} has ${pks.length}`);
  }
  const vectors = user.filter((f) => isVectorType(f.data_type));
  if (vectors.length === 0) throw illegal(`schema of ${schema.name} has no vector field; add at least one`);
  if (vectors.length > LIMITS.maxVectorFields) {
    throw illegal(`collection ${schema.name} has ${vectors.length} vector fields; the maximum is ${LIMITS.maxVectorFields}`);
  }
  const partitionKeys = user.filter((f) => f.is_partition_key);
  if (partitionKeys.length > 1) throw illegal('a collection can have at most one partition key field');
  const autoIds = user.filter((f) => f.autoID);
  if (autoIds.some((f) => !f.is_primary_key)) throw illegal('only the primary key field can be auto_id');
}

function validateField(f: FieldSchema): void {
  const t = f.data_type;
  const name = f.name;
  if (f.is_primary_key) {
    if (t !== DataType.Int64 && t !== DataType.VarChar) {
      throw illegal(`primary key field ${name} must be Int64 or VarChar, not ${dataTypeName(t)}`);
    }
    if (f.nullable) throw illegal(`primary key field ${name} cannot be nullable`);
    // Milvus's proxy answers these two with ParameterInvalid (1100) and these phrases.
    if (f.default_value !== undefined) throw new VesperError('PARAMETER_INVALID', `primary field not support default_value: primary key field ${name} cannot have a default value`);
    if (f.is_partition_key) throw illegal(`primary key field ${name} cannot also be the partition key`);
  }
  if (f.is_partition_key) {
    if (t !== DataType.Int64 && t !== DataType.VarChar) {
      throw illegal(`partition key field ${name} must be Int64 or VarChar, not ${dataTypeName(t)}`);
    }
    if (f.nullable) throw new VesperError('PARAMETER_INVALID', `partition key field not support nullable: partition key field ${name} cannot be nullable`);
  }
  if (isVectorType(t)) {
    if (f.nullable) throw illegal(`vector field ${name} cannot be nullable`);
    if (f.default_value !== undefined) throw illegal(`vector field ${name} cannot have a default value`);
    if (isDenseVectorType(t)) {
      const dim = f.dim;
      if (dim === undefined) throw illegal(`dimension is not defined in field type params of ${name}; set dim`);
      if (dim < 1 || dim > LIMITS.maxDim) {
        throw illegal(`invalid dimension ${dim} for field ${name}: it should be in range 1 ~ ${LIMITS.maxDim}`);
      }
      if (t === DataType.BinaryVector && dim % 8 !== 0) {
        throw illegal(`invalid dimension ${dim} for binary vector field ${name}: it should be a multiple of 8`);
      }
    } else if (f.dim !== undefined) {
      throw illegal(`sparse vector field ${name} must not set dim`);
    }
  }
  if (t === DataType.VarChar) validateMaxLength(name, f.max_length);
  if (t !== DataType.VarChar && (f.enable_analyzer !== undefined || f.enable_match !== undefined || f.analyzer_params !== undefined)) {
    throw new VesperError('PARAMETER_INVALID', `field ${name}: enable_analyzer, enable_match and analyzer_params apply to VarChar fields only`);
  }
  if (f.enable_match === true && f.enable_analyzer !== true) {
    throw new VesperError('PARAMETER_INVALID', `field ${name}: enable_match requires enable_analyzer`);
  }
  if (f.analyzer_params !== undefined && f.enable_analyzer !== true) {
    throw new VesperError('PARAMETER_INVALID', `field ${name}: analyzer_params is set but enable_analyzer is not`);
  }
  if (t === DataType.Array) {
    const et = f.element_type;
    if (et === undefined) throw illegal(`element_type must be set for array field ${name}`);
    if (et === DataType.Array || et === DataType.JSON || isVectorType(et) || et === DataType.None) {
      throw illegal(`element type ${dataTypeName(et)} of array field ${name} is not supported`);
    }
    const cap = f.max_capacity;
    if (cap === undefined) throw illegal(`max_capacity must be set for array field ${name}`);
    if (cap < 1 || cap > LIMITS.maxArrayCapacity) {
      throw illegal(`invalid max_capacity ${cap} for array field ${name}: it should be in range 1 ~ ${LIMITS.maxArrayCapacity}`);
    }
    if (et === DataType.VarChar) validateMaxLength(name, f.max_length);
    if (f.default_value !== undefined) throw illegal(`array field ${name} cannot have a default value`);
  }
  if (t === DataType.JSON && f.default_value !== undefined) throw illegal(`JSON field ${name} cannot have a default value`);
}

function validateMaxLength(name: string, maxLength: number | undefined): void {
  if (maxLength === undefined) throw illegal(`type param max_length must be set for VarChar field ${name}`);
  if (maxLength < 1 || maxLength > LIMITS.maxVarCharLength) {
    throw illegal(`invalid max_length ${maxLength} for field ${name}: it should be in range 1 ~ ${LIMITS.maxVarCharLength}`);
  }
}

/** Checks a default value against its field's type; returns it in the engine's form (bigint for Int64). */
export function normalizeDefaultValue(field: FieldSchema, value: unknown): unknown {
  const t = field.data_type;
  const bad = (): VesperError =>
    illegal(`invalid default value ${showValue(value)}: it does not match the type ${dataTypeName(t)} of field ${field.name}`);
  if (t === DataType.Bool) {
    if (typeof value !== 'boolean') throw bad();
    return value;
  }
  if (isIntegerType(t)) {
    let v: bigint;
    if (typeof value === 'bigint') v = value;
    else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
    else if (typeof value === 'string' && /^-?\d+$/.test(value)) v = BigInt(value);
    else throw bad();
    const [lo, hi] = INT_RANGE[t]!;
    if (v < lo || v > hi) throw bad();
    return t === DataType.Int64 ? v : Number(v);
  }
  if (isFloatType(t)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw bad();
    return value;
  }
  if (t === DataType.VarChar) {
    if (typeof value !== 'string') throw bad();
    if (field.max_length !== undefined && [...value].length > field.max_length) throw bad();
    return value;
  }
  throw bad();
}
