/**
 * A segment: a set of rows of one (partition, shard) with their write timestamps and delete
 * timestamps — the unit Milvus's segcore searches. Growing and sealed segments share this
 * base: MVCC visibility, deletes by primary key and the primary-key lookup live here.
 *
 * MVCC: row r is visible at snapshot T iff rowTs[r] <= T and not (delTs[r] != 0 and
 * delTs[r] <= T). A delete at ts d hides rows of its key written strictly before d, so an
 * upsert (delete + insert at one ts) keeps its new row. delTs keeps the earliest delete.
 *
 * The primary-key lookup (pk-index.ts) is built on first use — a sealed segment that is only
 * searched never builds it — and kept current by appends from then on. Last write wins for an
 * insert batch goes through `applyLastWriteWins`, which skips segments the batch's key range
 * cannot meet (increasing keys: every older segment, at no cost per row).
 */
import { Bitset } from '../util/bitset.ts';
import type { Column, ColumnSet } from '../schema/columns.ts';
import { valueAt } from '../schema/column-ops.ts';
import { PkIndex, int64Words, type KeyBatch, type PkValue } from './pk-index.ts';

export type { PkValue };

export interface PendingDelete {
  readonly pk: PkValue;
  readonly ts: bigint;
}

export abstract class Segment implements ColumnSet {
  protected rowTs: BigInt64Array;
  protected delTs: BigInt64Array;
  protected n = 0;
  /** Built lazily from the pk column (sealed), or kept current by each append (growing). */
  private pk: PkIndex | undefined;
  private deletedRows: number[] = [];
  maxRowTs = 0n;
  minRowTs = 0n;
  maxDelTs = 0n;
  /** Deletes that hit this segment and are not yet in a delete log. */
  pendingDeletes: PendingDelete[] = [];

  constructor(
    readonly id: number,
    readonly partitionId: number,
    readonly shard: number,
    capacity: number,
  ) {
    this.rowTs = new BigInt64Array(Math.max(capacity, 1));
    this.delTs = new BigInt64Array(Math.max(capacity, 1));
  }

  abstract column(name: string): Column | undefined;
  abstract readonly pkField: string;
  abstract readonly sealed: boolean;

  /** The primary key of a row. */
  pkAt(row: number): PkValue {
    return valueAt(this.column(this.pkField)!, row) as PkValue;
  }

  get rowCount(): number {
    return this.n;
  }

  /** Rows not deleted (at any time). */
  get liveCount(): number {
    return this.n - this.deletedRows.length;
  }

  /** Extra rows sharing a key with another row of this segment (a batch that repeated a key). */
  get duplicateRows(): number {
    return this.pkIndex().duplicateRows;
  }

  get deletedCount(): number {
    return this.deletedRows.length;
  }

  rowTimestamp(row: number): bigint {
    return this.rowTs[row]!;
  }

  deleteTimestamp(row: number): bigint {
    return this.delTs[row]!;
  }

  /**
   * Registers rows [from, from+count): their timestamps (one for all, or one each), then the
   * primary keys of the pk column (which must already hold them) if the index is built.
   */
  protected addRows(ts: BigInt64Array | bigint, from: number, count: number): void {
    if (from + count > this.rowTs.length) {
      const cap = Math.max(from + count, this.rowTs.length * 2);
      const r = new BigInt64Array(cap);
      r.set(this.rowTs);
      this.rowTs = r;
      const d = new BigInt64Array(cap);
      d.set(this.delTs);
      this.delTs = d;
    }
    let lo: bigint;
    let hi: bigint;
    if (typeof ts === 'bigint') {
      this.rowTs.fill(ts, from, from + count);
      lo = hi = ts;
    } else {
      if (ts !== this.rowTs || from !== 0) this.rowTs.set(ts.subarray(0, count), from);
      [lo, hi] = int64MinMax(ts, count);
    }
    if (count > 0) {
      if (from === 0 || hi > this.maxRowTs) this.maxRowTs = hi;
      if (from === 0 || lo < this.minRowTs) this.minRowTs = lo;
    }
    this.n = Math.max(this.n, from + count);
    if (this.pk) this.pk.append(this.column(this.pkField)!, this.n);
  }

  private pkIndex(): PkIndex {
    return (this.pk ??= PkIndex.of(this.column(this.pkField)!, this.n));
  }

  /** Row offsets holding this primary key (any timestamp, deleted or not). */
  rowsOf(pk: PkValue): readonly number[] {
    return this.pkIndex().rowsOf(pk);
  }

