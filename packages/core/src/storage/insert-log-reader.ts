/**
 * Reading insert logs by range (docs/format/segment.md, "Reading by range"): some columns, or
 * some rows of some columns, through the file's column directory (column-directory.ts).
 *
 * The directory is read once per file: a load passes the one its first phase read to the
 * second, and decoded directories stay in a small bounded cache keyed by (store identity,
 * key) — insert logs never change under a key, and the identity names the files behind a store
 * (`ObjectStore.identity`), not the instance, so an edge QueryNode that builds its R2 store per
 * request still hits. A file without a directory (written before it) is remembered as such, so
 * it costs one whole read instead of a `head`, a tail read and the whole read.
 *
 * A key whose file was replaced (a database deleted and created again under the same name)
 * makes a cached directory stale: a read through it fails (block checksums, lengths), so a
 * cached directory that fails a read is dropped and the read is tried once more with the file's own.
 */
import { VesperError } from '../errors/index.ts';
import type { ObjectStore } from '../adapters/object-store.ts';
import type { Column } from '../schema/columns.ts';
import type { FieldSchema } from '../schema/types.ts';
import { takeRows } from '../schema/column-ops.ts';
import { absentColumn } from '../schema/row-batch.ts';
import { objectRange } from '../util/block-file.ts';
import { decodeBatch } from './batch-file.ts';
import { DIRECTORY_FLAG, TRAILER_BYTES, readTrailer } from './batch-trailer.ts';
import { SECTION_TAIL_BYTES, decodeDirectory, readDirectoryColumns, sectionLength, type ColumnDirectory } from './column-directory.ts';
import { readDirectoryRows, rowAddressable } from './column-rows.ts';

/** What a reader knows of an insert log's layout: its directory, or that it has none. */
export type InsertLogLayout = { readonly directory: ColumnDirectory; readonly rowCount: number } | { readonly directory: undefined };

/** Decoded directories kept (by bytes: a directory is ~16 B a block plus its fields). */
export const DIRECTORY_CACHE_BYTES = 4 * 2 ** 20;

/**
 * Directories by (store identity, key), least recently used first; bounded by
 * DIRECTORY_CACHE_BYTES. One per isolate/worker: a query worker or a QueryNode isolate
 * reuses what an earlier request read.
 */
class DirectoryCache {
  private readonly entries = new Map<string, { layout: InsertLogLayout; bytes: number }>();
  private bytes = 0;

  constructor(private readonly capacity: number) {}

  private static key(objects: ObjectStore, key: string): string | undefined {
    return objects.identity === undefined ? undefined : `${objects.identity}\u0000${key}`;
  }

  get(objects: ObjectStore, key: string): InsertLogLayout | undefined {
    const k = DirectoryCache.key(objects, key);
    const e = k === undefined ? undefined : this.entries.get(k);
    if (e === undefined) return undefined;
    this.entries.delete(k!);
    this.entries.set(k!, e);
    return e.layout;
  }

  put(objects: ObjectStore, key: string, layout: InsertLogLayout): void {
    const k = DirectoryCache.key(objects, key);
    if (k === undefined) return;
    this.forget(objects, key);
    const dir = layout.directory;
    const bytes = 64 + k.length * 2 + (dir === undefined ? 0 : dir.checksums.byteLength + dir.fields.reduce((n, f) => n + 64 + 16 * (f.nodes.length + f.buffers.length), 0));
    if (bytes > this.capacity) return;
    while (this.bytes + bytes > this.capacity) {
      const [oldest, e] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.bytes -= e.bytes;
    }
    this.entries.set(k, { layout, bytes });
    this.bytes += bytes;
  }

  forget(objects: ObjectStore, key: string): void {
    const k = DirectoryCache.key(objects, key);
    const e = k === undefined ? undefined : this.entries.get(k);
    if (e === undefined) return;
    this.entries.delete(k!);
    this.bytes -= e.bytes;
  }
}

const directories = new DirectoryCache(DIRECTORY_CACHE_BYTES);

