/**
 * A sealed segment: immutable rows persisted as an Arrow insert log, plus delete logs and
 * index files (Milvus's sealed segment). Deletes still arrive (they only hide rows); vector
 * indexes are attached once built. Until a field's index is ready the segment is searched by
 * exact scan, so sealing never waits for an index.
 *
 * A hollow segment (HollowSealedSegment, hollow-sealed-segment.ts) keeps only what a writer
 * needs to apply writes; what differs between the two is asked of the segment (`readColumn`,
 * `readRows`, `keepBuiltIndex`, `forgetIndexes`, `opensIndexFiles`), never tested by a flag.
 *
 * One copy of the vectors: a vector field whose index holds every row's vector exactly as
 * built (`VectorIndex.copyVectors`: FLAT, HNSW over FloatVector with L2/IP) is *served* by the
 * index — the segment drops its column and reads output vectors for the returned rows from the
 * index (`vectorValue`). `column()` of a served field builds a full copy from the index for the
 * rare whole-column reader (compaction, strict group-by's exact scan), never kept. Detaching
 * the index (`detachIndex`) puts the column back first.
 */
import { VesperError } from '../errors/index.ts';
import type { Column, ColumnSet, FloatVectorColumn } from '../schema/columns.ts';
import { DataType } from '../schema/data-type.ts';
import type { VectorIndex } from '../index/vector-index.ts';
import type { ScalarIndex } from '../expr/index.ts';
import type { SparseInvertedIndex } from '../index/sparse-inverted-index.ts';
import type { FieldSchema } from '../schema/types.ts';
import { concatColumns, takeRows } from '../schema/column-ops.ts';
import { absentColumn } from '../schema/row-batch.ts';
import type { SegmentRecord } from '../storage/manifest.ts';
import { Segment } from './segment.ts';
import { loadColumns, loadRows, type ColumnSource } from './insert-log.ts';

/** A freshly built index of one field, by kind (segment-maintenance.ts builds them). */
export type BuiltIndex =
  | { readonly kind: 'vector'; readonly index: VectorIndex }
  | { readonly kind: 'scalar'; readonly index: ScalarIndex }
  | { readonly kind: 'sparse'; readonly index: SparseInvertedIndex };

export class SealedSegment extends Segment {
  readonly sealed = true;
  readonly indexes = new Map<string, VectorIndex>();
  /** Scalar indexes by field; the filter planner asks for them through `scalarIndex`. */
  readonly scalarIndexes = new Map<string, ScalarIndex>();
  /** Sparse inverted indexes by field (opened index files or builds); sparse searches read them (query/sparse-search.ts). */
  readonly sparseIndexes = new Map<string, SparseInvertedIndex>();

  private readonly cols: Map<string, Column>;
  /** Columns left in the object store (`dropColumns`) until `restoreColumns` brings them back. */
  readonly dropped = new Set<string>();

  constructor(
    public record: SegmentRecord,
    cols: ReadonlyMap<string, Column>,
    readonly pkField: string,
    rowTs: BigInt64Array,
  ) {
    super(record.id, record.partitionId, record.shard, rowTs.length);
    this.cols = new Map(cols);
    // the pk index is built on first use (a delete, a key lookup): searching never needs it
    this.addRows(rowTs, 0, rowTs.length);
  }

  /** Takes over a segment's state (columns, timestamps, deletes) without copying rows. */
  static fromGrowing(record: SegmentRecord, cols: ReadonlyMap<string, Column>, pkField: string, src: Segment): SealedSegment {
    return new SealedSegment(record, cols, pkField, src.timestamps()).takeDeletesOf(src);
  }

  /** Takes over a segment's deletes and pending deletes (the same rows, in the same order). */
  protected takeDeletesOf(src: Segment): this {
    this.copyDeletes(src);
    this.pendingDeletes = src.pendingDeletes;
    return this;
  }

  /** Whether the index files its record names are opened onto it (a hollow segment leaves them to readers). */
  get opensIndexFiles(): boolean {
    return true;
  }

  /** The lock an index build of `field` on this segment holds (segment-maintenance.ts). */
  indexBuildLock(field: string): string {
    return `index:${this.id}:${field}`;
  }

