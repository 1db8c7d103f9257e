/**
 * A hollow sealed segment: what a writer needs to apply writes to sealed rows it does not hold
 * (the `hollowLeader` role, holder-role.ts) — the primary keys, row and delete timestamps, and
 * the manifest record. Its other columns and its index files stay in the object store; reader
 * replicas (SealedReplica) serve its rows, and maintenance reads its columns from the insert
 * log when it needs them, one segment at a time.
 */
import { concatColumns, takeRows } from '../schema/column-ops.ts';
import type { Column } from '../schema/columns.ts';
import type { FieldSchema } from '../schema/types.ts';
import type { SegmentRecord } from '../storage/manifest.ts';
import { loadColumns, type ColumnSource } from './insert-log.ts';
import { SealedSegment, type BuiltIndex } from './sealed-segment.ts';
import type { Segment } from './segment.ts';

export class HollowSealedSegment extends SealedSegment {
  /**
   * A hollow segment over a segment's rows (timestamps, deletes and pending deletes carry
   * over): the primary-key column is copied, so the source's other columns can be freed.
   */
  static of(record: SegmentRecord, src: Segment, pk: FieldSchema): HollowSealedSegment {
    const keys = new Map([[pk.name, concatColumns([src.column(pk.name)!], pk)]]);
    return new HollowSealedSegment(record, keys, pk.name, src.timestamps()).takeDeletesOf(src);
  }

  override get opensIndexFiles(): boolean {
    return false;
  }

  /** Builds read their column from the object store: one build at a time bounds the memory. */
  override indexBuildLock(): string {
    return 'index-build';
  }

  override async readColumn(src: ColumnSource, field: string): Promise<Column | undefined> {
    return (await loadColumns(src, this.record, [field])).get(field);
  }

  override async readRows(src: ColumnSource, fields: readonly FieldSchema[], rows: ArrayLike<number>): Promise<Column[]> {
    const cols = await loadColumns(src, this.record, fields.map((f) => f.name));
    return fields.map((f) => takeRows(cols.get(f.name)!, rows, f));
  }

  /** Readers open the committed file; the writer only records it. */
  override keepBuiltIndex(_field: string, built: BuiltIndex): void {
    if (built.kind === 'vector') built.index.dispose?.();
  }

  /** Its indexes are its record's (readers open them): the dropped ones leave the record. */
  override forgetIndexes(_fields: ReadonlySet<string>, liveIds: ReadonlySet<number>): void {
    if (this.record.indexes.some((i) => !liveIds.has(i.indexId))) this.record = { ...this.record, indexes: this.record.indexes.filter((i) => liveIds.has(i.indexId)) };
  }

  override hasIndex(field: string): boolean {
    return this.record.indexes.some((i) => i.field === field);
  }

  /** Keys only: no vector column to serve. */
  override serveVectorsFromIndexes(): void {}

  /** Keys only: added fields have no column here. */
  override fillAddedFields(): void {}
}
