/**
 * A growing segment: the in-memory, append-only rows of one (partition, shard) fed from the
 * WAL (Milvus's growing segment in segcore). Searched by exact scan. Sealing hands its
 * columns, timestamps, deletes and pk index to a SealedSegment without copying.
 */
import { ColumnBuilder } from '../schema/column-ops.ts';
import type { Column } from '../schema/columns.ts';
import { absentColumn, type RowBatch } from '../schema/row-batch.ts';
import { primaryField, type CollectionSchema, type FieldSchema } from '../schema/types.ts';
import { Segment } from './segment.ts';

export class GrowingSegment extends Segment {
  readonly sealed = false;
  readonly pkField: string;
  private readonly builders = new Map<string, ColumnBuilder>();
  /** When the first row arrived (ms), for the age seal policy. */
  readonly createdAt: number;

  constructor(
    id: number,
    partitionId: number,
    shard: number,
    readonly schema: CollectionSchema,
    now: number,
  ) {
    super(id, partitionId, shard, 1024);
    for (const f of schema.fields) this.builders.set(f.name, new ColumnBuilder(f));
    this.pkField = primaryField(schema).name;
    this.createdAt = now;
  }

  append(batch: RowBatch, ts: bigint): void {
    const from = this.n;
    for (const [name, b] of this.builders) {
      // a batch converted before addCollectionField committed lacks the added field
      const col = batch.columns.get(name) ?? (b.field.added_later === true ? absentColumn(b.field, batch.count) : undefined);
      if (!col) throw new Error(`batch lacks column ${name}`);
      b.append(col);
    }
    this.addRows(ts, from, batch.count);
  }

  /** A field added to the collection (addCollectionField): the rows so far read its default, else null. */
  addField(field: FieldSchema): void {
    if (this.builders.has(field.name)) return;
    const b = new ColumnBuilder(field, Math.max(1024, this.n));
    if (this.n > 0) b.append(absentColumn(field, this.n));
    this.builders.set(field.name, b);
  }

  column(name: string): Column | undefined {
    return this.builders.get(name)?.view();
  }

  columns(): Map<string, Column> {
    return new Map([...this.builders].map(([name, b]) => [name, b.view()]));
  }

  bytesUsed(): number {
    let n = this.n * 16;
    for (const b of this.builders.values()) n += b.bytesUsed();
    return n;
  }
}
