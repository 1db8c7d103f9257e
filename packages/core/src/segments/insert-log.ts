/**
 * Reading columns of a sealed segment's insert log (Arrow IPC) on demand: a hollow segment's
 * index build and compaction, and a reader's columns dropped until an answer outputs them.
 */
import { VesperError } from '../errors/index.ts';
import type { ObjectStore } from '../adapters/object-store.ts';
import type { CollectionSchema, FieldSchema } from '../schema/types.ts';
import { takeRows } from '../schema/column-ops.ts';
import type { Column } from '../schema/columns.ts';
import { readInsertColumns } from '../storage/batch-file.ts';
import type { SegmentRecord } from '../storage/manifest.ts';

/** Where a segment's files are and how to decode them. */
export interface ColumnSource {
  readonly objects: ObjectStore;
  readonly schema: CollectionSchema;
}

/**
 * Reads some columns of a sealed segment's insert log: by range, only those columns' blocks,
 * when the file has a column directory; else the whole file (its columns are then views of
 * the file's bytes, which live as long as they do).
 * @throws IO_KEY_NOT_FOUND when the insert log is missing.
 */
export async function loadColumns(src: ColumnSource, rec: SegmentRecord, fields: readonly string[]): Promise<Map<string, Column>> {
  const want = src.schema.fields.filter((f) => fields.includes(f.name));
  try {
    return (await readInsertColumns(src.objects, rec.insertLog, want)).columns;
  } catch (e) {
    if (e instanceof VesperError && e.error === 'IO_KEY_NOT_FOUND') throw new VesperError('IO_KEY_NOT_FOUND', `segment ${rec.id}: insert log ${rec.insertLog} is missing`, undefined, { cause: e });
    throw e;
  }
}

/**
 * The listed rows (in the order listed) of some columns of a sealed segment's insert log: what
 * an answer outputs from a column its holder left in the object store.
 * @throws IO_KEY_NOT_FOUND when the insert log is missing.
 */
export async function loadRows(src: ColumnSource, rec: SegmentRecord, fields: readonly FieldSchema[], rows: ArrayLike<number>): Promise<Map<string, Column>> {
  const cols = await loadColumns(src, rec, fields.map((f) => f.name));
  return new Map(fields.map((f) => [f.name, takeRows(cols.get(f.name)!, rows, f)]));
}