  /** One whole column for an index build: the held one, else read from the insert log through `src`. */
  async readColumn(src: ColumnSource, field: string): Promise<Column | undefined> {
    if (!this.dropped.has(field)) return this.column(field);
    return (await loadColumns(src, this.record, [field])).get(field);
  }

  /**
   * The listed rows of each field (compaction, and outputs of columns left in the store): held
   * columns are copied from memory, dropped ones read from the insert log through `src`.
   */
  async readRows(src: ColumnSource, fields: readonly FieldSchema[], rows: ArrayLike<number>): Promise<Column[]> {
    const stored = fields.filter((f) => this.dropped.has(f.name));
    const read = stored.length === 0 ? undefined : await loadRows(src, this.record, stored, rows);
    return fields.map((f) => read?.get(f.name) ?? this.takeRows(f, rows));
  }

  get inStore(): ReadonlySet<string> {
    return this.dropped;
  }

  /**
   * `StoredRowReader.readStoredRows` (query/output.ts) for holders of sealed segments: the
   * listed rows of fields `cols` left in the object store, read through `src`.
   * @throws INTERNAL for a column set that is not a sealed segment; IO_KEY_NOT_FOUND, FORMAT_CORRUPT from the read.
   */
  static readStoredRows(src: ColumnSource, cols: ColumnSet, fields: readonly FieldSchema[], rows: Int32Array): Promise<readonly Column[]> {
    if (!(cols instanceof SealedSegment)) throw new VesperError('INTERNAL', 'internal error: stored rows asked of a segment that is not sealed');
    return cols.readRows(src, fields, rows);
  }

  /** Keeps an index built for this segment (and committed to its record), serving from it when it can. */
  keepBuiltIndex(field: string, built: BuiltIndex, fields: readonly FieldSchema[]): void {
    if (built.kind === 'vector') this.attachIndex(field, built.index, fields);
    else if (built.kind === 'scalar') this.scalarIndexes.set(field, built.index);
    else this.sparseIndexes.set(field, built.index);
  }

  /**
   * Forgets the indexes the catalog no longer has: those of fields not in `fields` (vector
   * indexes disposed) — for a holder that learns of a dropped index from a newer catalog entry.
   * `_liveIds` are the catalog's index ids.
   */
  forgetIndexes(fields: ReadonlySet<string>, _liveIds: ReadonlySet<number>): void {
    for (const field of [...this.indexes.keys()]) if (!fields.has(field)) this.detachIndex(field);
    for (const field of [...this.scalarIndexes.keys()]) if (!fields.has(field)) this.scalarIndexes.delete(field);
    for (const field of [...this.sparseIndexes.keys()]) if (!fields.has(field)) this.sparseIndexes.delete(field);
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

  /**
   * Records columns that were never read from the insert log (a load that reads by range): they
   * count as dropped until `serveFromIndex` or `restoreColumns`.
   */
  leaveInStore(names: readonly string[]): void {
    for (const name of names) if (!this.cols.has(name)) this.dropped.add(name);
  }

  /**
   * Whether an open index could serve this field's column (see `serveVectorsFromIndexes`) were
   * the column read: a non-nullable float vector field whose index holds every row exactly.
   */
  canServe(field: FieldSchema): boolean {
    const idx = this.indexes.get(field.name);
    return field.data_type === DataType.FloatVector && !field.nullable && idx !== undefined && idx.count === this.rowCount
      && idx.copyVectors?.([], new Float32Array(0)) === true;
  }

  /** Lets the field's index serve a column left in the store (`canServe` said it can). */
  serveFromIndex(field: FieldSchema): void {
    this.served.set(field.name, this.indexes.get(field.name)!);
    this.dropped.delete(field.name);
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
   * Whether the segment has the named field's index (vector, scalar or sparse) ready: opened here
   * (a hollow segment: committed to its record, readers open it).
   */
  hasIndex(field: string): boolean {
    return this.indexes.has(field) || this.scalarIndexes.has(field) || this.sparseIndexes.has(field);
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
   * their column: the default value, else null, in every row.
   */
  fillAddedFields(fields: readonly FieldSchema[]): void {
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