/** How many bytes a range reader first reads from the end of an insert log (trailer, directory, usually all of it). */
const TAIL_GUESS = 16 * 1024;

/**
 * Reads an insert log's layout from its end: `head`, then the trailer and directory in one
 * range read (a second when the directory is larger than the first guess). Cached.
 * @throws IO_KEY_NOT_FOUND (file missing), FORMAT_CORRUPT (checksum, short read, bad layout),
 *   FORMAT_UNSUPPORTED (unknown trailer flags).
 */
async function readLayout(objects: ObjectStore, key: string): Promise<InsertLogLayout> {
  const what = `insert log ${key}`;
  const info = await objects.head(key);
  if (!info) throw new VesperError('IO_KEY_NOT_FOUND', `${what} is missing`);
  const size = info.size;
  const guess = Math.min(size, TAIL_GUESS);
  let tail = await objects.getRange(key, size - guess, guess);
  if (!tail) throw new VesperError('IO_KEY_NOT_FOUND', `${what} is missing`);
  if (tail.byteLength !== guess) throw new VesperError('FORMAT_CORRUPT', `${what}: range read of its last ${guess} bytes returned ${tail.byteLength} (file truncated)`);
  let layout: InsertLogLayout = { directory: undefined };
  // no trailer (written before it) or no directory: read whole, checked as always
  if (size >= TRAILER_BYTES + SECTION_TAIL_BYTES && tail.subarray(tail.byteLength - 8).every((b, i) => b === 'VSPRSUM1'.charCodeAt(i))) {
    const { flags } = readTrailer(tail.subarray(tail.byteLength - TRAILER_BYTES), size, what);
    if ((flags & DIRECTORY_FLAG) !== 0) {
      const end = size - TRAILER_BYTES;
      const { length } = sectionLength(tail.subarray(tail.byteLength - TRAILER_BYTES - SECTION_TAIL_BYTES, tail.byteLength - TRAILER_BYTES), end, what);
      if (length + TRAILER_BYTES > tail.byteLength) {
        const more = await objects.getRange(key, end - length, length + TRAILER_BYTES);
        if (!more) throw new VesperError('IO_KEY_NOT_FOUND', `${what} is missing`);
        if (more.byteLength !== length + TRAILER_BYTES) throw new VesperError('FORMAT_CORRUPT', `${what}: range read of its column directory returned ${more.byteLength} of ${length + TRAILER_BYTES} bytes`);
        tail = more;
      }
      const dir = decodeDirectory(tail.subarray(tail.byteLength - TRAILER_BYTES - length, tail.byteLength - TRAILER_BYTES), what);
      const rowCount = dir.fields[0]?.nodes[0]?.[0] ?? 0;
      for (const f of dir.fields) if (f.nodes[0]?.[0] !== rowCount) throw new VesperError('FORMAT_CORRUPT', `${what}: column ${f.name} has ${f.nodes[0]?.[0]} rows, ${dir.fields[0]!.name} ${rowCount}`);
      layout = { directory: dir, rowCount };
    }
  }
  directories.put(objects, key, layout);
  return layout;
}

/**
 * Runs `read` with the file's layout: `known` (what an earlier phase read), else the cached
 * one, else read from the file. A read through a layout not just read from the file that fails
 * (as one of a replaced file would: a checksum, a short read, a row it does not have) is tried
 * once more with the file's own.
 */
async function withLayout<T>(objects: ObjectStore, key: string, known: InsertLogLayout | undefined, read: (layout: InsertLogLayout) => Promise<T>): Promise<T> {
  const remembered = known ?? directories.get(objects, key);
  if (remembered !== undefined) {
    try {
      return await read(remembered);
    } catch (e) {
      if (!(e instanceof VesperError)) throw e;
      directories.forget(objects, key);
    }
  }
  return read(await readLayout(objects, key));
}

/** The whole file, decoded (its columns are views of its bytes). */
async function readWhole(objects: ObjectStore, key: string, fields: readonly FieldSchema[]): Promise<{ rowCount: number; columns: Map<string, Column> }> {
  const bytes = await objects.get(key);
  if (!bytes) throw new VesperError('IO_KEY_NOT_FOUND', `insert log ${key} is missing`);
  const file = decodeBatch(bytes, fields, 'insert');
  return { rowCount: file.rowCount, columns: file.columns };
}

