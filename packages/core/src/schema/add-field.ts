/**
 * A field added to an existing collection's schema (Milvus 2.6 addCollectionField). Rows
 * written before the field existed have no value for it, so it must be nullable (Milvus's
 * rule and message); with a default value those rows read the default, else null. The new
 * field is marked `added_later` (files and WAL records written before it lack its column),
 * takes the next field id and goes before the dynamic field. Vesper adds scalar fields only.
 */
import { VesperError } from '../errors/index.ts';
import { dataTypeName, isVectorType } from './data-type.ts';
import { normalizeField, type FieldInput } from './normalize.ts';
import type { CollectionSchema, FieldSchema } from './types.ts';
import { LIMITS, validateSchema } from './validate.ts';
import { showValue } from '../util/show-value.ts';

const invalid = (message: string): VesperError => new VesperError('PARAMETER_INVALID', message);


/**
 * The schema with `input` added.
 * @throws PARAMETER_INVALID (1100) for a field that cannot be added (not nullable, primary or
 * partition key, auto_id, a vector, a second clustering key); COLLECTION_ILLEGAL_SCHEMA (105)
 * or PARAMETER_INVALID for what any field definition breaks (duplicate name, max_length, ...).
 */
export function addFieldToSchema(schema: CollectionSchema, input: FieldInput): CollectionSchema {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw invalid(`field must be an object, got ${showValue(input)}`);
  const nextId = Math.max(...schema.fields.map((f) => f.fieldID)) + 1;
  const field: FieldSchema = { ...normalizeField(input, nextId), added_later: true };
  const name = field.name;
  if (schema.fields.some((f) => f.name === name)) throw invalid(`duplicated field name ${name}`);
  if (schema.fields.filter((f) => !f.is_dynamic).length >= LIMITS.maxFields) throw invalid(`The number of fields has reached the maximum value ${LIMITS.maxFields}`);
  if (field.is_primary_key) throw invalid(`not support to add primary key field, field name = ${name}`);
  if (field.autoID) throw invalid(`The auto_id can only be specified on the primary key field, field name = ${name}`);
  if (field.is_partition_key) throw invalid(`not support to add partition key field, field name  = ${name}`);
  if (isVectorType(field.data_type)) {
    throw invalid(`adding a vector field (${name}, ${dataTypeName(field.data_type)}) to an existing collection is not supported by Vesper: create the collection with it`);
  }
  if (!field.nullable) throw invalid(`added field must be nullable, please check it, field name = ${name}`);
  if (field.is_clustering_key && schema.fields.some((f) => f.is_clustering_key)) {
    throw invalid(`already has another clustering key field, field name: ${name}`);
  }
  const dynamic = schema.fields.filter((f) => f.is_dynamic);
  const fields = [...schema.fields.filter((f) => !f.is_dynamic), field, ...dynamic];
  const next: CollectionSchema = { ...schema, fields };
  validateSchema(next);
  return next;
}
