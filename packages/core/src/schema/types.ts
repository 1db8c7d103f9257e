/**
 * The normalized schema the engine works with: Milvus's CollectionSchema / FieldSchema, with
 * type params (dim, max_length, max_capacity) lifted to typed properties. Request shapes from
 * the SDKs are turned into these by schema/normalize.ts; everything below the proxy sees only
 * this form.
 */
import type { DataType } from './data-type.ts';

export type MetricType = 'L2' | 'IP' | 'COSINE' | 'HAMMING' | 'JACCARD' | 'BM25';

export interface FieldSchema {
  readonly fieldID: number;
  readonly name: string;
  readonly description: string;
  readonly data_type: DataType;
  /** Element type of an Array field. */
  readonly element_type?: DataType;
  readonly is_primary_key: boolean;
  readonly autoID: boolean;
  readonly is_partition_key: boolean;
  readonly is_clustering_key: boolean;
  /** The hidden `$meta` JSON field that holds dynamic keys. */
  readonly is_dynamic: boolean;
  readonly nullable: boolean;
  /** Value used when a row omits the field (already validated against the type). */
  readonly default_value?: unknown;
  /** Dense vector dimension (BinaryVector: bits). */
  readonly dim?: number;
  /** VarChar (and VarChar array element) maximum length in characters. */
  readonly max_length?: number;
  /** Array maximum number of elements. */
  readonly max_capacity?: number;
  /** VarChar: the text is tokenized by `analyzer_params` (needed by BM25 and text_match). */
  readonly enable_analyzer?: boolean;
  /** VarChar: text_match/phrase_match filters may be used on the field. */
  readonly enable_match?: boolean;
  /** The analyzer's parameters as given (absent: the `standard` analyzer). */
  readonly analyzer_params?: Readonly<Record<string, unknown>>;
  /** Written by a function (BM25 output), never by the user. */
  readonly is_function_output?: boolean;
  /**
   * Added by addCollectionField after the collection was created: files and WAL records
   * written before lack its column, which reads as the default value (else null) in every
   * row (`absentColumn`). Absent for fields the collection was created with.
   */
  readonly added_later?: boolean;
}

/** Milvus's FunctionType names; only BM25 runs in Vesper. */
export type FunctionType = 'BM25';

/** Milvus's FunctionSchema: a function computing output fields from input fields at insert. */
export interface FunctionSchema {
  readonly name: string;
  readonly description: string;
  readonly type: FunctionType;
  readonly input_field_names: readonly string[];
  readonly output_field_names: readonly string[];
  readonly params: Readonly<Record<string, string>>;
}

export interface CollectionSchema {
  readonly name: string;
  readonly description: string;
  readonly fields: readonly FieldSchema[];
  readonly enable_dynamic_field: boolean;
  /** Functions (BM25) in declaration order; absent means none. */
  readonly functions?: readonly FunctionSchema[];
}

/** Name of the hidden dynamic field, as in Milvus. */
export const DYNAMIC_FIELD = '$meta';

export type ConsistencyLevel = 'Strong' | 'Session' | 'Bounded' | 'Eventually' | 'Customized';
export const CONSISTENCY_LEVELS: readonly ConsistencyLevel[] = ['Strong', 'Session', 'Bounded', 'Eventually', 'Customized'];

export function primaryField(schema: CollectionSchema): FieldSchema {
  const pk = schema.fields.find((f) => f.is_primary_key);
  if (!pk) throw new Error(`schema ${schema.name} has no primary key`);
  return pk;
}

export function fieldByName(schema: CollectionSchema, name: string): FieldSchema | undefined {
  return schema.fields.find((f) => f.name === name);
}
