/**
 * Scalar indexes (Milvus's INVERTED, STL_SORT, TRIE, BITMAP): the interface the filter
 * evaluator asks, and which index type fits which field. An index answers a leaf predicate
 * with the exact set of matching non-null rows, so results are identical with and without it.
 *
 * Invariants: lookups never include null rows; a lookup an index type does not serve returns
 * undefined (the evaluator then scans); keys are numbers (Bool as 0/1, Float as the stored
 * float32 value), bigints (Int64) or strings (VarChar); for Array fields a key matches the rows
 * whose array contains it.
 */
import { VesperError } from '../../errors/index.ts';
import { DataType, dataTypeName, isFloatType, isIntegerType } from '../../schema/data-type.ts';
import type { FieldSchema } from '../../schema/types.ts';
import type { Bitset } from '../../util/bitset.ts';
import { showValue } from '../../util/show-value.ts';

export type ScalarIndexType = 'INVERTED' | 'STL_SORT' | 'TRIE' | 'BITMAP';
export const SCALAR_INDEX_TYPES: readonly ScalarIndexType[] = ['INVERTED', 'STL_SORT', 'TRIE', 'BITMAP'];

/** A value as an index stores it. */
export type IndexKey = number | bigint | string;

export interface ScalarIndex {
  readonly type: ScalarIndexType;
  /** The indexed column's type (Array for array fields). */
  readonly dataType: DataType;
  /** Element type when `dataType` is Array. */
  readonly elementType: DataType | undefined;
  readonly rowCount: number;
  /** Number of distinct keys. */
  readonly cardinality: number;
  /** Rows whose value equals (Array: contains) any of `keys`; undefined if this type cannot. */
  lookupIn(keys: readonly IndexKey[]): Bitset | undefined;
  /** Rows with lower (<|<=) value (<|<=) upper; an undefined bound is open. */
  lookupRange(lower: IndexKey | undefined, lowerInclusive: boolean, upper: IndexKey | undefined, upperInclusive: boolean): Bitset | undefined;
  /** Rows whose string starts with `prefix`. */
  lookupPrefix(prefix: string): Bitset | undefined;
  /** The versioned bytes documented in docs/format/scalar-index.md. */
  serialize(): Uint8Array;
}

function scalarOk(type: ScalarIndexType, t: DataType): boolean {
  switch (type) {
    case 'INVERTED':
      return t === DataType.Bool || isIntegerType(t) || isFloatType(t) || t === DataType.VarChar;
    case 'STL_SORT':
      return isIntegerType(t) || isFloatType(t);
    case 'TRIE':
      return t === DataType.VarChar;
    case 'BITMAP':
      return t === DataType.Bool || isIntegerType(t) || t === DataType.VarChar;
  }
}

/**
 * Checks that a scalar index type can be built on a field, with Milvus's rules: INVERTED on
 * Bool, integers, floats, VarChar and arrays of those; STL_SORT on numbers; TRIE on VarChar;
 * BITMAP on Bool, integers, VarChar and arrays of those (not floats, not the primary key).
 * @throws VesperError PARAMETER_INVALID (1100) when the type does not fit.
 */
export function validateScalarIndex(type: string, field: FieldSchema): asserts type is ScalarIndexType {
  if (!(SCALAR_INDEX_TYPES as readonly string[]).includes(type)) {
    throw new VesperError('PARAMETER_INVALID', `invalid scalar index type ${showValue(type)} for field ${field.name}: want one of ${SCALAR_INDEX_TYPES.join(', ')}`);
  }
  const t = type as ScalarIndexType;
  const dt = field.data_type;
  let ok: boolean;
  if (dt === DataType.Array) {
    ok = (t === 'INVERTED' || t === 'BITMAP') && field.element_type !== undefined && scalarOk(t, field.element_type);
  } else {
    ok = scalarOk(t, dt);
  }
  if (t === 'BITMAP' && field.is_primary_key) ok = false;
  if (!ok) {
    const what = dt === DataType.Array ? `Array of ${dataTypeName(field.element_type ?? DataType.None)}` : dataTypeName(dt);
    const fits: Record<ScalarIndexType, string> = {
      INVERTED: 'Bool, Int8..Int64, Float, Double, VarChar and arrays of those',
      STL_SORT: 'Int8..Int64, Float and Double',
      TRIE: 'VarChar',
      BITMAP: 'Bool, Int8..Int64, VarChar and arrays of those (not the primary key)',
    };
    throw new VesperError('PARAMETER_INVALID', `index type ${t} is not supported on field ${field.name} (${what}${field.is_primary_key ? ', primary key' : ''}): ${t} supports ${fits[t]}`);
  }
}