  hasPk(pk: PkValue): boolean {
    return this.pkIndex().has(pk);
  }

  /**
   * Last write wins for an insert batch at ts: hides this segment's rows of the batch's keys
   * written before ts (as applyDelete of each key, in batch order). Skips the batch at once
   * when its key range cannot meet this segment's.
   */
  applyLastWriteWins(keys: KeyBatch, ts: bigint): void {
    const idx = this.pkIndex();
    if (!idx.mayContainAny(keys)) return;
    const data = keys.data;
    for (let i = 0; i < keys.count; i++) {
      const pk = data[i]!;
      if (idx.has(pk)) this.applyDelete(pk, ts);
    }
  }

  /**
   * Deletes the key's rows written before ts. Returns how many rows it newly hid.
   * `persist` = record it for the next delete log (false when replaying a delete log).
   */
  applyDelete(pk: PkValue, ts: bigint, persist = true): number {
    let hit = 0;
    let touched = false;
    for (const row of this.rowsOf(pk)) {
      if (this.rowTs[row]! >= ts) continue;
      const cur = this.delTs[row]!;
      if (cur !== 0n && cur <= ts) continue;
      if (cur === 0n) {
        this.deletedRows.push(row);
        hit++;
      }
      this.delTs[row] = ts;
      if (ts > this.maxDelTs) this.maxDelTs = ts;
      touched = true;
    }
    if (touched && persist) this.pendingDeletes.push({ pk, ts });
    return hit;
  }

  /** Rows visible at snapshot ts (see the header). */
  /** Whether every row is visible at ts (all written at or before it, none deleted): visibility(ts) would be full. */
  allVisible(ts: bigint): boolean {
    return ts >= this.maxRowTs && this.deletedRows.length === 0;
  }

  visibility(ts: bigint): Bitset {
    const n = this.n;
    const bits = Bitset.full(n);
    if (ts < this.maxRowTs) {
      const rowTs = this.rowTs;
      for (let r = 0; r < n; r++) if (rowTs[r]! > ts) bits.clear(r);
    }
    if (ts >= this.maxDelTs) {
      for (const r of this.deletedRows) bits.clear(r);
    } else {
      for (const r of this.deletedRows) if (this.delTs[r]! <= ts) bits.clear(r);
    }
    return bits;
  }

  /** Takes another segment's delete timestamps row for row (a copy of the same rows: seal, hollowing). */
  protected copyDeletes(src: Segment): void {
    for (let r = 0; r < src.n; r++) {
      const d = src.delTs[r]!;
      if (d === 0n) continue;
      this.delTs[r] = d;
      this.deletedRows.push(r);
      if (d > this.maxDelTs) this.maxDelTs = d;
    }
  }

  /** Every (pk, delete ts) this segment knows, for rewriting delete logs. */
  allDeletes(pkAt: (row: number) => PkValue): PendingDelete[] {
    return this.deletedRows.map((r) => ({ pk: pkAt(r), ts: this.delTs[r]! }));
  }

  /** Live (never deleted) row offsets, ascending. */
  liveRows(): number[] {
    const dead = new Uint8Array(this.n);
    for (const r of this.deletedRows) dead[r] = 1;
    const out: number[] = [];
    for (let r = 0; r < this.n; r++) if (dead[r] === 0) out.push(r);
    return out;
  }

  timestamps(): BigInt64Array {
    return this.rowTs.subarray(0, this.n);
  }
}

/** Smallest and largest of the first `count` values (count > 0), comparing 32-bit words, not bigints. */
function int64MinMax(a: BigInt64Array, count: number): [bigint, bigint] {
  if (count === 0) return [0n, 0n];
  const w = int64Words(a);
  if (!w) {
    let lo = a[0]!;
    let hi = lo;
    for (let i = 1; i < count; i++) {
      const v = a[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return [lo, hi];
  }
  let lo = 0;
  let hi = 0;
  for (let i = 1; i < count; i++) {
    const h = w[2 * i + 1]!;
    const l = w[2 * i]! >>> 0;
    const hl = w[2 * lo + 1]!;
    if (h < hl || (h === hl && l < w[2 * lo]! >>> 0)) lo = i;
    const hh = w[2 * hi + 1]!;
    if (h > hh || (h === hh && l > w[2 * hi]! >>> 0)) hi = i;
  }
  return [a[lo]!, a[hi]!];
}
