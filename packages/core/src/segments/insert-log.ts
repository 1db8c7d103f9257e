/**
 * Reading columns of a sealed segment's insert log (Arrow IPC) on demand: a hollow segment's
 * index build and compaction, and a reader's columns dropped until an answer outputs them.
 */
import { VesperError } from '../errors/index.ts';
import type { ObjectStore } from '../adapters/object-store.ts';
import type { CollectionSchema, FieldSchema } from '../schema/types.ts';
import type { Column } from '../schema/columns.ts';
import { readInsertColumns, readInsertRows, type InsertLogLayout } from '../storage/insert-log-reader.ts';
import type { SegmentRecord } from '../storage/manifest.ts';

/** Where a segment's files are and how to decode them. */
export interface ColumnSource {
  readonly objects: ObjectStore;
  readonly schema: CollectionSchema;
}

/** A missing insert log, named with its segment. */
function renameMissing(rec: SegmentRecord, e: unknown): unknown {
  if (e instanceof VesperError && e.error === 'IO_KEY_NOT_FOUND') return new VesperError('IO_KEY_NOT_FOUND', `segment ${rec.id}: insert log ${rec.insertLog} is missing`, undefined, { cause: e });
  return e;
}

/**
 * Reads some columns of a sealed segment's insert log: by range, only those columns' blocks,
 * when the file has a column directory; else the whole file (its columns are then views of
 * the file's bytes, which live as long as they do). `layout`: the file's, when an earlier read
 * returned it (storage/insert-log-reader.ts caches it too).
 * @throws IO_KEY_NOT_FOUND when the insert log is missing.
 */
export async function loadColumns(src: ColumnSource, rec: SegmentRecord, fields: readonly string[], layout?: InsertLogLayout): Promise<Map<string, Column>> {
  const want = src.schema.fields.filter((f) => fields.includes(f.name));
  try {
    return (await readInsertColumns(src.objects, rec.insertLog, want, want, layout)).columns;
  } catch (e) {
    throw renameMissing(rec, e);
  }
}

/**
 * The listed rows (in their order) of some columns of a sealed segment's insert log — an
 * answer's output fields on a holder that left them in the store: fixed-width columns read
 * only the blocks holding those rows; variable-width ones are read whole (insert-log-reader.ts).
 * @throws IO_KEY_NOT_FOUND when the insert log is missing; FORMAT_CORRUPT when a block read fails its checksum.
 */
export async function loadRows(src: ColumnSource, rec: SegmentRecord, fields: readonly FieldSchema[], rows: ArrayLike<number>): Promise<Map<string, Column>> {
  try {
    return await readInsertRows(src.objects, rec.insertLog, fields, rows);
  } catch (e) {
    throw renameMissing(rec, e);
  }
}
