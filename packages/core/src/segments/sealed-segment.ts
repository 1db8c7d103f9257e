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
 *
 * One copy of the vectors: a vector field whose index holds every row's vector exactly as
 * built (`VectorIndex.copyVectors`: FLAT, HNSW over FloatVector with L2/IP) is *served* by the
 * index — the segment drops its column and reads output vectors for the returned rows from the
 * index (`vectorValue`). `column()` of a served field builds a full copy from the index for the
 * rare whole-column reader (compaction, strict group-by's exact scan), never kept. Detaching
 * the index (`detachIndex`) puts the column back first.
 */
import type { Column, FloatVectorColumn } from '../schema/columns.ts';
import { DataType } from '../schema/data-type.ts';
import type { VectorIndex } from '../index/vector-index.ts';
import type { ScalarIndex } from '../expr/index.ts';
import type { SparseInvertedIndex } from '../index/sparse-inverted-index.ts';
import type { FieldSchema } from '../schema/types.ts';
import { concatColumns, takeRows } from '../schema/column-ops.ts';
import { absentColumn } from '../schema/row-batch.ts';
import type { SegmentRecord } from '../storage/manifest.ts';
import { Segment } from './segment.ts';

export class SealedSegment extends Segment {
  readonly sealed = true;
  readonly indexes = new Map<string, VectorIndex>();
  /** Scalar indexes by field; the filter planner asks for them through `scalarIndex`. */
  readonly scalarIndexes = new Map<string, ScalarIndex>();
  /** Sparse inverted indexes by field (opened index files or builds); sparse searches read them (query/sparse-search.ts). */
  readonly sparseIndexes = new Map<string, SparseInvertedIndex>();

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

  /** Vector fields whose column is not held: their index copies vectors out (see the header). */
  private readonly served = new Map<string, VectorIndex>();

  override column(name: string): Column | undefined {
    const col = this.cols.get(name);
    if (col !== undefined) return col;
    const idx = this.served.get(name);
    if (idx === undefined) return undefined;
    const all = new Int32Array(this.rowCount);
    for (let i = 0; i < all.length; i++) all[i] = i;
    return this.servedRows(idx, all);
  }

  /** One row's vector of a served field, as `valueAt` would return it; undefined when the field is not served. */
  vectorValue(name: string, row: number): number[] | undefined {
    const idx = this.served.get(name);
    if (idx === undefined) return undefined;
    const out = new Float32Array(idx.dim);
    idx.copyVectors!([row], out);
    return Array.from(out);
  }

  /** The listed rows of a field (compaction): from the index for a served field, without a whole-column copy. */
  takeRows(field: FieldSchema, rows: ArrayLike<number>): Column {
    const idx = this.served.get(field.name);
    return idx === undefined ? takeRows(this.cols.get(field.name)!, rows, field) : this.servedRows(idx, rows);
  }

  /** Whether the named vector field is served by its index (its column is not held). */
  isServed(name: string): boolean {
    return this.served.has(name);
  }

  private servedRows(idx: VectorIndex, rows: ArrayLike<number>): FloatVectorColumn {
    const data = new Float32Array(rows.length * idx.dim);
    idx.copyVectors!(rows, data);
    return { type: DataType.FloatVector, length: rows.length, dim: idx.dim, data };
  }

  /**
   * Lets every open vector index that holds its rows' vectors exactly serve its field, dropping
   * the segment's column (the insert log's bytes are released as in `dropColumns`). Nullable
   * columns are kept (the index has no nulls). `fields` are the schema's fields.
   */
  serveVectorsFromIndexes(fields: readonly FieldSchema[]): void {
    if (this.hollow) return;
    const serve: string[] = [];
    for (const [name, idx] of this.indexes) {
      const col = this.cols.get(name);
      if (col === undefined || col.type !== DataType.FloatVector || col.valid !== undefined || idx.count !== this.rowCount) continue;
      if (idx.copyVectors?.([], new Float32Array(0)) !== true) continue;
      this.served.set(name, idx);
      serve.push(name);
    }
    if (serve.length > 0) this.release(serve, fields);
  }

  /** Attaches a built index to its field and lets it serve the field's vectors when it can. */
  attachIndex(field: string, idx: VectorIndex, fields: readonly FieldSchema[]): void {
    this.indexes.set(field, idx);
    this.serveVectorsFromIndexes(fields);
  }

  /** Disposes a field's vector index; a column it served is copied back out of it first. */
  detachIndex(field: string): void {
    const idx = this.indexes.get(field);
    if (idx === undefined) return;
    if (this.served.get(field) === idx) {
      this.cols.set(field, this.column(field)!);
      this.served.delete(field);
    }
    idx.dispose?.();
    this.indexes.delete(field);
  }

  scalarIndex(field: string): ScalarIndex | undefined {
    return this.scalarIndexes.get(field);
  }

  /**
   * Whether the segment has the named field's index (vector, scalar or sparse) ready: opened here, or
   * for a hollow segment, committed to its record (readers open it).
   */
  hasIndex(field: string): boolean {
    return this.indexes.has(field) || this.scalarIndexes.has(field) || this.sparseIndexes.has(field) || (this.hollow && this.record.indexes.some((i) => i.field === field));
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
    for (const name of drop) this.dropped.add(name);
    this.release(drop, fields);
  }

  /** Forgets the named columns and copies the kept ones out of the insert log's bytes (once). */
  private release(names: readonly string[], fields: readonly FieldSchema[]): void {
    for (const name of names) this.cols.delete(name);
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
