/**
 * A sealed segment: immutable rows persisted as an Arrow insert log, plus delete logs and
 * index files (Milvus's sealed segment). Deletes still arrive (they only hide rows); vector
 * indexes are attached once built. Until a field's index is ready the segment is searched by
 * exact scan, so sealing never waits for an index.
 */
import type { Column } from '../schema/columns.ts';
import type { VectorIndex } from '../index/vector-index.ts';
import type { ScalarIndex } from '../expr/index.ts';
import type { SegmentRecord } from '../storage/manifest.ts';
import { Segment } from './segment.ts';

export class SealedSegment extends Segment {
  readonly sealed = true;
  readonly indexes = new Map<string, VectorIndex>();
  /** Scalar indexes by field; the filter planner asks for them through `scalarIndex`. */
  readonly scalarIndexes = new Map<string, ScalarIndex>();

  constructor(
    public record: SegmentRecord,
    private readonly cols: ReadonlyMap<string, Column>,
    readonly pkField: string,
    rowTs: BigInt64Array,
  ) {
    super(record.id, record.partitionId, record.shard, rowTs.length);
    // the pk index is built on first use (a delete, a key lookup): searching never needs it
    this.addRows(rowTs, 0, rowTs.length);
  }

  /** Takes over a growing segment's state (columns, timestamps, deletes) without copying rows. */
  static fromGrowing(record: SegmentRecord, cols: ReadonlyMap<string, Column>, pkField: string, src: Segment): SealedSegment {
    const s = new SealedSegment(record, cols, pkField, src.timestamps());
    for (let r = 0; r < src.rowCount; r++) {
      const d = src.deleteTimestamp(r);
      if (d !== 0n) s.applyDelete(s.pkAt(r), d, false);
    }
    s.pendingDeletes = src.pendingDeletes;
    return s;
  }

  override column(name: string): Column | undefined {
    return this.cols.get(name);
  }

  scalarIndex(field: string): ScalarIndex | undefined {
    return this.scalarIndexes.get(field);
  }

  /** Whether the segment has the named field's index (vector or scalar) ready. */
  hasIndex(field: string): boolean {
    return this.indexes.has(field) || this.scalarIndexes.has(field);
  }

  columns(): ReadonlyMap<string, Column> {
    return this.cols;
  }
}
