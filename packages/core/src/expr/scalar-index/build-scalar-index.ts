/**
 * Builds and opens scalar indexes. All four Milvus types share one structure, sorted keys with
 * posting lists (sorted-postings.ts), and differ in what they serve:
 * - INVERTED: eq / in / range / prefix on scalars; contains on arrays.
 * - STL_SORT: eq / in / range on numbers (sorted (value, row) pairs, as Milvus's STL_SORT).
 * - TRIE: eq / in / prefix (and range) on VarChar; the sorted key dictionary answers prefix
 *   queries the way a trie walk would (Milvus uses a marisa trie for the same lookups).
 * - BITMAP: one bitset per distinct key, materialised at open (low cardinality); eq / in /
 *   range and array contains are ORs of ready bitsets.
 *
 * Invariants: null rows and NaN values are not indexed; a built index and the same index
 * re-opened from `serialize()` answer every lookup identically.
 */
import { VesperError } from '../../errors/index.ts';
import type { Column } from '../../schema/columns.ts';
import { DataType, dataTypeName } from '../../schema/data-type.ts';
import { Bitset } from '../../util/bitset.ts';
import type { IndexKey, ScalarIndex, ScalarIndexType } from './scalar-index.ts';
import { decodeScalarIndex, encodeScalarIndex } from './scalar-index-codec.ts';
import { buildPostings, compareKeys, keyFits, lookupIn, lookupPrefix, lookupRange, lowerBound, type KeyKind, type Postings } from './sorted-postings.ts';

class PostingsIndex implements ScalarIndex {
  private bitmaps: Bitset[] | undefined;

  constructor(
    readonly type: ScalarIndexType,
    readonly dataType: DataType,
    readonly elementType: DataType | undefined,
    private readonly postings: Postings,
  ) {
    if (type === 'BITMAP') {
      this.bitmaps = postings.keys.map((_, k) => lookupIn(postings, [postings.keys[k]!]));
    }
  }

  get rowCount(): number {
    return this.postings.rowCount;
  }
  get cardinality(): number {
    return this.postings.keys.length;
  }

  lookupIn(keys: readonly IndexKey[]): Bitset | undefined {
    if (this.bitmaps === undefined) return lookupIn(this.postings, keys);
    const out = new Bitset(this.rowCount);
    for (const key of keys) {
      if (!keyFits(this.postings.keyKind, key)) continue;
      const k = lowerBound(this.postings.keys, key, false);
      if (k < this.postings.keys.length && compareKeys(this.postings.keys[k]!, key) === 0) out.or(this.bitmaps[k]!);
    }
    return out;
  }

  lookupRange(lower: IndexKey | undefined, lowerInclusive: boolean, upper: IndexKey | undefined, upperInclusive: boolean): Bitset | undefined {
    // Array indexes answer "contains", which a range over elements does not express.
    if (this.dataType === DataType.Array) return undefined;
    return lookupRange(this.postings, lower, lowerInclusive, upper, upperInclusive);
  }

  lookupPrefix(prefix: string): Bitset | undefined {
    if (this.dataType !== DataType.VarChar || this.type === 'STL_SORT') return undefined;
    return lookupPrefix(this.postings, prefix);
  }

  serialize(): Uint8Array {
    return encodeScalarIndex(this.type, this.dataType, this.elementType, this.postings);
  }
}

function keyKindOf(t: DataType): KeyKind | undefined {
  switch (t) {
    case DataType.Bool:
    case DataType.Int8:
    case DataType.Int16:
    case DataType.Int32:
    case DataType.Float:
    case DataType.Double:
      return 'number';
    case DataType.Int64:
      return 'bigint';
    case DataType.VarChar:
      return 'string';
    default:
      return undefined;
  }
}

function toKey(kind: KeyKind, v: unknown): IndexKey | undefined {
  if (kind === 'number') {
    if (typeof v === 'boolean') return v ? 1 : 0;
    return typeof v === 'number' && !Number.isNaN(v) ? v : undefined;
  }
  if (kind === 'bigint') return typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : undefined;
  return typeof v === 'string' ? v : undefined;
}

/**
 * Builds a scalar index over a column. The caller validates the type against the field
 * (validateScalarIndex); this checks only that the column's values can be keyed.
 * @throws VesperError PARAMETER_INVALID (1100) for a column type the index cannot key.
 */
export function buildScalarIndex(type: ScalarIndexType, column: Column): ScalarIndex {
  const isArray = column.type === DataType.Array;
  const elementType = isArray ? column.elementType : undefined;
  const kind = keyKindOf(isArray ? column.elementType : column.type);
  if (kind === undefined || (isArray && (type === 'STL_SORT' || type === 'TRIE'))) {
    const what = isArray ? `Array of ${dataTypeName(column.elementType)}` : dataTypeName(column.type);
    throw new VesperError('PARAMETER_INVALID', `index type ${type} cannot be built on a ${what} column`);
  }
  const keys: IndexKey[] = [];
  const rows: number[] = [];
  const valid = column.valid;
  for (let i = 0; i < column.length; i++) {
    if (valid !== undefined && valid[i] === 0) continue;
    if (isArray) {
      const arr = column.data[i];
      if (arr === null || arr === undefined) continue;
      for (const v of arr) {
        const k = toKey(kind, v);
        if (k !== undefined) {
          keys.push(k);
          rows.push(i);
        }
      }
    } else {
      const k = toKey(kind, (column.data as ArrayLike<unknown>)[i]);
      if (k !== undefined) {
        keys.push(k);
        rows.push(i);
      }
    }
  }
  return new PostingsIndex(type, column.type, elementType, buildPostings(kind, keys, rows, column.length));
}

/**
 * Opens an index from the bytes `serialize()` wrote (layout: docs/format/scalar-index.md).
 * @throws VesperError FORMAT_UNSUPPORTED (2001) for an unknown version or flags,
 *   FORMAT_CORRUPT (2002) for truncated or inconsistent bytes.
 */
export function openScalarIndex(bytes: Uint8Array): ScalarIndex {
  const d = decodeScalarIndex(bytes);
  return new PostingsIndex(d.type, d.dataType, d.elementType, d.postings);
}
