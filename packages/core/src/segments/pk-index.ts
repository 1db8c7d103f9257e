/**
 * The primary-key index of one segment (segcore's pk → offset map), built so that the common
 * write pattern costs nothing per row: keys that arrive strictly increasing (auto_id, sequential
 * ids, every shard of them) are looked up by binary search over the pk column itself, and a
 * hash map is built only once a key arrives out of order — and then only when a lookup needs it.
 * The key range (Int64 keys as exact numbers, VarChar keys as strings) lets last-write-wins skip
 * a whole insert batch whose keys cannot be in the segment.
 *
 * Invariants: the index covers rows [0, n) of the column it was last given (a growing segment
 * passes its newest column view after every append); `sorted` means keys strictly increase with
 * the row offset, which implies no duplicates; Int64 keys are compared as numbers only inside
 * ±2^53 (exact there) — one key outside turns the index into map mode (bigint keys) for good.
 */
import type { Column } from '../schema/columns.ts';
import { DataType } from '../schema/data-type.ts';

export type PkValue = bigint | string;
/** A key as the map holds it: Int64 inside ±2^53 as a number (cheap to hash), else as given. */
type Key = number | bigint | string;

const TWO32 = 4294967296;
const TWO53 = 2n ** 53n;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The 32-bit words of an Int64 column (low word first), or undefined on a big-endian host. */
export function int64Words(data: BigInt64Array): Int32Array | undefined {
  return LITTLE_ENDIAN ? new Int32Array(data.buffer, data.byteOffset, data.length * 2) : undefined;
}

/** Int64 value i as an exact number, or NaN outside [-2^53, 2^53). */
function wordKey(words: Int32Array | undefined, data: BigInt64Array, i: number): number {
  if (words === undefined) {
    const b = data[i]!;
    return b >= -TWO53 && b < TWO53 ? Number(b) : NaN;
  }
  const hi = words[2 * i + 1]!;
  if (hi < -0x200000 || hi >= 0x200000) return NaN;
  return hi * TWO32 + (words[2 * i]! >>> 0);
}

function normalize(pk: PkValue): Key {
  return typeof pk === 'bigint' && pk >= -TWO53 && pk < TWO53 ? Number(pk) : pk;
}

/** The keys of an insert batch with their range, computed once and tested against every segment. */
export interface KeyBatch {
  readonly count: number;
  readonly data: BigInt64Array | readonly string[];
  /** Smallest and largest key (numbers for Int64 inside ±2^53, strings for VarChar); undefined when unknown. */
  readonly lo: number | string | undefined;
  readonly hi: number | string | undefined;
}

/** Wraps an insert batch's primary-key column (Int64 or VarChar) for last-write-wins checks. */
export function keyBatch(col: Column, count: number): KeyBatch {
  if (col.type === DataType.Int64) {
    const words = int64Words(col.data);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < count; i++) {
      const k = wordKey(words, col.data, i);
      if (k !== k) return { count, data: col.data, lo: undefined, hi: undefined };
      if (k < lo) lo = k;
      if (k > hi) hi = k;
    }
    return count > 0 ? { count, data: col.data, lo, hi } : { count, data: col.data, lo: undefined, hi: undefined };
  }
  const data = col.data as readonly string[];
  let lo: string | undefined;
  let hi: string | undefined;
  for (let i = 0; i < count; i++) {
    const k = data[i]!;
    if (lo === undefined || k < lo) lo = k;
    if (hi === undefined || k > hi) hi = k;
  }
  return { count, data, lo, hi };
}

export class PkIndex {
  private data: BigInt64Array | readonly string[];
  private words: Int32Array | undefined;
  private readonly int64: boolean;
  private n = 0;
  /** Keys strictly increase with the row offset so far. */
  private sorted = true;
  /** Some Int64 key lies outside ±2^53: no range, no binary search, bigint map keys. */
  private wide = false;
  private lo: number | string | undefined;
  private hi: number | string | undefined;
  /** The key of row n - 1 (the sorted check compares against it). */
  private last: number | string | undefined;
  /** First row of each key; built on demand once the keys are not sorted, then kept current. */
  private map: Map<Key, number> | undefined;
  /** Every row of keys that occur more than once (built with the map). */
  private dupes: Map<Key, number[]> | undefined;

  constructor(col: Column) {
    this.int64 = col.type === DataType.Int64;
    this.data = col.data as BigInt64Array | readonly string[];
    this.words = this.int64 ? int64Words(this.data as BigInt64Array) : undefined;
  }

  /** An index over the first `count` rows of a column. */
  static of(col: Column, count: number): PkIndex {
    const idx = new PkIndex(col);
    idx.append(col, count);
    return idx;
  }

  get size(): number {
    return this.n;
  }

