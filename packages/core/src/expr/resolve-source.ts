/**
 * Name resolution for filters: turns a column reference (`age`, `meta["a"][0]`, `arr[2]`,
 * `$meta["k"]`) into a typed `Source` using the collection schema, with Milvus's rules: an
 * unknown name is the dynamic field's key when `enable_dynamic_field`, else "field X not
 * exist"; vector fields may not be filtered on; only JSON and Array fields take `[...]`.
 */
import { DataType, dataTypeName, isFloatType, isIntegerType, isVectorType } from '../schema/data-type.ts';
import { DYNAMIC_FIELD, type CollectionSchema } from '../schema/types.ts';
import { fail } from './expr-error.ts';
import type { Source, ValueClass } from './plan.ts';

export function resolveColumn(schema: CollectionSchema, name: string, rawPath: readonly (string | bigint)[], pos: number): Source {
  const path = rawPath.map((k) => (typeof k === 'bigint' ? pathIndex(k, pos) : k));
  const field = schema.fields.find((f) => f.name === name);
  if (field === undefined || field.is_dynamic) {
    if (name === DYNAMIC_FIELD || field?.is_dynamic === true) {
      if (!schema.enable_dynamic_field && field === undefined) throw fail(pos, `field ${name} not exist`);
      return { kind: 'json', field: DYNAMIC_FIELD, path };
    }
    if (!schema.enable_dynamic_field) throw fail(pos, `field ${name} not exist`);
    return { kind: 'json', field: DYNAMIC_FIELD, path: [name, ...path] };
  }
  const t = field.data_type;
  if (isVectorType(t)) throw fail(pos, `vector field ${name} (${dataTypeName(t)}) cannot be used in a filter expression`);
  if (t === DataType.JSON) return { kind: 'json', field: name, path };
  if (t === DataType.Array) {
    const elementType = field.element_type ?? DataType.None;
    if (path.length === 0) return { kind: 'array', field: name, elementType };
    const idx = path[0];
    if (path.length > 1 || typeof idx !== 'number') throw fail(pos, `array field ${name} can only be indexed by one integer, e.g. ${name}[0]`);
    return { kind: 'elem', field: name, index: idx, elementType };
  }
  if (path.length > 0) throw fail(pos, `field ${name} (${dataTypeName(t)}) is not a JSON or Array field and cannot be indexed with []`);
  return { kind: 'field', field: name, type: t };
}

function pathIndex(k: bigint, pos: number): number {
  if (k > 1_000_000_000n) throw fail(pos, `index ${k} is too large`);
  return Number(k);
}

/** The comparison family of a data type. */
export function classOfType(t: DataType): ValueClass | undefined {
  if (t === DataType.Bool) return 'bool';
  if (isIntegerType(t)) return 'int';
  if (isFloatType(t)) return 'float';
  if (t === DataType.VarChar) return 'string';
  if (t === DataType.JSON) return 'json';
  return undefined;
}

/** What a source's values compare as; undefined for whole arrays (not comparable). */
export function classOfSource(s: Source): ValueClass | undefined {
  switch (s.kind) {
    case 'field':
      return classOfType(s.type);
    case 'json':
      return 'json';
    case 'elem':
      return classOfType(s.elementType);
    case 'length':
      return 'int';
    case 'array':
      return undefined;
  }
}

/** Human name of a source for error messages. */
export function describeSource(s: Source): string {
  switch (s.kind) {
    case 'field':
      return `${s.field} (${dataTypeName(s.type)})`;
    case 'json':
      return s.path.length === 0 ? `${s.field} (JSON)` : `${s.field}${s.path.map((k) => `[${JSON.stringify(k)}]`).join('')} (JSON)`;
    case 'array':
      return `${s.field} (Array of ${dataTypeName(s.elementType)})`;
    case 'elem':
      return `${s.field}[${s.index}] (${dataTypeName(s.elementType)})`;
    case 'length':
      return `array_length(${describeSource(s.of)})`;
  }
}
