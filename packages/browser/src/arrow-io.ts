/**
 * Export a collection to a Blob the user can download, and import one back into a new
 * collection, with progress. The file format and the work are core's
 * (`dumpCollection`/`restoreCollection`, docs/format/export.md): an Arrow IPC stream with a
 * checksum trailer holding the schema, properties, indexes, partitions and every row with its
 * primary key (auto_id keys too). `@vesper/core/node` has the same two functions over file
 * paths. Everything goes through the public API, so it works from a follower tab too.
 */
import { dumpCollection, restoreCollection, type VesperClient } from '@vesper/core';
import type { RowProgress } from './progress.ts';

export interface ExportOptions {
  readonly onProgress?: (p: RowProgress) => void;
  readonly signal?: AbortSignal;
  /** Rows per page (and per record batch). Default 5,000. */
  readonly pageSize?: number;
  readonly db_name?: string;
}

export interface ImportOptions {
  /** The new collection's name; default the exported one. */
  readonly collection_name?: string;
  readonly onProgress?: (p: RowProgress) => void;
  readonly signal?: AbortSignal;
  /** Rows per write. Default 1,000. */
  readonly batchSize?: number;
  readonly db_name?: string;
}

/**
 * Exports collection `name` — definition, indexes, partitions and every visible row at one
 * snapshot — as a Blob.
 * @throws COLLECTION_NOT_FOUND; CANCELLED when signal fires.
 */
export async function exportCollection(db: VesperClient, name: string, opts: ExportOptions = {}): Promise<Blob> {
  const { bytes } = await dumpCollection(db, name, opts);
  return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/vnd.apache.arrow.stream' });
}

/**
 * Imports an export into a new collection (partitions, indexes, properties and primary keys
 * as exported), loaded when the exported one was. All or nothing: on any error the new
 * collection is dropped again.
 * @throws FORMAT_CORRUPT / FORMAT_UNSUPPORTED for a damaged or newer file; PARAMETER_INVALID
 *   when the collection exists; CANCELLED when signal fires.
 */
export async function importCollection(db: VesperClient, file: Blob, opts: ImportOptions = {}): Promise<{ collection_name: string; rows: number }> {
  return restoreCollection(db, new Uint8Array(await file.arrayBuffer()), opts);
}