  /** Registers rows [size, newSize) of `col` (the same column, possibly reallocated since). */
  append(col: Column, newSize: number): void {
    this.data = col.data as BigInt64Array | readonly string[];
    if (this.int64) this.words = int64Words(this.data as BigInt64Array);
    const from = this.n;
    if (newSize <= from) return;
    if (this.int64) this.scanInt64(from, newSize);
    else this.scanStrings(from, newSize);
    this.n = newSize;
    if (this.map) for (let r = from; r < newSize; r++) this.add(this.keyAt(r), r);
  }

  /** Updates the order flag and the range over rows [from, to). */
  private scanInt64(from: number, to: number): void {
    if (this.wide) return;
    const data = this.data as BigInt64Array;
    const words = this.words;
    let sorted = this.sorted;
    let last = from > 0 ? (this.last as number) : -Infinity;
    let lo = from > 0 ? (this.lo as number) : Infinity;
    let hi = from > 0 ? (this.hi as number) : -Infinity;
    for (let r = from; r < to; r++) {
      const k = wordKey(words, data, r);
      if (k !== k) {
        this.wide = true;
        this.sorted = false;
        this.lo = this.hi = this.last = undefined;
        return;
      }
      if (k <= last) sorted = false;
      if (k < lo) lo = k;
      if (k > hi) hi = k;
      last = k;
    }
    this.sorted = sorted;
    this.lo = lo;
    this.hi = hi;
    this.last = last;
  }

  private scanStrings(from: number, to: number): void {
    const data = this.data as readonly string[];
    let sorted = this.sorted;
    let last = this.last as string | undefined;
    let lo = this.lo as string | undefined;
    let hi = this.hi as string | undefined;
    for (let r = from; r < to; r++) {
      const k = data[r]!;
      if (last !== undefined && k <= last) sorted = false;
      if (lo === undefined || k < lo) lo = k;
      if (hi === undefined || k > hi) hi = k;
      last = k;
    }
    this.sorted = sorted;
    this.lo = lo;
    this.hi = hi;
    this.last = last;
  }

  private keyAt(row: number): Key {
    if (!this.int64) return (this.data as readonly string[])[row]!;
    const k = wordKey(this.words, this.data as BigInt64Array, row);
    return k === k ? k : (this.data as BigInt64Array)[row]!;
  }

  private add(k: Key, row: number): void {
    const map = this.map!;
    const prev = map.get(k);
    if (prev === undefined) {
      map.set(k, row);
      return;
    }
    this.dupes ??= new Map();
    const list = this.dupes.get(k);
    if (list) list.push(row);
    else this.dupes.set(k, [prev, row]);
  }

  private ensureMap(): Map<Key, number> {
    if (!this.map) {
      this.map = new Map();
      this.dupes = undefined;
      for (let r = 0; r < this.n; r++) this.add(this.keyAt(r), r);
    }
    return this.map;
  }

  /** Whether a normalized key has this index's key type and lies inside its range. */
  private inRange(k: Key): boolean {
    if (this.int64 ? typeof k === 'string' : typeof k !== 'string') return false;
    if (this.n === 0) return false;
    if (this.wide || typeof k === 'bigint') return this.wide; // outside ±2^53: only a wide index can hold it
    return !(k < this.lo! || k > this.hi!);
  }

  /** Row of a normalized key in a sorted index (binary search), or -1. */
  private search(k: Key): number {
    let a = 0;
    let b = this.n - 1;
    const data = this.data;
    while (a <= b) {
      const mid = (a + b) >>> 1;
      const v = this.int64 ? wordKey(this.words, data as BigInt64Array, mid) : (data as readonly string[])[mid]!;
      if (v === k) return mid;
      if (v < k) a = mid + 1;
      else b = mid - 1;
    }
    return -1;
  }

  /** Row offsets holding this key (any timestamp, deleted or not). */
  rowsOf(pk: PkValue): readonly number[] {
    const k = normalize(pk);
    if (!this.inRange(k)) return [];
    if (this.sorted) {
      const r = this.search(k);
      return r < 0 ? [] : [r];
    }
    const row = this.ensureMap().get(k);
    if (row === undefined) return [];
    return this.dupes?.get(k) ?? [row];
  }

  has(pk: PkValue): boolean {
    const k = normalize(pk);
    if (!this.inRange(k)) return false;
    return this.sorted ? this.search(k) >= 0 : this.ensureMap().has(k);
  }

  /** Extra rows sharing a key with another row. */
  get duplicateRows(): number {
    if (this.sorted) return 0;
    this.ensureMap();
    let n = 0;
    if (this.dupes) for (const rows of this.dupes.values()) n += rows.length - 1;
    return n;
  }

  /** False only when no key of the batch can be in this index (empty, other key type, or disjoint ranges). */
  mayContainAny(keys: KeyBatch): boolean {
    if (this.n === 0 || keys.count === 0) return false;
    if (this.wide || keys.lo === undefined || keys.hi === undefined) return true;
    if (typeof keys.lo !== typeof this.lo) return false;
    return !(keys.hi < this.lo! || keys.lo > this.hi!);
  }
}
