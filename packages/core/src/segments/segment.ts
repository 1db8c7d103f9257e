/**
 * A segment: a set of rows of one (partition, shard) with their write timestamps and delete
 * timestamps — the unit Milvus's segcore searches. Growing and sealed segments share this
 * base: MVCC visibility, deletes by primary key and the primary-key lookup live here.
 *
 * MVCC: row r is visible at snapshot T iff rowTs[r] <= T and not (delTs[r] != 0 and
 * delTs[r] <= T). A delete at ts d hides rows of its key written strictly before d, so an
 * upsert (delete + insert at one ts) keeps its new row. delTs keeps the earliest delete.
 */
import { Bitset } from '../util/bitset.ts';
import type { Column, ColumnSet } from '../schema/columns.ts';
import { valueAt } from '../schema/column-ops.ts';

export type PkValue = bigint | string;

export interface PendingDelete {
  readonly pk: PkValue;
  readonly ts: bigint;
}

export abstract class Segment implements ColumnSet {
  protected rowTs: BigInt64Array;
  protected delTs: BigInt64Array;
  protected n = 0;
  private readonly pkIndex = new Map<PkValue, number>();
  /** Keys inserted more than once into this segment (plain inserts may repeat a key). */
  private pkDupes: Map<PkValue, number[]> | undefined;
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
    let n = 0;
    if (this.pkDupes) for (const rows of this.pkDupes.values()) n += rows.length - 1;
    return n;
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

  /** Registers rows [from, from+count) in the pk index and timestamp arrays. */
  protected indexRows(pks: ArrayLike<PkValue>, ts: ArrayLike<bigint> | bigint, from: number, count: number): void {
    if (from + count > this.rowTs.length) {
      const cap = Math.max(from + count, this.rowTs.length * 2);
      const r = new BigInt64Array(cap);
      r.set(this.rowTs);
      this.rowTs = r;
      const d = new BigInt64Array(cap);
      d.set(this.delTs);
      this.delTs = d;
    }
    for (let i = 0; i < count; i++) {
      const row = from + i;
      const t = typeof ts === 'bigint' ? ts : ts[i]!;
      this.rowTs[row] = t;
      if (row === 0 || t > this.maxRowTs) this.maxRowTs = t;
      if (row === 0 || t < this.minRowTs) this.minRowTs = t;
      const pk = pks[i]!;
      const prev = this.pkIndex.get(pk);
      if (prev === undefined) this.pkIndex.set(pk, row);
      else {
        this.pkDupes ??= new Map();
        const list = this.pkDupes.get(pk) ?? [prev];
        list.push(row);
        this.pkDupes.set(pk, list);
      }
    }
    this.n = Math.max(this.n, from + count);
  }

  /** Row offsets holding this primary key (any timestamp, deleted or not). */
  rowsOf(pk: PkValue): readonly number[] {
    const dupes = this.pkDupes?.get(pk);
    if (dupes) return dupes;
    const row = this.pkIndex.get(pk);
    return row === undefined ? [] : [row];
  }

  hasPk(pk: PkValue): boolean {
    return this.pkIndex.has(pk);
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