/** Columns of `fields` from what a directory read gave; a field added later and absent from the file reads as its default. */
function complete(got: ReadonlyMap<string, Column | undefined>, fields: readonly FieldSchema[], rowCount: number, key: string): Map<string, Column> {
  const columns = new Map<string, Column>();
  for (const f of fields) {
    const col = got.get(f.name);
    if (col) columns.set(f.name, col);
    else if (f.added_later === true) columns.set(f.name, absentColumn(f, rowCount));
    else throw new VesperError('FORMAT_CORRUPT', `insert log ${key} lacks column ${f.name}`);
  }
  return columns;
}

/**
 * Reads some columns of an insert log by range when it has a column directory: only the blocks
 * of the wanted columns, each checked against its CRC. A file without a directory (written
 * before it) is read whole and decoded as always. Columns come in the order of `fields`
 * (`wholeFields` on a whole read); a field added later and absent from the file reads as its
 * default (absentColumn). `layout`: what an earlier read of the file returned (no re-read).
 * @throws IO_KEY_NOT_FOUND (file missing), FORMAT_CORRUPT (checksum, short read, bad layout),
 *   FORMAT_UNSUPPORTED (unknown flags or features).
 */
export function readInsertColumns(
  objects: ObjectStore,
  key: string,
  fields: readonly FieldSchema[],
  /** The fields to decode instead when the file has no directory and is read whole anyway. */
  wholeFields: readonly FieldSchema[] = fields,
  layout?: InsertLogLayout,
): Promise<{ rowCount: number; columns: Map<string, Column>; layout: InsertLogLayout }> {
  return withLayout(objects, key, layout, async (l) => {
    if (l.directory === undefined) return { ...(await readWhole(objects, key, wholeFields)), layout: l };
    const got = await readDirectoryColumns(objectRange(objects, key), l.directory, fields, `insert log ${key}`);
    return { rowCount: l.rowCount, columns: complete(got, fields, l.rowCount, key), layout: l };
  });
}

/**
 * The listed rows (in their order) of some columns of an insert log: a fixed-width column's
 * rows by range, only the blocks holding them (column-rows.ts); a variable-width column whole,
 * then its rows taken; a file without a directory read whole. Each column has `rows.length` rows.
 * @throws IO_KEY_NOT_FOUND (file missing), FORMAT_CORRUPT (a block's checksum, short read, bad
 *   layout), FORMAT_UNSUPPORTED (unknown flags or features).
 */
export function readInsertRows(objects: ObjectStore, key: string, fields: readonly FieldSchema[], rows: ArrayLike<number>, layout?: InsertLogLayout): Promise<Map<string, Column>> {
  return withLayout(objects, key, layout, async (l) => {
    const take = (cols: ReadonlyMap<string, Column>, fs: readonly FieldSchema[]): [string, Column][] => fs.map((f) => [f.name, takeRows(cols.get(f.name)!, rows, f)]);
    if (l.directory === undefined) return new Map(take((await readWhole(objects, key, fields)).columns, fields));
    const what = `insert log ${key}`;
    const fixed = fields.filter(rowAddressable);
    const whole = fields.filter((f) => !rowAddressable(f));
    const [byRow, byColumn] = await Promise.all([
      readDirectoryRows(objectRange(objects, key), l.directory, fixed, rows, what),
      whole.length > 0 ? readDirectoryColumns(objectRange(objects, key), l.directory, whole, what) : new Map<string, Column | undefined>(),
    ]);
    const out = new Map<string, Column>();
    for (const [name, col] of complete(byRow, fixed, rows.length, key)) out.set(name, col);
    for (const [name, col] of take(complete(byColumn, whole, l.rowCount, key), whole)) out.set(name, col);
    return new Map(fields.map((f) => [f.name, out.get(f.name)!]));
  });
}
