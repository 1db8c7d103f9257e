/**
 * The shared core of every scalar index: the distinct keys of a column in sorted order, each
 * with its posting list (the sorted rows holding it), stored as CSR arrays (`offsets[k]` ..
 * `offsets[k+1]` index into `rows`). Equality, `in`, range and prefix lookups are binary
 * searches over the keys followed by a copy of the matching postings, so their cost is
 * O(log keys + matches), not O(rows).
 *
 * Invariants: keys are strictly increasing under `compareKeys` and all of one kind (number,
 * bigint or string); no NaN keys; null rows appear in no posting list; `rows` within a posting
 * list are increasing; `offsets` has keys.length + 1 entries, starting at 0.
 */
import { Bitset } from '../../util/bitset.ts';
import type { IndexKey } from './scalar-index.ts';

export type KeyKind = 'number' | 'bigint' | 'string';

export interface Postings {
  readonly keyKind: KeyKind;
  readonly keys: readonly IndexKey[];
  readonly offsets: Uint32Array;
  readonly rows: Uint32Array;
  readonly rowCount: number;
}

/** Total order of keys; numbers and bigints compare by mathematical value (exact). */
export function compareKeys(a: IndexKey, b: IndexKey): number {
  if (typeof a === 'string' || typeof b === 'string') {
    if (typeof a !== 'string' || typeof b !== 'string') return typeof a === 'string' ? 1 : -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** First key index k with keys[k] >= key (or > key when `strict`). */
export function lowerBound(keys: readonly IndexKey[], key: IndexKey, strict: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keys[mid]!, key);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether `key` belongs to the same family as the index keys (else it matches nothing). */
export function keyFits(kind: KeyKind, key: IndexKey): boolean {
  return kind === 'string' ? typeof key === 'string' : typeof key !== 'string' && !(typeof key === 'number' && Number.isNaN(key));
}

/** Builds postings from (key, row) pairs; pairs may repeat and come in any order. */
export function buildPostings(keyKind: KeyKind, keys: IndexKey[], rows: number[], rowCount: number): Postings {
  const order = new Uint32Array(keys.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const sorted = Array.from(order).sort((a, b) => compareKeys(keys[a]!, keys[b]!) || rows[a]! - rows[b]!);
  const outKeys: IndexKey[] = [];
  const offsets: number[] = [];
  const outRows: number[] = [];
  let prevRow = -1;
  for (const i of sorted) {
    const k = keys[i]!;
    const r = rows[i]!;
    const last = outKeys.length === 0 ? undefined : outKeys[outKeys.length - 1];
    if (last === undefined || compareKeys(last, k) !== 0) {
      outKeys.push(k);
      offsets.push(outRows.length);
      prevRow = -1;
    }
    if (r !== prevRow) {
      outRows.push(r);
      prevRow = r;
    }
  }
  offsets.push(outRows.length);
  return { keyKind, keys: outKeys, offsets: Uint32Array.from(offsets), rows: Uint32Array.from(outRows), rowCount };
}

/** Rows of key indices [from, to), set into `into` (a new bitset when omitted). */
export function rowsOfKeys(p: Postings, from: number, to: number, into?: Bitset): Bitset {
  const b = into ?? new Bitset(p.rowCount);
  const words = b.words;
  const rows = p.rows;
  const end = to <= from ? 0 : p.offsets[to]!;
  for (let j = to <= from ? 0 : p.offsets[from]!; j < end; j++) {
    const r = rows[j]!;
    words[r >>> 5]! |= 1 << (r & 31);
  }
  return b;
}

export function lookupIn(p: Postings, keys: readonly IndexKey[]): Bitset {
  const b = new Bitset(p.rowCount);
  for (const key of keys) {
    if (!keyFits(p.keyKind, key)) continue;
    const k = lowerBound(p.keys, key, false);
    if (k < p.keys.length && compareKeys(p.keys[k]!, key) === 0) rowsOfKeys(p, k, k + 1, b);
  }
  return b;
}

export function lookupRange(p: Postings, lower: IndexKey | undefined, lowerInclusive: boolean, upper: IndexKey | undefined, upperInclusive: boolean): Bitset {
  if ((lower !== undefined && !keyFits(p.keyKind, lower)) || (upper !== undefined && !keyFits(p.keyKind, upper))) return new Bitset(p.rowCount);
  const from = lower === undefined ? 0 : lowerBound(p.keys, lower, !lowerInclusive);
  const to = upper === undefined ? p.keys.length : lowerBound(p.keys, upper, upperInclusive);
  return rowsOfKeys(p, from, to);
}

export function lookupPrefix(p: Postings, prefix: string): Bitset {
  if (p.keyKind !== 'string') return new Bitset(p.rowCount);
  const from = lowerBound(p.keys, prefix, false);
  let to = from;
  while (to < p.keys.length && (p.keys[to] as string).startsWith(prefix)) to++;
  return rowsOfKeys(p, from, to);
}
