/**
 * A sealed segment: immutable rows persisted as an Arrow insert log, plus delete logs and
 * index files (Milvus's sealed segment). Deletes still arrive (they only hide rows); vector
 * indexes are attached once built. Until a field's index is ready the segment is searched by
 * exact scan, so sealing never waits for an index.
 *
 * A hollow segment (`hollow()`) keeps only what a writer needs to apply writes: the primary
 * keys, row and delete timestamps, and the manifest record. Its other columns and its indexes
 * stay in the object store; readers (SealedReplica) serve it, and maintenance reads its columns
 * from the insert log when it needs them (segment-maintenance.ts).
 */
import type { Column } from '../schema/columns.ts';
import type { VectorIndex } from '../index/vector-index.ts';
import type { ScalarIndex } from '../expr/index.ts';
import type { FieldSchema } from '../schema/types.ts';
import { concatColumns } from '../schema/column-ops.ts';
import { absentColumn } from '../schema/row-batch.ts';
import type { SegmentRecord } from '../storage/manifest.ts';
import { Segment } from './segment.ts';

export class SealedSegment extends Segment {
  readonly sealed = true;
  readonly indexes = new Map<string, VectorIndex>();
  /** Scalar indexes by field; the filter planner asks for them through `scalarIndex`. */
  readonly scalarIndexes = new Map<string, ScalarIndex>();

  /** Whether only the primary keys are held (see the header). */
  readonly hollow: boolean;

  private readonly cols: Map<string, Column>;
  /** Columns left in the object store (`dropColumns`) until `restoreColumns` brings them back. */
  readonly dropped = new Set<string>();

  constructor(
    public record: SegmentRecord,
    cols: ReadonlyMap<string, Column>,
    readonly pkField: string,
    rowTs: BigInt64Array,
    hollow = false,
  ) {
    super(record.id, record.partitionId, record.shard, rowTs.length);
    this.cols = new Map(cols);
    this.hollow = hollow;
    // the pk index is built on first use (a delete, a key lookup): searching never needs it
    this.addRows(rowTs, 0, rowTs.length);
  }

  /** Takes over a segment's state (columns, timestamps, deletes) without copying rows. */
  static fromGrowing(record: SegmentRecord, cols: ReadonlyMap<string, Column>, pkField: string, src: Segment, hollow = false): SealedSegment {
    const s = new SealedSegment(record, cols, pkField, src.timestamps(), hollow);
    s.copyDeletes(src);
    s.pendingDeletes = src.pendingDeletes;
    return s;
  }

  /**
   * A hollow segment over a segment's rows (timestamps, deletes and pending deletes carry
   * over): the primary-key column is copied, so the source's other columns can be freed.
   */
  static hollowOf(record: SegmentRecord, src: Segment, pk: FieldSchema): SealedSegment {
    return SealedSegment.fromGrowing(record, new Map([[pk.name, concatColumns([src.column(pk.name)!], pk)]]), pk.name, src, true);
  }

  override column(name: string): Column | undefined {
    return this.cols.get(name);
  }

  scalarIndex(field: string): ScalarIndex | undefined {
    return this.scalarIndexes.get(field);
  }

  /**
   * Whether the segment has the named field's index (vector or scalar) ready: opened here, or
   * for a hollow segment, committed to its record (readers open it).
   */
  hasIndex(field: string): boolean {
    return this.indexes.has(field) || this.scalarIndexes.has(field) || (this.hollow && this.record.indexes.some((i) => i.field === field));
  }

  columns(): ReadonlyMap<string, Column> {
    return this.cols;
  }

  /**
   * Leaves the named columns in the object store and copies the others out of the insert
   * log's bytes, so those bytes can be freed (a reader whose vector indexes answer searches
   * keeps only the index's copy of the vectors). `fields` are the schema's fields.
   */
  dropColumns(names: readonly string[], fields: readonly FieldSchema[]): void {
    const drop = names.filter((n) => this.cols.has(n));
    if (drop.length === 0) return;
    for (const name of drop) {
      this.cols.delete(name);
      this.dropped.add(name);
    }
    if (this.copied) return;
    this.copied = true;
    for (const f of fields) {
      const col = this.cols.get(f.name);
      if (col) this.cols.set(f.name, concatColumns([col], f));
    }
  }

  /**
   * Gives the fields added to the collection after this segment was written (`added_later`)
   * their column: the default value, else null, in every row. Hollow segments hold keys only.
   */
  fillAddedFields(fields: readonly FieldSchema[]): void {
    if (this.hollow) return;
    for (const f of fields) {
      if (f.added_later === true && !this.cols.has(f.name) && !this.dropped.has(f.name)) this.cols.set(f.name, absentColumn(f, this.rowCount));
    }
  }

  /** Whether the kept columns are copies (no longer views of the insert log's bytes). */
  private copied = false;

  /** Puts dropped columns back (read from the insert log for a request that outputs them). */
  restoreColumns(cols: ReadonlyMap<string, Column>): void {
    for (const [name, col] of cols) {
      if (!this.dropped.has(name)) continue;
      this.cols.set(name, col);
      this.dropped.delete(name);
    }
  }
}
