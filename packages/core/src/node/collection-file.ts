/**
 * Export/import of a collection to and from a file (docs/format/export.md): the Node face of
 * client/collection-dump.ts, with the shapes of `@vesper/browser`'s exportCollection /
 * importCollection — a file path where the browser has a Blob. The file is written to a
 * temporary name beside the target and renamed, so a crash never leaves a half file under it.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { VesperClient } from '../client/vesper-client.ts';
import { dumpCollection, restoreCollection, type DumpOptions, type RestoreOptions } from '../client/collection-dump.ts';
import { VesperError } from '../errors/index.ts';

export type ExportOptions = DumpOptions;
export type ImportOptions = RestoreOptions;

/**
 * Writes collection `name` (definition, indexes, partitions, properties, every visible row with
 * its primary key and partition) to the file at `path`, replacing it.
 * @throws COLLECTION_NOT_FOUND (100); CANCELLED (2200) when signal fires (no file is written)
 */
export async function exportCollection(db: VesperClient, name: string, path: string, opts: ExportOptions = {}): Promise<{ collection_name: string; rows: number; bytes: number }> {
  const { bytes, rows } = await dumpCollection(db, name, opts);
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return { collection_name: name, rows, bytes: bytes.byteLength };
}

/**
 * Creates a new collection from the export file at `path` (named `opts.collection_name` or as
 * exported), all or nothing.
 * @throws FORMAT_CORRUPT (2002) / FORMAT_UNSUPPORTED (2001) for a damaged or newer file;
 *   PARAMETER_INVALID (1100) when the file cannot be read or the collection exists
 */
export async function importCollection(db: VesperClient, path: string, opts: ImportOptions = {}): Promise<{ collection_name: string; rows: number }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new VesperError('PARAMETER_INVALID', `cannot read collection export ${path}: ${(e as Error).message}`);
  }
  return restoreCollection(db, bytes, opts);
}
